"""§8.3 持续改进: the station's own history as evidence — who served similar past demands, and how well.

Past demands are the service records (服务档案) plus every workflow demand dispatched to an agency. A demand finds
its similar past demands by BM25 over their words; each agency gets a bounded factor (at most 1 + MAX_LIFT) from
how often it served them in the last two years and how satisfied the enterprises were. The factor only ever
multiplies an agency that the rules already admit: an agency with no history keeps factor 1, and an expired,
suspended or not-entitled agency is excluded before history is looked at.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from engine.index.bm25 import BM25Index

WINDOW = timedelta(days=730)  # 近两年
SIMILAR = 0.6  # a past demand is similar when its BM25 score is at least this share of the best one
MAX_SIMILAR = 200
MIN_SERVED = 2  # one past service is an anecdote, not evidence
MAX_LIFT = 0.04  # below the smallest rule effect (on-site local × 1.05): history breaks ties, never a rule
SATURATION = 20  # services after which more history adds nothing
SERVED = frozenset({"已完成", "服务中", "已派单"})


@dataclass(frozen=True)
class PastDemand:
    text: str
    agency_id: str
    created: date | None
    status: str | None
    satisfaction: int | None


@dataclass(frozen=True)
class AgencyHistory:
    """How an agency served the past demands similar to this one."""

    served: int
    satisfaction: float | None  # mean over the completed ones that were rated

    @property
    def factor(self) -> float:
        if self.served < MIN_SERVED:
            return 1.0
        volume = min(1.0, math.log1p(self.served) / math.log1p(SATURATION))
        quality = (self.satisfaction / 5.0) if self.satisfaction is not None else 0.8
        return 1.0 + MAX_LIFT * volume * quality

    @property
    def text(self) -> str:
        sat = f"，满意度 {self.satisfaction:.1f}" if self.satisfaction is not None else ""
        return f"近两年为同类需求服务 {self.served} 次{sat}"


class History:
    def __init__(self, past: list[PastDemand], tokenize) -> None:
        self.past = [p for p in past if p.agency_id and p.text]
        self.tokenize = tokenize
        self.index = BM25Index.build([tokenize(p.text) for p in self.past]) if self.past else None

    def __len__(self) -> int:
        return len(self.past)

    def similar(self, tokens: list[str], as_of: date) -> list[int]:
        """Indices of the past demands similar to a demand's tokens, within the window before `as_of`."""
        if self.index is None or not tokens:
            return []
        scores = self.index.score(tokens)
        best = float(scores.max()) if scores.size else 0.0
        if best <= 0:
            return []
        rows = np.flatnonzero(scores >= SIMILAR * best)
        rows = rows[np.argsort(-scores[rows])][:MAX_SIMILAR]
        since = as_of - WINDOW
        return [int(i) for i in rows if self.past[i].created is None or since <= self.past[i].created <= as_of]

    def by_agency(self, tokens: list[str], as_of: date) -> dict[str, AgencyHistory]:
        served: dict[str, int] = defaultdict(int)
        ratings: dict[str, list[int]] = defaultdict(list)
        for i in self.similar(tokens, as_of):
            p = self.past[i]
            if p.status in SERVED:
                served[p.agency_id] += 1
                if p.satisfaction:
                    ratings[p.agency_id].append(p.satisfaction)
        return {
            aid: AgencyHistory(n, round(sum(ratings[aid]) / len(ratings[aid]), 1) if ratings[aid] else None)
            for aid, n in served.items()
        }


def load_past(session) -> list[PastDemand]:
    """Service records plus the workflow's dispatched demands, from the database."""
    from sqlalchemy import select

    from engine.storage import models as m

    past = [PastDemand(r.demand, r.agency_id, r.created, r.status, r.satisfaction)
            for r in session.scalars(select(m.ServiceRecord)) if r.agency_id]
    for d in session.scalars(select(m.DemandRecord).where(m.DemandRecord.dispatched_to.is_not(None))):
        created = d.created_at.date() if d.created_at else None
        past.append(PastDemand(d.text, d.dispatched_to, created, d.status, d.satisfaction))
    return past
