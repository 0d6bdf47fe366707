/* The enterprise's page: log in with an enterprise key; reminders, the instrument ledger (upload, due list,
   batches to book with one click, every row with reasons, edit), a due calendar, certificates and standards,
   its demands with their steps, and what peers most often need. */
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  let KEY = sessionStorage.getItem("qi-enterprise-key") || "";
  let ME = null;
  let CERTS = [];
  let STDS = [];
  const call = (path, opts = {}) => api(path, { ...opts, key: KEY });
  const base = () => `/v1/enterprises/${encodeURIComponent(ME.id)}`;
  const asOf = () => $("as-of").value || undefined;
  const STATUS = { overdue: "已超期", due_30: "30天内到期", due_60: "60天内到期", due_90: "90天内到期", ok: "正常" };
  const STATE = { valid: "有效", expiring: "即将到期", expired: "已过期", unknown: "未知", ok: "现行有效",
                  withdrawn: "已废止", replaced: "已被代替", superseded_soon: "即将被代替", upcoming: "尚未实施" };
  const st = (code, labels) => h("span", { class: `st ${code}` }, labels[code] || code);

  async function login(key) {
    KEY = key;
    try {
      ME = await call("/v1/my");
      sessionStorage.setItem("qi-enterprise-key", key);
      $("login-card").hidden = true;
      $("workspace").hidden = false;
      $("who").textContent = `${ME.name}（${ME.id}，${ME.region || ""}，${ME.industry || ""}）`;
      refresh();
    } catch (e) {
      $("login-status").textContent = e.status === 401 || e.status === 403 ? "密钥无效或不是企业密钥" : e.message;
      $("login-status").classList.add("error");
    }
  }
  $("login-form").addEventListener("submit", e => { e.preventDefault(); login($("key").value.trim()); });

  function refresh() { loadLedger(); loadWatch(); loadDemands(); loadReminders(); loadPeers(); }

  // ---- ledger ------------------------------------------------------------------------------------------
  function agenciesText(list) { return list.length ? list.map(a => a.name).join("、") : "本地区暂无可承担机构"; }
  function showLedger(data) {
    const due = data.instruments.filter(i => i.status !== "ok");
    $("due-table").tBodies[0].replaceChildren(...due.map(i => h("tr", { "data-row": i.row },
      h("td", {}, i.row), h("td", {}, i.name), h("td", {}, i.mandatory ? "是" : "否"), h("td", {}, i.service),
      h("td", {}, i.regulation || "—"), h("td", {}, i.cycle_months), h("td", {}, i.next_due || "无记录"),
      h("td", {}, st(i.status, STATUS)), h("td", {}, agenciesText(i.agencies)))));
    if (!due.length) $("due-table").tBodies[0].replaceChildren(h("tr", {}, h("td", { colspan: 9 }, "没有 90 天内到期的器具")));
    const byRow = Object.fromEntries(data.instruments.map(i => [i.row, i]));
    $("groups").replaceChildren(...data.groups.map(g => h("div", { class: "group" },
      h("div", { class: "title" }, g.agency_name),
      h("p", { class: "meta" }, `${g.rows.length} 台，最早 ${g.next_due || "已超期"} 到期`),
      h("ul", {}, g.rows.map(r => h("li", {}, `${byRow[r].name}（第${r}行，${byRow[r].service}）`))),
      h("button", { type: "button", class: "book", "data-agency": g.agency_id,
                    onclick: () => book(g) }, "一键预约送检"))));
    if (!data.groups.length) $("groups").replaceChildren(h("p", { class: "meta" }, "暂无需要合并送检的器具"));
    $("all-table").tBodies[0].replaceChildren(...data.instruments.map(i => h("tr", { "data-row": i.row },
      h("td", {}, i.row), h("td", {}, i.name), h("td", {}, (ROWS[i.row] || {}).use || ""),
      h("td", {}, i.mandatory ? "是" : "否"), h("td", {}, i.service), h("td", {}, i.regulation || "—"),
      h("td", {}, i.cycle_months), h("td", {}, i.next_due || "无记录"), h("td", {}, st(i.status, STATUS)),
      h("td", {}, h("details", { class: "why" }, h("summary", {}, "理由"), h("ul", {}, i.reasons.map(r => h("li", {}, r))))),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => editRow(i.row) }, "修改"), " ",
        h("button", { type: "button", class: "secondary", onclick: () => deleteRow(i.row) }, "删除")))));
    calendar(data.instruments);
  }
  let ROWS = {};
  async function loadLedger() {
    try {
      const rows = await call(`${base()}/instruments/rows`);
      ROWS = Object.fromEntries(rows.items.map(r => [r.row, r]));
      showLedger(await call(`${base()}/instruments`, { params: { as_of: asOf() } }));
    } catch (e) { $("ledger-status").textContent = e.message; }
  }
  $("as-of").addEventListener("change", loadLedger);
  $("upload-form").addEventListener("submit", async e => {
    e.preventDefault();
    const fd = new FormData();
    fd.append("file", $("ledger-file").files[0]);
    if (asOf()) fd.append("as_of", asOf());
    $("upload-btn").disabled = true;
    $("ledger-status").textContent = "正在分析……";
    try {
      const resp = await fetch(`${base()}/instruments`, { method: "POST", headers: { "X-API-Key": KEY }, body: fd });
      const data = await resp.json();
      if (!resp.ok) {
        const err = data.error || {};
        $("ledger-status").replaceChildren(h("span", { class: "error" }, err.message || `HTTP ${resp.status}`),
          h("ul", { id: "upload-errors" }, (err.details || []).map(d => h("li", {}, d))));
        return;
      }
      const n = data.instruments.length;
      const mand = data.instruments.filter(i => i.mandatory).length;
      $("ledger-status").textContent = `已导入 ${n} 台器具，其中强制检定 ${mand} 台，${data.instruments.filter(i => i.status !== "ok").length} 台 90 天内到期或已超期`;
      await loadLedger();
      loadReminders();
    } catch (err) { $("ledger-status").textContent = err.message; }
    finally { $("upload-btn").disabled = false; }
  });
  async function book(g) {
    try {
      const r = await call(`${base()}/bookings`, { method: "POST", body: { agency_id: g.agency_id, rows: g.rows, as_of: asOf() } });
      $("booking-result").replaceChildren(h("div", { class: "notice", id: "booking-ack" },
        `已提交送检预约（${g.agency_name}，${g.rows.length} 台）：档案编号 `, h("strong", { id: "booking-number" }, r.number),
        "，查询码 ", h("span", { class: "code" }, r.tracking_code)));
      loadDemands();
    } catch (e) { $("booking-result").replaceChildren(h("p", { class: "error" }, e.message)); }
  }
  $("export-btn").addEventListener("click", async () => {
    const url = new URL(`${base()}/instruments.xlsx`, location.origin);
    if (asOf()) url.searchParams.set("as_of", asOf());
    const resp = await fetch(url, { headers: { "X-API-Key": KEY } });
    if (!resp.ok) { $("ledger-status").textContent = `导出失败（HTTP ${resp.status}）`; return; }
    const a = h("a", { href: URL.createObjectURL(await resp.blob()), download: `计量器具台账-${ME.id}.xlsx` });
    document.body.append(a); a.click(); a.remove();
  });
  function editRow(row) {
    const r = ROWS[row]; if (!r) return;
    $("r-row").value = row;
    for (const f of ["name", "model", "serial", "use", "location"]) $(`r-${f}`).value = r[f] || "";
    $("r-cycle").value = r.cycle_months || ""; $("r-last").value = r.last_date || "";
    $("r-name").focus();
  }
  async function deleteRow(row) {
    try { await call(`${base()}/instruments/rows/${row}`, { method: "DELETE" }); } catch (e) { $("ledger-status").textContent = e.message; }
    loadLedger();
  }
  $("r-clear").addEventListener("click", () => $("row-form").reset());
  $("row-form").addEventListener("submit", async e => {
    e.preventDefault();
    const body = { name: $("r-name").value.trim() };
    for (const f of ["model", "serial", "use", "location"]) { const v = $(`r-${f}`).value.trim(); if (v) body[f] = v; }
    if ($("r-cycle").value) body.cycle_months = parseInt($("r-cycle").value, 10);
    if ($("r-last").value) body.last_date = $("r-last").value;
    const row = $("r-row").value;
    try {
      await call(row ? `${base()}/instruments/rows/${row}` : `${base()}/instruments/rows`, { method: row ? "PUT" : "POST", body });
      $("row-form").reset(); $("r-row").value = "";
      loadLedger();
    } catch (err) { $("ledger-status").textContent = err.message; }
  });

  function calendar(items) {
    const start = asOf() ? new Date(asOf()) : new Date();
    const months = [];
    for (let k = 0; k < 12; k++) {
      const d = new Date(start.getFullYear(), start.getMonth() + k, 1);
      months.push({ key: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`, items: [] });
    }
    const overdue = [];
    const byDue = [...items].sort((a, b) => (a.next_due || "").localeCompare(b.next_due || ""));
    for (const i of byDue) {
      if (!i.next_due || i.status === "overdue") { overdue.push(i); continue; }
      const m = months.find(m => i.next_due.startsWith(m.key));
      if (m) m.items.push(i);
    }
    $("calendar").replaceChildren(
      h("div", { class: `month ${overdue.length ? "has" : ""}` }, h("h3", {}, "已超期"),
        overdue.length ? h("ul", {}, overdue.map(i => h("li", {}, i.name))) : h("span", { class: "meta" }, "无")),
      ...months.map(m => h("div", { class: `month ${m.items.length ? "has" : ""}`, "data-month": m.key }, h("h3", {}, m.key),
        m.items.length ? h("ul", {}, m.items.map(i => h("li", {}, `${i.next_due.slice(8)}日 ${i.name}（${i.service}）`)))
                       : h("span", { class: "meta" }, "—"))));
  }

  // ---- certificates and standards -------------------------------------------------------------------------
  async function loadWatch() {
    const w = await call(`${base()}/watch`, { params: { as_of: asOf() } });
    CERTS = w.certificates.map(c => ({ scheme: c.scheme, number: c.number, body: c.body, expiry: c.expiry, scope: c.scope }));
    STDS = w.standards.map(s => ({ code: s.code, product: s.product }));
    $("cert-table").tBodies[0].replaceChildren(...w.certificates.map(c => h("tr", {},
      h("td", {}, c.scheme), h("td", {}, c.number || ""), h("td", {}, c.expiry || ""), h("td", {}, st(c.state, STATE), " ", c.note),
      h("td", {}, c.renewers.map(r => r.name).join("、")))));
    $("std-table").tBodies[0].replaceChildren(...w.standards.map(s => h("tr", {},
      h("td", {}, s.code), h("td", {}, s.title || ""), h("td", {}, st(s.state, STATE)), h("td", {}, s.note))));
  }
  $("cert-form").addEventListener("submit", async e => {
    e.preventDefault();
    const item = { scheme: $("c-scheme").value.trim(), number: $("c-number").value.trim() || null, expiry: $("c-expiry").value || null };
    try { await call(`${base()}/certificates`, { method: "PUT", body: { items: [...CERTS, item] } }); $("cert-form").reset(); }
    catch (err) { alertIn("cert-form", err.message); }
    loadWatch(); loadReminders();
  });
  $("std-form2").addEventListener("submit", async e => {
    e.preventDefault();
    try { await call(`${base()}/standards`, { method: "PUT", body: { items: [...STDS, { code: $("s-code").value.trim() }] } }); $("std-form2").reset(); }
    catch (err) { alertIn("std-form2", err.message); }
    loadWatch(); loadReminders();
  });
  function alertIn(formId, msg) { $(formId).after(h("p", { class: "error" }, msg)); }

  // ---- demands, reminders, peers --------------------------------------------------------------------------
  async function loadDemands() {
    const d = await call(`${base()}/demands`);
    $("demands").replaceChildren(...d.items.map(x => h("li", {},
      h("div", { class: "title" }, `${x.number} · ${x.status}`), h("p", {}, x.text),
      h("ol", { class: "steps" }, x.steps.map(s => h("li", {}, h("strong", {}, s.label), " ",
        h("span", { class: "meta" }, new Date(s.at).toLocaleString("zh-CN", { hour12: false })), s.detail ? ` ${s.detail}` : ""))))));
    if (!d.items.length) $("demands").replaceChildren(h("li", { class: "meta" }, "还没有需求"));
  }
  async function loadReminders() {
    const r = await call(`${base()}/reminders`, { params: { as_of: asOf(), days: 30 } });
    $("reminders").replaceChildren(...r.map(x => h("li", {}, st(x.urgency === "due" ? "due_30" : x.urgency === "expiring" ? "expiring" : "overdue",
      { due_30: "近期到期", expiring: "即将到期", overdue: x.kind === "standard" ? "需更新" : "已超期" }), " ", x.text)));
    if (!r.length) $("reminders").replaceChildren(h("li", { class: "meta" }, "暂无提醒"));
  }
  async function loadPeers() {
    const p = await call(`${base()}/peer-services`);
    $("peer-basis").textContent = `依据服务站历史档案中${p.basis}企业（${p.peers} 家，${p.records} 条记录）`;
    $("peers").replaceChildren(...p.items.map(i => h("li", {}, `${i.category} · ${i.service} · ${i.object}（${i.count} 次）`)));
  }

  if (KEY) login(KEY);
})();
