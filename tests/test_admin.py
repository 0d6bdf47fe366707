"""Admin: uploads are kept, validated as a whole, loaded; a background reindex swaps in while queries go on."""

from __future__ import annotations

import io
import json
import time

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from engine.config import Settings
from engine.indexing import build
from engine.ingest import ingest_paths
from engine.search import Searcher
from engine.storage.db import Database
from engine.text.lexicon import load_lexicon
from tests.helpers import CORPUS


@pytest.fixture(scope="module")
def small(tmp_path_factory, encoder):
    """A station with 12 agencies and their standards: its index builds in seconds."""
    work = tmp_path_factory.mktemp("small")
    lines = (CORPUS / "agencies.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    (work / "agencies.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{work / 'qi.db'}", index_dir=work / "indexes",
                        upload_dir=work / "uploads", index_check_seconds=0.2)
    db = Database(settings.database_url)
    assert ingest_paths(db, [work / "agencies.jsonl"]).ok
    build(settings, db, encoder, load_lexicon(settings.lexicon_dir))
    from api.app import create_app

    app = create_app(settings, Searcher(settings, db, encoder))
    with TestClient(app) as client:
        yield app, client, {"X-API-Key": app.state.qi.keys.create("staff", "admin tests", rate=100_000)}


NEW_AGENCY = {
    "id": "AG9001", "name": "曹妃甸新能源电池检测中心", "kind": "testing_lab", "region": "曹妃甸区", "city": "唐山市",
    "service_area": ["唐山市"], "status": "正常",
    "qualifications": [{"type": "CMA", "number": "260399990001", "valid_until": "2030-01-01"}],
    "capabilities": [{"category": "检验检测", "service": "检测", "object": "锂离子动力电池",
                      "scope": "循环寿命、热失控、针刺、挤压", "basis": ["GB 38031-2020"]}],
}


def upload(client, headers, name: str, content: bytes, **form):
    return client.post("/v1/admin/upload", headers=headers, files={"file": (name, content)},
                       data={k: str(v).lower() for k, v in form.items()})


def test_upload_then_background_reindex_swaps_in_without_downtime(small):
    app, client, staff = small
    before = client.get("/v1/search", params={"q": "锂离子动力电池 热失控"}).json()
    assert "AG9001" not in [h["id"] for h in before["hits"]]

    r = upload(client, staff, "agencies.jsonl", (json.dumps(NEW_AGENCY, ensure_ascii=False) + "\n").encode())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["loaded"] == {"agencies": 1} and body["job"]["status"] in ("queued", "running")
    stored = body["stored_as"][0]
    assert not stored.startswith("/")  # the name under the upload folder, not a server path
    kept = app.state.qi.settings.upload_dir / stored
    assert json.loads(kept.read_text(encoding="utf-8"))["id"] == "AG9001"  # the upload itself is kept

    answered = 0
    deadline = time.time() + 120
    while True:
        # queries keep being answered from the old index while the new one is built
        assert client.get("/v1/search", params={"q": "压力表检定"}).status_code == 200
        answered += 1
        job = client.get(f"/v1/admin/jobs/{body['job']['id']}", headers=staff).json()
        if job["status"] in ("done", "failed"):
            break
        assert time.time() < deadline, "reindex did not finish"
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert job["detail"]["counts"]["agency"] > 0 and answered >= 1
    after = client.get("/v1/search", params={"q": "锂离子动力电池 热失控"}).json()
    assert after["hits"][0]["id"] == "AG9001"
    assert client.get("/v1/admin/index", headers=staff).json()["built_at"] == job["detail"]["built_at"]


def test_a_second_reindex_while_one_runs_is_a_conflict(small):
    app, client, staff = small
    first = client.post("/v1/admin/reindex", headers=staff)
    assert first.status_code == 202
    second = client.post("/v1/admin/reindex", headers=staff)
    assert second.status_code == 409 and second.json()["error"]["code"] == "conflict"
    deadline = time.time() + 120
    while client.get(f"/v1/admin/jobs/{first.json()['id']}", headers=staff).json()["status"] not in ("done", "failed"):
        assert time.time() < deadline
        time.sleep(0.3)


