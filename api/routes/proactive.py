"""The station's proactive list (§6.1.2 定期巡访), for staff: enterprises to call or visit, by region, and its
Excel export."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import errors, state_of
from api.enterprise_schemas import ProactiveOut
from api.schemas import IsoDate
from api.security import actor_of, require
from engine.errors import InvalidInput
from engine.keys import Principal
from engine.ledger.export import proactive_xlsx

router = APIRouter(prefix="/v1", tags=["staff"])
Staff = Annotated[Principal, Depends(require("demand"))]
Days = Annotated[int, Query(ge=1, le=365, description="mandatory verifications due within this many days")]
AsOf = Annotated[IsoDate | None, Query(description="as of this date (default today)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Region = Annotated[str | None, Query(max_length=60, description="a district or county, e.g. 丰南区")]


def _list(request: Request, principal: Principal, days: int, as_of: date | None, region: str | None):
    state = state_of(request)
    if region:
        where = state.regions.resolve(region)
        if where is None:
            raise InvalidInput(f"未知区县：{region}")
        region = where.name
    day = as_of or state.settings.today()
    state.audit.record(actor_of(request, principal), "proactive.list", region or "*")
    return day, region, state.enterprise.proactive.station_list(day, days, region)


@router.get("/proactive", response_model=ProactiveOut, responses=errors(401, 403, 422, 429))
def proactive(request: Request, principal: Staff, days: Days = 30, as_of: AsOf = None,
              region: Region = None) -> dict:
    """Enterprises with mandatory verifications overdue or due within `days`, certificates lapsing within 90 days
    and outdated standards, most urgent first."""
    day, region, items = _list(request, principal, days, as_of, region)
    return {"as_of": day, "days": days, "region": region, "items": items}


@router.get("/proactive.xlsx", response_class=Response, responses={
    **errors(401, 403, 422, 429), 200: {"content": {XLSX: {}}, "description": "the list (.xlsx)"}})
def proactive_export(request: Request, principal: Staff, days: Days = 30, as_of: AsOf = None,
                     region: Region = None) -> Response:
    """The same list as Excel, to plan visits and calls."""
    day, region, items = _list(request, principal, days, as_of, region)
    return Response(proactive_xlsx(items), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="proactive-{day}.xlsx"'})
