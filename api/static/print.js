/* 服务单 page: /console/print/{archive number}, read with the staff key the console keeps for this tab. */
"use strict";
const NUMBER = decodeURIComponent(location.pathname.split("/").pop());
const KEY = sessionStorage.getItem("qi-staff-key") || "";
const sheetBox = document.getElementById("sheet");
const row = (label, ...value) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, ...value));
const orDash = v => (v === null || v === undefined || v === "" ? "—" : v);

document.getElementById("print-btn").addEventListener("click", () => window.print());
document.getElementById("pdf-btn").addEventListener("click", async e => {
  e.preventDefault();
  try { await download(`/v1/demands/${encodeURIComponent(NUMBER)}/service-sheet.pdf`, `${NUMBER}.pdf`, KEY); }
  catch (err) { document.getElementById("print-status").textContent = err.message; }
});

(async () => {
  let s;
  try {
    s = await api(`/v1/demands/${encodeURIComponent(NUMBER)}/service-sheet`, { key: KEY });
  } catch (err) {
    sheetBox.replaceChildren(h("p", { class: "error", role: "alert" }, err.status === 401 || err.status === 403 ?
      "请先在工作台登录，再从需求详情打开服务单" : err.message));
    return;
  }
  document.title = `服务单 ${s.number}`;
  const e = s.enterprise, r = s.reading || {}, ch = s.chosen, fb = s.feedback;
  sheetBox.replaceChildren(
    h("div", { class: "station" }, "质量基础设施“一站式”服务站"),
    h("h1", {}, "服务单"),
    h("table", {},
      row("档案号", h("strong", { id: "sheet-number" }, s.number)),
      row("状态", s.status), row("受理", `${s.received}，渠道：${s.channel}`)),
    h("h2", {}, "一、服务对象"),
    h("table", {},
      row("企业", `${orDash(e.name)}（${orDash(e.id)}）`), row("统一社会信用代码", orDash(e.credit_code)),
      row("区县", orDash(e.region)), row("联系人", `${orDash(s.contact.person)}　${orDash(s.contact.phone)}`)),
    h("h2", {}, "二、需求"),
    h("table", {}, row("需求描述", s.text),
      row("需求理解", r.services ? `地区 ${r.region || "未说明"}；服务 ${(r.services || []).join("、") || "未说明"}${(r.terms || []).length ? "；" + r.terms.join("；") : ""}` : "（尚未匹配）")),
    h("h2", {}, "三、推荐的服务机构"),
    s.suggested.length ? h("ol", {}, s.suggested.map(a => h("li", {}, `${a.name}（${a.id}）`,
      h("div", { class: "reasons" }, a.reasons.slice(0, 3).join("；"))))) : h("p", {}, "（尚未匹配）"),
    h("h2", {}, "四、派单"),
    ch ? h("table", {}, row("承办", ch.agency_name), row("服务事项", orDash(ch.service_items.join("、"))),
      row("服务时间", orDash(ch.scheduled)), row("周期", ch.period_days ? `${ch.period_days} 天` : "—"),
      row("经办", orDash(ch.by)),
      ...s.redispatches.map(x => row("改派", `${x.at}：${orDash(x.from)} → ${x.to}，原因：${x.reason}`)))
      : h("p", {}, "（尚未派单）"),
    h("h2", {}, "五、跟踪"),
    s.follow_ups.length ? h("ul", {}, s.follow_ups.map(f => h("li", {}, `${f.at}　${f.note}${f.status ? "（" + f.status + "）" : ""}${f.by ? "　" + f.by : ""}`)))
      : h("p", {}, "（暂无）"),
    h("h2", {}, "六、反馈"),
    h("p", {}, fb ? `满意度 ${fb.satisfaction} 分（${fb.at}）　${fb.comment || ""}` : "（暂无）"),
    h("div", { class: "sign" }, h("span", {}, "经办人签字："), h("span", {}, "企业确认："), h("span", {}, "日期：")));
})();
