"""Corpus uploads: the file is kept first (an accepted upload is never lost), then validated and loaded as a whole.

One bad row and nothing of the file is loaded: `IngestRejected` lists the rows. The kept file stays under the
upload folder either way, so staff can fix and resend it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine.config import Settings
from engine.errors import InvalidInput, PayloadTooLarge
from engine.ingest import SUFFIXES, IngestReport, ingest_file, kind_of
from engine.ingest_xlsx import limits_of
from engine.messages import text as msg
from engine.regions import RegionIndex
from engine.storage.db import Database

CHUNK = 1 << 20


@dataclass(frozen=True)
class Upload:
    path: Path
    kind: str  # what the file holds: agencies, experts, ... (engine.rows.SCHEMAS)
    loaded: dict[str, int]

    @property
    def stored_as(self) -> str:
        """Where it is kept, relative to the upload folder (answers never name a server path)."""
        return f"{self.path.parent.name}/{self.path.name}"


def safe_name(filename: str | None) -> str:
    """The client's file name reduced to letters, digits, '.', '-' and '_' (no folders), at most 100 characters."""
    return re.sub(r"[^\w.\-]", "_", (filename or "upload").rsplit("/", 1)[-1])[:100] or "upload"


def keep(settings: Settings, filename: str | None, stream: BinaryIO) -> Path:
    """Write the stream under a new folder of the upload directory, refusing more than `upload_max_bytes`."""
    name = safe_name(filename)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUFFIXES:
        raise InvalidInput(msg("upload.unsupported", suffix=suffix or "（无）"))
    folder = settings.upload_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > settings.upload_max_bytes:
                out.close()
                path.unlink()
                raise PayloadTooLarge(msg("upload.too_large", limit=settings.upload_max_bytes))
            out.write(chunk)
    return path


def accept_upload(settings: Settings, db: Database, filename: str | None, stream: BinaryIO,
                  kind: str | None = None, regions: RegionIndex | None = None) -> Upload:
    """Keep the file, then load it all or nothing (IngestRejected lists the bad rows); `regions` checks the
    region names rows give. Rows are committed `ingest_batch_rows` at a time and a workbook is held to the
    server's xlsx bounds (engine/ingest_xlsx.py)."""
    path = keep(settings, filename, stream)
    file_kind = kind_of(path, kind)
    report = IngestReport()
    ingest_file(db, path, file_kind, report, all_or_nothing=True, regions=regions,
                batch_rows=settings.ingest_batch_rows, xlsx=limits_of(settings))
    return Upload(path, file_kind, report.loaded)
