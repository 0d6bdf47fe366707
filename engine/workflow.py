"""The station's demand workflow (§6.1): collect, match, dispatch, follow up, feedback, all kept in the database.

Every demand gets an archive number `PREFIX-YEAR-NNNNNN` (§7.3.4). The number is issued by bumping a counter row in
the same transaction that inserts the demand, so a failed insert rolls the counter back: numbers are unique and
gapless under concurrency, whether the writers are threads, API workers or machines sharing one PostgreSQL.
Every step is an event on the demand; `timeline` returns them in order (流程跟踪).

The states and the steps between them are one table, `TRANSITIONS`: a step the table does not allow from the
demand's current state is refused (`Conflict`, HTTP 409), whoever asks. Re-dispatching is its own step (改派, with a
reason the timeline keeps); a cancellation needs a reason; feedback comes after completion, or completes the
demand when it says so itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from engine import audit
from engine.audit import Actor
from engine.clock import utcnow
from engine.config import Settings
from engine.errors import Conflict, InvalidInput, NotFound, StorageUnsupported
from engine.limits import MAX_TEXT
from engine.localtime import StationClock
from engine.messages import text as msg
from engine.ranking.results import Recommendation
from engine.storage import models as m
from engine.storage.db import Database, get_or_raise
from engine.text.clean import check_text
from engine.vocabulary import ACTIVE

CHANNELS = ("服务窗口", "电话", "线上平台", "巡访")
RECEIVED, MATCHED, DISPATCHED, IN_SERVICE, DONE, CANCELLED = "已受理", "已匹配", "已派单", "服务中", "已完成", "已取消"
STATUSES = (RECEIVED, MATCHED, DISPATCHED, IN_SERVICE, DONE, CANCELLED)
FOLLOW_UP_STATUSES = (IN_SERVICE, DONE, CANCELLED)  # what a follow-up note may move the demand to
CLOSED = (DONE, CANCELLED)
OPEN = (RECEIVED, MATCHED, DISPATCHED, IN_SERVICE)

# 状态流转表 — step → {from state: to state}. `None` keeps the state. Nothing else is allowed.
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "match": {RECEIVED: MATCHED, MATCHED: None, DISPATCHED: None, IN_SERVICE: None},
    "dispatch": {RECEIVED: DISPATCHED, MATCHED: DISPATCHED},
    "redispatch": {DISPATCHED: DISPATCHED, IN_SERVICE: DISPATCHED},  # 改派, with a reason
    "note": {s: None for s in STATUSES},  # a follow-up note that leaves the state alone
    "start": {DISPATCHED: IN_SERVICE},
    "complete": {DISPATCHED: DONE, IN_SERVICE: DONE},
    "cancel": {s: CANCELLED for s in OPEN},  # with a reason
    "feedback": {DONE: None},
    "feedback_complete": {DISPATCHED: DONE, IN_SERVICE: DONE},  # feedback that says the service is done
}
# What a person reads for a refused step: “需求 … 当前为“已完成”，不能{action}”.
STEP_NAMES = {"match": "匹配", "dispatch": "派单", "redispatch": "改派", "note": "添加跟踪", "start": "开始服务",
              "complete": "办结", "cancel": "取消", "feedback": "反馈", "feedback_complete": "反馈并办结"}
FOLLOW_UP_STEP = {None: "note", IN_SERVICE: "start", DONE: "complete", CANCELLED: "cancel"}


def allowed_steps(status: str) -> list[str]:
    """The steps the table allows from `status` (the console shows only these)."""
    return [step for step, moves in TRANSITIONS.items() if status in moves]


class Workflow:
    def __init__(self, db: Database, settings: Settings) -> None:
        """Archive numbers take `archive_prefix` and the year in `timezone`; a station appointment is served by
        `station_agency_id`."""
        self.db = db
        self.prefix = settings.archive_prefix
        self.tz = ZoneInfo(settings.timezone)
        self.clock = StationClock(settings.timezone)
        self.station_agency_id = settings.station_agency_id

    # ---- 需求收集 -----------------------------------------------------------------------------------------
    def create(
        self, actor: Actor, text: str, channel: str, enterprise_id: str | None = None, region: str | None = None,
        contact_person: str | None = None, contact_phone: str | None = None,
        received: dict[str, Any] | None = None, attach: Callable[[Session, m.DemandRecord], None] | None = None,
    ) -> m.DemandRecord:
        """`received` adds to the first step's data (an online filer's enterprise name, consent); `attach` writes
        more rows in the same transaction (the hashed tracking code), so the demand and they commit together."""
        text = (text or "").strip()
        if not text:
            raise InvalidInput(msg("demand.text_empty"))
        if len(text) > MAX_TEXT:
            raise InvalidInput(msg("demand.text_too_long", field="需求描述", limit=MAX_TEXT))
        if channel not in CHANNELS:
            raise InvalidInput(msg("demand.unknown_channel", channel=channel, choices=CHANNELS))
        for name, value in (("text", text), ("contact_person", contact_person), ("contact_phone", contact_phone)):
            check_text(value, name)
        now = utcnow()
        year = now.astimezone(self.tz).year
        if enterprise_id is not None:
            with self.db.session() as s:
                if s.get(m.Enterprise, enterprise_id) is None:
                    raise NotFound(msg("lookup.no_enterprise", id=enterprise_id))
        with self.db.session() as s:
            seq = self._next_seq(s, year)
            demand = m.DemandRecord(
                number=f"{self.prefix}-{year}-{seq:06d}", year=year, seq=seq, channel=channel,
                enterprise_id=enterprise_id, text=text, region=region, contact_person=contact_person,
                contact_phone=contact_phone, status=RECEIVED, created_at=now, updated_at=now, created_by=actor.key_id,
            )
            demand.events.append(m.DemandEvent(kind="received", at=now, actor=actor.key_id,
                                               data=_jsonable({**(received or {}), "channel": channel,
                                                               "enterprise_id": enterprise_id, "by": actor.name})))
            s.add(demand)
            if attach is not None:
                attach(s, demand)
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
            # 需求理解: what the station read in the text (the 服务单 prints it)
            "reading": {k: rec.demand.get(k) for k in ("region", "services", "codes")}
            | {"terms": [f"{x.get('term')}→{'/'.join(x.get('formal') or [])}" for x in rec.demand.get("lexicon") or []
                         if isinstance(x, dict)]},
        }
        # Matching again after a dispatch (the agency declined, say) is allowed and keeps the status.
        return self._step(actor, number, "match", "matched", shown, "demand.match")

    def dispatch(self, actor: Actor, number: str, data: dict[str, Any]) -> m.DemandRecord:
        """§6.1.3 a: the station serves it (appointment time); b: an agency serves it (items, time, period).
        A demand already dispatched is re-dispatched (改派) only with a `reason`, which the timeline keeps."""
        mode = data["mode"]
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        if isinstance(data.get("scheduled_at"), datetime):
            data["scheduled_at"] = self.clock.to_utc(data["scheduled_at"])
        with self.db.session() as s:
            if mode == "station":
                if not data.get("scheduled_at"):
                    raise InvalidInput(msg("demand.station_needs_time"))
                data = {**data, "agency_id": self.station_agency_id}
            else:
                agency_id = data.get("agency_id")
                if not agency_id:
                    raise InvalidInput(msg("demand.agency_needs_id"))
                agency = get_or_raise(s, m.Agency, agency_id, msg("lookup.no_agency", id=agency_id))
                if agency.status != ACTIVE:
                    raise Conflict(msg("demand.agency_unavailable", id=agency_id, status=agency.status))
                if not data.get("service_items"):
                    raise InvalidInput(msg("demand.agency_needs_items"))
                data = {**data, "agency_name": agency.name}
            current = s.scalar(select(m.DemandRecord).where(m.DemandRecord.number == number))
            if current is None:
                raise NotFound(msg("demand.not_found", number=number))
        reason = (data.get("reason") or "").strip()
        if current.status in TRANSITIONS["redispatch"]:
            if not reason:
                raise Conflict(msg("demand.redispatch_needs_reason", number=number))
            data = {**data, "previous_agency_id": current.dispatched_to}
            return self._step(actor, number, "redispatch", "redispatched", data, "demand.redispatch",
                              dispatched_to=data["agency_id"])
        return self._step(actor, number, "dispatch", "dispatched", data, "demand.dispatch",
                          dispatched_to=data["agency_id"])

    def add_event(self, actor: Actor, number: str, note: str, status: str | None = None) -> m.DemandRecord:
        """跟踪: a note, optionally starting the service, completing it or cancelling (the note is the reason)."""
        note = (note or "").strip()
        if not note:
            raise InvalidInput(msg("demand.cancel_needs_reason") if status == CANCELLED else msg("demand.note_empty"))
        if len(note) > MAX_TEXT:
            raise InvalidInput(msg("demand.text_too_long", field="跟踪记录", limit=MAX_TEXT))
        if status not in FOLLOW_UP_STEP:
            raise InvalidInput(msg("demand.follow_up_status", choices=FOLLOW_UP_STATUSES))
        data = {"note": note, "status": status, "reason": note if status == CANCELLED else None}
        return self._step(actor, number, FOLLOW_UP_STEP[status], "follow_up", data, "demand.follow_up")

    def feedback(self, actor: Actor, number: str, satisfaction: int, comment: str | None,
                 status: str | None = None) -> m.DemandRecord:
        """反馈 (§6.1.5), once: after completion, or with `status` 已完成 when the feedback itself closes it."""
        if not 1 <= satisfaction <= 5:
            raise InvalidInput(msg("demand.satisfaction_range"))
        if comment and len(comment) > MAX_TEXT:
            raise InvalidInput(msg("demand.text_too_long", field="意见", limit=MAX_TEXT))
        if status not in (None, DONE):
            raise InvalidInput(msg("demand.follow_up_status", choices=(DONE,)))
        step = "feedback_complete" if status == DONE else "feedback"
        return self._step(actor, number, step, "feedback", {"satisfaction": satisfaction, "comment": comment},
                          "demand.feedback", once=True, satisfaction=satisfaction)

    def _step(
        self, actor: Actor, number: str, step: str, kind: str, data: dict[str, Any], action: str,
        once: bool = False, **fields: Any,
    ) -> m.DemandRecord:
        """Record one step if `TRANSITIONS` allows it from the demand's current state, else `Conflict`."""
        for name, value in data.items():
            check_text(value if isinstance(value, str) else None, name)
        now = utcnow()
        with self.db.session() as s:
            # Write first: it takes the lock (SQLite) or the row lock (PostgreSQL) before the state is read.
            touched = s.execute(update(m.DemandRecord).where(m.DemandRecord.number == number).values(updated_at=now))
            if touched.rowcount == 0:
                raise NotFound(msg("demand.not_found", number=number))
            demand = self._get(s, number)
            moves = TRANSITIONS[step]
            if demand.status not in moves:
                raise Conflict(msg("demand.transition", number=number, status=demand.status,
                                   action=STEP_NAMES[step]))
            if once and any(e.kind == kind for e in demand.events):
                raise Conflict(msg("demand.already", number=number, action=STEP_NAMES[step]))
            demand.events.append(m.DemandEvent(kind=kind, at=now, actor=actor.key_id,
                                               data=_jsonable({**data, "by": actor.name})))
            if moves[demand.status] is not None:
                demand.status = moves[demand.status]
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

    def list(self, actor: Actor, query: Any = None, limit: int = 20,
             offset: int = 0) -> tuple[list[m.DemandRecord], int]:
        """One page of the demand list (`engine.demand_list.DemandQuery`); the read is audited."""
        from engine.demand_list import DemandQuery, search_demands  # it builds on this module's states

        query = query or DemandQuery()
        with self.db.session() as s:
            rows, total = search_demands(s, query, self.clock, limit, offset)
            audit.write(s, actor, "demand.list", query.describe()[:80], utcnow())
        return rows, total

    @staticmethod
    def _get(s: Session, number: str) -> m.DemandRecord:
        q = select(m.DemandRecord).where(m.DemandRecord.number == number).options(
            selectinload(m.DemandRecord.events))
        demand = s.scalars(q).one_or_none()
        if demand is None:
            raise NotFound(msg("demand.not_found", number=number))
        return demand


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items() if v is not None}
