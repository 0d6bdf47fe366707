"""§6.1.3 matching: recommend for a demand, search one target with filters and facets, autocomplete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from api.caller_limits import bounded_work
from api.deps import READ_ERRORS, errors, shaped, state_of
from api.schemas import IsoDate, RecommendIn, RecommendOut, SearchOut, SuggestOut
from api.security import require
from engine.keys import Principal
from engine.limits import MAX_PAGE, MAX_TEXT, POOL
from engine.ranking.filters import Filters
from engine.vocabulary import TARGETS

router = APIRouter(prefix="/v1", tags=["matching"])


@router.post("/recommend", response_model=RecommendOut, responses={**READ_ERRORS, **errors(404)},
             dependencies=[Depends(bounded_work)])
def recommend(body: RecommendIn, request: Request,
              principal: Annotated[Principal, Depends(require("recommend"))]) -> dict:
    """Ranked agencies with reasons, plus experts, shared equipment and standards for the same demand."""
    state = state_of(request)
    searcher = state.searcher()
    region = body.region
    if body.enterprise_id:
        on_file = state.records.enterprise_region(body.enterprise_id)  # an unknown id is a 404 even with a region given
        region = region or on_file
    rec = searcher.recommend(body.text, region, body.limit, body.as_of)
    return shaped(principal, rec.to_dict())


@router.get("/search", response_model=SearchOut, responses=READ_ERRORS, dependencies=[Depends(bounded_work)])
def search(
    request: Request,
    principal: Annotated[Principal, Depends(require("search"))],
    q: Annotated[str, Query(min_length=1, max_length=MAX_TEXT, description="what is needed, in plain words")],
    target: Literal[TARGETS] = "agency",  # type: ignore[valid-type]
    region: Annotated[str | None, Query(max_length=60)] = None,
    category: Annotated[str | None, Query(max_length=40,
                                          description="agency capability category / expert domain")] = None,
    service_type: Annotated[str | None, Query(max_length=20,
                                              description="agency service: 检定, 校准, 检测 ...")] = None,
    qualification_type: Annotated[str | None, Query(max_length=40, description="CMA, CNAS ... valid today")] = None,
    kind: Annotated[str | None, Query(max_length=40, description="agency kind or standard kind")] = None,
    status: Annotated[str | None, Query(max_length=20, description="equipment or standard status")] = None,
    shareable: bool | None = None,
    available: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 10,
    offset: Annotated[int, Query(ge=0, le=POOL - 1)] = 0,
    as_of: IsoDate | None = None,
) -> dict:
    """One target, filtered and paged; `facets` count the whole filtered result pool (up to 100 hits)."""
    filters = Filters(category, service_type, qualification_type, kind, status, shareable, available)
    result = state_of(request).searcher().search_page(q, target, region, filters, limit, offset, as_of)
    return shaped(principal, result.to_dict())


@router.get("/suggest", response_model=SuggestOut, responses=READ_ERRORS)
def suggest(
    request: Request,
    principal: Annotated[Principal, Depends(require("suggest"))],
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> dict:
    """Autocomplete: capability objects, everyday words (地磅), agency names and standard codes."""
    items = state_of(request).searcher().suggester.suggest(q, limit)
    return shaped(principal, {"query": q, "suggestions": [s.to_dict() for s in items]})
