"""ORM tables: the station's resource libraries (§5.3) and its own records (demands, keys, audit, jobs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Agency(Base):
    """服务机构 — a service provider."""

    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str] = mapped_column(String(60), index=True)
    city: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    service_area: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    turnaround_days: Mapped[int | None] = mapped_column(Integer)
    fee_level: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    capabilities: Mapped[list[Capability]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="Capability.position"
    )
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="Qualification.position"
    )


class Capability(Base):
    """服务能力 — one thing an agency does: a service on an object, with scope and basis."""

    __tablename__ = "capabilities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(20))
    object: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    limits: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[Agency] = relationship(back_populates="capabilities")


class Qualification(Base):
    """资质 — CMA, CNAS, 计量授权 ... with its validity."""

    __tablename__ = "qualifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(80))
    issuer: Mapped[str | None] = mapped_column(String(120))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    agency: Mapped[Agency] = relationship(back_populates="qualifications")


class Expert(Base):
    """专家 — an expert profile."""

    __tablename__ = "experts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str | None] = mapped_column(String(4))
    title: Mapped[str | None] = mapped_column(String(60))
    employer: Mapped[str | None] = mapped_column(String(200))
    employer_agency_id: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(60))
    domain: Mapped[str | None] = mapped_column(String(40))
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    years_experience: Mapped[int | None] = mapped_column(Integer)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    id_card: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(120))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Equipment(Base):
    """仪器设备 — an instrument that may be shared."""

    __tablename__ = "equipment"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(80))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    spec: Mapped[str | None] = mapped_column(Text)
    owner_agency_id: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(60))
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    fee: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    calibration_due: Mapped[date | None] = mapped_column(Date)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Enterprise(Base):
    """服务对象 — an enterprise the station serves."""

    __tablename__ = "enterprises"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(60))
    region: Mapped[str | None] = mapped_column(String(60))
    size: Mapped[str | None] = mapped_column(String(20))
    credit_code: Mapped[str | None] = mapped_column(String(30))
    contact_person: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class ServiceRecord(Base):
    """服务档案 — a historical demand and who served it."""

    __tablename__ = "service_records"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), index=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    demand: Mapped[str] = mapped_column(Text)
    created: Mapped[date | None] = mapped_column(Date)
    agency_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str | None] = mapped_column(String(20))
    response_hours: Mapped[float | None] = mapped_column(Float)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Standard(Base):
    """标准 — a catalogue entry. The replacement chain is stored here, as the catalogue gives it: `replaces` (the
    editions this one replaced) and `replaced_by`; `StandardCatalogue` walks it both ways."""

    __tablename__ = "standards"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    family: Mapped[str] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(40))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    issued: Mapped[date | None] = mapped_column(Date)
    effective: Mapped[date | None] = mapped_column(Date)
    replaced_by: Mapped[str | None] = mapped_column(String(60))
    replaces: Mapped[list[str]] = mapped_column(JSON, default=list)
    ics: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(Text)
    synthetic_dates: Mapped[bool] = mapped_column(Boolean, default=False)


# ---- the station's own records: demands and their timeline, API keys, audit log, background jobs -------------


class DemandRecord(Base):
    """服务需求 — one demand received by the station, numbered for the archive (§7.3.4)."""

    __tablename__ = "demands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(60))
    contact_person: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    dispatched_to: Mapped[str | None] = mapped_column(String(32))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(40))
    events: Mapped[list[DemandEvent]] = relationship(
        back_populates="demand", cascade="all, delete-orphan", order_by="DemandEvent.id"
    )
    __table_args__ = (UniqueConstraint("year", "seq"),)


class DemandEvent(Base):
    """流程跟踪 — one step of a demand: received, matched, dispatched, follow-up, feedback."""

    __tablename__ = "demand_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    demand: Mapped[DemandRecord] = relationship(back_populates="events")


class ArchiveCounter(Base):
    """The last archive sequence issued per prefix and year; bumped in the same transaction as the insert."""

    __tablename__ = "archive_counters"
    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ApiKey(Base):
    """An API key: only the SHA-256 of its secret is stored."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """审计 — who read or changed which demand or personal record, when, from where."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str | None] = mapped_column(String(16), index=True)
    role: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(30))
    object: Mapped[str] = mapped_column(String(80), index=True)
    client: Mapped[str | None] = mapped_column(String(60))


class Job(Base):
    """A background job (reindex), visible to every API worker through the database."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
