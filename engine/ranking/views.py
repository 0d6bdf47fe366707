"""Read-only views of the records the rules read (built once per Searcher from the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.vocabulary import kind_label


@dataclass(frozen=True)
class QualificationView:
    type: str
    number: str | None
    valid_until: date | None


@dataclass(frozen=True)
class CapabilityView:
    category: str
    service: str
    object: str
    scope: str | None
    basis: tuple[str, ...]
    limits: str | None


@dataclass(frozen=True)
class AgencyView:
    id: str
    name: str
    kind: str
    region: str
    city: str | None
    service_area: tuple[str, ...]
    status: str
    qualifications: tuple[QualificationView, ...]
    capabilities: tuple[CapabilityView, ...]

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)
