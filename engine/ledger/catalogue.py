"""实施强制管理的计量器具目录 as the ledger reads it: which instrument types are under mandatory control, for
which uses, with which regulation and maximum cycle.

The catalogue is the knowledge base's `corpora/knowledge/metrology_instruments.jsonl` (kind `instrument`; attrs
项别, 种别, mandatory_uses, cycle_months; codes). Until that file exists, the older word list
`corpora/lexicon/mandatory_verification.txt` stands in: it names the types but carries no uses, cycles or
regulations, so every one of the five uses counts and the cycle comes from the enterprise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

# The five uses under which a catalogued instrument must be verified (计量法 §9, 目录 2020).
MANDATORY_USES = ("贸易结算", "安全防护", "医疗卫生", "环境监测", "行政执法")


@dataclass(frozen=True)
class InstrumentType:
    """One catalogue entry: the words that name the type, the uses that make it mandatory, cycle, codes."""

    id: str
    name: str
    words: tuple[str, ...]
    mandatory_uses: frozenset[str]
    cycle_months: int | None = None
    codes: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # capability objects in the corpus that serve this type
    group: str | None = None  # 项别
    kind: str | None = None  # 种别
    controlled: bool = True  # on the mandatory-control catalogue (False: calibrated instruments the KB also lists)

    def code(self, prefix: str) -> str | None:
        return next((c for c in self.codes if c.startswith(prefix)), None)


@dataclass
class Catalogue:
    types: list[InstrumentType]
    source: str
    _words: list[tuple[str, InstrumentType]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # Longest word first: 电子汽车衡 before 汽车衡 before 衡器.
        self._words = sorted(((w, t) for t in self.types for w in t.words if w), key=lambda p: -len(p[0]))

    def match(self, name: str) -> tuple[InstrumentType, str] | None:
        """The type whose longest word occurs in the instrument's name, and that word."""
        text = "".join((name or "").split())
        for word, t in self._words:
            if word in text:
                return t, word
        return None

    @classmethod
    def load(cls, knowledge_dir: Path, lexicon_dir: Path) -> Catalogue:
        path = knowledge_dir / "metrology_instruments.jsonl"
        if path.exists():
            return cls(_from_knowledge(path), str(path))
        return cls(_from_word_list(lexicon_dir / "mandatory_verification.txt"),
                   str(lexicon_dir / "mandatory_verification.txt"))


def _from_knowledge(path: Path) -> list[InstrumentType]:
    types = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get("kind") != "instrument":
                continue
            attrs = entry.get("attrs") or {}
            uses = frozenset(u for u in attrs.get("mandatory_uses") or () if u in MANDATORY_USES)
            cycle = attrs.get("cycle_months")
            words = (entry["name"], *(entry.get("aliases") or ()))
            types.append(InstrumentType(
                id=entry["id"], name=entry["name"], words=tuple(dict.fromkeys(words)), mandatory_uses=uses,
                cycle_months=int(cycle) if isinstance(cycle, int | float) and cycle > 0 else None,
                codes=tuple(entry.get("codes") or ()), terms=tuple(entry.get("terms") or ()),
                group=attrs.get("项别"), kind=attrs.get("种别"), controlled=bool(uses)))
    return types


def _from_word_list(path: Path) -> list[InstrumentType]:
    types = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            types.append(InstrumentType(id=f"mandatory_verification.{word}", name=word, words=(word,),
                                        mandatory_uses=frozenset(MANDATORY_USES), terms=(word,)))
    return types
