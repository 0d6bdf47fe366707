"""审计 (§7.5.2): who read or changed which demand or personal record, when, and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import utcnow
from engine.storage import models as m
from engine.storage.db import Database


@dataclass(frozen=True)
class Actor:
    """Who acts: the API key id (or 'cli'), its role and the client address, for the timeline and the audit log."""

    key_id: str | None
    role: str
    client: str | None = None
    name: str | None = None  # the person holding the key (a staff key's name), for the timeline


def write(session: Session, actor: Actor, action: str, obj: str, at: datetime | None = None) -> None:
    """Add an entry inside the caller's transaction, so it commits (or rolls back) with what it records."""
    session.add(m.AuditEntry(at=at or utcnow(), key_id=actor.key_id, role=actor.role, action=action, object=obj,
                             client=actor.client))


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, actor: Actor, action: str, obj: str) -> None:
        with self.db.session() as s:
            write(s, actor, action, obj)

    def entries(self, obj: str | None = None, limit: int = 100) -> list[m.AuditEntry]:
        """Newest first; `obj` narrows it to a demand number or record id."""
        with self.db.session() as s:
            q = select(m.AuditEntry)
            if obj:
                q = q.where(m.AuditEntry.object == obj)
            return list(s.scalars(q.order_by(m.AuditEntry.id.desc()).limit(limit)))