def test_a_bad_row_rejects_the_whole_upload(small):
    app, client, staff = small
    rows = [json.dumps({**NEW_AGENCY, "id": "AG9002", "name": "好的一行"}, ensure_ascii=False),
            json.dumps({"id": "AG9003", "name": "缺字段"}, ensure_ascii=False), "{not json"]
    r = upload(client, staff, "agencies.jsonl", "\n".join(rows).encode(), reindex=False)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "ingest_rejected" and len(err["details"]) == 2
    assert any("第 2 行" in d for d in err["details"]) and any("第 3 行" in d and "JSON" in d for d in err["details"])
    assert not any("/" in d for d in err["details"])  # the file's name, not the server's folder
    assert client.get("/v1/agencies/AG9002").status_code == 404  # the good row was not loaded either


def test_csv_and_excel_uploads(small):
    app, client, staff = small
    csv_text = ("id,name,domain,specialties,available\n"
                "EX9001,测试专家,计量,压力表|天平,true\n")
    r = upload(client, staff, "experts.csv", csv_text.encode("utf-8"), reindex=False)
    assert r.status_code == 201, r.text
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "name", "domain", "specialties", "available"])
    sheet.append(["EX9002", "表格专家", "检验检测", "水泥", "false"])
    buf = io.BytesIO()
    book.save(buf)
    r = upload(client, staff, "upload.xlsx", buf.getvalue(), kind="experts", reindex=False)
    assert r.status_code == 201, r.text
    assert client.get("/v1/experts/EX9002").json()["name"] == "表格专家"


@pytest.mark.parametrize(("name", "content", "form"), [
    ("agencies.pdf", b"%PDF-1.4", {}),
    ("mystery.jsonl", b'{"id": 1}\n', {}),
    ("agencies.xlsx", b"not a zip file", {}),
    ("agencies.csv", b"\xff\xfe\x00garbage", {}),
    ("agencies.jsonl", b"", {}),
])
def test_malformed_uploads_are_4xx(small, name, content, form):
    app, client, staff = small
    r = upload(client, staff, name, content, reindex=False, **form)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"]


def test_upload_size_limit(small, monkeypatch):
    app, client, staff = small
    monkeypatch.setattr(app.state.qi.settings, "upload_max_bytes", 100)
    r = upload(client, staff, "agencies.jsonl", b"x" * 1000, reindex=False)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_uploads_need_a_staff_key(small):
    app, client, staff = small
    assert upload(client, {}, "agencies.jsonl", b"{}").status_code == 403


def test_a_worker_picks_up_an_index_built_by_another_process(small, encoder):
    """What a second API worker sees when the first one (or `qi index`) swaps in a new index."""
    app, client, staff = small
    settings, db = app.state.qi.settings, app.state.qi.db
    row = {**NEW_AGENCY, "id": "AG9009", "name": "迁西板栗品质检测站",
           "capabilities": [{"category": "检验检测", "service": "检测", "object": "板栗", "scope": "淀粉、糖分、农残",
                             "basis": ["GB/T 22346-2008"]}]}
    path = settings.upload_dir / "by-hand" / "agencies.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert ingest_paths(db, [path]).ok
    build(settings, db, encoder, load_lexicon(settings.lexicon_dir))  # not through this app
    deadline = time.time() + 30
    while "AG9009" not in [h["id"] for h in client.get("/v1/search", params={"q": "板栗农残检测"}).json()["hits"]]:
        assert time.time() < deadline, "the worker never loaded the new index"
        time.sleep(0.3)


@pytest.mark.slow  # loads an encoder
def test_no_index_means_503_and_a_clear_message(tmp_path):
    from api.app import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'qi.db'}", index_dir=tmp_path / "none")
    with TestClient(create_app(settings)) as client:
        r = client.get("/v1/search", params={"q": "地磅"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "index_unavailable"
        assert "重建索引" in r.json()["error"]["message"]  # in Chinese, naming no server path or command
        assert client.get("/v1/health").status_code == 503
        # demand intake does not depend on the index
        staff = {"X-API-Key": client.app.state.qi.keys.create("staff", "t")}
        assert client.post("/v1/demands", json={"text": "地磅", "channel": "电话"}, headers=staff).status_code == 201


def test_anonymous_access_can_be_turned_off(small):
    app, client, staff = small
    app.state.qi.settings.anonymous_public = False
    try:
        r = client.get("/v1/suggest", params={"q": "地磅"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        assert client.get("/v1/suggest", params={"q": "地磅"}, headers=staff).status_code == 200
    finally:
        app.state.qi.settings.anonymous_public = True
