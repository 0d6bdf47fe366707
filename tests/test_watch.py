"""Certificates and standards watch, the station's proactive list, 同行业企业常办事项, and the seed data."""

from __future__ import annotations

import filecmp
from datetime import date

from engine.config import ROOT
from engine.seeding import generate

EID = "EN0021"
AS_OF = "2026-06-15"


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_certificates_and_standards_as_of_a_date(client, keys):
    staff = h(keys["staff"])
    certs = [{"scheme": "ISO 9001", "number": "00123Q45678", "expiry": "2026-08-01"},
             {"scheme": "ISO 14001", "expiry": "2026-05-01"},
             {"scheme": "CCC", "expiry": "2028-01-01"},
             {"scheme": "ISO 45001"}]
    assert client.put(f"/v1/enterprises/{EID}/certificates", headers=staff, json={"items": certs}).status_code == 204
    stds = [{"code": "JJG 539-1997", "product": "称重"},  # 废止, replaced by JJG 539-2016
            {"code": "GB/T 19001-2016"}, {"code": "GB/T 99999-2020"}]
    assert client.put(f"/v1/enterprises/{EID}/standards", headers=staff, json={"items": stds}).status_code == 204
    w = client.get(f"/v1/enterprises/{EID}/watch", params={"as_of": AS_OF}, headers=staff).json()
    states = {c["scheme"]: c["state"] for c in w["certificates"]}
    assert states == {"ISO 9001": "expiring", "ISO 14001": "expired", "CCC": "valid", "ISO 45001": "unknown"}
    iso9001 = next(c for c in w["certificates"] if c["scheme"] == "ISO 9001")
    assert iso9001["renewers"] and all(r["id"].startswith("AG") for r in iso9001["renewers"])
    assert next(c for c in w["certificates"] if c["scheme"] == "CCC")["renewers"] == []  # not due: none offered
    by_code = {s["code"]: s for s in w["standards"]}
    old = by_code["JJG 539-1997"]
    assert (old["state"], old["replacement"], old["replacement_effective"]) == ("replaced", "JJG 539-2016",
                                                                                 "2017-05-30")
    assert by_code["GB/T 19001-2016"]["state"] == "ok"
    assert by_code["GB/T 99999-2020"]["state"] == "unknown"
    bad = client.put(f"/v1/enterprises/{EID}/standards", headers=staff, json={"items": [{"code": "不是编号"}]})
    assert bad.status_code == 422
    bad = client.put(f"/v1/enterprises/{EID}/certificates", headers=staff,
                     json={"items": [{"scheme": "ISO 9001", "expiry": "2026-02-30"}]})
    assert bad.status_code == 422


def test_a_standard_about_to_be_replaced(client, keys, app):
    """A current standard whose replacement is 即将实施 is flagged with the replacement and its date; once that
    date has passed (as of a later date) it reads as replaced."""
    from sqlalchemy import select

    from engine.ranking.standards import StandardCatalogue
    from engine.storage import models as m
    from engine.watch import Watch

    with app.state.qi.db.session() as s:
        catalogue = StandardCatalogue(list(s.scalars(select(m.Standard))))
    upcoming = [c for c, std in catalogue.by_code.items() if std.status == "即将实施" and catalogue.replaces.get(c)]
    assert upcoming, "the demo catalogue has standards 即将实施 that replace current ones"
    new = catalogue.by_code[upcoming[0]]
    old = catalogue.replaces[new.code][0]
    before = Watch.standard_state(catalogue, old, date(new.effective.year - 1, 1, 1))
    assert (before["state"], before["replacement"], before["replacement_effective"]) == (
        "superseded_soon", new.code, new.effective)
    after = Watch.standard_state(catalogue, old, new.effective)
    assert after["state"] == "replaced"


def test_reminders_and_the_proactive_list(client, keys):
    staff = h(keys["staff"])
    ledger = "器具名称,用途,检定周期,上次检定日期\n一般压力表,锅炉安全,6,2025-11-01\n数显卡尺,检验,12,2025-01-01\n"
    client.post(f"/v1/enterprises/{EID}/instruments", headers=staff,
                files={"file": ("l.csv", ledger.encode(), "text/csv")})
    rem = client.get(f"/v1/enterprises/{EID}/reminders", params={"as_of": AS_OF}, headers=staff).json()
    kinds = sorted((r["kind"], r["urgency"]) for r in rem)
    # the gauge (due 2026-05-01) is overdue; the caliper is not mandatory so it is no reminder;
    # ISO 9001 lapses within 90 days, ISO 14001 has lapsed, JJG 539-1997 is replaced
    assert kinds == [("certificate", "expiring"), ("certificate", "overdue"), ("standard", "outdated"),
                     ("verification", "overdue")]
    region = client.get("/v1/enterprises/" + EID, headers=staff).json()["region"]
    p = client.get("/v1/proactive", params={"as_of": AS_OF, "days": 30, "region": region}, headers=staff).json()
    assert p["region"] == region and all(i["region"] == region for i in p["items"])
    mine = next(i for i in p["items"] if i["enterprise_id"] == EID)
    assert (mine["overdue"], mine["certificates"], mine["standards"]) == (2, 2, 1)
    x = client.get("/v1/proactive.xlsx", params={"as_of": AS_OF}, headers=staff)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert client.get("/v1/proactive", params={"region": "火星区"}, headers=staff).status_code == 422


def test_peer_services(client, keys):
    r = client.get(f"/v1/enterprises/{EID}/peer-services", headers=h(keys["staff"])).json()
    assert r["basis"] in ("同行业、同规模", "同行业") and r["records"] >= 1 and r["items"]
    counts = [i["count"] for i in r["items"]]
    assert counts == sorted(counts, reverse=True) and sum(counts) <= r["records"]


def test_seed_data_is_deterministic_and_kept_in_its_own_folder(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = generate(ROOT / "corpora" / "tangshan-demo", a)
    generate(ROOT / "corpora" / "tangshan-demo", b)
    assert first.ledgers == 40 and first.instruments > 400
    cmp = filecmp.dircmp(a, b)
    assert not cmp.diff_files and not cmp.left_only and not cmp.right_only
    assert not filecmp.dircmp(a / "ledgers", b / "ledgers").diff_files
    committed = ROOT / "corpora" / "enterprise-demo"
    assert filecmp.cmp(a / "certificates.jsonl", committed / "certificates.jsonl", shallow=False)
    assert filecmp.cmp(a / "ledgers" / "EN0001.csv", committed / "ledgers" / "EN0001.csv", shallow=False)
