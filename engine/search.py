"""The searcher: one object per process holding the index, the encoder, the records the rules read, and one
ranker per target (engine/ranking/rankers.py).

`search` ranks one target; `search_page` one filtered page of it with facet counts; `recommend` answers a demand
with agencies plus experts, equipment and standards. All three read the demand once and ask each target's ranker
the same way. Built once at the edge (CLI, API startup) and shared; it reads the database only when (re)loaded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

import numpy as np

from engine.config import Settings
from engine.demand import Demand, analyze, describe
from engine.demand.cues import SERVICE_CUES
from engine.demand.scope import Fit, assess
from engine.encoders import Encoder, load_encoder
from engine.errors import InvalidInput
from engine.index.store import load_index
from engine.knowledge import KnowledgeBase
from engine.limits import MAX_PAGE, MAX_RESULTS, POOL
from engine.messages import text as msg
from engine.ranking.filters import Filters, facet_counts
from engine.ranking.history import History, load_past
from engine.ranking.names import NameIndex
from engine.ranking.rankers import (
    AgencyRanker,
    EquipmentRanker,
    ExpertRanker,
    Query,
    Ranker,
    Retrieval,
    StandardRanker,
)
from engine.ranking.results import Recommendation, SearchResult
from engine.ranking.standards import StandardCatalogue
from engine.records import agency_names, load_ranking_records, offered_objects
from engine.regions import RegionIndex
from engine.storage.db import Database
from engine.suggest import Suggester
from engine.text.codes import find_codes
from engine.text.focus import ENCODER_CHARS, TOKENIZER_CHARS, key_sentences
from engine.text.lexicon import load_lexicon, load_mandatory_terms
from engine.text.normalize import fold
from engine.vocabulary import TARGETS

QUERY_VECTOR_CACHE = 2048
RECOMMEND_OTHERS = 3  # experts, instruments and standards shown beside the agencies of a recommendation
# A listed hit scores at least this (of 100): a search lists what is relevant, not a pool padded to 100 hits.
# Absolute, so a filtered search never lists more than the unfiltered one.
RELEVANT = 25.0
# Signals `qi eval --without` can switch off for the ablation table (README "Understanding demands").
SIGNALS = ("knowledge", "history", "names")


class Searcher:
    def __init__(self, settings: Settings, db: Database, encoder: Encoder | None = None, exact: bool = False,
                 index_name: str = "current") -> None:
        """`index_name` "previous" reads the last good index (a server's fallback when `current` is damaged)."""
        self.settings = settings
        self.exact = exact  # brute-force nearest vectors instead of the ANN index (the oracle of the fast path)
        self.index_name = index_name
        self.db = db
        self.encoder = encoder or load_encoder(settings.encoder)
        self.regions = RegionIndex.load(settings.reference_dir, settings.home_city)
        self.lexicon = load_lexicon(settings.lexicon_dir)
        self.mandatory_terms = load_mandatory_terms(settings.lexicon_dir)
        self.knowledge = KnowledgeBase.load(settings.knowledge_dir)
        self.disabled: set[str] = set()  # signals switched off (ablation, `qi eval --without`)
        # Repeated demands (the widget's debounced typing, popular questions) skip the encoder.
        self.query_vector = lru_cache(maxsize=QUERY_VECTOR_CACHE)(self._encode_query)
        self.reload()

    def _encode_query(self, text: str) -> np.ndarray:
        vector = self.encoder.encode_queries([text])[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def reload(self) -> None:
        """(Re)read the index and the records; a new index is picked up without restarting."""
        self.index = load_index(self.settings.index_dir, self.encoder, name=self.index_name)
        records = load_ranking_records(self.db)
        self.agencies = records.agencies
        self.experts = records.experts
        self.equipment = records.equipment
        self.catalogue = StandardCatalogue(records.standards)
        self.code_titles = {code: std.title for code, std in self.catalogue.by_code.items()}
        with self.db.session() as s:
            past = load_past(s)
        self.history = History(past, self.index.tokenizer.tokenize)
        names, offer = agency_names(self.db)
        self.names = NameIndex(names, fold(offer))
        retrieval = Retrieval(self.index, self.exact)
        rankers: list[Ranker] = [
            AgencyRanker(retrieval, self.agencies, self.regions, self.history, self.names, self.disabled),
            ExpertRanker(retrieval, self.experts),
            EquipmentRanker(retrieval, self.equipment), StandardRanker(retrieval, self.catalogue),
        ]
        self.rankers: dict[str, Ranker] = {r.target: r for r in rankers}
        self.suggester = Suggester.from_counts(*offered_objects(self.db), self.catalogue, self.lexicon)

    # ---- public API ------------------------------------------------------------------------------
    def search(
        self, text: str, target: str, region: str | None = None, limit: int = 10, as_of: date | None = None
    ) -> SearchResult:
        ranker = self.ranker(target)
        query = self._prepare(text, region, limit, as_of)
        hits, excluded = ranker.rank(query, limit)
        return SearchResult(target, text, tuple(hits), tuple(excluded), describe(query.demand))

    def search_page(
        self, text: str, target: str, region: str | None = None, filters: Filters | None = None,
        limit: int = 10, offset: int = 0, as_of: date | None = None,
    ) -> SearchResult:
        """One page of a filtered search, with the total and facet counts over the whole result pool."""
        ranker = self.ranker(target)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(msg("search.limit_range", low=1, high=MAX_PAGE))
        if not 0 <= offset < POOL:
            raise InvalidInput(msg("search.offset_range", high=POOL - 1))
        query = self._prepare(text, region, POOL, as_of)
        pool, excluded = ranker.rank(query, POOL, filters or Filters())
        if self.fit(query.demand).no_match:
            pool = []
        else:
            pool = [h for h in pool if h.score >= RELEVANT]
        return SearchResult(target, text, tuple(pool[offset:offset + limit]), tuple(excluded),
                            describe(query.demand), total=len(pool), offset=offset, facets=facet_counts(target, pool))

    def recommend(
        self, text: str, region: str | None = None, limit: int = 10, as_of: date | None = None
    ) -> Recommendation:
        query = self._prepare(text, region, limit, as_of)
        agencies, excluded = self.rankers["agency"].rank(query, limit)
        others = {t: self.rankers[t].rank(query, RECOMMEND_OTHERS)[0] for t in ("expert", "equipment", "standard")}
        fit = self.fit(query.demand)
        if fit.no_match:  # nothing of the station's world in it: no confident list, a pointer to the station
            agencies, excluded, others = [], [], {t: [] for t in others}
        station = bool(agencies) and any(r.code == "station_serves" for r in agencies[0].reasons)
        return Recommendation(text, describe(query.demand), tuple(agencies), tuple(others["expert"]),
                              tuple(others["equipment"]), tuple(others["standard"]), tuple(excluded), station,
                              fit.no_match, fit.message)

    def read(self, text: str, region: str | None = None) -> Demand:
        """The demand as the engine reads it (no encoding, no ranking); a long one bounded to its key sentences
        before any tokenizer sees it (`_bounded`)."""
        knowledge = None if "knowledge" in self.disabled else self.knowledge
        return self._bounded(analyze(text, self.regions, self.lexicon, region, self.mandatory_terms, knowledge,
                                     self.code_titles))

    def fit(self, demand: Demand) -> Fit:
        """Whether the demand is about anything the station serves (engine/demand/scope.py)."""
        words = [t for t in self.index.tokenizer.tokenize(demand.normalized) if not t.startswith("~")]
        vocabularies = [c.bm25.vocab for c in self.index.collections.values()]
        return assess(demand, words, vocabularies, bool(self.names.find(demand.normalized)))

    def ranker(self, target: str) -> Ranker:
        if target not in TARGETS:
            raise InvalidInput(msg("search.unknown_target", target=target, choices=TARGETS))
        return self.rankers[target]

    def _prepare(self, text: str, region: str | None, limit: int, as_of: date | None) -> Query:
        """Check the request, read the demand and encode it once for every target ranked."""
        if not 1 <= limit <= MAX_RESULTS:
            raise InvalidInput(msg("search.limit_range", low=1, high=MAX_RESULTS))
        demand = self.read(text, region)
        vector = self.query_vector(self._encoder_text(demand))
        return Query(demand, vector, as_of or self.settings.today())

    def _weigh(self, sentence: str) -> float:
        """Domain signal of one sentence: lexicon terms and standard codes count double, service words once."""
        cues = sum(1 for words in SERVICE_CUES.values() for w in words if w in sentence)
        return 2 * (len(self.lexicon.matches(sentence)) + len(find_codes(sentence))) + cues

    def _bounded(self, demand: Demand) -> Demand:
        """The demand as the tokenizer sees it: at most TOKENIZER_CHARS of key sentences (engine/text/focus.py).
        Region, codes, services and lexicon hits were read from the whole text already."""
        if len(demand.normalized) <= TOKENIZER_CHARS and len(demand.expansion) <= TOKENIZER_CHARS:
            return demand
        return replace(demand, normalized=key_sentences(demand.normalized, TOKENIZER_CHARS, self._weigh),
                       expansion=demand.expansion[:TOKENIZER_CHARS])

    def _encoder_text(self, demand: Demand) -> str:
        """At most ENCODER_CHARS for the encoder: the key sentences, then as much of the lexicon expansion as fits
        (a short demand is encoded whole, as before)."""
        if len(demand.search_text) <= ENCODER_CHARS:
            return demand.search_text
        expansion = demand.expansion[:ENCODER_CHARS // 3]
        head = key_sentences(demand.normalized, ENCODER_CHARS - len(expansion) - 1, self._weigh)
        return f"{head} {expansion}".strip()
