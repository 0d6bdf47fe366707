/* Public self-search page: suggestions, search with facets and paging, profiles, standard validity. */
"use strict";
const $ = id => document.getElementById(id);
const PAGE = 10;
let current = { q: "", target: "agency", region: "", filters: {}, offset: 0 };

/* ---- suggestions: an ARIA combobox ---------------------------------------------------------------- */
const input = $("q"), list = $("suggestions");
let options = [], active = -1;
function closeList() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
function highlight(i) {
  active = i;
  [...list.children].forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
  if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
}
function choose(s) {
  closeList();
  if (s.kind === "agency") { location.hash = `#/agency/${encodeURIComponent(s.id)}`; return; }
  if (s.kind === "standard") { $("std-code").value = s.label; lookupStandard(s.label); return; }
  input.value = s.label;
  runSearch({ offset: 0 });
}
const KIND_NAMES = { object: "服务项目", term: "常用说法", agency: "机构", standard: "标准" };
const fetchSuggestions = debounce(async () => {
  const q = input.value.trim();
  if (!q) { closeList(); return; }
  try {
    const data = await api("/v1/suggest", { params: { q, limit: 8 } });
    if (input.value.trim() !== q) return;
    options = data.suggestions;
    list.replaceChildren(...options.map((s, i) => h("li", { id: `sg-${i}`, role: "option", "aria-selected": "false",
      onmousedown: e => { e.preventDefault(); choose(s); } },
      s.label, h("span", { class: "kind" }, KIND_NAMES[s.kind] + (s.detail ? ` · ${s.detail}` : "")))));
    list.hidden = options.length === 0;
    input.setAttribute("aria-expanded", String(options.length > 0));
    active = -1;
  } catch (e) { closeList(); }
}, 250);
input.addEventListener("input", fetchSuggestions);
input.addEventListener("keydown", e => {
  if (list.hidden) return;
  if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % options.length); }
  else if (e.key === "ArrowUp") { e.preventDefault(); highlight((active - 1 + options.length) % options.length); }
  else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(options[active]); }
  else if (e.key === "Escape") closeList();
});
input.addEventListener("blur", () => setTimeout(closeList, 100));

/* ---- search ------------------------------------------------------------------------------------------ */
$("search-form").addEventListener("submit", e => {
  e.preventDefault(); closeList();
  current.filters = {};
  runSearch({ offset: 0 });
});
$("prev").addEventListener("click", () => runSearch({ offset: Math.max(0, current.offset - PAGE) }));
$("next").addEventListener("click", () => runSearch({ offset: current.offset + PAGE }));

async function runSearch({ offset }) {
  current = { ...current, q: input.value.trim(), target: $("target").value, region: $("region").value.trim(), offset };
  if (!current.q) return;
  $("status").textContent = "正在查找……";
  $("profile").hidden = true;
  try {
    const data = await api("/v1/search", { params: { q: current.q, target: current.target, region: current.region,
      limit: PAGE, offset, ...current.filters } });
    renderResults(data);
  } catch (e) {
    $("results").replaceChildren();
    $("pager").hidden = true;
    $("status").textContent = e.message;
    $("status").classList.add("error");
  }
}

function renderResults(data) {
  $("status").classList.remove("error");
  const d = data.demand;
  const understood = d.understood || [d.region ? `地区：${d.region}` : "", d.services.length ? `服务：${d.services.join("、")}` : ""].filter(Boolean).join("　");
  $("status").textContent = data.total ? `找到 ${data.total} 条结果${understood ? "（" + understood + "）" : ""}` : "没有找到相关结果，换个说法试试，或联系服务站工作人员。";
  // An agency searched for by name that is not recommended says why (suspended, qualification expired).
  const named = (data.excluded || []).filter(x => (x.reasons || []).length).map(x =>
    h("li", { class: "result excluded" }, h("strong", {}, x.title), " 未予推荐：", x.reasons[0].text));
  $("results").replaceChildren(...named, ...data.hits.map(renderHit));
  renderFacets(data.facets);
  $("pager").hidden = data.total <= PAGE;
  $("prev").disabled = data.offset === 0;
  $("next").disabled = data.offset + PAGE >= data.total;
  $("page-info").textContent = `第 ${Math.floor(data.offset / PAGE) + 1} / ${Math.ceil(data.total / PAGE)} 页`;
}

