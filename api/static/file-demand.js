/* Public page: file a demand online; the answer is the archive number and the tracking code (shown once). */
"use strict";
(function () {
  const form = document.getElementById("file-form");
  if (!form) return;
  const $ = id => document.getElementById(id);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const out = $("file-result");
    const body = { text: $("f-text").value.trim(), channel: "线上平台", enterprise_name: $("f-enterprise").value.trim(),
                   consent: $("f-consent").checked };
    for (const [field, id] of [["region", "f-region"], ["contact_person", "f-person"], ["contact_phone", "f-phone"]]) {
      const v = $(id).value.trim();
      if (v) body[field] = v;
    }
    $("file-btn").disabled = true;
    try {
      const r = await api("/v1/demands", { method: "POST", body });
      const link = `/track#${encodeURIComponent(r.number)}`;
      out.replaceChildren(h("div", { class: "notice", id: "file-ack" },
        h("p", {}, "已受理。请记下档案编号和查询码（查询码只显示这一次）："),
        h("p", {}, "档案编号 ", h("span", { class: "code", id: "ack-number" }, r.number)),
        h("p", {}, "查询码 ", h("span", { class: "code", id: "ack-code" }, r.tracking_code)),
        h("p", {}, h("a", { href: link, id: "ack-track" }, "查询办理进度"))));
      form.reset();
    } catch (err) {
      out.replaceChildren(h("p", { class: "error" }, err.message));
    } finally {
      $("file-btn").disabled = false;
    }
  });
})();
