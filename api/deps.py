"""Shared pieces of the routers: the app state, the documented error answers, role-aware shaping."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.schemas import ErrorBody
from api.state import AppState
from engine.keys import Principal
from engine.localtime import StationClock
from engine.privacy import scrub
from engine.storage import models as m


def state_of(request: Request) -> AppState:
    return request.app.state.qi


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error answers a route can give (all share one shape)."""
    text = {400: "bad request", 401: "missing or unknown API key", 403: "role or origin not allowed",
            404: "unknown id or code", 409: "not possible in the record's current state",
            413: "upload too large", 422: "invalid input", 429: "rate limit reached (see Retry-After)",
            503: "index not available"}
    return {s: {"model": ErrorBody, "description": text[s]} for s in statuses}


READ_ERRORS = errors(401, 403, 422, 429, 503)


def shaped(principal: Principal, data: Any) -> Any:
    """Staff see what the route built; every other role gets it scrubbed of personal data."""
    return data if principal.can("personal") else scrub(data)


def audit_out(a: m.AuditEntry, clock: StationClock, names: dict[str, str] | None = None) -> dict:
    """An audit entry in the station's time; `names` (key id → the staff member's name) says who, where the key
    names a person."""
    return {"at": clock.local(a.at), "key_id": a.key_id, "person": (names or {}).get(a.key_id or ""), "role": a.role,
            "action": a.action, "object": a.object, "client": a.client}
