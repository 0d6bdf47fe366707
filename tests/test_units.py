"""Unit tests of the engine's small shared pieces: no encoder, no index, no server (the fast tier)."""

from __future__ import annotations

import io
import json
from dataclasses import fields
from datetime import date

import pytest

from engine import errors
from engine.audit import Actor, AuditLog
from engine.config import Settings
from engine.jobs import Jobs
from engine.jsonl import iter_lines, read_objects
from engine.privacy import PERSONAL_FIELDS
from engine.qualifications import in_force, validity
from engine.records import (
    AgencyProfile,
    EnterpriseProfile,
    EquipmentProfile,
    ExpertProfile,
    Records,
    hit_details,
    public_fields,
)
from engine.regions import LocalPrefixes, RegionIndex
from engine.storage.db import Database
from engine.uploads import accept_upload, keep, safe_name
from engine.vocabulary import AGENCY_KINDS, KIND_LABELS, TARGETS, kind_label
from tests.helpers import CORPUS

TODAY = date(2026, 6, 1)


def test_qualification_validity_is_one_rule():
    assert in_force(None, TODAY) and in_force(TODAY, TODAY) and not in_force(date(2026, 5, 31), TODAY)
    assert validity(None, TODAY) == "unknown"
    assert validity(date(2026, 5, 31), TODAY) == "expired"
    assert validity(date(2026, 8, 30), TODAY) == "expiring"  # within 90 days
    assert validity(date(2026, 9, 30), TODAY) == "valid"


def test_every_target_has_one_ranker_and_vocabularies_agree():
    from engine.ranking import rankers

    classes = [rankers.AgencyRanker, rankers.ExpertRanker, rankers.EquipmentRanker, rankers.StandardRanker]
    assert tuple(c.target for c in classes) == TARGETS
    assert AGENCY_KINDS == tuple(KIND_LABELS) and kind_label("testing_lab") == "检验检测机构"
    assert kind_label("unheard_of") == "unheard_of"


def test_profiles_name_their_staff_and_hit_fields():
    for profile in (AgencyProfile, ExpertProfile, EquipmentProfile, EnterpriseProfile):
        names = {f.name for f in fields(profile)}
        assert set(profile.STAFF_FIELDS) <= names
        assert set(profile.STAFF_FIELDS) <= PERSONAL_FIELDS  # the scrub knows every personal field
        assert not set(public_fields(profile)) & PERSONAL_FIELDS
    for profile in (AgencyProfile, ExpertProfile, EquipmentProfile):
        assert not set(profile.HIT_FIELDS) & set(profile.STAFF_FIELDS)
    e = EquipmentProfile("EQ1", "盐雾试验箱", None, None, None, "某中心", None, "路北区", True, None, "正常",
                         date(2027, 1, 2))
    assert hit_details(e)["calibration_due"] == "2027-01-02" and list(hit_details(e)) == list(e.HIT_FIELDS)


@pytest.fixture
def station(tmp_path) -> tuple[Settings, Database]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'qi.db'}", index_dir=tmp_path / "indexes",
                        upload_dir=tmp_path / "uploads", upload_max_bytes=4096)
    return settings, Database(settings.database_url)


def _agency_line(**changes) -> bytes:
    row = json.loads((CORPUS / "agencies.jsonl").open(encoding="utf-8").readline())
    return (json.dumps({**row, **changes}, ensure_ascii=False) + "\n").encode()


def test_upload_is_kept_then_loaded_all_or_nothing(station):
    settings, db = station
    assert safe_name("../../etc/passwd") == "passwd" and safe_name("机构 表.csv") == "机构_表.csv"
    with pytest.raises(errors.InvalidInput):
        keep(settings, "agencies.exe", io.BytesIO(b"x"))
    with pytest.raises(errors.PayloadTooLarge):
        keep(settings, "agencies.jsonl", io.BytesIO(b"x" * 5000))
    with pytest.raises(errors.IngestRejected) as bad:
        accept_upload(settings, db, "agencies.jsonl", io.BytesIO(_agency_line() + b"{not json\n"))
    assert bad.value.details and bad.value.details == bad.value.rejected
    assert len(list(settings.upload_dir.rglob("agencies.jsonl"))) == 1  # kept although rejected
    done = accept_upload(settings, db, "agencies.jsonl", io.BytesIO(_agency_line()))
    assert done.kind == "agencies" and done.loaded == {"agencies": 1} and done.path.exists()


