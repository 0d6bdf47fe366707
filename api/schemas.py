"""Request and response bodies of the HTTP API: the OpenAPI schema at /docs is generated from these."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from engine.demand import MAX_TEXT
from engine.messages import text as msg
from engine.workflow import CHANNELS, FOLLOW_UP_STATUSES

Text = Field(min_length=1, max_length=MAX_TEXT,
             description=f"the demand in plain Chinese, at most {MAX_TEXT} characters")


ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(value: object) -> object:
    """A date comes as an ISO 8601 string (in JSON or a query string), never as a number or a numeric string such
    as "0", which lax parsing would take for a Unix time."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE_START.match(value):
        raise ValueError(msg("time.not_iso"))
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text)]


class Strict(BaseModel):
    """Request bodies: unknown fields and type coercions ("5" for 5, 0 for a date) are refused."""

    model_config = ConfigDict(extra="forbid")


# ---- errors -----------------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. invalid_input, not_found, rate_limited")
    message: str
    details: list[str] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# ---- results --------------------------------------------------------------------------------------------
class ReasonOut(BaseModel):
    code: str
    text: str
    effect: float = Field(description="factor applied to the score; 1 = information only, 0 = excluded")


class CapabilityOut(BaseModel):
    category: str
    service: str
    object: str
    scope: str | None
    basis: list[str]
    limits: str | None
    score: float


class HitOut(BaseModel):
    target: str
    id: str
    title: str
    score: float
    matched_terms: list[str]
    capabilities: list[CapabilityOut]
    reasons: list[ReasonOut]
    details: dict[str, Any]


class DemandReading(BaseModel):
    normalized: str
    region: str | None
    region_source: str | None
    codes: list[str]
    lexicon: list[dict[str, Any]]
    services: list[str]


class RecommendIn(Strict):
    text: str = Text
    region: str | None = Field(None, max_length=60, description="the enterprise's district or county, e.g. 乐亭县")
    enterprise_id: str | None = Field(None, max_length=32, description="takes the region from the enterprise record")
    limit: StrictInt = Field(10, ge=1, le=50)
    as_of: IsoDate | None = Field(None, description="rank as of this date (qualification validity); default today")


class RecommendOut(BaseModel):
    query: str
    demand: DemandReading
    agencies: list[HitOut]
    experts: list[HitOut]
    equipment: list[HitOut]
    standards: list[HitOut]
    excluded: list[HitOut]
    station_serves: bool = Field(description="a guidance item the station serves itself (§6.1.3 a)")


class SearchOut(BaseModel):
    target: str
    query: str
    total: int
    offset: int
    hits: list[HitOut]
    excluded: list[HitOut]
    facets: dict[str, dict[str, int]]
    demand: DemandReading


class SuggestionOut(BaseModel):
    kind: Literal["object", "term", "agency", "standard"]
    label: str
    id: str | None
    detail: str | None


class SuggestOut(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


# ---- lookups --------------------------------------------------------------------------------------------
class StandardOut(BaseModel):
    code: str
    title: str
    kind: str | None
    mandatory: bool
    status: str
    issued: str | None
    effective: str | None
    replaces: list[str]
    replaced_by: list[str]
    current: str | None
    scope: str | None


class StandardLookupOut(BaseModel):
    query: str
    editions: list[StandardOut] = Field(description="the edition asked for, or every edition of the family")


class QualificationOut(BaseModel):
    type: str
    number: str | None
    issuer: str | None
    valid_from: date | None
    valid_until: date | None
    validity: Literal["valid", "expiring", "expired", "unknown"]


class ContactOut(BaseModel):
    person: str | None
    phone: str | None
    email: str | None


class AgencyOut(BaseModel):
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
    qualifications: list[QualificationOut]
    capabilities: list[dict[str, Any]]
    contact: ContactOut | None = Field(None, description="staff keys only")


class ExpertOut(BaseModel):
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
    phone: str | None = Field(None, description="staff keys only")
    email: str | None = Field(None, description="staff keys only")
    id_card: str | None = Field(None, description="staff keys only, masked")


class EquipmentOut(BaseModel):
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


class EnterpriseOut(BaseModel):
    id: str
    name: str
    industry: str | None
    region: str | None
    size: str | None
    credit_code: str | None
    contact_person: str | None
    contact_phone: str | None


class EnterpriseList(BaseModel):
    total: int
    items: list[EnterpriseOut]


# ---- the demand workflow --------------------------------------------------------------------------------
class DemandIn(Strict):
    text: str = Text
    channel: Literal[CHANNELS] = Field(description="需求收集渠道")  # type: ignore[valid-type]
    enterprise_id: str | None = Field(None, max_length=32)
    region: str | None = Field(None, max_length=60)
    contact_person: str | None = Field(None, max_length=60)
    contact_phone: str | None = Field(None, max_length=30, pattern=r"^[0-9+\- ]{5,30}$")
    enterprise_name: str | None = Field(None, max_length=200, description="who files it, as the filer writes it")
    consent: bool | None = Field(None, description="the filer agrees to the handling of the personal data given; "
                                                   "required from non-staff callers who give a contact")


class MatchIn(Strict):
    limit: StrictInt = Field(10, ge=1, le=50)


class DispatchIn(Strict):
    mode: Literal["station", "agency"] = Field(description="station: served at the station (§6.1.3 a); "
                                               "agency: handed to an agency (§6.1.3 b)")
    agency_id: str | None = Field(None, max_length=32)
    service_items: list[str] = Field(default_factory=list, max_length=20)
    scheduled_at: IsoDateTime | None = Field(None, description="appointment or service time")
    period_days: StrictInt | None = Field(None, ge=1, le=365, description="promised service period in days")
    note: str | None = Field(None, max_length=MAX_TEXT)
    reason: str | None = Field(None, max_length=MAX_TEXT, description="改派原因: required to re-dispatch a demand "
                               "that is already dispatched")


class EventIn(Strict):
    note: str = Field(min_length=1, max_length=MAX_TEXT)
    status: Literal[FOLLOW_UP_STATUSES] | None = None  # type: ignore[valid-type]


class FeedbackIn(Strict):
    satisfaction: StrictInt = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=MAX_TEXT)
    status: Literal["已完成"] | None = Field(None, description="已完成: the feedback closes a dispatched demand")


