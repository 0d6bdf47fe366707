"""One ranker per target, all with one shape: retrieve candidates, judge them by the station's rules, explain
each hit (matched words and reasons) and show its details.

`Searcher.search`, `search_page` and `recommend` call every target the same way, `ranker.rank(query, limit,
filters)`; adding a target is adding one class here (and its documents in engine/documents.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, ClassVar, Protocol

import numpy as np

from engine.demand import Demand
from engine.demand.reader import service_fits
from engine.index.candidates import Candidates, generate
from engine.index.store import Collection, IndexSet
from engine.qualifications import in_force
from engine.ranking import rules
from engine.ranking.filters import Filters
from engine.ranking.fusion import aggregate, to_percent
from engine.ranking.history import History
from engine.ranking.names import NameIndex
from engine.ranking.results import Hit, MatchedCapability, Reason
from engine.ranking.standards import StandardCatalogue
from engine.ranking.views import AgencyView
from engine.records import AgencyProfile, EquipmentProfile, ExpertProfile, hit_details
from engine.regions import RegionIndex
from engine.vocabulary import ACTIVE

DENSE_WEIGHT = {"agency": 0.35, "expert": 0.35, "equipment": 0.3, "standard": 0.35}
EXPANSION_WEIGHT = 0.6
KB_WEIGHT = 0.5  # BM25 weight of the knowledge base's formal terms (words only, no bigrams)
SERVICE_MISMATCH = 0.8
CANDIDATES = 300
EXCLUDED_SHOWN = 0.6  # list an excluded agency when its match was at least this close to the best
# Raw scores that count as a full 100 when shown to people: an agency's aggregate (best capability plus 0.2 of the
# second, lifted by local and station rules and by history) and a single document's fused score.
FULL_SCORE = {"agency": 1.25, "expert": 1.0, "equipment": 1.0, "standard": 1.0}


@dataclass(frozen=True)
class Query:
    """One demand as every ranker sees it: read, encoded once, and the date its rules apply on."""

    demand: Demand
    vector: np.ndarray
    as_of: date


Ranked = tuple[list[Hit], list[Hit]]  # (hits best first, excluded hits with the reason)


class Ranker(Protocol):
    target: ClassVar[str]

    def rank(self, query: Query, limit: int, filters: Filters | None = None) -> Ranked:
        """The best `limit` hits that pass `filters`, and the candidates the rules excluded."""
        ...

    def details(self, key: str, as_of: date) -> dict[str, Any]:
        """What a hit shows about its record besides title and reasons."""
        ...


class Retrieval:
    """The shared retrieval core over one loaded index: fused lexical + dense scores, and matched words."""

    def __init__(self, index: IndexSet, exact: bool = False) -> None:
        self.index = index
        self.exact = exact  # brute-force nearest vectors instead of the ANN index (the oracle of the fast path)
        self._doc_tokens: dict[str, frozenset[str]] = {}  # explanation tokens, filled as documents are shown

    def candidates(self, target: str, query: Query) -> tuple[Collection, Candidates]:
        """The target's candidates for a demand (BM25 postings + nearest vectors), fused, best first."""
        collection = self.index.collections[target]
        demand = query.demand
        tok = self.index.tokenizer
        tokens = tok.tokenize(demand.normalized)
        seen = set(tokens)
        extra = [t for t in tok.tokenize(demand.expansion) if t not in seen] if demand.expansion else []
        weights = {t: EXPANSION_WEIGHT for t in extra}
        if demand.kb_expansion:  # the knowledge base's formal words, a little below the lexicon's
            seen |= set(extra)
            kb = [t for t in tok.tokenize(demand.kb_expansion) if t not in seen and not t.startswith("~")]
            weights |= {t: KB_WEIGHT for t in kb}
            extra += kb
        return collection, generate(collection, tokens + extra, weights, query.vector, DENSE_WEIGHT[target],
                                    exact=self.exact)

    def query_words(self, demand: Demand) -> list[str]:
        """The demand's words (no bigrams) that explanations report when a document has them too."""
        return [t for t in self.index.tokenizer.tokenize(demand.search_text) if not t.startswith("~") and len(t) > 1]

    def matched_terms(self, query_words: list[str], doc_text: str) -> tuple[str, ...]:
        doc_tokens = self._doc_tokens.get(doc_text)
        if doc_tokens is None:
            doc_tokens = self._doc_tokens[doc_text] = frozenset(self.index.tokenizer.tokenize(doc_text))
        return tuple(dict.fromkeys(t for t in query_words if t in doc_tokens))


