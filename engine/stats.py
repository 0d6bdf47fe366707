"""评价与改进 (§8) — the station's indicators over its whole archive: the historical service records and the
demands received since, as one list of cases.

A case is one demand: when it came (the station's local day), by which channel, from which enterprise and
region, which agency served it, where it stands, how long the response took and how satisfied the enterprise was.
The figures are plain functions over that list (`figures`); `load_cases` is the only part that reads the database.

Definitions (the test recomputes each with SQL):
- received: every case in the period; matched: an archive record names its agency, a live demand has a match
  step; dispatched: an archive record names its agency, a live demand has a dispatch step; completed / cancelled:
  the status 已完成 / 已取消.
- category: the category of the serving agency's first listed capability (§6.2); its service level is basic
  (§6.2.1), extended (§6.2.2) or innovation (§6.2.2.5) by `LEVELS`.
- region: the demand's own region, else its enterprise's.
- response hours: received → dispatched (an archive record carries its own figure); the stages received →
  matched → dispatched → completed are given for live demands, which record each step.
- percentiles interpolate linearly between ranks (numpy's default).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.localtime import StationClock
from engine.messages import text as msg
from engine.storage import models as m
from engine.storage.db import Database

DONE, CANCELLED = "已完成", "已取消"
UNKNOWN = "未分类"
# §6.2.1 basic services, §6.2.2 extended services, §6.2.2.5 innovation services: by capability category.
LEVELS = {
    "计量": "basic", "标准": "basic", "认证认可": "basic", "检验检测": "basic", "特种设备": "basic",
    "质量管理": "extended", "品牌培育": "extended", "知识产权": "extended",
    "创新服务": "innovation",
}
LEVEL_NAMES = {"basic": "基础服务", "extended": "拓展服务", "innovation": "创新服务", "unclassified": "未分类"}


@dataclass(frozen=True)
class Case:
    """One demand, from the archive or the live workflow, in the terms the indicators use."""

    source: str  # "archive" or "live"
    id: str
    day: date  # local day received
    channel: str | None
    enterprise_id: str | None
    region: str | None
    agency_id: str | None
    category: str
    status: str | None
    matched: bool
    dispatched: bool
    response_hours: float | None  # received → dispatched
    satisfaction: int | None
    staff: tuple[str, ...] = ()  # who acted on it (live only)
    dispatcher: str | None = None
    hours_to_match: float | None = None
    hours_to_complete: float | None = None


@dataclass(frozen=True)
class StatsQuery:
    date_from: date | None = None
    date_to: date | None = None
    region: str | None = None
    category: str | None = None
    channel: str | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(msg("stats.bad_range", start=self.date_from, end=self.date_to))

    def keeps(self, c: Case) -> bool:
        return ((self.date_from is None or c.day >= self.date_from)
                and (self.date_to is None or c.day <= self.date_to)
                and (not self.region or (c.region or "") == self.region)
                and (not self.category or c.category == self.category)
                and (not self.channel or c.channel == self.channel))


# ---- reading ----------------------------------------------------------------------------------------------
def agency_categories(s: Session) -> dict[str, str]:
    """Agency id → the category of its first listed capability."""
    out: dict[str, str] = {}
    rows = s.execute(select(m.Capability.agency_id, m.Capability.category)
                     .order_by(m.Capability.agency_id, m.Capability.position, m.Capability.id))
    for agency_id, category in rows:
        out.setdefault(agency_id, category)
    return out


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600.0


def load_cases(s: Session, clock: StationClock) -> list[Case]:
    categories = agency_categories(s)
    regions = dict(s.execute(select(m.Enterprise.id, m.Enterprise.region)).all())
    cases: list[Case] = []
    for r in s.scalars(select(m.ServiceRecord)):
        if r.created is None:
            continue
        cases.append(Case(
            "archive", r.id, r.created, r.channel, r.enterprise_id, regions.get(r.enterprise_id),
            r.agency_id, categories.get(r.agency_id or "", UNKNOWN), r.status, r.agency_id is not None,
            r.agency_id is not None, r.response_hours, r.satisfaction))
    events: dict[int, list[m.DemandEvent]] = defaultdict(list)
    for e in s.scalars(select(m.DemandEvent).order_by(m.DemandEvent.id)):
        events[e.demand_id].append(e)
    for d in s.scalars(select(m.DemandRecord)):
        steps = events.get(d.id, [])
        received = clock.local(d.created_at)
        first = {}
        for e in steps:
            first.setdefault(e.kind, clock.local(e.at))
        dispatch_at = first.get("dispatched") or first.get("redispatched")
        done_at = next((clock.local(e.at) for e in steps if (e.data or {}).get("status") == DONE
                        or e.kind == "feedback" and d.status == DONE), None)
        dispatchers = [e for e in steps if e.kind in ("dispatched", "redispatched")]
        cases.append(Case(
            "live", d.number, received.date(), d.channel, d.enterprise_id,
            d.region or regions.get(d.enterprise_id or ""), d.dispatched_to,
            categories.get(d.dispatched_to or "", UNKNOWN), d.status, "matched" in first, dispatch_at is not None,
            _hours(received, dispatch_at) if dispatch_at else None, d.satisfaction,
            tuple(sorted({e.actor for e in steps if e.actor})),
            dispatchers[0].actor if dispatchers else None,
            _hours(received, first["matched"]) if "matched" in first else None,
            _hours(received, done_at) if done_at else None))
    return cases


# ---- the figures: pure functions over cases -----------------------------------------------------------------
def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy.percentile's default); None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 2)


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _counts(cases: list[Case]) -> dict[str, Any]:
    sat = [c.satisfaction for c in cases if c.satisfaction is not None]
    return {"received": len(cases), "completed": sum(c.status == DONE for c in cases),
            "cancelled": sum(c.status == CANCELLED for c in cases), "satisfaction_mean": _mean(sat),
            "satisfaction_count": len(sat)}


def _grouped(cases: list[Case], key, label: str) -> list[dict[str, Any]]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        groups[key(c) or UNKNOWN].append(c)
    rows = [{label: k, **_counts(v)} for k, v in groups.items()]
    return sorted(rows, key=lambda r: (-r["received"], r[label]))


def figures(cases: list[Case], query: StatsQuery, first_seen: dict[str, date],
            agency_names: dict[str, str], staff_names: dict[str, str]) -> dict[str, Any]:
    """Every indicator for the cases the query keeps. `first_seen`: each enterprise's first case, all time."""
    kept = [c for c in cases if query.keeps(c)]
    days = [c.day for c in kept]
    sat = [c.satisfaction for c in kept if c.satisfaction is not None]
    enterprises = {c.enterprise_id for c in kept if c.enterprise_id}
    new = {e for e in enterprises if (query.date_from is None or first_seen[e] >= query.date_from)
           and (query.date_to is None or first_seen[e] <= query.date_to)}
    levels = Counter(LEVELS.get(c.category, "unclassified") for c in kept)
    live = [c for c in kept if c.source == "live"]

    by_agency = []
    agencies: dict[str, list[Case]] = defaultdict(list)
    for c in kept:
        if c.agency_id and c.dispatched:
            agencies[c.agency_id].append(c)
    for agency_id, served in agencies.items():
        done = sum(c.status == DONE for c in served)
        s_sat = [c.satisfaction for c in served if c.satisfaction is not None]
        by_agency.append({"agency_id": agency_id, "name": agency_names.get(agency_id, agency_id),
                          "served": len(served), "completed": done, "completion_rate": round(done / len(served), 3),
                          "satisfaction_mean": _mean(s_sat), "satisfaction_count": len(s_sat),
                          "turnaround_hours_p50": percentile(
                              [c.response_hours for c in served if c.response_hours is not None], 50)})
    by_agency.sort(key=lambda r: (-r["served"], r["agency_id"]))

    by_staff = []
    staff: dict[str, list[Case]] = defaultdict(list)
    for c in live:
        for who in c.staff:
            if who in staff_names:
                staff[who].append(c)
    for key_id, handled in staff.items():
        dispatched = [c for c in handled if c.dispatcher == key_id]
        s_sat = [c.satisfaction for c in handled if c.satisfaction is not None]
        by_staff.append({"key_id": key_id, "name": staff_names[key_id], "handled": len(handled),
                         "dispatched": len(dispatched),
                         "response_hours_p50": percentile(
                             [c.response_hours for c in dispatched if c.response_hours is not None], 50),
                         "satisfaction_mean": _mean(s_sat), "satisfaction_count": len(s_sat)})
    by_staff.sort(key=lambda r: (-r["handled"], r["key_id"]))

    response = [c.response_hours for c in kept if c.response_hours is not None]
    stage = {name: [getattr(c, attr) for c in live if getattr(c, attr) is not None]
             for name, attr in (("to_match", "hours_to_match"), ("to_dispatch", "response_hours"),
                                ("to_complete", "hours_to_complete"))}
    return {
        "period": {"from": (query.date_from or (min(days) if days else None)),
                   "to": (query.date_to or (max(days) if days else None))},
        "filters": {"region": query.region, "category": query.category, "channel": query.channel},
        "demands": {"received": len(kept), "matched": sum(c.matched for c in kept),
                    "dispatched": sum(c.dispatched for c in kept),
                    "completed": sum(c.status == DONE for c in kept),
                    "cancelled": sum(c.status == CANCELLED for c in kept)},
        "sources": {"archive": len(kept) - len(live), "live": len(live)},
        "enterprises_served": {"distinct": len(enterprises), "new": len(new)},
        "satisfaction": {"mean": _mean(sat), "count": len(sat),
                         "distribution": {str(k): sum(1 for v in sat if v == k) for k in range(1, 6)}},
        "response_hours": {"p50": percentile(response, 50), "p90": percentile(response, 90),
                           "count": len(response)},
        "stages_hours": {k: {"p50": percentile(v, 50), "p90": percentile(v, 90), "count": len(v)}
                         for k, v in stage.items()},
        "services": {k: levels.get(k, 0) for k in LEVEL_NAMES},
        "by_month": sorted(_grouped(kept, lambda c: f"{c.day:%Y-%m}", "month"), key=lambda r: r["month"]),
        "by_category": _grouped(kept, lambda c: c.category, "category"),
        "by_region": _grouped(kept, lambda c: c.region, "region"),
        "by_channel": _grouped(kept, lambda c: c.channel, "channel"),
        "by_agency": by_agency,
        "by_staff": by_staff,
    }


def station_stats(s: Session, clock: StationClock, query: StatsQuery) -> dict[str, Any]:
    """`GET /v1/stats`: read the cases and compute the figures."""
    query.check()
    cases = load_cases(s, clock)
    first_seen: dict[str, date] = {}
    for c in cases:
        if c.enterprise_id and (c.enterprise_id not in first_seen or c.day < first_seen[c.enterprise_id]):
            first_seen[c.enterprise_id] = c.day
    agency_names = dict(s.execute(select(m.Agency.id, m.Agency.name)).all())
    staff_names = {k: n for k, n in s.execute(select(m.ApiKey.id, m.ApiKey.name).where(m.ApiKey.role == "staff"))}
    return figures(cases, query, first_seen, agency_names, staff_names)


def stats_of(db: Database, clock: StationClock, query: StatsQuery) -> dict[str, Any]:
    """`station_stats` in a session of its own."""
    with db.session() as s:
        return station_stats(s, clock, query)
