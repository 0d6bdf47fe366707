"""The station's proactive list (§6.1.2 定期巡访, §6.2.2.5 b): which enterprises to call or visit — mandatory
verifications overdue or due within N days, certificates lapsing, standards outdated — by region; and
"同行业企业常办事项": what enterprises of the same industry and size most often came to the station for."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine.errors import NotFound
from engine.ledger.catalogue import Catalogue
from engine.ledger.classify import classify
from engine.ledger.service import ledger_row
from engine.storage import models as m
from engine.storage.db import Database
from engine.storage.enterprise_tables import EnterpriseCertificate, EnterpriseStandard, Instrument
from engine.watch import Watch

PEER_MIN_RECORDS = 5


@dataclass(frozen=True)
class Reminder:
    """One thing to tell an enterprise: what, how urgent, and the date it turns on."""

    kind: str  # verification | certificate | standard
    urgency: str  # overdue | due | expiring | outdated
    text: str
    due: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "urgency": self.urgency, "text": self.text, "due": self.due}


class Proactive:
    def __init__(self, db: Database, catalogue: Catalogue) -> None:
        self.db = db
        self.catalogue = catalogue
        self.watch = Watch(db)

    def reminders(self, enterprise_id: str, as_of: date, days: int = 30) -> list[Reminder]:
        """Mandatory verifications overdue or due within `days`, certificates expired or lapsing within 90
        days, standards withdrawn, replaced or about to be replaced."""
        with self.db.session() as s:
            items = s.scalars(select(Instrument).where(Instrument.enterprise_id == enterprise_id)
                              .order_by(Instrument.row)).all()
            rows = [ledger_row(i) for i in items]
        out = []
        horizon = as_of + timedelta(days=days)
        for c in (classify(r, self.catalogue, as_of) for r in rows):
            if not c.mandatory:
                continue
            if c.next_due is None or c.next_due < as_of:
                out.append(Reminder("verification", "overdue", f"{c.name}（第{c.row}行）强制检定已超期", c.next_due))
            elif c.next_due <= horizon:
                out.append(Reminder("verification", "due", f"{c.name}（第{c.row}行）须于 {c.next_due} 前检定",
                                    c.next_due))
        for cert in self.watch.certificates(enterprise_id, as_of):
            if cert["state"] in ("expired", "expiring"):
                out.append(Reminder("certificate", "expiring" if cert["state"] == "expiring" else "overdue",
                                    f"{cert['scheme']} 证书{cert['note']}", cert["expiry"]))
        for st in self.watch.standards(enterprise_id, as_of):
            if st["state"] in ("withdrawn", "replaced", "superseded_soon"):
                out.append(Reminder("standard", "outdated", f"{st['code']} {st['note']}", st["replacement_effective"]))
        return out

    def station_list(self, as_of: date, days: int = 30, region: str | None = None) -> list[dict[str, Any]]:
        """Every enterprise with something to remind, most urgent first (overdue count, then the earliest date)."""
        with self.db.session() as s:
            ids = set(s.scalars(select(Instrument.enterprise_id).distinct()))
            ids |= set(s.scalars(select(EnterpriseCertificate.enterprise_id).distinct()))
            ids |= set(s.scalars(select(EnterpriseStandard.enterprise_id).distinct()))
            q = select(m.Enterprise).where(m.Enterprise.id.in_(ids))
            if region:
                q = q.where(m.Enterprise.region == region)
            enterprises = list(s.scalars(q.order_by(m.Enterprise.id)))
        out = []
        for e in enterprises:
            found = self.reminders(e.id, as_of, days)
            if not found:
                continue
            dates = [r.due for r in found if r.due is not None]
            out.append({"enterprise_id": e.id, "name": e.name, "region": e.region, "industry": e.industry,
                        "overdue": sum(r.urgency == "overdue" for r in found),
                        "due": sum(r.kind == "verification" and r.urgency == "due" for r in found),
                        "certificates": sum(r.kind == "certificate" for r in found),
                        "standards": sum(r.kind == "standard" for r in found),
                        "earliest": min(dates) if dates else None,
                        "reminders": [r.to_dict() for r in found]})
        out.sort(key=lambda x: (-x["overdue"], x["earliest"] or date.max, x["enterprise_id"]))
        return out

    def peer_services(self, enterprise_id: str, limit: int = 8) -> dict[str, Any]:
        """同行业企业常办事项: the services the station's history shows for enterprises of the same industry and
        size (same industry only when that history is thin), with counts. A record counts under the capability of
        the agency that served it which shares the most words with the demand."""
        with self.db.session() as s:
            e = s.get(m.Enterprise, enterprise_id)
            if e is None:
                raise NotFound(f"没有企业 {enterprise_id}")
            basis = "同行业、同规模"
            peers = set(s.scalars(select(m.Enterprise.id).where(
                m.Enterprise.industry == e.industry, m.Enterprise.size == e.size, m.Enterprise.id != e.id)))
            records = self._records(s, peers)
            if len(records) < PEER_MIN_RECORDS:
                basis = "同行业"
                peers = set(s.scalars(select(m.Enterprise.id).where(m.Enterprise.industry == e.industry,
                                                                    m.Enterprise.id != e.id)))
                records = self._records(s, peers)
            agencies = {a.id: a for a in s.scalars(select(m.Agency).where(
                m.Agency.id.in_({r.agency_id for r in records if r.agency_id}))
                .options(selectinload(m.Agency.capabilities)))}
            counts: Counter[tuple[str, str, str]] = Counter()
            for r in records:
                a = agencies.get(r.agency_id or "")
                if a is None or not a.capabilities:
                    continue
                cap = max(a.capabilities, key=lambda c: (_overlap(r.demand, c.object + (c.scope or "")),
                                                         -c.position))
                counts[(cap.category, cap.service, cap.object)] += 1
        return {"enterprise_id": e.id, "industry": e.industry, "size": e.size, "basis": basis,
                "peers": len(peers), "records": len(records),
                "items": [{"category": c, "service": sv, "object": o, "count": n}
                          for (c, sv, o), n in counts.most_common(limit)]}

    @staticmethod
    def _records(s, peers: set[str]) -> list[m.ServiceRecord]:
        if not peers:
            return []
        return list(s.scalars(select(m.ServiceRecord).where(m.ServiceRecord.enterprise_id.in_(peers),
                                                           m.ServiceRecord.status != "已取消")))


def _overlap(a: str, b: str) -> int:
    grams = {a[i:i + 2] for i in range(len(a) - 1)}
    return sum(1 for i in range(len(b) - 1) if b[i:i + 2] in grams)
