"""Who can take an instrument, and which instruments can go to one agency together.

An agency can take an instrument when it is
- entitled: it lists a 计量 capability for that instrument type (检定 for a mandatory verification; 检定 or 校准
  otherwise); a mandatory verification needs a legal or authorised metrology institution (计量授权), a calibration
  a 计量授权 or CNAS accreditation;
- in area: its service area covers the enterprise's region;
- qualified on the day: that qualification is still valid on the instrument's due date (today, if overdue);
- in service (status 正常).
Instruments due within 90 days (or overdue) are grouped greedily: the agency that can take the most of them gets
them as one batch, then the next, so the enterprise files one demand per batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.ledger.classify import Classification
from engine.regions import Region, RegionIndex
from engine.storage import models as m

LEGAL_KINDS = frozenset({"legal_metrology", "authorized_metrology"})
DUE_FOR_BOOKING = ("overdue", "due_30", "due_60", "due_90")
SPLIT = re.compile(r"[、，,和及与()（）/]+")


@dataclass(frozen=True)
class MetrologyAgency:
    id: str
    name: str
    kind: str
    region: str
    service_area: tuple[str, ...]
    capabilities: tuple[tuple[str, str], ...]  # (service, object) of its 计量 capabilities
    qualifications: tuple[tuple[str, date | None], ...]  # (type, valid_until)

    def qualified(self, types: tuple[str, ...], on: date) -> bool:
        return any(t in types and (until is None or until >= on) for t, until in self.qualifications)


def load_agencies(s: Session) -> list[MetrologyAgency]:
    rows = s.scalars(select(m.Agency).where(m.Agency.status == "正常").options(
        selectinload(m.Agency.capabilities), selectinload(m.Agency.qualifications)).order_by(m.Agency.id))
    out = []
    for a in rows:
        caps = tuple((c.service, c.object) for c in a.capabilities
                     if c.category == "计量" and c.service in ("检定", "校准"))
        if caps:
            out.append(MetrologyAgency(a.id, a.name, a.kind, a.region, tuple(a.service_area or ()), caps,
                                       tuple((q.type, q.valid_until) for q in a.qualifications)))
    return out


def _words(c: Classification) -> tuple[str, ...]:
    if c.type is None:
        return ("".join(c.name.split()),)
    return tuple(dict.fromkeys((*c.type.terms, *c.type.words, "".join(c.name.split()))))


def serves(agency: MetrologyAgency, c: Classification) -> bool:
    """Whether one of its capabilities is for this instrument type and this service."""
    words = _words(c)
    for service, obj in agency.capabilities:
        if c.service == "检定" and service != "检定":
            continue
        parts = [p for p in SPLIT.split(obj) if len(p) >= 2]
        if any(w and (w in obj or any(p in w for p in parts)) for w in words):
            return True
    return False


def can_take(agency: MetrologyAgency, c: Classification, region: Region | None, regions: RegionIndex,
             as_of: date) -> bool:
    if c.mandatory and agency.kind not in LEGAL_KINDS:
        return False
    if region is not None and not any(regions.contains(a, region) for a in agency.service_area):
        return False
    on = max(c.next_due or as_of, as_of)
    if not agency.qualified(("计量授权",) if c.mandatory else ("计量授权", "CNAS"), on):
        return False
    return serves(agency, c)


@dataclass(frozen=True)
class Group:
    agency_id: str
    agency_name: str
    rows: tuple[int, ...]
    next_due: date | None

    def to_dict(self) -> dict:
        return {"agency_id": self.agency_id, "agency_name": self.agency_name, "rows": list(self.rows),
                "next_due": self.next_due}


def group_due(items: list[Classification], takers: dict[int, list[MetrologyAgency]],
              home_region: str | None) -> list[Group]:
    """Greedy cover of the due instruments: most instruments first, then an agency in the enterprise's own
    region, then the lower id; rows no agency can take stay out of every group."""
    due = {c.row: c for c in items if c.status in DUE_FOR_BOOKING}
    left = {row for row in due if takers.get(row)}
    by_agency: dict[str, tuple[MetrologyAgency, set[int]]] = {}
    for row in left:
        for a in takers[row]:
            by_agency.setdefault(a.id, (a, set()))[1].add(row)
    groups = []
    while left:
        agency, rows = min(
            ((a, rows & left) for a, rows in by_agency.values()),
            key=lambda p: (-len(p[1]), p[0].region != home_region, p[0].id))
        if not rows:
            break
        ordered = tuple(sorted(rows))
        known = [d for r in ordered if (d := due[r].next_due) is not None]
        groups.append(Group(agency.id, agency.name, ordered, min(known) if known else None))
        left -= rows
    return groups
