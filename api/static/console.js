/* Staff console: log in with a staff key, register demands, see ranked suggestions with reasons, dispatch,
   follow up, record feedback, read the timeline. */
"use strict";
const $ = id => document.getElementById(id);
let KEY = sessionStorage.getItem("qi-staff-key") || "";
const call = (path, opts = {}) => api(path, { ...opts, key: KEY });
const EVENT_NAMES = { received: "登记", matched: "匹配", dispatched: "派单", redispatched: "改派", follow_up: "跟踪", feedback: "反馈" };

async function login(key) {
  KEY = key;
  try {
    await call("/v1/demands", { params: { limit: 1 } });
    sessionStorage.setItem("qi-staff-key", key);
    $("login-card").hidden = true;
    $("workspace").hidden = false;
    $("tabs").hidden = false;
    loadList();
    route();
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

/* 需求台账: the filters of the list form, paging, and the same filters for the Excel exports. */
const PAGE = 20;
let listOffset = 0;
function listFilters() {
  const params = {};
  for (const [k, v] of new FormData($("list-form")).entries()) if (String(v).trim()) params[k] = String(v).trim();
  return params;
}
$("list-form").addEventListener("submit", e => { e.preventDefault(); listOffset = 0; loadList(); });
$("status-filter").addEventListener("change", () => { listOffset = 0; loadList(); });
$("l-prev").addEventListener("click", () => { listOffset = Math.max(0, listOffset - PAGE); loadList(); });
$("l-next").addEventListener("click", () => { listOffset += PAGE; loadList(); });
for (const [id, masked] of [["l-export", false], ["l-export-masked", true]]) {
  $(id).addEventListener("click", async () => {
    const q = new URLSearchParams(listFilters()).toString();
    const path = masked ? "/v1/exports/demands-masked.xlsx" : "/v1/exports/demands.xlsx";
    try { await download(`${path}?${q}`, masked ? "需求台账-脱敏.xlsx" : "需求台账.xlsx", KEY); }
    catch (err) { $("list-status").textContent = err.message; $("list-status").classList.add("error"); }
  });
}
async function loadList() {
  $("list-status").classList.remove("error");
  let data;
  try {
    data = await call("/v1/demands", { params: { ...listFilters(), limit: PAGE, offset: listOffset } });
  } catch (err) {
    $("list-status").textContent = err.message;
    $("list-status").classList.add("error");
    return;
  }
  $("list-status").textContent = `共 ${data.total} 条`;
  $("demand-list").replaceChildren(...data.items.map(d => h("li", {},
    h("a", { href: "#", onclick: ev => { ev.preventDefault(); openDemand(d.number); } }, d.number),
    h("span", { class: "badge" }, d.status),
    h("div", { class: "meta when" }, `${localTime(d.created_at)} · ${d.channel}${d.enterprise_name ? " · " + d.enterprise_name : ""}`),
    h("div", { class: "meta" }, d.text.length > 40 ? d.text.slice(0, 40) + "…" : d.text))));
  const pages = Math.max(1, Math.ceil(data.total / PAGE));
  $("l-page").textContent = `第 ${Math.floor(listOffset / PAGE) + 1} / ${pages} 页`;
  $("l-prev").disabled = listOffset === 0;
  $("l-next").disabled = listOffset + PAGE >= data.total;
}

/* Two views: 需求办理 (#desk) and 统计评价 (#stats). */
function route() {
  if ($("tabs").hidden) return;  // not logged in yet
  const stats = location.hash === "#stats";
  $("stats-view").hidden = !stats;
  $("workspace").hidden = stats;
  $(stats ? "tab-desk" : "tab-stats").removeAttribute("aria-current");
  $(stats ? "tab-stats" : "tab-desk").setAttribute("aria-current", "page");
  if (stats && typeof loadStats === "function") loadStats();
}
window.addEventListener("hashchange", route);

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
  const steps = d.steps || [];
  parts.push(h("p", {}, h("a", { href: `/console/print/${encodeURIComponent(d.number)}`, target: "_blank", id: "print-link" }, "打印服务单"),
    " · ", h("a", { href: "#", id: "pdf-link", onclick: ev => { ev.preventDefault(); download(`/v1/demands/${encodeURIComponent(d.number)}/service-sheet.pdf`, `${d.number}.pdf`); } }, "下载 PDF")));
  if (steps.includes("match")) parts.push(h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => match(d.number) }, "匹配服务资源")));
  if (rec) parts.push(renderSuggestions(d, rec));
  if (steps.includes("dispatch") || steps.includes("redispatch")) parts.push(stationForm(d));
  if (!closed) parts.push(followForm(d));
  if ((steps.includes("feedback") || steps.includes("feedback_complete")) && !d.satisfaction) parts.push(feedbackForm(d));
  parts.push(h("h3", {}, "流程跟踪"), h("ol", { class: "timeline", id: "timeline" }, (d.events || []).map(timelineItem)));
  box.replaceChildren(...parts);
  box.focus();
}

