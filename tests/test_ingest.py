"""Ingest: bad rows are reported with file, line and reason; good rows load; re-ingesting never duplicates."""

import json
import subprocess
import sys

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.ingest import ingest_paths
from engine.storage import models as m
from engine.storage.db import Database
from tests.helpers import CORPUS


def _count(db, table):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_bad_rows_are_reported_and_good_rows_loaded(tmp_path):
    good = json.loads((CORPUS / "agencies.jsonl").open(encoding="utf-8").readline())
    expired = dict(good, id="AGX001", status="停业")
    no_area = dict(good, id="AGX002", service_area=[])
    path = tmp_path / "agencies.jsonl"
    path.write_text(
        "\n".join([json.dumps(good, ensure_ascii=False), "{not json", json.dumps(expired, ensure_ascii=False),
                   json.dumps(no_area, ensure_ascii=False), "[1, 2]"]) + "\n",
        encoding="utf-8",
    )
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    report = ingest_paths(db, [path])
    assert report.loaded == {"agencies": 1}
    lines = {r.line: r.reason for r in report.rejected}
    assert set(lines) == {2, 3, 4, 5}
    assert "不是有效的 JSON" in lines[2]
    assert "status" in lines[3]
    assert "service_area" in lines[4]
    assert all(r.file == str(path) for r in report.rejected)
    assert _count(db, m.Agency) == 1
    assert _count(db, m.Capability) == len(good["capabilities"])


@pytest.mark.slow  # the whole corpus, twice
def test_reingest_updates_without_duplicates(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'b.db'}")
    for _ in range(2):
        report = ingest_paths(db, [CORPUS])
        assert report.ok
    assert _count(db, m.Agency) == 154
    assert _count(db, m.Capability) == 958
    assert _count(db, m.ServiceRecord) == 1500
    assert _count(db, m.Standard) == 418
    changed = tmp_path / "standards.jsonl"
    row = json.loads((CORPUS / "standards.jsonl").open(encoding="utf-8").readline())
    changed.write_text(json.dumps(dict(row, title="改过的标题"), ensure_ascii=False) + "\n", encoding="utf-8")
    assert ingest_paths(db, [changed]).ok
    with db.session() as s:
        assert s.get(m.Standard, row["code"]).title == "改过的标题"
    assert _count(db, m.Standard) == 418


def test_csv_and_excel_files_a_station_really_has(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    assert ingest_paths(db, [CORPUS / "agencies.jsonl"]).ok
    csv_path = tmp_path / "equipment.csv"
    csv_path.write_text(
        "id,name,model,owner_agency_id,region,shareable,fee,status,calibration_due\n"
        "EQX1,激光粒度仪,LS-1,AG0060,路北区,是,200元/小时,正常,2027-03-01\n"
        "EQX2,坏日期,LS-2,AG0060,路北区,否,,正常,2027-13-01\n"
        "EQX3,未知状态,LS-3,AG0060,路北区,否,,报废,\n",
        encoding="utf-8",
    )
    report = ingest_paths(db, [csv_path])
    assert report.loaded == {"equipment": 1}
    assert [(r.line, "calibration_due" in r.reason or "status" in r.reason) for r in report.rejected] == [
        (3, True), (4, True)]
    with db.session() as s:
        assert s.get(m.Equipment, "EQX1").shareable is True

    book = Workbook()
    sheet = book.active
    sheet.append(["agency_id", "category", "service", "object", "scope", "basis"])
    sheet.append(["AG0014", "计量", "检定", "新型电子汽车衡", "最大秤量≤200t", "JJG 1118-2015;JJG 539-2016"])
    sheet.append(["AG9999", "计量", "检定", "无主之物", "", ""])
    sheet.append(["AG0014", "计量", "修理", "电子秤", "", ""])
    xlsx = tmp_path / "capabilities.xlsx"
    book.save(xlsx)
    report = ingest_paths(db, [xlsx])
    assert report.loaded == {"capabilities": 1}
    assert [r.line for r in report.rejected] == [3, 4]
    assert "不存在的机构 AG9999" in report.rejected[0].reason
    with db.session() as s:
        caps = [c for c in s.get(m.Agency, "AG0014").capabilities if c.object == "新型电子汽车衡"]
        assert len(caps) == 1 and caps[0].basis == ["JJG 1118-2015", "JJG 539-2016"]
    assert ingest_paths(db, [xlsx]).loaded == {"capabilities": 1}  # idempotent: updated, not appended
    with db.session() as s:
        assert sum(c.object == "新型电子汽车衡" for c in s.get(m.Agency, "AG0014").capabilities) == 1


def test_cli_exits_non_zero_and_names_the_bad_row(tmp_path):
    path = tmp_path / "experts.jsonl"
    path.write_text('{"id": "EXZ1", "name": "测试"}\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--db", f"sqlite:///{tmp_path / 'd.db'}", "ingest", str(path)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert "experts.jsonl 第 1 行：specialties" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--db", f"sqlite:///{tmp_path / 'd.db'}", "ingest",
         str(tmp_path / "x.txt")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2 and "不存在" in proc.stderr


def test_every_file_kind_gets_the_same_referential_checks(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    assert ingest_paths(db, [CORPUS / "agencies.jsonl", CORPUS / "enterprises.jsonl"]).ok
    equipment = tmp_path / "equipment.csv"
    equipment.write_text("id,name,owner_agency_id,region,shareable,status\n"
                         "EQY1,无主设备,AG9999,路北区,否,正常\n"
                         "EQY2,乡镇设备,AG0060,乐亭镇,否,正常\n", encoding="utf-8")
    experts = tmp_path / "experts.jsonl"
    expert = {"id": "EXY1", "name": "某专家", "employer_agency_id": "AG9998", "region": "路北区",
              "specialties": ["计量"]}
    experts.write_text(json.dumps(expert, ensure_ascii=False) + "\n", encoding="utf-8")
    records = tmp_path / "service_records.jsonl"
    record = {"id": "SRY1", "enterprise_id": "EN9999", "channel": "电话", "demand": "地磅", "created": "2026-01-02",
              "agency_id": "AG0018", "status": "已完成"}
    records.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = ingest_paths(db, [equipment, experts, records])
    reasons = {(r.file.rsplit("/", 1)[-1], r.line): r.reason for r in report.rejected}
    assert "不存在的机构 AG9999" in reasons["equipment.csv", 2]
    assert "未知地区“乐亭镇”" in reasons["equipment.csv", 3]
    assert "不存在的机构 AG9998" in reasons["experts.jsonl", 1]
    assert "不存在的企业 EN9999" in reasons["service_records.jsonl", 1]
    assert not report.loaded.get("equipment") and not report.loaded.get("experts")


def test_a_malformed_csv_is_reported_as_one(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'f.db'}")
    path = tmp_path / "enterprises.csv"
    path.write_text('id,name,region\nENY1,"唐山某厂,路北区\nENY2,另一厂,路南区\n', encoding="utf-8")
    try:
        ingest_paths(db, [path])
    except InvalidInput as exc:
        assert "CSV 格式错误" in exc.message and "引号未闭合" in exc.message and "第 2 行" in exc.message
        assert str(tmp_path) not in exc.message
    else:
        raise AssertionError("an unclosed quote was taken for data")
