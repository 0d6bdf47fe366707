"""API keys with roles (§7.5): `staff` (everything), `public` (search, lookups, recommend), `widget` (recommend and
suggest, from its configured origins only), `enterprise` (what `public` may, plus its own enterprise's demands,
ledger, certificates and standards; the key is bound to one enterprise).

A key reads `qi_<id>_<secret>`; only SHA-256 of the secret is stored (the secret is 32 random bytes, so a plain
hash is enough; there is nothing to brute-force). Lookups are cached for a few seconds per process, so a revoked
key stops working everywhere within `CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from engine.clock import utcnow
from engine.errors import InvalidInput, NotFound, Unauthorized
from engine.messages import text as msg
from engine.storage import models as m
from engine.storage.db import Database, get_or_raise
from engine.storage.enterprise_tables import EnterpriseKey
from engine.vocabulary import ROLES

# What each role may do; the API names the permission each route needs.
PERMISSIONS = {
    "staff": frozenset({"recommend", "suggest", "search", "lookup", "demand.create", "demand", "admin", "personal"}),
    "public": frozenset({"recommend", "suggest", "search", "lookup", "demand.create"}),
    "widget": frozenset({"recommend", "suggest"}),
    # `own` is checked against the enterprise the key is bound to (engine.enterprises.check_access).
    "enterprise": frozenset({"recommend", "suggest", "search", "lookup", "demand.create", "own"}),
}
DEFAULT_RATE = {"staff": 600, "public": 120, "widget": 60, "enterprise": 120}  # requests per minute
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's id, role, allowed origins and rate; `key_id` None is the anonymous public caller."""

    key_id: str | None
    role: str
    origins: tuple[str, ...] = ()
    rate_per_minute: int = DEFAULT_RATE["public"]
    name: str = ""  # a staff key names the person who holds it (张三); the timeline and audit show it
    enterprise_id: str | None = None  # the enterprise an `enterprise` key is bound to

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]


def normalize_origin(origin: str) -> str:
    """`https://Portal.gov.cn/` -> `https://portal.gov.cn`; refuse anything that is not scheme://host[:port]."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise InvalidInput(msg("keys.not_origin", origin=origin))
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()
        self._origins: tuple[float, frozenset[str]] = (0.0, frozenset())

    def create(self, role: str, name: str = "", origins: list[str] | None = None, rate: int | None = None,
               enterprise_id: str | None = None) -> str:
        """Store a new key and return it in clear, the only time it is ever shown."""
        if role not in ROLES:
            raise InvalidInput(msg("keys.unknown_role", role=role, choices=ROLES))
        name = (name or "").strip()
        if role == "staff" and not name:
            raise InvalidInput(msg("keys.staff_needs_name"))
        origins = [normalize_origin(o) for o in origins or []]
        if role == "widget" and not origins:
            raise InvalidInput(msg("keys.widget_needs_origin"))
        if rate is not None and rate < 1:
            raise InvalidInput(msg("keys.rate_too_low"))
        if (role == "enterprise") != (enterprise_id is not None):
            raise InvalidInput("企业密钥须用 --enterprise 指定所属企业编号，其他密钥不能指定")
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self.db.session() as s:
            if enterprise_id is not None:
                if s.get(m.Enterprise, enterprise_id) is None:
                    raise NotFound(f"没有企业 {enterprise_id}")
                s.add(EnterpriseKey(key_id=key_id, enterprise_id=enterprise_id))
            s.add(m.ApiKey(id=key_id, secret_hash=_hash(secret), role=role, name=name, origins=origins,
                           rate_per_minute=rate or DEFAULT_RATE[role], created_at=utcnow()))
        return f"qi_{key_id}_{secret}"

    def revoke(self, key_id: str) -> None:
        with self.db.session() as s:
            key = get_or_raise(s, m.ApiKey, key_id, msg("keys.not_found", key_id=key_id))
            key.revoked_at = key.revoked_at or utcnow()
        with self._lock:
            self._cache.clear()

    def names(self, key_ids: set[str]) -> dict[str, str]:
        """Key id → the name on the key (the staff member), for showing who did what."""
        ids = {k for k in key_ids if k}
        if not ids:
            return {}
        with self.db.session() as s:
            return {k.id: k.name for k in s.scalars(select(m.ApiKey).where(m.ApiKey.id.in_(ids))) if k.name}

    def list(self) -> list[m.ApiKey]:
        with self.db.session() as s:
            return list(s.scalars(select(m.ApiKey).order_by(m.ApiKey.created_at)))

    def authenticate(self, token: str) -> Principal:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(token)
        if hit is None or now - hit[0] > CACHE_SECONDS:
            hit = (now, self._lookup(token))
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[token] = hit
        if hit[1] is None:
            raise Unauthorized(msg("auth.key_unknown"))
        return hit[1]

    def _lookup(self, token: str) -> Principal | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "qi":
            return None
        with self.db.session() as s:
            key = s.get(m.ApiKey, parts[1])
            bound = s.get(EnterpriseKey, key.id) if key is not None and key.role == "enterprise" else None
        if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
            return None
        return Principal(key.id, key.role, tuple(key.origins or ()), key.rate_per_minute, key.name or "",
                         bound.enterprise_id if bound else None)

    def widget_origins(self) -> frozenset[str]:
        """Every origin some live widget key allows: what a CORS preflight (which carries no key) may be told."""
        at, origins = self._origins
        if time.monotonic() - at > CACHE_SECONDS:
            with self.db.session() as s:
                rows = s.scalars(select(m.ApiKey).where(m.ApiKey.role == "widget", m.ApiKey.revoked_at.is_(None)))
                origins = frozenset(o for k in rows for o in k.origins or ())
            self._origins = (time.monotonic(), origins)
        return origins
