"""资质有效性 — whether a qualification holds on a date: the one rule that ranking, filters and profiles share."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

EXPIRING_DAYS = 90  # a profile warns this many days before a qualification lapses

Validity = Literal["valid", "expiring", "expired", "unknown"]


def in_force(valid_until: date | None, as_of: date) -> bool:
    """A qualification counts on `as_of` unless it lapsed before; one without an end date never lapses (长期)."""
    return valid_until is None or valid_until >= as_of


def validity(valid_until: date | None, as_of: date) -> Validity:
    """What a profile shows: valid, expiring within `EXPIRING_DAYS`, expired, or unknown (no end date on file)."""
    if valid_until is None:
        return "unknown"
    if not in_force(valid_until, as_of):
        return "expired"
    return "expiring" if valid_until <= as_of + timedelta(days=EXPIRING_DAYS) else "valid"
