"""Request and response bodies of the enterprise's side: tracking, the ledger, certificates and standards, the
proactive list. Kept apart from `api/schemas.py` so the station's own bodies stay readable."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from api.schemas import IsoDate, Strict

Status = Literal["overdue", "due_30", "due_60", "due_90", "ok"]


class TrackStep(BaseModel):
    step: str = Field(description="received | matched | dispatched | appointment | in_service | completed | "
                                  "cancelled | feedback")
    label: str
    at: datetime
    detail: str | None = None


class TrackOut(BaseModel):
    number: str
    status: str
    created_at: datetime
    updated_at: datetime
    steps: list[TrackStep]


class AgencyRef(BaseModel):
    id: str
    name: str


class InstrumentOut(BaseModel):
    row: int = Field(description="the row in the uploaded file (or the row number given when edited in the page)")
    name: str
    mandatory: bool
    service: Literal["检定", "校准"]
    regulation: str | None
    cycle_months: int
    next_due: date | None = Field(description="None when the ledger has no last date (then overdue)")
    status: Status
    reasons: list[str]
    agencies: list[AgencyRef]


class GroupOut(BaseModel):
    agency_id: str
    agency_name: str
    rows: list[int]
    next_due: date | None


class LedgerOut(BaseModel):
    instruments: list[InstrumentOut]
    groups: list[GroupOut]


class LedgerRowIO(BaseModel):
    """A ledger row as the enterprise keeps it (for editing in the page)."""

    row: int | None = None
    name: str = Field(min_length=1, max_length=120)
    model: str | None = Field(None, max_length=120)
    measuring_range: str | None = Field(None, max_length=120)
    accuracy: str | None = Field(None, max_length=60)
    serial: str | None = Field(None, max_length=80)
    location: str | None = Field(None, max_length=120)
    use: str | None = Field(None, max_length=200)
    cycle_months: StrictInt | None = Field(None, ge=1, le=120)
    last_date: IsoDate | None = None
    certificate_no: str | None = Field(None, max_length=80)
    extra: dict[str, str] = Field(default_factory=dict)


class LedgerRowIn(Strict, LedgerRowIO):
    pass


class LedgerRows(BaseModel):
    items: list[LedgerRowIO]


class BookingIn(Strict):
    agency_id: str = Field(min_length=1, max_length=32)
    rows: list[StrictInt] = Field(min_length=1, max_length=500)
    as_of: IsoDate | None = None


class FiledOut(BaseModel):
    number: str
    status: str
    created_at: datetime
    tracking_code: str = Field(description="shown once: quote it with the number at GET /v1/track/{number}")


class CertificateIO(BaseModel):
    scheme: str = Field(min_length=1, max_length=80, description="ISO 9001, CCC, ...")
    number: str | None = Field(None, max_length=80)
    body: str | None = Field(None, max_length=200, description="the certification body")
    expiry: IsoDate | None = None
    scope: str | None = Field(None, max_length=200)


class CertificatesIn(Strict):
    items: list[CertificateIO] = Field(max_length=200)


class StandardRefIO(BaseModel):
    code: str = Field(min_length=1, max_length=80)
    product: str | None = Field(None, max_length=200)


class StandardsIn(Strict):
    items: list[StandardRefIO] = Field(max_length=200)


class CertificateWatch(CertificateIO):
    state: Literal["valid", "expiring", "expired", "unknown"]
    note: str
    renewers: list[AgencyRef]


class StandardWatch(BaseModel):
    code: str
    title: str | None
    status: str | None
    product: str | None
    state: Literal["ok", "withdrawn", "replaced", "superseded_soon", "upcoming", "unknown"]
    replacement: str | None
    replacement_effective: date | None
    note: str


class WatchOut(BaseModel):
    as_of: date
    certificates: list[CertificateWatch]
    standards: list[StandardWatch]


class ReminderOut(BaseModel):
    kind: Literal["verification", "certificate", "standard"]
    urgency: Literal["overdue", "due", "expiring", "outdated"]
    text: str
    due: date | None


class EnterpriseDemand(BaseModel):
    number: str
    text: str
    channel: str
    status: str
    created_at: datetime
    updated_at: datetime
    steps: list[TrackStep]


class MyOut(BaseModel):
    id: str
    name: str
    industry: str | None
    region: str | None
    size: str | None


class EnterpriseDemands(BaseModel):
    total: int
    items: list[EnterpriseDemand]


class PeerService(BaseModel):
    category: str
    service: str
    object: str
    count: int


class PeerServicesOut(BaseModel):
    enterprise_id: str
    industry: str | None
    size: str | None
    basis: str = Field(description="同行业、同规模, or 同行业 when that history is thin")
    peers: int
    records: int
    items: list[PeerService]


class ProactiveItem(BaseModel):
    enterprise_id: str
    name: str
    region: str | None
    industry: str | None
    overdue: int
    due: int
    certificates: int
    standards: int
    earliest: date | None
    reminders: list[ReminderOut]


class ProactiveOut(BaseModel):
    as_of: date
    days: int
    region: str | None
    items: list[ProactiveItem]
