"""Text is text: control characters (NUL and the rest of C0/C1, bar tab and new lines) are refused on the way in.

PostgreSQL cannot store NUL in a text column and SQLite stores it silently, so the same demand would be a 500 on one
database and a record on the other; refusing it up front gives one answer everywhere (422 `invalid_input`).
"""

from __future__ import annotations

import re

from engine.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def check_text(value: str | None, field: str) -> str | None:
    """`value` unchanged, or InvalidInput naming the field when it holds a control character."""
    if value is not None and has_control(value):
        raise InvalidInput(f"{field} 含有不可见的控制字符（如 NUL），请删除后重新提交")
    return value

