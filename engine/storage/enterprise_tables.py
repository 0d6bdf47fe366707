"""The enterprise's own records: tracking codes of online filings, enterprise keys, the instrument ledger
(计量器具台账), certificates held and standards produced to. Kept in their own tables so older databases gain
them by `create_all` without altering the station's tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.models import Base


class DemandTracking(Base):
    """查询码 — the hash of the tracking code handed to whoever filed a demand (never the code itself)."""

    __tablename__ = "demand_tracking"
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EnterpriseKey(Base):
    """Binds an `enterprise` role key to the one enterprise whose records it may read and change."""

    __tablename__ = "enterprise_keys"
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)


class Instrument(Base):
    """计量器具 — one row of an enterprise's instrument ledger, as the enterprise keeps it."""

    __tablename__ = "instruments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    row: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120))
    measuring_range: Mapped[str | None] = mapped_column(String(120))
    accuracy: Mapped[str | None] = mapped_column(String(60))
    serial: Mapped[str | None] = mapped_column(String(80))
    location: Mapped[str | None] = mapped_column(String(120))
    use: Mapped[str | None] = mapped_column(String(200))
    cycle_months: Mapped[int | None] = mapped_column(Integer)
    last_date: Mapped[date | None] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(80))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EnterpriseCertificate(Base):
    """An enterprise's certificate (ISO 9001, CCC ...): number, body, expiry."""

    __tablename__ = "enterprise_certificates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    scheme: Mapped[str] = mapped_column(String(80))
    number: Mapped[str | None] = mapped_column(String(80))
    body: Mapped[str | None] = mapped_column(String(200))
    expiry: Mapped[date | None] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)


class EnterpriseStandard(Base):
    """A standard the enterprise produces to (as the enterprise wrote its code)."""

    __tablename__ = "enterprise_standards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(80))
    product: Mapped[str | None] = mapped_column(String(200))
