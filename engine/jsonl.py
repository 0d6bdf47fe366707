"""The one JSON-lines reader: ingest files, eval queries and documents, and the index's documents all read here.

Blank lines are skipped; a line that is not a JSON object comes back as a message naming what is wrong, so each
caller decides whether that rejects one row (ingest) or the whole file (`read_objects`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput
from engine.messages import text as msg


def iter_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, object) pairs, or (line number, what is wrong) for a line that is not a JSON object.

    A UTF-8 byte-order mark (Excel's "UTF-8 CSV/JSON" exports write one) is ignored."""
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, msg("ingest.bad_json", problem=f"{exc.msg}，第 {exc.colno} 列")
                continue
            yield lineno, value if isinstance(value, dict) else msg("ingest.bad_json", problem="应为 JSON 对象")


def read_objects(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Every object of a file that must be whole: InvalidInput for a missing file, bad UTF-8 or any bad line."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    out = []
    try:
        for lineno, value in iter_lines(path):
            if isinstance(value, str):
                raise InvalidInput(f"{path}:{lineno}: {value}")
            out.append((lineno, value))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    return out
