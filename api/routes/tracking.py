"""流程跟踪 for the public (§5.2.3): a demand's status and steps, given its number and the tracking code handed
out when it was filed. A wrong number or code is the same 404; failed attempts are limited per address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import errors, state_of
from api.enterprise_schemas import TrackOut
from api.security import client_address

router = APIRouter(prefix="/v1", tags=["tracking"])


@router.get("/track/{number}", response_model=TrackOut, responses=errors(404, 422, 429))
def track(number: Annotated[str, Path(min_length=1, max_length=32, description="archive number")],
          code: Annotated[str, Query(min_length=1, max_length=40, description="the tracking code (查询码)")],
          request: Request) -> dict:
    """Status and steps (received, matched, dispatched to whom, appointment, completed): no names, phones,
    staff notes or keys. Needs no API key."""
    return state_of(request).enterprise.tracker.track(number, code, f"ip:{client_address(request)}")
