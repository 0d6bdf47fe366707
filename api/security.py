"""Who is calling and what they may do: API keys, roles, widget origins (CORS), per-key rate limits.

A key comes in `X-API-Key` or `Authorization: Bearer`. No key means the anonymous public caller (the
self-search page), limited per client address, unless `QI_ANONYMOUS_PUBLIC=false`. The client address is the peer's,
or the forwarded one when the peer is in `QI_TRUSTED_PROXIES` (none by default).

Rate limits are token buckets kept per worker process: with `--workers N` a key gets up to N times its rate in
the worst case; put a shared limiter (the proxy, or Redis) in front when that matters.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import qi_error_response
from engine.audit import Actor
from engine.errors import Forbidden, InvalidInput, OriginNotAllowed, RateLimited, Unauthorized
from engine.keys import Principal, normalize_origin
from engine.messages import text as msg
from engine.widget_tokens import verify as verify_widget_token

ALLOWED_HEADERS = "X-API-Key, Authorization, Content-Type, X-QI-Token"


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

    def spend(self, who: str, per_minute: int) -> None:
        """Take a token if there is one, never refusing: a client's keyed requests use up its anonymous budget
        too, so dropping the key does not give it a second budget on top."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * per_minute / 60.0)
            self._buckets[who] = (max(0.0, tokens - 1.0), now)


def _token(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def trusted_networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`QI_TRUSTED_PROXIES`: comma-separated addresses or CIDR networks (empty: trust no proxy)."""
    networks = []
    for part in (p.strip() for p in spec.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise InvalidInput(f"QI_TRUSTED_PROXIES 中的 {part!r} 不是 IP 地址或网段") from None
    return tuple(networks)


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request) -> str:
    """The client: the peer, or, when the peer is a trusted proxy, the last X-Forwarded-For hop that is not one
    (the hops before it are whatever the client wrote)."""
    peer = request.client.host if request.client else "unknown"
    networks = request.app.state.qi.trusted_proxies
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled header: the proxy itself is the best we know
    return peer


def principal_of(request: Request) -> Principal:
    """Authenticate, check the widget origin and token, charge the rate limits; cached on the request.

    Budgets: an anonymous caller has its address's; a key has its own, and a widget key also one per visitor
    inside its total. A public or widget key's requests also spend the client address's anonymous budget, so a
    client that drops its key does not get a second budget on top of the key's."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    state = request.app.state.qi
    settings = state.settings
    token = _token(request)
    address = client_address(request)
    if token is None:
        if not settings.anonymous_public:
            raise Unauthorized(msg("auth.key_required"))
        principal = Principal(None, "public", (), settings.anonymous_rate_per_minute)
        state.rate_limiter.take(f"ip:{address}", principal.rate_per_minute)
        request.state.principal, request.state.caller = principal, f"ip:{address}"
        return principal
    principal = state.keys.authenticate(token)
    caller = f"key:{principal.key_id}"
    if principal.role == "widget":
        origin = request.headers.get("origin")
        try:
            allowed = origin is not None and normalize_origin(origin) in principal.origins
        except Exception:  # a malformed Origin header is simply not an allowed one
            allowed = False
        if not allowed:
            raise OriginNotAllowed(msg("auth.origin_not_allowed", origin=origin or "（无）"))
        caller = f"key:{principal.key_id}:visitor:{_visitor(request, settings, principal.key_id, address)}"
        state.rate_limiter.take(caller, settings.widget_visitor_rate_per_minute)
    state.rate_limiter.take(f"key:{principal.key_id}", principal.rate_per_minute)
    if principal.role != "staff":
        state.rate_limiter.spend(f"ip:{address}", settings.anonymous_rate_per_minute)
    request.state.principal, request.state.caller = principal, caller
    return principal


def _visitor(request: Request, settings, key_id: str, address: str) -> str:
    """Who the visitor of a widget is: the signed token's visitor, or else the client address."""
    token = request.headers.get("x-qi-token")
    if settings.widget_token_secret and (token or settings.widget_token_required):
        if not token:
            raise Unauthorized("这个组件密钥需要访客令牌（请求头 X-QI-Token），请由门户服务器签发")
        return "t:" + verify_widget_token(settings.widget_token_secret, key_id, token).visitor
    return f"ip:{address}"


def caller_of(request: Request) -> str:
    """The identity budgets are kept for (after `principal_of`): an address, a key, or a widget key's visitor."""
    principal_of(request)
    return request.state.caller


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
