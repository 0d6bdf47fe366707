"""Bounds on what a caller may ask for, shared by the engine's checks, the CLI and the API's request schemas."""

from __future__ import annotations

MAX_TEXT = 2000  # characters of a demand, a note or a comment
MAX_RESULTS = 100  # hits one search or recommendation may return
MAX_PAGE = 50  # hits on one page of a search (and one recommendation answer over HTTP)
POOL = 100  # hits ranked for a filtered, paged search; facets count them, pages walk them
