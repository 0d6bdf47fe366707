"""§6.1 service process: collect a demand (archive number), record the suggestions shown, dispatch, follow up,
collect feedback, and read the whole timeline. Every read and change is written to the audit log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import errors, state_of
from api.schemas import (
    DemandIn,
    DemandList,
    DispatchIn,
    EventIn,
    FeedbackIn,
    MatchIn,
    MatchOut,
)
from api.security import actor_of, require
from engine.audit import AuditRecord
from engine.demand_views import DemandReceipt, DemandView, demand_receipt, demand_view
from engine.keys import Principal
from engine.workflow import STATUSES

router = APIRouter(prefix="/v1/demands", tags=["demands"])
ERRORS = errors(401, 403, 404, 409, 422, 429)
Number = Annotated[str, Path(min_length=1, max_length=32, description="archive number, e.g. TS-2026-000123")]
Desk = Annotated[Principal, Depends(require("demand"))]  # station staff at the service desk


def demand_out(d, events: bool = True, masked: bool = False) -> dict:
    return asdict(demand_view(d, events, masked))


@router.post("", status_code=201, response_model=DemandReceipt | DemandView, responses=ERRORS)
def create(body: DemandIn, request: Request,
           principal: Annotated[Principal, Depends(require("demand.create"))]) -> dict:
    """需求收集: store the demand and issue its archive number (unique and gapless, §7.3.4). It is committed
    before this answers. Staff get the record back; public callers get the number to quote."""
    state = state_of(request)
    region = state.regions.require(body.region).name if body.region else None
    d = state.workflow.create(actor_of(request, principal), body.text, body.channel, body.enterprise_id,
                              region, body.contact_person, body.contact_phone)
    if principal.can("demand"):
        return demand_out(d)
    return asdict(demand_receipt(d))


@router.get("", response_model=DemandList, responses=ERRORS)
def list_demands(
    request: Request, principal: Desk,
    status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict:
    """The newest demands first; contacts masked."""
    rows, total = state_of(request).workflow.list(actor_of(request, principal), status, limit, offset)
    return {"total": total, "items": [demand_out(d, events=False, masked=True) for d in rows]}


@router.get("/{number}", response_model=DemandView, responses=ERRORS)
def get(number: Number, request: Request, principal: Desk) -> dict:
    """流程跟踪: the demand and every step so far, oldest first."""
    return demand_out(state_of(request).workflow.get(actor_of(request, principal), number))


@router.post("/{number}/match", response_model=MatchOut, responses={**ERRORS, **errors(503)})
def match(number: Number, request: Request, principal: Desk, body: MatchIn | None = None) -> dict:
    """Rank providers for the demand and record the list shown to the station staff."""
    state = state_of(request)
    actor = actor_of(request, principal)
    d = state.workflow.get(actor, number)
    region = d.region or (state.records.enterprise_region(d.enterprise_id) if d.enterprise_id else None)
    rec = state.searcher().recommend(d.text, region, (body or MatchIn()).limit)
    d = state.workflow.record_match(actor, number, rec)
    return {"demand": demand_out(d), "recommendation": rec.to_dict()}


@router.post("/{number}/dispatch", response_model=DemandView, responses=ERRORS)
def dispatch(number: Number, body: DispatchIn, request: Request, principal: Desk) -> dict:
    """派单: the station serves it with an appointment (§6.1.3 a), or an agency does, with the service items,
    time and period (§6.1.3 b). Dispatching again reassigns it; both steps stay in the timeline."""
    d = state_of(request).workflow.dispatch(actor_of(request, principal), number, body.model_dump())
    return demand_out(d)


@router.post("/{number}/events", response_model=DemandView, responses=ERRORS)
def add_event(number: Number, body: EventIn, request: Request, principal: Desk) -> dict:
    """跟踪: a follow-up note (§6.1.4), optionally moving the demand to 服务中, 已完成 or 已取消."""
    d = state_of(request).workflow.add_event(actor_of(request, principal), number, body.note, body.status)
    return demand_out(d)


@router.post("/{number}/feedback", response_model=DemandView, responses=ERRORS)
def feedback(number: Number, body: FeedbackIn, request: Request, principal: Desk) -> dict:
    """反馈: satisfaction 1-5 and comments (§6.1.5), once per demand, after it was dispatched."""
    d = state_of(request).workflow.feedback(actor_of(request, principal), number, body.satisfaction, body.comment)
    return demand_out(d)


@router.get("/{number}/audit", response_model=list[AuditRecord], responses=ERRORS)
def audit(number: Number, request: Request, principal: Desk) -> list[dict]:
    """Who read or changed this demand, newest first."""
    state = state_of(request)
    state.workflow.get(actor_of(request, principal), number)  # 404 for an unknown number; the read is audited
    return [asdict(a) for a in state.audit.entries(number)]