# ---- agencies: one document per capability, the station's rules per capability, one hit per agency ------------
class AgencyRanker:
    target = "agency"

    def __init__(
        self, retrieval: Retrieval, agencies: Mapping[str, AgencyView], regions: RegionIndex,
        history: History | None = None, names: NameIndex | None = None, disabled: set[str] | None = None,
    ) -> None:
        self.retrieval = retrieval
        self.agencies = agencies
        self.regions = regions
        self.history = history
        self.names = names
        self.disabled = disabled if disabled is not None else set()  # signals switched off (qi eval --without)

    def rank(self, query: Query, limit: int, filters: Filters | None = None) -> Ranked:
        """Filters on category, service, kind and qualification act inside the ranking, on the capabilities, so an
        agency is ranked on what it offers in that category, not on its best capability elsewhere."""
        demand, as_of = query.demand, query.as_of
        coll, candidates = self.retrieval.candidates(self.target, query)
        per_agency: dict[str, list[tuple[float, int, list[Reason]]]] = defaultdict(list)
        blocked: dict[str, list[Reason]] = {}  # barred and shown, with the reason
        barred: set[str] = set()
        shown_from = EXCLUDED_SHOWN * float(candidates.scores[0]) if len(candidates) else 0.0
        for row, base in candidates.top(CANDIDATES):
            if base <= 0:
                break
            doc = coll.docs[row]
            agency = self.agencies.get(doc.key)
            if agency is None or agency.id in barred:
                continue
            if agency.status != ACTIVE:
                barred.add(agency.id)
                if base >= shown_from:
                    blocked[agency.id] = self._why_excluded(agency, as_of)
                continue
            cap = agency.capabilities[doc.meta["position"]]
            if filters and not (filters.accepts_capability(cap) and filters.accepts_agency(agency, as_of)):
                continue
            reasons = self.judge(agency, cap, demand, as_of)
            factor = rules.effect(reasons)
            if factor == rules.EXCLUDE:
                # Its best match for this demand is barred: a weaker, unrelated capability must not stand in.
                # Only agencies that were real candidates for this demand are worth listing as excluded.
                if agency.id not in per_agency:
                    barred.add(agency.id)
                    if base >= shown_from:
                        blocked[agency.id] = [r for r in reasons if r.effect == rules.EXCLUDE]
                continue
            per_agency[agency.id].append((base * factor, row, reasons))
        scored = {aid: aggregate([s for s, _, _ in caps]) for aid, caps in per_agency.items()}
        extra = self._history(scored, demand, as_of)
        named = self._named(scored, per_agency, blocked, barred, extra, demand, as_of, filters)
        ranked = sorted(((score, aid) for aid, score in scored.items()), key=lambda t: (-t[0], t[1]))
        words = self.retrieval.query_words(demand)
        hits = [self.explain(aid, score, per_agency[aid], demand, words, as_of, extra.get(aid, []))
                for score, aid in ranked[:limit]]
        excluded = [
            Hit(self.target, aid, self.agencies[aid].name, 0.0, reasons=tuple(rs), details=self.details(aid, as_of))
            for aid, rs in sorted(blocked.items(), key=lambda kv: kv[0] not in named) if aid not in per_agency
        ][:limit]
        return hits, excluded

    def _history(self, scored: dict[str, float], demand: Demand, as_of: date) -> dict[str, list[Reason]]:
        """§8.3: agencies that served similar demands well are lifted a bounded step. Only agencies the rules
        admitted are in `scored`, so history never lifts an expired, suspended or not entitled one."""
        extra: dict[str, list[Reason]] = defaultdict(list)
        if self.history is None or "history" in self.disabled:
            return extra
        past = self.history.by_agency(self.retrieval.index.tokenizer.tokenize(demand.search_text), as_of)
        for aid in scored:
            record = past.get(aid)
            if record is not None and record.factor > 1.0:
                scored[aid] *= record.factor
                extra[aid].append(Reason("history", record.text, round(record.factor, 3)))
        return extra

    def _named(
        self, scored: dict[str, float], per_agency: dict, blocked: dict[str, list[Reason]], barred: set[str],
        extra: dict[str, list[Reason]], demand: Demand, as_of: date, filters: Filters | None,
    ) -> list[str]:
        """An agency's own name (or its distinctive part) finds it first; a barred one says why it is not listed."""
        if self.names is None or "names" in self.disabled:
            return []
        named = self.names.find(demand.normalized)
        top = max(scored.values(), default=1.0)
        for n, aid in enumerate(named):
            agency = self.agencies.get(aid)
            if agency is None:
                continue
            if aid in barred or aid in blocked or agency.status != ACTIVE:
                blocked.setdefault(aid, self._why_excluded(agency, as_of))
                continue
            if filters and not filters.accepts_agency(agency, as_of):
                continue
            per_agency.setdefault(aid, [])
            scored[aid] = top + 1.0 - 0.01 * n
            extra[aid].insert(0, Reason("name_match", "按机构名称查找"))
        return named

    @staticmethod
    def _why_excluded(agency: AgencyView, as_of: date) -> list[Reason]:
        """Why an agency searched for by name is not recommended: suspended, or its qualifications expired."""
        if agency.status != ACTIVE:
            return [Reason("suspended", f"机构状态为“{agency.status}”，不予推荐", rules.EXCLUDE)]
        expired = [q for q in agency.qualifications if not in_force(q.valid_until, as_of)]
        if expired:
            q = expired[0]
            return [Reason("qualification_expired", f"{q.type}资质已于{q.valid_until}过期，不能承担相关服务",
                           rules.EXCLUDE)]
        return [Reason("not_entitled", "该机构不具备承担此项需求的有效资质", rules.EXCLUDE)]

    def judge(self, agency: AgencyView, cap, demand: Demand, as_of: date) -> list[Reason]:
        """Every rule's verdict on one capability of an agency, plus whether it is the service asked for."""
        reasons = rules.capability_reasons(agency, cap, demand, self.regions, as_of)
        if demand.services and not service_fits(cap.service, cap.category, demand.services):
            reasons.append(Reason("service_mismatch", f"提供的是{cap.service}，需求更接近"
                                  f"{'/'.join(sorted(demand.services))}", SERVICE_MISMATCH))
        return reasons

    def explain(
        self, aid: str, score: float, caps: list[tuple[float, int, list[Reason]]], demand: Demand, words: list[str],
        as_of: date, extra: list[Reason] = (),
    ) -> Hit:
        """The hit: its best three capabilities, the words they share with the demand, the best one's reasons
        (after those of history and name search)."""
        agency = self.agencies[aid]
        coll = self.retrieval.index.collections[self.target]
        caps = sorted(caps, key=lambda c: -c[0])[:3]
        matched = []
        terms: list[str] = []
        for cap_score, row, _ in caps:
            c = agency.capabilities[coll.docs[row].meta["position"]]
            matched.append(MatchedCapability(**asdict(c), score=to_percent(cap_score, FULL_SCORE["expert"])))
            terms += self.retrieval.matched_terms(words, coll.docs[row].text)
        reasons = list(dict.fromkeys([*extra, *(caps[0][2] if caps else [])]))
        if demand.lexicon_hits:
            reasons.insert(0, Reason("lexicon", "；".join(f"“{t}”即{'、'.join(f)}" for t, f in demand.lexicon_hits)))
        shown = 100.0 if any(r.code == "name_match" for r in extra) else to_percent(score, FULL_SCORE[self.target])
        return Hit(self.target, aid, agency.name, shown, tuple(dict.fromkeys(terms)), tuple(matched),
                   tuple(reasons), self.details(aid, as_of))

    def details(self, key: str, as_of: date) -> dict[str, Any]:
        a = self.agencies[key]
        out = {name: getattr(a, name) for name in AgencyProfile.HIT_FIELDS}
        out["service_area"] = list(a.service_area)
        out["qualifications"] = [
            {"type": q.type, "number": q.number, "valid_until": q.valid_until.isoformat() if q.valid_until else None,
             "expired": not in_force(q.valid_until, as_of)}
            for q in a.qualifications
        ]
        return out


