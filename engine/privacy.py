"""Personal data (§7.3.3, §7.5.2): masking for staff lists, and a last scrub of everything sent to other roles.

Records carry personal data in known fields (experts' phone, ID card, e-mail; agencies' contact; enterprises'
contact person and phone; a demand's contact). Views for `public` and `widget` keys never include those fields.
`scrub` is the second line of defence: it masks anything in a response that looks like a mobile number, an ID-card
number or an e-mail address, wherever it sits (a free-text scope, a note).
"""

from __future__ import annotations

import re
from typing import Any

PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
DASHED_LANDLINE = re.compile(r"(?<![\dA-Za-z])(0\d{2,3})-(\d{7,8})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{3,4})(\d{4})(?!\d)")
ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")

PERSONAL_FIELDS = frozenset({"phone", "id_card", "email", "contact", "contact_person", "contact_phone"})


def _mask_mobile(value: str) -> str:
    return PHONE.sub(r"\1****\3", value)


def mask_phone(value: str | None) -> str | None:
    """A phone field: mobile or landline, dashed or not."""
    if not value:
        return value
    return LANDLINE.sub(lambda mt: f"{mt[1]}-****{mt[3]}", _mask_mobile(value))


def mask_id_card(value: str | None) -> str | None:
    return ID_CARD.sub(lambda mt: f"{mt[1][:3]}***********{mt[3][-4:]}", value) if value else value


def mask_email(value: str | None) -> str | None:
    return EMAIL.sub(r"\1***@\2", value) if value else value


def mask_name(value: str | None) -> str | None:
    """陆丽 -> 陆*, 欧阳娜娜 -> 欧***."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_text(value: str) -> str:
    """Mobile numbers, dashed landlines (0315-3545944), ID cards and e-mails inside free text. An undashed
    landline is left alone: too close to certificate numbers and codes."""
    value = DASHED_LANDLINE.sub(lambda mt: f"{mt[1]}-****{mt[2][-4:]}", _mask_mobile(value))
    return mask_email(mask_id_card(value))


def scrub(value: Any) -> Any:
    """Drop personal fields and mask personal-looking strings anywhere in a JSON-like value."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in PERSONAL_FIELDS}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value
