"""§6.2.1 查询 services: a standard by any typing of its code, an agency, an expert, a shared instrument;
enterprises for staff. Personal data goes to staff only, in full on a record's own page (and audited), masked
in lists."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import READ_ERRORS, errors, shaped, state_of
from api.schemas import AgencyOut, EnterpriseList, EnterpriseOut, EquipmentOut, ExpertOut, StandardLookupOut
from api.security import actor_of, require
from engine.demand_list import find_enterprises
from engine.documents import KIND_LABELS
from engine.errors import NotFound
from engine.keys import Principal
from engine.messages import text as msg
from engine.privacy import mask_id_card, mask_name, mask_phone
from engine.storage import models as m

router = APIRouter(prefix="/v1", tags=["lookups"])
LOOKUP_ERRORS = {**READ_ERRORS, **errors(404)}
EXPIRING_DAYS = 90

Id = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/standards/{code:path}", response_model=StandardLookupOut, responses=LOOKUP_ERRORS)
def standard(code: Annotated[str, Path(min_length=1, max_length=80)], request: Request,
             principal: Annotated[Principal, Depends(require("lookup"))]) -> dict:
    """Status, dates and the replacement chain; `GB/T19001—2008`, `gbt 19001` and `GB/T 19001-2016` all work.
    Without a year, every edition of the family is listed, the current one first."""
    catalogue = state_of(request).searcher().catalogue
    editions = catalogue.lookup(code)
    return {"query": code, "editions": [catalogue.details(s.code) for s in editions]}


def validity(valid_until: date | None, today: date) -> str:
    if valid_until is None:
        return "unknown"
    if valid_until < today:
        return "expired"
    return "expiring" if valid_until <= today + timedelta(days=EXPIRING_DAYS) else "valid"


@router.get("/agencies/{agency_id}", response_model=AgencyOut, responses=LOOKUP_ERRORS)
def agency(agency_id: Id, request: Request, principal: Annotated[Principal, Depends(require("lookup"))]) -> dict:
    """Capabilities and qualifications with their validity today (valid, expiring within 90 days, expired)."""
    state = state_of(request)
    today = state.settings.today()
    with state.db.session() as s:
        a = s.get(m.Agency, agency_id)
        if a is None:
            raise NotFound(msg("lookup.no_agency", id=agency_id))
        out = {
            "id": a.id, "name": a.name, "kind": a.kind, "kind_label": KIND_LABELS.get(a.kind, a.kind),
            "region": a.region, "city": a.city, "address": a.address, "service_area": a.service_area or [],
            "status": a.status, "turnaround_days": a.turnaround_days, "fee_level": a.fee_level,
            "qualifications": [
                {"type": q.type, "number": q.number, "issuer": q.issuer, "valid_from": q.valid_from,
                 "valid_until": q.valid_until, "validity": validity(q.valid_until, today)}
                for q in a.qualifications
            ],
            "capabilities": [
                {"category": c.category, "service": c.service, "object": c.object, "scope": c.scope,
                 "basis": c.basis or [], "limits": c.limits} for c in a.capabilities
            ],
        }
        if principal.can("personal"):
            out["contact"] = dict(a.contact or {}) or None
    if principal.can("personal") and out.get("contact"):
        state.workflow.audit(actor_of(request, principal), "agency.contact.read", agency_id)
    return shaped(principal, out)


@router.get("/experts/{expert_id}", response_model=ExpertOut, responses=LOOKUP_ERRORS)
def expert(expert_id: Id, request: Request, principal: Annotated[Principal, Depends(require("lookup"))]) -> dict:
    """An expert's profile; phone and e-mail for staff only (the ID-card number masked even then)."""
    state = state_of(request)
    with state.db.session() as s:
        e = s.get(m.Expert, expert_id)
        if e is None:
            raise NotFound(msg("lookup.no_expert", id=expert_id))
        out = {k: getattr(e, k) for k in ("id", "name", "title", "employer", "employer_agency_id", "region",
                                          "domain", "years_experience", "available")}
        out |= {"specialties": e.specialties or [], "qualifications": e.qualifications or []}
        if principal.can("personal"):
            out |= {"phone": e.phone, "email": e.email, "id_card": mask_id_card(e.id_card)}
    if principal.can("personal"):
        state.workflow.audit(actor_of(request, principal), "expert.contact.read", expert_id)
    return shaped(principal, out)


@router.get("/equipment/{equipment_id}", response_model=EquipmentOut, responses=LOOKUP_ERRORS)
def equipment(equipment_id: Id, request: Request,
              principal: Annotated[Principal, Depends(require("lookup"))]) -> dict:
    """A shared instrument: owner, whether it is shared, fee, status and calibration due date."""
    with state_of(request).db.session() as s:
        e = s.get(m.Equipment, equipment_id)
        if e is None:
            raise NotFound(msg("lookup.no_equipment", id=equipment_id))
        out = {k: getattr(e, k) for k in ("id", "name", "model", "manufacturer", "spec", "owner", "owner_agency_id",
                                          "region", "shareable", "fee", "status", "calibration_due")}
    return shaped(principal, out)


def _enterprise(e: m.Enterprise, masked: bool) -> dict:
    return {"id": e.id, "name": e.name, "industry": e.industry, "region": e.region, "size": e.size,
            "credit_code": e.credit_code,
            "contact_person": mask_name(e.contact_person) if masked else e.contact_person,
            "contact_phone": mask_phone(e.contact_phone) if masked else e.contact_phone}


@router.get("/enterprises", response_model=EnterpriseList, responses=READ_ERRORS, tags=["staff"])
def enterprises(
    request: Request, principal: Annotated[Principal, Depends(require("demand"))],
    q: Annotated[str | None, Query(max_length=100, description="the id, the credit code, or part of the name")] = None,
    region: Annotated[str | None, Query(max_length=60, description="district or county, e.g. 乐亭县")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict:
    """Staff: find the enterprise a demand comes from. Contacts are masked in this list."""
    with state_of(request).db.session() as s:
        rows, total = find_enterprises(s, q, region, limit, offset)
        return {"total": total, "items": [_enterprise(e, masked=True) for e in rows]}


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut, responses=LOOKUP_ERRORS, tags=["staff"])
def enterprise(enterprise_id: Id, request: Request,
               principal: Annotated[Principal, Depends(require("demand"))]) -> dict:
    """Staff: one enterprise with its contact in full (the read is audited)."""
    state = state_of(request)
    with state.db.session() as s:
        e = s.get(m.Enterprise, enterprise_id)
        if e is None:
            raise NotFound(msg("lookup.no_enterprise", id=enterprise_id))
        out = _enterprise(e, masked=False)
    state.workflow.audit(actor_of(request, principal), "enterprise.read", enterprise_id)
    return out