class EventOut(BaseModel):
    kind: str
    at: datetime
    actor: str | None
    data: dict[str, Any]


class DemandOut(BaseModel):
    number: str
    channel: str
    enterprise_id: str | None
    enterprise_name: str | None = None
    text: str
    region: str | None
    contact_person: str | None
    contact_phone: str | None
    status: str
    dispatched_to: str | None
    agency_name: str | None = None
    satisfaction: int | None
    created_at: datetime = Field(description="in the station's time zone")
    updated_at: datetime
    steps: list[str] = Field(default_factory=list, description="the steps the state table allows next")
    events: list[EventOut] | None = None
    tracking_code: str | None = Field(None, description="on filing only: the 查询码 to hand to the filer")


class DemandAck(BaseModel):
    number: str
    status: str
    created_at: datetime
    tracking_code: str | None = Field(None, description="查询码, shown once: GET /v1/track/{number}?code=...")


class DemandList(BaseModel):
    total: int
    offset: int = 0
    limit: int = 20
    items: list[DemandOut]


class MatchOut(BaseModel):
    demand: DemandOut
    recommendation: RecommendOut


# ---- admin ----------------------------------------------------------------------------------------------
class JobOut(BaseModel):
    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    created_at: datetime
    finished_at: datetime | None
    detail: dict[str, Any]


class UploadOut(BaseModel):
    loaded: dict[str, int]
    stored_as: list[str]
    job: JobOut | None


class HealthOut(BaseModel):
    status: Literal["ok"]
    index_built_at: str | None
    documents: dict[str, int]
    database: str


class AuditOut(BaseModel):
    at: datetime
    key_id: str | None
    person: str | None = Field(None, description="the staff member the key belongs to")
    role: str
    action: str
    object: str
    client: str | None


# ---- §8 evaluation -----------------------------------------------------------------------------------------
class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class DemandCounts(BaseModel):
    received: int
    matched: int
    dispatched: int
    completed: int
    cancelled: int


class SatisfactionOut(BaseModel):
    mean: float | None
    count: int
    distribution: dict[Literal["1", "2", "3", "4", "5"], int]


class Percentiles(BaseModel):
    p50: float | None
    p90: float | None
    count: int


class StatsOut(BaseModel):
    """The §8 indicators; every `by_*` row carries received, completed, cancelled and satisfaction figures."""

    model_config = ConfigDict(populate_by_name=True)
    period: PeriodOut
    filters: dict[str, str | None]
    demands: DemandCounts
    sources: dict[Literal["archive", "live"], int]
    enterprises_served: dict[Literal["distinct", "new"], int]
    satisfaction: SatisfactionOut
    response_hours: Percentiles = Field(description="received → dispatched, in hours")
    stages_hours: dict[Literal["to_match", "to_dispatch", "to_complete"], Percentiles]
    services: dict[Literal["basic", "extended", "innovation", "unclassified"], int]
    by_month: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    by_region: list[dict[str, Any]]
    by_channel: list[dict[str, Any]]
    by_agency: list[dict[str, Any]]
    by_staff: list[dict[str, Any]]
