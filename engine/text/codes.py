"""Recognition and canonicalisation of standard and regulation codes in any typing.

`GB/T19001`, `gbt 19001`, `ＧＢ／Ｔ　１９００１`, `GB/T 19001—2016`, `JJG539`, `TSG Q7015`, `ISO9001`
all resolve to a canonical `StandardCode` whose `text` is the catalogue's spelling (`GB/T 19001-2016`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.text.normalize import normalize

# Families whose editions are separated by ':' (ISO 6892-1:2019) rather than '-' (GB/T 228.1-2021).
_COLON_YEAR = {"ISO", "IEC", "ISO/IEC", "EN", "IATF", "ASTM"}

_PREFIX = (
    r"ISO\s*/\s*IEC|ISO|IEC|IATF|ASTM|EN"
    r"|GB\s*/?\s*T|GB\s*/\s*Z|GB"
    r"|JJG|JJF|TSG"
    r"|DB\d{2,4}\s*/\s*T|DB\d{2,4}"
    r"|T\s*/\s*[A-Z]{2,8}"
    r"|(?:HJ|NB|JB|YB|JC|JG|JGJ|NY|QB|SN|YY|GA|SH|HG|DL|CJ|CJJ|WS|SB|FZ|LY|MT|AQ|SJ)\s*/\s*T"
    r"|HJ|JGJ|NY|YY|GA|WS|AQ|SN|QB"
)
_CODE_RE = re.compile(
    rf"(?<![A-Za-z])(?P<prefix>{_PREFIX})\s*"
    r"(?P<number>(?:(?<=TSG)\s*[A-Z]{1,2}\s*)?\d+(?:\.\d+)*(?:-\d{1,3}(?!\d))?)"
    r"(?:\s*[-:]\s*(?P<year>(?:19|20)\d{2})(?!\d))?",
    re.IGNORECASE,
)
# EU acts: "2006/42/EC", "(EU) 2023/1230"; either marker is required so dates are not taken for acts.
_EU_ACT_RE = re.compile(r"(?P<eu>\(EU\)\s*)?(?P<act>(?:19|20)\d{2}/\d{1,4})(?P<suffix>/(?:EC|EU|EEC))?", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class StandardCode:
    """标准编号 — a standard or regulation code; `year` is None when the edition was not given."""

    prefix: str
    number: str
    year: str | None = None

    @property
    def family(self) -> str:
        """The code without its edition year: `GB/T 19001`."""
        return f"{self.prefix} {self.number}" if self.prefix else self.number

    @property
    def text(self) -> str:
        if not self.prefix:  # an EU act: the number is the whole code
            return self.number
        if self.year is None:
            return self.family
        sep = ":" if self.prefix in _COLON_YEAR else "-"
        return f"{self.family}{sep}{self.year}"

    def __str__(self) -> str:
        return self.text


def _canonical_prefix(raw: str) -> str:
    p = re.sub(r"\s+", "", raw).upper()
    if p == "GBT":
        return "GB/T"
    return p


def _canonical_number(raw: str, prefix: str) -> str:
    number = re.sub(r"\s+", "", raw).upper()
    if prefix == "TSG":
        # TSG series letter, if any, is written apart from the digits: TSG Q7015, TSG ZF001.
        number = re.sub(r"^([A-Z]{1,2})(\d)", r"\1\2", number)
    return number


def _from_match(m: re.Match[str]) -> StandardCode:
    prefix = _canonical_prefix(m.group("prefix"))
    return StandardCode(prefix, _canonical_number(m.group("number"), prefix), m.group("year"))


def _eu_act(m: re.Match[str]) -> StandardCode | None:
    if not (m.group("eu") or m.group("suffix")):
        return None
    act = m.group("act") + (m.group("suffix") or "").upper()
    return StandardCode("", f"(EU) {act}" if m.group("eu") else act)


def _matches(text: str) -> list[tuple[int, int, StandardCode]]:
    found = [(m.start(), m.end(), _from_match(m)) for m in _CODE_RE.finditer(text)]
    for m in _EU_ACT_RE.finditer(text):
        code = _eu_act(m)
        if code and not any(s < m.end() and m.start() < e for s, e, _ in found):
            found.append((m.start(), m.end(), code))
    return sorted(found, key=lambda t: t[0])


def find_codes(text: str) -> list[StandardCode]:
    """Every standard code in free text, in order of appearance, deduplicated."""
    return list(dict.fromkeys(code for _, _, code in _matches(normalize(text))))


def parse_code(text: str) -> StandardCode | None:
    """The code if `text` is one code and nothing else (surrounding spaces allowed), else None."""
    norm = normalize(text)
    m = _CODE_RE.fullmatch(norm)
    if m:
        return _from_match(m)
    m = _EU_ACT_RE.fullmatch(norm)
    return _eu_act(m) if m else None


def code_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of codes in already-normalised text (used to keep codes whole when tokenising)."""
    return [(s, e) for s, e, _ in _matches(text)]


def canonical(text: str) -> str:
    """The canonical spelling of one code; the input normalised when it is not a code."""
    code = parse_code(text)
    return code.text if code else normalize(text)
