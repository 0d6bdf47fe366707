"""Printing and export (§5.2.3 报告打印, §7.3, §7.5.2): the 服务单 of a demand (JSON for the print page, and PDF),
the filtered demand list as Excel, and its masked form for other departments. Staff only; every one audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import errors, state_of
from api.routes.demands import Filters, Number
from api.security import actor_of, require
from engine.errors import ServiceUnavailable
from engine.exports import XLSX, demand_list_xlsx, demand_table
from engine.keys import Principal
from engine.messages import text as msg
from engine.service_sheet import service_sheet as service_sheet_of
from engine.service_sheet import sheet_pdf

router = APIRouter(tags=["exports"])
ERRORS = errors(401, 403, 404, 422, 429)
Desk = Annotated[Principal, Depends(require("demand"))]  # station staff at the service desk
PDF = "application/pdf"


def _sheet(request: Request, principal: Principal, number: str, action: str) -> dict:
    state = state_of(request)
    data = service_sheet_of(state.db, number, state.workflow.clock)
    state.audit.record(actor_of(request, principal), action, number)
    return data


@router.get("/v1/demands/{number}/service-sheet", responses=ERRORS)
def service_sheet(number: Number, request: Request, principal: Desk) -> dict:
    """服务单 of one demand: what the print page shows (times already in the station's zone and format)."""
    return _sheet(request, principal, number, "demand.print")


@router.get("/v1/demands/{number}/service-sheet.pdf", response_class=Response,
            responses={**ERRORS, **errors(503), 200: {"content": {PDF: {}}}})
def service_sheet_pdf(number: Number, request: Request, principal: Desk) -> Response:
    """服务单 as a PDF with an embedded CJK font."""
    font = state_of(request).settings.cjk_font
    if not font.is_file():
        raise ServiceUnavailable(msg("print.no_font"))
    body = sheet_pdf(_sheet(request, principal, number, "demand.print_pdf"), font)
    return Response(body, media_type=PDF, headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


def _export(request: Request, principal: Principal, query, masked: bool) -> Response:
    state = state_of(request)
    table = demand_table(state.db, query, state.workflow.clock, masked)
    action = "demand.export_masked" if masked else "demand.export"
    state.audit.record(actor_of(request, principal), action, query.describe()[:80])
    name = "demands-masked.xlsx" if masked else "demands.xlsx"
    return Response(demand_list_xlsx(table, query.describe(), masked), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


XLSX_ANSWER = {**ERRORS, 200: {"content": {XLSX: {}}}}


@router.get("/v1/exports/demands.xlsx", response_class=Response, responses=XLSX_ANSWER)
def export_demands(request: Request, principal: Desk, query: Filters,
                   masked: Annotated[bool, Query(description="mask contacts (§7.5.2)")] = False) -> Response:
    """需求台账 as Excel: every demand the list's filters keep, in the list's order."""
    return _export(request, principal, query, masked)


@router.get("/v1/exports/demands-masked.xlsx", response_class=Response, responses=XLSX_ANSWER)
def export_demands_masked(request: Request, principal: Desk, query: Filters) -> Response:
    """The same list for sharing with other departments (§7.5.2 数据脱敏): contact names and phones masked, ids
    kept, and a sheet saying what was masked."""
    return _export(request, principal, query, True)
