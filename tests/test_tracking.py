"""Filing online and tracking: a public filer gets a number and a tracking code, follows the demand through
dispatch and completion, and nothing else: another code or number reveals nothing, no personal data or staff note
is ever in a tracking answer (property test), and failed attempts are limited per address."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.storage.enterprise_tables import DemandTracking
from engine.tracking import AttemptLimiter


@pytest.fixture(autouse=True)
def fresh_attempt_budget(app):
    """Each test starts with its own failure budget: other suites (schemathesis) try wrong codes from the same
    test address within the minute. The limit itself is tested below with a small budget of its own."""
    tracker = app.state.qi.enterprise.tracker
    saved, tracker.limiter = tracker.limiter, AttemptLimiter(per_minute=1000)
    yield
    tracker.limiter = saved


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def file_public(client, **extra) -> dict:
    body = {"text": "我们厂的地磅要年检了，想预约检定", "channel": "线上平台", "region": "丰南区",
            "enterprise_name": "唐山某某钢铁有限公司", "contact_person": "陆丽", "contact_phone": "13574271518",
            "consent": True, **extra}
    r = client.post("/v1/demands", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_public_filer_follows_the_demand_to_completion(client, keys, app):
    filed = file_public(client)
    assert set(filed) == {"number", "status", "created_at", "tracking_code"}
    number, code = filed["number"], filed["tracking_code"]
    with app.state.qi.db.session() as s:
        stored = s.get(DemandTracking, number)
        assert stored is not None and code not in stored.code_hash and len(stored.code_hash) == 64

    def steps() -> list[str]:
        r = client.get(f"/v1/track/{number}", params={"code": code})
        assert r.status_code == 200, r.text
        return [s["step"] for s in r.json()["steps"]]

    assert steps() == ["received"]
    staff = h(keys["staff"])
    # the staff console sees it like any other demand, with the filer's enterprise name and consent
    d = client.get(f"/v1/demands/{number}", headers=staff).json()
    assert d["channel"] == "线上平台" and d["events"][0]["data"]["enterprise_name"] == "唐山某某钢铁有限公司"
    assert d["events"][0]["data"]["consent"] is True
    assert client.post(f"/v1/demands/{number}/match", json={"limit": 3}, headers=staff).status_code == 200
    assert client.post(f"/v1/demands/{number}/dispatch", headers=staff, json={
        "mode": "agency", "agency_id": "AG0018", "service_items": ["汽车衡检定"],
        "scheduled_at": "2026-12-02T09:00:00+08:00", "note": "联系人陆丽 13574271518，下午到厂"}).status_code == 200
    assert steps() == ["received", "matched", "dispatched", "appointment"]
    client.post(f"/v1/demands/{number}/events", headers=staff, json={"note": "检定员已到厂，电话13574271518",
                                                                      "status": "服务中"})
    client.post(f"/v1/demands/{number}/events", headers=staff, json={"note": "已出具证书", "status": "已完成"})
    r = client.get(f"/v1/track/{number}", params={"code": code}).json()
    assert [s["step"] for s in r["steps"]] == ["received", "matched", "dispatched", "appointment", "in_service",
                                               "completed"]
    assert r["status"] == "已完成"
    dispatched = next(s for s in r["steps"] if s["step"] == "dispatched")
    assert dispatched["detail"] == "承办：丰南区计量检定所"
    text = json.dumps(r, ensure_ascii=False)
    for secret in ("陆丽", "13574271518", "574271518", "下午到厂", "已出具证书", "检定员", keys["staff"].split("_")[1]):
        assert secret not in text
    # the code is case- and space-tolerant, as people type it
    spaced = " ".join(code.lower()[i:i + 5] for i in (0, 5))
    assert client.get(f"/v1/track/{number}", params={"code": spaced}).status_code == 200


def test_another_code_or_number_reveals_nothing(client):
    a, b = file_public(client), file_public(client, text="想办ISO9001认证")
    answers = [
        client.get(f"/v1/track/{a['number']}", params={"code": b["tracking_code"]}),  # another demand's code
        client.get(f"/v1/track/{b['number']}", params={"code": a["tracking_code"]}),
        client.get("/v1/track/TS-1999-000001", params={"code": a["tracking_code"]}),  # a number that does not exist
        client.get(f"/v1/track/{a['number']}", params={"code": "2345678923"}),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({json.dumps(r.json(), sort_keys=True) for r in answers}) == 1  # the same answer for all of them
    assert client.get(f"/v1/track/{a['number']}").status_code == 422  # no code at all


def test_consent_is_required_with_a_contact_and_public_callers_cannot_claim_an_enterprise(client, keys):
    r = client.post("/v1/demands", json={"text": "压力表检定", "channel": "线上平台", "contact_phone": "13574271518"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    r = client.post("/v1/demands", json={"text": "压力表检定", "channel": "线上平台", "enterprise_id": "EN0001"},
                    headers=h(keys["public"]))
    assert r.status_code == 403
    staff = client.post("/v1/demands", json={"text": "压力表检定", "channel": "电话"}, headers=h(keys["staff"]))
    assert staff.status_code == 201 and staff.json()["tracking_code"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=st.text(alphabet="王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕丽娜伟强军敏静",
                      min_size=2, max_size=4),
       phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       note=st.text(alphabet="联系客户上门检定下午明天电话沟通证书已出具ABCxyz", min_size=4, max_size=30),
       enterprise=st.text(alphabet="唐山宏信科技机械有限公司钢铁建材化工", min_size=4, max_size=20))
def test_no_personal_data_or_note_in_any_tracking_answer(client, keys, person, phone, note, enterprise):
    filed = file_public(client, contact_person=person, contact_phone=phone, enterprise_name=enterprise,
                        text=f"我是{person}，电话{phone}，想给地磅做检定")
    number, code = filed["number"], filed["tracking_code"]
    staff = h(keys["staff"])
    client.post(f"/v1/demands/{number}/dispatch", headers=staff, json={
        "mode": "station", "scheduled_at": "2026-12-02T09:00:00+08:00", "note": f"{note}{person}{phone}"})
    client.post(f"/v1/demands/{number}/events", headers=staff, json={"note": f"{note}{phone}", "status": "已完成"})
    r = client.get(f"/v1/track/{number}", params={"code": code})
    assert r.status_code == 200
    text = json.dumps(r.json(), ensure_ascii=False)
    assert person not in text and phone not in text and phone[-8:] not in text and enterprise not in text
    assert note not in text and "想给地磅" not in text
    assert set(r.json()) == {"number", "status", "created_at", "updated_at", "steps"}


def test_failed_attempts_are_limited_per_address():
    limiter = AttemptLimiter(per_minute=3)
    for _ in range(3):
        limiter.check("ip:a")
        limiter.fail("ip:a")
    try:
        limiter.check("ip:a")
        raise AssertionError("a fourth attempt within the minute must be refused")
    except Exception as exc:  # RateLimited
        assert getattr(exc, "code", "") == "rate_limited" and exc.retry_after >= 1
    limiter.check("ip:b")  # another address is not affected


def test_the_api_refuses_after_too_many_wrong_codes(client, app):
    filed = file_public(client)
    tracker = app.state.qi.enterprise.tracker
    saved = tracker.limiter
    tracker.limiter = AttemptLimiter(per_minute=3)
    try:
        for _ in range(3):
            assert client.get(f"/v1/track/{filed['number']}", params={"code": "WRONGCODE2"}).status_code == 404
        refused = client.get(f"/v1/track/{filed['number']}", params={"code": filed["tracking_code"]})
        assert refused.status_code == 429 and refused.headers["Retry-After"]
        assert refused.json()["error"]["code"] == "rate_limited"
    finally:
        tracker.limiter = saved
