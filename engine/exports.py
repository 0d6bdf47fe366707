"""Excel exports (§7.3): the filtered demand list, its masked form for other departments (§7.5.2 数据脱敏), and
the table behind each statistics chart. Headers are Chinese; a cell that starts like a formula stays text.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

from engine.demand_list import DemandQuery, agency_names, enterprise_names, search_demands
from engine.errors import InvalidInput
from engine.localtime import StationClock
from engine.messages import text as msg
from engine.privacy import mask_name, mask_phone
from engine.storage import models as m
from engine.storage.db import Database

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000

# table → (title, [(field, column header)])
_GROUP = [("received", "受理"), ("completed", "办结"), ("cancelled", "取消"), ("satisfaction_mean", "平均满意度"),
          ("satisfaction_count", "评价数")]
STATS_TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "by_month": ("按月趋势", [("month", "月份"), *_GROUP]),
    "by_category": ("按服务类别", [("category", "类别"), *_GROUP]),
    "by_region": ("按区县", [("region", "区县"), *_GROUP]),
    "by_channel": ("按渠道", [("channel", "渠道"), *_GROUP]),
    "by_agency": ("机构排行", [("agency_id", "机构编号"), ("name", "机构"), ("served", "服务量"), ("completed", "办结"),
                             ("completion_rate", "办结率"), ("satisfaction_mean", "平均满意度"),
                             ("satisfaction_count", "评价数"), ("turnaround_hours_p50", "响应时长中位数（小时）")]),
    "by_staff": ("工作人员", [("name", "工作人员"), ("key_id", "密钥编号"), ("handled", "经办量"),
                          ("dispatched", "派单量"),
                          ("response_hours_p50", "派单时长中位数（小时）"), ("satisfaction_mean", "平均满意度"),
                          ("satisfaction_count", "评价数")]),
    "satisfaction": ("满意度分布", [("score", "满意度"), ("count", "数量")]),
    "services": ("服务层级", [("level", "层级"), ("count", "数量")]),
}
LEVEL_NAMES = {"basic": "基础服务（§6.2.1）", "extended": "拓展服务（§6.2.2）", "innovation": "创新服务（§6.2.2.5）",
               "unclassified": "未分类"}

DEMAND_COLUMNS = [("number", "档案号"), ("created", "受理时间"), ("channel", "渠道"), ("status", "状态"),
                  ("enterprise_id", "企业编号"), ("enterprise_name", "企业"), ("region", "区县"), ("text", "需求描述"),
                  ("agency_id", "承办机构编号"), ("agency_name", "承办机构"), ("satisfaction", "满意度"),
                  ("contact_person", "联系人"), ("contact_phone", "联系电话")]
MASKED_NOTE = ("本表已按 DB1302/T 574-2023 §7.5.2 脱敏：联系人姓名仅保留姓氏，联系电话隐去中间四位；"
               "档案号、企业编号和机构编号保留，可据此在服务站核对原始记录。")


def _put(ws: Worksheet, row: list[Any]) -> None:
    # control characters a worksheet cannot hold (a pasted demand may carry them) become U+FFFD
    ws.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v for v in row])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"  # text, never a formula


def _book(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]],
          notes: list[str] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    _put(ws, [label for _, label in columns])
    for r in rows:
        _put(ws, [r.get(k) for k, _ in columns])
    if notes:
        info = wb.create_sheet("说明")
        for line in notes:
            _put(info, [line])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def stats_rows(table: str, stats: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one statistics table, as the dashboard shows them."""
    if table == "satisfaction":
        return [{"score": k, "count": v} for k, v in stats["satisfaction"]["distribution"].items()]
    if table == "services":
        return [{"level": LEVEL_NAMES[k], "count": v} for k, v in stats["services"].items()]
    return stats[table]


def stats_table_xlsx(table: str, stats: dict[str, Any]) -> bytes:
    title, columns = STATS_TABLES[table]
    period = stats["period"]
    return _book(title, columns, stats_rows(table, stats),
                 [f"{title}：{period['from'] or ''} 至 {period['to'] or ''}",
                  "口径：历史服务档案与服务站受理的需求合并统计（DB1302/T 574-2023 §8）"])


def demand_rows(demands: list[m.DemandRecord], names: dict[str, str], clock: StationClock,
                masked: bool) -> list[dict[str, Any]]:
    return [{"number": d.number, "created": clock.show(d.created_at), "channel": d.channel, "status": d.status,
             "enterprise_id": d.enterprise_id, "enterprise_name": names.get(d.enterprise_id or ""),
             "region": d.region, "text": d.text, "agency_id": d.dispatched_to,
             "agency_name": names.get(d.dispatched_to or ""), "satisfaction": d.satisfaction,
             "contact_person": mask_name(d.contact_person) if masked else d.contact_person,
             "contact_phone": mask_phone(d.contact_phone) if masked else d.contact_phone}
            for d in demands]


def demand_list_xlsx(rows: list[dict[str, Any]], filters: str, masked: bool) -> bytes:
    notes = [f"筛选条件：{filters}", f"共 {len(rows)} 条"]
    if masked:
        notes.append(MASKED_NOTE)
    return _book("需求台账（脱敏）" if masked else "需求台账", DEMAND_COLUMNS, rows, notes)


def demand_table(db: Database, query: DemandQuery, clock: StationClock, masked: bool) -> list[dict[str, Any]]:
    """Every demand the list's filters keep, in the list's order, as export rows (InvalidInput over MAX_ROWS)."""
    with db.session() as s:
        rows, total = search_demands(s, query, clock, MAX_ROWS, 0)
        if total > MAX_ROWS:
            raise InvalidInput(msg("export.too_many", count=total, limit=MAX_ROWS))
        names = {**enterprise_names(s, {d.enterprise_id for d in rows}),
                 **agency_names(s, {d.dispatched_to for d in rows})}
    return demand_rows(rows, names, clock, masked)
