"""Issue 12 through the HTTP API (in-process): text is text, proxy trust is explicit, budgets do not add up,
widget keys have per-visitor budgets and optional signed tokens, bodies are bounded, every answer has its headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.caller_limits import CallerSlots
from engine.errors import RateLimited
from engine.widget_tokens import key_secret, mint
from tests.conftest import PORTAL


def h(key: str | None = None, **more: str) -> dict[str, str]:
    return {**({"X-API-Key": key} if key else {}), **more}


def assert_error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code, body
    return body


@pytest.fixture()
def make_client(api_settings, searcher):
    """A fresh app (its own rate buckets) on the API's database (where `keys` made its keys) and the shared index,
    with some settings changed."""
    made = []

    def make(peer: str = "203.0.113.7", **changes) -> TestClient:
        app = create_app(api_settings.model_copy(update=changes), searcher)
        client = TestClient(app, client=(peer, 40000))
        made.append(client)
        return client

    yield make
    for c in made:
        c.close()


# ---- text is text ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["text", "contact_person"])
def test_nul_in_a_demand_is_422_not_500(client, keys, field):
    body = {"text": "地磅要检定", "channel": "线上平台", field: "王\x00五" if field != "text" else "地磅\x00检定"}
    for headers in (h(keys["staff"]), {}):
        error = assert_error(client.post("/v1/demands", json=body, headers=headers), 422, "invalid_input")
        assert "控制字符" in error["message"]


def test_control_characters_in_queries_and_recommend_are_422(client, keys):
    assert_error(client.get("/v1/search", params={"q": "地磅\x00"}), 422, "invalid_input")
    assert_error(client.post("/v1/recommend", json={"text": "压力表\x1b送检"}), 422, "invalid_input")
    staff = h(keys["staff"])
    number = client.post("/v1/demands", json={"text": "压力表送检", "channel": "电话"}, headers=staff).json()["number"]
    assert_error(client.post(f"/v1/demands/{number}/events", json={"note": "打过\x00电话"}, headers=staff),
                 422, "invalid_input")


def test_like_wildcards_in_the_enterprise_search_are_literal(client, keys):
    staff = h(keys["staff"])
    everything = client.get("/v1/enterprises", params={"limit": 1}, headers=staff).json()["total"]
    assert everything > 10
    for pattern in ("%", "_", "%%", "_%_"):
        assert client.get("/v1/enterprises", params={"q": pattern}, headers=staff).json()["total"] == 0, pattern


# ---- headers ---------------------------------------------------------------------------------------------------
def test_every_surface_has_its_security_headers(client):
    for path, frame in (("/", "frame-ancestors 'self'"), ("/console", "frame-ancestors 'none'"),
                        ("/v1/health", "frame-ancestors 'none'"), ("/docs", "frame-ancestors 'none'")):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
        assert frame in r.headers["content-security-policy"], path
    assert "script-src 'self';" in client.get("/console").headers["content-security-policy"]
    assert client.get("/console").headers["x-frame-options"] == "DENY"
    widget = client.get("/widget/qi-recommend.js")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    assert widget.headers["content-type"].startswith("text/javascript")
    assert client.get("/v1/nothing-here").headers["x-content-type-options"] == "nosniff"


# ---- proxies and budgets ---------------------------------------------------------------------------------------
def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(make_client):
    c = make_client(anonymous_rate_per_minute=3)
    codes = [c.get("/v1/suggest", params={"q": "地磅"}, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429], "a forged X-Forwarded-For must not buy a fresh budget"

    behind = make_client(peer="10.0.0.2", anonymous_rate_per_minute=3, trusted_proxies="10.0.0.0/8")
    codes = [behind.get("/v1/suggest", params={"q": "地磅"}, headers={"X-Forwarded-For": f"198.51.100.{i}"})
             .status_code for i in range(4)]
    assert codes == [200] * 4, "behind a trusted proxy each forwarded client has its own budget"
    # The client cannot forge hops in front of the proxy's: the last untrusted hop is the client.
    spoofed = [behind.get("/v1/suggest", params={"q": "地磅"},
                          headers={"X-Forwarded-For": f"1.2.3.{i}, 198.51.100.9"}).status_code for i in range(4)]
    assert spoofed == [200, 200, 200, 429]


def test_audit_records_the_peer_not_a_forged_address(make_client, keys):
    c = make_client()
    staff = h(keys["staff"], **{"X-Forwarded-For": "6.6.6.6"})
    number = c.post("/v1/demands", json={"text": "地磅检定", "channel": "电话"}, headers=staff).json()["number"]
    audit = c.get(f"/v1/demands/{number}/audit", headers=h(keys["staff"])).json()
    assert {a["client"] for a in audit} == {"203.0.113.7"}


def test_dropping_the_key_gives_no_second_budget(make_client):
    c = make_client(anonymous_rate_per_minute=5)
    key = c.app.state.qi.keys.create("public", "budget", rate=100)
    assert all(c.get("/v1/suggest", params={"q": "地磅"}, headers=h(key)).status_code == 200 for _ in range(5))
    assert_error(c.get("/v1/suggest", params={"q": "地磅"}), 429, "rate_limited")
    assert c.get("/v1/suggest", params={"q": "地磅"}, headers=h(key)).status_code == 200  # the key's own budget


def test_a_widget_key_has_a_budget_per_visitor_inside_its_total(make_client):
    c = make_client(peer="10.0.0.2", trusted_proxies="10.0.0.2", widget_visitor_rate_per_minute=3)
    key = c.app.state.qi.keys.create("widget", "portal", [PORTAL], rate=8)

    def ask(visitor: str):
        return c.get("/v1/suggest", params={"q": "地磅"},
                     headers=h(key, Origin=PORTAL, **{"X-Forwarded-For": visitor}))

    assert [ask("198.51.100.1").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [ask("198.51.100.2").status_code for _ in range(3)] == [200, 200, 200], "another visitor is served"
    assert [ask("198.51.100.3").status_code for _ in range(3)] == [200, 200, 429], "the key's total still holds"


def test_signed_widget_tokens_when_required(make_client):
    c = make_client(widget_token_secret="s3cret", widget_token_required=True, widget_visitor_rate_per_minute=2)
    key = c.app.state.qi.keys.create("widget", "portal", [PORTAL], rate=100)
    key_id = key.split("_")[1]
    base = h(key, Origin=PORTAL)
    assert_error(c.get("/v1/suggest", params={"q": "地磅"}, headers=base), 401, "unauthorized")
    forged = mint(key_secret("guess", key_id), key_id, "v1")
    assert_error(c.get("/v1/suggest", params={"q": "地磅"}, headers={**base, "X-QI-Token": forged}), 401,
                 "unauthorized")
    for visitor in ("alice", "bob"):
        token = mint(key_secret("s3cret", key_id), key_id, visitor)
        codes = [c.get("/v1/suggest", params={"q": "地磅"}, headers={**base, "X-QI-Token": token}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429], visitor
    preflight = c.options("/v1/suggest", headers={"Origin": PORTAL, "Access-Control-Request-Method": "GET",
                                                   "Access-Control-Request-Headers": "x-api-key,x-qi-token"})
    assert "X-QI-Token" in preflight.headers["access-control-allow-headers"]


# ---- bounded work ----------------------------------------------------------------------------------------------
def test_caller_slots_refuse_beyond_the_cap():
    slots = CallerSlots()
    with slots.hold("ip:1", 2), slots.hold("ip:1", 2):
        with pytest.raises(RateLimited):
            with slots.hold("ip:1", 2):
                pass
        with slots.hold("ip:2", 2):
            pass
    with slots.hold("ip:1", 2):
        pass


def test_an_oversized_body_is_413_and_an_upload_needs_staff_before_it_is_read(make_client, keys, api_settings):
    c = make_client(body_max_bytes=1000)
    big = {"text": "地磅" * 600}
    assert_error(c.post("/v1/recommend", json=big), 413, "payload_too_large")
    before = sorted(api_settings.upload_dir.rglob("*")) if api_settings.upload_dir.exists() else []
    files = {"file": ("agencies.jsonl", b"{}\n" * 1000, "application/octet-stream")}
    assert_error(c.post("/v1/admin/upload", files=files), 403, "forbidden")
    assert_error(c.post("/v1/admin/upload", files=files, headers=h(keys["public"])), 403, "forbidden")
    assert_error(c.post("/v1/admin/upload", files=files, headers=h("qi_nope_nope")), 401, "unauthorized")
    after = sorted(api_settings.upload_dir.rglob("*")) if api_settings.upload_dir.exists() else []
    assert after == before, "nothing of a refused upload is kept"
