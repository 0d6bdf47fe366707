"""Excel exports: the annotated ledger (the enterprise's own columns plus what the engine decided) and the
station's proactive list. Cells are written as text or dates, never as formulas."""

from __future__ import annotations

import io
from typing import Any

from engine.ledger.classify import STATUS_LABELS
from engine.ledger.service import AnnotatedLedger

LEDGER_HEADER = ("行号", "器具名称", "型号规格", "测量范围", "准确度等级", "出厂编号", "使用地点", "用途",
                 "检定/校准周期(月)", "上次检定/校准日期", "证书编号", "强制检定", "检定/校准", "依据规程",
                 "执行周期(月)", "下次到期", "状态", "可承担机构", "判定理由")


def _safe(value: Any) -> Any:
    """Text that Excel would read as a formula gets a leading apostrophe; control characters a worksheet cannot
    hold become U+FFFD (as in engine/exports.py)."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _book(title: str, header: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_xlsx(ledger: AnnotatedLedger) -> bytes:
    extra_cols = list(dict.fromkeys(k for r in ledger.rows for k in r.extra))
    rows = []
    for r, c in zip(ledger.rows, ledger.classes, strict=True):
        rows.append([r.row, r.name, r.model, r.measuring_range, r.accuracy, r.serial, r.location, r.use,
                     r.cycle_months, r.last_date, r.certificate_no, "是" if c.mandatory else "否", c.service,
                     c.regulation, c.cycle_months, c.next_due, STATUS_LABELS[c.status],
                     "、".join(n for _, n in ledger.agencies.get(c.row, [])), "；".join(c.reasons),
                     *[r.extra.get(k) for k in extra_cols]])
    return _book("计量器具台账", (*LEDGER_HEADER, *extra_cols), rows)


def proactive_xlsx(items: list[dict[str, Any]]) -> bytes:
    header = ("企业编号", "企业名称", "区县", "行业", "超期项", "近期到期检定", "证书提醒", "标准提醒", "最早日期",
              "提醒事项")
    rows = [[i["enterprise_id"], i["name"], i["region"], i["industry"], i["overdue"], i["due"], i["certificates"],
             i["standards"], i["earliest"], "；".join(r["text"] for r in i["reminders"])] for i in items]
    return _book("主动服务清单", header, rows)