function renderHit(hit) {
  const d = hit.details || {};
  const link = h("a", { href: `#/${hit.target}/${encodeURIComponent(hit.id)}`, class: "title" }, hit.title);
  const parts = [link];
  if (hit.target === "agency") {
    parts.push(h("div", { class: "meta" }, `${d.kind_label || ""} · ${d.region || ""}`));
    parts.push(h("div", {}, hit.capabilities.map(c => h("div", { class: "meta" },
      `${c.category}/${c.service}：${c.object}${c.basis.length ? "（依据 " + c.basis.join("、") + "）" : ""}`))));
    parts.push(h("div", {}, qualBadges(d.qualifications || [])));
  } else if (hit.target === "expert") {
    parts.push(h("div", { class: "meta" }, `${d.title || ""} · ${d.employer || ""} · ${d.domain || ""}`));
    parts.push(h("div", { class: "meta" }, `专长：${(d.specialties || []).join("、")}`));
  } else if (hit.target === "equipment") {
    parts.push(h("div", { class: "meta" }, `${d.model || ""} · ${d.owner || ""} · ${d.region || ""}`));
    parts.push(h("div", {}, h("span", { class: `badge ${d.status === "正常" ? "valid" : "bad"}` }, d.status),
      h("span", { class: "badge" }, d.shareable ? "可共享" : "不对外共享"), d.fee ? h("span", { class: "badge" }, d.fee) : null));
  } else {
    parts.push(h("div", {}, h("span", { class: `badge ${d.status === "现行" ? "valid" : d.status === "废止" ? "expired" : "expiring"}` }, d.status),
      d.current && d.current !== hit.id ? h("span", { class: "badge" }, `现行版本：${d.current}`) : null));
  }
  parts.push(reasonList(hit.reasons));
  return h("li", {}, parts);
}

function renderFacets(facets) {
  const box = $("facets");
  const entries = Object.entries(facets).filter(([, counts]) => Object.keys(counts).length > 0);
  $("filters-card").hidden = entries.length === 0;
  box.replaceChildren(...entries.map(([facet, counts]) => {
    const id = `facet-${facet}`;
    const select = h("select", { id, onchange: e => {
      if (e.target.value) current.filters[facet] = e.target.value; else delete current.filters[facet];
      runSearch({ offset: 0 });
    } }, h("option", { value: "" }, "全部"),
      Object.entries(counts).map(([v, n]) => h("option", { value: v, selected: current.filters[facet] === v },
        `${facetValueLabel(facet, v)}（${n}）`)));
    return h("div", {}, h("label", { for: id }, FACET_LABELS[facet] || facet), select);
  }));
}

