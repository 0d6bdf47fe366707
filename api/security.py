"""Who is calling and what they may do: API keys, roles, widget origins (CORS), per-key rate limits.

A key comes in `X-API-Key` or `Authorization: Bearer`. No key means the anonymous public caller (the
self-search page), limited per client address, unless `QI_ANONYMOUS_PUBLIC=false`.

Rate limits are token buckets kept per worker process: with `--workers N` a key gets up to N times its rate in
the worst case; put a shared limiter (the proxy, or Redis) in front when that matters.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import qi_error_response
from engine.audit import Actor
from engine.errors import Forbidden, OriginNotAllowed, RateLimited, Unauthorized
from engine.keys import Principal, normalize_origin
from engine.messages import text as msg

ALLOWED_HEADERS = "X-API-Key, Authorization, Content-Type"


class RateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # who -> (tokens, last refill time)
        self._lock = threading.Lock()

    def take(self, who: str, per_minute: int) -> None:
        now = time.monotonic()
        rate = per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(who, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise RateLimited(msg("auth.rate_limited", rate=per_minute, wait=wait), wait)
            self._buckets[who] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # forget idle callers rather than grow without bound
                self._buckets.clear()


def _token(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal_of(request: Request) -> Principal:
    """Authenticate, check the widget origin and charge the rate limit; cached on the request."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    state = request.app.state.qi
    token = _token(request)
    if token is None:
        if not state.settings.anonymous_public:
            raise Unauthorized(msg("auth.key_required"))
        principal = Principal(None, "public", (), state.settings.anonymous_rate_per_minute)
        who = f"ip:{client_address(request)}"
    else:
        principal = state.keys.authenticate(token)
        who = f"key:{principal.key_id}"
    if principal.role == "widget":
        origin = request.headers.get("origin")
        try:
            allowed = origin is not None and normalize_origin(origin) in principal.origins
        except Exception:  # a malformed Origin header is simply not an allowed one
            allowed = False
        if not allowed:
            raise OriginNotAllowed(msg("auth.origin_not_allowed", origin=origin or "（无）"))
    state.rate_limiter.take(who, principal.rate_per_minute)
    request.state.principal = principal
    return principal


def require(permission: str) -> Callable[[Request], Principal]:
    def dependency(request: Request) -> Principal:
        principal = principal_of(request)
        if not principal.can(permission):
            raise Forbidden(msg("auth.forbidden_anonymous") if principal.key_id is None
                            else msg("auth.forbidden_role", role=principal.role))
        return principal

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency


def actor_of(request: Request, principal: Principal) -> Actor:
    name = f"{principal.name}（{principal.key_id}）" if principal.role == "staff" and principal.name else None
    return Actor(principal.key_id or "anonymous", principal.role, client_address(request), name)


class WidgetCors:
    """CORS for widget origins. A preflight carries no key, so it is answered for any origin some live widget
    key allows; the real request is then checked against its own key's origins (403 otherwise). Origins no
    widget key names get no CORS headers at all, so browsers there cannot read any answer."""

    def __init__(self, app: ASGIApp, keys_of: Callable[[], object]) -> None:
        self.app = app
        self.keys_of = keys_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if not origin or _same_origin(origin, scope, headers):
            await self.app(scope, receive, send)
            return
        try:
            allowed = normalize_origin(origin) in self.keys_of().widget_origins()
        except Exception:
            allowed = False
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _preflight(scope, receive, send, origin if allowed else None)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"access-control-allow-origin", origin.encode("latin-1")),
                                      (b"access-control-expose-headers", b"Retry-After"),
                                      (b"vary", b"Origin")]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _same_origin(origin: str, scope: Scope, headers: dict[str, str]) -> bool:
    host = headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def _preflight(scope: Scope, receive: Receive, send: Send, origin: str | None) -> None:
    if origin is None:
        response = qi_error_response(OriginNotAllowed(msg("auth.origin_no_widget")), headers={"Vary": "Origin"})
        await response(scope, receive, send)
        return
    await send({"type": "http.response.start", "status": 204, "headers": [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", b"GET, POST"),
        (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
        (b"access-control-max-age", b"600"),
        (b"vary", b"Origin"),
    ]})
    await send({"type": "http.response.body", "body": b""})
