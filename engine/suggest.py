"""Autocomplete over what the station can find: capability objects, everyday words, agency names, standard codes.

A typed prefix matches a label's start (or, for codes, the code with spaces and case ignored: `gbt190` finds
`GB/T 19001-2016`); Chinese text also matches inside a label (`压力表` finds `精密压力表`). Ranking: a start match
before an inside match, then how many agencies offer the object (or current standards before withdrawn ones), then
the shorter label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.text.normalize import normalize


@dataclass(frozen=True)
class Suggestion:
    kind: Literal["object", "term", "agency", "standard"]  # a term is a colloquial word; detail says what it means
    label: str
    id: str | None
    detail: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "id": self.id, "detail": self.detail}


def _key(text: str) -> str:
    return "".join(ch for ch in normalize(text).lower() if ch.isalnum())


class Suggester:
    def __init__(self, entries: list[tuple[Suggestion, float]]) -> None:
        # (suggestion, popularity, compact key) — a few thousand entries: a linear scan is well under a millisecond.
        self._entries = [(s, pop, _key(s.label)) for s, pop in entries]

    @classmethod
    def from_counts(cls, object_counts: dict[str, int], agency_names: list[tuple[str, str, str]], catalogue,
                    lexicon=None) -> Suggester:
        """From how many agencies in service offer each object, and their (id, name, region)."""
        entries: list[tuple[Suggestion, float]] = [
            (Suggestion("object", obj, None, f"{n} 家机构"), float(n)) for obj, n in object_counts.items()
        ]
        if lexicon is not None:  # 地磅 -> 数字指示秤: everyday words people type, from the hand-written lexicon
            entries += [(Suggestion("term", e.term, None, "、".join(e.formal[:3])), 0.8)
                        for e in lexicon.entries.values() if e.source == "domain"]
        entries += [(Suggestion("agency", name, aid, region), 0.5) for aid, name, region in agency_names]
        entries += [(Suggestion("standard", s.code, s.code, f"{s.title}（{s.status}）"),
                     1.0 if s.status == "现行" else 0.0) for s in catalogue.by_code.values()]
        return cls(entries)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        key = _key(text)
        if not key:
            return []
        ranked = []
        for s, pop, label_key in self._entries:
            if label_key.startswith(key):
                where = 0
            elif key in label_key and not key.isascii():
                where = 1
            elif s.kind == "standard" and s.detail and key in _key(s.detail) and not key.isascii():
                where = 2  # a standard by a word of its title
            else:
                continue
            ranked.append(((where, -pop, len(s.label), s.label), s))
        ranked.sort(key=lambda t: t[0])
        return [s for _, s in ranked[:limit]]