# ---- experts and equipment: rules that only scale scores ---------------------------------------------------------
class ScaledRanker:
    """A collection whose rules only scale scores: `judge` gives title and reasons for every candidate; filters
    act on the ranked hits."""

    target: ClassVar[str]
    records: dict[str, Any]

    def __init__(self, retrieval: Retrieval, records: dict[str, Any]) -> None:
        self.retrieval = retrieval
        self.records = records

    def judge(self, key: str, query: Query) -> tuple[str, list[Reason]]:
        raise NotImplementedError

    def details(self, key: str, as_of: date) -> dict[str, Any]:
        return hit_details(self.records[key])

    def rank(self, query: Query, limit: int, filters: Filters | None = None) -> Ranked:
        coll, candidates = self.retrieval.candidates(self.target, query)
        ranked = []
        for row, base in candidates.top(CANDIDATES):
            if base <= 0:
                break
            doc = coll.docs[row]
            title, reasons = self.judge(doc.key, query)
            ranked.append((base * rules.effect(reasons), doc, title, reasons))
        ranked.sort(key=lambda t: (-t[0], t[1].key))
        words = self.retrieval.query_words(query.demand)
        hits = [
            Hit(self.target, doc.key, title, to_percent(score, FULL_SCORE[self.target]),
                self.retrieval.matched_terms(words, doc.text), (),
                tuple(reasons), self.details(doc.key, query.as_of))
            for score, doc, title, reasons in ranked[:limit]
        ]
        return _filtered(hits, filters), []


