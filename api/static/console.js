/* Staff console: log in with a staff key, register demands, see ranked suggestions with reasons, dispatch,
   follow up, record feedback, read the timeline. */
"use strict";
const $ = id => document.getElementById(id);
let KEY = sessionStorage.getItem("qi-staff-key") || "";
const call = (path, opts = {}) => api(path, { ...opts, key: KEY });
const EVENT_NAMES = { received: "登记", matched: "匹配", dispatched: "派单", follow_up: "跟踪", feedback: "反馈" };

async function login(key) {
  KEY = key;
  try {
    await call("/v1/demands", { params: { limit: 1 } });
    sessionStorage.setItem("qi-staff-key", key);
    $("login-card").hidden = true;
    $("workspace").hidden = false;
    loadList();
  } catch (e) {
    $("login-status").textContent = e.status === 401 || e.status === 403 ? "密钥无效或不是工作人员密钥" : e.message;
    $("login-status").classList.add("error");
  }
}
$("login-form").addEventListener("submit", e => { e.preventDefault(); login($("key").value.trim()); });
if (KEY) login(KEY);

$("d-enterprise").addEventListener("input", debounce(async () => {
  const q = $("d-enterprise").value.trim();
  if (q.length < 2) return;
  try {
    const data = await call("/v1/enterprises", { params: { q, limit: 8 } });
    $("enterprise-options").replaceChildren(...data.items.map(e => h("option", { value: e.id }, `${e.name}（${e.region || ""}）`)));
  } catch (e) { /* the field stays usable by hand */ }
}, 300));

$("demand-form").addEventListener("submit", async e => {
  e.preventDefault();
  const body = { text: $("d-text").value.trim(), channel: $("d-channel").value };
  for (const [field, id] of [["region", "d-region"], ["enterprise_id", "d-enterprise"], ["contact_person", "d-person"], ["contact_phone", "d-phone"]]) {
    const v = $(id).value.trim();
    if (v) body[field] = v;
  }
  $("d-submit").disabled = true;
  $("form-status").classList.remove("error");
  $("form-status").textContent = "正在登记……";
  try {
    const d = await call("/v1/demands", { method: "POST", body });
    $("form-status").textContent = `已登记，档案号 ${d.number}`;
    $("demand-form").reset();
    await match(d.number);
    loadList();
  } catch (err) {
    $("form-status").textContent = err.message;
    $("form-status").classList.add("error");
  } finally { $("d-submit").disabled = false; }
});

$("status-filter").addEventListener("change", loadList);
async function loadList() {
  const data = await call("/v1/demands", { params: { limit: 30, status: $("status-filter").value } });
  $("demand-list").replaceChildren(...data.items.map(d => h("li", {},
    h("a", { href: "#", onclick: ev => { ev.preventDefault(); openDemand(d.number); } }, d.number),
    h("span", { class: "badge" }, d.status),
    h("div", { class: "meta" }, d.text.length > 40 ? d.text.slice(0, 40) + "…" : d.text))));
}

async function match(number) {
  const data = await call(`/v1/demands/${number}/match`, { method: "POST", body: { limit: 8 } });
  render(data.demand, data.recommendation);
}
async function openDemand(number) {
  render(await call(`/v1/demands/${number}`), null);
}

function render(d, rec) {
  const box = $("detail");
  const closed = ["已完成", "已取消"].includes(d.status);
  const parts = [
    h("h2", {}, `${d.number}`, h("span", { class: "badge", id: "demand-status" }, d.status)),
    h("p", {}, d.text),
    h("p", { class: "meta" }, `渠道：${d.channel}　区县：${d.region || "未说明"}　企业：${d.enterprise_id || "—"}　联系人：${d.contact_person || "—"} ${d.contact_phone || ""}`),
  ];
  if (!closed) parts.push(h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => match(d.number) }, "匹配服务资源")));
  if (rec) parts.push(renderSuggestions(d, rec));
  if (!closed) parts.push(stationForm(d), followForm(d));
  if (["已派单", "服务中", "已完成"].includes(d.status) && !d.satisfaction) parts.push(feedbackForm(d));
  parts.push(h("h3", {}, "流程跟踪"), h("ol", { class: "timeline", id: "timeline" }, (d.events || []).map(timelineItem)));
  box.replaceChildren(...parts);
  box.focus();
}

