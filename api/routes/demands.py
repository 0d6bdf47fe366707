"""§6.1 service process: collect a demand (archive number), record the suggestions shown, dispatch, follow up,
collect feedback, and read the whole timeline. Every read and change is written to the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import audit_out, errors, state_of
from api.schemas import (
    AuditOut,
    DemandAck,
    DemandIn,
    DemandList,
    DemandOut,
    DispatchIn,
    EventIn,
    FeedbackIn,
    IsoDate,
    MatchIn,
    MatchOut,
)
from api.security import actor_of, require
from engine.demand_list import SORTS, DemandQuery
from engine.demand_views import demand_names, demand_out
from engine.enterprise_portal import check_access
from engine.errors import Forbidden, InvalidInput
from engine.keys import Principal
from engine.workflow import CHANNELS, STATUSES

router = APIRouter(prefix="/v1/demands", tags=["demands"])
ERRORS = errors(401, 403, 404, 409, 422, 429)
Number = Annotated[str, Path(min_length=1, max_length=32, description="archive number, e.g. TS-2026-000123")]
Desk = Annotated[Principal, Depends(require("demand"))]  # station staff at the service desk


def _one(state, d) -> dict:
    return demand_out(d, state.workflow.clock, names=demand_names(state.db, [d]))


@router.post("", status_code=201, response_model=DemandAck | DemandOut, responses=ERRORS)
def create(body: DemandIn, request: Request,
           principal: Annotated[Principal, Depends(require("demand.create"))]) -> dict:
    """需求收集: store the demand and issue its archive number (unique and gapless, §7.3.4) and a tracking code
    (查询码, stored hashed, shown only in this answer). It is committed before this answers. Staff get the record
    back; other callers the number and the code. An enterprise key files for its own enterprise; a non-staff
    caller who gives a contact must consent to its handling."""
    state = state_of(request)
    region = state.regions.require(body.region).name if body.region else None
    enterprise_id = body.enterprise_id
    if principal.role == "enterprise":
        check_access(principal, enterprise_id or principal.enterprise_id)
        enterprise_id = principal.enterprise_id
    elif not principal.can("demand") and enterprise_id is not None:
        raise Forbidden("只有工作人员或该企业的密钥可以指定企业编号")
    if not principal.can("demand") and (body.contact_person or body.contact_phone) and body.consent is not True:
        raise InvalidInput("留下联系人或电话须同意服务站为办理本需求处理这些个人信息（consent: true）")
    received = {k: v for k, v in (("enterprise_name", body.enterprise_name), ("consent", body.consent)) if v}
    filed = state.enterprise.portal.file(actor_of(request, principal), body.text, body.channel, enterprise_id,
                                         region, body.contact_person, body.contact_phone, received)
    d = filed.demand
    if principal.can("demand"):
        return {**_one(state, d), "tracking_code": filed.tracking_code}
    return {"number": d.number, "status": d.status, "created_at": state.workflow.clock.local(d.created_at),
            "tracking_code": filed.tracking_code}


def demand_query(
    number: Annotated[str | None, Query(max_length=32, description="档案号 or part of it")] = None,
    enterprise: Annotated[str | None, Query(max_length=100, description="enterprise id, credit code or name")] = None,
    q: Annotated[str | None, Query(max_length=100, description="words in the demand text")] = None,
    region: Annotated[str | None, Query(max_length=60)] = None,
    status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
    channel: Literal[CHANNELS] | None = None,  # type: ignore[valid-type]
    agency: Annotated[str | None, Query(max_length=32, description="dispatched to this agency id")] = None,
    date_from: Annotated[IsoDate | None, Query(description="received on or after this local day")] = None,
    date_to: Annotated[IsoDate | None, Query(description="received on or before this local day")] = None,
    sort: Literal[tuple(SORTS)] = "newest",  # type: ignore[valid-type]
) -> DemandQuery:
    return DemandQuery(number, enterprise, q, region, status, channel, agency, date_from, date_to, sort)


Filters = Annotated[DemandQuery, Depends(demand_query)]


@router.get("", response_model=DemandList, responses=ERRORS)
def list_demands(
    request: Request, principal: Desk, query: Filters,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict:
    """需求台账: search by archive number, enterprise (id, credit code, name), text, region, status, channel,
    agency and local date range; one page, sorted; contacts masked."""
    state = state_of(request)
    rows, total = state.workflow.list(actor_of(request, principal), query, limit, offset)
    names = demand_names(state.db, rows)
    return {"total": total, "offset": offset, "limit": limit,
            "items": [demand_out(d, state.workflow.clock, events=False, masked=True, names=names) for d in rows]}


@router.get("/{number}", response_model=DemandOut, responses=ERRORS)
def get(number: Number, request: Request, principal: Desk) -> dict:
    """流程跟踪: the demand and every step so far, oldest first."""
    state = state_of(request)
    return _one(state, state.workflow.get(actor_of(request, principal), number))


@router.post("/{number}/match", response_model=MatchOut, responses={**ERRORS, **errors(503)})
def match(number: Number, request: Request, principal: Desk, body: MatchIn | None = None) -> dict:
    """Rank providers for the demand and record the list shown to the station staff."""
    state = state_of(request)
    actor = actor_of(request, principal)
    d = state.workflow.get(actor, number)
    region = d.region or (state.records.enterprise_region(d.enterprise_id) if d.enterprise_id else None)
    rec = state.searcher().recommend(d.text, region, (body or MatchIn()).limit)
    d = state.workflow.record_match(actor, number, rec)
    return {"demand": _one(state, d), "recommendation": rec.to_dict()}


@router.post("/{number}/dispatch", response_model=DemandOut, responses=ERRORS)
def dispatch(number: Number, body: DispatchIn, request: Request, principal: Desk) -> dict:
    """派单: the station serves it with an appointment (§6.1.3 a), or an agency does, with the service items,
    time and period (§6.1.3 b). A time without an offset is the station's local time. A demand already
    dispatched is re-dispatched (改派) only with a `reason` (409 without); both steps stay in the timeline."""
    state = state_of(request)
    d = state.workflow.dispatch(actor_of(request, principal), number, body.model_dump())
    return _one(state, d)


@router.post("/{number}/events", response_model=DemandOut, responses=ERRORS)
def add_event(number: Number, body: EventIn, request: Request, principal: Desk) -> dict:
    """跟踪: a follow-up note (§6.1.4), optionally moving the demand to 服务中, 已完成 or 已取消 (the note is the
    reason). Steps the state table does not allow answer 409."""
    state = state_of(request)
    return _one(state, state.workflow.add_event(actor_of(request, principal), number, body.note, body.status))


@router.post("/{number}/feedback", response_model=DemandOut, responses=ERRORS)
def feedback(number: Number, body: FeedbackIn, request: Request, principal: Desk) -> dict:
    """反馈: satisfaction 1-5 and comments (§6.1.5), once per demand: after it is 已完成, or with `status` 已完成
    when the feedback itself closes a dispatched demand."""
    state = state_of(request)
    return _one(state, state.workflow.feedback(actor_of(request, principal), number, body.satisfaction,
                                               body.comment, body.status))


@router.get("/{number}/audit", response_model=list[AuditOut], responses=ERRORS)
def audit(number: Number, request: Request, principal: Desk) -> list[dict]:
    """Who read or changed this demand, newest first."""
    state = state_of(request)
    state.workflow.get(actor_of(request, principal), number)  # 404 for an unknown number; the read is audited
    entries = state.audit.entries(number)
    names = state.keys.names({a.key_id for a in entries})
    return [audit_out(a, state.workflow.clock, names) for a in entries]
