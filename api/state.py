"""What one API worker holds: the searcher (swapped whole when a new index appears) and the engine's stores.

Workers are stateless apart from this cache of the shared index: the database holds demands, keys, the audit
log and jobs; the index folder holds one `current` index that every worker loads. A worker notices a new
manifest within `index_check_seconds` and loads it in a background thread; requests keep using the old searcher
until the new one is complete, then take the new one on their next call.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from api.security import RateLimiter
from engine.audit import AuditLog
from engine.config import Settings
from engine.encoders import Encoder, load_encoder
from engine.enterprise_portal import EnterpriseServices
from engine.errors import IndexUnavailable, QiError
from engine.jobs import Jobs
from engine.keys import KeyStore
from engine.records import Records
from engine.regions import RegionIndex
from engine.search import Searcher
from engine.storage.db import Database
from engine.workflow import Workflow

log = logging.getLogger("qi.api")


class AppState:
    def __init__(self, settings: Settings, searcher: Searcher | None = None, db: Database | None = None) -> None:
        self.settings = settings
        # The API's database is the one its settings name; a searcher on that same database shares its engine.
        shared = searcher is not None and searcher.db.url == settings.database_url
        self.db = db or (searcher.db if shared else Database(settings.database_url))
        self.keys = KeyStore(self.db)
        self.workflow = Workflow(self.db, settings)
        self.records = Records(self.db)
        self.audit = AuditLog(self.db)
        self.jobs = Jobs(settings, self.db, lambda: self.encoder, lambda: self._reload(self._manifest_stamp()))
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
        except IndexUnavailable as exc:
            self._searcher_error = exc.message
            log.warning("no usable index yet: %s", exc.message)

    def searcher(self) -> Searcher:
        self._maybe_reload()
        if self._searcher is None:
            raise IndexUnavailable(self._searcher_error or "the index is not loaded yet")
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