/* ---- profiles (#/agency/ID, #/expert/ID, #/equipment/ID, #/standard/CODE) ------------------------------ */
async function showProfile() {
  const m = location.hash.match(/^#\/(agency|expert|equipment|standard)\/(.+)$/);
  const box = $("profile");
  if (!m) { box.hidden = true; return; }
  const [, kind, id] = m;
  const path = { agency: "agencies", expert: "experts", equipment: "equipment", standard: "standards" }[kind];
  try {
    const data = await api(`/v1/${path}/${kind === "standard" ? decodeURIComponent(id) : id}`);
    box.replaceChildren(...renderProfile(kind, data), h("p", {}, h("a", { href: "#", onclick: e => { e.preventDefault(); history.back(); } }, "返回结果")));
  } catch (e) {
    box.replaceChildren(h("p", { class: "error" }, e.message));
  }
  box.hidden = false;
  box.focus();
  box.scrollIntoView({ behavior: "smooth" });
}
function renderProfile(kind, d) {
  if (kind === "agency") return [
    h("h2", {}, d.name),
    h("p", { class: "meta" }, `${d.kind_label} · ${d.city || ""}${d.region} · ${d.address || ""}`),
    h("p", {}, h("span", { class: `badge ${d.status === "正常" ? "valid" : "bad"}` }, d.status),
      d.turnaround_days ? h("span", { class: "badge" }, `一般 ${d.turnaround_days} 个工作日`) : null,
      d.service_area.length ? h("span", { class: "badge" }, `服务范围：${d.service_area.join("、")}`) : null),
    h("h3", {}, "资质"),
    d.qualifications.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "资质"), h("th", {}, "证书编号"), h("th", {}, "有效期至"), h("th", {}, "状态"))),
      h("tbody", {}, d.qualifications.map(q => h("tr", {}, h("td", {}, q.type), h("td", {}, q.number || ""), h("td", {}, q.valid_until || "—"),
        h("td", {}, h("span", { class: `badge ${q.validity}` }, VALIDITY[q.validity])))))) : h("p", { class: "meta" }, "无需资质或未登记"),
    h("h3", {}, "服务能力"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "领域"), h("th", {}, "服务"), h("th", {}, "项目"), h("th", {}, "依据"))),
      h("tbody", {}, d.capabilities.map(c => h("tr", {}, h("td", {}, c.category), h("td", {}, c.service),
        h("td", {}, c.object, c.scope ? h("div", { class: "meta" }, c.scope) : null, c.limits ? h("div", { class: "meta" }, c.limits) : null),
        h("td", {}, (c.basis || []).join("、")))))),
  ];
  if (kind === "expert") return [h("h2", {}, d.name), h("p", { class: "meta" }, `${d.title || ""} · ${d.employer || ""} · ${d.region || ""}`),
    h("p", {}, `领域：${d.domain || ""}；从业 ${d.years_experience ?? "—"} 年；${d.available ? "目前可接受邀请" : "目前不可用"}`),
    h("p", {}, `专长：${d.specialties.join("、")}`), h("p", {}, `资格：${d.qualifications.join("、") || "—"}`),
    h("p", { class: "meta" }, "联系方式由服务站工作人员提供。")];
  if (kind === "equipment") return [h("h2", {}, d.name), h("p", { class: "meta" }, `${d.model || ""} · ${d.manufacturer || ""}`),
    h("p", {}, d.spec || ""), h("p", {}, `所属：${d.owner || ""}（${d.region || ""}）`),
    h("p", {}, h("span", { class: `badge ${d.status === "正常" ? "valid" : "bad"}` }, d.status), h("span", { class: "badge" }, d.shareable ? "可共享" : "不对外共享"),
      d.fee ? h("span", { class: "badge" }, d.fee) : null, d.calibration_due ? h("span", { class: "badge" }, `校准有效至 ${d.calibration_due}`) : null)];
  return renderStandard(d);
}
window.addEventListener("hashchange", showProfile);

/* ---- standard validity ---------------------------------------------------------------------------------- */
function renderStandard(data) {
  return data.editions.map(s => h("div", { class: "std" },
    h("h3", {}, `${s.code} ${s.title}`),
    h("p", {}, h("span", { class: `badge ${s.status === "现行" ? "valid" : s.status === "废止" ? "expired" : "expiring"}` }, s.status),
      s.mandatory ? h("span", { class: "badge" }, "强制性") : null, s.kind ? h("span", { class: "badge" }, s.kind) : null),
    h("p", { class: "meta" }, `发布 ${s.issued || "—"}，实施 ${s.effective || "—"}`),
    s.status !== "现行" && s.current ? h("p", {}, "现行版本：", h("strong", {}, s.current)) : null,
    s.replaced_by.length ? h("p", {}, `被代替：${s.replaced_by.join(" → ")}`) : null,
    s.replaces.length ? h("p", {}, `代替：${s.replaces.join("、")}`) : null));
}
async function lookupStandard(code) {
  const box = $("std-result");
  box.textContent = "正在查询……";
  try { box.replaceChildren(...renderStandard(await api(`/v1/standards/${code.trim()}`))); }
  catch (e) { box.replaceChildren(h("p", { class: "error" }, e.message)); }
}
$("std-form").addEventListener("submit", e => { e.preventDefault(); lookupStandard($("std-code").value); });
showProfile();
