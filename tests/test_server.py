"""Against a real `qi serve` (uvicorn) process: archive numbers under concurrency, and kill -9 durability."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.helpers import LiveServer


def test_200_concurrent_demands_get_unique_gapless_numbers(live_server, app):
    staff = app.state.qi.keys.create("staff", "concurrency", rate=100_000)

    def post(i: int) -> httpx.Response:
        with httpx.Client(timeout=60) as c:
            return c.post(f"{live_server.url}/v1/demands", headers={"X-API-Key": staff},
                          json={"text": f"第{i}号并发需求：地磅检定", "channel": "线上平台"})

    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(post, range(200)))
    assert [r.status_code for r in answers] == [201] * 200, {r.status_code: r.text for r in answers}
    numbers = [r.json()["number"] for r in answers]
    assert len(set(numbers)) == 200
    prefix = {n.rsplit("-", 1)[0] for n in numbers}
    assert len(prefix) == 1
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 200)), "gaps or repeats in the archive sequence"


def test_acknowledged_demand_and_feedback_survive_kill_9(api_settings, searcher, app):
    staff = app.state.qi.keys.create("staff", "durability", rate=100_000)
    server = LiveServer(api_settings, workers=1)
    try:
        h = {"X-API-Key": staff}
        with httpx.Client(base_url=server.url, headers=h, timeout=30) as c:
            number = c.post("/v1/demands", json={"text": "断电前登记的需求", "channel": "电话"}).json()["number"]
            assert c.post(f"/v1/demands/{number}/dispatch", json={
                "mode": "station", "scheduled_at": "2026-12-03T09:30:00+08:00"}).status_code == 200
            r = c.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 5, "comment": "杀进程前的反馈",
                                                                 "status": "已完成"})
            assert r.status_code == 200
        server.kill()  # SIGKILL right after the acknowledgement: no shutdown hooks, no flush
    finally:
        server.stop()

    path = api_settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        row = con.execute("SELECT status, satisfaction FROM demands WHERE number = ?", (number,)).fetchone()
        kinds = [k for (k,) in con.execute("SELECT kind FROM demand_events e JOIN demands d ON d.id = e.demand_id "
                                           "WHERE d.number = ? ORDER BY e.id", (number,))]
    assert row == ("已完成", 5)
    assert kinds == ["received", "dispatched", "feedback"]

    again = LiveServer(api_settings, workers=1)
    try:
        timeline = httpx.get(f"{again.url}/v1/demands/{number}", headers={"X-API-Key": staff}).json()
        assert timeline["events"][-1]["data"]["comment"] == "杀进程前的反馈"
    finally:
        again.stop()
