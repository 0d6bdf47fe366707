"""查询 (§6.2.1): the station's records as people see them — one view per entity, with its public and staff fields.

Agencies are read on demand: `AgencyRecords` is a read-only mapping that reads one agency (its qualifications
and capability lines) on first use and keeps the most recently used ones (a bounded LRU), so memory per worker
stays bounded whatever the corpus size.

Each profile is the one definition of what an entity shows: the API's lookups answer with it (it is their response
schema too), and a search hit's `details` are its `HIT_FIELDS`. Fields in `STAFF_FIELDS` are personal data
(§7.3.3): they are filled only for a staff reader, and that read is audited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engine import audit
from engine.audit import Actor
from engine.demand_list import find_enterprises
from engine.messages import text as msg
from engine.privacy import mask_id_card, mask_name, mask_phone
from engine.qualifications import Validity, validity
from engine.ranking.views import AgencyView, CapabilityView, QualificationView
from engine.storage import models as m
from engine.storage.db import Database, get_or_raise
from engine.vocabulary import ACTIVE, kind_label

StaffOnly = Field(description="staff keys only")


@dataclass(frozen=True)
class QualificationStatus:
    type: str
    number: str | None
    issuer: str | None
    valid_from: date | None
    valid_until: date | None
    validity: Validity


@dataclass(frozen=True)
class Contact:
    person: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AgencyProfile:
    """服务机构 as shown: capabilities and qualifications with their validity on the day asked."""

    STAFF_FIELDS: ClassVar[tuple[str, ...]] = ("contact",)
    HIT_FIELDS: ClassVar[tuple[str, ...]] = ("kind", "kind_label", "region", "service_area", "status")

    id: str
    name: str
    kind: str
    kind_label: str
    region: str
    city: str | None
    address: str | None
    service_area: list[str]
    status: str
    turnaround_days: int | None
    fee_level: str | None
    qualifications: list[QualificationStatus]
    capabilities: list[CapabilityView]
    contact: Annotated[Contact | None, StaffOnly] = None


@dataclass(frozen=True)
class ExpertProfile:
    """专家 as shown; the ID-card number is masked even for staff."""

    STAFF_FIELDS: ClassVar[tuple[str, ...]] = ("phone", "email", "id_card")
    HIT_FIELDS: ClassVar[tuple[str, ...]] = ("domain", "title", "employer", "region", "specialties",
                                             "qualifications", "years_experience", "available")

    id: str
    name: str
    title: str | None
    employer: str | None
    employer_agency_id: str | None
    region: str | None
    domain: str | None
    specialties: list[str]
    qualifications: list[str]
    years_experience: int | None
    available: bool
    phone: Annotated[str | None, StaffOnly] = None
    email: Annotated[str | None, StaffOnly] = None
    id_card: Annotated[str | None, Field(description="staff keys only, masked")] = None


@dataclass(frozen=True)
class EquipmentProfile:
    """仪器设备 as shown: owner, whether it is shared, fee, status and calibration due date."""

    STAFF_FIELDS: ClassVar[tuple[str, ...]] = ()
    HIT_FIELDS: ClassVar[tuple[str, ...]] = ("model", "spec", "owner", "owner_agency_id", "region", "shareable",
                                             "fee", "status", "calibration_due")

    id: str
    name: str
    model: str | None
    manufacturer: str | None
    spec: str | None
    owner: str | None
    owner_agency_id: str | None
    region: str | None
    shareable: bool
    fee: str | None
    status: str
    calibration_due: date | None


@dataclass(frozen=True)
class EnterpriseProfile:
    """服务对象 as staff see it: in full on its own page, contacts masked in lists."""

    STAFF_FIELDS: ClassVar[tuple[str, ...]] = ("contact_person", "contact_phone")

    id: str
    name: str
    industry: str | None
    region: str | None
    size: str | None
    credit_code: str | None
    contact_person: str | None
    contact_phone: str | None


@dataclass(frozen=True)
class EnterprisePage:
    total: int
    items: list[EnterpriseProfile] = field(default_factory=list)


def hit_details(profile: Any) -> dict[str, Any]:
    """A profile's fields a search hit shows, JSON-ready (dates as ISO text)."""
    out = {}
    for name in profile.HIT_FIELDS:
        value = getattr(profile, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def public_fields(profile_type: type) -> tuple[str, ...]:
    """The fields of a profile every role may see."""
    return tuple(f.name for f in fields(profile_type) if f.name not in profile_type.STAFF_FIELDS)


# ---- from the ORM rows ---------------------------------------------------------------------------------------
def agency_profile_of(a: m.Agency, as_of: date, personal: bool = False) -> AgencyProfile:
    contact = Contact(**{k: (a.contact or {}).get(k) for k in ("person", "phone", "email")}) if (
        personal and a.contact) else None
    return AgencyProfile(
        a.id, a.name, a.kind, kind_label(a.kind), a.region, a.city, a.address, list(a.service_area or []),
        a.status, a.turnaround_days, a.fee_level,
        [QualificationStatus(q.type, q.number, q.issuer, q.valid_from, q.valid_until, validity(q.valid_until, as_of))
         for q in a.qualifications],
        [_capability_view(c) for c in a.capabilities],
        contact,
    )


def expert_profile_of(e: m.Expert, personal: bool = False) -> ExpertProfile:
    staff = {"phone": e.phone, "email": e.email, "id_card": mask_id_card(e.id_card)} if personal else {}
    return ExpertProfile(e.id, e.name, e.title, e.employer, e.employer_agency_id, e.region, e.domain,
                         list(e.specialties or []), list(e.qualifications or []), e.years_experience, e.available,
                         **staff)


def equipment_profile_of(e: m.Equipment) -> EquipmentProfile:
    return EquipmentProfile(e.id, e.name, e.model, e.manufacturer, e.spec, e.owner, e.owner_agency_id, e.region,
                            e.shareable, e.fee, e.status, e.calibration_due)


def enterprise_profile_of(e: m.Enterprise, masked: bool) -> EnterpriseProfile:
    return EnterpriseProfile(e.id, e.name, e.industry, e.region, e.size, e.credit_code,
                             mask_name(e.contact_person) if masked else e.contact_person,
                             mask_phone(e.contact_phone) if masked else e.contact_phone)


def agency_view_of(a: m.Agency) -> AgencyView:
    return AgencyView(
        a.id, a.name, a.kind, a.region, a.city, tuple(a.service_area or ()), a.status,
        tuple(QualificationView(q.type, q.number, q.valid_until) for q in a.qualifications),
        tuple(_capability_view(c) for c in a.capabilities),
    )


def _capability_view(c: m.Capability) -> CapabilityView:
    return CapabilityView(c.category, c.service, c.object, c.scope, tuple(c.basis or ()), c.limits)


@dataclass(frozen=True)
class RankingRecords:
    """What the rankers read besides the index, loaded when a searcher (re)loads (agencies on demand)."""

    agencies: Mapping[str, AgencyView]
    experts: dict[str, ExpertProfile]
    equipment: dict[str, EquipmentProfile]
    standards: list[m.Standard]


def load_ranking_records(db: Database) -> RankingRecords:
    with db.session() as s:
        return RankingRecords(
            AgencyRecords(db),
            {e.id: expert_profile_of(e) for e in s.scalars(select(m.Expert))},
            {e.id: equipment_profile_of(e) for e in s.scalars(select(m.Equipment))},
            list(s.scalars(select(m.Standard))),
        )


AGENCY_CACHE = 4096


class AgencyRecords(Mapping[str, AgencyView]):
    def __init__(self, db: Database, cache_size: int = AGENCY_CACHE) -> None:
        self.db = db
        self.cache_size = cache_size
        self._cache: OrderedDict[str, AgencyView | None] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, agency_id: str) -> AgencyView:
        with self._lock:
            if agency_id in self._cache:
                self._cache.move_to_end(agency_id)
                view = self._cache[agency_id]
                if view is None:
                    raise KeyError(agency_id)
                return view
        view = self._read(agency_id)
        with self._lock:
            self._cache[agency_id] = view
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        if view is None:
            raise KeyError(agency_id)
        return view

    def __iter__(self) -> Iterator[str]:
        with self.db.session() as s:
            return iter(list(s.scalars(select(m.Agency.id).order_by(m.Agency.id))))

    def __len__(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(m.Agency)) or 0)

    def _read(self, agency_id: str) -> AgencyView | None:
        a, q, c = m.Agency, m.Qualification, m.Capability
        with self.db.session() as s:
            row = s.execute(select(a.id, a.name, a.kind, a.region, a.city, a.service_area, a.status)
                            .where(a.id == agency_id)).first()
            if row is None:
                return None
            quals = s.execute(select(q.type, q.number, q.valid_until).where(q.agency_id == agency_id)
                              .order_by(q.position)).all()
            caps = s.execute(select(c.category, c.service, c.object, c.scope, c.basis, c.limits)
                             .where(c.agency_id == agency_id).order_by(c.position)).all()
        return AgencyView(
            row.id, row.name, row.kind, row.region, row.city, tuple(row.service_area or ()), row.status,
            tuple(QualificationView(*x) for x in quals),
            tuple(CapabilityView(x.category, x.service, x.object, x.scope, tuple(x.basis or ()), x.limits)
                  for x in caps),
        )


