"""What a search returns: frozen dataclasses with the reasons behind every rank."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from pydantic import Field

from engine.ranking.views import CapabilityView


@dataclass(frozen=True)
class Reason:
    """One thing that moved a result: `effect` is the factor applied to its score (1.0 = information only)."""

    code: str
    text: str
    effect: Annotated[float, Field(description="factor applied to the score; 1 = information only, 0 = excluded")] = 1.0


@dataclass(frozen=True)
class MatchedCapability(CapabilityView):
    """A capability that matched the demand, with its score after the rules."""

    score: float = 0.0


@dataclass(frozen=True)
class Hit:
    target: str
    id: str
    title: str
    score: float
    matched_terms: tuple[str, ...] = ()
    capabilities: tuple[MatchedCapability, ...] = ()
    reasons: tuple[Reason, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    target: str
    query: str
    hits: tuple[Hit, ...]
    excluded: tuple[Hit, ...] = ()
    demand: dict[str, Any] = field(default_factory=dict)
    total: int | None = None  # search_page: hits in the whole filtered pool
    offset: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Recommendation:
    """The answer to one demand: providers, plus the best experts, equipment and standards for it."""

    query: str
    demand: dict[str, Any]
    agencies: tuple[Hit, ...]
    experts: tuple[Hit, ...]
    equipment: tuple[Hit, ...]
    standards: tuple[Hit, ...]
    excluded: tuple[Hit, ...]
    station_serves: bool
    no_match: bool = False  # nothing fits: the lists are empty and `message` says to contact the station
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
