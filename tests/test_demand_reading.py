"""Reading a demand into a structured need: hand-written demands per §6.2 category (not eval queries), over a
small knowledge base written here, plus the real regions and lexicon."""

from __future__ import annotations

import json

import pytest

from engine.config import Settings
from engine.demand import analyze, describe, understood
from engine.demand.reader import service_fits
from engine.knowledge import KnowledgeBase
from engine.regions import RegionIndex
from engine.text.lexicon import load_lexicon

ROWS = [
    {"id": "kb.tanker-gauge", "kind": "instrument", "name": "燃油加油机", "aliases": ["加油机", "油枪"],
     "terms": [], "category": "计量", "services": ["检定"], "codes": ["JJG 443-2015"],
     "attrs": {"mandatory_uses": ["贸易结算"]}, "source": "实施强制管理的计量器具目录（2020）"},
    {"id": "kb.forklift", "kind": "special_equipment", "name": "叉车", "aliases": ["铲车", "堆高车"], "terms": [],
     "category": "特种设备", "services": ["检验"], "codes": ["TSG 81-2022"], "source": "特种设备目录"},
    {"id": "kb.toy", "kind": "product", "name": "玩具", "aliases": ["毛绒公仔"], "terms": [], "category": "检验检测",
     "services": ["检测"], "codes": ["GB 6675.1-2014"], "source": "domain knowledge"},
    {"id": "kb.iso9001", "kind": "adoption", "name": "质量管理体系 要求", "aliases": [], "terms": [],
     "category": "认证认可", "services": ["认证"], "codes": ["ISO 9001:2015", "GB/T 19001-2016"],
     "attrs": {"international": "ISO 9001:2015", "degree": "IDT"}, "source": "GB/T 19001-2016 前言"},
    {"id": "kb.platform", "kind": "context", "name": "电商平台要求", "aliases": ["天猫要", "平台要求"], "terms": [],
     "category": None, "source": "domain knowledge"},
    {"id": "kb.trademark", "kind": "service", "name": "商标注册", "aliases": ["注册个牌子", "商标"], "terms": [],
     "category": "知识产权", "services": ["代理"], "source": "domain knowledge"},
    {"id": "kb.rust", "kind": "problem", "name": "金属腐蚀", "aliases": ["生锈", "锈得厉害"], "terms": [],
     "category": "检验检测", "services": ["检测"], "source": "domain knowledge"},
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kb")
    (folder / "kb.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    settings = Settings()
    kb = KnowledgeBase.load(folder)
    regions = RegionIndex.load(settings.reference_dir, settings.home_city)
    lexicon = load_lexicon(settings.lexicon_dir)

    def read(text: str, region: str | None = None, knowledge: KnowledgeBase | None = kb):
        return analyze(text, regions, lexicon, region, knowledge=knowledge,
                       code_titles={"GB/T 19001-2016": "质量管理体系 要求"})

    return read


def test_metrology_trade_use_makes_verification_mandatory(reader):
    d = reader("加油站的油枪该检了，在迁安")
    assert d.category == "计量"
    assert [c.id for c in d.object_concepts] == ["kb.tanker-gauge"]
    assert d.mandatory_use is None  # nothing says how it is used
    d = reader("加油站卖油用的油枪该检了")
    assert d.mandatory_use == "贸易结算" and d.legal_cue
    assert "用于贸易结算，属强制检定" in understood(d)


def test_special_equipment_region_and_bring_in(reader):
    d = reader("厂里三台铲车要年检", region="丰南区")
    assert d.category == "特种设备" and d.region.name == "丰南区" and not d.brings_in
    assert "对象：叉车" in understood(d) and "地区：丰南区" in understood(d)
    assert reader("压力表拆下来送检").brings_in


def test_product_testing_and_who_asked(reader):
    d = reader("天猫要我们的毛绒公仔出个检测报告")
    assert d.category == "检验检测" and "检测" in d.services
    assert d.askers == ("电商平台要求",)
    assert "提出方：电商平台要求" in understood(d)


def test_an_international_code_brings_the_adopted_gb_one(reader):
    d = reader("想办ISO 9001认证")
    assert d.category == "认证认可"
    assert "GB/T 19001-2016" in [c.text for c in d.codes]
    assert ("GB/T 19001-2016", "质量管理体系 要求") in d.code_topics


def test_intellectual_property_and_problems(reader):
    assert reader("想给新产品注册个牌子").category == "知识产权"
    d = reader("钢结构件刚出厂就锈得厉害，想找人看看原因")
    assert d.category == "检验检测" and "问题/事项：金属腐蚀" in understood(d)


def test_multi_part_demand(reader):
    d = reader("车间两台铲车要年检；另外加油机也要检定")
    assert [p.concepts for p in d.parts] == [("kb.forklift",), ("kb.tanker-gauge",)]
    assert "共2项需求" in understood(d)


def test_without_a_knowledge_base_the_reading_degrades(reader):
    d = reader("厂里三台铲车要年检", knowledge=None)
    assert d.concepts == () and d.category in (None, "计量", "特种设备")
    assert understood(d).startswith("理解为：")
    assert describe(d)["understood"] == understood(d)


def test_testing_and_inspection_of_products_are_one_service():
    assert service_fits("检验", "检验检测", frozenset({"检测"}))
    assert service_fits("检测", "检验检测", frozenset({"检验"}))
    assert not service_fits("检验", "特种设备", frozenset({"检测"}))
    assert not service_fits("校准", "计量", frozenset({"检定"}))
