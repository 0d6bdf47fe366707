"""§8 statistics: `GET /v1/stats` over all time agrees with the database, each figure recomputed here with SQL
(the 1,500 historical service records included); the chart tables download as Excel."""

from __future__ import annotations

from collections import Counter
from io import BytesIO

import numpy as np
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from engine.audit import Actor
from engine.storage.db import Database

# The category of an agency is the category of its first listed capability.
CATEGORY = """(SELECT c.category FROM capabilities c WHERE c.agency_id = {col}
               ORDER BY c.position, c.id LIMIT 1)"""
# Every case, archive and live, in one SQL relation: the oracle the API must agree with.
CASES = f"""
SELECT 'archive' AS source, sr.created AS day, sr.channel, sr.enterprise_id, e.region, sr.agency_id,
       COALESCE({CATEGORY.format(col='sr.agency_id')}, '未分类') AS category, sr.status,
       sr.agency_id IS NOT NULL AS matched, sr.agency_id IS NOT NULL AS dispatched,
       sr.response_hours, sr.satisfaction
FROM service_records sr LEFT JOIN enterprises e ON e.id = sr.enterprise_id WHERE sr.created IS NOT NULL
UNION ALL
SELECT 'live', date(d.created_at, '+8 hours'), d.channel, d.enterprise_id, COALESCE(d.region, e.region),
       d.dispatched_to, COALESCE({CATEGORY.format(col='d.dispatched_to')}, '未分类'), d.status,
       EXISTS (SELECT 1 FROM demand_events x WHERE x.demand_id = d.id AND x.kind = 'matched'),
       EXISTS (SELECT 1 FROM demand_events x WHERE x.demand_id = d.id AND x.kind IN ('dispatched', 'redispatched')),
       (SELECT (julianday(MIN(x.at)) - julianday(d.created_at)) * 24 FROM demand_events x
        WHERE x.demand_id = d.id AND x.kind IN ('dispatched', 'redispatched')),
       d.satisfaction
FROM demands d LEFT JOIN enterprises e ON e.id = d.enterprise_id
"""


@pytest.fixture(scope="module")
def desk(desk_app):
    app, alice, bob = desk_app
    a = Actor(alice.split("_")[1], "staff", name="张三")
    b = Actor(bob.split("_")[1], "staff", name="李四")
    flow = app.state.qi.workflow
    # live demands through every path of the state table
    d1 = flow.create(a, "地磅年检", "电话", "EN0003").number
    flow.dispatch(a, d1, {"mode": "agency", "agency_id": "AG0018", "service_items": ["地磅检定"]})
    flow.add_event(b, d1, "已检定", "已完成")
    flow.feedback(b, d1, 5, "很好")
    d2 = flow.create(b, "压力表送检", "服务窗口", region="乐亭县").number
    flow.dispatch(b, d2, {"mode": "agency", "agency_id": "AG0018", "service_items": ["压力表"]})
    flow.feedback(b, d2, 3, None, status="已完成")
    d3 = flow.create(a, "想办 ISO9001 认证", "线上平台", "EN0010").number
    flow.add_event(a, d3, "企业不再需要", "已取消")
    flow.create(a, "标准查询", "巡访")
    return TestClient(app), {"X-API-Key": alice}, app.state.qi.db


def sql(db: Database, query: str, **params):
    with db.engine.connect() as c:
        return c.execute(text(query), params).all()


