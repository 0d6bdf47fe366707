"""Background jobs (a reindex), kept in the database so that every API worker sees them.

A reindex is watched by a thread of the worker that was asked, under a file lock (one build at a time across the
workers of a machine); the build itself runs in a niced child process (engine/index/build_process.py), so queries
keep the worker's CPU, encoder and interpreter, and is swapped in atomically; queries keep using the old index
meanwhile. The job
records its outcome: done (with the new index's counts) or failed (with the error).
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select

from engine.clock import as_utc, utcnow
from engine.config import Settings
from engine.encoders import Encoder
from engine.errors import Conflict
from engine.messages import text as msg
from engine.storage import models as m
from engine.storage.db import Database, get_or_raise

log = logging.getLogger("qi.jobs")
JobStatus = Literal["queued", "running", "done", "failed"]
STALE_AFTER = timedelta(hours=1)  # a job left running by a killed worker no longer blocks a new one


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    status: JobStatus
    created_at: datetime
    finished_at: datetime | None
    detail: dict[str, Any]


def _info(job: m.Job) -> JobInfo:
    return JobInfo(job.id, job.kind, job.status, as_utc(job.created_at), as_utc(job.finished_at), job.detail or {})


class Jobs:
    def __init__(self, settings: Settings, db: Database, encoder: Callable[[], Encoder],
                 on_built: Callable[[], None] = lambda: None) -> None:
        """`encoder` gives this worker's encoder (loaded on first use; the build itself loads its own in the child
        process); `on_built` runs after a build, to load the new index in this worker."""
        self.settings = settings
        self.db = db
        self._encoder = encoder
        self._on_built = on_built

    def start_reindex(self, reason: str) -> JobInfo:
        """Queue a rebuild and start it in the background; Conflict while another one is queued or running."""
        self.ensure_idle()
        with self.db.session() as s:
            job = m.Job(kind="reindex", status="queued", created_at=utcnow(), detail={"reason": reason})
            s.add(job)
            s.flush()
            info = _info(job)
        threading.Thread(target=self._run_reindex, args=(info.id,), daemon=True).start()
        return info

    def get(self, job_id: int) -> JobInfo:
        with self.db.session() as s:
            return _info(get_or_raise(s, m.Job, job_id, msg("lookup.no_job", id=job_id)))

    def ensure_idle(self) -> None:
        """Refuse a second reindex while one is queued or running."""
        with self.db.session() as s:
            busy = s.scalars(select(m.Job).where(m.Job.status.in_(("queued", "running")),
                                                 m.Job.created_at > utcnow() - STALE_AFTER)).first()
        if busy is not None:
            raise Conflict(msg("jobs.busy", id=busy.id, status=busy.status))

    def _run_reindex(self, job_id: int) -> None:
        from engine.index.build_process import build_in_subprocess

        lock_path = Path(self.settings.index_dir) / ".build.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with lock_path.open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, across workers on this machine
                self._set(job_id, "running")
                manifest = build_in_subprocess(self.settings)  # niced, its own encoder: queries win
            self._on_built()
            self._set(job_id, "done", counts=manifest["counts"], build_seconds=manifest["build_seconds"],
                      built_at=manifest["built_at"])
        except Exception as exc:  # the job records any failure; the old index keeps serving
            log.exception("reindex failed")
            self._set(job_id, "failed", error=str(exc))

    def _set(self, job_id: int, status: JobStatus, **detail: Any) -> None:
        with self.db.session() as s:
            job = s.get(m.Job, job_id)
            job.status = status
            job.detail = {**(job.detail or {}), **detail}
            if status in ("done", "failed"):
                job.finished_at = utcnow()
