"""The index a serving process answers from: loaded at start, swapped whole when the files on disk change.

A server must start even when its index cannot be read: a damaged `current` index (truncated, zero bytes, garbage,
built for another encoder) is refused with one clear log line, and the process falls back to `previous` (the last
good index a build left behind) or, with none, answers 503 `index_unavailable` on what needs an index while demand
intake, lookups and the pages keep working. Every `index_check_seconds` the process compares a fingerprint of the
files of `current` (names, sizes, times, inodes; no reading): a new build or a repaired file is loaded in a
background thread, and requests keep using what they had until it is complete. A load that fails is not retried
until the files change again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from engine.config import Settings
from engine.encoders import Encoder
from engine.errors import IndexUnavailable, QiError
from engine.index.store import CURRENT, PREVIOUS, fingerprint
from engine.search import Searcher
from engine.storage.db import Database

log = logging.getLogger("qi.index")


class LiveIndex:
    def __init__(self, settings: Settings, db: Database, encoder: Callable[[], Encoder],
                 searcher: Searcher | None = None) -> None:
        """`encoder` gives the process's encoder (loaded on first use); `searcher` is an already loaded one."""
        self.settings = settings
        self.db = db
        self._encoder = encoder
        self._searcher = searcher
        self._problem: str | None = None
        self._seen = fingerprint(settings.index_dir)
        self._checked_at = time.monotonic()
        self._lock = threading.Lock()
        self._reloading = False

    @property
    def source(self) -> str | None:
        """`current`, `previous` (the fallback) or None (nothing loaded)."""
        return self._searcher.index_name if self._searcher else None

    @property
    def warning(self) -> str | None:
        """Why the process answers from the last good index rather than `current`; None when it does not."""
        if self.source != PREVIOUS:
            return None
        built = self._searcher.index.manifest.get("built_at")
        return f"当前索引不可用（{self._problem}），正在使用上一版索引（构建于 {built}）作答"

    def load(self) -> None:
        """Load at startup; never raises: a damaged index leaves the process serving degraded."""
        self._seen = fingerprint(self.settings.index_dir)
        self._checked_at = time.monotonic()
        self._load()

    def searcher(self) -> Searcher:
        self._maybe_reload()
        searcher = self._searcher
        if searcher is None:
            raise IndexUnavailable(self._problem or "索引尚未加载")
        return searcher

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.settings.index_check_seconds:
            return
        self._checked_at = now
        seen = fingerprint(self.settings.index_dir)
        if seen != self._seen:
            self.reload_in_background(seen)

    def reload_in_background(self, seen: tuple | None = None) -> None:
        with self._lock:
            if self._reloading:
                return
            self._reloading = True
        threading.Thread(target=self._reload, args=(seen or fingerprint(self.settings.index_dir),),
                         daemon=True).start()

    def reload_now(self) -> None:
        """Load `current` in this thread (after a build in this process)."""
        self._reload(fingerprint(self.settings.index_dir))

    def _reload(self, seen: tuple | None) -> None:
        try:
            self._seen = seen  # a broken index is not retried until its files change again
            fresh = self._open(CURRENT)
            self._searcher, self._problem = fresh, None
            log.info("loaded index built at %s", fresh.index.manifest.get("built_at"))
        except Exception as exc:  # noqa: BLE001 - whatever the files did, the process keeps what it has
            self._problem = _why(exc)
            if self._searcher is None:
                self._load_previous()
            else:
                log.error("index not loaded, still answering from the one in memory: %s", self._problem)
        finally:
            self._reloading = False

    def _load(self) -> None:
        try:
            self._searcher, self._problem = self._open(CURRENT), None
        except Exception as exc:  # noqa: BLE001 - never dead: any failure leaves the process degraded
            self._problem = _why(exc)
            log.error("index unavailable: %s", self._problem)
            self._load_previous()

    def _load_previous(self) -> None:
        try:
            self._searcher = self._open(PREVIOUS)
            log.warning("answering from the last good index (built at %s) until current is repaired",
                        self._searcher.index.manifest.get("built_at"))
        except Exception as exc:  # noqa: BLE001
            log.error("no last good index either: %s", _why(exc))

    def _open(self, name: str) -> Searcher:
        return Searcher(self.settings, self.db, self._encoder(), index_name=name)


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, QiError) else f"{type(exc).__name__}: 索引无法读取"