function timelineItem(e) {
  const d = e.data || {};
  let text = "";
  if (e.kind === "received") text = `渠道 ${d.channel || ""}`;
  else if (e.kind === "matched") text = `推荐 ${(d.agencies || []).slice(0, 3).map(a => a.name).join("、")}${d.station_serves ? "（服务站可直接受理）" : ""}`;
  else if (e.kind === "dispatched") text = d.mode === "station" ? `服务站受理，预约 ${d.scheduled_at || ""}` :
    `派至 ${d.agency_name || d.agency_id}：${(d.service_items || []).join("、")}${d.scheduled_at ? "，服务时间 " + d.scheduled_at : ""}${d.period_days ? "，周期 " + d.period_days + " 天" : ""}`;
  else if (e.kind === "follow_up") text = `${d.note}${d.status ? "（状态：" + d.status + "）" : ""}`;
  else if (e.kind === "feedback") text = `满意度 ${"★".repeat(d.satisfaction)}${"☆".repeat(5 - d.satisfaction)} ${d.comment || ""}`;
  return h("li", {}, h("strong", {}, EVENT_NAMES[e.kind] || e.kind), " ", h("span", { class: "meta" }, new Date(e.at).toLocaleString("zh-CN")), h("div", {}, text));
}

function renderSuggestions(d, rec) {
  const wrap = h("div", { id: "suggestions" }, h("h3", {}, "推荐服务机构"));
  if (rec.station_serves) wrap.append(h("p", { class: "badge valid" }, "指导类事项：服务站可直接受理"));
  const understood = rec.demand;
  wrap.append(h("p", { class: "meta" }, understood.understood || `理解：地区 ${understood.region || "未说明"}；服务 ${understood.services.join("、") || "未说明"}`));
  if (rec.no_match) wrap.append(h("p", { class: "badge warn" }, rec.message || "没有找到相符的服务，请联系服务站"));
  wrap.append(h("ol", { class: "results" }, rec.agencies.map((a, i) => h("li", { class: "suggestion" },
    h("div", { class: "title" }, `${i + 1}. ${a.title}`, h("span", { class: "kind" }, `匹配度 ${Math.round(a.score)}`)),
    h("div", { class: "meta" }, `${a.details.kind_label} · ${a.details.region}`),
    a.capabilities.map(c => h("div", { class: "meta" }, `${c.category}/${c.service}：${c.object}${c.basis.length ? "（" + c.basis.join("、") + "）" : ""}`)),
    h("div", {}, qualBadges(a.details.qualifications || [])),
    reasonList(a.reasons),
    dispatchForm(d, a)))));
  if (rec.excluded.length) wrap.append(h("p", { class: "meta" }, "未推荐：" + rec.excluded.map(x => `${x.title}（${x.reasons[0]?.text || ""}）`).join("；")));
  const side = [["专家", rec.experts], ["共享设备", rec.equipment], ["相关标准", rec.standards]]
    .filter(([, hits]) => hits.length).map(([label, hits]) => h("p", { class: "meta" }, `${label}：${hits.map(x => x.title + (x.target === "standard" ? "" : "") + "[" + x.id + "]").join("；")}`));
  wrap.append(...side);
  return wrap;
}

