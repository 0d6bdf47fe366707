"""概念 — one entry of the knowledge base, and the closed vocabularies its fields take values from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = frozenset({
    "instrument", "measurand", "special_equipment", "lab_equipment", "product", "mark", "scheme", "test",
    "adoption", "context", "problem", "service", "ccs",
})
# The corpus' own §6.2 service areas (capability `category`).
CATEGORIES = ("计量", "检验检测", "认证认可", "特种设备", "标准", "知识产权", "质量管理", "品牌培育", "创新服务")
# The corpus' own service words (capability `service`).
SERVICES = ("检定", "校准", "检测", "检验", "认证", "咨询", "培训", "考试", "代理", "查询")
# Uses that make verification of an instrument mandatory (计量法, 强制管理的计量器具目录).
MANDATORY_USES = ("贸易结算", "安全防护", "医疗卫生", "环境监测", "行政执法")

REQUIRED_FIELDS = ("id", "kind", "name", "source")
OPTIONAL_FIELDS = ("aliases", "terms", "category", "services", "codes", "attrs", "related")
FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)


@dataclass(frozen=True)
class Concept:
    """A thing the station's expert knows: an instrument, a product, a mark, a problem …, with the everyday words
    for it (`aliases`), the corpus' formal words for it (`terms`), its category, services and codes."""

    id: str
    kind: str
    name: str
    source: str
    aliases: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    category: str | None = None
    services: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    related: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    @property
    def mandatory_uses(self) -> tuple[str, ...]:
        uses = self.attrs.get("mandatory_uses") or ()
        return tuple(u for u in uses if isinstance(u, str))

    @classmethod
    def from_row(cls, row: dict[str, Any], file: str = "", line: int = 0) -> Concept:
        """Build from a row that `validate.check_row` accepted (no checks here)."""
        return cls(
            id=row["id"], kind=row["kind"], name=row["name"], source=row["source"],
            aliases=tuple(row.get("aliases") or ()), terms=tuple(row.get("terms") or ()),
            category=row.get("category"), services=tuple(row.get("services") or ()),
            codes=tuple(row.get("codes") or ()), attrs=dict(row.get("attrs") or {}),
            related=tuple(row.get("related") or ()), file=file, line=line,
        )
