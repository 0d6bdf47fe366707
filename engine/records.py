"""Records on demand: the agencies the rules read, fetched by id from the database when a candidate needs them.

A province holds thousands of agencies with hundreds of capability lines each; keeping every one as Python
objects in every worker costs seconds at start and gigabytes of memory. `AgencyRecords` is a read-only mapping
that reads one agency (its qualifications and capability lines) with three indexed lookups on first use and keeps
the most recently used ones (a bounded LRU), so memory per worker stays bounded whatever the corpus size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping

from sqlalchemy import func, select

from engine.ranking.views import AgencyView, CapabilityView, QualificationView
from engine.storage import models as m
from engine.storage.db import Database

AGENCY_CACHE = 4096


class AgencyRecords(Mapping[str, AgencyView]):
    def __init__(self, db: Database, cache_size: int = AGENCY_CACHE) -> None:
        self.db = db
        self.cache_size = cache_size
        self._cache: OrderedDict[str, AgencyView | None] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, agency_id: str) -> AgencyView:
        with self._lock:
            if agency_id in self._cache:
                self._cache.move_to_end(agency_id)
                view = self._cache[agency_id]
                if view is None:
                    raise KeyError(agency_id)
                return view
        view = self._read(agency_id)
        with self._lock:
            self._cache[agency_id] = view
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        if view is None:
            raise KeyError(agency_id)
        return view

    def __iter__(self) -> Iterator[str]:
        with self.db.session() as s:
            return iter(list(s.scalars(select(m.Agency.id).order_by(m.Agency.id))))

    def __len__(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(m.Agency)) or 0)

    def _read(self, agency_id: str) -> AgencyView | None:
        a, q, c = m.Agency, m.Qualification, m.Capability
        with self.db.session() as s:
            row = s.execute(select(a.id, a.name, a.kind, a.region, a.city, a.service_area, a.status)
                            .where(a.id == agency_id)).first()
            if row is None:
                return None
            quals = s.execute(select(q.type, q.number, q.valid_until).where(q.agency_id == agency_id)
                              .order_by(q.position)).all()
            caps = s.execute(select(c.category, c.service, c.object, c.scope, c.basis, c.limits)
                             .where(c.agency_id == agency_id).order_by(c.position)).all()
        return AgencyView(
            row.id, row.name, row.kind, row.region, row.city, tuple(row.service_area or ()), row.status,
            tuple(QualificationView(*x) for x in quals),
            tuple(CapabilityView(x.category, x.service, x.object, x.scope, tuple(x.basis or ()), x.limits)
                  for x in caps),
        )


def offered_objects(db: Database) -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """For autocomplete: how many agencies in service offer each capability object, and (id, name, region) of
    those agencies, counted in the database rather than over objects held in memory."""
    a, c = m.Agency, m.Capability
    with db.session() as s:
        counts = dict(s.execute(select(c.object, func.count(func.distinct(c.agency_id)))
                                .join(a, a.id == c.agency_id).where(a.status == "正常").group_by(c.object)).all())
        names = [tuple(r) for r in s.execute(select(a.id, a.name, a.region).where(a.status == "正常")
                                             .order_by(a.id)).all()]
    return counts, names
