"""评估需求 (§6.1.3): read a demand in plain Chinese into a structured need.

Region (from the caller's context or the text), standard codes and what they are about, the objects in formal
terms (the lexicon and the knowledge base), the services wanted, the §6.2 category, whether the use makes
verification mandatory, who asked for it, and the parts of a multi-part demand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from engine.demand.cues import (
    BRING_IN_CUES,
    EQUIVALENT_SERVICES,
    LEGAL_CUES,
    PART_SEAMS,
    SELF_MEASURE_CUES,
    SERVICE_CATEGORY,
    SERVICE_CUES,
    SHARING_CUES,
    USE_CUES,
)
from engine.errors import InvalidInput
from engine.knowledge import Concept, KnowledgeBase
from engine.limits import MAX_TEXT
from engine.messages import text as msg
from engine.regions import Region, RegionIndex
from engine.text.clean import check_text
from engine.text.codes import StandardCode, find_codes, parse_code
from engine.text.lexicon import Lexicon
from engine.text.normalize import fold, normalize

MAX_KB_TERMS = 12  # formal terms the knowledge base may add to one query
_EMPTY_KB = KnowledgeBase()
# Kinds that name the object of the demand (a context says who asked; a service or problem says what help).
OBJECT_KINDS = frozenset({"instrument", "measurand", "special_equipment", "lab_equipment", "product", "mark",
                          "scheme", "test", "adoption", "ccs"})


@dataclass(frozen=True)
class DemandPart:
    """One part of a multi-part demand: its text and the concepts and services found in it."""

    text: str
    concepts: tuple[str, ...]
    services: frozenset[str]


@dataclass(frozen=True)
class Demand:
    text: str
    normalized: str
    region: Region | None
    region_source: str | None  # "context" | "text" | None
    codes: tuple[StandardCode, ...]
    expansion: str  # formal terms the lexicon adds
    lexicon_hits: tuple[tuple[str, tuple[str, ...]], ...]
    services: frozenset[str]
    legal_cue: bool
    wants_sharing: bool
    mandatory_terms: frozenset[str] = field(default_factory=frozenset)
    concepts: tuple[tuple[str, Concept], ...] = ()  # (the words in the demand, the concept they name)
    category: str | None = None
    category_votes: tuple[tuple[str, float], ...] = ()  # §6.2 category -> share of the evidence
    mandatory_use: str | None = None  # the use that makes verification mandatory (贸易结算 …)
    askers: tuple[str, ...] = ()  # who asked for it (contexts: 市场监管局检查, 客户审核 …)
    code_topics: tuple[tuple[str, str], ...] = ()  # (code, what it is about)
    brings_in: bool = False  # 送检: the enterprise brings the item; not an on-site service
    wants_self_measure: bool = False  # 想自己测X: an instrument, not an agency
    parts: tuple[DemandPart, ...] = ()
    kb_services: frozenset[str] = frozenset()  # services the knowledge base's concepts imply
    kb_expansion: str = ""  # formal terms the knowledge base adds (lexical retrieval only, bounded)

    @property
    def search_text(self) -> str:
        return f"{self.normalized} {self.expansion}".strip()

    @property
    def object_concepts(self) -> list[Concept]:
        return [c for _, c in self.concepts if c.kind in OBJECT_KINDS]


def _region(text: str, regions: RegionIndex, region: str | None) -> tuple[Region | None, str | None]:
    if region:
        return regions.require(region), "context"
    where = regions.find_in_text(text)
    return where, ("text" if where else None)


def _services(folded: str, expansion: str) -> frozenset[str]:
    services = {s for s, cues in SERVICE_CUES.items() if any(c in folded for c in cues)}
    cue_text = f"{folded} {fold(expansion)}"
    if not services & {"检定", "检验"} and any(c in cue_text for c in ("定期检验", "检定")):
        services |= {s for s in ("检定", "检验") if s in cue_text}
    return frozenset(services)


def _category(concepts: list[Concept], services: frozenset[str]) -> tuple[str | None, tuple[tuple[str, float], ...]]:
    """The §6.2 category the evidence points to: the concepts' categories, else what the service words suggest."""
    votes: Counter[str] = Counter()
    for c in concepts:
        if c.category:
            votes[c.category] += 1.0 if c.kind in OBJECT_KINDS or c.kind in ("problem", "service") else 0.5
    if not votes:
        for s in services:
            if s in SERVICE_CATEGORY:
                votes[SERVICE_CATEGORY[s]] += 0.5
    total = sum(votes.values())
    if not total:
        return None, ()
    shares = tuple((k, round(v / total, 3)) for k, v in votes.most_common())
    return shares[0][0], shares


