"""需求台账 — the demand list a station worker searches all day, and the enterprise lookup behind its forms.

One query object (`DemandQuery`) serves the console list, the Excel export and the masked export, so what is
exported is exactly what was shown. Dates are the station's local days; text filters are substring matches with
LIKE wildcards escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.localtime import StationClock
from engine.messages import text as msg
from engine.storage import models as m
from engine.workflow import CHANNELS, STATUSES

SORTS = {
    "newest": (m.DemandRecord.created_at.desc(), m.DemandRecord.id.desc()),
    "oldest": (m.DemandRecord.created_at.asc(), m.DemandRecord.id.asc()),
    "updated": (m.DemandRecord.updated_at.desc(), m.DemandRecord.id.desc()),
    "number": (m.DemandRecord.number.asc(),),
    "status": (m.DemandRecord.status.asc(), m.DemandRecord.id.desc()),
}


@dataclass(frozen=True)
class DemandQuery:
    """What the list shows: every filter is optional and they all apply together."""

    number: str | None = None  # 档案号, or part of it
    enterprise: str | None = None  # enterprise id, credit code, or part of its name
    q: str | None = None  # words in the demand text
    region: str | None = None
    status: str | None = None
    channel: str | None = None
    agency: str | None = None  # the agency it was dispatched to (id)
    date_from: date | None = None  # local days, inclusive
    date_to: date | None = None
    sort: str = "newest"

    def check(self) -> None:
        if self.status and self.status not in STATUSES:
            raise InvalidInput(msg("demand.unknown_status", status=self.status, choices=STATUSES))
        if self.channel and self.channel not in CHANNELS:
            raise InvalidInput(msg("demand.unknown_channel", channel=self.channel, choices=CHANNELS))
        if self.sort not in SORTS:
            raise InvalidInput(msg("demand.bad_sort", sort=self.sort, choices=list(SORTS)))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(msg("demand.bad_range", start=self.date_from, end=self.date_to))

    def describe(self) -> str:
        """The filters in words, for an export's note."""
        labels = {"number": "档案号", "enterprise": "企业", "q": "关键词", "region": "区县", "status": "状态",
                  "channel": "渠道", "agency": "机构", "date_from": "起始日期", "date_to": "截止日期"}
        parts = [f"{label}：{getattr(self, k)}" for k, label in labels.items() if getattr(self, k)]
        return "；".join(parts) or "全部"


def enterprise_ids_matching(term: str) -> Select:
    """Enterprises whose id or credit code is `term`, or whose name contains it."""
    term = term.strip()
    return select(m.Enterprise.id).where(or_(
        m.Enterprise.id == term, m.Enterprise.credit_code == term.upper(),
        m.Enterprise.name.contains(term, autoescape=True)))


def _filtered(query: DemandQuery, clock: StationClock) -> Select:
    d = m.DemandRecord
    stmt = select(d)
    if query.number:
        stmt = stmt.where(d.number.contains(query.number.strip(), autoescape=True))
    if query.enterprise:
        stmt = stmt.where(or_(d.enterprise_id == query.enterprise.strip(),
                              d.enterprise_id.in_(enterprise_ids_matching(query.enterprise))))
    if query.q:
        for word in query.q.split():
            stmt = stmt.where(d.text.contains(word, autoescape=True))
    if query.region:
        stmt = stmt.where(d.region.contains(query.region.strip(), autoescape=True))
    if query.status:
        stmt = stmt.where(d.status == query.status)
    if query.channel:
        stmt = stmt.where(d.channel == query.channel)
    if query.agency:
        stmt = stmt.where(d.dispatched_to == query.agency.strip())
    if query.date_from:
        stmt = stmt.where(d.created_at >= clock.day_start(query.date_from))
    if query.date_to:
        stmt = stmt.where(d.created_at < clock.day_start(query.date_to + timedelta(days=1)))
    return stmt


def search_demands(s: Session, query: DemandQuery, clock: StationClock, limit: int = 20,
                   offset: int = 0) -> tuple[list[m.DemandRecord], int]:
    """One page of the demands that match, and how many match in all."""
    query.check()
    stmt = _filtered(query, clock)
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = s.scalars(stmt.order_by(*SORTS[query.sort]).limit(limit).offset(offset)).all()
    return list(rows), int(total)


def enterprise_names(s: Session, ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(m.Enterprise.id, m.Enterprise.name).where(m.Enterprise.id.in_(ids))).all())


def agency_names(s: Session, ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(m.Agency.id, m.Agency.name).where(m.Agency.id.in_(ids))).all())


def find_enterprises(s: Session, q: str | None = None, region: str | None = None, limit: int = 10,
                     offset: int = 0) -> tuple[list[m.Enterprise], int]:
    """企业查询 by id, name (part), credit code, and region."""
    stmt = select(m.Enterprise)
    if q:
        stmt = stmt.where(m.Enterprise.id.in_(enterprise_ids_matching(q)))
    if region:
        stmt = stmt.where(m.Enterprise.region.contains(region.strip(), autoescape=True))
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = s.scalars(stmt.order_by(m.Enterprise.id).limit(limit).offset(offset)).all()
    return list(rows), int(total)
