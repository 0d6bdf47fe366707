"""What one API worker holds: the searcher (swapped whole when a new index appears), the stores, the jobs.

Workers are stateless apart from this cache of the shared index: the database holds demands, keys, the audit
log and jobs; the index folder holds one `current` index that every worker loads. A worker notices a new
manifest within `index_check_seconds` and loads it in a background thread; requests keep using the old searcher
until the new one is complete, then take the new one on their next call.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from api.security import RateLimiter
from engine.config import Settings
from engine.encoders import Encoder, load_encoder
from engine.enterprise_portal import EnterpriseServices
from engine.errors import Conflict, IndexError_, NotFound, QiError
from engine.keys import KeyStore
from engine.messages import text as msg
from engine.regions import RegionIndex
from engine.search import Searcher, load_lexicon
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
        self.enterprise = EnterpriseServices.build(settings, self.db, self.workflow, self.regions)
        self._encoder: Encoder | None = searcher.encoder if searcher else None
        self._searcher = searcher
        self._searcher_error: str | None = None
        self._seen_manifest = self._manifest_stamp()
        self._checked_at = time.monotonic()
        self._reload_lock = threading.Lock()
        self._reloading = False

    # ---- the searcher ---------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.settings.encoder)
        return self._encoder

    def load(self) -> None:
        """Load the searcher at startup; a missing index is reported by every search (503), not fatal."""
        try:
            self._seen_manifest = self._manifest_stamp()
            self._searcher = Searcher(self.settings, self.db, self.encoder)
            self._searcher_error = None
        except IndexError_ as exc:
            self._searcher_error = exc.message
            log.warning("no usable index yet: %s", exc.message)

    def searcher(self) -> Searcher:
        self._maybe_reload()
        if self._searcher is None:
            raise IndexError_(self._searcher_error or "the index is not loaded yet")
        return self._searcher

    def _manifest_stamp(self) -> tuple[int, int] | None:
        path = Path(self.settings.index_dir) / "current" / "manifest.json"
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.settings.index_check_seconds:
            return
        self._checked_at = now
        stamp = self._manifest_stamp()
        if stamp is not None and stamp != self._seen_manifest:
            self.reload_in_background(stamp)

    def reload_in_background(self, stamp: tuple[int, int] | None = None) -> None:
        with self._reload_lock:
            if self._reloading:
                return
            self._reloading = True
        threading.Thread(target=self._reload, args=(stamp or self._manifest_stamp(),), daemon=True).start()

    def _reload(self, stamp) -> None:
        try:
            fresh = Searcher(self.settings, self.db, self.encoder)
            self._searcher, self._searcher_error, self._seen_manifest = fresh, None, stamp
            log.info("loaded index built at %s", fresh.index.manifest.get("built_at"))
        except QiError as exc:
            self._seen_manifest = stamp  # do not retry a broken index on every request
            log.error("new index not loaded, still serving the old one: %s", exc.message)
        finally:
            self._reloading = False

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
        from engine.indexing import build

        lock_path = Path(self.settings.index_dir) / ".build.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with lock_path.open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, across workers on this machine
                self._set_job(job_id, "running")
                manifest = build(self.settings, self.db, self.encoder, load_lexicon(self.settings.lexicon_dir))
            self._reload(self._manifest_stamp())
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
