"""The enterprise's side in a real headless Chromium against a real `qi serve`: file a demand on the public page
and track it through dispatch; upload a ledger on /my and see the due list, the batches and a one-click booking.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engine.keys import KeyStore
from engine.storage.db import Database

expect = pytest.importorskip("playwright.sync_api").expect  # waits without eval (the pages' CSP forbids it)
from test_browser import ARTIFACTS, browser, page  # noqa: E402, F401 - the shared Chromium fixtures

LEDGER = Path(__file__).resolve().parent / "data" / "ledger_hand.csv"


def test_file_a_demand_on_the_public_page_and_track_it(page, live_server, api_settings):  # noqa: F811
    page.set_viewport_size({"width": 412, "height": 915})  # a phone
    page.goto(f"{live_server.url}/")
    page.fill("#f-text", "我们厂的地磅要年检了，想预约上门检定")
    page.fill("#f-enterprise", "唐山宏信科技有限公司")
    page.fill("#f-region", "丰南区")
    page.fill("#f-person", "陆丽")
    page.fill("#f-phone", "13574271518")
    page.check("#f-consent")
    page.click("#file-btn")
    page.wait_for_selector("#file-ack")
    number = page.inner_text("#ack-number")
    code = page.inner_text("#ack-code")
    assert number.startswith("TS-") and len(code) == 10
    page.locator("#file-ack").screenshot(path=ARTIFACTS / "enterprise-filed.png")

    staff = {"X-API-Key": KeyStore(Database(api_settings.database_url)).create("staff", "browser test")}
    r = httpx.post(f"{live_server.url}/v1/demands/{number}/dispatch", headers=staff, json={
        "mode": "agency", "agency_id": "AG0018", "service_items": ["汽车衡检定"],
        "scheduled_at": "2026-12-02T09:00:00+08:00", "note": "联系人陆丽，13574271518"})
    assert r.status_code == 200, r.text

    page.click("#ack-track")
    page.wait_for_url("**/track#*")
    assert page.input_value("#t-number") == number
    page.fill("#t-code", "WRONGCODE9")
    page.click("#track-btn")
    page.wait_for_selector("#track-error")
    assert "不正确" in page.inner_text("#track-error")
    page.fill("#t-code", code)
    page.click("#track-btn")
    page.wait_for_selector("#track-steps li[data-step='appointment']")
    text = page.inner_text("#track-result")
    assert "已派单" in text and "丰南区计量检定所" in text and "已预约" in text
    assert "陆丽" not in text and "13574271518" not in text
    page.screenshot(path=ARTIFACTS / "enterprise-track.png", full_page=True)


def test_upload_a_ledger_on_my_page_and_book_a_batch(page, live_server, api_settings):  # noqa: F811
    key = KeyStore(Database(api_settings.database_url)).create("enterprise", "browser test", enterprise_id="EN0031")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/my")
    page.fill("#key", key)
    page.click("#login-form button")
    page.wait_for_selector("#workspace:not([hidden])")
    assert "EN0031" in page.inner_text("#who")
    page.fill("#as-of", "2026-06-15")
    page.set_input_files("#ledger-file", str(LEDGER))
    page.click("#upload-btn")
    expect(page.locator("#ledger-status")).to_contain_text("已导入", timeout=30_000)
    assert "已导入 43 台器具，其中强制检定 18 台" in page.inner_text("#ledger-status")
    page.wait_for_selector("#due-table tbody tr[data-row]")
    due_rows = page.locator("#due-table tbody tr[data-row]").count()
    assert due_rows == 29  # 43 instruments, 14 of them ok as of 2026-06-15
    assert "已超期" in page.inner_text("#due-table")
    page.wait_for_selector("#groups .group")
    first_group = page.locator("#groups .group").first
    assert "一键预约送检" in first_group.inner_text()
    page.wait_for_selector("#calendar .month[data-month='2026-07'].has")
    page.screenshot(path=ARTIFACTS / "enterprise-ledger.png", full_page=True)

    first_group.locator("button.book").click()
    page.wait_for_selector("#booking-ack")
    number = page.inner_text("#booking-number")
    assert number.startswith("TS-")
    expect(page.locator("#demands")).to_contain_text(number, timeout=30_000)
    page.locator("#ledger-card").screenshot(path=ARTIFACTS / "enterprise-booked.png")

    # a bad file is refused whole, every bad row listed on the page
    bad = LEDGER.parent / "ledger_bad.csv"
    page.set_input_files("#ledger-file", str(bad))
    page.click("#upload-btn")
    page.wait_for_selector("#upload-errors li")
    assert page.locator("#upload-errors li").count() == 2
