"""The enterprise's records (§6.2.1.1 c, §6.2.1.2 a): its demands, instrument ledger, certificates and standards,
reminders and what its peers most often need. Staff may use every route for any enterprise; an `enterprise` key
only for its own (403 otherwise)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from api.deps import errors, state_of
from api.enterprise_schemas import (
    BookingIn,
    CertificatesIn,
    EnterpriseDemands,
    FiledOut,
    LedgerOut,
    LedgerRowIn,
    LedgerRowIO,
    LedgerRows,
    MyOut,
    PeerServicesOut,
    ReminderOut,
    StandardsIn,
    WatchOut,
)
from api.schemas import IsoDate
from api.security import actor_of, principal_of
from engine.enterprise_portal import check_access
from engine.errors import Forbidden, PayloadTooLarge
from engine.keys import Principal
from engine.ledger.columns import parse_ledger
from engine.ledger.export import ledger_xlsx
from engine.watch import CertificateIn, StandardIn, certificate_in

router = APIRouter(prefix="/v1", tags=["enterprise"])
ERRORS = errors(401, 403, 404, 409, 413, 422, 429)
EnterpriseId = Annotated[str, Path(min_length=1, max_length=32, description="e.g. EN0001")]
AsOf = Annotated[IsoDate | None, Query(description="as of this date (default today)")]
MAX_LEDGER_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def owner(enterprise_id: EnterpriseId, request: Request) -> Principal:
    """The caller, if it may touch this enterprise's records."""
    principal = principal_of(request)
    check_access(principal, enterprise_id)
    return principal


Owner = Annotated[Principal, Depends(owner)]


def _today(request: Request, as_of: date | None) -> date:
    return as_of or state_of(request).settings.today()


@router.get("/my", response_model=MyOut, responses=ERRORS)
def my(request: Request) -> dict:
    """The enterprise an `enterprise` key is bound to (what the page /my shows first)."""
    principal = principal_of(request)
    if principal.role != "enterprise" or principal.enterprise_id is None:
        raise Forbidden("需要企业密钥")
    return state_of(request).enterprise.portal.profile(principal.enterprise_id)


