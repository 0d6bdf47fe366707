"""评估需求 (§6.1.3): read a demand in plain Chinese into what the ranking needs.

Region (from the caller's context or the text), standard codes, lexicon expansions (colloquial -> formal),
the kind of service asked for, and whether the law requires legal verification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import InvalidInput
from engine.limits import MAX_TEXT
from engine.messages import text as msg
from engine.regions import Region, RegionIndex
from engine.text.codes import StandardCode, find_codes
from engine.text.lexicon import Lexicon
from engine.text.normalize import fold, normalize

# Words that say which service is wanted; domain knowledge of how enterprises phrase requests.
SERVICE_CUES: dict[str, tuple[str, ...]] = {
    "检定": ("检定", "强检", "强制检定", "年检", "首检", "周检", "送检", "计量"),
    "校准": ("校准", "校验", "标定", "校正", "溯源"),
    "检测": ("检测", "测试", "化验", "测一下", "测定", "试验", "检验报告", "检测报告", "分析", "测"),
    "检验": ("检验", "年检", "定检", "定期检验", "监督检验", "验收"),
    "认证": ("认证", "证书", "体系", "获证", "3c", "ccc", "ce"),
    "咨询": ("咨询", "怎么办", "如何", "怎么", "指导", "辅导", "手续", "流程", "要求", "帮助", "建立", "导入", "对标"),
    "培训": ("培训", "学习", "宣贯", "讲座"),
    "考试": ("考试", "考证", "报名", "取证", "拿证"),
    "代理": ("申请", "注册", "代理", "申报"),
    "查询": ("查询", "查一下", "有效", "作废", "现行"),
}
SHARING_CUES = ("共享", "借用", "借", "租", "开放", "对外", "预约使用", "自己测")
LEGAL_CUES = ("强检", "强制检定", "贸易结算", "执法", "监管要求", "法定")


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

    @property
    def search_text(self) -> str:
        return f"{self.normalized} {self.expansion}".strip()


def analyze(
    text: str,
    regions: RegionIndex,
    lexicon: Lexicon,
    region: str | None = None,
    mandatory_terms: frozenset[str] = frozenset(),
) -> Demand:
    """Read a demand; raises InvalidInput for empty, over-long or unknown-region input."""
    if not isinstance(text, str) or not normalize(text):
        raise InvalidInput(msg("search.text_empty"))
    if len(text) > MAX_TEXT:
        raise InvalidInput(msg("search.text_too_long", length=len(text), limit=MAX_TEXT))
    normalized = normalize(text)
    folded = fold(text)
    where, source = None, None
    if region:
        where, source = regions.require(region), "context"
    else:
        where = regions.find_in_text(normalized)
        source = "text" if where else None
    expansion, hits = lexicon.expand(normalized)
    cue_text = f"{folded} {fold(expansion)}"
    services = frozenset(s for s, cues in SERVICE_CUES.items() if any(c in folded for c in cues))
    if not services & {"检定", "检验"} and any(c in cue_text for c in ("定期检验", "检定")):
        services |= {s for s in ("检定", "检验") if s in cue_text}
    return Demand(
        text=text,
        normalized=normalized,
        region=where,
        region_source=source,
        codes=tuple(find_codes(normalized)),
        expansion=expansion,
        lexicon_hits=tuple((h.term, h.formal) for h in hits),
        services=services,
        legal_cue=any(c in folded for c in LEGAL_CUES),
        wants_sharing=any(c in folded for c in SHARING_CUES),
        mandatory_terms=mandatory_terms,
    )
