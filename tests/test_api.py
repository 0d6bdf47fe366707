"""The HTTP API in process: answers, the one error shape, roles, origins, rate limits, the demand workflow."""

from __future__ import annotations

import pytest

from engine.messages import has_chinese, leaks
from tests.helpers import PORTAL


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    assert body["error"]["message"]
    assert has_chinese(body["error"]["message"]) and not leaks(body["error"]["message"]), body  # for people
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


# ---- matching ---------------------------------------------------------------------------------------------
def test_recommend_ranks_agencies_with_reasons_and_the_rest(client, keys):
    r = client.post("/v1/recommend", json={"text": "我们厂的地磅要年检了", "region": "乐亭县"},
                    headers=h(keys["public"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["agencies"][0]["title"] == "乐亭县计量检定所"
    assert body["agencies"][0]["reasons"] and body["agencies"][0]["capabilities"]
    assert body["demand"]["region"] == "乐亭县"
    assert {"experts", "equipment", "standards", "excluded", "station_serves"} <= set(body)


def test_recommend_takes_the_region_from_the_enterprise(client, keys):
    r = client.post("/v1/recommend", json={"text": "压力表要检定", "enterprise_id": "EN0001"}, headers=h(keys["staff"]))
    assert r.status_code == 200
    assert r.json()["demand"]["region"] == "开平区"
    assert_error(client.post("/v1/recommend", json={"text": "压力表", "enterprise_id": "EN9999"}), 404, "not_found")


def test_search_filters_pages_and_counts_facets(client):
    everything = client.get("/v1/search", params={"q": "压力表", "limit": 50}).json()
    assert everything["facets"]["service_type"]["检定"] > 0
    verify = client.get("/v1/search", params={"q": "压力表", "service_type": "检定", "limit": 5}).json()
    assert verify["total"] <= everything["total"] and len(verify["hits"]) == 5
    assert all(any(c["service"] == "检定" for c in hit["capabilities"]) for hit in verify["hits"])
    assert set(verify["facets"]["service_type"]) == {"检定"}
    page2 = client.get("/v1/search", params={"q": "压力表", "service_type": "检定", "limit": 5, "offset": 5}).json()
    assert page2["offset"] == 5 and not {x["id"] for x in page2["hits"]} & {x["id"] for x in verify["hits"]}

    shared = client.get("/v1/search", params={"q": "万能试验机", "target": "equipment", "shareable": True}).json()
    assert shared["hits"] and all(hit["details"]["shareable"] for hit in shared["hits"])
    assert set(shared["facets"]["shareable"]) == {"true"}
    current = client.get("/v1/search", params={"q": "质量管理体系", "target": "standard", "status": "现行"}).json()
    assert current["hits"] and all(hit["details"]["status"] == "现行" for hit in current["hits"])


def test_search_with_a_valid_qualification_filter(client):
    r = client.get("/v1/search", params={"q": "水泥检测", "qualification_type": "CMA", "as_of": "2026-06-01"}).json()
    assert r["hits"]
    for hit in r["hits"]:
        assert any(q["type"] == "CMA" and not q["expired"] for q in hit["details"]["qualifications"])


def test_suggest_objects_everyday_words_agencies_and_codes(client):
    def labels(q: str) -> list[str]:
        r = client.get("/v1/suggest", params={"q": q})
        assert r.status_code == 200
        return [s["label"] for s in r.json()["suggestions"]]

    assert "GB/T 19001-2016" in labels("gbt1900")
    assert "地磅" in labels("地磅")
    assert any("压力表" in x for x in labels("压力表"))
    assert any(x.startswith("唐山市计量") for x in labels("唐山市计量"))


def test_standard_lookup_in_any_typing_with_its_chain(client):
    for typed in ("GB/T 19001-2008", "gb/t19001-2008", "GB/T19001—2008"):
        r = client.get(f"/v1/standards/{typed}")
        assert r.status_code == 200, typed
        edition = r.json()["editions"][0]
        assert edition["status"] == "废止" and edition["current"] == "GB/T 19001-2016"
        assert "GB/T 19001-2016" in edition["replaced_by"]
    family = client.get("/v1/standards/GB/T 19001").json()["editions"]
    assert family[0]["code"] == "GB/T 19001-2016" and len(family) >= 2
    assert_error(client.get("/v1/standards/GB/T 99999-2020"), 404, "not_found")
    assert_error(client.get("/v1/standards/不是标准号"), 404, "not_found")


def test_agency_profile_shows_qualification_validity(client, keys):
    r = client.get("/v1/agencies/AG0002")
    assert r.status_code == 200
    body = r.json()
    assert body["capabilities"] and body["contact"] is None
    profiles = [client.get(f"/v1/agencies/AG{n:04d}").json() for n in range(2, 40)]
    validities = {q["validity"] for p in profiles for q in p["qualifications"]}
    assert "valid" in validities
    staff = client.get("/v1/agencies/AG0002", headers=h(keys["staff"])).json()
    assert staff["contact"]["phone"]
    assert_error(client.get("/v1/agencies/AG9999"), 404, "not_found")


def test_expert_and_equipment_lookups(client, keys):
    public = client.get("/v1/experts/EX0001").json()
    assert public["name"] and public["phone"] is None and public["email"] is None
    staff = client.get("/v1/experts/EX0001", headers=h(keys["staff"])).json()
    assert staff["phone"] and "*" in staff["id_card"]
    assert client.get("/v1/equipment/EQ0001").json()["name"]
    assert_error(client.get("/v1/equipment/EQ9999"), 404, "not_found")


# ---- errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 42},
                                  {"text": "地磅", "limit": "many"}, {"text": "地磅", "limit": 0},
                                  {"text": "地磅", "region": "火星"}, {"text": "地磅", "surprise": 1}, {},
                                  {"text": "地磅", "as_of": 0}, {"text": "地磅", "as_of": "0"}])
def test_bad_recommend_input_is_a_clear_422(client, body):
    assert_error(client.post("/v1/recommend", json=body), 422, "invalid_input")


def test_malformed_requests_share_the_error_shape(client):
    assert_error(client.post("/v1/recommend", content=b"{not json", headers={"Content-Type": "application/json"}),
                 422, "invalid_input")
    assert_error(client.get("/v1/search", params={"q": "地磅", "target": "robots"}), 422)
    assert_error(client.get("/v1/search", params={"q": "地磅", "limit": 500}), 422)
    assert_error(client.get("/v1/search", params={"q": "地磅", "as_of": "0"}), 422)  # not a Unix time
    assert client.get("/v1/search", params={"q": "地磅", "as_of": "2026-06-01"}).status_code == 200
    assert_error(client.get("/v1/search"), 422)
    assert_error(client.get("/v1/no-such-thing"), 404, "not_found")
    assert_error(client.delete("/v1/recommend"), 405, "method_not_allowed")


# ---- keys, roles, origins, rate limits ---------------------------------------------------------------------------
def test_unknown_or_revoked_keys_are_refused(client, app):
    assert_error(client.get("/v1/search", params={"q": "地磅"}, headers=h("qi_nope_nope")), 401, "unauthorized")
    key = app.state.qi.keys.create("public", "short-lived")
    assert client.get("/v1/search", params={"q": "地磅"}, headers=h(key)).status_code == 200
    app.state.qi.keys.revoke(key.split("_")[1])
    assert_error(client.get("/v1/search", params={"q": "地磅"}, headers=h(key)), 401, "unauthorized")


def test_roles_limit_what_a_key_may_do(client, keys):
    widget = {**h(keys["widget"]), "Origin": PORTAL}
    assert client.post("/v1/recommend", json={"text": "地磅"}, headers=widget).status_code == 200
    assert client.get("/v1/suggest", params={"q": "地磅"}, headers=widget).status_code == 200
    assert_error(client.get("/v1/search", params={"q": "地磅"}, headers=widget), 403, "forbidden")
    assert_error(client.get("/v1/agencies/AG0002", headers=widget), 403, "forbidden")
    for key in (keys["public"], None):
        headers = h(key) if key else {}
        assert_error(client.get("/v1/demands", headers=headers), 403, "forbidden")
        assert_error(client.get("/v1/enterprises", headers=headers), 403, "forbidden")
        assert_error(client.post("/v1/admin/reindex", headers=headers), 403, "forbidden")


def test_widget_keys_work_only_from_their_origins(client, keys):
    body = {"text": "地磅年检"}
    ok = client.post("/v1/recommend", json=body, headers={**h(keys["widget"]), "Origin": PORTAL})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == PORTAL
    foreign = client.post("/v1/recommend", json=body, headers={**h(keys["widget"]), "Origin": "https://evil.example"})
    assert_error(foreign, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in foreign.headers
    assert_error(client.post("/v1/recommend", json=body, headers=h(keys["widget"])), 403, "origin_not_allowed")
    preflight = {"Origin": PORTAL, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "x-api-key,content-type"}
    r = client.options("/v1/recommend", headers=preflight)
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == PORTAL
    assert_error(client.options("/v1/recommend", headers={**preflight, "Origin": "https://evil.example"}),
                 403, "origin_not_allowed")


def test_rate_limit_answers_429_with_retry_after(client, app):
    key = app.state.qi.keys.create("public", "tiny", rate=3)
    codes = [client.get("/v1/suggest", params={"q": "地磅"}, headers=h(key)).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = client.get("/v1/suggest", params={"q": "地磅"}, headers=h(key))
    assert_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 20


# ---- the demand workflow ---------------------------------------------------------------------------------------
def test_demand_workflow_end_to_end_with_timeline_and_audit(client, keys):
    staff = h(keys["staff"])
    r = client.post("/v1/demands", json={"text": "车间的行车要做定期检验", "channel": "电话", "enterprise_id": "EN0003",
                                         "contact_person": "王小明", "contact_phone": "13812345678"}, headers=staff)
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert number.startswith("TS-") and len(number.split("-")[2]) == 6

    early = client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 5}, headers=staff)
    assert_error(early, 409, "conflict")
    matched = client.post(f"/v1/demands/{number}/match", json={"limit": 5}, headers=staff).json()
    assert matched["demand"]["status"] == "已匹配" and matched["recommendation"]["agencies"]
    top = matched["recommendation"]["agencies"][0]["id"]

    assert_error(client.post(f"/v1/demands/{number}/dispatch", json={"mode": "agency", "agency_id": "AG9999",
                                                                    "service_items": ["x"]}, headers=staff), 404)
    assert_error(client.post(f"/v1/demands/{number}/dispatch", json={"mode": "station"}, headers=staff), 422)
    assert_error(client.post(f"/v1/demands/{number}/dispatch", json={"mode": "agency", "agency_id": top},
                             headers=staff), 422)
    d = client.post(f"/v1/demands/{number}/dispatch", headers=staff, json={
        "mode": "agency", "agency_id": top, "service_items": ["桥式起重机定期检验"],
        "scheduled_at": "2026-12-01T09:00:00+08:00", "period_days": 7}).json()
    assert d["status"] == "已派单" and d["dispatched_to"] == top
    rematched = client.post(f"/v1/demands/{number}/match", json={"limit": 3}, headers=staff).json()
    assert rematched["demand"]["status"] == "已派单"  # a second look after dispatch keeps the status
    d = client.post(f"/v1/demands/{number}/events", json={"note": "检验员已到厂", "status": "服务中"},
                    headers=staff).json()
    assert d["status"] == "服务中"
    # feedback before completion must say it completes the demand; the state table refuses it otherwise
    assert_error(client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 4}, headers=staff), 409)
    d = client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 4, "comment": "及时", "status": "已完成"},
                    headers=staff).json()
    assert d["status"] == "已完成" and d["satisfaction"] == 4
    assert_error(client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 5}, headers=staff), 409)
    assert_error(client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 6}, headers=staff), 422)

    timeline = client.get(f"/v1/demands/{number}", headers=staff).json()
    kinds = [e["kind"] for e in timeline["events"]]
    assert kinds == ["received", "matched", "dispatched", "matched", "follow_up", "feedback"]
    assert timeline["contact_phone"] == "13812345678"  # the record itself, for staff
    listed = client.get("/v1/demands", headers=staff).json()["items"]
    mine = next(x for x in listed if x["number"] == number)
    assert mine["contact_phone"] == "138****5678" and mine["contact_person"] == "王**"

    audit = client.get(f"/v1/demands/{number}/audit", headers=staff).json()
    actions = {a["action"] for a in audit}
    assert {"demand.create", "demand.match", "demand.dispatch", "demand.follow_up", "demand.feedback",
            "demand.read"} <= actions
    assert all(a["key_id"] == keys["staff"].split("_")[1] for a in audit)


def test_station_serves_guidance_itself_with_an_appointment(client, keys):
    staff = h(keys["staff"])
    number = client.post("/v1/demands", json={"text": "想了解企业标准自我声明公开怎么做", "channel": "服务窗口"},
                          headers=staff).json()["number"]
    d = client.post(f"/v1/demands/{number}/dispatch", headers=staff,
                    json={"mode": "station", "scheduled_at": "2026-12-02T10:00:00+08:00"}).json()
    assert d["dispatched_to"] == "AG0001" and d["events"][-1]["data"]["mode"] == "station"


def test_public_callers_may_file_a_demand_but_not_read_it(client, keys):
    r = client.post("/v1/demands", json={"text": "想办ISO9001", "channel": "线上平台"}, headers=h(keys["public"]))
    assert r.status_code == 201 and set(r.json()) == {"number", "status", "created_at", "tracking_code"}
    assert_error(client.get(f"/v1/demands/{r.json()['number']}", headers=h(keys["public"])), 403)
    assert_error(client.post("/v1/demands", json={"text": "x", "channel": "飞鸽"}, headers=h(keys["public"])), 422)
    assert_error(client.get("/v1/demands/TS-1999-000001", headers=h(keys["staff"])), 404, "not_found")
