"""Short-lived signed widget tokens: for portals that want more than a widget key (which any visitor can copy).

A widget key is public by nature: it sits in the portal's page, and the `Origin` check stops browsers on other sites,
not scripts, which can send any Origin. A portal that wants more mints, on its own server, a token per page view:

    v1.<key id>.<visitor>.<expiry unix seconds>.<signature>

signed with HMAC-SHA256 under a secret derived from the server's `QI_WIDGET_TOKEN_SECRET` and the key id (so each
key has its own signing secret; `qi keys widget-secret KEY_ID` prints it for the portal's operator). The widget sends
it as `X-QI-Token`; the server checks the signature, the expiry (at most `MAX_TTL` ahead) and the key, and charges
the per-visitor budget to the token's visitor. With `QI_WIDGET_TOKEN_REQUIRED=true` a widget key without a valid
token is refused, so a copied key is worth one token's lifetime and one visitor's budget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from engine.errors import Unauthorized

MAX_TTL = 3600  # seconds a token may be valid for
DEFAULT_TTL = 600
_VISITOR = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True)
class WidgetToken:
    key_id: str
    visitor: str
    expires: int


def key_secret(server_secret: str, key_id: str) -> bytes:
    """The signing secret of one widget key, derived from the server's secret."""
    return hmac.new(server_secret.encode(), f"qi-widget-token:{key_id}".encode(), hashlib.sha256).digest()


def _sign(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def mint(secret: bytes, key_id: str, visitor: str, ttl: int = DEFAULT_TTL, now: float | None = None) -> str:
    """A token for one visitor of a portal, valid for `ttl` seconds (what a portal's server does per page view)."""
    if not _VISITOR.match(visitor):
        raise ValueError("visitor: 1-64 letters, digits, '-' or '_'")
    if not 1 <= ttl <= MAX_TTL:
        raise ValueError(f"ttl: 1 to {MAX_TTL} seconds")
    payload = f"v1.{key_id}.{visitor}.{int((now or time.time()) + ttl)}"
    return f"{payload}.{_sign(secret, payload)}"


def verify(server_secret: str, key_id: str, token: str, now: float | None = None) -> WidgetToken:
    """The token's visitor, or Unauthorized when it is malformed, for another key, forged or expired."""
    parts = token.strip().split(".")
    if len(parts) != 5 or parts[0] != "v1" or not _VISITOR.match(parts[2]) or not parts[3].isdigit():
        raise Unauthorized("访客令牌格式不正确")
    if parts[1] != key_id:
        raise Unauthorized("访客令牌不属于这个组件密钥")
    payload = ".".join(parts[:4])
    if not hmac.compare_digest(_sign(key_secret(server_secret, key_id), payload), parts[4]):
        raise Unauthorized("访客令牌签名无效")
    expires = int(parts[3])
    now = now or time.time()
    if expires < now:
        raise Unauthorized("访客令牌已过期，请刷新页面")
    if expires > now + MAX_TTL + 60:
        raise Unauthorized("访客令牌的有效期过长")
    return WidgetToken(key_id, parts[2], expires)
