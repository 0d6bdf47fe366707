"""A synthetic province for `qi bench scale`: agencies in every county of Hebei, their capability lines, experts,
instruments and standards, drawn and varied from the demo corpus's vocabulary and written straight into a scratch
database (plain INSERTs, not the validating ingest: a million rows must load in seconds).

Real catalogues repeat lines across labs, and so does this one: a capability line is a demo line of the same
agency kind with one of `variants` scope additions, so the distinct dense texts stay within a budget the real
encoder can embed (the embedding cache serves every repeat).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from engine.ingest import ingest_paths
from engine.storage import models as m
from engine.storage.db import Database
from engine.text.codes import parse_code

LINES_PER_AGENCY = 300
SCOPE_VARIANTS = (
    "", "可上门服务", "出具CNAS认可报告", "加急服务三个工作日", "承接企业委托", "可开展现场比对", "提供数据分析报告",
    "覆盖全省各市县", "含不确定度评定", "支持批量送检", "节假日可预约", "可提供技术咨询", "适用于出口产品",
    "依据最新版标准", "提供培训指导", "设有专用实验室", "可远程预约受理", "周期服务协议", "小微企业费用减免",
    "中英文双语报告", "接受政府抽检委托", "可开展能力验证", "提供整改建议", "可配合市场监管抽查", "提供复检服务",
    "含样品运输", "专家现场指导", "可出具检定证书", "年度服务包", "质量提升帮扶",
)
EXPERT_VARIANTS = 4
OWNERS_PER_INSTRUMENT = 12
STANDARD_VARIANTS = ("", "（修订版）", "（地方版）", "（团体版）", "（企业适用版）")


@dataclass(frozen=True)
class ProvinceSize:
    capabilities: int
    standards: int
    experts: int
    equipment: int
    max_texts: int = 30_000


def hebei_counties(reference_dir: Path) -> list[tuple[str, str]]:
    """(county, city) for every county-level division of Hebei (province code 13)."""
    with (reference_dir / "cities.csv").open(encoding="utf-8") as fh:
        cities = {r["code"]: r["name"] for r in csv.DictReader(fh) if r["provinceCode"] == "13"}
    with (reference_dir / "areas.csv").open(encoding="utf-8") as fh:
        return [(r["name"], cities[r["cityCode"]]) for r in csv.DictReader(fh)
                if r["provinceCode"] == "13" and r["cityCode"] in cities and r["name"] != "市辖区"]


def synthesise(db: Database, demo_dir: Path, reference_dir: Path, size: ProvinceSize, seed: int = 7) -> dict:
    """Load the demo corpus (for its standards' links and vocabulary), then add the province. Returns counts."""
    report = ingest_paths(db, [demo_dir / f for f in ("standards.jsonl", "agencies.jsonl", "experts.jsonl",
                                                       "equipment.jsonl")])
    if not report.ok:
        raise ValueError(f"demo corpus rejected rows: {report.rejected[:3]}")
    rng = random.Random(seed)
    counties = hebei_counties(reference_dir)
    with db.session() as s:
        demo_agencies = list(s.scalars(select(m.Agency).order_by(m.Agency.id)))
        demo_experts = list(s.scalars(select(m.Expert).order_by(m.Expert.id)))
        demo_equipment = list(s.scalars(select(m.Equipment).order_by(m.Equipment.id)))
        demo_standards = list(s.scalars(select(m.Standard).order_by(m.Standard.code)))
        pools: dict[str, list[m.Capability]] = {}
        templates: dict[str, list[m.Agency]] = {}
        for a in demo_agencies:
            pools.setdefault(a.kind, []).extend(a.capabilities)
            templates.setdefault(a.kind, []).append(a)
            _ = list(a.qualifications)
    n_lines = sum(len(p) for p in pools.values()) or 1
    # The budget of distinct dense texts, shared out: capability lines 75 %, instruments 10 %, experts 8 %,
    # standards 7 % (each at least its demo texts once).
    variants = max(1, min(len(SCOPE_VARIANTS), int(size.max_texts * 0.75) // n_lines))
    expert_variants = max(1, min(EXPERT_VARIANTS, int(size.max_texts * 0.08) // max(1, len(demo_experts))))
    owners = max(1, min(OWNERS_PER_INSTRUMENT, int(size.max_texts * 0.10) // max(1, len(demo_equipment))))
    std_variants = max(1, min(len(STANDARD_VARIANTS), int(size.max_texts * 0.07) // max(1, len(demo_standards))))
    kinds = sorted(templates, key=lambda k: -len(pools[k]))
    weights = [len(pools[k]) for k in kinds]
    n_agencies = math.ceil(size.capabilities / LINES_PER_AGENCY) if size.capabilities else 0
    agencies, caps, quals, names = [], [], [], []
    left = size.capabilities
    today = date.today()
    for i in range(n_agencies):
        kind = rng.choices(kinds, weights)[0]
        template = rng.choice(templates[kind])
        county, city = counties[i % len(counties)]
        aid = f"HB{i + 1:06d}"
        short = template.name.replace("唐山市", "").replace(template.region or "", "").replace("唐山", "")
        name = f"{city}{county}{short}{i + 1}"
        names.append(name)
        area = [county] if template.service_area == [template.region] else [city]
        agencies.append({"id": aid, "name": name, "kind": kind, "region": county, "city": city,
                         "service_area": area, "contact": {}, "status": "暂停服务" if rng.random() < 0.03 else "正常",
                         "synthetic": True})
        for pos, q in enumerate(template.qualifications):
            shift = timedelta(days=rng.randint(-400, 1500))
            quals.append({"agency_id": aid, "position": pos, "type": q.type, "number": f"{q.number or ''}-{i}",
                          "issuer": q.issuer, "valid_from": q.valid_from, "valid_until": today + shift})
        pool = pools[kind]
        n = min(left, LINES_PER_AGENCY)
        left -= n
        for pos in range(n):
            c = rng.choice(pool)
            extra = SCOPE_VARIANTS[rng.randrange(variants)]
            scope = "；".join(x for x in (c.scope, extra) if x) or None
            caps.append({"agency_id": aid, "position": pos, "category": c.category, "service": c.service,
                         "object": c.object, "scope": scope, "basis": c.basis, "limits": c.limits})
    experts = []
    for i in range(size.experts):
        t = demo_experts[i % len(demo_experts)]
        v = rng.randrange(expert_variants)
        spec = list(t.specialties)
        spec = [spec, spec[:2], spec[-2:], spec[::-1]][v] or spec
        county, city = counties[rng.randrange(len(counties))]
        experts.append({"id": f"HBX{i + 1:06d}", "name": t.name, "gender": t.gender, "title": t.title,
                        "employer": f"{city}{t.employer or ''}", "region": county, "domain": t.domain,
                        "specialties": spec, "qualifications": t.qualifications,
                        "years_experience": t.years_experience, "available": rng.random() > 0.1, "synthetic": True})
    equipment = []
    for i in range(size.equipment):
        t = demo_equipment[i % len(demo_equipment)]
        owner = (i // len(demo_equipment)) % owners
        owner_i = ((i % len(demo_equipment)) * 31 + owner * 7919) % max(1, n_agencies)
        equipment.append({"id": f"HBE{i + 1:06d}", "name": t.name, "model": t.model, "manufacturer": t.manufacturer,
                          "spec": t.spec, "owner_agency_id": agencies[owner_i]["id"] if agencies else None,
                          "owner": names[owner_i] if names else t.owner,
                          "region": agencies[owner_i]["region"] if agencies else t.region,
                          "shareable": t.shareable, "fee": t.fee,
                          "status": t.status, "calibration_due": today + timedelta(days=rng.randint(-60, 400)),
                          "synthetic": True})
    standards = []
    for i in range(size.standards):
        t = demo_standards[i % len(demo_standards)]
        v = (i // len(demo_standards)) % std_variants
        code = f"DB13/T {i + 1}-{2000 + i % 25}"
        standards.append({"code": code, "family": parse_code(code).family, "title": t.title + STANDARD_VARIANTS[v],
                          "kind": "地方标准", "mandatory": False, "status": t.status, "issued": t.issued,
                          "effective": t.effective, "replaced_by": None, "replaces": [], "ics": t.ics,
                          "scope": t.scope, "synthetic_dates": True})
    with db.engine.begin() as conn:
        for table, rows in ((m.Agency, agencies), (m.Capability, caps), (m.Qualification, quals),
                            (m.Expert, experts), (m.Equipment, equipment), (m.Standard, standards)):
            for k in range(0, len(rows), 20_000):
                conn.execute(insert(table), rows[k:k + 20_000])
    return {"agencies": len(agencies), "capabilities": len(caps), "experts": len(experts),
            "equipment": len(equipment), "standards": len(standards), "scope_variants": variants}
