"""标准信息: code lookup tolerant of typing, status, and the replacement chain in both directions."""

from __future__ import annotations

from collections import defaultdict

from engine.demand import Demand
from engine.errors import NotFound
from engine.messages import text as msg
from engine.ranking.results import Reason
from engine.storage import models as m
from engine.text.codes import StandardCode, parse_code
from engine.text.normalize import fold

# The demand asks which edition is in force now ("还有效吗", "被什么代替了", "最新版").
CURRENCY_CUES = ("代替", "替代", "最新", "现行", "现在", "有效", "作废", "废止", "换版", "还在用", "哪个", "新版",
                 "新国标")
STATUS_ORDER = {"现行": 0, "即将实施": 1, "废止": 2}
OBSOLETE = 0.85
UPCOMING = 0.95


class StandardCatalogue:
    def __init__(self, standards: list[m.Standard]) -> None:
        self.by_code = {s.code: s for s in standards}
        self.by_family: dict[str, list[m.Standard]] = defaultdict(list)
        for s in standards:
            self.by_family[s.family].append(s)
        self.replaced_by: dict[str, list[str]] = defaultdict(list)
        self.replaces: dict[str, list[str]] = defaultdict(list)
        for s in standards:
            for old in s.replaces or []:
                self._link(old, s.code)
            if s.replaced_by:
                self._link(s.code, s.replaced_by)

    def _link(self, old: str, new: str) -> None:
        if new not in self.replaced_by[old]:
            self.replaced_by[old].append(new)
        if old not in self.replaces[new]:
            self.replaces[new].append(old)

    # ---- lookups -----------------------------------------------------------------------------------
    def lookup(self, text: str) -> list[m.Standard]:
        """Editions a typed code refers to: the exact edition, or every edition of the family (current first)."""
        code = parse_code(text)
        if code is None:
            raise NotFound(msg("lookup.not_standard_code", text=text))
        found = self._editions(code)
        if not found:
            raise NotFound(msg("lookup.no_standard", code=code.text))
        return found

    def _editions(self, code: StandardCode) -> list[m.Standard]:
        if code.year and code.text in self.by_code:
            return [self.by_code[code.text]]
        return sorted(self.by_family.get(code.family, []), key=_edition_order)

    def chain_forward(self, code: str) -> list[str]:
        """What replaced `code`, then what replaced that, ... (the current edition last)."""
        return _walk(code, self.replaced_by)

    def chain_backward(self, code: str) -> list[str]:
        """What `code` replaced, and what that replaced, ..."""
        return _walk(code, self.replaces)

    def current_of(self, code: str) -> str | None:
        """The edition in force that (transitively) replaced `code`, or None."""
        for c in reversed(self.chain_forward(code)):
            if c in self.by_code and self.by_code[c].status == "现行":
                return c
        return None

    def details(self, code: str) -> dict:
        s = self.by_code[code]
        return {
            "code": s.code, "title": s.title, "kind": s.kind, "mandatory": s.mandatory, "status": s.status,
            "issued": s.issued.isoformat() if s.issued else None,
            "effective": s.effective.isoformat() if s.effective else None,
            "replaces": self.chain_backward(code), "replaced_by": self.chain_forward(code),
            "current": s.code if s.status == "现行" else self.current_of(code), "scope": s.scope,
        }

    # ---- ranking ------------------------------------------------------------------------------------
    def rank(self, demand: Demand, text_scores: dict[str, float]) -> list[tuple[str, float, list[Reason]]]:
        """Codes the demand names (their editions, replacements and sub-parts) first, then text matches, withdrawn
        editions lowered and their current edition lifted; every code with the reasons for its place."""
        scores: dict[str, float] = {}
        reasons: dict[str, list[Reason]] = defaultdict(list)
        asks_currency = any(c in fold(demand.text) for c in CURRENCY_CUES)

        def put(code: str, score: float, reason: Reason) -> None:
            if code in self.by_code and score > scores.get(code, -1.0):
                scores[code] = score
                reasons[code].insert(0, reason)

        for n, code in enumerate(demand.codes):
            base = 10.0 - n
            for i, s in enumerate(self._editions(code)):
                exact = code.year is not None
                put(s.code, base - 0.01 * i, Reason("code_match", f"编号匹配{code.text}" if exact else
                                                     f"{code.family}的{'现行' if s.status == '现行' else '历次'}版本"))
                for j, newer in enumerate(self.chain_forward(s.code)):
                    lift = 0.5 if asks_currency else -0.5
                    put(newer, base + lift - 0.01 * j, Reason("replacement", f"代替了{s.code}"))
            # sub-parts (GB 2763 -> GB 2763.1) come after the family itself
            for fam, editions in self.by_family.items():
                if fam.startswith(code.family + ".") and not code.year:
                    for s in editions:
                        put(s.code, base - 2.0, Reason("code_part", f"{code.family}的分部分标准"))

        lexical = sorted(text_scores.items(), key=lambda kv: -kv[1])
        for code, score in lexical:
            s = self.by_code.get(code)
            if s is None:
                continue
            factor = 1.0
            if s.status == "废止":
                factor = OBSOLETE
                current = self.current_of(code)
                if current:
                    # the edition in force answers a question about an old one
                    put(current, score * 1.0 + 0.01, Reason("current_edition", f"现行版本，代替了{code}"))
            elif s.status == "即将实施":
                factor = UPCOMING
            put(code, score * factor, Reason("text_match", "标题/范围与需求匹配"))

        out = []
        for code, score in scores.items():
            s = self.by_code[code]
            rs = reasons[code]
            if s.status == "废止":
                current = self.current_of(code)
                rs.append(Reason("obsolete", "已废止" + (f"，现行版本为{current}" if current else "")))
            elif s.status == "即将实施":
                rs.append(Reason("upcoming", f"即将实施（{s.effective}）"))
            else:
                rs.append(Reason("in_force", "现行有效"))
            out.append((code, score, list(dict.fromkeys(rs))))
        out.sort(key=lambda t: (-t[1], STATUS_ORDER.get(self.by_code[t[0]].status, 3), t[0]))
        return out


def _walk(start: str, links: dict[str, list[str]]) -> list[str]:
    """Breadth-first along replacement links, each code once, `start` excluded."""
    out, seen = [], {start}
    frontier = list(links.get(start, []))
    while frontier:
        code = frontier.pop(0)
        if code not in seen:
            seen.add(code)
            out.append(code)
            frontier += links.get(code, [])
    return out


def _edition_order(s: m.Standard) -> tuple:
    return (STATUS_ORDER.get(s.status, 3), -(s.issued.toordinal() if s.issued else 0), s.code)
