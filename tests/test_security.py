"""Personal data never reaches `public` or `widget` callers, over every endpoint and record; keys are hashed."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.privacy import mask_id_card, mask_phone, scrub
from engine.storage import models as m
from tests.helpers import CORPUS, PORTAL


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]


EXPERTS, AGENCIES, ENTERPRISES = _rows("experts"), _rows("agencies"), _rows("enterprises")
EQUIPMENT = _rows("equipment")
SECRETS = sorted({v for e in EXPERTS for v in (e.get("phone"), e.get("id_card"), e.get("email")) if v}
                 | {v for a in AGENCIES for v in ((a.get("contact") or {}).get("phone"),
                                                    (a.get("contact") or {}).get("email")) if v}
                 | {e["contact_phone"] for e in ENTERPRISES if e.get("contact_phone")})


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def callers(keys) -> list[dict[str, str]]:
    return [{"X-API-Key": keys["public"]}, {}, {"X-API-Key": keys["widget"], "Origin": PORTAL}]


def test_the_secret_list_is_real():
    assert len(SECRETS) > 1000


def test_every_record_page_is_clean_for_public_callers(client, keys):
    public = {"X-API-Key": keys["public"]}
    pages = ([f"/v1/experts/{e['id']}" for e in EXPERTS] + [f"/v1/agencies/{a['id']}" for a in AGENCIES]
             + [f"/v1/equipment/{e['id']}" for e in EQUIPMENT])
    for path in pages:
        r = client.get(path, headers=public)
        assert r.status_code == 200, path
        assert not leaked(r.text), path
    for e in ENTERPRISES[:20]:
        assert client.get(f"/v1/enterprises/{e['id']}", headers=public).status_code == 403


record_text = st.one_of(
    st.sampled_from(EXPERTS).map(lambda e: f"{e['name']} {' '.join(e['specialties'])} 联系电话"),
    st.sampled_from(AGENCIES).map(lambda a: f"{a['name']} 联系人 电话 邮箱"),
    st.sampled_from(ENTERPRISES).map(lambda e: f"{e['name']} {e.get('contact_person') or ''}"),
    st.sampled_from(EQUIPMENT).map(lambda e: e["name"]),
    st.sampled_from(SECRETS),  # typing someone's phone or e-mail must not echo anyone's data back
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=record_text, endpoint=st.sampled_from(["recommend", "agency", "expert", "equipment", "standard",
                                                  "suggest", "demand"]),
       who=st.integers(0, 2))
def test_no_endpoint_leaks_personal_data_to_public_or_widget(client, keys, text, endpoint, who):
    headers = callers(keys)[who]
    if endpoint == "recommend":
        r = client.post("/v1/recommend", json={"text": text}, headers=headers)
    elif endpoint == "suggest":
        r = client.get("/v1/suggest", params={"q": text[:100]}, headers=headers)
    elif endpoint == "demand":
        r = client.post("/v1/demands", json={"text": text, "channel": "线上平台"}, headers=headers)
    else:
        r = client.get("/v1/search", params={"q": text, "target": endpoint, "limit": 50}, headers=headers)
    assert r.status_code in (200, 201, 403), r.text
    assert not leaked(r.text)


def test_staff_lists_are_masked(client, keys):
    staff = {"X-API-Key": keys["staff"]}
    items = client.get("/v1/enterprises", params={"limit": 50}, headers=staff).json()["items"]
    assert items and not leaked(json.dumps(items, ensure_ascii=False))
    assert all("****" in e["contact_phone"] for e in items if e["contact_phone"])


def test_keys_are_stored_hashed(app, keys):
    with app.state.qi.db.session() as s:
        stored = s.scalars(select(m.ApiKey)).all()
    dump = json.dumps([[k.id, k.secret_hash, k.name] for k in stored])
    for key in keys.values():
        assert key.split("_", 2)[2] not in dump


@pytest.mark.parametrize(("raw", "masked"), [("13812345678", "138****5678"), ("0315-3545944", "0315-****5944")])
def test_phone_masking(raw, masked):
    assert mask_phone(raw) == masked


def test_scrub_masks_personal_strings_wherever_they_sit():
    assert mask_id_card("130288199107043620") == "130***********3620"
    out = scrub({"note": "请拨 13912345678 或写信 a.b@x.cn", "phone": "13912345678", "nested": ["130288199107043620"]})
    assert out == {"note": "请拨 139****5678 或写信 a***@x.cn", "nested": ["130***********3620"]}
    assert scrub({"code": "GB/T 19001-2016", "number": "CNAS L8605"}) == {"code": "GB/T 19001-2016",
                                                                         "number": "CNAS L8605"}
