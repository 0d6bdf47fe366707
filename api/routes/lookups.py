"""§6.2.1 查询 services: a standard by any typing of its code, an agency, an expert, a shared instrument;
enterprises for staff. Personal data goes to staff only, in full on a record's own page (and audited), masked
in lists. The answers are the engine's profiles (engine/records.py), which are also their response schemas."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import READ_ERRORS, errors, shaped, state_of
from api.schemas import StandardLookupOut
from api.security import actor_of, require
from engine.keys import Principal
from engine.records import AgencyProfile, EnterprisePage, EnterpriseProfile, EquipmentProfile, ExpertProfile

router = APIRouter(prefix="/v1", tags=["lookups"])
LOOKUP_ERRORS = {**READ_ERRORS, **errors(404)}

Id = Annotated[str, Path(min_length=1, max_length=32)]
Reader = Annotated[Principal, Depends(require("lookup"))]
Desk = Annotated[Principal, Depends(require("demand"))]  # station staff at the service desk


def _staff_reader(request: Request, principal: Principal):
    """The actor whose reading of personal data is audited, or None when the caller may not see it."""
    return actor_of(request, principal) if principal.can("personal") else None


@router.get("/standards/{code:path}", response_model=StandardLookupOut, responses=LOOKUP_ERRORS)
def standard(code: Annotated[str, Path(min_length=1, max_length=80)], request: Request, principal: Reader) -> dict:
    """Status, dates and the replacement chain; `GB/T19001—2008`, `gbt 19001` and `GB/T 19001-2016` all work.
    Without a year, every edition of the family is listed, the current one first."""
    catalogue = state_of(request).searcher().catalogue
    return {"query": code, "editions": [catalogue.details(s.code) for s in catalogue.lookup(code)]}


@router.get("/agencies/{agency_id}", response_model=AgencyProfile, responses=LOOKUP_ERRORS)
def agency(agency_id: Id, request: Request, principal: Reader) -> dict:
    """Capabilities and qualifications with their validity today (valid, expiring within 90 days, expired)."""
    state = state_of(request)
    profile = state.records.agency(agency_id, state.settings.today(), _staff_reader(request, principal))
    return shaped(principal, asdict(profile))


@router.get("/experts/{expert_id}", response_model=ExpertProfile, responses=LOOKUP_ERRORS)
def expert(expert_id: Id, request: Request, principal: Reader) -> dict:
    """An expert's profile; phone and e-mail for staff only (the ID-card number masked even then)."""
    profile = state_of(request).records.expert(expert_id, _staff_reader(request, principal))
    return shaped(principal, asdict(profile))


@router.get("/equipment/{equipment_id}", response_model=EquipmentProfile, responses=LOOKUP_ERRORS)
def equipment(equipment_id: Id, request: Request, principal: Reader) -> dict:
    """A shared instrument: owner, whether it is shared, fee, status and calibration due date."""
    return shaped(principal, asdict(state_of(request).records.equipment(equipment_id)))


@router.get("/enterprises", response_model=EnterprisePage, responses=READ_ERRORS, tags=["staff"])
def enterprises(
    request: Request, principal: Desk,
    q: Annotated[str | None, Query(max_length=100, description="the id, the credit code, or part of the name")] = None,
    region: Annotated[str | None, Query(max_length=60, description="district or county, e.g. 乐亭县")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict:
    """Staff: find the enterprise a demand comes from. Contacts are masked in this list."""
    return asdict(state_of(request).records.enterprises(q, region, limit, offset))


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseProfile, responses=LOOKUP_ERRORS,
            tags=["staff"])
def enterprise(enterprise_id: Id, request: Request, principal: Desk) -> dict:
    """Staff: one enterprise with its contact in full (the read is audited)."""
    return asdict(state_of(request).records.enterprise(enterprise_id, actor_of(request, principal)))
