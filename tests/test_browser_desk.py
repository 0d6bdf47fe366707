"""The station's desk in a real headless Chromium against a real `qi serve`: local times, Chinese errors, the
demand list's search and paging, re-dispatch in the timeline, the statistics dashboard (ECharts) and the
printable 服务单. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 - the shared Chromium fixtures

expect = pytest.importorskip("playwright.sync_api").expect  # waits without eval (the pages' CSP forbids it)


@pytest.fixture(scope="module")
def zhang(app) -> str:
    return app.state.qi.keys.create("staff", "张三", rate=100_000)


def login(pg, url: str, key: str, hash_: str = "") -> None:
    pg.set_viewport_size({"width": 1360, "height": 1000})
    pg.goto(f"{url}/console{hash_}")
    pg.fill("#key", key)
    pg.click("#login-form button")
    pg.wait_for_selector("#tabs:not([hidden])")


def register(pg, text: str, region: str) -> None:
    """Fill the 登记新需求 form and submit it."""
    pg.fill("#d-text", text)
    pg.fill("#d-region", region)
    pg.click("#d-submit")


def test_local_times_and_redispatch_in_the_timeline(page, live_server, zhang):  # noqa: F811
    login(page, live_server.url, zhang)
    register(page, "锅炉房的压力表到期了要送检", "丰南区")
    page.wait_for_selector("li.suggestion >> nth=1")
    page.locator("form.dispatch input[name=when]").first.fill("2026-12-02T09:30")
    page.locator("form.dispatch button").first.click()
    expect(page.locator("#timeline li")).to_have_count(3, timeout=30_000)
    timeline = page.inner_text("#timeline")
    assert "服务时间 2026年12月2日 09:30" in timeline  # entered as local time, shown as local time
    assert "张三" in timeline and "T" not in page.inner_text("#timeline li:first-child .when")

    # 改派: a second look at the suggestions; each agency's form now asks for a reason, and the timeline keeps it
    page.click("text=匹配服务资源")
    page.wait_for_selector("form.dispatch input[name=reason]")
    page.locator("li.suggestion >> nth=1").locator("input[name=reason]").fill("原机构排期已满，企业要求本周内完成")
    page.locator("li.suggestion >> nth=1").locator("form.dispatch button").click()
    expect(page.locator("#timeline li")).to_have_count(5, timeout=30_000)
    last = page.inner_text("#timeline li:last-child")
    assert last.startswith("改派") and "原机构排期已满" in last and "张三" in last
    page.screenshot(path=ARTIFACTS / "desk-redispatch-timeline.png", full_page=True)

    # the list shows the same local clock
    page.wait_for_selector("#demand-list li .when")
    when = page.inner_text("#demand-list li:first-child .when")
    assert "年" in when and "月" in when and "T" not in when and "+08" not in when


def test_a_bad_input_gets_a_chinese_message(page, live_server, zhang):  # noqa: F811
    login(page, live_server.url, zhang)
    register(page, "地磅年检", "乐亭镇")
    page.wait_for_selector("#form-status.error")
    assert "未知地区“乐亭镇”" in page.inner_text("#form-status")
    page.fill("#d-region", "乐亭县")
    page.fill("#d-phone", "电话号码")
    page.click("#d-submit")
    expect(page.locator("#form-status")).to_contain_text("联系电话", timeout=30_000)
    message = page.inner_text("#form-status")
    assert "格式不正确" in message and "/" not in message
    page.screenshot(path=ARTIFACTS / "desk-chinese-error.png", full_page=True)


def test_demand_list_search_and_paging(page, live_server, zhang):  # noqa: F811
    token = f"批次{uuid.uuid4().hex[:6]}"
    for i in range(23):
        body = {"text": f"{token} 电子秤检定 第{i + 1}台", "channel": "服务窗口", "enterprise_id": "EN0007"}
        r = httpx.post(f"{live_server.url}/v1/demands", headers={"X-API-Key": zhang}, json=body)
        assert r.status_code == 201, r.text
    login(page, live_server.url, zhang)
    page.fill("#l-q", token)
    page.fill("#l-enterprise", "EN0007")
    page.select_option("#l-sort", "oldest")
    page.click("#l-search")
    expect(page.locator("#list-status")).to_have_text("共 23 条", timeout=30_000)
    assert page.locator("#demand-list li").count() == 20 and page.inner_text("#l-page") == "第 1 / 2 页"
    assert "第1台" in page.inner_text("#demand-list li:first-child")
    page.click("#l-next")
    expect(page.locator("#l-page")).to_have_text("第 2 / 2 页", timeout=30_000)
    assert page.locator("#demand-list li").count() == 3 and page.is_disabled("#l-next")
    assert "第23台" in page.inner_text("#demand-list li:last-child")
    page.screenshot(path=ARTIFACTS / "desk-demand-list.png", full_page=True)


def test_dashboard_draws_its_charts_from_stats(page, live_server, zhang):  # noqa: F811
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    login(page, live_server.url, zhang, "#stats")
    page.wait_for_selector("#chart-by_month canvas")
    for name in ("by_month", "by_category", "by_region", "satisfaction", "by_agency"):
        page.wait_for_selector(f"#chart-{name} canvas")
    stats = httpx.get(f"{live_server.url}/v1/stats", headers={"X-API-Key": zhang}).json()
    assert stats["sources"]["archive"] == 1500
    assert page.locator("#card-by_month tbody tr").count() == len(stats["by_month"])
    assert page.locator("#card-by_agency tbody tr").count() == len(stats["by_agency"])
    assert str(stats["demands"]["received"]) in page.inner_text("#stats-summary")
    assert any("/static/vendor/echarts.min.js" in u for u in requests)
    assert all(u.startswith(live_server.url) or u.startswith("data:") or u.startswith("blob:") for u in requests)
    assert page.locator("#stats-charts button.xlsx").count() == 6
    assert not page.is_visible("#workspace")  # one view at a time
    page.screenshot(path=ARTIFACTS / "desk-stats-dashboard.png", full_page=True)


def test_printable_service_sheet(page, live_server, zhang):  # noqa: F811
    headers = {"X-API-Key": zhang}
    number = httpx.post(f"{live_server.url}/v1/demands", headers=headers, json={
        "text": "车间的行车要做定期检验", "channel": "电话", "enterprise_id": "EN0003", "contact_person": "王小明",
        "contact_phone": "13812345678"}).json()["number"]
    assert httpx.post(f"{live_server.url}/v1/demands/{number}/match", headers=headers, timeout=60).status_code == 200
    agency = httpx.get(f"{live_server.url}/v1/demands/{number}/service-sheet", headers=headers).json()["suggested"][0]
    httpx.post(f"{live_server.url}/v1/demands/{number}/dispatch", headers=headers, json={
        "mode": "agency", "agency_id": agency["id"], "service_items": ["桥式起重机定期检验"],
        "scheduled_at": "2026-12-03T14:00", "period_days": 7})
    login(page, live_server.url, zhang)
    page.goto(f"{live_server.url}/console/print/{number}")  # same tab: the key stays in sessionStorage
    page.wait_for_selector("#sheet-number")
    text = page.inner_text("#sheet")
    assert number in text and agency["name"] in text and "2026年12月3日 14:00" in text and "需求理解" in text
    page.emulate_media(media="print")
    assert not page.is_visible("#print-btn")  # print CSS hides the buttons
    page.screenshot(path=ARTIFACTS / "desk-service-sheet.png", full_page=True)
