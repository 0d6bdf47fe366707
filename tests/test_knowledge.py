"""The knowledge base: validation (`qi knowledge check`), loading, the alias matcher, graceful absence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import ROOT
from engine.knowledge import KnowledgeBase
from engine.knowledge.validate import code_problem, validate

CORPUS = ROOT / "corpora" / "tangshan-demo"

SCALE = {"id": "kb.truck-scale", "kind": "instrument", "name": "电子汽车衡", "aliases": ["地磅", "过磅的秤"],
         "terms": ["电子汽车衡"], "category": "计量", "services": ["检定"], "codes": ["JJG 539-2016"],
         "attrs": {"mandatory_uses": ["贸易结算"]}, "related": ["kb.weighing"], "source": "domain knowledge"}
WEIGHING = {"id": "kb.weighing", "kind": "measurand", "name": "质量", "aliases": ["称重", "重量"], "terms": [],
            "category": "计量", "source": "domain knowledge"}


def write(folder: Path, name: str, rows: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_the_shipped_knowledge_base_validates():
    if not (ROOT / "corpora" / "knowledge").is_dir():
        pytest.skip("no knowledge base in this checkout")
    report = validate(ROOT / "corpora" / "knowledge", CORPUS)
    assert report.ok, report.problems[:20]


def test_a_clean_base_reports_counts(tmp_path):
    write(tmp_path, "kb.jsonl", [SCALE, WEIGHING])
    report = validate(tmp_path, CORPUS)
    assert report.ok, report.problems
    assert report.counts == {"kb.jsonl": {"instrument": 1, "measurand": 1}}


def test_every_kind_of_problem_is_reported_with_file_and_line(tmp_path):
    rows = [
        SCALE,
        "{not json",
        {**WEIGHING, "id": "kb.a", "kind": "gadget"},
        {**WEIGHING, "id": "kb.b", "category": "计量学", "services": ["修理"]},
        {**WEIGHING, "id": "kb.c", "colour": "red"},
        {"id": "kb.d", "kind": "product", "name": "x"},
        {**SCALE},  # duplicate id
        {**WEIGHING, "id": "kb.e", "related": ["kb.nowhere"]},
        {**WEIGHING, "id": "kb.f", "terms": ["量子纠缠发生器"]},
        {**WEIGHING, "id": "kb.g", "codes": ["GBT19001"]},
        {**WEIGHING, "id": "other.h"},
    ]
    write(tmp_path, "kb.jsonl", rows)
    problems = validate(tmp_path, CORPUS).problems
    text = "\n".join(problems)
    assert "kb.jsonl:2: JSON 格式错误" in text
    assert "kb.jsonl:3: 未知的 kind“gadget”" in text
    assert "kb.jsonl:4: 未知的类别“计量学”" in text and "未知的服务“修理”" in text
    assert "kb.jsonl:5: 未知字段 colour" in text
    assert "kb.jsonl:6: 缺少字段 source" in text
    assert "kb.jsonl:7: id“kb.truck-scale”重复" in text
    assert "kb.jsonl:8: related 指向不存在的 id“kb.nowhere”" in text
    assert "kb.jsonl:9: 术语“量子纠缠发生器”在语料中不存在" in text
    assert "kb.jsonl:10: 编号“GBT19001”：编号应写作“GB/T 19001”" in text
    assert "kb.jsonl:11: id 应以文件名“kb.”开头" in text
    # The loader skips what the check rejects and keeps the rest.
    kb = KnowledgeBase.load(tmp_path)
    assert "kb.truck-scale" in kb.concepts and "kb.a" not in kb.concepts


def test_codes():
    assert code_problem("GB/T 19001-2016") is None
    assert code_problem("ISO 9001:2015") is None
    assert code_problem("UL 94") is None
    assert code_problem("GB/T 19001—2016") is not None
    assert code_problem("国标一万九") is not None


def test_cli_check_exit_status(tmp_path, capsys):
    write(tmp_path / "good", "kb.jsonl", [SCALE, WEIGHING])
    assert main(["knowledge", "check", "--dir", str(tmp_path / "good")]) == 0
    assert "kb.jsonl" in capsys.readouterr().out
    write(tmp_path / "bad", "kb.jsonl", [SCALE, SCALE])
    assert main(["knowledge", "check", "--dir", str(tmp_path / "bad")]) == 1
    assert "kb.jsonl:2:" in capsys.readouterr().err


def test_matcher_longest_first_and_word_boundaries(tmp_path):
    ce = {"id": "kb.ce", "kind": "mark", "name": "CE标志", "aliases": ["ce"], "source": "domain knowledge"}
    scale_house = {**WEIGHING, "id": "kb.scale-house", "name": "磅房", "aliases": ["磅房的地磅"]}
    write(tmp_path, "kb.jsonl", [SCALE, WEIGHING, ce, scale_house])
    kb = KnowledgeBase.load(tmp_path)
    found = [(m.surface, m.concept.id) for m in kb.match("磅房的地磅要称重，还有出口要做CE")]
    assert found == [("磅房的地磅", "kb.scale-house"), ("称重", "kb.weighing"), ("ce", "kb.ce")]
    assert kb.match("our service team") == []  # "ce" inside a word is not the mark
    assert [c.id for c in kb.by_code("JJG 539")] == ["kb.truck-scale"]


def test_an_absent_base_is_empty(tmp_path):
    assert len(KnowledgeBase.load(tmp_path / "missing")) == 0
    assert KnowledgeBase.load(tmp_path / "missing").match("地磅") == []