def _mandatory_use(folded: str, concepts: list[Concept]) -> str | None:
    """A use that makes the instrument's verification mandatory, when the demand reveals one."""
    for c in concepts:
        for use in c.mandatory_uses:
            if any(cue in folded for cue in USE_CUES.get(use, ())):
                return use
    return None


def _parts(normalized: str, kb: KnowledgeBase) -> tuple[DemandPart, ...]:
    """Split at the seams of a multi-part demand; only parts that each name something of their own count."""
    pieces = [normalized]
    for seam in PART_SEAMS:
        pieces = [p for piece in pieces for p in piece.split(seam)]
    parts = []
    for piece in (p.strip(" ，,。.") for p in pieces):
        if not piece:
            continue
        folded = fold(piece)
        concepts = tuple(dict.fromkeys(m.concept.id for m in kb.match(piece) if m.concept.kind in OBJECT_KINDS))
        services = frozenset(s for s, cues in SERVICE_CUES.items() if any(c in folded for c in cues))
        if concepts:
            parts.append(DemandPart(piece, concepts, services))
    return tuple(parts) if len(parts) > 1 else ()


def analyze(
    text: str,
    regions: RegionIndex,
    lexicon: Lexicon,
    region: str | None = None,
    mandatory_terms: frozenset[str] = frozenset(),
    knowledge: KnowledgeBase | None = None,
    code_titles: dict[str, str] | None = None,
) -> Demand:
    """Read a demand; raises InvalidInput for empty, over-long or unknown-region input."""
    if not isinstance(text, str) or not normalize(text):
        raise InvalidInput(msg("search.text_empty"))
    if len(text) > MAX_TEXT:
        raise InvalidInput(msg("search.text_too_long", length=len(text), limit=MAX_TEXT))
    check_text(text, "text")  # NUL and control characters refused (engine/text/clean.py)
    kb = knowledge or _EMPTY_KB
    normalized = normalize(text)
    folded = fold(text)
    where, source = _region(normalized, regions, region)
    lex_expansion, hits = lexicon.expand(normalized)
    named = [(m.surface, m.concept) for m in kb.match(normalized)]
    codes = list(find_codes(normalized))
    # A code the knowledge base knows (an ISO number adopted as a GB one) brings its concept and its codes.
    for code in list(codes):
        for c in kb.by_code(code.family):
            if all(c.id != k.id for _, k in named):
                named.append((code.text, c))
            for other in c.codes:
                parsed = parse_code(other)
                if parsed and parsed not in codes:
                    codes.append(parsed)
    concepts = [c for _, c in named]
    # Object concepts first, the longest named first: their formal words are what the query lacks.
    ranked = sorted(named, key=lambda nc: (nc[1].kind not in OBJECT_KINDS, -len(nc[0])))
    kb_terms = [t for _, c in ranked if c.kind != "ccs" for t in c.terms if fold(t) not in folded]
    kb_expansion = " ".join(list(dict.fromkeys(kb_terms))[:MAX_KB_TERMS])
    expansion = lex_expansion
    services = _services(folded, f"{expansion} {kb_expansion}")
    kb_services = frozenset(s for c in concepts if c.kind in OBJECT_KINDS | {"problem", "service"}
                            for s in c.services)
    category, votes = _category(concepts, services)
    use = _mandatory_use(folded, [c for c in concepts if c.kind == "instrument"])
    titles = code_titles or {}
    topics = []
    for code in codes:
        about = titles.get(code.text) or titles.get(code.family) or next(
            (c.name for c in kb.by_code(code.family)), None)
        if about:
            topics.append((code.text, about))
    return Demand(
        text=text,
        normalized=normalized,
        region=where,
        region_source=source,
        codes=tuple(codes),
        expansion=expansion,
        lexicon_hits=tuple((h.term, h.formal) for h in hits),
        services=services,
        legal_cue=any(c in folded for c in LEGAL_CUES) or use is not None,
        wants_sharing=any(c in folded for c in SHARING_CUES),
        mandatory_terms=mandatory_terms,
        concepts=tuple(named),
        category=category,
        category_votes=votes,
        mandatory_use=use,
        askers=tuple(dict.fromkeys(c.name for c in concepts if c.kind == "context")),
        code_topics=tuple(topics),
        brings_in=any(c in folded for c in BRING_IN_CUES),
        wants_self_measure=any(c in folded for c in SELF_MEASURE_CUES),
        parts=_parts(normalized, kb),
        kb_services=kb_services,
        kb_expansion=kb_expansion,
    )


def service_fits(offered: str, category: str, wanted: frozenset[str]) -> bool:
    """The service offered is one asked for; for products 检验 and 检测 are one job to a domain person."""
    if offered in wanted:
        return True
    return category == "检验检测" and any(offered in group and wanted & group for group in EQUIVALENT_SERVICES)
