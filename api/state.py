"""What one API worker holds: the searcher (swapped whole when a new index appears), the stores, the jobs.

Workers are stateless apart from this cache of the shared index: the database holds demands, keys, the audit
log and jobs; the index folder holds one `current` index that every worker loads. A worker notices a new index
within `index_check_seconds` and loads it in a background thread (engine/index/live.py); requests keep using the
old searcher until the new one is complete, then take the new one on their next call.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from api.caller_limits import CallerSlots
from api.security import RateLimiter, trusted_networks
from engine.config import Settings
from engine.encoders import Encoder, load_encoder
from engine.enterprise_portal import EnterpriseServices
from engine.errors import Conflict, NotFound
from engine.index.build_process import build_in_subprocess
from engine.index.live import LiveIndex
from engine.keys import KeyStore
from engine.messages import text as msg
from engine.regions import RegionIndex
from engine.search import Searcher
from engine.storage import models as m
from engine.storage.db import Database
from engine.workflow import Workflow, utcnow

log = logging.getLogger("qi.api")


class AppState:
    def __init__(self, settings: Settings, searcher: Searcher | None = None, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or (searcher.db if searcher else Database(settings.database_url))
        self.keys = KeyStore(self.db)
        self.workflow = Workflow(self.db, settings.archive_prefix, settings.timezone)
        self.regions = searcher.regions if searcher else RegionIndex.load(settings.reference_dir, settings.home_city)
        self.rate_limiter = RateLimiter()
        self.caller_slots = CallerSlots()
        self.trusted_proxies = trusted_networks(settings.trusted_proxies)
        self.enterprise = EnterpriseServices.build(settings, self.db, self.workflow, self.regions)
        self._encoder: Encoder | None = searcher.encoder if searcher else None
        self.index = LiveIndex(settings, self.db, lambda: self.encoder, searcher)

    # ---- the searcher ---------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.settings.encoder)
        return self._encoder

    def load(self) -> None:
        """Load the index at startup; a damaged or missing one leaves the worker degraded, never dead."""
        self.index.load()

    def searcher(self) -> Searcher:
        """The searcher to answer from; IndexError_ (503) while no index is loaded."""
        return self.index.searcher()

    def enterprise_region(self, enterprise_id: str) -> str | None:
        """The region on file for an enterprise (demands and recommendations take it when none is given)."""
        with self.db.session() as s:
            enterprise = s.get(m.Enterprise, enterprise_id)
        if enterprise is None:
            raise NotFound(msg("lookup.no_enterprise", id=enterprise_id))
        return enterprise.region

    # ---- background reindex ---------------------------------------------------------------------------------
    def start_reindex(self, reason: str) -> m.Job:
        with self.db.session() as s:
            job = m.Job(kind="reindex", status="queued", created_at=utcnow(), detail={"reason": reason})
            s.add(job)
        threading.Thread(target=self._run_reindex, args=(job.id,), daemon=True).start()
        return job

    def _run_reindex(self, job_id: int) -> None:
        lock_path = Path(self.settings.index_dir) / ".build.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with lock_path.open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, across workers on this machine
                self._set_job(job_id, "running")
                manifest = build_in_subprocess(self.settings)  # niced, its own encoder: queries win
            self.index.reload_now()
            self._set_job(job_id, "done", counts=manifest["counts"], build_seconds=manifest["build_seconds"],
                          built_at=manifest["built_at"])
        except Exception as exc:  # the job records any failure; the old index keeps serving
            log.exception("reindex failed")
            self._set_job(job_id, "failed", error=str(exc))

    def _set_job(self, job_id: int, status: str, **detail) -> None:
        with self.db.session() as s:
            job = s.get(m.Job, job_id)
            job.status = status
            job.detail = {**(job.detail or {}), **detail}
            if status in ("done", "failed"):
                job.finished_at = utcnow()

    def job(self, job_id: int) -> m.Job:
        with self.db.session() as s:
            job = s.get(m.Job, job_id)
            if job is None:
                raise NotFound(msg("lookup.no_job", id=job_id))
            return job

    def ensure_no_running_job(self) -> None:
        """Refuse a second reindex while one runs (a job left 'running' by a killed worker expires in an hour)."""
        with self.db.session() as s:
            busy = s.scalars(select(m.Job).where(m.Job.status.in_(("queued", "running")),
                                                 m.Job.created_at > utcnow() - timedelta(hours=1))).first()
        if busy is not None:
            raise Conflict(msg("jobs.busy", id=busy.id, status=busy.status))
