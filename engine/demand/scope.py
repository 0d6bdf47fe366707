"""Knowing when nothing fits: gibberish, off-topic talk or a demand outside the station's scope.

A demand is in scope when the engine recognised something of the station's world in it — a knowledge-base
concept, a lexicon term, a standard code, an agency's name — or when at least one of its words is a word the
station's records are written in (a capability, expert specialty, instrument or standard title). Service words
alone ("怎么办", "测一下") do not count: they say what kind of help, not about what.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from engine.demand.reader import Demand

MESSAGE = ("没有找到与您的需求相符的服务。请换个说法描述要检定、检测、认证的对象或遇到的问题，"
           "或直接联系服务站工作人员（服务窗口或电话），我们会帮您对接。")
# Everyday words that occur in the records' text but say nothing about a quality-infrastructure need.
GENERIC = frozenset({
    "需要", "我们", "你们", "什么", "怎么", "怎么样", "可以", "一下", "一个", "今天", "明天", "现在", "知道", "问题",
    "服务", "公司", "企业", "单位", "帮忙", "请问", "哪里", "哪个", "多少", "要求", "情况", "时候", "办理",
})


@dataclass(frozen=True)
class Fit:
    no_match: bool
    message: str | None = None
    evidence: tuple[str, ...] = ()  # what made it in scope


def assess(demand: Demand, words: list[str], vocabularies: list[Container[str]], named: bool) -> Fit:
    """`words`: the demand's words (no bigrams); `vocabularies`: the BM25 vocabularies of the collections."""
    evidence = [w for w, c in demand.concepts if c.kind != "ccs"]
    evidence += [t for t, _ in demand.lexicon_hits]
    evidence += [c.text for c in demand.codes]
    if named:
        evidence.append("机构名称")
    if not evidence:
        evidence = [w for w in words if len(w) >= 2 and w not in GENERIC and any(w in v for v in vocabularies)]
    if evidence:
        return Fit(False, None, tuple(dict.fromkeys(evidence)))
    return Fit(True, MESSAGE)
