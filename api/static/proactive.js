/* Staff: the proactive list (§6.1.2 定期巡访) by region, with its Excel export. */
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  let KEY = sessionStorage.getItem("qi-staff-key") || "";
  const params = () => ({ region: $("p-region").value.trim(), days: $("p-days").value, as_of: $("p-asof").value });
  async function load() {
    try {
      const r = await api("/v1/proactive", { key: KEY, params: params() });
      sessionStorage.setItem("qi-staff-key", KEY);
      $("login-card").hidden = true;
      $("list-card").hidden = false;
      $("p-status").textContent = `${r.items.length} 家企业需要联系（评估日期 ${r.as_of}）`;
      $("p-table").tBodies[0].replaceChildren(...r.items.map(i => h("tr", {},
        h("td", {}, `${i.name}（${i.enterprise_id}）`), h("td", {}, i.region || ""), h("td", {}, i.industry || ""),
        h("td", {}, i.overdue), h("td", {}, i.due), h("td", {}, i.certificates), h("td", {}, i.standards),
        h("td", {}, i.earliest || ""), h("td", {}, h("ul", {}, i.reminders.map(x => h("li", {}, x.text)))))));
    } catch (e) {
      const where = $("list-card").hidden ? "login-status" : "p-status";
      $(where).textContent = e.status === 401 || e.status === 403 ? "密钥无效或不是工作人员密钥" : e.message;
    }
  }
  $("login-form").addEventListener("submit", e => { e.preventDefault(); KEY = $("key").value.trim(); load(); });
  $("filter-form").addEventListener("submit", e => { e.preventDefault(); load(); });
  $("p-export").addEventListener("click", async () => {
    const url = new URL("/v1/proactive.xlsx", location.origin);
    for (const [k, v] of Object.entries(params())) if (v) url.searchParams.set(k, v);
    const resp = await fetch(url, { headers: { "X-API-Key": KEY } });
    if (!resp.ok) { $("p-status").textContent = `导出失败（HTTP ${resp.status}）`; return; }
    const a = h("a", { href: URL.createObjectURL(await resp.blob()), download: "主动服务清单.xlsx" });
    document.body.append(a); a.click(); a.remove();
  });
  if (KEY) load();
})();
