/* 统计评价 (§8): the indicators from GET /v1/stats, each chart drawn with Apache ECharts (served from this
   server, no CDN) and followed by the numbers behind it as a table and an Excel download. */
"use strict";
const LEVELS = { basic: "基础服务", extended: "拓展服务", innovation: "创新服务", unclassified: "未分类" };
const num = v => (v === null || v === undefined ? "—" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v));
const charts = [];

function statsParams() {
  const params = {};
  for (const [k, v] of new FormData($("stats-form")).entries()) if (String(v).trim()) params[k] = String(v).trim();
  return params;
}
$("stats-form").addEventListener("submit", e => { e.preventDefault(); loadStats(); });
window.addEventListener("resize", () => charts.forEach(c => c.resize()));

async function loadStats() {
  $("stats-status").classList.remove("error");
  $("stats-status").textContent = "正在统计……";
  let s;
  try {
    s = await call("/v1/stats", { params: statsParams() });
  } catch (err) {
    $("stats-status").textContent = err.message;
    $("stats-status").classList.add("error");
    return;
  }
  $("stats-status").textContent = `统计区间 ${s.period.from || "—"} 至 ${s.period.to || "—"}（历史档案 ${s.sources.archive} 条，服务站受理 ${s.sources.live} 条）`;
  const d = s.demands;
  const kpi = (label, value) => h("div", { class: "kpi" }, h("span", { class: "meta" }, label), h("b", {}, num(value)));
  $("stats-summary").replaceChildren(
    kpi("受理", d.received), kpi("已匹配", d.matched), kpi("已派单", d.dispatched), kpi("办结", d.completed),
    kpi("取消", d.cancelled), kpi("服务企业", s.enterprises_served.distinct), kpi("新服务企业", s.enterprises_served.new),
    kpi("平均满意度", s.satisfaction.mean), kpi("响应时长中位数（小时）", s.response_hours.p50),
    kpi("响应时长 90% 分位（小时）", s.response_hours.p90),
    ...Object.entries(s.services).map(([k, v]) => kpi(LEVELS[k], v)));
  charts.splice(0).forEach(c => c.dispose());
  const months = s.by_month;
  const top = (rows, n) => rows.slice(0, n);
  $("stats-charts").replaceChildren(
    chartCard("by_month", "按月趋势", {
      tooltip: { trigger: "axis" }, legend: { data: ["受理", "办结"] },
      xAxis: { type: "category", data: months.map(r => r.month) }, yAxis: { type: "value" },
      series: [{ name: "受理", type: "line", data: months.map(r => r.received) },
               { name: "办结", type: "line", data: months.map(r => r.completed) }] },
      [["month", "月份"], ["received", "受理"], ["completed", "办结"], ["cancelled", "取消"], ["satisfaction_mean", "平均满意度"]], months),
    chartCard("by_category", "按服务类别", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: s.by_category.map(r => ({ name: r.category, value: r.received })) }] },
      [["category", "类别"], ["received", "受理"], ["completed", "办结"], ["satisfaction_mean", "平均满意度"]], s.by_category),
    chartCard("by_region", "按区县", {
      tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, containLabel: true },
      xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: top(s.by_region, 15).map(r => r.region) },
      series: [{ name: "受理", type: "bar", data: top(s.by_region, 15).map(r => r.received) }] },
      [["region", "区县"], ["received", "受理"], ["completed", "办结"], ["satisfaction_mean", "平均满意度"]], s.by_region),
    chartCard("satisfaction", "满意度分布", {
      tooltip: { trigger: "axis" }, xAxis: { type: "category", data: ["1 分", "2 分", "3 分", "4 分", "5 分"] }, yAxis: { type: "value" },
      series: [{ name: "评价数", type: "bar", data: ["1", "2", "3", "4", "5"].map(k => s.satisfaction.distribution[k]) }] },
      [["score", "满意度"], ["count", "数量"]], Object.entries(s.satisfaction.distribution).map(([score, count]) => ({ score, count }))),
    chartCard("by_agency", "机构排行（服务量前 10）", {
      tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, containLabel: true },
      xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: top(s.by_agency, 10).map(r => r.name) },
      series: [{ name: "服务量", type: "bar", data: top(s.by_agency, 10).map(r => r.served) }] },
      [["name", "机构"], ["served", "服务量"], ["completion_rate", "办结率"], ["satisfaction_mean", "平均满意度"], ["turnaround_hours_p50", "响应时长中位数（小时）"]], s.by_agency),
    tableCard("by_staff", "工作人员（§8.2.2）",
      [["name", "工作人员"], ["handled", "经办量"], ["dispatched", "派单量"], ["response_hours_p50", "派单时长中位数（小时）"], ["satisfaction_mean", "平均满意度"]], s.by_staff));
}

function table(columns, rows) {
  return h("div", { class: "chart-table" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map(([, label]) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, rows.map(r => h("tr", {}, columns.map(([k]) => h("td", {}, num(r[k]))))))));
}

function xlsxButton(name) {
  return h("button", { type: "button", class: "secondary xlsx", "data-table": name, onclick: async () => {
    const q = new URLSearchParams(statsParams()).toString();
    try { await download(`/v1/stats/${name}.xlsx?${q}`, `统计-${name}.xlsx`, KEY); }
    catch (err) { $("stats-status").textContent = err.message; $("stats-status").classList.add("error"); }
  } }, "下载 Excel");
}

function chartCard(name, title, option, columns, rows) {
  const box = h("div", { class: "chart", id: `chart-${name}`, role: "img", "aria-label": title });
  const card = h("section", { class: "card", id: `card-${name}` }, h("h3", { class: "h2" }, title), box,
    table(columns, rows), xlsxButton(name));
  requestAnimationFrame(() => {
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({ animation: false, ...option });
    charts.push(chart);
  });
  return card;
}

function tableCard(name, title, columns, rows) {
  return h("section", { class: "card", id: `card-${name}` }, h("h3", { class: "h2" }, title),
    rows.length ? table(columns, rows) : h("p", { class: "meta" }, "暂无工作人员经办记录"), xlsxButton(name));
}