class ExpertRanker(ScaledRanker):
    target = "expert"
    records: dict[str, ExpertProfile]

    def judge(self, key: str, query: Query) -> tuple[str, list[Reason]]:
        e = self.records[key]
        reasons = [Reason("available", "目前可接受邀请")] if e.available else [
            Reason("unavailable", "专家目前不可用", 0.5)]
        return e.name, reasons


class EquipmentRanker(ScaledRanker):
    target = "equipment"
    records: dict[str, EquipmentProfile]

    def judge(self, key: str, query: Query) -> tuple[str, list[Reason]]:
        e = self.records[key]
        reasons = []
        if e.status != ACTIVE:
            reasons.append(Reason("equipment_unavailable", f"设备状态为“{e.status}”",
                                  0.3 if e.status == "维修中" else 0.1))
        if e.shareable:
            reasons.append(Reason("shareable", "对外开放共享"))
        else:
            reasons.append(Reason("not_shareable", "不对外共享，仅可委托检测",
                                  0.6 if query.demand.wants_sharing else 0.8))
        if e.calibration_due and e.calibration_due < query.as_of:
            reasons.append(Reason("calibration_overdue", f"校准已于{e.calibration_due}到期", 0.7))
        return e.name, reasons


# ---- standards: codes, editions and the replacement chain (engine/ranking/standards.py) -------------------------
class StandardRanker:
    target = "standard"

    def __init__(self, retrieval: Retrieval, catalogue: StandardCatalogue) -> None:
        self.retrieval = retrieval
        self.catalogue = catalogue

    def rank(self, query: Query, limit: int, filters: Filters | None = None) -> Ranked:
        coll, candidates = self.retrieval.candidates(self.target, query)
        text_scores = {coll.docs.key(row): score for row, score in candidates.top(CANDIDATES) if score > 0}
        ranked = self.catalogue.rank(query.demand, text_scores)
        words = self.retrieval.query_words(query.demand)
        hits = []
        for code, score, reasons in ranked[:limit]:
            std = self.catalogue.by_code[code]
            hits.append(Hit(self.target, code, f"{std.code} {std.title}", to_percent(score, FULL_SCORE[self.target]),
                            self.retrieval.matched_terms(words, f"{std.code} {std.title} {std.scope or ''}"), (),
                            tuple(reasons), self.details(code, query.as_of)))
        return _filtered(hits, filters), []

    def details(self, key: str, as_of: date) -> dict[str, Any]:
        return self.catalogue.details(key)


def _filtered(hits: list[Hit], filters: Filters | None) -> list[Hit]:
    return hits if filters is None else [h for h in hits if filters.accepts_hit(h)]

