"""服务需求 as shown: a demand record with its timeline (流程跟踪). Contacts are personal data: masked in lists,
in full on the record's own page for staff. The API answers with these views (they are its response schemas)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from engine.clock import as_utc
from engine.privacy import mask_name, mask_phone
from engine.storage import models as m


@dataclass(frozen=True)
class EventView:
    """One step of the timeline: received, matched, dispatched, follow_up, feedback."""

    kind: str
    at: datetime
    actor: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class DemandView:
    STAFF_FIELDS: ClassVar[tuple[str, ...]] = ("contact_person", "contact_phone")

    number: str
    channel: str
    enterprise_id: str | None
    text: str
    region: str | None
    contact_person: str | None
    contact_phone: str | None
    status: str
    dispatched_to: str | None
    satisfaction: int | None
    created_at: datetime
    updated_at: datetime
    events: list[EventView] | None = None  # None in lists


@dataclass(frozen=True)
class DemandReceipt:
    """What a public caller gets back for a filed demand: the number to quote."""

    number: str
    status: str
    created_at: datetime


def demand_view(d: m.DemandRecord, events: bool = True, masked: bool = False) -> DemandView:
    """The record, with its timeline unless `events` is false, contacts masked when `masked`."""
    return DemandView(
        d.number, d.channel, d.enterprise_id, d.text, d.region,
        mask_name(d.contact_person) if masked else d.contact_person,
        mask_phone(d.contact_phone) if masked else d.contact_phone,
        d.status, d.dispatched_to, d.satisfaction, as_utc(d.created_at), as_utc(d.updated_at),
        [EventView(e.kind, as_utc(e.at), e.actor, e.data or {}) for e in d.events] if events else None,
    )


def demand_receipt(d: m.DemandRecord) -> DemandReceipt:
    return DemandReceipt(d.number, d.status, as_utc(d.created_at))
