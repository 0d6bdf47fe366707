"""The instrument ledger (计量器具台账): a hand-written ledger of 43 instruments (tests/data/ledger_hand.csv, written
by hand for this test, not by the seed generator) classified through the API as of a fixed date, every flag,
service, cycle, due date and status as a person works them out from the rules; the batches; bad files refused
whole; the rules' corners on their own."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from engine.errors import IngestRejected, InvalidInput
from engine.ledger.catalogue import Catalogue, InstrumentType
from engine.ledger.classify import add_months, classify, due_status, uses_of
from engine.ledger.columns import LedgerRow, match_header, parse_cycle, parse_date, parse_ledger

DATA = Path(__file__).resolve().parent / "data"
AS_OF = "2026-06-15"
M, N = True, False
# 序号: (mandatory, service, cycle months, next due, status) — worked out by hand from the rules in
# engine/ledger/classify.py: catalogue type AND one of the five uses -> 检定 at min(own, regulation) months;
# otherwise 校准 at the enterprise's cycle (12 when it has none); due = last date + cycle.
EXPECTED = {
    1: (M, "检定", 12, "2026-07-01", "due_30"),    # 电子汽车衡, 贸易结算
    2: (M, "检定", 12, "2026-05-20", "overdue"),   # 电子汽车衡, 称重结算; 2025/5/20 written with slashes
    3: (M, "检定", 12, "2026-08-10", "due_60"),    # 电子台秤, 发货结算
    4: (N, "校准", 12, "2026-08-10", "due_60"),    # 电子台秤, 车间配料: not one of the five uses
    5: (M, "检定", 12, "2026-10-01", "ok"),        # 电子计价秤, 采购结算; no own cycle
    6: (M, "检定", 6, "2026-07-10", "due_30"),     # 一般压力表, 锅炉安全
    7: (M, "检定", 6, "2026-05-30", "overdue"),    # 一般压力表, 安全防护
    8: (N, "校准", 12, "2026-09-01", "due_90"),    # 一般压力表, 工艺监控
    9: (N, "校准", 12, "2026-12-01", "ok"),        # 精密压力表, 校验用
    10: (M, "检定", 6, "2026-09-20", "ok"),        # 压力表, 消防安全: 97 days out
    11: (M, "检定", 12, "2026-06-10", "overdue"),  # 可燃气体检测报警器
    12: (M, "检定", 12, "2026-07-20", "due_60"),   # 一氧化碳检测报警器: 35 days
    13: (M, "检定", 12, "2026-09-05", "due_90"),   # 硫化氢气体检测仪
    14: (M, "检定", 12, "2026-06-20", "due_30"),   # 血压计, 医务室诊疗
    15: (M, "检定", 12, "2026-12-15", "ok"),       # 电子血压计, 医疗卫生; no own cycle
    16: (M, "检定", 12, "2026-08-01", "due_60"),   # 声级计, 环境监测
    17: (N, "校准", 12, "2026-08-01", "due_60"),   # 声级计, 研发测试
    18: (M, "检定", 12, "2026-10-10", "ok"),       # 汽车排放气体测试仪, 排放环境监测
    19: (N, "校准", 24, "2026-09-01", "due_90"),   # 电能表, 内部能耗考核
    20: (N, "校准", 24, "2027-03-01", "ok"),       # 冷水水表, 内部用水计量
    21: (N, "校准", 12, "2026-06-01", "overdue"),  # 数显卡尺: not on the catalogue
    22: (N, "校准", 12, "2026-07-10", "due_30"),
    23: (N, "校准", 12, "2026-08-20", "due_90"),   # 外径千分尺, "1年"
    24: (N, "校准", 12, "2027-01-05", "ok"),
    25: (N, "校准", 12, "2026-06-30", "due_30"),
    26: (N, "校准", 12, "2026-09-10", "due_90"),
    27: (N, "校准", 12, "2026-12-01", "ok"),
    28: (N, "校准", 12, "2026-04-01", "overdue"),
    29: (N, "校准", 6, "2026-07-20", "due_60"),    # 扭矩扳子, "6个月"
    30: (N, "校准", 12, "2026-09-01", "due_90"),   # 电子天平, 化验
    31: (M, "检定", 12, "2026-11-01", "ok"),       # 电子天平, 贵金属收购结算
    32: (N, "校准", 12, "2026-07-05", "due_30"),
    33: (N, "校准", 12, None, "overdue"),          # 洛氏硬度计: no last date on file
    34: (N, "校准", 12, "2026-10-20", "ok"),       # 砝码 on the catalogue, used to calibrate balances
    35: (M, "检定", 12, "2026-06-16", "due_30"),   # 电子秤, 零售销售: due tomorrow
    36: (N, "校准", 12, "2026-06-01", "overdue"),  # 电子台秤, "非贸易结算，仅内部盘点"
    37: (N, "校准", 6, "2026-08-01", "due_60"),    # 压力表 with no use written
    38: (M, "检定", 6, "2026-07-01", "due_30"),    # 加油机, 对外加油收费
    39: (M, "检定", 12, "2026-09-30", "ok"),       # 心电图机, 职工体检
    40: (N, "校准", 12, "2026-11-15", "ok"),       # 酒精检测仪, 门卫自查: catalogued, use not mandatory
    41: (N, "校准", 24, "2026-07-01", "due_30"),   # 电子汽车衡, 厂内转运
    42: (N, "校准", 12, "2026-09-20", "ok"),
    43: (N, "校准", 12, "2026-11-11", "ok"),       # 温湿度计, "环境" in the use but not catalogued
}
FIRST_ROW = 3  # a title row and the header row come first: 序号 n sits on file row n + 2


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.fixture(scope="module")
def hand_ledger(client, keys) -> dict:
    content = (DATA / "ledger_hand.csv").read_bytes()
    r = client.post("/v1/enterprises/EN0001/instruments", headers=h(keys["staff"]), data={"as_of": AS_OF},
                    files={"file": ("台账.csv", content, "text/csv")})
    assert r.status_code == 201, r.text
    return r.json()


def test_every_instrument_is_classified_as_worked_out_by_hand(hand_ledger):
    got = {i["row"] - FIRST_ROW + 1: i for i in hand_ledger["instruments"]}
    assert sorted(got) == sorted(EXPECTED)
    wrong = {}
    for n, (mandatory, service, cycle, due, status) in EXPECTED.items():
        i = got[n]
        actual = (i["mandatory"], i["service"], i["cycle_months"], i["next_due"], i["status"])
        if actual != (mandatory, service, cycle, due, status):
            wrong[n] = (i["name"], actual, (mandatory, service, cycle, due, status))
        assert i["reasons"], n
    assert not wrong, wrong
    assert sum(i["mandatory"] for i in got.values()) == 18


def test_answer_shape_is_exactly_the_documented_one(hand_ledger):
    assert set(hand_ledger) == {"instruments", "groups"}
    for i in hand_ledger["instruments"]:
        assert set(i) == {"row", "name", "mandatory", "service", "regulation", "cycle_months", "next_due", "status",
                          "reasons", "agencies"}
    for g in hand_ledger["groups"]:
        assert set(g) == {"agency_id", "agency_name", "rows", "next_due"}


def test_reasons_and_regulations(hand_ledger):
    got = {i["row"] - FIRST_ROW + 1: i for i in hand_ledger["instruments"]}
    assert any("贸易结算" in r and "强制检定" in r for r in got[1]["reasons"])
    assert got[6]["regulation"] == "JJG 52-2013"      # 一般压力表
    assert got[9]["regulation"] == "JJG 49-2013"      # 精密压力表
    assert got[16]["regulation"] == "JJG 188-2017"    # 声级计
    assert got[21]["regulation"] == "JJG 30-2012"     # 数显卡尺 -> 通用卡尺
    assert any("不在实施强制管理的计量器具目录中" in r for r in got[21]["reasons"])
    assert any("未写用途" in r for r in got[37]["reasons"])
    assert any("没有上次" in r for r in got[33]["reasons"])


def test_batches_as_of_the_fixed_date(hand_ledger, settings):
    """Greedy: the agency that can take most of the due instruments first, then the next. Every due instrument some
    agency can take is in exactly one batch, whose agency is among its takers; the instruments not due are in none.
    Which agencies list an instrument depends on the catalogue's words for it: with the knowledge base
    (corpora/knowledge/metrology_instruments.jsonl, whose terms name the capability objects) the city institute
    (唐山市计量检定测试院, AG0014) lists all 29 due instruments; with only the older word list its 汽车衡 words do not
    reach the city institute's 大型衡器, so the provincial institute (AG0015, area 河北省) takes 28 and the city
    institute the 电子天平 for 化验 (序号 30) that only it and two calibration labs list."""
    due = {i["row"] for i in hand_ledger["instruments"] if i["status"] != "ok"}
    assert len(due) == 29
    takers = {i["row"]: {a["id"] for a in i["agencies"]} for i in hand_ledger["instruments"]}
    groups = hand_ledger["groups"]
    grouped = [r for g in groups for r in g["rows"]]
    assert sorted(grouped) == sorted(r for r in due if takers[r])  # each due row with a taker, exactly once
    for g in groups:
        assert all(g["agency_id"] in takers[r] for r in g["rows"])
    best = max(sum(1 for r in due if a in takers[r]) for a in set().union(*takers.values()))
    assert len(groups[0]["rows"]) == best  # the first batch is the largest any one agency can take
    kb = (settings.lexicon_dir.parent / "knowledge" / "metrology_instruments.jsonl").exists()
    if kb:
        assert [(g["agency_id"], g["next_due"]) for g in groups] == [("AG0014", "2026-04-01")]
    else:
        assert [(g["agency_id"], g["next_due"]) for g in groups] == [("AG0015", "2026-04-01"),
                                                                     ("AG0014", "2026-09-01")]
        assert groups[1]["rows"] == [30 + FIRST_ROW - 1]
    # mandatory verifications only go to legal or authorised metrology institutions (AG0014-AG0034 in the demo)
    got = {i["row"] - FIRST_ROW + 1: i for i in hand_ledger["instruments"]}
    legal = {f"AG{n:04d}" for n in range(14, 35)}
    for n, i in got.items():
        if i["mandatory"]:
            assert {a["id"] for a in i["agencies"]} <= legal, n
    assert {"AG0015", "AG0033"} <= {a["id"] for a in got[1]["agencies"]}  # 汽车衡: provincial, port station
    assert "AG0014" in {a["id"] for a in got[31]["agencies"]}  # 电子天平 检定: the city institute


def test_get_returns_the_stored_ledger_and_export(client, keys, hand_ledger):
    r = client.get("/v1/enterprises/EN0001/instruments", params={"as_of": AS_OF}, headers=h(keys["staff"]))
    assert r.status_code == 200 and r.json() == hand_ledger
    later = client.get("/v1/enterprises/EN0001/instruments", params={"as_of": "2026-07-02"},
                       headers=h(keys["staff"])).json()
    assert {i["row"]: i["status"] for i in later["instruments"]}[FIRST_ROW] == "overdue"  # 序号 1 due 07-01
    x = client.get("/v1/enterprises/EN0001/instruments.xlsx", params={"as_of": AS_OF}, headers=h(keys["staff"]))
    assert x.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(x.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["行号", "器具名称", "型号规格"] and "下次到期" in header and "序号" in header
    assert sheet.max_row == len(EXPECTED) + 1
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["强制检定"] == "是" and first["检定/校准"] == "检定" and first["责任人"] == "王工"
    rows = client.get("/v1/enterprises/EN0001/instruments/rows", headers=h(keys["staff"])).json()["items"]
    assert rows[0]["extra"] == {"序号": "1", "责任人": "王工"}


def test_a_file_with_bad_rows_is_refused_whole_with_every_bad_row(client, keys, hand_ledger):
    bad = ("器具名称,用途,检定周期,上次检定日期\n电子汽车衡,贸易结算,12,2025-07-01\n,安全防护,6,2025-01-01\n"
           "压力表,安全防护,六周,2025-01-01\n声级计,环境监测,12,2025-13-40\n")
    r = client.post("/v1/enterprises/EN0001/instruments", headers=h(keys["staff"]),
                    files={"file": ("bad.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "ingest_rejected" and len(err["details"]) == 3
    assert [d.split("：")[0] for d in err["details"]] == ["第 3 行", "第 4 行", "第 5 行"]
    still = client.get("/v1/enterprises/EN0001/instruments", params={"as_of": AS_OF}, headers=h(keys["staff"]))
    assert len(still.json()["instruments"]) == len(EXPECTED)  # nothing of the bad file was stored
    no_header = client.post("/v1/enterprises/EN0001/instruments", headers=h(keys["staff"]),
                            files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")})
    assert no_header.status_code == 422 and "器具名称" in no_header.json()["error"]["message"]
    wrong_type = client.post("/v1/enterprises/EN0001/instruments", headers=h(keys["staff"]),
                             files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert wrong_type.status_code == 422


def test_xlsx_with_a_title_row_and_editing_rows(client, keys):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["某厂计量器具台账"])
    sheet.append(["计量器具名称", "型号", "使用地点", "用途", "校准周期(月)", "上次校准日期", "备注"])
    sheet.append(["一般压力表", "Y-100", "锅炉房", "安全防护", 6, date(2026, 1, 10), "新换"])
    out = io.BytesIO()
    book.save(out)
    r = client.post("/v1/enterprises/EN0002/instruments", headers=h(keys["staff"]), data={"as_of": AS_OF},
                    files={"file": ("台账.xlsx", out.getvalue(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    [inst] = r.json()["instruments"]
    assert (inst["row"], inst["mandatory"], inst["next_due"], inst["status"]) == (3, True, "2026-07-10", "due_30")
    added = client.post("/v1/enterprises/EN0002/instruments/rows", headers=h(keys["staff"]),
                        json={"name": "数显卡尺", "use": "检验", "cycle_months": 12, "last_date": "2025-07-01"})
    assert added.status_code == 201 and added.json()["row"] == 4
    changed = client.put("/v1/enterprises/EN0002/instruments/rows/4", headers=h(keys["staff"]),
                         json={"name": "数显卡尺", "use": "检验", "cycle_months": 6, "last_date": "2026-03-01"})
    assert changed.status_code == 200 and changed.json()["cycle_months"] == 6
    got = client.get("/v1/enterprises/EN0002/instruments", params={"as_of": AS_OF}, headers=h(keys["staff"])).json()
    assert [(i["row"], i["next_due"]) for i in got["instruments"]] == [(3, "2026-07-10"), (4, "2026-09-01")]
    assert client.put("/v1/enterprises/EN0002/instruments/rows/4", headers=h(keys["staff"]),
                      json={"name": "x", "cycle_months": 0}).status_code == 422
    assert client.delete("/v1/enterprises/EN0002/instruments/rows/4", headers=h(keys["staff"])).status_code == 204
    assert client.delete("/v1/enterprises/EN0002/instruments/rows/4", headers=h(keys["staff"])).status_code == 404


def test_booking_a_batch_files_one_demand(client, keys, hand_ledger):
    g = hand_ledger["groups"][-1]
    names = {i["row"]: i["name"] for i in hand_ledger["instruments"]}
    r = client.post("/v1/enterprises/EN0001/bookings", headers=h(keys["staff"]),
                    json={"agency_id": g["agency_id"], "rows": g["rows"], "as_of": AS_OF})
    assert r.status_code == 201, r.text
    body = r.json()
    demand = client.get(f"/v1/demands/{body['number']}", headers=h(keys["staff"])).json()
    assert demand["enterprise_id"] == "EN0001" and demand["channel"] == "线上平台"
    assert names[g["rows"][0]] in demand["text"] and g["agency_name"] in demand["text"]
    assert demand["events"][0]["data"]["booking"]["rows"] == g["rows"]
    tracked = client.get(f"/v1/track/{body['number']}", params={"code": body["tracking_code"]})
    assert tracked.status_code == 200
    # an agency that cannot take one of the rows is refused
    refused = client.post("/v1/enterprises/EN0001/bookings", headers=h(keys["staff"]),
                          json={"agency_id": "AG0017", "rows": [FIRST_ROW], "as_of": AS_OF})
    assert refused.status_code == 409


# ---- the rules on their own --------------------------------------------------------------------------------
def test_headers_cycles_and_dates():
    assert match_header("检定 / 校准周期（月）") == "cycle"
    assert match_header("上次检定/校准日期") == "last_date"
    assert match_header("下次检定日期") is None
    assert match_header("证书编号") == "certificate_no" and match_header("出厂编号") == "serial"
    assert match_header("规格型号") == "model" and match_header("计量器具名称") == "name"
    assert [parse_cycle(v) for v in (12, "12", "12个月", "1年", "半年", "两年", "", None)] == [
        12, 12, 12, 12, 6, 24, None, None]
    for bad in ("六周", 0, "0.5个月", 1.5):
        with pytest.raises(ValueError):
            parse_cycle(bad)
    assert parse_date("2025年3月5日") == parse_date("2025.3.5") == parse_date("20250305") == date(2025, 3, 5)
    with pytest.raises(ValueError):
        parse_date("2025-02-30")
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert due_status(date(2026, 6, 15), date(2026, 6, 15)) == "due_30"
    assert due_status(date(2026, 6, 14), date(2026, 6, 15)) == "overdue"


def test_uses():
    assert uses_of("贸易结算") == ["贸易结算"]
    assert uses_of("非贸易结算，仅内部盘点") == []
    assert uses_of("锅炉安全监测；排放监测") == ["安全防护", "环境监测"]
    assert uses_of(None) == [] and uses_of("工艺控制") == []


def test_a_regulation_maximum_caps_the_enterprise_cycle_and_uses_are_per_type():
    scale = InstrumentType("t.scale", "电子汽车衡", ("电子汽车衡", "地磅"), frozenset({"贸易结算"}), 12,
                           ("JJG 539-2016",))
    catalogue = Catalogue([scale], "test")
    as_of = date(2026, 6, 15)
    long_cycle = classify(LedgerRow(1, "地磅", use="贸易结算", cycle_months=24, last_date=date(2025, 7, 1)),
                          catalogue, as_of)
    assert (long_cycle.mandatory, long_cycle.cycle_months, long_cycle.regulation) == (True, 12, "JJG 539-2016")
    assert any("超过规程规定的 12 个月" in r for r in long_cycle.reasons)
    short = classify(LedgerRow(2, "地磅", use="贸易结算", cycle_months=6, last_date=date(2026, 1, 1)), catalogue, as_of)
    assert (short.cycle_months, short.next_due) == (6, date(2026, 7, 1))
    none = classify(LedgerRow(3, "地磅", use="贸易结算", last_date=date(2026, 1, 1)), catalogue, as_of)
    assert none.cycle_months == 12
    safety = classify(LedgerRow(4, "地磅", use="安全防护"), catalogue, as_of)
    assert not safety.mandatory and safety.service == "校准"  # this type is mandatory for 贸易结算 only


def test_the_knowledge_base_format_is_read(tmp_path):
    entry = {"id": "metrology_instruments.x", "kind": "instrument", "name": "电子汽车衡", "aliases": ["地磅"],
             "terms": ["汽车衡"], "category": "计量", "services": ["检定"], "codes": ["JJG 539-2016"],
             "attrs": {"项别": "衡器", "种别": "非自动衡器", "mandatory_uses": ["贸易结算"], "cycle_months": 12},
             "related": [], "source": "test"}
    other = {**entry, "id": "x.y", "kind": "measurand"}
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "metrology_instruments.jsonl").write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in (entry, other)), encoding="utf-8")
    catalogue = Catalogue.load(tmp_path / "knowledge", tmp_path)
    [t] = catalogue.types
    assert (t.group, t.kind, t.cycle_months, t.mandatory_uses) == ("衡器", "非自动衡器", 12, frozenset({"贸易结算"}))
    assert catalogue.match("磅房地磅")[0] is t


def test_parse_rejects_every_bad_row_at_once():
    text = "器具名称,检定周期\n,12\n压力表,abc\n"
    with pytest.raises(IngestRejected) as exc:
        parse_ledger("x.csv", text.encode())
    assert len(exc.value.rejected) == 2
    with pytest.raises(InvalidInput):
        parse_ledger("x.csv", "器具名称\n".encode())
