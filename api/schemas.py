"""Request and response bodies of the HTTP API: the OpenAPI schema at /docs is generated from these."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from engine.jobs import JobInfo
from engine.limits import MAX_PAGE, MAX_TEXT
from engine.messages import text as msg
from engine.ranking.results import Hit
from engine.suggest import Suggestion
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
class DemandReading(BaseModel):
    normalized: str
    region: str | None
    region_source: str | None
    codes: list[str]
    lexicon: list[dict[str, Any]]
    services: list[str]
    category: str | None = Field(None, description="the §6.2 category the demand belongs to, as read")
    concepts: list[dict[str, Any]] = Field(default_factory=list, description="knowledge-base concepts named")
    mandatory_use: str | None = Field(None, description="a use that makes verification mandatory (贸易结算 …)")
    askers: list[str] = Field(default_factory=list, description="who asked for it")
    code_topics: list[dict[str, Any]] = Field(default_factory=list, description="codes and what they are about")
    brings_in: bool = Field(False, description="送检: the item is brought in, not served on site")
    parts: list[dict[str, Any]] = Field(default_factory=list, description="the parts of a multi-part demand")
    understood: str = Field("", description="理解为：… — the reading in one line")


class RecommendIn(Strict):
    text: str = Text
    region: str | None = Field(None, max_length=60, description="the enterprise's district or county, e.g. 乐亭县")
    enterprise_id: str | None = Field(None, max_length=32, description="takes the region from the enterprise record")
    limit: StrictInt = Field(10, ge=1, le=MAX_PAGE)
    as_of: IsoDate | None = Field(None, description="rank as of this date (qualification validity); default today")


class RecommendOut(BaseModel):
    query: str
    demand: DemandReading
    agencies: list[Hit]
    experts: list[Hit]
    equipment: list[Hit]
    standards: list[Hit]
    excluded: list[Hit]
    station_serves: bool = Field(description="a guidance item the station serves itself (§6.1.3 a)")
    no_match: bool = Field(False, description="nothing fits the demand: the lists are empty, see `message`")
    message: str | None = Field(None, description="for no_match: a suggestion to contact the station")


class SearchOut(BaseModel):
    target: str
    query: str
    total: int
    offset: int
    hits: list[Hit]
    excluded: list[Hit]
    facets: dict[str, dict[str, int]]
    demand: DemandReading


class SuggestOut(BaseModel):
    query: str
    suggestions: list[Suggestion]


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
    limit: StrictInt = Field(10, ge=1, le=MAX_PAGE)


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
class UploadOut(BaseModel):
    loaded: dict[str, int]
    stored_as: list[str]
    job: JobInfo | None


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    index: Literal["current", "previous"] = Field("current", description="previous: answering from the last good "
                                                  "index because the current one cannot be read")
    warning: str | None = None
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
