"""The enterprise's side of the station: filing a demand online with a tracking code, who may touch an
enterprise's records, and booking a batch of instruments with one agency as one demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from engine.audit import Actor
from engine.config import Settings
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.keys import Principal
from engine.ledger.catalogue import Catalogue
from engine.ledger.service import Ledgers
from engine.limits import MAX_TEXT
from engine.proactive import Proactive
from engine.regions import RegionIndex
from engine.storage import models as m
from engine.storage.db import Database
from engine.tracking import AttemptLimiter, Tracker, attach_code, new_code, public_steps
from engine.watch import Watch
from engine.workflow import Workflow

ONLINE = "线上平台"


def check_access(principal: Principal, enterprise_id: str) -> None:
    """Staff may read and change any enterprise's records; an enterprise key only its own; nobody else any."""
    if principal.can("demand"):
        return
    if principal.role == "enterprise" and principal.enterprise_id == enterprise_id:
        return
    raise Forbidden("只能查看和修改本企业的记录" if principal.role == "enterprise" else "需要企业密钥或工作人员密钥")


@dataclass(frozen=True)
class Filed:
    demand: m.DemandRecord
    tracking_code: str


class EnterprisePortal:
    def __init__(self, db: Database, workflow: Workflow, ledgers: Ledgers) -> None:
        self.db = db
        self.workflow = workflow
        self.ledgers = ledgers

    def file(self, actor: Actor, text: str, channel: str, enterprise_id: str | None, region: str | None,
             contact_person: str | None, contact_phone: str | None, received: dict[str, Any] | None = None) -> Filed:
        """Store the demand and the hash of a fresh tracking code in one transaction; the code is returned
        here and never again."""
        code = new_code()
        demand = self.workflow.create(actor, text, channel, enterprise_id, region, contact_person, contact_phone,
                                      received=received, attach=attach_code(code))
        return Filed(demand, code)

    def profile(self, enterprise_id: str) -> dict[str, Any]:
        """What the enterprise's own page shows about it (no contact: the page is the enterprise's)."""
        with self.db.session() as s:
            e = s.get(m.Enterprise, enterprise_id)
            if e is None:
                raise NotFound(f"没有企业 {enterprise_id}")
            return {"id": e.id, "name": e.name, "industry": e.industry, "region": e.region, "size": e.size}

    def demands(self, enterprise_id: str, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """The enterprise's demands, newest first, each with its public timeline (no notes, no staff keys)."""
        with self.db.session() as s:
            if s.get(m.Enterprise, enterprise_id) is None:
                raise NotFound(f"没有企业 {enterprise_id}")
            q = select(m.DemandRecord).where(m.DemandRecord.enterprise_id == enterprise_id)
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(m.DemandRecord.id.desc()).limit(limit)).all()
            clock = self.workflow.clock
            return [{"number": d.number, "text": d.text, "channel": d.channel, "status": d.status,
                     "created_at": clock.local(d.created_at), "updated_at": clock.local(d.updated_at),
                     "steps": [st.to_dict() for st in public_steps(d, clock)]} for d in rows], int(total)

    def book(self, actor: Actor, enterprise_id: str, agency_id: str, rows: list[int], as_of: date) -> Filed:
        """One demand for a batch of instruments to one agency that can take every one of them (§6.1.2)."""
        if not rows:
            raise InvalidInput("请至少选择一台器具")
        if len(set(rows)) != len(rows):
            raise InvalidInput("器具行号重复")
        ledger = self.ledgers.annotate(enterprise_id, as_of)
        by_row = {c.row: (r, c) for r, c in zip(ledger.rows, ledger.classes, strict=True)}
        missing = [r for r in rows if r not in by_row]
        if missing:
            raise NotFound(f"台账中没有第 {'、'.join(map(str, missing))} 行")
        refused = [r for r in rows if agency_id not in {i for i, _ in ledger.agencies.get(r, [])}]
        if refused:
            raise Conflict(f"{agency_id} 不能承担第 {'、'.join(map(str, refused))} 行器具（资质、服务区域或项目不符）")
        agency_name = next(n for i, n in ledger.agencies[rows[0]] if i == agency_id)
        lines = []
        for r in sorted(rows):
            row, c = by_row[r]
            due = f"{c.next_due} 到期" if c.next_due else "无上次记录"
            serial = f"，出厂编号 {row.serial}" if row.serial else ""
            lines.append(f"{row.name}（第{r}行{serial}，{c.service}，{due}）")
        text = f"计量器具送{'检' if any(by_row[r][1].mandatory for r in rows) else '校'}预约：{len(rows)} 台，" \
               f"拟送{agency_name}。" + "；".join(lines)
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT - 1] + "…"
        with self.db.session() as s:
            region = s.get(m.Enterprise, enterprise_id).region
        return self.file(actor, text, ONLINE, enterprise_id, region, None, None,
                         received={"booking": {"agency_id": agency_id, "agency_name": agency_name,
                                               "rows": sorted(rows), "as_of": as_of.isoformat()}})


@dataclass(frozen=True)
class EnterpriseServices:
    """What the API needs for the enterprise's side, built once per worker."""

    portal: EnterprisePortal
    ledgers: Ledgers
    watch: Watch
    proactive: Proactive
    tracker: Tracker

    @classmethod
    def build(cls, settings: Settings, db: Database, workflow: Workflow, regions: RegionIndex) -> EnterpriseServices:
        catalogue = Catalogue.load(settings.lexicon_dir.parent / "knowledge", settings.lexicon_dir)
        ledgers = Ledgers(db, catalogue, regions)
        return cls(EnterprisePortal(db, workflow, ledgers), ledgers, Watch(db), Proactive(db, catalogue),
                   Tracker(db, workflow.clock, AttemptLimiter(settings.track_failures_per_minute)))
