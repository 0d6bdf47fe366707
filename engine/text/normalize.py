"""Normalisation of what people type: full-width forms, dash variants and spaces."""

from __future__ import annotations

import re
import unicodedata

# Dash-like characters people and word processors put into codes ("GB/T 19001—2016").
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2e3a\u2e3b"), "-")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), dash variants to '-', runs of white space to one space, trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """normalize() and lower-case: the form used for matching."""
    return normalize(text).lower()
