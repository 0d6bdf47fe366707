"""Domain lexicon: colloquial names to the formal terms capabilities are written in (地磅 -> 电子汽车衡).

The lexicon is plain TSV files in `corpora/lexicon/`: `term<TAB>formal|formal...<TAB>source`. `domain.tsv` is
written by hand from domain knowledge; `mined.tsv` is mined from the historical service records by
`qi lexicon mine` (see engine/lexicon_mining.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InvalidInput
from engine.text.normalize import fold
from engine.text.tokenize import load_word_list


@dataclass(frozen=True)
class LexiconEntry:
    term: str
    formal: tuple[str, ...]
    source: str


@dataclass
class Lexicon:
    entries: dict[str, LexiconEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Iterable[Path]) -> Lexicon:
        lex = cls()
        for path in paths:
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.split("\t")
                if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
                    raise InvalidInput(f"{path}:{lineno}: expected 'term<TAB>formal|formal[<TAB>source]'")
                source = parts[2].strip() if len(parts) > 2 else path.stem
                lex.add(parts[0], parts[1].split("|"), source)
        return lex

    def add(self, term: str, formal: Iterable[str], source: str) -> None:
        key = fold(term)
        terms = tuple(dict.fromkeys(f.strip() for f in formal if f.strip()))
        old = self.entries.get(key)
        if old:  # the hand-written entry comes first; mined terms add to it
            terms = tuple(dict.fromkeys(old.formal + terms))
            source = old.source
        self.entries[key] = LexiconEntry(key, terms, source)

    def matches(self, text: str) -> list[LexiconEntry]:
        """Entries whose term occurs in `text`, longest first, a shorter term inside a longer match skipped."""
        folded = fold(text)
        found: list[LexiconEntry] = []
        covered: list[tuple[int, int]] = []
        for key in sorted(self.entries, key=len, reverse=True):
            start = folded.find(key)
            if start < 0:
                continue
            end = start + len(key)
            if any(s <= start and end <= e for s, e in covered):
                continue
            covered.append((start, end))
            found.append(self.entries[key])
        return found

    def expand(self, text: str) -> tuple[str, list[LexiconEntry]]:
        """The formal terms to add to a query, and the entries that gave them."""
        hits = self.matches(text)
        terms = [t for e in hits for t in e.formal if fold(t) not in fold(text)]
        return " ".join(dict.fromkeys(terms)), hits

    def terms(self) -> set[str]:
        return {e.term for e in self.entries.values()} | {t for e in self.entries.values() for t in e.formal}

    def write(self, path: Path, source: str | None = None) -> None:
        rows = [e for e in self.entries.values() if source is None or e.source == source]
        lines = [f"{e.term}\t{'|'.join(e.formal)}\t{e.source}" for e in sorted(rows, key=lambda e: e.term)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_lexicon(lexicon_dir: Path) -> Lexicon:
    """Every `*.tsv` of the lexicon folder, in name order."""
    return Lexicon.load(sorted(lexicon_dir.glob("*.tsv")))


def load_mandatory_terms(lexicon_dir: Path) -> frozenset[str]:
    """强制检定目录: instrument words whose verification the law requires (`mandatory_verification.txt`)."""
    path = lexicon_dir / "mandatory_verification.txt"
    return frozenset(w for w in load_word_list(path) if not w.startswith("#")) if path.exists() else frozenset()
