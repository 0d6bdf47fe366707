"""The regulation that governs an instrument when the catalogue entry names none: the current 计量检定规程 or
计量校准规范 in the station's standards catalogue whose title names the instrument (JJG 52-2013 弹性元件式一般
压力表、压力真空表和真空表检定规程 for 一般压力表)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.storage import models as m

KINDS = ("计量检定规程", "计量校准规范")
SUFFIX = re.compile(r"(检定规程|校准规范)(（试行）|\(试行\))?$")
QUALIFIERS = ("精密", "标准", "动态", "医用")
SPLIT = re.compile(r"[、，,和及与]+|[（(][^）)]*[）)]")


@dataclass(frozen=True)
class Regulation:
    code: str
    core: str  # the title without 检定规程 / 校准规范
    parts: tuple[str, ...]


class RegulationFinder:
    def __init__(self, regulations: list[Regulation]) -> None:
        self.regulations = regulations

    @classmethod
    def from_db(cls, s: Session) -> RegulationFinder:
        rows = s.execute(select(m.Standard.code, m.Standard.title).where(
            m.Standard.kind.in_(KINDS), m.Standard.status == "现行").order_by(m.Standard.code)).all()
        out = []
        for code, title in rows:
            core = SUFFIX.sub("", title or "")
            out.append(Regulation(code, core, tuple(p for p in SPLIT.split(core) if len(p) >= 2)))
        return cls(out)

    def find(self, name: str, words: tuple[str, ...] = ()) -> str | None:
        """The best-named regulation: the longest of the instrument's words found in a title, or of a title's
        parts found in the name, else the longest shared ending (卡尺, 温度计); a title qualified (精密, 标准)
        where the name is not counts lower; the shorter title on a tie."""
        text = "".join((name or "").split())
        best: tuple[float, int, str] | None = None
        for r in self.regulations:
            score = max([len(w) for w in (text, *words) if w and w in r.core]
                        + [len(p) for p in r.parts if p in text]
                        # 数显卡尺 ~ 通用卡尺: the same type word at the end, counted a little lower
                        + [_common_suffix(p, text) - 0.5 for p in r.parts] + [0])
            if score >= 1.5:
                # 压力表 is JJG 52 (一般), not JJG 49 (精密); 电能表 not JJG 1085 (标准电能表)
                extra = sum(q in r.core and q not in text for q in QUALIFIERS)
                key = (score - extra, -len(r.core), r.code)
                if best is None or key[:2] > best[:2]:
                    best = key
        return best[2] if best else None


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n
