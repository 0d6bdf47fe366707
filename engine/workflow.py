"""The station's demand workflow (§6.1): collect, match, dispatch, follow up, feedback, all kept in the database.

Every demand gets an archive number `PREFIX-YEAR-NNNNNN` (§7.3.4). The number is issued by bumping a counter row in
the same transaction that inserts the demand, so a failed insert rolls the counter back: numbers are unique and
gapless under concurrency, whether the writers are threads, API workers or machines sharing one PostgreSQL.
Every step is an event on the demand; `timeline` returns them in order (流程跟踪).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from engine import audit
from engine.audit import Actor
from engine.clock import utcnow
from engine.config import Settings
from engine.errors import Conflict, InvalidInput, NotFound, StorageUnsupported
from engine.limits import MAX_TEXT
from engine.ranking.results import Recommendation
from engine.storage import models as m
from engine.storage.db import Database, get_or_raise
from engine.vocabulary import ACTIVE

CHANNELS = ("服务窗口", "电话", "线上平台", "巡访")
RECEIVED, MATCHED, DISPATCHED, IN_SERVICE, DONE, CANCELLED = "已受理", "已匹配", "已派单", "服务中", "已完成", "已取消"
STATUSES = (RECEIVED, MATCHED, DISPATCHED, IN_SERVICE, DONE, CANCELLED)
FOLLOW_UP_STATUSES = (IN_SERVICE, DONE, CANCELLED)  # what a follow-up note may move the demand to
CLOSED = (DONE, CANCELLED)


class Workflow:
    def __init__(self, db: Database, settings: Settings) -> None:
        """Archive numbers take `archive_prefix` and the year in `timezone`; a station appointment is served by
        `station_agency_id`."""
        self.db = db
        self.prefix = settings.archive_prefix
        self.tz = ZoneInfo(settings.timezone)
        self.station_agency_id = settings.station_agency_id

    # ---- 需求收集 -----------------------------------------------------------------------------------------
    def create(
        self, actor: Actor, text: str, channel: str, enterprise_id: str | None = None, region: str | None = None,
        contact_person: str | None = None, contact_phone: str | None = None,
    ) -> m.DemandRecord:
        text = (text or "").strip()
        if not text:
            raise InvalidInput("text must not be empty")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"text is longer than {MAX_TEXT} characters")
        if channel not in CHANNELS:
            raise InvalidInput(f"unknown channel {channel!r}: one of {', '.join(CHANNELS)}")
        now = utcnow()
        year = now.astimezone(self.tz).year
        if enterprise_id is not None:
            with self.db.session() as s:
                if s.get(m.Enterprise, enterprise_id) is None:
                    raise NotFound(f"no enterprise {enterprise_id!r}")
        with self.db.session() as s:
            seq = self._next_seq(s, year)
            demand = m.DemandRecord(
                number=f"{self.prefix}-{year}-{seq:06d}", year=year, seq=seq, channel=channel,
                enterprise_id=enterprise_id, text=text, region=region, contact_person=contact_person,
                contact_phone=contact_phone, status=RECEIVED, created_at=now, updated_at=now, created_by=actor.key_id,
            )
            demand.events.append(m.DemandEvent(kind="received", at=now, actor=actor.key_id,
                                               data={"channel": channel, "enterprise_id": enterprise_id}))
            s.add(demand)
            audit.write(s, actor, "demand.create", demand.number, now)
        return demand

    def _next_seq(self, s: Session, year: int) -> int:
        """Bump the year's counter. Both statements write, so the transaction holds the write lock (SQLite) or
        the row lock (PostgreSQL) from its first statement until commit: no two demands get the same number,
        and a rolled-back insert gives its number back."""
        insert = {"sqlite": sqlite_insert, "postgresql": pg_insert}.get(s.get_bind().dialect.name)
        if insert is None:
            raise StorageUnsupported(f"archive numbers need SQLite or PostgreSQL, not {s.get_bind().dialect.name}")
        s.execute(insert(m.ArchiveCounter).values(prefix=self.prefix, year=year, last=0).on_conflict_do_nothing())
        return s.execute(
            update(m.ArchiveCounter)
            .where(m.ArchiveCounter.prefix == self.prefix, m.ArchiveCounter.year == year)
            .values(last=m.ArchiveCounter.last + 1)
            .returning(m.ArchiveCounter.last)
        ).scalar_one()

    # ---- 匹配 / 派单 / 跟踪 / 反馈 ------------------------------------------------------------------------
    def record_match(self, actor: Actor, number: str, rec: Recommendation) -> m.DemandRecord:
        shown = {
            "agencies": [{"id": h.id, "name": h.title, "score": h.score,
                          "reasons": [r.text for r in h.reasons]} for h in rec.agencies],
            "experts": [h.id for h in rec.experts],
            "equipment": [h.id for h in rec.equipment],
            "standards": [h.id for h in rec.standards],
            "excluded": [{"id": h.id, "reason": h.reasons[0].text if h.reasons else ""} for h in rec.excluded],
            "station_serves": rec.station_serves,
        }
        # Matching again after a dispatch (the agency declined, say) is allowed and keeps the status.
        return self._step(actor, number, "matched", shown, "demand.match",
                          allowed=(RECEIVED, MATCHED, DISPATCHED, IN_SERVICE), new_status=MATCHED,
                          status_from=(RECEIVED,))

    def dispatch(self, actor: Actor, number: str, data: dict[str, Any]) -> m.DemandRecord:
        """§6.1.3 a: the station serves it (appointment time); b: an agency serves it (items, time, period)."""
        mode = data["mode"]
        with self.db.session() as s:
            if mode == "station":
                if not data.get("scheduled_at"):
                    raise InvalidInput("a station appointment needs scheduled_at (the appointment time)")
                data = {**data, "agency_id": self.station_agency_id}
            else:
                agency_id = data.get("agency_id")
                if not agency_id:
                    raise InvalidInput("dispatching to an agency needs agency_id")
                agency = get_or_raise(s, m.Agency, agency_id, "agency")
                if agency.status != ACTIVE:
                    raise Conflict(f"agency {agency_id} is “{agency.status}” and cannot take demands")
                if not data.get("service_items"):
                    raise InvalidInput("dispatching to an agency needs at least one service item")
                data = {**data, "agency_name": agency.name}
        return self._step(actor, number, "dispatched", data, "demand.dispatch",
                          allowed=(RECEIVED, MATCHED, DISPATCHED, IN_SERVICE), new_status=DISPATCHED,
                          dispatched_to=data["agency_id"])

    def add_event(self, actor: Actor, number: str, note: str, status: str | None = None) -> m.DemandRecord:
        note = (note or "").strip()
        if not note:
            raise InvalidInput("note must not be empty")
        if len(note) > MAX_TEXT:
            raise InvalidInput(f"note is longer than {MAX_TEXT} characters")
        if status is not None and status not in FOLLOW_UP_STATUSES:
            raise InvalidInput(f"a follow-up may set status to {', '.join(FOLLOW_UP_STATUSES)} only")
        allowed = STATUSES if status is None else (DISPATCHED, IN_SERVICE) if status != CANCELLED else (
            RECEIVED, MATCHED, DISPATCHED, IN_SERVICE)
        return self._step(actor, number, "follow_up", {"note": note, "status": status}, "demand.follow_up",
                          allowed=allowed, new_status=status)

    def feedback(self, actor: Actor, number: str, satisfaction: int, comment: str | None) -> m.DemandRecord:
        if not 1 <= satisfaction <= 5:
            raise InvalidInput("satisfaction must be 1 to 5")
        if comment and len(comment) > MAX_TEXT:
            raise InvalidInput(f"comment is longer than {MAX_TEXT} characters")
        return self._step(actor, number, "feedback", {"satisfaction": satisfaction, "comment": comment},
                          "demand.feedback", allowed=(DISPATCHED, IN_SERVICE, DONE), new_status=DONE,
                          satisfaction=satisfaction, once=True)

    def _step(
        self, actor: Actor, number: str, kind: str, data: dict[str, Any], action: str, allowed: tuple[str, ...],
        new_status: str | None = None, once: bool = False, status_from: tuple[str, ...] | None = None,
        **fields: Any,
    ) -> m.DemandRecord:
        now = utcnow()
        with self.db.session() as s:
            # Write first: it takes the lock (SQLite) or the row lock (PostgreSQL) before the state is read.
            touched = s.execute(update(m.DemandRecord).where(m.DemandRecord.number == number).values(updated_at=now))
            if touched.rowcount == 0:
                raise NotFound(f"no demand {number!r}")
            demand = self._get(s, number)
            if demand.status not in allowed:
                raise Conflict(f"demand {number} is “{demand.status}”: cannot record {kind} now")
            if once and any(e.kind == kind for e in demand.events):
                raise Conflict(f"demand {number} already has {kind}")
            demand.events.append(m.DemandEvent(kind=kind, at=now, actor=actor.key_id, data=_jsonable(data)))
            if new_status and (status_from is None or demand.status in status_from):
                demand.status = new_status
            for k, v in fields.items():
                setattr(demand, k, v)
            demand.updated_at = now
            audit.write(s, actor, action, number, now)
        return demand

    # ---- reading ------------------------------------------------------------------------------------------
    def get(self, actor: Actor, number: str) -> m.DemandRecord:
        with self.db.session() as s:
            demand = self._get(s, number)
            audit.write(s, actor, "demand.read", number, utcnow())
        return demand

    def list(
        self, actor: Actor, status: str | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[m.DemandRecord], int]:
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
        with self.db.session() as s:
            q = select(m.DemandRecord)
            if status:
                q = q.where(m.DemandRecord.status == status)
            total = s.scalar(select(func.count()).select_from(q.subquery()))
            rows = s.scalars(q.order_by(m.DemandRecord.id.desc()).limit(limit).offset(offset)).all()
            audit.write(s, actor, "demand.list", status or "*", utcnow())
        return list(rows), int(total or 0)

    @staticmethod
    def _get(s: Session, number: str) -> m.DemandRecord:
        q = select(m.DemandRecord).where(m.DemandRecord.number == number).options(
            selectinload(m.DemandRecord.events))
        demand = s.scalars(q).one_or_none()
        if demand is None:
            raise NotFound(f"no demand {number!r}")
        return demand


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items() if v is not None}