function dispatchForm(d, agency) {
  const items = [...new Set(agency.capabilities.map(c => c.object))].join("、");
  const id = agency.id;
  const form = h("form", { class: "row dispatch", onsubmit: async e => {
    e.preventDefault();
    const f = e.target;
    const body = { mode: "agency", agency_id: id, service_items: f.items.value.split(/[、,，]/).map(s => s.trim()).filter(Boolean) };
    if (f.when.value) body.scheduled_at = new Date(f.when.value).toISOString();
    if (f.period.value) body.period_days = Number(f.period.value);
    await submit(d.number, "dispatch", body, f);
  } },
    h("div", { class: "grow" }, h("label", { for: `items-${id}` }, "服务事项"), h("input", { id: `items-${id}`, name: "items", value: items, required: true })),
    h("div", {}, h("label", { for: `when-${id}` }, "服务时间"), h("input", { id: `when-${id}`, name: "when", type: "datetime-local" })),
    h("div", {}, h("label", { for: `period-${id}` }, "周期（天）"), h("input", { id: `period-${id}`, name: "period", type: "number", min: 1, max: 365 })),
    h("div", { class: "auto" }, h("button", { type: "submit" }, "派单给该机构")));
  return form;
}

function stationForm(d) {
  return h("form", { class: "card", onsubmit: async e => {
    e.preventDefault();
    await submit(d.number, "dispatch", { mode: "station", scheduled_at: new Date(e.target.when.value).toISOString(),
      service_items: e.target.items.value ? [e.target.items.value] : [] }, e.target);
  } }, h("h3", { style: "margin-top:0" }, "服务站直接受理（预约）"),
    h("div", { class: "row" },
      h("div", { class: "grow" }, h("label", { for: "st-items" }, "事项"), h("input", { id: "st-items", name: "items", placeholder: "如 计量管理体系建设指导" })),
      h("div", {}, h("label", { for: "st-when" }, "预约时间"), h("input", { id: "st-when", name: "when", type: "datetime-local", required: true })),
      h("div", { class: "auto" }, h("button", { type: "submit", class: "secondary" }, "预约受理"))));
}

function followForm(d) {
  return h("form", { class: "card", onsubmit: async e => {
    e.preventDefault();
    const body = { note: e.target.note.value.trim() };
    if (e.target.status.value) body.status = e.target.status.value;
    await submit(d.number, "events", body, e.target);
  } }, h("h3", { style: "margin-top:0" }, "跟踪记录"),
    h("label", { for: "f-note" }, "记录"), h("textarea", { id: "f-note", name: "note", required: true, maxlength: 2000 }),
    h("div", { class: "row" }, h("div", {}, h("label", { for: "f-status" }, "更新状态"),
      h("select", { id: "f-status", name: "status" }, h("option", { value: "" }, "不变"), h("option", {}, "服务中"), h("option", {}, "已完成"), h("option", {}, "已取消"))),
      h("div", { class: "auto" }, h("button", { type: "submit", class: "secondary" }, "添加跟踪"))));
}

function feedbackForm(d) {
  return h("form", { class: "card", id: "feedback-form", onsubmit: async e => {
    e.preventDefault();
    const body = { satisfaction: Number(e.target.score.value) };
    if (e.target.comment.value.trim()) body.comment = e.target.comment.value.trim();
    await submit(d.number, "feedback", body, e.target);
  } }, h("h3", { style: "margin-top:0" }, "服务反馈"),
    h("div", { class: "row" },
      h("div", {}, h("label", { for: "fb-score" }, "满意度"), h("select", { id: "fb-score", name: "score" },
        [5, 4, 3, 2, 1].map(n => h("option", { value: n }, `${n} ${"★".repeat(n)}`)))),
      h("div", { class: "grow" }, h("label", { for: "fb-comment" }, "意见"), h("input", { id: "fb-comment", name: "comment", maxlength: 2000 })),
      h("div", { class: "auto" }, h("button", { type: "submit" }, "提交反馈"))));
}

async function submit(number, step, body, form) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    render(await call(`/v1/demands/${number}/${step}`, { method: "POST", body }), null);
    loadList();
  } catch (err) {
    button.disabled = false;
    form.append(h("p", { class: "error", role: "alert" }, err.message));
  }
}
