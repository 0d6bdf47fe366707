"""The three surfaces in a real headless Chromium (Debian's, driven by Playwright) against a real `qi serve`:
the public self-search page, the staff console and the widget embedded in a portal on another origin.
Screenshots are saved under tests/artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect  # waits without evaluating strings in the page: its CSP forbids eval

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless, and none of Chromium's own network traffic (this machine has no internet).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: `make browser` installs Debian's chromium (make test does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # Every surface must work under its Content-Security-Policy: a blocked script, style or request is a failure.
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    context.close()
    assert not errors, errors


def test_public_page_search_filters_profile_and_standard(page, live_server):
    page.set_viewport_size({"width": 412, "height": 915})  # a phone
    page.goto(f"{live_server.url}/")
    page.fill("#q", "地磅")
    page.wait_for_selector("#suggestions li")
    assert "常用说法" in page.inner_text("#suggestions")
    page.keyboard.press("Escape")

    page.fill("#q", "我们厂的地磅要年检了")
    page.fill("#region", "乐亭县")
    page.click("#search-btn")
    page.wait_for_selector("#results li")
    assert page.inner_text("#results li >> nth=0").startswith("乐亭县计量检定所")
    assert "找到" in page.inner_text("#status")

    page.select_option("#facet-service_type", "检定")
    expect(page.locator("#status")).to_contain_text("找到", timeout=30_000)
    page.screenshot(path=ARTIFACTS / "public-search.png", full_page=True)

    page.click("#results li >> nth=0 >> a")
    page.wait_for_selector("#profile h2")
    assert "资质" in page.inner_text("#profile") and "有效" in page.inner_text("#profile")
    page.screenshot(path=ARTIFACTS / "public-agency-profile.png")

    page.fill("#std-code", "GB/T 19001-2008")
    page.click("#std-form button")
    page.wait_for_selector("#std-result h3")
    text = page.inner_text("#std-result")
    assert "废止" in text and "GB/T 19001-2016" in text


def test_staff_console_runs_a_demand_through_the_process(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/console")
    page.fill("#key", "qi_wrong_key")
    page.click("#login-form button")
    page.wait_for_selector("#login-status.error")

    page.fill("#key", live_server.printed("staff key"))
    page.click("#login-form button")
    page.wait_for_selector("#workspace:not([hidden])")
    page.fill("#d-text", "锅炉房的压力表到期了要送检")
    page.fill("#d-region", "丰南区")
    page.fill("#d-phone", "13912345678")
    page.click("#d-submit")
    page.wait_for_selector("li.suggestion")
    first = page.inner_text("li.suggestion >> nth=0")
    assert "压力表" in first and "计量" in first  # the matched capability and its reasons are shown
    page.screenshot(path=ARTIFACTS / "console-suggestions.png", full_page=True)

    page.locator("form.dispatch button").first.click()
    expect(page.locator("#timeline li")).to_have_count(3, timeout=30_000)
    page.fill("#f-note", "已电话联系企业，约定下周送检")
    page.select_option("#f-status", "服务中")
    page.click("#f-note ~ .row button")
    expect(page.locator("#timeline li")).to_have_count(4, timeout=30_000)
    page.select_option("#fb-score", "4")
    page.fill("#fb-comment", "响应及时")
    page.click("#feedback-form button")
    expect(page.locator("#timeline li")).to_have_count(5, timeout=30_000)
    assert page.inner_text("#demand-status") == "已完成"
    timeline = page.inner_text("#timeline")
    for step in ("登记", "匹配", "派单", "跟踪", "反馈"):
        assert step in timeline
    page.screenshot(path=ARTIFACTS / "console-timeline.png", full_page=True)


def test_widget_embedded_on_another_origin(page, live_server, app):
    portal = f"http://127.0.0.1:{live_server.demo_port}/"
    assert portal.split(":")[2] != live_server.url.split(":")[2]  # a different origin (port)
    page.goto(portal)
    widget_input = page.locator("qi-recommend input")  # Playwright pierces the shadow root
    widget_input.click()
    page.keyboard.type("出口欧盟的瓷砖要测吸水率")
    page.wait_for_selector("qi-recommend li[role=option]")
    status = page.locator("qi-recommend [role=status]").inner_text()
    assert "找到" in status
    assert page.locator("qi-recommend input").get_attribute("aria-expanded") == "true"
    options = page.locator("qi-recommend li[role=option]")
    assert "唐山陶瓷产品检验检测中心" in " ".join(options.all_inner_texts()[:3])  # a tile lab among the first
    first = options.first.inner_text()
    page.keyboard.press("ArrowDown")
    assert page.locator("qi-recommend input").get_attribute("aria-activedescendant")
    page.keyboard.press("Enter")
    expect(page.locator("#chosen")).not_to_have_text("尚未选择", timeout=30_000)
    assert page.inner_text("#chosen").split("（")[0] in first  # the qi-select event carries the chosen option
    page.screenshot(path=ARTIFACTS / "widget-on-portal.png", full_page=True)

    # a widget key issued for another site is refused here, and the widget says so
    other = app.state.qi.keys.create("widget", "another portal", ["https://other.example.gov.cn"])
    page.evaluate("""key => {
        const w = document.createElement('qi-recommend');
        w.id = 'stranger'; w.setAttribute('api-key', key); document.body.append(w);
    }""", other)
    page.locator("#stranger input").fill("地磅年检")
    page.wait_for_selector("#stranger .status.error")
    assert "不允许在来源" in page.locator("#stranger [role=status]").inner_text()


def test_widget_debounces_typing(page, live_server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/v1/recommend") else None)
    page.goto(f"http://127.0.0.1:{live_server.demo_port}/")
    page.locator("qi-recommend input").click()
    page.keyboard.type("我们厂的地磅要年检了", delay=40)
    page.wait_for_selector("qi-recommend li[role=option]")
    assert 1 <= len(requests) <= 2, requests


def test_openapi_docs_render_offline(page, live_server):
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/v1/recommend" in p for p in paths) and any("/v1/demands" in p for p in paths)
