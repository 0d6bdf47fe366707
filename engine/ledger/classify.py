"""Deciding, for one ledger row, with reasons: mandatory verification or not, 检定 or 校准, the governing
regulation, the cycle, the next due date and how soon that is. Pure functions over a row and the catalogue.

The rules (计量法 §9; 实施强制管理的计量器具目录 2020; JJF 1139 for cycles):
- mandatory = the type is on the catalogue AND the stated use is one the catalogue lists for it
  (贸易结算, 安全防护, 医疗卫生, 环境监测, 行政执法); otherwise the enterprise manages it itself (calibration).
- a mandatory instrument is verified (检定) at the regulation's cycle; an enterprise may choose a shorter one,
  never a longer one. Anything else is calibrated (校准) at the enterprise's own cycle, else the catalogue's,
  else 12 months until the enterprise sets one.
- next due = last verification/calibration date + cycle; overdue before the as-of date, then due within
  30 / 60 / 90 days, else ok. No last date on file counts as overdue.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from engine.ledger.catalogue import MANDATORY_USES, Catalogue, InstrumentType
from engine.ledger.columns import LedgerRow

DEFAULT_CYCLE = 12
STATUSES = ("overdue", "due_30", "due_60", "due_90", "ok")
STATUS_LABELS = {"overdue": "已超期", "due_30": "30天内到期", "due_60": "60天内到期", "due_90": "90天内到期",
                 "ok": "正常"}
# Words in a stated use that put it under one of the five mandatory uses.
USE_WORDS: dict[str, tuple[str, ...]] = {
    "贸易结算": ("贸易结算", "贸易", "结算", "计费", "收费", "计价", "交易", "销售", "收购", "交接"),
    "安全防护": ("安全防护", "安全", "防护", "报警", "防爆", "泄漏", "锅炉", "压力容器", "压力管道"),
    "医疗卫生": ("医疗卫生", "医疗", "卫生", "诊断", "诊疗", "体检", "医务室"),
    "环境监测": ("环境监测", "环境", "环保", "排放", "污染", "废气", "废水"),
    "行政执法": ("行政执法", "执法"),
}
NEGATION = re.compile(r"(非|不用于|不作|不涉及|不属于|无关)[^，,；;。/、]*")


def uses_of(use: str | None) -> list[str]:
    """The mandatory uses a stated use falls under (none for 工艺控制, 内部质检 ...); "非贸易结算" is none."""
    text = NEGATION.sub("", use or "")
    return [u for u, words in USE_WORDS.items() if any(w in text for w in words)]


def add_months(day: date, months: int) -> date:
    y, mo = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, mo + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_status(next_due: date | None, as_of: date) -> str:
    if next_due is None:
        return "overdue"
    days = (next_due - as_of).days
    if days < 0:
        return "overdue"
    return "due_30" if days <= 30 else "due_60" if days <= 60 else "due_90" if days <= 90 else "ok"


@dataclass(frozen=True)
class Classification:
    """What the engine decided about one instrument, and why."""

    row: int
    name: str
    type: InstrumentType | None
    mandatory: bool
    service: str  # 检定 | 校准
    regulation: str | None
    cycle_months: int
    next_due: date | None
    status: str
    uses: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)


def classify(row: LedgerRow, catalogue: Catalogue, as_of: date,
             regulation_of: Callable[[str, tuple[str, ...]], str | None] | None = None) -> Classification:
    """`regulation_of(name, words)` names the regulation when the catalogue entry has no codes."""
    reasons: list[str] = []
    found = catalogue.match(row.name)
    t = found[0] if found else None
    uses = uses_of(row.use)
    mandatory = False
    if t is None or not t.controlled:
        reasons.append(f"“{row.name}”不在实施强制管理的计量器具目录中，由企业自行管理")
    else:
        where = "/".join(x for x in (t.group, t.kind) if x)
        reasons.append(f"“{row.name}”属目录中的“{t.name}”" + (f"（{where}）" if where else ""))
        hit = [u for u in uses if u in t.mandatory_uses]
        if hit:
            mandatory = True
            reasons.append(f"用途“{row.use}”属于{'、'.join(hit)}，须强制检定")
        elif uses:
            allowed = "、".join(u for u in MANDATORY_USES if u in t.mandatory_uses)
            reasons.append(f"用途“{row.use}”属于{'、'.join(uses)}，而该器具仅用于{allowed}时强制检定")
        elif row.use:
            reasons.append(f"用途“{row.use}”不属于贸易结算、安全防护、医疗卫生、环境监测、行政执法，不强制检定")
        else:
            reasons.append("台账未写用途：用于贸易结算、安全防护、医疗卫生、环境监测或行政执法时须强制检定，请补充")
    service = "检定" if mandatory else "校准"
    if not mandatory:
        reasons.append("非强制检定的计量器具由企业自主确定校准（或检定）及其周期（JJF 1139）")
    regulation = None
    if t is not None and t.codes:
        regulation = (t.code("JJG") if mandatory else t.code("JJF") or t.code("JJG")) or t.codes[0]
    elif regulation_of is not None:
        regulation = regulation_of(row.name, t.words if t else ())
    cycle = _cycle(row.cycle_months, t.cycle_months if t else None, mandatory, reasons)
    next_due = add_months(row.last_date, cycle) if row.last_date else None
    status = due_status(next_due, as_of)
    if next_due is None:
        reasons.append(f"台账没有上次{service}日期，应尽快送{service}")
    else:
        days = (next_due - as_of).days
        when = f"已超期 {-days} 天" if days < 0 else f"还有 {days} 天"
        reasons.append(f"上次{service} {row.last_date}，周期 {cycle} 个月，下次应于 {next_due} 前{service}（{when}）")
    return Classification(row=row.row, name=row.name, type=t, mandatory=mandatory, service=service,
                          regulation=regulation, cycle_months=cycle, next_due=next_due, status=status,
                          uses=tuple(uses), reasons=tuple(reasons))


def _cycle(own: int | None, regulation_max: int | None, mandatory: bool, reasons: list[str]) -> int:
    if mandatory:
        if own and regulation_max:
            if own > regulation_max:
                reasons.append(f"企业周期 {own} 个月超过规程规定的 {regulation_max} 个月，按 {regulation_max} 个月")
                return regulation_max
            reasons.append(f"按企业周期 {own} 个月（不超过规程规定的 {regulation_max} 个月）")
            return own
        if regulation_max:
            reasons.append(f"按规程检定周期 {regulation_max} 个月")
            return regulation_max
        if own:
            reasons.append(f"目录未载明检定周期，按企业周期 {own} 个月")
            return own
        reasons.append(f"目录未载明检定周期，企业也未填写，暂按 {DEFAULT_CYCLE} 个月")
        return DEFAULT_CYCLE
    if own:
        reasons.append(f"按企业自定周期 {own} 个月")
        return own
    if regulation_max:
        reasons.append(f"企业未定周期，参照规程周期 {regulation_max} 个月")
        return regulation_max
    reasons.append(f"企业未定周期，暂按 {DEFAULT_CYCLE} 个月；请依 JJF 1139 自行确定")
    return DEFAULT_CYCLE
