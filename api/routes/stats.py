"""§8 评价与改进: the station's indicators (`GET /v1/stats`) and each table behind the dashboard's charts as an
Excel file (`GET /v1/stats/{table}.xlsx`). Staff only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import errors, state_of
from api.schemas import IsoDate, StatsOut
from api.security import require
from engine.exports import STATS_TABLES, XLSX, stats_table_xlsx
from engine.keys import Principal
from engine.stats import StatsQuery, stats_of
from engine.workflow import CHANNELS

router = APIRouter(prefix="/v1/stats", tags=["stats"])
ERRORS = errors(401, 403, 422, 429)
Desk = Annotated[Principal, Depends(require("demand"))]  # station staff at the service desk


def stats_query(
    date_from: Annotated[IsoDate | None, Query(alias="from", description="first local day, e.g. 2026-01-01")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="last local day, inclusive")] = None,
    region: Annotated[str | None, Query(max_length=60, description="district or county, e.g. 乐亭县")] = None,
    category: Annotated[str | None, Query(max_length=40, description="service category, e.g. 计量")] = None,
    channel: Literal[CHANNELS] | None = None,  # type: ignore[valid-type]
) -> StatsQuery:
    return StatsQuery(date_from, date_to, region, category, channel)


Filters = Annotated[StatsQuery, Depends(stats_query)]


def _stats(request: Request, query: StatsQuery) -> dict:
    state = state_of(request)
    return stats_of(state.db, state.workflow.clock, query)


@router.get("", response_model=StatsOut, responses=ERRORS)
def stats(request: Request, principal: Desk, query: Filters) -> dict:
    """The §8 indicators for a period, region, category and channel, over the historical service records and
    the demands received since: received, matched, dispatched, completed, cancelled; enterprises served;
    satisfaction; response time; by month, category, region, channel, agency and staff member."""
    return _stats(request, query)


@router.get("/{table}.xlsx", response_class=Response, responses={**ERRORS, 200: {"content": {XLSX: {}}}})
def stats_xlsx(table: Literal[tuple(STATS_TABLES)], request: Request, principal: Desk,  # type: ignore[valid-type]
               query: Filters) -> Response:
    """The numbers behind one chart as an Excel file."""
    body = stats_table_xlsx(table, _stats(request, query))
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="stats-{table}.xlsx"'})
