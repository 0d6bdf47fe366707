"""Enterprise keys: bound to one enterprise, they read and change only that enterprise's records — every endpoint
under /v1/enterprises/{id} answers 403 for another enterprise's id — and file demands only for it."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput, NotFound

OWN, OTHER = "EN0011", "EN0012"
LEDGER = "器具名称,用途,检定周期,上次检定日期\n电子汽车衡,贸易结算,12,2025-07-01\n"


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.fixture(scope="module")
def ent_keys(app) -> dict[str, str]:
    store = app.state.qi.keys
    return {OWN: store.create("enterprise", "tests", rate=100_000, enterprise_id=OWN),
            OTHER: store.create("enterprise", "tests", rate=100_000, enterprise_id=OTHER)}


def endpoints(eid: str) -> list[tuple[str, str, dict]]:
    """Every route that takes an enterprise id, with a valid request body."""
    base = f"/v1/enterprises/{eid}"
    return [
        ("GET", f"{base}/demands", {}),
        ("GET", f"{base}/instruments", {}),
        ("POST", f"{base}/instruments", {"files": {"file": ("l.csv", LEDGER.encode(), "text/csv")}}),
        ("GET", f"{base}/instruments.xlsx", {}),
        ("GET", f"{base}/instruments/rows", {}),
        ("POST", f"{base}/instruments/rows", {"json": {"name": "数显卡尺"}}),
        ("PUT", f"{base}/instruments/rows/2", {"json": {"name": "数显卡尺"}}),
        ("DELETE", f"{base}/instruments/rows/99", {}),
        ("POST", f"{base}/bookings", {"json": {"agency_id": "AG0015", "rows": [2]}}),
        ("PUT", f"{base}/certificates", {"json": {"items": [{"scheme": "ISO 9001", "expiry": "2026-12-01"}]}}),
        ("PUT", f"{base}/standards", {"json": {"items": [{"code": "GB/T 19001-2016"}]}}),
        ("GET", f"{base}/watch", {}),
        ("GET", f"{base}/reminders", {}),
        ("GET", f"{base}/peer-services", {}),
    ]


def test_every_enterprise_route_is_covered(app):
    routes = {(m.upper(), p) for p, ops in app.openapi()["paths"].items()
              if p.startswith("/v1/enterprises/{enterprise_id}/") for m in ops}
    listed = {(m, p.replace(OWN, "{enterprise_id}").replace("/rows/2", "/rows/{row}")
               .replace("/rows/99", "/rows/{row}")) for m, p, _ in endpoints(OWN)}
    assert routes == listed


def test_an_enterprise_key_works_on_its_own_records(client, ent_keys):
    key = h(ent_keys[OWN])
    assert client.get("/v1/my", headers=key).json()["id"] == OWN
    for method, path, kw in endpoints(OWN):
        r = client.request(method, path, headers=key, **kw)
        assert r.status_code in (200, 201, 204, 404), (method, path, r.status_code, r.text)
        if r.status_code == 404:
            assert path.endswith("/rows/99")  # that row does not exist: the only 404


def test_an_enterprise_key_cannot_touch_another_enterprise(client, ent_keys, keys):
    # the other enterprise has records of its own
    staff = h(keys["staff"])
    client.post(f"/v1/enterprises/{OTHER}/instruments", headers=staff,
                files={"file": ("l.csv", LEDGER.encode(), "text/csv")})
    before = client.get(f"/v1/enterprises/{OTHER}/instruments/rows", headers=staff).json()
    for method, path, kw in endpoints(OTHER):
        r = client.request(method, path, headers=h(ent_keys[OWN]), **kw)
        assert r.status_code == 403, (method, path, r.status_code)
        assert r.json()["error"]["code"] == "forbidden"
    assert client.get(f"/v1/enterprises/{OTHER}/instruments/rows", headers=staff).json() == before
    # public, widget and anonymous callers get nothing either
    for headers in (h(keys["public"]), {}):
        for method, path, kw in endpoints(OWN):
            assert client.request(method, path, headers=headers, **kw).status_code == 403, (method, path)


def test_demands_of_an_enterprise_key(client, ent_keys, keys):
    key = h(ent_keys[OWN])
    mine = client.post("/v1/demands", headers=key, json={"text": "压力表检定", "channel": "线上平台"})
    assert mine.status_code == 201 and mine.json()["tracking_code"]
    assert client.post("/v1/demands", headers=key, json={"text": "压力表检定", "channel": "线上平台",
                                                          "enterprise_id": OTHER}).status_code == 403
    listed = client.get(f"/v1/enterprises/{OWN}/demands", headers=key).json()
    assert mine.json()["number"] in [d["number"] for d in listed["items"]]
    theirs = client.post("/v1/demands", headers=h(ent_keys[OTHER]), json={"text": "ISO9001", "channel": "线上平台"})
    assert theirs.json()["number"] not in [d["number"] for d in
                                           client.get(f"/v1/enterprises/{OWN}/demands", headers=key).json()["items"]]
    # staff routes stay closed
    for path in ("/v1/demands", f"/v1/demands/{mine.json()['number']}", "/v1/enterprises", "/v1/proactive",
                 f"/v1/enterprises/{OWN}"):
        assert client.get(path, headers=key).status_code == 403, path
    assert client.post(f"/v1/demands/{mine.json()['number']}/match", headers=key, json={}).status_code == 403


def test_enterprise_keys_need_an_existing_enterprise(app):
    store = app.state.qi.keys
    with pytest.raises(InvalidInput):
        store.create("enterprise", "x")
    with pytest.raises(InvalidInput):
        store.create("staff", "x", enterprise_id=OWN)
    with pytest.raises(NotFound):
        store.create("enterprise", "x", enterprise_id="EN9999")
