/* Shared helpers for the public page and the staff console: DOM building without innerHTML, API calls. */
"use strict";
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false)
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}
async function api(path, { method = "GET", body, key, params } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
  const headers = {};
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const e = data.error || {};
    let msg = e.message || `请求失败（HTTP ${resp.status}）`;
    if (resp.status === 429) msg = `请求过于频繁，请 ${resp.headers.get("Retry-After") || "稍"} 秒后再试`;
    throw new ApiError(resp.status, e.code || "http_error", msg);
  }
  return data;
}
const VALIDITY = { valid: "有效", expiring: "即将到期", expired: "已过期", unknown: "有效期未知" };
const FACET_LABELS = { category: "领域", service_type: "服务类型", qualification_type: "资质（有效）", kind: "类型",
                       status: "状态", shareable: "可共享", available: "可邀请" };
const KIND_LABELS = { legal_metrology: "法定计量检定机构", authorized_metrology: "授权计量检定机构", calibration_lab: "校准实验室",
  testing_lab: "检验检测机构", certification_body: "认证机构", special_equipment: "特种设备检验机构",
  vehicle_inspection: "机动车检验机构", ip_agency: "知识产权代理机构", ip_service: "知识产权服务机构",
  service_station: "一站式服务站", service_workstation: "服务工作站", standards_service: "标准化服务机构",
  quality_consulting: "质量咨询机构", brand_consulting: "品牌咨询机构", ndt_company: "无损检测机构", exam_center: "考试中心" };
function facetValueLabel(facet, value) {
  if (value === "true") return "是";
  if (value === "false") return "否";
  if (facet === "kind") return KIND_LABELS[value] || value;
  return value;
}
function reasonList(reasons) {
  return h("ul", { class: "reasons" }, reasons.map(r =>
    h("li", { class: r.effect === 0 ? "out" : r.effect < 1 ? "down" : "" }, r.text)));
}
function qualBadges(quals) {
  return quals.map(q => {
    const v = q.validity || (q.expired ? "expired" : "valid");
    return h("span", { class: `badge ${v}` }, `${q.type} ${VALIDITY[v]}${q.valid_until ? "（至 " + q.valid_until + "）" : ""}`);
  });
}
function debounce(fn, ms) {
  let t; return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
/* A time from the API is already in the station's zone (2026-12-02T09:30:00+08:00): show its wall clock as
   2026年12月2日 09:30, whatever the browser's own zone. */
function localTime(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  return m ? `${+m[1]}年${+m[2]}月${+m[3]}日 ${m[4]}:${m[5]}` : (iso || "");
}
/* Download a file the API serves to staff (the key goes in a header, so a plain link cannot carry it). */
async function download(path, filename, key = sessionStorage.getItem("qi-staff-key")) {
  const resp = await fetch(new URL(path, location.origin), { headers: { "X-API-Key": key || "" } });
  if (!resp.ok) {
    const data = await resp.json().catch(() => ({}));
    throw new ApiError(resp.status, (data.error || {}).code || "http_error", (data.error || {}).message || `下载失败（HTTP ${resp.status}）`);
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