@router.get("/enterprises/{enterprise_id}/demands", response_model=EnterpriseDemands, responses=ERRORS)
def demands(enterprise_id: EnterpriseId, request: Request, principal: Owner,
            limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """The enterprise's demands and their public timelines (no staff notes, no contacts)."""
    items, total = state_of(request).enterprise.portal.demands(enterprise_id, limit)
    return {"total": total, "items": items}


# ---- the instrument ledger ------------------------------------------------------------------------------------
@router.post("/enterprises/{enterprise_id}/instruments", response_model=LedgerOut, status_code=201, responses=ERRORS)
def upload_ledger(
    enterprise_id: EnterpriseId, request: Request, principal: Owner,
    file: Annotated[UploadFile, File(description="the ledger as .xlsx or .csv (器具名称, 型号规格, 测量范围, "
                                                 "准确度等级, 出厂编号, 使用地点, 用途, 检定/校准周期, "
                                                 "上次检定/校准日期, 证书编号 ...)")],
    as_of: Annotated[IsoDate | None, Form(description="annotate as of this date (default today)")] = None,
) -> dict:
    """The file replaces the ledger. Any bad row and nothing is stored (422 lists every bad row)."""
    content = file.file.read(MAX_LEDGER_BYTES + 1)
    if len(content) > MAX_LEDGER_BYTES:
        raise PayloadTooLarge(f"台账文件超过 {MAX_LEDGER_BYTES // (1024 * 1024)} MB")
    rows = parse_ledger(file.filename or "ledger.xlsx", content)
    ledgers = state_of(request).enterprise.ledgers
    ledgers.replace(enterprise_id, rows)
    state_of(request).audit.record(actor_of(request, principal), "ledger.upload", enterprise_id)
    return ledgers.annotate(enterprise_id, _today(request, as_of)).to_dict()


@router.get("/enterprises/{enterprise_id}/instruments", response_model=LedgerOut, responses=ERRORS)
def ledger(enterprise_id: EnterpriseId, request: Request, principal: Owner, as_of: AsOf = None) -> dict:
    """The stored ledger, each instrument classified with reasons, and the batches to book, as of a date."""
    return state_of(request).enterprise.ledgers.annotate(enterprise_id, _today(request, as_of)).to_dict()


@router.get("/enterprises/{enterprise_id}/instruments.xlsx", response_class=Response,
            responses={**ERRORS, 200: {"content": {XLSX: {}}, "description": "the annotated ledger (.xlsx)"}})
def ledger_export(enterprise_id: EnterpriseId, request: Request, principal: Owner, as_of: AsOf = None) -> Response:
    """The annotated ledger as Excel: the enterprise's columns plus mandatory, service, regulation, cycle, due."""
    annotated = state_of(request).enterprise.ledgers.annotate(enterprise_id, _today(request, as_of))
    name = f"{enterprise_id}-ledger-{annotated.as_of}.xlsx"
    return Response(ledger_xlsx(annotated), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/enterprises/{enterprise_id}/instruments/rows", response_model=LedgerRows, responses=ERRORS)
def ledger_rows(enterprise_id: EnterpriseId, request: Request, principal: Owner) -> dict:
    """The ledger rows as the enterprise wrote them, for editing."""
    return {"items": [vars(r) for r in state_of(request).enterprise.ledgers.rows(enterprise_id)]}


@router.post("/enterprises/{enterprise_id}/instruments/rows", response_model=LedgerRowIO, status_code=201,
             responses=ERRORS)
def add_row(enterprise_id: EnterpriseId, body: LedgerRowIn, request: Request, principal: Owner) -> dict:
    """Add one instrument after the last row."""
    values = body.model_dump(exclude={"row"})
    return vars(state_of(request).enterprise.ledgers.save_row(enterprise_id, values))


@router.put("/enterprises/{enterprise_id}/instruments/rows/{row}", response_model=LedgerRowIO, responses=ERRORS)
def edit_row(enterprise_id: EnterpriseId, row: Annotated[int, Path(ge=1, le=1_000_000)], body: LedgerRowIn,
             request: Request, principal: Owner) -> dict:
    """Change one instrument."""
    values = body.model_dump(exclude={"row"})
    return vars(state_of(request).enterprise.ledgers.save_row(enterprise_id, values, row))


@router.delete("/enterprises/{enterprise_id}/instruments/rows/{row}", status_code=204, responses=ERRORS)
def delete_row(enterprise_id: EnterpriseId, row: Annotated[int, Path(ge=1, le=1_000_000)], request: Request,
               principal: Owner) -> Response:
    """Remove one instrument from the ledger."""
    state_of(request).enterprise.ledgers.delete_row(enterprise_id, row)
    return Response(status_code=204)


@router.post("/enterprises/{enterprise_id}/bookings", response_model=FiledOut, status_code=201, responses=ERRORS)
def book(enterprise_id: EnterpriseId, body: BookingIn, request: Request, principal: Owner) -> dict:
    """One click: file one demand for a batch of due instruments with the agency that can take them all. The
    answer carries the archive number and the tracking code."""
    filed = state_of(request).enterprise.portal.book(actor_of(request, principal), enterprise_id, body.agency_id,
                                                     body.rows, _today(request, body.as_of))
    d = filed.demand
    return {"number": d.number, "status": d.status, "created_at": state_of(request).workflow.clock.local(d.created_at),
            "tracking_code": filed.tracking_code}


# ---- certificates and standards -------------------------------------------------------------------------------
@router.put("/enterprises/{enterprise_id}/certificates", status_code=204, responses=ERRORS)
def set_certificates(enterprise_id: EnterpriseId, body: CertificatesIn, request: Request,
                     principal: Owner) -> Response:
    """Replace the list of the enterprise's certificates."""
    items: list[CertificateIn] = [certificate_in(c.model_dump(), i) for i, c in enumerate(body.items, 1)]
    state_of(request).enterprise.watch.set_certificates(enterprise_id, items)
    return Response(status_code=204)


@router.put("/enterprises/{enterprise_id}/standards", status_code=204, responses=ERRORS)
def set_standards(enterprise_id: EnterpriseId, body: StandardsIn, request: Request, principal: Owner) -> Response:
    """Replace the list of standards the enterprise produces to."""
    state_of(request).enterprise.watch.set_standards(
        enterprise_id, [StandardIn(s.code, s.product) for s in body.items])
    return Response(status_code=204)


@router.get("/enterprises/{enterprise_id}/watch", response_model=WatchOut, responses=ERRORS)
def watch(enterprise_id: EnterpriseId, request: Request, principal: Owner, as_of: AsOf = None) -> dict:
    """Certificates expiring within 90 days (with the bodies that can renew them) and standards withdrawn,
    replaced or about to be replaced (with the replacement and its effective date)."""
    day = _today(request, as_of)
    w = state_of(request).enterprise.watch
    return {"as_of": day, "certificates": w.certificates(enterprise_id, day),
            "standards": w.standards(enterprise_id, day)}


@router.get("/enterprises/{enterprise_id}/reminders", response_model=list[ReminderOut], responses=ERRORS)
def reminders(enterprise_id: EnterpriseId, request: Request, principal: Owner, as_of: AsOf = None,
              days: Annotated[int, Query(ge=1, le=365)] = 30) -> list[dict]:
    """Mandatory verifications overdue or due within `days`, lapsing certificates, outdated standards."""
    found = state_of(request).enterprise.proactive.reminders(enterprise_id, _today(request, as_of), days)
    return [r.to_dict() for r in found]


@router.get("/enterprises/{enterprise_id}/peer-services", response_model=PeerServicesOut, responses=ERRORS)
def peer_services(enterprise_id: EnterpriseId, request: Request, principal: Owner,
                  limit: Annotated[int, Query(ge=1, le=30)] = 8) -> dict:
    """同行业企业常办事项: what enterprises of the same industry and size most often needed, with counts."""
    return state_of(request).enterprise.proactive.peer_services(enterprise_id, limit)
