"""The ledger kept in the database: replace it from a file, edit one row, read it annotated as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotFound
from engine.ledger.agencies import Group, group_due, load_agencies
from engine.ledger.agencies import can_take as agency_can_take
from engine.ledger.catalogue import Catalogue
from engine.ledger.classify import Classification, classify
from engine.ledger.columns import FIELDS, LedgerRow, row_from_fields
from engine.ledger.regulations import RegulationFinder
from engine.regions import RegionIndex
from engine.storage import models as m
from engine.storage.db import Database
from engine.storage.enterprise_tables import Instrument

STORED = ("name", "model", "measuring_range", "accuracy", "serial", "location", "use", "cycle_months", "last_date",
          "certificate_no")


@dataclass(frozen=True)
class AnnotatedLedger:
    """The ledger as of a date: every row with its classification and takers, and the batches to book."""

    enterprise_id: str
    as_of: date
    rows: list[LedgerRow]
    classes: list[Classification]
    agencies: dict[int, list[tuple[str, str]]]  # row -> [(agency id, name)]
    groups: list[Group]

    def instruments(self) -> list[dict[str, Any]]:
        out = []
        for row, c in zip(self.rows, self.classes, strict=True):
            out.append({
                "row": c.row, "name": c.name, "mandatory": c.mandatory, "service": c.service,
                "regulation": c.regulation, "cycle_months": c.cycle_months, "next_due": c.next_due,
                "status": c.status, "reasons": list(c.reasons),
                "agencies": [{"id": i, "name": n} for i, n in self.agencies.get(c.row, [])],
                "type": c.type.name if c.type else None, "uses": list(c.uses),
                "fields": {"model": row.model, "measuring_range": row.measuring_range, "accuracy": row.accuracy,
                           "serial": row.serial, "location": row.location, "use": row.use,
                           "cycle_months": row.cycle_months, "last_date": row.last_date,
                           "certificate_no": row.certificate_no, "extra": row.extra},
            })
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"enterprise_id": self.enterprise_id, "as_of": self.as_of, "instruments": self.instruments(),
                "groups": [g.to_dict() for g in self.groups]}


def ledger_row(i: Instrument) -> LedgerRow:
    return LedgerRow(row=i.row, extra=dict(i.extra or {}), **{k: getattr(i, k) for k in STORED})


class Ledgers:
    def __init__(self, db: Database, catalogue: Catalogue, regions: RegionIndex) -> None:
        self.db = db
        self.catalogue = catalogue
        self.regions = regions

    @staticmethod
    def _enterprise(s: Session, enterprise_id: str) -> m.Enterprise:
        e = s.get(m.Enterprise, enterprise_id)
        if e is None:
            raise NotFound(f"没有企业 {enterprise_id}")
        return e

    def replace(self, enterprise_id: str, rows: list[LedgerRow]) -> None:
        """The uploaded file becomes the ledger (one transaction: the old one stays if anything fails)."""
        with self.db.session() as s:
            self._enterprise(s, enterprise_id)
            s.execute(delete(Instrument).where(Instrument.enterprise_id == enterprise_id))
            for r in rows:
                s.add(Instrument(enterprise_id=enterprise_id, row=r.row, extra=r.extra,
                                 **{k: getattr(r, k) for k in STORED}))

    def save_row(self, enterprise_id: str, values: dict[str, Any], row: int | None = None) -> LedgerRow:
        """Add a row (row None: after the last one) or change one, as edited in the page."""
        unknown = set(values) - set(FIELDS) - {"cycle_months", "extra"}
        if unknown:
            raise InvalidInput(f"未知字段：{', '.join(sorted(unknown))}")
        with self.db.session() as s:
            self._enterprise(s, enterprise_id)
            if row is None:
                last = s.scalar(select(func.max(Instrument.row)).where(Instrument.enterprise_id == enterprise_id))
                row = (last or 1) + 1
                target = Instrument(enterprise_id=enterprise_id, row=row)
                s.add(target)
            else:
                target = self._get(s, enterprise_id, row)
            try:
                parsed = row_from_fields(row, values, values.get("extra") or (target.extra or {}))
            except ValueError as exc:
                raise InvalidInput(f"第 {row} 行：{exc}") from None
            for k in STORED:
                setattr(target, k, getattr(parsed, k))
            target.extra = parsed.extra
        return parsed

    def delete_row(self, enterprise_id: str, row: int) -> None:
        with self.db.session() as s:
            self._enterprise(s, enterprise_id)
            s.delete(self._get(s, enterprise_id, row))

    @staticmethod
    def _get(s: Session, enterprise_id: str, row: int) -> Instrument:
        target = s.scalars(select(Instrument).where(Instrument.enterprise_id == enterprise_id,
                                                    Instrument.row == row)).one_or_none()
        if target is None:
            raise NotFound(f"台账中没有第 {row} 行")
        return target

    def rows(self, enterprise_id: str) -> list[LedgerRow]:
        with self.db.session() as s:
            self._enterprise(s, enterprise_id)
            items = s.scalars(select(Instrument).where(Instrument.enterprise_id == enterprise_id)
                              .order_by(Instrument.row)).all()
            return [ledger_row(i) for i in items]

    def annotate(self, enterprise_id: str, as_of: date, rows: list[LedgerRow] | None = None) -> AnnotatedLedger:
        with self.db.session() as s:
            enterprise = self._enterprise(s, enterprise_id)
            agencies = load_agencies(s)
            regulations = RegulationFinder.from_db(s)
        rows = self.rows(enterprise_id) if rows is None else rows
        region = self.regions.resolve(enterprise.region) if enterprise.region else None
        classes = [classify(r, self.catalogue, as_of, regulations.find) for r in rows]
        takers = {c.row: [a for a in agencies if agency_can_take(a, c, region, self.regions, as_of)]
                  for c in classes}
        groups = group_due(classes, takers, enterprise.region)
        return AnnotatedLedger(enterprise_id, as_of, rows, classes,
                               {row: [(a.id, a.name) for a in found] for row, found in takers.items()}, groups)
