"""The shared-state deployment: the same engine and workflow on PostgreSQL (QI_TEST_POSTGRES_URL, which
`make test` sets after starting the local cluster with `make postgres`)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from engine.audit import Actor
from engine.config import Settings
from engine.indexing import build
from engine.ingest import ingest_paths
from engine.search import Searcher
from engine.storage.db import Database
from engine.storage.models import Base
from engine.text.lexicon import load_lexicon
from engine.workflow import Workflow
from tests.helpers import CORPUS

URL = os.environ.get("QI_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="QI_TEST_POSTGRES_URL is not set (make test sets it)")


@pytest.fixture(scope="module")
def pg(tmp_path_factory, encoder):
    db = Database(URL)
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    work = tmp_path_factory.mktemp("pg")
    lines = (CORPUS / "agencies.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    (work / "agencies.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_paths(db, [work / "agencies.jsonl", CORPUS / "standards.jsonl", CORPUS / "enterprises.jsonl"])
    assert report.ok, report.rejected[:3]
    settings = Settings(database_url=URL, index_dir=work / "indexes", upload_dir=work / "uploads")
    build(settings, db, encoder, load_lexicon(settings.lexicon_dir))
    yield settings, db
    db.engine.dispose()


def test_archive_numbers_stay_gapless_on_postgresql(pg):
    settings, db = pg
    flow = Workflow(db, settings)
    actor = Actor("pg-test", "staff")
    with ThreadPoolExecutor(max_workers=32) as pool:
        made = list(pool.map(lambda i: flow.create(actor, f"并发需求{i}", "电话"), range(120)))
    seqs = sorted(d.seq for d in made)
    assert len({d.number for d in made}) == 120
    assert seqs == list(range(seqs[0], seqs[0] + 120))


def test_the_api_runs_on_postgresql(pg, encoder):
    settings, db = pg
    from api.app import create_app

    app = create_app(settings, Searcher(settings, db, encoder))
    with TestClient(app) as client:
        staff = {"X-API-Key": app.state.qi.keys.create("staff", "pg")}
        rec = client.post("/v1/recommend", json={"text": "压力表检定", "enterprise_id": "EN0001"}, headers=staff)
        assert rec.status_code == 200 and rec.json()["agencies"]
        assert client.get("/v1/standards/GB/T 19001-2008").json()["editions"][0]["current"] == "GB/T 19001-2016"
        filed = client.post("/v1/demands", json={"text": "压力表检定", "channel": "电话"}, headers=staff)
        number = filed.json()["number"]
        top = client.post(f"/v1/demands/{number}/match", headers=staff).json()["recommendation"]["agencies"][0]["id"]
        assert client.post(f"/v1/demands/{number}/dispatch", headers=staff, json={
            "mode": "agency", "agency_id": top, "service_items": ["压力表检定"], "period_days": 5}).status_code == 200
        assert client.post(f"/v1/demands/{number}/feedback", json={"satisfaction": 5, "status": "已完成"},
                           headers=staff).status_code == 200
        timeline = client.get(f"/v1/demands/{number}", headers=staff).json()
        assert [e["kind"] for e in timeline["events"]] == ["received", "matched", "dispatched", "feedback"]
        assert client.get("/v1/health").json()["database"] == "postgresql"
