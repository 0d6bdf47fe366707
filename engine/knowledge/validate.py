"""`qi knowledge check`: the knowledge base validated line by line, with `file:line: reason` in Chinese.

A line must be a JSON object with the agreed fields (corpora/knowledge/README.md), a known kind, §6.2 category and
service words, an id unique across the whole base that starts with its file's stem, canonical codes, `related` ids
that exist, and `terms` that occur in the corpus text (a term is a word the engine adds to a query, so it must be a
word the corpus is written in).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.knowledge.concept import CATEGORIES, FIELDS, KINDS, MANDATORY_USES, REQUIRED_FIELDS, SERVICES
from engine.text.codes import parse_code
from engine.text.normalize import fold

_LOOSE_CODE = re.compile(
    r"^[A-Z][A-Za-z]*(?:/[A-Z]{1,6})?(?: [A-Z]{0,3})?[ ]?[A-Z]{0,2}\d[\dA-Za-z.\-]*(?:[:-]\d{4})?$"
)
_PERSONAL = {"phone", "id_card", "email", "contact", "contact_person", "contact_phone", "credit_code"}


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def code_problem(code: str) -> str | None:
    """Why `code` is not a canonical standard/regulation code, or None when it is one."""
    parsed = parse_code(code)
    if parsed is not None:
        return None if parsed.text == code else f"编号应写作“{parsed.text}”"
    if _LOOSE_CODE.match(code):  # families the recogniser does not know (UL 94, FCC Part 15 is not one)
        return None
    return "不是规范的标准或规程编号"


def check_row(row: Any, stem: str) -> list[str]:
    """What is wrong with one parsed line on its own (ids and terms across the base are checked by `validate`)."""
    if not isinstance(row, dict):
        return ["每行应是一个 JSON 对象"]
    problems = [f"缺少字段 {f}" for f in REQUIRED_FIELDS if not row.get(f)]
    problems += [f"未知字段 {f}" for f in row if f not in FIELDS]
    for f in ("id", "kind", "name", "source"):
        if f in row and not isinstance(row[f], str):
            problems.append(f"字段 {f} 应为字符串")
    if problems:
        return problems
    if not row["id"].startswith(f"{stem}."):
        problems.append(f"id 应以文件名“{stem}.”开头")
    if row["kind"] not in KINDS:
        problems.append(f"未知的 kind“{row['kind']}”")
    for f in ("aliases", "terms", "services", "codes", "related"):
        if f in row and not _str_list(row[f]):
            problems.append(f"字段 {f} 应为非空字符串的列表")
    if row.get("category") is not None and row["category"] not in CATEGORIES:
        problems.append(f"未知的类别“{row['category']}”（应为 {'、'.join(CATEGORIES)} 之一或 null）")
    if _str_list(row.get("services", [])):
        problems += [f"未知的服务“{s}”（应为 {'、'.join(SERVICES)} 之一）" for s in row.get("services", [])
                     if s not in SERVICES]
    if _str_list(row.get("codes", [])):
        for code in row.get("codes", []):
            why = code_problem(code)
            if why:
                problems.append(f"编号“{code}”：{why}")
    attrs = row.get("attrs", {})
    if not isinstance(attrs, dict):
        problems.append("字段 attrs 应为对象")
    elif "mandatory_uses" in attrs:
        uses = attrs["mandatory_uses"]
        if not _str_list(uses) or any(u not in MANDATORY_USES for u in uses):
            problems.append(f"mandatory_uses 只能取 {'、'.join(MANDATORY_USES)}")
    return problems


def corpus_text(corpus_dir: Path) -> str:
    """All the words the corpus is written in (agencies, experts, equipment, standards), folded, one string."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k not in _PERSONAL:
                    walk(v)

    for name in ("agencies", "experts", "equipment", "standards"):
        path = corpus_dir / f"{name}.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    walk(json.loads(line))
    return fold("\n".join(parts))


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)  # "file:line: reason"
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> kind -> concepts

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(folder: Path, corpus_dir: Path) -> CheckReport:
    report = CheckReport()
    if not folder.is_dir():
        report.problems.append(f"{folder}: 目录不存在")
        return report
    text = corpus_text(corpus_dir)
    seen: dict[str, str] = {}  # id -> where
    rows: list[tuple[str, dict[str, Any]]] = []
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path in sorted(folder.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{lineno}"
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                report.problems.append(f"{where}: JSON 格式错误（{exc.msg}，第 {exc.colno} 列）")
                continue
            problems = check_row(row, path.stem)
            if problems:
                report.problems += [f"{where}: {p}" for p in problems]
                continue
            if row["id"] in seen:
                report.problems.append(f"{where}: id“{row['id']}”重复（已见于 {seen[row['id']]}）")
                continue
            seen[row["id"]] = where
            for term in row.get("terms", []):
                if fold(term) not in text:
                    report.problems.append(f"{where}: 术语“{term}”在语料中不存在")
            rows.append((where, row))
            counts[path.name][row["kind"]] += 1
    for where, row in rows:
        for rid in row.get("related", []):
            if rid not in seen:
                report.problems.append(f"{where}: related 指向不存在的 id“{rid}”")
    report.counts = {f: dict(k) for f, k in counts.items()}
    return report