def offered_objects(db: Database) -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """For autocomplete: how many agencies in service offer each capability object, and (id, name, region) of
    those agencies, counted in the database rather than over objects held in memory."""
    a, c = m.Agency, m.Capability
    with db.session() as s:
        counts = dict(s.execute(select(c.object, func.count(func.distinct(c.agency_id)))
                                .join(a, a.id == c.agency_id).where(a.status == ACTIVE).group_by(c.object)).all())
        names = [tuple(r) for r in s.execute(select(a.id, a.name, a.region).where(a.status == ACTIVE)
                                             .order_by(a.id)).all()]
    return counts, names


def agency_names(db: Database) -> tuple[list[tuple[str, str]], str]:
    """For name search: (id, name) of every agency, suspended ones too (so a search by name can say why one is
    not recommended), and the text of what agencies offer (capability objects and scopes), which tells a domain
    word from a distinctive part of a name."""
    a, c = m.Agency, m.Capability
    with db.session() as s:
        names = [tuple(r) for r in s.execute(select(a.id, a.name).order_by(a.id)).all()]
        offer = " ".join(f"{o} {sc or ''}" for o, sc in s.execute(select(c.object, c.scope).distinct()).all())
    return names, offer


class Records:
    """Record lookups by id, straight from the database (a profile is always current, not as of the index)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def agency(self, agency_id: str, as_of: date, reader: Actor | None = None) -> AgencyProfile:
        """With a `reader` (staff) the contact is included and, when there is one, its reading audited."""
        with self.db.session() as s:
            a = get_or_raise(s, m.Agency, agency_id, msg("lookup.no_agency", id=agency_id),
                             options=[selectinload(m.Agency.capabilities), selectinload(m.Agency.qualifications)])
            profile = agency_profile_of(a, as_of, personal=reader is not None)
            if reader is not None and profile.contact is not None:
                audit.write(s, reader, "agency.contact.read", agency_id)
        return profile

    def expert(self, expert_id: str, reader: Actor | None = None) -> ExpertProfile:
        """With a `reader` (staff) phone and e-mail are included and the read audited."""
        with self.db.session() as s:
            e = get_or_raise(s, m.Expert, expert_id, msg("lookup.no_expert", id=expert_id))
            if reader is not None:
                audit.write(s, reader, "expert.contact.read", expert_id)
            return expert_profile_of(e, personal=reader is not None)

    def equipment(self, equipment_id: str) -> EquipmentProfile:
        with self.db.session() as s:
            e = get_or_raise(s, m.Equipment, equipment_id, msg("lookup.no_equipment", id=equipment_id))
            return equipment_profile_of(e)

    def enterprises(self, q: str | None = None, region: str | None = None, limit: int = 10,
                    offset: int = 0) -> EnterprisePage:
        """Enterprises by id, credit code or part of the name (engine/demand_list.py), contacts masked."""
        with self.db.session() as s:
            rows, total = find_enterprises(s, q, region, limit, offset)
            return EnterprisePage(total, [enterprise_profile_of(e, masked=True) for e in rows])

    def enterprise(self, enterprise_id: str, reader: Actor) -> EnterpriseProfile:
        """One enterprise in full, for staff; the read is audited."""
        with self.db.session() as s:
            e = get_or_raise(s, m.Enterprise, enterprise_id, msg("lookup.no_enterprise", id=enterprise_id))
            audit.write(s, reader, "enterprise.read", enterprise_id)
            return enterprise_profile_of(e, masked=False)

    def enterprise_region(self, enterprise_id: str) -> str | None:
        """The region on file for an enterprise (demands and recommendations take it when none is given)."""
        with self.db.session() as s:
            return get_or_raise(s, m.Enterprise, enterprise_id, msg("lookup.no_enterprise", id=enterprise_id)).region
