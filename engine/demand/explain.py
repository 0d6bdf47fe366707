"""The demand as the engine read it: a dict for answers and the one line "理解为：…" people read."""

from __future__ import annotations

from typing import Any

from engine.demand.reader import Demand


def understood(demand: Demand) -> str:
    """理解为：… — objects in formal terms, services, category, mandatory use, who asked, region, codes, parts."""
    bits: list[str] = []
    objects = list(dict.fromkeys(c.name for c in demand.object_concepts))
    if not objects:
        objects = list(dict.fromkeys(f for _, formal in demand.lexicon_hits for f in formal[:1]))
    if objects:
        bits.append("对象：" + "、".join(objects[:4]))
    problems = list(dict.fromkeys(c.name for _, c in demand.concepts if c.kind in ("problem", "service")))
    if problems:
        bits.append("问题/事项：" + "、".join(problems[:3]))
    services = sorted(demand.services or demand.kb_services)
    if services:
        bits.append("服务：" + "/".join(services))
    if demand.category:
        bits.append(f"类别：{demand.category}")
    if demand.mandatory_use:
        bits.append(f"用于{demand.mandatory_use}，属强制检定")
    elif demand.legal_cue:
        bits.append("要求强制检定")
    if demand.brings_in:
        bits.append("送检（非现场）")
    if demand.wants_self_measure or demand.wants_sharing:
        bits.append("想借用仪器自己测")
    if demand.askers:
        bits.append("提出方：" + "、".join(demand.askers[:2]))
    if demand.region:
        bits.append(f"地区：{demand.region.name}")
    if demand.code_topics:
        bits.append("标准：" + "、".join(f"{code}（{about}）" for code, about in demand.code_topics[:3]))
    elif demand.codes:
        bits.append("标准：" + "、".join(c.text for c in demand.codes[:3]))
    if demand.parts:
        bits.append(f"共{len(demand.parts)}项需求：" + "；".join(p.text for p in demand.parts))
    return "理解为：" + ("；".join(bits) if bits else "未识别出具体对象或服务")


def describe(demand: Demand) -> dict[str, Any]:
    """The demand as the engine read it, for explanations and the staff console."""
    return {
        "normalized": demand.normalized,
        "region": demand.region.name if demand.region else None,
        "region_source": demand.region_source,
        "codes": [c.text for c in demand.codes],
        "lexicon": [{"term": t, "formal": list(f)} for t, f in demand.lexicon_hits],
        "services": sorted(demand.services),
        "category": demand.category,
        "concepts": [{"words": w, "id": c.id, "kind": c.kind, "name": c.name} for w, c in demand.concepts],
        "mandatory_use": demand.mandatory_use,
        "askers": list(demand.askers),
        "code_topics": [{"code": c, "about": a} for c, a in demand.code_topics],
        "brings_in": demand.brings_in,
        "parts": [{"text": p.text, "services": sorted(p.services)} for p in demand.parts],
        "understood": understood(demand),
    }
