"""Per-caller bounds on the expensive routes (search, recommend) and on what counts as text.

`bounded_work`: an anonymous address or a widget visitor may have `caller_max_concurrent` requests running at once
per worker; more are refused at once (429, `Retry-After: 1`), so one stranger cannot hold every thread and keep the
encoder busy for everyone else. Staff and public API keys are known integrations with their own rate, not capped.

`plain_text`: a control character (NUL ...) anywhere in the query or in a JSON body's strings is refused with 422,
the same on SQLite and PostgreSQL (engine/text/clean.py says why).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote_plus

from fastapi import Request

from api.security import caller_of
from engine.errors import RateLimited
from engine.text.clean import check_text, has_control


class CallerSlots:
    """How many requests each caller has running in this worker."""

    def __init__(self) -> None:
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, caller: str, cap: int) -> Iterator[None]:
        with self._lock:
            if self._running.get(caller, 0) >= cap:
                raise RateLimited(f"同一来源同时进行的查询已达 {cap} 个，请等上一个完成后再试", 1)
            self._running[caller] = self._running.get(caller, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running[caller] - 1
                if left:
                    self._running[caller] = left
                else:
                    del self._running[caller]


def bounded_work(request: Request) -> Iterator[None]:
    """Route dependency: hold one of the caller's slots while the request runs."""
    caller = caller_of(request)
    principal = request.state.principal
    if principal.key_id is not None and principal.role != "widget":
        yield
        return
    state = request.app.state.qi
    with state.caller_slots.hold(caller, state.settings.caller_max_concurrent):
        yield


async def plain_text(request: Request) -> None:
    """App dependency: refuse control characters in the query string and in JSON bodies."""
    query = request.url.query
    if query and (has_control(unquote_plus(query)) or "%00" in query):
        for name, value in request.query_params.multi_items():
            check_text(name, "查询参数名")
            check_text(value, name)
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.headers.get("content-type", ""):
        body = await request.body()  # bounded by BodyLimit; FastAPI reads the same cached bytes
        if b"\\u00" in body.lower() or b"\\u007f" in body.lower():
            try:
                _walk(json.loads(body), "body")
            except (ValueError, RecursionError):
                return  # not JSON: the route's own parsing answers 422


def _walk(value: object, where: str) -> None:
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, dict):
        for k, v in value.items():
            check_text(str(k), where)
            _walk(v, f"{where}.{k}" if where != "body" else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{where}[{i}]")

