"""Text is text on both databases: a NUL in a demand is the same 422 on SQLite and PostgreSQL, never a 500
(PostgreSQL cannot store NUL; SQLite would store it silently). Runs when QI_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.errors import InvalidInput
from engine.storage.db import Database
from engine.storage.models import Base
from engine.workflow import Actor, Workflow

URL = os.environ.get("QI_TEST_POSTGRES_URL")
BODIES = [{"text": "地磅\x00检定", "channel": "线上平台"},
          {"text": "地磅检定", "channel": "线上平台", "contact_person": "王\x00五"},
          {"text": "地磅检定\x1b[31m", "channel": "电话"}]


def _answers(client: TestClient) -> list[tuple[int, str]]:
    out = []
    for body in BODIES:
        r = client.post("/v1/demands", json=body)
        out.append((r.status_code, r.json()["error"]["code"]))
    return out


@pytest.mark.skipif(not URL, reason="QI_TEST_POSTGRES_URL is not set (make test sets it)")
def test_nul_in_a_demand_is_the_same_422_on_sqlite_and_postgresql(settings, db, tmp_path):
    pg = Database(URL)
    Base.metadata.create_all(pg.engine)
    try:
        with pytest.raises(InvalidInput):
            Workflow(pg, settings).create(Actor("t", "staff"), "压力表\x00送检", "电话")
        no_index = {"index_dir": tmp_path / "none"}  # intake needs no index (and the server starts without one)
        pg_settings = settings.model_copy(update={"database_url": URL, **no_index})
        with TestClient(create_app(pg_settings)) as on_pg, \
                TestClient(create_app(settings.model_copy(update=no_index))) as on_sqlite:
            assert _answers(on_pg) == _answers(on_sqlite) == [(422, "invalid_input")] * len(BODIES)
            ok = on_pg.post("/v1/demands", json={"text": "地磅\t检定\n第二行", "channel": "电话"})
            assert ok.status_code == 201, ok.text
    finally:
        pg.engine.dispose()
