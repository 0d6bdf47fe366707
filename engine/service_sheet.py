"""服务单 — the printable record of one demand (§5.1.1, §5.2.3 报告打印, §7.3): archive number, enterprise, the
demand and the station's reading of it, the providers suggested (with reasons) and the one chosen, schedule,
follow-ups and feedback. `sheet` builds it once; the print page shows it and `sheet_pdf` sets it in a CJK font.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.localtime import StationClock
from engine.messages import text as msg
from engine.storage import models as m
from engine.storage.db import Database

STEP_TITLES = {"received": "登记", "matched": "匹配", "dispatched": "派单", "redispatched": "改派",
               "follow_up": "跟踪", "feedback": "反馈"}


def sheet(s: Session, number: str, clock: StationClock) -> dict[str, Any]:
    d = s.scalar(select(m.DemandRecord).where(m.DemandRecord.number == number))
    if d is None:
        raise NotFound(msg("demand.not_found", number=number))
    enterprise = s.get(m.Enterprise, d.enterprise_id) if d.enterprise_id else None
    matched = [e for e in d.events if e.kind == "matched"]
    chosen = [e for e in d.events if e.kind in ("dispatched", "redispatched")]
    last_match = (matched[-1].data or {}) if matched else {}
    dispatch = (chosen[-1].data or {}) if chosen else {}
    feedback = next((e for e in d.events if e.kind == "feedback"), None)
    return {
        "number": d.number, "status": d.status, "channel": d.channel, "received": clock.show(d.created_at),
        "enterprise": {"id": d.enterprise_id, "name": enterprise.name if enterprise else None,
                       "credit_code": enterprise.credit_code if enterprise else None,
                       "region": d.region or (enterprise.region if enterprise else None)},
        "contact": {"person": d.contact_person, "phone": d.contact_phone},
        "text": d.text,
        "reading": last_match.get("reading") or {},
        "station_serves": bool(last_match.get("station_serves")),
        "suggested": [{"id": a.get("id"), "name": a.get("name"), "score": a.get("score"),
                       "reasons": a.get("reasons") or []} for a in last_match.get("agencies") or []][:5],
        "chosen": None if not chosen else {
            "agency_id": dispatch.get("agency_id"), "agency_name": dispatch.get("agency_name") or (
                "本服务站" if dispatch.get("mode") == "station" else dispatch.get("agency_id")),
            "mode": dispatch.get("mode"), "service_items": dispatch.get("service_items") or [],
            "scheduled": clock.show(dispatch.get("scheduled_at")), "period_days": dispatch.get("period_days"),
            "reason": dispatch.get("reason"), "by": dispatch.get("by")},
        "redispatches": [{"at": clock.show(e.at), "reason": (e.data or {}).get("reason"),
                          "from": (e.data or {}).get("previous_agency_id"), "to": (e.data or {}).get("agency_id")}
                         for e in chosen if e.kind == "redispatched"],
        "follow_ups": [{"at": clock.show(e.at), "note": (e.data or {}).get("note"),
                        "status": (e.data or {}).get("status"), "by": (e.data or {}).get("by")}
                       for e in d.events if e.kind == "follow_up"],
        "feedback": None if feedback is None else {
            "at": clock.show(feedback.at), "satisfaction": (feedback.data or {}).get("satisfaction"),
            "comment": (feedback.data or {}).get("comment")},
        "timeline": [{"step": STEP_TITLES.get(e.kind, e.kind), "at": clock.show(e.at), "by": (e.data or {}).get("by")}
                     for e in d.events],
    }


def sheet_pdf(data: dict[str, Any], font: Path, station: str = "质量基础设施“一站式”服务站") -> bytes:
    """The 服务单 as an A4 PDF; `font` is a CJK TrueType/OpenType file (or collection), embedded as a subset."""
    from fpdf import FPDF  # only the PDF needs it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    options = {"collection_font_number": 2} if font.suffix.lower() == ".ttc" else {}  # 2: the SC face of Noto
    pdf.add_font("cjk", fname=str(font), **options)
    pdf.set_title(f"服务单 {data['number']}")
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float = 10.5, height: float = 6.5) -> None:
        pdf.set_font("cjk", size=size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, height, text)

    def heading(text: str) -> None:
        pdf.ln(2)
        line(text, 12.5, 8)

    line(station, 10, 6)
    line(f"服务单　{data['number']}", 17, 11)
    e, c = data["enterprise"], data["contact"]
    line(f"状态：{data['status']}　　渠道：{data['channel']}　　受理时间：{data['received']}")
    heading("一、服务对象")
    line(f"企业：{e['name'] or '—'}（{e['id'] or '未登记编号'}）　统一社会信用代码：{e['credit_code'] or '—'}")
    line(f"区县：{e['region'] or '—'}　联系人：{c['person'] or '—'}　联系电话：{c['phone'] or '—'}")
    heading("二、需求")
    line(data["text"])
    r = data["reading"]
    if r:
        line(f"需求理解：地区 {r.get('region') or '未说明'}；服务 {'、'.join(r.get('services') or []) or '未说明'}"
             + (f"；{'；'.join(r.get('terms'))}" if r.get("terms") else ""))
    heading("三、推荐的服务机构")
    if not data["suggested"]:
        line("（尚未匹配）")
    for i, a in enumerate(data["suggested"], 1):
        line(f"{i}. {a['name']}（{a['id']}）" + ("：" + "；".join(a["reasons"][:3]) if a["reasons"] else ""))
    heading("四、派单")
    ch = data["chosen"]
    if ch is None:
        line("（尚未派单）")
    else:
        line(f"承办：{ch['agency_name']}　服务事项：{'、'.join(ch['service_items']) or '—'}")
        line(f"服务时间：{ch['scheduled'] or '—'}　周期：{str(ch['period_days']) + ' 天' if ch['period_days'] else '—'}"
             + (f"　经办：{ch['by']}" if ch["by"] else ""))
    for x in data["redispatches"]:
        line(f"改派（{x['at']}）：{x['from'] or '—'} → {x['to']}，原因：{x['reason']}")
    heading("五、跟踪")
    if not data["follow_ups"]:
        line("（暂无）")
    for f in data["follow_ups"]:
        status = f"（{f['status']}）" if f["status"] else ""
        line(f"{f['at']}　{f['note']}{status}" + (f"　{f['by']}" if f["by"] else ""))
    heading("六、反馈")
    fb = data["feedback"]
    line("（暂无）" if fb is None else f"满意度 {fb['satisfaction']} 分（{fb['at']}）　{fb['comment'] or ''}")
    return bytes(pdf.output())


def service_sheet(db: Database, number: str, clock: StationClock) -> dict[str, Any]:
    """`sheet` in a session of its own."""
    with db.session() as s:
        return sheet(s, number, clock)
