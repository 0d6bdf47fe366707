"""Database engine and sessions from a URL; SQLite gets WAL and foreign keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import NotFound
from engine.storage import enterprise_tables  # noqa: F401 - registers the enterprise's tables
from engine.storage.models import Base

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            # A writer waits for the lock rather than fail: bulk loads commit in short batches (engine/ingest.py),
            # so a demand being filed waits at most one batch, never the whole load.
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    Base.metadata.create_all(engine)
    return engine


class Database:
    """One engine and its session factory, made once at the edge and passed down."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.session() as session:
            session.execute(text("SELECT 1"))


def get_or_raise(session: Session, model: type[T], key: object, message: str, **options: Any) -> T:
    """The row with primary key `key`, or NotFound with `message` (from the message catalogue)."""
    row = session.get(model, key, **options)
    if row is None:
        raise NotFound(message)
    return row
