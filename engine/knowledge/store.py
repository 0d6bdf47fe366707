"""Loading the knowledge base and finding its concepts in a demand.

The matcher looks up every substring of the folded demand (up to the longest alias) in one dict, then keeps the
longest matches that do not overlap — the same "longest first, a shorter term inside a longer match skipped" rule as
engine/text/lexicon.py. A missing folder or file is an empty knowledge base, so the engine degrades to its lexicon.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from engine.knowledge.concept import Concept
from engine.text.codes import parse_code
from engine.text.normalize import fold

MIN_ALIAS = 2  # one Chinese character is too ambiguous to stand for a concept


@dataclass(frozen=True)
class KnowledgeMatch:
    """A concept found in a demand: the words that named it and where."""

    concept: Concept
    surface: str
    start: int
    end: int


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass
class KnowledgeBase:
    concepts: dict[str, Concept] = field(default_factory=dict)
    _keys: dict[str, list[str]] = field(default_factory=dict)  # folded alias or name -> concept ids
    _max_key: int = 0
    _codes: dict[str, list[str]] = field(default_factory=dict)  # code family (GB/T 19001) -> concept ids

    @classmethod
    def load(cls, folder: Path | None) -> KnowledgeBase:
        """Every `*.jsonl` in `folder`; rows that do not validate are skipped (`qi knowledge check` reports them)."""
        from engine.knowledge.validate import check_row

        kb = cls()
        if folder is None or not folder.is_dir():
            return kb
        for path in sorted(folder.glob("*.jsonl")):
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if check_row(row, path.stem) or row["id"] in kb.concepts:
                    continue
                kb.add(Concept.from_row(row, path.name, lineno))
        return kb

    def add(self, concept: Concept) -> None:
        self.concepts[concept.id] = concept
        # A CCS heading ("综合", "机械") is a taxonomy label, too generic to stand for what a demand names.
        names = concept.aliases if concept.kind == "ccs" else (concept.name, *concept.aliases)
        for word in names:
            key = fold(word)
            if len(key) < MIN_ALIAS:
                continue
            ids = self._keys.setdefault(key, [])
            if concept.id not in ids:
                ids.append(concept.id)
            self._max_key = max(self._max_key, len(key))
        for code in concept.codes:
            parsed = parse_code(code)
            if parsed is not None:
                ids = self._codes.setdefault(parsed.family, [])
                if concept.id not in ids:
                    ids.append(concept.id)

    def __len__(self) -> int:
        return len(self.concepts)

    def get(self, cid: str) -> Concept | None:
        return self.concepts.get(cid)

    def by_code(self, family: str) -> list[Concept]:
        """Concepts that cite a code of this family (any edition)."""
        return [self.concepts[cid] for cid in self._codes.get(family, ())]

    def match(self, text: str) -> list[KnowledgeMatch]:
        """Concepts named in `text`, longest match first, overlapping shorter matches dropped; in text order."""
        folded = fold(text)
        n = len(folded)
        spans: list[tuple[int, int, str]] = []
        for i in range(n):
            for length in range(min(self._max_key, n - i), MIN_ALIAS - 1, -1):
                key = folded[i:i + length]
                if key in self._keys:
                    if _is_word_char(key[0]) and i > 0 and _is_word_char(folded[i - 1]):
                        continue
                    if _is_word_char(key[-1]) and i + length < n and _is_word_char(folded[i + length]):
                        continue
                    spans.append((i, i + length, key))
        spans.sort(key=lambda s: (s[0] - s[1], s[0]))
        taken: list[tuple[int, int]] = []
        found: list[KnowledgeMatch] = []
        for start, end, key in spans:
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            found += [KnowledgeMatch(self.concepts[cid], key, start, end) for cid in self._keys[key]]
        return sorted(found, key=lambda m: m.start)

    def counts(self) -> dict[str, dict[str, int]]:
        """Concepts per file and kind."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for c in self.concepts.values():
            out[c.file][c.kind] += 1
        return {f: dict(k) for f, k in sorted(out.items())}
