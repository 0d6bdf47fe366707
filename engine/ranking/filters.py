"""Search filters and facet counts (the self-search page's 筛选).

Agency filters on category and service type act inside the ranking, on the capabilities that may match, so an
agency is ranked on what it offers in that category, not on its best capability elsewhere. The other filters
act on the ranked hits. Facets count the hits of the filtered pool, per field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import date

from engine.qualifications import in_force
from engine.ranking.results import Hit
from engine.ranking.views import AgencyView, CapabilityView

# facet name -> the targets it applies to
FACETS = {
    "category": ("agency", "expert"),
    "service_type": ("agency",),
    "qualification_type": ("agency",),
    "kind": ("agency", "standard"),
    "status": ("equipment", "standard"),
    "shareable": ("equipment",),
    "available": ("expert",),
}


@dataclass(frozen=True)
class Filters:
    category: str | None = None  # agency: a capability's category (计量, 检验检测 ...); expert: the domain
    service_type: str | None = None  # agency: a capability's service (检定, 校准, 检测 ...)
    qualification_type: str | None = None  # agency: holds it, valid on the ranking date (CMA, CNAS ...)
    kind: str | None = None  # agency kind (legal_metrology ...) or standard kind (国家标准 ...)
    status: str | None = None  # equipment (正常, 维修中 ...) or standard (现行, 废止 ...)
    shareable: bool | None = None  # equipment
    available: bool | None = None  # expert

    def active(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def accepts_capability(self, cap: CapabilityView) -> bool:
        return (self.category is None or cap.category == self.category) and (
            self.service_type is None or cap.service == self.service_type)

    def accepts_agency(self, agency: AgencyView, as_of: date) -> bool:
        if self.kind is not None and agency.kind != self.kind:
            return False
        if self.qualification_type is None:
            return True
        return any(q.type == self.qualification_type and in_force(q.valid_until, as_of) for q in agency.qualifications)

    def accepts_hit(self, hit: Hit) -> bool:
        """Filters that act on ranked hits (everything but the agency filters applied during ranking)."""
        return all(values_of(hit, name) & {_text(value)} for name, value in self.active().items()
                   if hit.target in FACETS[name] and hit.target != "agency")


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def values_of(hit: Hit, facet: str) -> set[str]:
    d = hit.details
    if hit.target == "agency":
        if facet == "category":
            return {c.category for c in hit.capabilities}
        if facet == "service_type":
            return {c.service for c in hit.capabilities}
        if facet == "qualification_type":
            return {q["type"] for q in d.get("qualifications", []) if not q.get("expired")}
        if facet == "kind":
            return {d.get("kind")}
    if hit.target == "expert":
        if facet == "category":
            return {d.get("domain")}
        if facet == "available":
            return {_text(bool(d.get("available")))}
    if hit.target == "equipment":
        if facet == "status":
            return {d.get("status")}
        if facet == "shareable":
            return {_text(bool(d.get("shareable")))}
    if hit.target == "standard" and facet in ("status", "kind"):
        return {d.get(facet)}
    return set()


def facet_counts(target: str, hits: list[Hit]) -> dict[str, dict[str, int]]:
    out = {}
    for facet, targets in FACETS.items():
        if target in targets:
            counts = Counter(v for h in hits for v in values_of(h, facet) if v is not None)
            out[facet] = dict(counts.most_common())
    return out
