"""What one API worker holds: the searcher (swapped whole when a new index appears) and the engine's stores.

Workers are stateless apart from this cache of the shared index: the database holds demands, keys, the audit
log and jobs; the index folder holds one `current` index that every worker loads. A worker notices a new index
within `index_check_seconds` and loads it in a background thread (engine/index/live.py); requests keep using the
old searcher until the new one is complete, then take the new one on their next call.
"""

from __future__ import annotations

import logging

from api.caller_limits import CallerSlots
from api.security import RateLimiter, trusted_networks
from engine.audit import AuditLog
from engine.config import Settings
from engine.encoders import Encoder, load_encoder
from engine.enterprise_portal import EnterpriseServices
from engine.index.live import LiveIndex
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
        self.regions = searcher.regions if searcher else RegionIndex.load(settings.reference_dir, settings.home_city)
        self.rate_limiter = RateLimiter()
        self.caller_slots = CallerSlots()
        self.trusted_proxies = trusted_networks(settings.trusted_proxies)
        self.enterprise = EnterpriseServices.build(settings, self.db, self.workflow, self.regions)
        self._encoder: Encoder | None = searcher.encoder if searcher else None
        self.index = LiveIndex(settings, self.db, lambda: self.encoder, searcher)
        # A reindex builds in a niced child process (engine/index/build_process.py), then this worker loads it.
        self.jobs = Jobs(settings, self.db, lambda: self.encoder, self.index.reload_now)

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
        """The searcher to answer from; IndexUnavailable (503) while no index is loaded."""
        return self.index.searcher()
