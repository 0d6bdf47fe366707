"""Certificates and standards watch (§6.2.1.2 a): an enterprise's certificates that lapse within 90 days, with the
certification bodies that can renew them, and the standards it produces to that are withdrawn, replaced or about
to be replaced, with the replacement and its effective date — all as of a date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from engine.errors import InvalidInput, NotFound
from engine.ledger.columns import parse_date
from engine.ranking.standards import StandardCatalogue
from engine.storage import models as m
from engine.storage.db import Database
from engine.storage.enterprise_tables import EnterpriseCertificate, EnterpriseStandard
from engine.text.codes import parse_code

EXPIRING_DAYS = 90
MAX_ITEMS = 200
CERT_QUALIFICATIONS = ("认证机构批准书", "指定认证机构")
NUMBERS = re.compile(r"\d{4,5}")


@dataclass(frozen=True)
class CertificateIn:
    scheme: str
    number: str | None = None
    body: str | None = None
    expiry: date | None = None
    scope: str | None = None


@dataclass(frozen=True)
class StandardIn:
    code: str
    product: str | None = None


def certificate_in(raw: dict[str, Any], i: int) -> CertificateIn:
    scheme = str(raw.get("scheme") or "").strip()
    if not scheme or len(scheme) > 80:
        raise InvalidInput(f"第 {i} 项证书：须写认证类别（如 ISO 9001、CCC），不超过 80 字")
    try:
        expiry = parse_date(raw.get("expiry"))
    except ValueError as exc:
        raise InvalidInput(f"第 {i} 项证书：{exc}") from None
    text = {k: (str(raw[k]).strip()[:200] or None) if raw.get(k) is not None else None
            for k in ("number", "body", "scope")}
    return CertificateIn(scheme, text["number"], text["body"], expiry, text["scope"])


def _renewers(agencies: list[m.Agency], scheme: str, on: date) -> list[dict[str, str]]:
    """Certification bodies whose 认证 capabilities name the scheme (by name, or by its number: 9001, 14001 ...)
    and whose approval is valid on `on`."""
    norm = "".join(scheme.split()).upper()
    numbers = set(NUMBERS.findall(norm))
    out = []
    for a in agencies:
        if not any(q.type in CERT_QUALIFICATIONS and (q.valid_until is None or q.valid_until >= on)
                   for q in a.qualifications):
            continue
        for c in a.capabilities:
            if c.service != "认证":
                continue
            text = "".join(f"{c.object}{c.scope or ''}{''.join(c.basis or [])}".split()).upper()
            core = c.object.removesuffix("认证")
            if (core and core in norm) or norm in text or (numbers & set(NUMBERS.findall(text))) or (
                    "CCC" in norm and "CCC" in text):
                out.append({"id": a.id, "name": a.name})
                break
    return out


class Watch:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _check(self, s, enterprise_id: str) -> None:
        if s.get(m.Enterprise, enterprise_id) is None:
            raise NotFound(f"没有企业 {enterprise_id}")

    # ---- the lists, replaced whole (as the page saves them) -----------------------------------------------
    def set_certificates(self, enterprise_id: str, items: list[CertificateIn]) -> None:
        if len(items) > MAX_ITEMS:
            raise InvalidInput(f"证书最多 {MAX_ITEMS} 项")
        with self.db.session() as s:
            self._check(s, enterprise_id)
            s.execute(delete(EnterpriseCertificate).where(EnterpriseCertificate.enterprise_id == enterprise_id))
            for c in items:
                s.add(EnterpriseCertificate(enterprise_id=enterprise_id, scheme=c.scheme, number=c.number,
                                            body=c.body, expiry=c.expiry, scope=c.scope))

    def set_standards(self, enterprise_id: str, items: list[StandardIn]) -> None:
        if len(items) > MAX_ITEMS:
            raise InvalidInput(f"标准最多 {MAX_ITEMS} 项")
        for i, st in enumerate(items, 1):
            if parse_code(st.code) is None:
                raise InvalidInput(f"第 {i} 项“{st.code}”不是标准编号（如 GB/T 19001-2016）")
        with self.db.session() as s:
            self._check(s, enterprise_id)
            s.execute(delete(EnterpriseStandard).where(EnterpriseStandard.enterprise_id == enterprise_id))
            for st in items:
                s.add(EnterpriseStandard(enterprise_id=enterprise_id, code=st.code.strip(), product=st.product))

    # ---- the watch ------------------------------------------------------------------------------------------
    def certificates(self, enterprise_id: str, as_of: date) -> list[dict[str, Any]]:
        with self.db.session() as s:
            self._check(s, enterprise_id)
            rows = s.scalars(select(EnterpriseCertificate).where(
                EnterpriseCertificate.enterprise_id == enterprise_id).order_by(EnterpriseCertificate.id)).all()
            bodies = list(s.scalars(select(m.Agency).where(m.Agency.kind == "certification_body",
                                                          m.Agency.status == "正常")
                                    .options(selectinload(m.Agency.capabilities),
                                             selectinload(m.Agency.qualifications)).order_by(m.Agency.id)))
        out = []
        for c in rows:
            if c.expiry is None:
                state, note = "unknown", "未填写有效期"
            elif c.expiry < as_of:
                state, note = "expired", f"已于 {c.expiry} 过期，须重新认证"
            elif c.expiry <= as_of + timedelta(days=EXPIRING_DAYS):
                state, note = "expiring", f"将于 {c.expiry} 到期（还有 {(c.expiry - as_of).days} 天），请安排再认证"
            else:
                state, note = "valid", f"有效期至 {c.expiry}"
            renew = _renewers(bodies, c.scheme, max(as_of, c.expiry or as_of)) if state in (
                "expired", "expiring") else []
            out.append({"scheme": c.scheme, "number": c.number, "body": c.body, "expiry": c.expiry,
                        "scope": c.scope, "state": state, "note": note, "renewers": renew})
        return out

    def standards(self, enterprise_id: str, as_of: date) -> list[dict[str, Any]]:
        with self.db.session() as s:
            self._check(s, enterprise_id)
            rows = s.scalars(select(EnterpriseStandard).where(
                EnterpriseStandard.enterprise_id == enterprise_id).order_by(EnterpriseStandard.id)).all()
            catalogue = StandardCatalogue(list(s.scalars(select(m.Standard))))
        return [self.standard_state(catalogue, st.code, as_of) | {"product": st.product} for st in rows]

    @staticmethod
    def standard_state(catalogue: StandardCatalogue, code: str, as_of: date) -> dict[str, Any]:
        """ok | withdrawn (废止, nothing replaces it) | replaced | superseded_soon (a replacement takes effect
        later) | upcoming (not yet in force) | unknown (not in the catalogue)."""
        out: dict[str, Any] = {"code": code, "title": None, "status": None, "state": "unknown",
                               "replacement": None, "replacement_effective": None,
                               "note": "不在标准目录中，请核对编号"}
        try:
            editions = catalogue.lookup(code)
        except NotFound:
            return out
        std = editions[0]
        out.update(code=std.code, title=std.title, status=std.status)
        forward = [c for c in catalogue.chain_forward(std.code) if c in catalogue.by_code]
        nxt = catalogue.by_code[forward[-1]] if forward else None

        def in_force(s: m.Standard) -> bool:
            return s.status == "现行" or (s.status == "即将实施" and s.effective is not None and s.effective <= as_of)

        if nxt is not None:
            out.update(replacement=nxt.code, replacement_effective=nxt.effective)
            if in_force(nxt):
                out.update(state="replaced", note=f"已被 {nxt.code} 代替（{nxt.effective} 实施），请按新标准组织生产")
            else:
                out.update(state="superseded_soon",
                           note=f"将被 {nxt.code} 代替，新标准 {nxt.effective} 实施，请提前准备")
        elif std.status == "废止":
            out.update(state="withdrawn", note="已废止，且无代替标准")
        elif std.status == "即将实施" and not in_force(std):
            out.update(state="upcoming", note=f"尚未实施，{std.effective} 起实施")
        else:
            out.update(state="ok", note="现行有效")
        return out