function timelineItem(e) {
  const d = e.data || {};
  let text = "";
  if (e.kind === "received") text = `渠道 ${d.channel || ""}`;
  else if (e.kind === "matched") text = `推荐 ${(d.agencies || []).slice(0, 3).map(a => a.name).join("、")}${d.station_serves ? "（服务站可直接受理）" : ""}`;
  else if (e.kind === "dispatched" || e.kind === "redispatched") text = (d.mode === "station" ? `服务站受理，预约 ${localTime(d.scheduled_at)}` :
    `派至 ${d.agency_name || d.agency_id}：${(d.service_items || []).join("、")}${d.scheduled_at ? "，服务时间 " + localTime(d.scheduled_at) : ""}${d.period_days ? "，周期 " + d.period_days + " 天" : ""}`) +
    (e.kind === "redispatched" ? `（改派原因：${d.reason}）` : "");
  else if (e.kind === "follow_up") text = `${d.note}${d.status ? "（状态：" + d.status + "）" : ""}`;
  else if (e.kind === "feedback") text = `满意度 ${"★".repeat(d.satisfaction)}${"☆".repeat(5 - d.satisfaction)} ${d.comment || ""}`;
  return h("li", {}, h("strong", {}, EVENT_NAMES[e.kind] || e.kind), " ", h("span", { class: "meta when" }, localTime(e.at)),
    d.by ? h("span", { class: "meta who" }, ` · ${d.by}`) : null, h("div", {}, text));
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
    if (f.when.value) body.scheduled_at = f.when.value;
    if (f.period.value) body.period_days = Number(f.period.value);
    if (f.reason) body.reason = f.reason.value.trim();
    await submit(d.number, "dispatch", body, f);
  } },
    h("div", { class: "grow" }, h("label", { for: `items-${id}` }, "服务事项"), h("input", { id: `items-${id}`, name: "items", value: items, required: true })),
    h("div", {}, h("label", { for: `when-${id}` }, "服务时间"), h("input", { id: `when-${id}`, name: "when", type: "datetime-local" })),
    h("div", {}, h("label", { for: `period-${id}` }, "周期（天）"), h("input", { id: `period-${id}`, name: "period", type: "number", min: 1, max: 365 })),
    redispatching(d) ? h("div", { class: "grow" }, h("label", { for: `reason-${id}` }, "改派原因"), h("input", { id: `reason-${id}`, name: "reason", required: true, maxlength: 2000 })) : null,
    h("div", { class: "auto" }, h("button", { type: "submit" }, redispatching(d) ? "改派给该机构" : "派单给该机构")));
  return form;
}

const redispatching = d => (d.steps || []).includes("redispatch");

/* A datetime-local value (2026-12-02T09:30) goes to the API as it is: the station's local time. */
function stationForm(d) {
  return h("form", { class: "card", onsubmit: async e => {
    e.preventDefault();
    const body = { mode: "station", scheduled_at: e.target.when.value, service_items: e.target.items.value ? [e.target.items.value] : [] };
    if (e.target.reason) body.reason = e.target.reason.value.trim();
    await submit(d.number, "dispatch", body, e.target);
  } }, h("h3", { style: "margin-top:0" }, redispatching(d) ? "改由服务站直接受理（预约）" : "服务站直接受理（预约）"),
    redispatching(d) ? h("div", {}, h("label", { for: "st-reason" }, "改派原因"), h("input", { id: "st-reason", name: "reason", required: true, maxlength: 2000 })) : null,
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
    h("label", { for: "f-note" }, "记录（取消时填写取消原因）"), h("textarea", { id: "f-note", name: "note", required: true, maxlength: 2000 }),
    h("div", { class: "row" }, h("div", {}, h("label", { for: "f-status" }, "更新状态"),
      h("select", { id: "f-status", name: "status" }, h("option", { value: "" }, "不变"),
        [["start", "服务中"], ["complete", "已完成"], ["cancel", "已取消"]].filter(([step]) => (d.steps || []).includes(step)).map(([, s]) => h("option", {}, s)))),
      h("div", { class: "auto" }, h("button", { type: "submit", class: "secondary" }, "添加跟踪"))));
}

function feedbackForm(d) {
  return h("form", { class: "card", id: "feedback-form", onsubmit: async e => {
    e.preventDefault();
    const body = { satisfaction: Number(e.target.score.value) };
    if (d.status !== "已完成") body.status = "已完成";  // feedback on a dispatched demand closes it
    if (e.target.comment.value.trim()) body.comment = e.target.comment.value.trim();
    await submit(d.number, "feedback", body, e.target);
  } }, h("h3", { style: "margin-top:0" }, d.status === "已完成" ? "服务反馈" : "服务反馈（提交即办结）"),
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
