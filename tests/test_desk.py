"""The station's desk over HTTP: the state table (改派, cancellation, feedback), local times, named staff in the
timeline and audit, the demand list's search and paging, the 服务单 (JSON and PDF) and the Excel exports."""

from __future__ import annotations

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from engine.messages import has_chinese, leaks
from engine.workflow import CANCELLED, DONE, STATUSES, TRANSITIONS


@pytest.fixture(scope="module")
def desk(desk_app):
    app, alice, bob = desk_app
    return TestClient(app), {"X-API-Key": alice}, {"X-API-Key": bob}, app


def error(r, status: int) -> str:
    assert r.status_code == status, r.text
    message = r.json()["error"]["message"]
    assert has_chinese(message) and not leaks(message), message
    return message


def file_demand(client, staff, **extra) -> str:
    body = {"text": "锅炉房的压力表要送检", "channel": "电话", **extra}
    r = client.post("/v1/demands", json=body, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()["number"]


def dispatch(client, staff, number, agency="AG0018", **extra):
    return client.post(f"/v1/demands/{number}/dispatch", headers=staff,
                       json={"mode": "agency", "agency_id": agency, "service_items": ["压力表检定"], **extra})


def test_the_state_table_is_enforced_and_redispatch_needs_a_reason(desk):
    client, alice, bob, _ = desk
    number = file_demand(client, alice, enterprise_id="EN0003", contact_person="王小明", contact_phone="13812345678")
    assert dispatch(client, alice, number, scheduled_at="2026-12-02T09:30").status_code == 200
    # dispatching again is 改派: without a reason it is refused, with one it is recorded
    assert "改派" in error(dispatch(client, alice, number, "AG0045"), 409)
    d = dispatch(client, bob, number, "AG0045", reason="原机构检定排期已满").json()
    assert d["status"] == "已派单" and d["dispatched_to"] == "AG0045"
    redispatch = d["events"][-1]
    assert redispatch["kind"] == "redispatched" and redispatch["data"]["reason"] == "原机构检定排期已满"
    assert redispatch["data"]["previous_agency_id"] == "AG0018" and redispatch["data"]["by"].startswith("李四")
    # the appointment was entered as the station's 09:30 and is shown so
    first = next(e for e in d["events"] if e["kind"] == "dispatched")
    assert first["data"]["scheduled_at"] == "2026-12-02T09:30:00+08:00"
    assert d["created_at"].endswith("+08:00")

    assert "反馈" in error(client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 5}, headers=alice), 409)
    d = client.post(f"/v1/demands/{number}/events", json={"note": "已检定完毕", "status": DONE}, headers=alice).json()
    assert d["status"] == DONE and d["steps"] == ["note", "feedback"]
    assert client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 4}, headers=alice).status_code == 200
    for step, body in (("dispatch", {"mode": "agency", "agency_id": "AG0018", "service_items": ["x"], "reason": "r"}),
                       ("events", {"note": "取消", "status": CANCELLED}), ("feedback", {"satisfaction": 3})):
        error(client.post(f"/v1/demands/{number}/{step}", json=body, headers=alice), 409)

    audit = client.get(f"/v1/demands/{number}/audit", headers=alice).json()
    assert {a["person"] for a in audit} == {"张三", "李四"} and "demand.redispatch" in {a["action"] for a in audit}
    assert all(a["at"].endswith("+08:00") for a in audit)  # the station's clock


def test_cancellation_needs_a_reason_and_closes_the_demand(desk):
    client, alice, _, _ = desk
    number = file_demand(client, alice)
    assert "取消原因" in error(client.post(f"/v1/demands/{number}/events", json={"note": " ", "status": CANCELLED},
                                       headers=alice), 422)
    d = client.post(f"/v1/demands/{number}/events", json={"note": "企业已自行送检", "status": CANCELLED},
                    headers=alice).json()
    assert d["status"] == CANCELLED and d["events"][-1]["data"]["reason"] == "企业已自行送检"
    assert "不能派单" in error(dispatch(client, alice, number), 409)


def test_every_state_has_a_row_and_closed_states_only_take_notes():
    assert {s for moves in TRANSITIONS.values() for s in moves} == set(STATUSES)
    assert [step for step, moves in TRANSITIONS.items() if CANCELLED in moves] == ["note"]


def test_validation_errors_are_chinese(desk):
    client, alice, _, _ = desk
    r = client.post("/v1/demands", json={"text": "压力表", "channel": "电话", "contact_phone": "abc"}, headers=alice)
    assert "联系电话" in error(r, 422)
    r = client.post("/v1/demands", json={"channel": "飞鸽", "extra": 1}, headers=alice)
    message = error(r, 422)
    assert "需求描述：缺少此项" in r.json()["error"]["details"] and "3 处" in message
    assert "乐亭镇" in error(client.post("/v1/demands", json={"text": "压力表", "channel": "电话", "region": "乐亭镇"},
                                      headers=alice), 422)
    error(client.get("/v1/nowhere", headers=alice), 404)
    error(client.get("/v1/demands", params={"date_from": "2026-02-01", "date_to": "2026-01-01"}, headers=alice), 422)


