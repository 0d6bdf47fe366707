"""Reading a ledger file as people keep it: the header row found among the first rows (a title may sit above it),
header names matched flexibly (检定周期, 校准周期(月), 周期 ...), unknown columns kept, cycles and dates in the
ways people write them. A file with any bad row is refused whole, with every bad row listed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from engine.errors import IngestRejected, InvalidInput

# field -> header names people use, most specific first. Matching is on the normalized header.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("器具名称", "计量器具名称", "仪器设备名称", "设备名称", "仪器名称", "名称"),
    "model": ("型号规格", "规格型号", "型号", "规格"),
    "measuring_range": ("测量范围", "量程", "范围"),
    "accuracy": ("准确度等级", "准确度", "精度等级", "精度", "最大允许误差", "不确定度", "等级"),
    "serial": ("出厂编号", "器具编号", "设备编号", "出厂号", "编号"),
    "location": ("使用地点", "安装地点", "使用部门", "存放地点", "使用位置", "地点", "部门"),
    "use": ("用途", "使用用途", "用途说明", "使用目的"),
    "cycle": ("检定/校准周期", "检定校准周期", "检定周期", "校准周期", "周期"),
    "last_date": ("上次检定/校准日期", "上次检定校准日期", "上次检定日期", "上次校准日期", "最近检定日期",
                  "检定/校准日期", "检定日期", "校准日期"),
    "certificate_no": ("证书编号", "检定证书编号", "校准证书编号", "证书号"),
}
FIELDS = tuple(COLUMNS)
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10


def normalize_header(header: str) -> str:
    """`检定 / 校准周期（月）` -> `检定/校准周期`: no spaces, no bracketed unit, one kind of slash."""
    text = "".join(str(header).split()).replace("／", "/").replace("、", "/")
    return re.sub(r"[（(][^）)]*[）)]", "", text)


def match_header(header: str) -> str | None:
    norm = normalize_header(header)
    if not norm or norm.startswith(("下次", "到期")) or "有效期" in norm:
        return None  # what the engine computes (next due) is not read back as the last date
    for name, aliases in COLUMNS.items():
        if norm in aliases:
            return name
    best: tuple[int, str] | None = None  # the longest alias the header contains
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in norm and (best is None or len(alias) > best[0]):
                best = (len(alias), name)
    return best[1] if best else None


CN_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "半": 0.5}


def parse_cycle(value: Any) -> int | None:
    """12, "12", "12个月", "12月", "1年", "一年", "半年", "24 months" -> months; "" -> None."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value <= 0 or value != int(value):
            raise ValueError(f"周期“{value}”不是正整数月数")
        return int(value)
    text = "".join(str(value).split()).lower()
    if not text:
        return None
    mt = re.fullmatch(r"(\d+(?:\.\d+)?|[一两二三四五六半])(个月|月|months?|m|年|years?|y)?", text)
    if not mt:
        raise ValueError(f"周期“{value}”看不懂：请写月数（如 12 或 12个月）或年数（如 1年）")
    number = float(mt[1]) if mt[1][0].isdigit() else CN_NUMBERS[mt[1]]
    months = number * 12 if (mt[2] or "").startswith(("年", "y")) else number
    if months <= 0 or months != int(months) or months > 120:
        raise ValueError(f"周期“{value}”应为 1 到 120 个月")
    return int(months)


def parse_date(value: Any) -> date | None:
    """2025-03-15, 2025/3/15, 2025.3.15, 2025年3月15日, 20250315 or an Excel date -> date; "" -> None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = "".join(str(value).split())
    if not text:
        return None
    mt = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text)
    if mt:
        try:
            return date(int(mt[1]), int(mt[2]), int(mt[3]))
        except ValueError:
            pass
    raise ValueError(f"日期“{value}”无效：请写成 2025-03-15")


@dataclass
class LedgerRow:
    """One instrument as the enterprise wrote it; `extra` keeps the columns the engine does not know."""

    row: int
    name: str
    model: str | None = None
    measuring_range: str | None = None
    accuracy: str | None = None
    serial: str | None = None
    location: str | None = None
    use: str | None = None
    cycle_months: int | None = None
    last_date: date | None = None
    certificate_no: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


TEXT_LIMITS = {"name": 120, "model": 120, "measuring_range": 120, "accuracy": 60, "serial": 80, "location": 120,
               "use": 200, "certificate_no": 80}


def row_from_fields(row: int, values: dict[str, Any], extra: dict[str, str] | None = None) -> LedgerRow:
    """Validate one row's fields (by field name); raises ValueError with a Chinese reason."""
    problems = []
    text: dict[str, str | None] = {}
    for name, limit in TEXT_LIMITS.items():
        raw = values.get(name)
        v = None if raw is None else str(raw).strip() or None
        if v is not None and len(v) > limit:
            problems.append(f"{name} 超过 {limit} 字")
        text[name] = v
    if not text["name"]:
        problems.append("缺少器具名称")
    cycle = last = None
    try:
        cycle = parse_cycle(values.get("cycle", values.get("cycle_months")))
    except ValueError as exc:
        problems.append(str(exc))
    try:
        last = parse_date(values.get("last_date"))
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise ValueError("；".join(problems))
    return LedgerRow(row=row, cycle_months=cycle, last_date=last, extra=dict(extra or {}),
                     **{k: v for k, v in text.items()})  # type: ignore[arg-type]


def read_table(name: str, content: bytes) -> list[tuple[int, list[Any]]]:
    """(line number, cells) of a .csv or .xlsx file."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
            except UnicodeDecodeError:
                raise InvalidInput("CSV 文件编码无法识别：请另存为 UTF-8") from None
        return [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text)), 1)]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise InvalidInput(f"不是可读取的 Excel 文件（{type(exc).__name__}）") from None
        rows = [(i, list(values)) for i, values in enumerate(book.worksheets[0].iter_rows(values_only=True), 1)]
        book.close()
        return rows
    raise InvalidInput(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .xlsx 或 .csv 台账")


def parse_ledger(name: str, content: bytes) -> list[LedgerRow]:
    """Every row of the ledger, or `IngestRejected` listing every bad row (nothing is kept then)."""
    table = read_table(name, content)
    header_at = None
    for idx, (_, cells) in enumerate(table[:HEADER_SEARCH_ROWS]):
        if any(match_header(str(c)) == "name" for c in cells if c is not None):
            header_at = idx
            break
    if header_at is None:
        raise InvalidInput("找不到表头：台账须有“器具名称”一列（前 10 行内）")
    header = [str(c).strip() if c is not None else "" for c in table[header_at][1]]
    fields: list[str | None] = []
    seen: set[str] = set()
    for h in header:
        f = match_header(h)
        fields.append(f if f and f not in seen else None)  # a repeated field keeps its first column
        if f:
            seen.add(f)
    rows, rejected = [], []
    for line, cells in table[header_at + 1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        values: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for h, f, c in zip(header, fields, cells, strict=False):
            if f:
                values[f] = c
            elif h and c is not None and str(c).strip():
                extra[h] = (c.isoformat()[:10] if hasattr(c, "isoformat") else str(c).strip())
        try:
            rows.append(row_from_fields(line, values, extra))
        except ValueError as exc:
            rejected.append(f"第 {line} 行：{exc}")
    if len(rows) + len(rejected) > MAX_ROWS:
        raise InvalidInput(f"台账超过 {MAX_ROWS} 行，请分批上传")
    if rejected:
        raise IngestRejected(f"台账有 {len(rejected)} 行有误，整个文件未导入；请改正后重新上传", rejected)
    if not rows:
        raise InvalidInput("台账没有器具行")
    return rows
