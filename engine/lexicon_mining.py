"""Mining colloquial terms from the station's history (service_records.jsonl: what people said, who served them).

A demand is stripped of the request phrasing around it ("请帮忙联系…的机构", "…，价格大概多少") to its core term.
A core term heard in several records maps to the capability objects its serving agencies have in common and
that few other agencies have (a tf-idf over agencies). Terms already written in some capability are skipped.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine.config import Settings
from engine.storage import models as m
from engine.storage.db import Database
from engine.text.lexicon import Lexicon
from engine.text.normalize import normalize
from engine.vocabulary import ACTIVE

# How requests are phrased around the thing needed: openings, closings and fillers.
_WRAPPERS = [
    r"^(我们|我司|本公司|公司)?[\u4e00-\u9fff]{0,8}?(企业|工厂|厂|公司)?(需要|想做|想要|要做|想|要|需)",
    r"^请帮忙联系", r"^咨询一下", r"^公司的", r"^我们的", r"^请问",
    r"的机构$", r"到期了$", r"服务$", r"检验$", r"检测$", r"检定$", r"校准$", r"认证$", r"代理$",
]
_CLAUSE_TAIL = re.compile(r"[，,。？?！!].*$")
MIN_RECORDS = 2
MIN_SHARE = 0.6


def core_term(demand: str) -> str:
    """The thing asked for, with the request phrasing around it removed."""
    text = _CLAUSE_TAIL.sub("", normalize(demand))
    for _ in range(3):
        before = text
        for pattern in _WRAPPERS:
            stripped = re.sub(pattern, "", text)
            if len(stripped) >= 2:
                text = stripped
        if text == before:
            break
    return text.strip()


def mine(records: list[tuple[str, str]], agency_objects: dict[str, set[str]]) -> dict[str, list[str]]:
    """records: (demand, serving agency id); returns core term -> formal capability objects."""
    served: dict[str, Counter[str]] = defaultdict(Counter)
    for demand, agency_id in records:
        term = core_term(demand)
        if 2 <= len(term) <= 12 and agency_id in agency_objects:
            served[term][agency_id] += 1
    df = Counter(o for objs in agency_objects.values() for o in objs)
    objects = {o for objs in agency_objects.values() for o in objs}
    char_df = Counter(ch for o in objects for ch in set(o))
    # characters in many object names (电, 器, 检 ...) are no evidence that a term means that object
    common = {ch for ch, n in char_df.items() if n > 0.04 * len(objects)}
    n_agencies = len(agency_objects)
    written = {o for objs in agency_objects.values() for o in objs}
    out: dict[str, list[str]] = {}
    for term, agencies in served.items():
        if sum(agencies.values()) < MIN_RECORDS or any(term in o for o in written):
            continue
        weight: Counter[str] = Counter()
        for agency_id, count in agencies.items():
            for obj in agency_objects[agency_id]:
                weight[obj] += count
        total = sum(agencies.values())
        # An object must also share a character with the term: history says who served, not which of
        # their many capabilities it was, and a shared character is the cheapest evidence of which.
        scored = [
            (w / total * math.log(1 + n_agencies / df[o]), o)
            for o, w in weight.items()
            if w / total >= MIN_SHARE and _shares_character(term, o, common)
        ]
        scored.sort(reverse=True)
        if scored:
            best = scored[0][0]
            out[term] = [o for s, o in scored[:2] if s >= 0.5 * best]
    return out


def _shares_character(term: str, obj: str, common: set[str]) -> bool:
    chars = set(re.findall(r"[\u4e00-\u9fff]", term)) - common
    words = set(re.findall(r"[a-z0-9]{2,}", term.lower()))
    return bool(chars & set(obj)) or any(w in obj.lower() for w in words)


def mine_lexicon(settings: Settings, db: Database) -> tuple[Path, int]:
    with db.session() as s:
        records = [
            (r.demand, r.agency_id)
            for r in s.scalars(select(m.ServiceRecord).where(m.ServiceRecord.status != "已取消"))
            if r.agency_id
        ]
        agencies = s.scalars(select(m.Agency).options(selectinload(m.Agency.capabilities))).all()
        agency_objects = {a.id: {c.object for c in a.capabilities} for a in agencies if a.status == ACTIVE}
    mined = mine(records, agency_objects)
    lexicon = Lexicon()
    for term, objects in mined.items():
        lexicon.add(term, objects, "mined")
    path = settings.lexicon_dir / "mined.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lexicon.write(path, "mined")
    return path, len(mined)
