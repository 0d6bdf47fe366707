/* <qi-recommend> — the embeddable recommend widget of qi-match.
 *
 *   <script src="https://HOST/widget/qi-recommend.js"></script>
 *   <qi-recommend api-key="qi_..." region="乐亭县" limit="5"></qi-recommend>
 *
 * Attributes: api-key (a widget key issued for this page's origin), region (optional district/county),
 * limit (1-10, default 5), api-base (default: where this script came from), label, placeholder, token (a
 * short-lived visitor token the portal's server signed, for portals that require one; sent as X-QI-Token).
 * Typing a demand asks the API (debounced, earlier requests cancelled); the agencies come back as a listbox
 * the keyboard can walk (↓ ↑ Enter Esc). Choosing one fires `qi-select` (bubbles, composed) with
 * detail = {id, name, score, region, kind, capabilities, reasons}.
 */
(() => {
  "use strict";
  const SCRIPT_BASE = document.currentScript ? new URL(document.currentScript.src).origin : location.origin;
  const DEBOUNCE_MS = 400;
  let instances = 0;

  const STYLE = `
    :host { display: block; font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; color: #1d2733;
            max-width: 36rem; }
    .box { border: 1px solid #d8dee6; border-radius: 8px; padding: .8rem; background: #fff; }
    label { display: block; font-size: .9rem; margin-bottom: .3rem; color: #44505c; }
    input { box-sizing: border-box; width: 100%; font: inherit; padding: .55rem .6rem; border: 1px solid #b9c3cf;
            border-radius: 6px; }
    input:focus-visible, li:focus-visible { outline: 3px solid #f0a500; outline-offset: 1px; }
    .status { font-size: .85rem; color: #5b6775; min-height: 1.3rem; margin: .4rem 0 0; }
    .status.error { color: #c62828; }
    ul { list-style: none; margin: .4rem 0 0; padding: 0; }
    li { padding: .5rem .6rem; border-radius: 6px; cursor: pointer; border: 1px solid transparent; }
    li[aria-selected="true"] { background: #e8f1fb; border-color: #9cc2ea; }
    li:hover { background: #f1f6fc; }
    .name { font-weight: 600; }
    .why { font-size: .82rem; color: #5b6775; }
    .brand { font-size: .72rem; color: #8a96a3; text-align: right; margin-top: .3rem; }`;

  class QiRecommend extends HTMLElement {
    static get observedAttributes() { return ["region", "limit"]; }

    constructor() {
      super();
      this.uid = `qi-rec-${++instances}`;
      this.root = this.attachShadow({ mode: "open" });
      this.hits = [];
      this.active = -1;
      this.timer = null;
      this.controller = null;
      this.root.innerHTML = `<style>${STYLE}</style>
        <div class="box" part="box">
          <label part="label" for="${this.uid}-input"></label>
          <input part="input" id="${this.uid}-input" type="text" autocomplete="off" maxlength="2000"
                 role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="${this.uid}-list">
          <p class="status" part="status" role="status" aria-live="polite"></p>
          <ul part="list" id="${this.uid}-list" role="listbox" aria-label="推荐的服务机构" hidden></ul>
          <div class="brand">质量基础设施一站式服务</div>
        </div>`;
      this.input = this.root.querySelector("input");
      this.list = this.root.querySelector("ul");
      this.status = this.root.querySelector(".status");
      this.input.addEventListener("input", () => this.schedule());
      this.input.addEventListener("keydown", e => this.onKey(e));
    }

    connectedCallback() {
      this.root.querySelector("label").textContent = this.getAttribute("label") || "描述您的需求，推荐服务机构";
      this.input.placeholder = this.getAttribute("placeholder") || "如：我们厂的地磅要年检了";
    }

    attributeChangedCallback() { if (this.input && this.input.value.trim()) this.schedule(); }

    headers() {
      const h = { "Content-Type": "application/json", "X-API-Key": this.getAttribute("api-key") || "" };
      if (this.getAttribute("token")) h["X-QI-Token"] = this.getAttribute("token");
      return h;
    }
    get apiBase() { return (this.getAttribute("api-base") || SCRIPT_BASE).replace(/\/$/, ""); }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fetchHits(), DEBOUNCE_MS);
    }

    async fetchHits() {
      const text = this.input.value.trim();
      if (this.controller) this.controller.abort();
      if (text.length < 2) { this.show([]); this.say(""); return; }
      this.controller = new AbortController();
      const body = { text, limit: Math.min(10, Math.max(1, parseInt(this.getAttribute("limit") || "5", 10) || 5)) };
      const region = this.getAttribute("region");
      if (region) body.region = region;
      this.say("正在查找……");
      try {
        const resp = await fetch(`${this.apiBase}/v1/recommend`, {
          method: "POST", signal: this.controller.signal,
          headers: this.headers(),
          body: JSON.stringify(body),
        });
        const data = await resp.json().catch(() => ({}));
        if (!resp.ok) {
          const retry = resp.headers.get("Retry-After");
          throw new Error(resp.status === 429 ? `请求过于频繁，请 ${retry || "稍"} 秒后再试`
                                              : (data.error && data.error.message) || `服务暂不可用（${resp.status}）`);
        }
        this.show(data.agencies);
        this.say(data.agencies.length ? `找到 ${data.agencies.length} 家服务机构，用上下键选择，回车确认`
                                      : "没有找到合适的机构，请换个说法");
      } catch (e) {
        if (e.name === "AbortError") return;
        this.show([]);
        this.say(e.message, true);
      }
    }

    say(text, error = false) {
      this.status.textContent = text;
      this.status.classList.toggle("error", error);
    }

    show(hits) {
      this.hits = hits;
      this.active = -1;
      this.list.replaceChildren(...hits.map((hit, i) => {
        const li = document.createElement("li");
        li.id = `${this.uid}-opt-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const name = document.createElement("div");
        name.className = "name";
        name.textContent = hit.title;
        const why = document.createElement("div");
        why.className = "why";
        const cap = hit.capabilities[0];
        why.textContent = [hit.details.region, cap ? `${cap.service} ${cap.object}` : "",
                           (hit.reasons.find(r => r.effect === 1) || {}).text || ""].filter(Boolean).join(" · ");
        li.append(name, why);
        li.addEventListener("mousedown", e => { e.preventDefault(); this.select(i); });
        return li;
      }));
      this.list.hidden = hits.length === 0;
      this.input.setAttribute("aria-expanded", String(hits.length > 0));
      this.input.removeAttribute("aria-activedescendant");
    }

    highlight(i) {
      this.active = i;
      [...this.list.children].forEach((li, j) => li.setAttribute("aria-selected", String(i === j)));
      if (i >= 0) {
        this.input.setAttribute("aria-activedescendant", this.list.children[i].id);
        this.list.children[i].scrollIntoView({ block: "nearest" });
      }
    }

    onKey(e) {
      if (!this.hits.length) return;
      if (e.key === "ArrowDown") { e.preventDefault(); this.highlight((this.active + 1) % this.hits.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); this.highlight((this.active - 1 + this.hits.length) % this.hits.length); }
      else if (e.key === "Enter" && this.active >= 0) { e.preventDefault(); this.select(this.active); }
      else if (e.key === "Escape") { this.show([]); }
    }

    select(i) {
      const hit = this.hits[i];
      this.highlight(i);
      this.say(`已选择：${hit.title}`);
      this.dispatchEvent(new CustomEvent("qi-select", {
        bubbles: true, composed: true,
        detail: { id: hit.id, name: hit.title, score: hit.score, region: hit.details.region, kind: hit.details.kind,
                  capabilities: hit.capabilities, reasons: hit.reasons },
      }));
    }
  }

  if (!customElements.get("qi-recommend")) customElements.define("qi-recommend", QiRecommend);
})();
