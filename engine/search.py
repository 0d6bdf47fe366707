"""The searcher: one object per process holding the index, the encoder and the records the rules read.

`search` ranks one target; `recommend` answers a demand with agencies plus experts, equipment and standards.
Built once at the edge (CLI, API startup) and shared; it reads the database only when (re)loaded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine.config import Settings
from engine.demand import Demand, analyze, describe
from engine.demand.cues import EQUIVALENT_SERVICES
from engine.demand.scope import Fit, assess
from engine.documents import KIND_LABELS, TARGETS
from engine.encoders import Encoder, load_encoder
from engine.errors import InvalidInput
from engine.index.store import Collection, IndexSet, load_index
from engine.knowledge import KnowledgeBase
from engine.messages import text as msg
from engine.ranking import rules
from engine.ranking.filters import Filters, facet_counts
from engine.ranking.fusion import aggregate, convex_fusion, to_percent, top_k
from engine.ranking.history import History, load_past
from engine.ranking.names import NameIndex
from engine.ranking.results import Hit, MatchedCapability, Reason, Recommendation, SearchResult
from engine.ranking.standards import StandardCatalogue
from engine.ranking.views import AgencyView, CapabilityView, QualificationView
from engine.regions import RegionIndex
from engine.storage import models as m
from engine.storage.db import Database
from engine.suggest import Suggester
from engine.text.lexicon import Lexicon
from engine.text.normalize import fold
from engine.text.tokenize import load_word_list

DENSE_WEIGHT = {"agency": 0.35, "expert": 0.35, "equipment": 0.3, "standard": 0.35}
EXPANSION_WEIGHT = 0.6
KB_WEIGHT = 0.5  # BM25 weight of the knowledge base's formal terms (words only, no bigrams)
SERVICE_MISMATCH = 0.8
CANDIDATES = 300
POOL = 100  # hits ranked for a filtered, paged search; facets count them
# A listed hit scores at least this (of 100): a search lists what is relevant, not 100 hits. Absolute, so a
# filtered search never lists more than the unfiltered one.
RELEVANT = 25.0
EXCLUDED_SHOWN = 0.6  # list an excluded agency when its match was at least this close to the best
# Raw scores that count as a full 100 when shown to people: an agency's aggregate (best capability plus 0.2 of the
# second, lifted by local and station rules and by history) and a single document's fused score.
FULL_SCORE = {"agency": 1.25, "expert": 1.0, "equipment": 1.0, "standard": 1.0}
# Signals `qi eval --without` can switch off for the ablation table (README "Understanding demands").
SIGNALS = ("knowledge", "history", "names")


def load_lexicon(lexicon_dir: Path) -> Lexicon:
    return Lexicon.load(sorted(lexicon_dir.glob("*.tsv")))


def load_mandatory_terms(lexicon_dir: Path) -> frozenset[str]:
    path = lexicon_dir / "mandatory_verification.txt"
    return frozenset(w for w in load_word_list(path) if not w.startswith("#")) if path.exists() else frozenset()


class Searcher:
    def __init__(self, settings: Settings, db: Database, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.db = db
        self.encoder = encoder or load_encoder(settings.encoder)
        self.regions = RegionIndex.load(settings.reference_dir, settings.home_city)
        self.lexicon = load_lexicon(settings.lexicon_dir)
        self.mandatory_terms = load_mandatory_terms(settings.lexicon_dir)
        self.knowledge = KnowledgeBase.load(settings.knowledge_dir)
        self.disabled: set[str] = set()  # signals switched off (ablation)
        self.reload()

    def reload(self) -> None:
        """(Re)read the index and the records; a new index is picked up without restarting."""
        self.index: IndexSet = load_index(self.settings.index_dir, self.encoder)
        self._doc_tokens: dict[str, frozenset[str]] = {}  # explanation tokens, filled as documents are shown
        with self.db.session() as s:
            agencies = s.scalars(
                select(m.Agency).options(selectinload(m.Agency.capabilities), selectinload(m.Agency.qualifications))
            ).all()
            self.agencies = {a.id: _agency_view(a) for a in agencies}
            self.experts = {e.id: e for e in s.scalars(select(m.Expert))}
            self.equipment = {e.id: e for e in s.scalars(select(m.Equipment))}
            self.catalogue = StandardCatalogue(list(s.scalars(select(m.Standard))))
            self.code_titles = {code: std.title for code, std in self.catalogue.by_code.items()}
            for obj in [*self.experts.values(), *self.equipment.values()]:
                s.expunge(obj)
            past = load_past(s)
        self.history = History(past, self.index.tokenizer.tokenize)
        generic = " ".join(f"{c.object} {c.scope or ''}" for a in self.agencies.values() for c in a.capabilities)
        self.names = NameIndex(((a.id, a.name) for a in self.agencies.values()), fold(generic))
        self._agency_rows: dict[str, int] = {}
        for row, doc in enumerate(self.index.collections["agency"].docs):
            self._agency_rows.setdefault(doc.key, row)
        self.suggester = Suggester.build(self.agencies, self.catalogue, self.lexicon)

    # ---- the shared retrieval core -------------------------------------------------------------
    def _prepare(
        self, text: str, region: str | None, limit: int, as_of: date | None
    ) -> tuple[Demand, np.ndarray, date]:
        """Check the request, read the demand and encode it once for every target ranked."""
        if not 1 <= limit <= 100:
            raise InvalidInput(msg("search.limit_range", low=1, high=100))
        demand = self.read(text, region)
        qvec = self.encoder.encode_queries([demand.search_text])[0]
        return demand, qvec, as_of or self.settings.today()

    def read(self, text: str, region: str | None = None) -> Demand:
        """The demand as the engine reads it (no encoding, no ranking)."""
        knowledge = None if "knowledge" in self.disabled else self.knowledge
        return analyze(text, self.regions, self.lexicon, region, self.mandatory_terms, knowledge, self.code_titles)

    def retrieve(self, collection: Collection, demand: Demand, qvec: np.ndarray) -> np.ndarray:
        """Fused lexical + dense score of every document in a collection."""
        tok = self.index.tokenizer
        tokens = tok.tokenize(demand.normalized)
        seen = set(tokens)
        extra = [t for t in tok.tokenize(demand.expansion) if t not in seen] if demand.expansion else []
        weights = {t: EXPANSION_WEIGHT for t in extra}
        if demand.kb_expansion:
            seen |= set(extra)
            kb = [t for t in tok.tokenize(demand.kb_expansion) if t not in seen and not t.startswith("~")]
            weights |= {t: KB_WEIGHT for t in kb}
            extra += kb
        lexical = collection.bm25.score(tokens + extra, weights)
        dense = collection.dense.all_scores(qvec)
        return convex_fusion(lexical, dense, DENSE_WEIGHT[collection.target])

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
        if self.fit(demand).no_match:
            pool = []
        elif pool:
            pool = [h for h in pool if h.score >= RELEVANT]
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
        fit = self.fit(demand)
        if fit.no_match:  # nothing of the station's world in it: no confident list, a pointer to the station
            agencies, excluded, experts, equipment, standards = [], [], [], [], []
        station = bool(agencies) and any(r.code == "station_serves" for r in agencies[0].reasons)
        return Recommendation(text, describe(demand), tuple(agencies), tuple(experts), tuple(equipment),
                              tuple(standards), tuple(excluded), station, fit.no_match, fit.message)

    def fit(self, demand: Demand) -> Fit:
        """Whether the demand is about anything the station serves (engine/demand/scope.py)."""
        words = [t for t in self.index.tokenizer.tokenize(demand.normalized) if not t.startswith("~")]
        vocabularies = [c.bm25.vocab for c in self.index.collections.values()]
        return assess(demand, words, vocabularies, bool(self.names.find(demand.normalized)))

    # ---- agencies ------------------------------------------------------------------------------
    def _agencies(
        self, demand: Demand, qvec: np.ndarray, limit: int, as_of: date, filters: Filters | None = None
    ) -> tuple[list[Hit], list[Hit]]:
        coll = self.index.collections["agency"]
        scores = self.retrieve(coll, demand, qvec)
        per_agency: dict[str, list[tuple[float, int, list[Reason]]]] = defaultdict(list)
        blocked: dict[str, list[Reason]] = {}  # barred and shown, with the reason
        barred: set[str] = set()
        top = top_k(scores, CANDIDATES)
        shown_from = EXCLUDED_SHOWN * float(scores[top[0]]) if top.size else 0.0
        for row in top:
            base = float(scores[row])
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
            if demand.services and not service_fits(cap.service, cap.category, demand.services):
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
        history = {} if "history" in self.disabled else self.history.by_agency(
            self.index.tokenizer.tokenize(demand.search_text), as_of)
        extra: dict[str, list[Reason]] = defaultdict(list)
        scored = {}
        for aid, caps in per_agency.items():
            score = aggregate([s for s, _, _ in caps])
            past = history.get(aid)
            if past is not None and past.factor > 1.0:  # only agencies the rules admitted are in per_agency
                score *= past.factor
                extra[aid].append(Reason("history", past.text, round(past.factor, 3)))
            scored[aid] = score
        named = [] if "names" in self.disabled else self.names.find(demand.normalized)
        top_score = max(scored.values(), default=1.0)
        for n, aid in enumerate(named):
            if aid in barred or aid in blocked or self.agencies[aid].status != "正常":
                blocked.setdefault(aid, self._why_excluded(aid, as_of))
                continue
            if aid not in per_agency and aid in self._agency_rows:
                per_agency[aid].append((0.0, self._agency_rows[aid], []))
            scored[aid] = top_score + 1.0 - 0.01 * n
            extra[aid].insert(0, Reason("name_match", "按机构名称查找"))
        ranked = sorted(((score, aid) for aid, score in scored.items() if aid in per_agency),
                        key=lambda t: (-t[0], t[1]))
        words = self.query_words(demand)
        hits = [self._agency_hit(aid, score, per_agency[aid], demand, words, as_of, extra.get(aid, []))
                for score, aid in ranked[:limit]]
        excluded = [
            Hit("agency", aid, self.agencies[aid].name, 0.0, reasons=tuple(rs),
                details=self._agency_details(aid, as_of))
            for aid, rs in sorted(blocked.items(), key=lambda kv: kv[0] not in named) if aid not in per_agency
        ][:limit]
        return hits, excluded

    def _why_excluded(self, aid: str, as_of: date) -> list[Reason]:
        """Why an agency searched for by name is not recommended: suspended, or every qualification expired."""
        agency = self.agencies[aid]
        if agency.status != "正常":
            return [Reason("suspended", f"机构状态为“{agency.status}”，不予推荐", rules.EXCLUDE)]
        expired = [q for q in agency.qualifications if q.valid_until and q.valid_until < as_of]
        if expired:
            q = expired[0]
            return [Reason("qualification_expired", f"{q.type}资质已于{q.valid_until}过期，不能承担相关服务",
                           rules.EXCLUDE)]
        return [Reason("not_entitled", "该机构不具备承担此项需求的有效资质", rules.EXCLUDE)]

    def _agency_hit(
        self, aid: str, score: float, caps: list[tuple[float, int, list[Reason]]], demand: Demand, words: list[str],
        as_of: date, extra: list[Reason] = (),
    ) -> Hit:
        agency = self.agencies[aid]
        coll = self.index.collections["agency"]
        caps = sorted(caps, key=lambda c: -c[0])[:3]
        matched = []
        terms: list[str] = []
        for cap_score, row, _ in caps:
            c = agency.capabilities[coll.docs[row].meta["position"]]
            matched.append(MatchedCapability(**asdict(c), score=to_percent(cap_score, FULL_SCORE["expert"])))
            terms += self.matched_terms(words, coll.docs[row].text)
        reasons = list(dict.fromkeys([*extra, *caps[0][2]]))
        if demand.lexicon_hits:
            reasons.insert(0, Reason("lexicon", "；".join(f"“{t}”即{'、'.join(f)}" for t, f in demand.lexicon_hits)))
        shown = 100.0 if any(r.code == "name_match" for r in extra) else to_percent(score, FULL_SCORE["agency"])
        return Hit("agency", aid, agency.name, shown, tuple(dict.fromkeys(terms)), tuple(matched),
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
        scores = self.retrieve(coll, demand, qvec)
        ranked = []
        for row in top_k(scores, CANDIDATES):
            base = float(scores[row])
            if base <= 0:
                break
            doc = coll.docs[row]
            title, reasons = judge(doc.key)
            ranked.append((base * rules.effect(reasons), doc, title, reasons))
        ranked.sort(key=lambda t: (-t[0], t[1].key))
        words = self.query_words(demand)
        hits = [
            Hit(target, doc.key, title, to_percent(score, FULL_SCORE[target]), self.matched_terms(words, doc.text), (),
                tuple(reasons),
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
        scores = self.retrieve(coll, demand, qvec)
        text_scores = {coll.docs[i].key: float(scores[i]) for i in top_k(scores, CANDIDATES) if scores[i] > 0}
        ranked = self.catalogue.rank(demand, text_scores, as_of)
        words = self.query_words(demand)
        hits = []
        for code, score, reasons in ranked[:limit]:
            std = self.catalogue.by_code[code]
            hits.append(Hit("standard", code, f"{std.code} {std.title}", to_percent(score, FULL_SCORE["standard"]),
                            self.matched_terms(words, f"{std.code} {std.title} {std.scope or ''}"), (),
                            tuple(reasons), self.catalogue.details(code)))
        return hits, []


def service_fits(offered: str, category: str, wanted: frozenset[str]) -> bool:
    """The service offered is one asked for; for products 检验 and 检测 are one job to a domain person."""
    if offered in wanted:
        return True
    return category == "检验检测" and any(offered in group and wanted & group for group in EQUIVALENT_SERVICES)


def _agency_view(a: m.Agency) -> AgencyView:
    return AgencyView(
        a.id, a.name, a.kind, a.region, a.city, tuple(a.service_area or ()), a.status,
        tuple(QualificationView(q.type, q.number, q.valid_until) for q in a.qualifications),
        tuple(CapabilityView(c.category, c.service, c.object, c.scope, tuple(c.basis or ()), c.limits)
              for c in a.capabilities),
    )
