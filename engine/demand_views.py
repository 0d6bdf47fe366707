"""服务需求 as the API shows it: a demand record with its timeline (流程跟踪), times in the station's zone, the
steps its state allows next, enterprise and agency names. Contacts are personal data: masked in lists, in full
on the record's own page for staff."""

from __future__ import annotations

from typing import Any

from engine.demand_list import agency_names, enterprise_names
from engine.localtime import StationClock
from engine.privacy import mask_name, mask_phone
from engine.storage import models as m
from engine.storage.db import Database
from engine.workflow import allowed_steps


def demand_out(d: m.DemandRecord, clock: StationClock, events: bool = True, masked: bool = False,
               names: dict[str, str] | None = None) -> dict[str, Any]:
    """The record (with its timeline unless `events` is false, contacts masked when `masked`); `names` maps
    enterprise and agency ids to their names."""
    names = names or {}
    out = {
        "number": d.number, "channel": d.channel, "enterprise_id": d.enterprise_id,
        "enterprise_name": names.get(d.enterprise_id or ""), "text": d.text,
        "region": d.region, "status": d.status, "dispatched_to": d.dispatched_to,
        "agency_name": names.get(d.dispatched_to or ""), "satisfaction": d.satisfaction,
        "contact_person": mask_name(d.contact_person) if masked else d.contact_person,
        "contact_phone": mask_phone(d.contact_phone) if masked else d.contact_phone,
        "created_at": clock.local(d.created_at), "updated_at": clock.local(d.updated_at),
        "steps": allowed_steps(d.status),
    }
    if events:
        out["events"] = [{"kind": e.kind, "at": clock.local(e.at), "actor": e.actor,
                          "data": clock.event_data(e.data or {})} for e in d.events]
    return out


def demand_names(db: Database, rows: list[m.DemandRecord]) -> dict[str, str]:
    """The names of the enterprises the demands come from and the agencies they went to."""
    with db.session() as s:
        return {**enterprise_names(s, {d.enterprise_id for d in rows}),
                **agency_names(s, {d.dispatched_to for d in rows})}
