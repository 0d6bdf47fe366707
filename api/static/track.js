/* Public tracking page: number + tracking code -> status and steps (no personal data is ever in the answer). */
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const STATUS = { "已受理": "received", "已匹配": "matched", "已派单": "dispatched", "服务中": "in_service",
                   "已完成": "completed", "已取消": "cancelled" };
  function fmt(at) { return new Date(at).toLocaleString("zh-CN", { hour12: false }); }
  async function track(number, code) {
    const out = $("track-result");
    try {
      const r = await api(`/v1/track/${encodeURIComponent(number)}`, { params: { code } });
      out.replaceChildren(
        h("p", {}, "档案编号 ", h("strong", {}, r.number), " · 当前状态 ",
          h("span", { class: `st ${STATUS[r.status] || ""}`, id: "track-status" }, r.status)),
        h("ol", { class: "steps", id: "track-steps" }, r.steps.map(s =>
          h("li", { "data-step": s.step }, h("strong", {}, s.label), " ", h("span", { class: "meta" }, fmt(s.at)),
            s.detail ? h("div", {}, s.detail) : null))));
    } catch (e) {
      out.replaceChildren(h("p", { class: "error", id: "track-error" }, e.status === 404 ? "未找到：编号或查询码不正确" : e.message));
    }
  }
  $("track-form").addEventListener("submit", e => {
    e.preventDefault();
    track($("t-number").value.trim(), $("t-code").value.trim());
  });
  if (location.hash.length > 1) $("t-number").value = decodeURIComponent(location.hash.slice(1));
})();
