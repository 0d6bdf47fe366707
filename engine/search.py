"""The searcher: one object per process holding the index, the encoder and the records the rules read.

`search` ranks one target; `recommend` answers a demand with agencies plus experts, equipment and standards.
Built once at the edge (CLI, API startup) and shared; it reads the database only when (re)loaded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy import select

from engine.config import Settings
from engine.demand import Demand, analyze
from engine.documents import KIND_LABELS, TARGETS
from engine.encoders import Encoder, load_encoder
from engine.errors import InvalidInput
from engine.index.candidates import Candidates, generate
from engine.index.store import Collection, IndexSet, load_index
from engine.messages import text as msg
from engine.ranking import rules
from engine.ranking.filters import Filters, facet_counts
from engine.ranking.fusion import aggregate
from engine.ranking.results import Hit, MatchedCapability, Reason, Recommendation, SearchResult
from engine.ranking.standards import StandardCatalogue
from engine.records import AgencyRecords, offered_objects
from engine.regions import RegionIndex
from engine.storage import models as m
from engine.storage.db import Database
from engine.suggest import Suggester
from engine.text.lexicon import Lexicon
from engine.text.tokenize import load_word_list

DENSE_WEIGHT = {"agency": 0.35, "expert": 0.35, "equipment": 0.3, "standard": 0.35}
EXPANSION_WEIGHT = 0.6
SERVICE_MISMATCH = 0.8
CANDIDATES = 300
QUERY_VECTOR_CACHE = 2048
POOL = 100  # hits ranked for a filtered, paged search; facets count them
EXCLUDED_SHOWN = 0.6  # list an excluded agency when its match was at least this close to the best


def load_lexicon(lexicon_dir: Path) -> Lexicon:
    return Lexicon.load(sorted(lexicon_dir.glob("*.tsv")))


def load_mandatory_terms(lexicon_dir: Path) -> frozenset[str]:
    path = lexicon_dir / "mandatory_verification.txt"
    return frozenset(w for w in load_word_list(path) if not w.startswith("#")) if path.exists() else frozenset()


class Searcher:
    def __init__(self, settings: Settings, db: Database, encoder: Encoder | None = None, exact: bool = False) -> None:
        self.settings = settings
        self.exact = exact  # brute-force nearest vectors instead of the ANN index (the oracle of the fast path)
        self.db = db
        self.encoder = encoder or load_encoder(settings.encoder)
        self.regions = RegionIndex.load(settings.reference_dir, settings.home_city)
        self.lexicon = load_lexicon(settings.lexicon_dir)
        self.mandatory_terms = load_mandatory_terms(settings.lexicon_dir)
        # Repeated demands (the widget's debounced typing, popular questions) skip the encoder.
        self.query_vector = lru_cache(maxsize=QUERY_VECTOR_CACHE)(self._encode_query)
        self.reload()

    def _encode_query(self, text: str) -> np.ndarray:
        vector = self.encoder.encode_queries([text])[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def reload(self) -> None:
        """(Re)read the index and the records; a new index is picked up without restarting."""
        self.index: IndexSet = load_index(self.settings.index_dir, self.encoder)
        self._doc_tokens: dict[str, frozenset[str]] = {}  # explanation tokens, filled as documents are shown
        self.agencies = AgencyRecords(self.db)  # read by id when a candidate needs one
        with self.db.session() as s:
            self.experts = {e.id: e for e in s.scalars(select(m.Expert))}
            self.equipment = {e.id: e for e in s.scalars(select(m.Equipment))}
            self.catalogue = StandardCatalogue(list(s.scalars(select(m.Standard))))
            for obj in [*self.experts.values(), *self.equipment.values()]:
                s.expunge(obj)
        self.suggester = Suggester.from_counts(*offered_objects(self.db), self.catalogue, self.lexicon)

    # ---- the shared retrieval core -------------------------------------------------------------
    def _prepare(
        self, text: str, region: str | None, limit: int, as_of: date | None
    ) -> tuple[Demand, np.ndarray, date]:
        """Check the request, read the demand and encode it once for every target ranked."""
        if not 1 <= limit <= 100:
            raise InvalidInput(msg("search.limit_range", low=1, high=100))
        demand = analyze(text, self.regions, self.lexicon, region, self.mandatory_terms)
        qvec = self.query_vector(demand.search_text)
        return demand, qvec, as_of or self.settings.today()

    def retrieve(self, collection: Collection, demand: Demand, qvec: np.ndarray) -> Candidates:
        """The collection's candidates for a demand (BM25 postings + nearest vectors), fused, best first."""
        tok = self.index.tokenizer
        tokens = tok.tokenize(demand.normalized)
        seen = set(tokens)
        extra = [t for t in tok.tokenize(demand.expansion) if t not in seen] if demand.expansion else []
        weights = {t: EXPANSION_WEIGHT for t in extra}
        return generate(collection, tokens + extra, weights, qvec, DENSE_WEIGHT[collection.target],
                        exact=self.exact)

    def query_words(self, demand: Demand) -> list[str]:
        """The demand's words (no bigrams) that explanations report when a document has them too."""
        return [t for t in self.index.tokenizer.tokenize(demand.search_text) if not t.startswith("~") and len(t) > 1]

    def matched_terms(self, query_words: list[str], doc_text: str) -> tuple[str, ...]:
        doc_tokens = self._doc_tokens.get(doc_text)
        if doc_tokens is None:
            doc_tokens = self._doc_tokens[doc_text] = frozenset(self.index.tokenizer.tokenize(doc_text))
        return tuple(dict.fromkeys(t for t in query_words if t in doc_tokens))

    # ---- public API ------------------------------------------------------------------------------
    def search(
        self, text: str, target: str, region: str | None = None, limit: int = 10, as_of: date | None = None
    ) -> SearchResult:
        ranker = self._ranker(target)
        demand, qvec, as_of = self._prepare(text, region, limit, as_of)
        hits, excluded = ranker(demand, qvec, limit, as_of)
        return SearchResult(target, text, tuple(hits), tuple(excluded), describe(demand))

    def search_page(
        self, text: str, target: str, region: str | None = None, filters: Filters | None = None,
        limit: int = 10, offset: int = 0, as_of: date | None = None,
    ) -> SearchResult:
        """One page of a filtered search, with the total and facet counts over the whole result pool."""
        ranker = self._ranker(target)
        if not 1 <= limit <= 50:
            raise InvalidInput(msg("search.limit_range", low=1, high=50))
        if not 0 <= offset < POOL:
            raise InvalidInput(msg("search.offset_range", high=POOL - 1))
        filters = filters or Filters()
        demand, qvec, as_of = self._prepare(text, region, POOL, as_of)
        if target == "agency":  # its filters act inside the ranking, on the capabilities
            pool, excluded = ranker(demand, qvec, POOL, as_of, filters)
        else:
            pool, excluded = ranker(demand, qvec, POOL, as_of)
            pool = [h for h in pool if filters.accepts_hit(h)]
        return SearchResult(target, text, tuple(pool[offset:offset + limit]), tuple(excluded), describe(demand),
                            total=len(pool), offset=offset, facets=facet_counts(target, pool))

    def _ranker(self, target: str):
        if target not in TARGETS:
            raise InvalidInput(msg("search.unknown_target", target=target, choices=TARGETS))
        return {"agency": self._agencies, "expert": self._experts, "equipment": self._equipment,
                "standard": self._standards}[target]

    def recommend(
        self, text: str, region: str | None = None, limit: int = 10, as_of: date | None = None
    ) -> Recommendation:
        demand, qvec, as_of = self._prepare(text, region, limit, as_of)
        agencies, excluded = self._agencies(demand, qvec, limit, as_of)
        experts, _ = self._experts(demand, qvec, 3, as_of)
        equipment, _ = self._equipment(demand, qvec, 3, as_of)
        standards, _ = self._standards(demand, qvec, 3, as_of)
        station = bool(agencies) and any(r.code == "station_serves" for r in agencies[0].reasons)
        return Recommendation(text, describe(demand), tuple(agencies), tuple(experts), tuple(equipment),
                              tuple(standards), tuple(excluded), station)

    # ---- agencies ------------------------------------------------------------------------------
    def _agencies(
        self, demand: Demand, qvec: np.ndarray, limit: int, as_of: date, filters: Filters | None = None
    ) -> tuple[list[Hit], list[Hit]]:
        coll = self.index.collections["agency"]
        candidates = self.retrieve(coll, demand, qvec)
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
            if agency.status != "正常":
                barred.add(agency.id)
                if base >= shown_from:
                    blocked[agency.id] = [Reason("suspended", f"机构状态为“{agency.status}”，不予推荐", rules.EXCLUDE)]
                continue
            cap = agency.capabilities[doc.meta["position"]]
            if filters and not (filters.accepts_capability(cap) and filters.accepts_agency(agency, as_of)):
                continue
            reasons = rules.capability_reasons(agency, cap, demand, self.regions, as_of)
            if demand.services and cap.service not in demand.services:
                reasons.append(Reason("service_mismatch", f"提供的是{cap.service}，需求更接近"
                                      f"{'/'.join(sorted(demand.services))}", SERVICE_MISMATCH))
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
        ranked = sorted(
            ((aggregate([s for s, _, _ in caps]), aid) for aid, caps in per_agency.items()), key=lambda t: (-t[0], t[1])
        )
        words = self.query_words(demand)
        hits = [self._agency_hit(aid, score, per_agency[aid], demand, words, as_of) for score, aid in ranked[:limit]]
        excluded = [
            Hit("agency", aid, self.agencies[aid].name, 0.0, reasons=tuple(rs),
                details=self._agency_details(aid, as_of))
            for aid, rs in blocked.items() if aid not in per_agency
        ][:limit]
        return hits, excluded

    def _agency_hit(
        self, aid: str, score: float, caps: list[tuple[float, int, list[Reason]]], demand: Demand, words: list[str],
        as_of: date,
    ) -> Hit:
        agency = self.agencies[aid]
        coll = self.index.collections["agency"]
        caps = sorted(caps, key=lambda c: -c[0])[:3]
        matched = []
        terms: list[str] = []
        for cap_score, row, _ in caps:
            c = agency.capabilities[coll.docs[row].meta["position"]]
            matched.append(MatchedCapability(**asdict(c), score=round(cap_score, 4)))
            terms += self.matched_terms(words, coll.docs[row].text)
        reasons = list(dict.fromkeys(caps[0][2]))
        if demand.lexicon_hits:
            reasons.insert(0, Reason("lexicon", "；".join(f"“{t}”即{'、'.join(f)}" for t, f in demand.lexicon_hits)))
        return Hit("agency", aid, agency.name, round(score, 4), tuple(dict.fromkeys(terms)), tuple(matched),
                   tuple(reasons), self._agency_details(aid, as_of))

    def _agency_details(self, aid: str, as_of: date) -> dict:
        a = self.agencies[aid]
        return {
            "kind": a.kind, "kind_label": KIND_LABELS.get(a.kind, a.kind), "region": a.region,
            "service_area": list(a.service_area), "status": a.status,
            "qualifications": [
                {"type": q.type, "number": q.number,
                 "valid_until": q.valid_until.isoformat() if q.valid_until else None,
                 "expired": bool(q.valid_until and q.valid_until < as_of)}
                for q in a.qualifications
            ],
        }

    # ---- experts and equipment ----------------------------------------------------------------------
    def _simple(
        self, target: str, demand: Demand, qvec: np.ndarray, limit: int, judge, details_of
    ) -> tuple[list[Hit], list]:
        """Rank a collection whose rules only scale scores: `judge` gives title and reasons for every candidate,
        `details_of` the shown fields, for the hits kept only."""
        coll = self.index.collections[target]
        ranked = []
        for row, base in self.retrieve(coll, demand, qvec).top(CANDIDATES):
            if base <= 0:
                break
            doc = coll.docs[row]
            title, reasons = judge(doc.key)
            ranked.append((base * rules.effect(reasons), doc, title, reasons))
        ranked.sort(key=lambda t: (-t[0], t[1].key))
        words = self.query_words(demand)
        hits = [
            Hit(target, doc.key, title, round(score, 4), self.matched_terms(words, doc.text), (), tuple(reasons),
                details_of(doc.key))
            for score, doc, title, reasons in ranked[:limit]
        ]
        return hits, []

    def _experts(self, demand: Demand, qvec: np.ndarray, limit: int, as_of: date):
        def judge(eid: str):
            e = self.experts[eid]
            reasons = [Reason("available", "目前可接受邀请")] if e.available else [
                Reason("unavailable", "专家目前不可用", 0.5)]
            return e.name, reasons

        def details_of(eid: str) -> dict:
            e = self.experts[eid]
            return {"domain": e.domain, "title": e.title, "employer": e.employer, "region": e.region,
                    "specialties": e.specialties, "qualifications": e.qualifications,
                    "years_experience": e.years_experience, "available": e.available}

        return self._simple("expert", demand, qvec, limit, judge, details_of)

    def _equipment(self, demand: Demand, qvec: np.ndarray, limit: int, as_of: date):
        def judge(eid: str):
            e = self.equipment[eid]
            reasons = []
            if e.status != "正常":
                reasons.append(Reason("equipment_unavailable", f"设备状态为“{e.status}”",
                                      0.3 if e.status == "维修中" else 0.1))
            if e.shareable:
                reasons.append(Reason("shareable", "对外开放共享"))
            else:
                reasons.append(Reason("not_shareable", "不对外共享，仅可委托检测",
                                      0.6 if demand.wants_sharing else 0.8))
            if e.calibration_due and e.calibration_due < as_of:
                reasons.append(Reason("calibration_overdue", f"校准已于{e.calibration_due}到期", 0.7))
            return e.name, reasons

        def details_of(eid: str) -> dict:
            e = self.equipment[eid]
            return {"model": e.model, "spec": e.spec, "owner": e.owner, "owner_agency_id": e.owner_agency_id,
                    "region": e.region, "shareable": e.shareable, "fee": e.fee, "status": e.status,
                    "calibration_due": e.calibration_due.isoformat() if e.calibration_due else None}

        return self._simple("equipment", demand, qvec, limit, judge, details_of)

    # ---- standards ------------------------------------------------------------------------------------
    def _standards(self, demand: Demand, qvec: np.ndarray, limit: int, as_of: date):
        coll = self.index.collections["standard"]
        text_scores = {coll.docs.key(row): score for row, score in self.retrieve(coll, demand, qvec).top(CANDIDATES)
                       if score > 0}
        ranked = self.catalogue.rank(demand, text_scores, as_of)
        words = self.query_words(demand)
        hits = []
        for code, score, reasons in ranked[:limit]:
            std = self.catalogue.by_code[code]
            hits.append(Hit("standard", code, std.title, round(score, 4),
                            self.matched_terms(words, f"{std.code} {std.title} {std.scope or ''}"), (),
                            tuple(reasons), self.catalogue.details(code)))
        return hits, []


def describe(demand: Demand) -> dict:
    """The demand as the engine read it, for explanations and the staff console."""
    return {
        "normalized": demand.normalized,
        "region": demand.region.name if demand.region else None,
        "region_source": demand.region_source,
        "codes": [c.text for c in demand.codes],
        "lexicon": [{"term": t, "formal": list(f)} for t, f in demand.lexicon_hits],
        "services": sorted(demand.services),
    }