def test_demand_list_search_and_paging(desk):
    client, alice, _, _ = desk
    mine = [file_demand(client, alice, text=f"电子天平校准 第{i}台", enterprise_id="EN0007") for i in range(5)]
    credit = client.get("/v1/enterprises/EN0007", headers=alice).json()["credit_code"]
    name = client.get("/v1/enterprises/EN0007", headers=alice).json()["name"]
    for enterprise in ("EN0007", credit, name[:4]):
        params = {"enterprise": enterprise, "q": "电子天平", "limit": 2, "sort": "oldest"}
        page = client.get("/v1/demands", params=params, headers=alice).json()
        assert page["total"] == 5 and [d["number"] for d in page["items"]] == mine[:2], enterprise
    page3 = client.get("/v1/demands", params={"enterprise": "EN0007", "q": "天平", "limit": 2, "offset": 4,
                                              "sort": "oldest"}, headers=alice).json()
    assert [d["number"] for d in page3["items"]] == mine[4:]
    assert client.get("/v1/demands", params={"number": mine[2]}, headers=alice).json()["items"][0]["number"] == mine[2]
    assert client.get("/v1/demands", params={"q": "100%_"}, headers=alice).json()["total"] == 0  # LIKE escaped
    found = client.get("/v1/enterprises", params={"q": credit}, headers=alice).json()["items"]
    assert [e["id"] for e in found] == ["EN0007"]
    region = found and client.get("/v1/enterprises/EN0007", headers=alice).json()["region"]
    assert all(e["region"] == region for e in client.get("/v1/enterprises", params={"region": region},
                                                          headers=alice).json()["items"])


def test_service_sheet_json_and_pdf(desk):
    client, alice, _, _ = desk
    number = file_demand(client, alice, enterprise_id="EN0003", contact_person="王小明")
    dispatch(client, alice, number, scheduled_at="2026-12-02T09:30", period_days=5)
    s = client.get(f"/v1/demands/{number}/service-sheet", headers=alice).json()
    assert s["number"] == number and s["chosen"]["scheduled"] == "2026年12月2日 09:30"
    assert s["chosen"]["by"].startswith("张三")
    r = client.get(f"/v1/demands/{number}/service-sheet.pdf", headers=alice)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    # pypdf reads fpdf2's two-byte glyph codes with a NUL before each character; the ToUnicode map is right
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(r.content)).pages).replace("\x00", "")
    assert number in text and "服务单" in text and "2026年12月2日 09:30" in text
    assert client.get(f"/v1/demands/{number}/service-sheet.pdf").status_code in (401, 403)
    error(client.get("/v1/demands/TS-1999-000001/service-sheet.pdf", headers=alice), 404)


def test_excel_exports_hold_the_rows_shown_and_the_masked_one_is_audited(desk):
    client, alice, _, app = desk
    for i in range(3):
        file_demand(client, alice, text=f"热电偶检定 {i}", contact_person="赵大勇", contact_phone="13912345678")
    filters = {"q": "热电偶", "sort": "number"}
    shown = client.get("/v1/demands", params={**filters, "limit": 100}, headers=alice).json()["items"]
    r = client.get("/v1/exports/demands.xlsx", params=filters, headers=alice)
    assert r.status_code == 200
    rows = list(load_workbook(BytesIO(r.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "档案号" and [x[0] for x in rows[1:]] == [d["number"] for d in shown]
    assert {x[-1] for x in rows[1:]} == {"13912345678"}  # staff's own export keeps the contact

    r = client.get("/v1/exports/demands-masked.xlsx", params=filters, headers=alice)
    book = load_workbook(BytesIO(r.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert [x[0] for x in rows[1:]] == [d["number"] for d in shown]  # ids kept
    assert {(x[-2], x[-1]) for x in rows[1:]} == {("赵**", "139****5678")}
    note = " ".join(str(c) for row in book["说明"].iter_rows(values_only=True) for c in row)
    assert "脱敏" in note and "联系电话" in note
    audit = client.get("/v1/admin/audit", params={"limit": 20}, headers=alice).json()
    assert {"demand.export", "demand.export_masked"} <= {a["action"] for a in audit}
    public = app.state.qi.keys.create("public", "portal")
    assert client.get("/v1/exports/demands-masked.xlsx", headers={"X-API-Key": public}).status_code == 403


def test_a_control_character_a_worksheet_cannot_hold_is_replaced():
    from engine.exports import demand_list_xlsx

    body = demand_list_xlsx([{"number": "TS-2026-000001", "text": "地磅\x07年检", "contact_phone": "=1+1"}], "全部",
                            masked=False)
    rows = list(load_workbook(BytesIO(body)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "TS-2026-000001" and rows[1][7] == "地磅\ufffd年检" and rows[1][-1] == "=1+1"