def test_stats_over_all_time_agree_with_sql(desk):
    client, staff, db = desk
    r = client.get("/v1/stats", headers=staff)
    assert r.status_code == 200, r.text
    got = r.json()
    cases = sql(db, CASES)
    archive = [c for c in cases if c.source == "archive"]
    assert len(archive) == 1500 and got["sources"] == {"archive": 1500, "live": 4}  # the archive counts

    assert got["demands"] == {
        "received": len(cases),
        "matched": sum(bool(c.matched) for c in cases),
        "dispatched": sum(bool(c.dispatched) for c in cases),
        "completed": sum(c.status == "已完成" for c in cases),
        "cancelled": sum(c.status == "已取消" for c in cases),
    }
    days = sorted(str(c.day) for c in cases)
    assert got["period"] == {"from": days[0], "to": days[-1]}
    distinct = sql(db, f"SELECT COUNT(DISTINCT enterprise_id) FROM ({CASES})")[0][0]
    assert got["enterprises_served"]["distinct"] == distinct
    assert got["enterprises_served"]["new"] == got["enterprises_served"]["distinct"]  # all time: all are new

    sat = [c.satisfaction for c in cases if c.satisfaction is not None]
    assert got["satisfaction"]["count"] == len(sat)
    assert got["satisfaction"]["mean"] == pytest.approx(np.mean(sat), abs=1e-3)
    assert got["satisfaction"]["distribution"] == {str(k): Counter(sat)[k] for k in range(1, 6)}

    hours = [c.response_hours for c in cases if c.response_hours is not None]
    assert got["response_hours"]["count"] == len(hours)
    assert got["response_hours"]["p50"] == pytest.approx(np.percentile(hours, 50), abs=0.01)
    assert got["response_hours"]["p90"] == pytest.approx(np.percentile(hours, 90), abs=0.01)

    for field, column in (("by_month", "substr(day, 1, 7)"), ("by_category", "category"),
                          ("by_region", "COALESCE(region, '未分类')"), ("by_channel", "channel")):
        rows = sql(db, f"""SELECT {column} AS k, COUNT(*), SUM(status = '已完成'), SUM(status = '已取消'),
                           AVG(satisfaction), COUNT(satisfaction) FROM ({CASES}) GROUP BY k""")
        label = field.removeprefix("by_")
        want = {k: (n, done, cancelled, count) for k, n, done, cancelled, _, count in rows}
        assert {row[label]: (row["received"], row["completed"], row["cancelled"], row["satisfaction_count"])
                for row in got[field]} == want, field
        means = {k: mean for k, *_, mean, _count in rows}
        for row in got[field]:
            assert row["satisfaction_mean"] == pytest.approx(means[row[label]], abs=1e-3)

    agencies = sql(db, f"""SELECT agency_id, COUNT(*), SUM(status = '已完成'), AVG(satisfaction)
                           FROM ({CASES}) WHERE dispatched AND agency_id IS NOT NULL GROUP BY agency_id""")
    assert {a["agency_id"]: (a["served"], a["completed"]) for a in got["by_agency"]} == \
        {k: (n, done) for k, n, done, _ in agencies}
    ag = next(a for a in got["by_agency"] if a["agency_id"] == "AG0018")
    served_hours = [c.response_hours for c in cases if c.agency_id == "AG0018" and c.dispatched
                    and c.response_hours is not None]
    assert ag["turnaround_hours_p50"] == pytest.approx(np.percentile(served_hours, 50), abs=0.01)

    staff_rows = sql(db, """SELECT k.name, COUNT(DISTINCT x.demand_id) FROM demand_events x
                            JOIN api_keys k ON k.id = x.actor AND k.role = 'staff' GROUP BY k.name""")
    assert {s["name"]: s["handled"] for s in got["by_staff"]} == dict(staff_rows) == {"张三": 3, "李四": 2}

    levels = Counter({"计量": "basic", "标准": "basic", "认证认可": "basic", "检验检测": "basic", "特种设备": "basic",
                      "质量管理": "extended", "品牌培育": "extended", "知识产权": "extended",
                      "创新服务": "innovation"}.get(c.category, "unclassified") for c in cases)
    assert got["services"] == {k: levels[k] for k in ("basic", "extended", "innovation", "unclassified")}


def test_stats_filters_and_period(desk):
    client, staff, db = desk
    got = client.get("/v1/stats", params={"from": "2025-01-01", "to": "2025-12-31", "channel": "电话"},
                     headers=staff).json()
    n = sql(db, f"SELECT COUNT(*) FROM ({CASES}) WHERE day BETWEEN '2025-01-01' AND '2025-12-31' AND channel = '电话'")
    assert got["demands"]["received"] == n[0][0] > 0
    assert got["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    new = sql(db, f"""SELECT COUNT(*) FROM (SELECT enterprise_id, MIN(day) AS first FROM ({CASES})
                      WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id) f
                      WHERE first BETWEEN '2025-01-01' AND '2025-12-31' AND enterprise_id IN
                      (SELECT enterprise_id FROM ({CASES}) WHERE day BETWEEN '2025-01-01' AND '2025-12-31'
                       AND channel = '电话')""")
    assert got["enterprises_served"]["new"] == new[0][0]
    bad = client.get("/v1/stats", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=staff)
    assert bad.status_code == 422 and "晚于" in bad.json()["error"]["message"]
    assert client.get("/v1/stats").status_code in (401, 403)


def test_each_chart_table_downloads_as_excel(desk):
    client, staff, _ = desk
    stats = client.get("/v1/stats", headers=staff).json()
    for table, key in (("by_month", "month"), ("by_agency", "agency_id"), ("satisfaction", None)):
        r = client.get(f"/v1/stats/{table}.xlsx", headers=staff)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
        rows = list(load_workbook(BytesIO(r.content)).worksheets[0].iter_rows(values_only=True))
        if key:
            assert len(rows) - 1 == len(stats[table]) and rows[1][0] == stats[table][0][key]
        else:
            assert [r[1] for r in rows[1:]] == list(stats["satisfaction"]["distribution"].values())
