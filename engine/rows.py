"""Validated shapes of the records a station loads (one per resource library); ingest checks every row."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from engine.limits import MAX_TEXT
from engine.text.codes import canonical
from engine.vocabulary import (
    AGENCY_KINDS,
    AGENCY_STATUSES,
    CATEGORIES,
    EQUIPMENT_STATUSES,
    QUALIFICATION_TYPES,
    SERVICE_RECORD_STATUSES,
    SERVICES,
    STANDARD_STATUSES,
)

_LIST_SPLIT = re.compile(r"[;；|、\n]+")


def _list_cell(value: Any) -> Any:
    """Lists arrive as JSON arrays (JSON lines), or as JSON text or ';'-separated cells (CSV, Excel)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list: {exc.msg}") from None
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]
    return value


def _json_cell(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg}") from None
    return value


def _bool_cell(value: Any) -> Any:
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "1", "yes", "y", "是", "可", "可共享", "开放"):
            return True
        if v in ("false", "0", "no", "n", "否", "不", "不可", "不可共享", ""):
            return False
    return value


def _empty_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


StrList = Annotated[list[str], BeforeValidator(_list_cell)]
Flag = Annotated[bool, BeforeValidator(_bool_cell)]
OptDate = Annotated[date | None, BeforeValidator(_empty_to_none)]
OptInt = Annotated[int | None, BeforeValidator(_empty_to_none)]
OptFloat = Annotated[float | None, BeforeValidator(_empty_to_none)]
OptStr = Annotated[str | None, BeforeValidator(_empty_to_none)]
Id = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")]


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CapabilityIn(_Row):
    category: Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
    service: Literal[tuple(SERVICES)]  # type: ignore[valid-type]
    object: str = Field(min_length=1, max_length=200)
    scope: OptStr = None
    basis: StrList = []
    limits: OptStr = None


class QualificationIn(_Row):
    type: Literal[tuple(QUALIFICATION_TYPES)]  # type: ignore[valid-type]
    number: OptStr = None
    issuer: OptStr = None
    valid_from: OptDate = None
    valid_until: OptDate = None


class AgencyIn(_Row):
    id: Id
    name: str = Field(min_length=1, max_length=200)
    kind: Literal[AGENCY_KINDS]  # type: ignore[valid-type]
    region: str = Field(min_length=1)
    city: OptStr = None
    address: OptStr = None
    lat: OptFloat = Field(default=None, ge=-90, le=90)
    lon: OptFloat = Field(default=None, ge=-180, le=180)
    service_area: StrList = Field(min_length=1)
    qualifications: Annotated[list[QualificationIn], BeforeValidator(_json_cell)] = []
    capabilities: Annotated[list[CapabilityIn], BeforeValidator(_json_cell)] = []
    contact: Annotated[dict[str, Any], BeforeValidator(_json_cell)] = {}
    turnaround_days: OptInt = None
    fee_level: OptStr = None
    status: Literal[AGENCY_STATUSES]  # type: ignore[valid-type]
    synthetic: Flag = False


class CapabilityRowIn(CapabilityIn):
    """A flat capabilities table (CSV/Excel), one capability a row, keyed by its agency."""

    agency_id: Id


class QualificationRowIn(QualificationIn):
    agency_id: Id


class ExpertIn(_Row):
    id: Id
    name: str = Field(min_length=1)
    gender: OptStr = None
    title: OptStr = None
    employer: OptStr = None
    employer_agency_id: OptStr = None
    region: OptStr = None
    domain: OptStr = None
    specialties: StrList = Field(min_length=1)
    qualifications: StrList = []
    years_experience: OptInt = Field(default=None, ge=0, le=80)
    available: Flag = True
    phone: OptStr = None
    id_card: OptStr = None
    email: OptStr = None
    synthetic: Flag = False


class EquipmentIn(_Row):
    id: Id
    name: str = Field(min_length=1)
    model: OptStr = None
    manufacturer: OptStr = None
    spec: OptStr = None
    owner_agency_id: OptStr = None
    owner: OptStr = None
    region: OptStr = None
    shareable: Flag = False
    fee: OptStr = None
    status: Literal[EQUIPMENT_STATUSES]  # type: ignore[valid-type]
    calibration_due: OptDate = None
    synthetic: Flag = False


class EnterpriseIn(_Row):
    id: Id
    name: str = Field(min_length=1)
    industry: OptStr = None
    region: OptStr = None
    size: OptStr = None
    credit_code: OptStr = None
    contact_person: OptStr = None
    contact_phone: OptStr = None
    synthetic: Flag = False


class ServiceRecordIn(_Row):
    id: Id
    enterprise_id: OptStr = None
    channel: OptStr = None
    demand: str = Field(min_length=1, max_length=MAX_TEXT)
    created: OptDate = None
    agency_id: OptStr = None
    status: Literal[SERVICE_RECORD_STATUSES] | None = None  # type: ignore[valid-type]
    response_hours: OptFloat = Field(default=None, ge=0)
    satisfaction: OptInt = Field(default=None, ge=1, le=5)
    synthetic: Flag = False


class StandardIn(_Row):
    code: str = Field(min_length=2, max_length=60)
    title: str = Field(min_length=1)
    kind: OptStr = None
    mandatory: Flag = False
    status: Literal[STANDARD_STATUSES]  # type: ignore[valid-type]
    issued: OptDate = None
    effective: OptDate = None
    replaces: StrList = []
    replaced_by: OptStr = None
    ics: OptStr = None
    scope: OptStr = None
    synthetic_dates: Flag = False

    @field_validator("code", "replaced_by")
    @classmethod
    def _canonical_code(cls, value: str | None) -> str | None:
        return canonical(value) if value else value

    @field_validator("replaces")
    @classmethod
    def _canonical_codes(cls, value: list[str]) -> list[str]:
        return [canonical(v) for v in value]


SCHEMAS: dict[str, type[_Row]] = {
    "agencies": AgencyIn,
    "capabilities": CapabilityRowIn,
    "qualifications": QualificationRowIn,
    "experts": ExpertIn,
    "equipment": EquipmentIn,
    "enterprises": EnterpriseIn,
    "service_records": ServiceRecordIn,
    "standards": StandardIn,
}