def test_records_profiles_audit_what_staff_read(station):
    settings, db = station
    accept_upload(settings, db, "agencies.jsonl", io.BytesIO(_agency_line()))
    agency_id = json.loads(_agency_line())["id"]
    records, log = Records(db), AuditLog(db)
    public = records.agency(agency_id, TODAY)
    assert public.contact is None and public.kind_label == kind_label(public.kind)
    assert all(q.validity == validity(q.valid_until, TODAY) for q in public.qualifications)
    staff = records.agency(agency_id, TODAY, Actor("k1", "staff", "127.0.0.1"))
    assert staff.contact is not None
    assert [e.action for e in log.entries(agency_id)] == ["agency.contact.read"]
    with pytest.raises(errors.NotFound):
        records.expert("EX-NONE")
    with pytest.raises(errors.NotFound):
        records.enterprise_region("EN-NONE")
    assert records.enterprises("没有这个企业").total == 0


def test_jobs_refuse_a_second_reindex_and_report_unknown_ids(station):
    settings, db = station
    jobs = Jobs(settings, db, encoder=lambda: pytest.fail("no encoder is loaded to queue a job"))
    with db.session() as s:
        from engine.clock import utcnow
        from engine.storage import models as m

        s.add(m.Job(kind="reindex", status="running", created_at=utcnow(), detail={}))
    with pytest.raises(errors.Conflict):
        jobs.start_reindex("again")
    with pytest.raises(errors.NotFound):
        jobs.get(999)
    assert jobs.get(1).status == "running"


def test_one_jsonl_reader(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_bytes('\ufeff{"a": 1}\n\n[1]\n{bad\n'.encode())
    lines = list(iter_lines(path))
    assert lines[0] == (1, {"a": 1}) and lines[1][0] == 3 and "应为 JSON 对象" in lines[1][1]
    assert lines[2][0] == 4 and "第 2 列" in lines[2][1]
    with pytest.raises(errors.InvalidInput, match=r"q.jsonl:3"):
        read_objects(path)
    with pytest.raises(errors.InvalidInput, match="no such file"):
        read_objects(tmp_path / "none.jsonl")
    (tmp_path / "latin.jsonl").write_bytes(b'{"a": "\xe9"}\n')
    with pytest.raises(errors.InvalidInput, match="UTF-8"):
        read_objects(tmp_path / "latin.jsonl")


def test_every_error_has_a_code_and_a_status():
    def tree(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from tree(sub)

    codes = [c.code for c in tree(errors.QiError)]
    assert len(codes) == len(set(codes)) and "qi_error" not in codes
    assert all(400 <= c.status < 600 for c in tree(errors.QiError))
    assert errors.RateLimited("slow down", 7).headers() == {"Retry-After": "7"}


def test_regions_take_the_home_city_from_settings():
    settings = Settings()
    assert LocalPrefixes.of("唐山市", "河北省") == LocalPrefixes("河北", ("唐山市", "唐山"))
    tangshan = RegionIndex.load(settings.reference_dir, "唐山市")
    assert tangshan.resolve("高新区").city == "唐山市" and tangshan.find_in_text("我们在乐亭").name == "乐亭县"
    baoding = RegionIndex.load(settings.reference_dir, "保定市")
    assert baoding.resolve("高新区").city == "保定市"
    assert baoding.require("涿州").name == "涿州市"
    with pytest.raises(errors.InvalidInput, match="未知地区"):
        baoding.require("火星县")


def test_the_engine_never_imports_the_api_and_routers_hold_no_sql():
    from engine.config import ROOT

    def imports(folder: str, *needles: str) -> list[str]:
        return [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in sorted((ROOT / folder).rglob("*.py"))
                for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                if any(needle in line for needle in needles)]

    assert imports("engine", "import api", "from api") == []
    assert imports("api/routes", "select(", "session", "storage.models", "from engine.storage") == []
