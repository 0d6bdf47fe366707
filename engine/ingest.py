"""`qi ingest`: load JSON lines, CSV and Excel files into the database, row by row, idempotently.

Every row is validated; a bad row is reported with file, line and reason and the good rows are still loaded.
Re-ingesting the same file updates records in place (primary keys: ids, standard codes), never duplicates them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import IngestRejected, InvalidInput
from engine.ingest_xlsx import XlsxLimits, read_xlsx
from engine.schemas import SCHEMAS, AgencyIn, CapabilityRowIn, QualificationRowIn, StandardIn
from engine.storage import models as m
from engine.storage.db import Database
from engine.text.codes import parse_code

SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")
# Agencies before the flat tables that point at them.
LOAD_ORDER = ["agencies", "capabilities", "qualifications", "experts", "equipment", "enterprises",
              "service_records", "standards"]


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class IngestReport:
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def to_dict(self) -> dict[str, Any]:
        return {"loaded": self.loaded, "rejected": [r.__dict__ for r in self.rejected]}


def kind_of(path: Path, kind: str | None = None) -> str:
    name = kind or path.stem.lower().replace("-", "_")
    if name not in SCHEMAS:
        raise InvalidInput(
            f"{path.name}: cannot tell what this file holds; name it one of {', '.join(SCHEMAS)} "
            f"(e.g. agencies.csv) or pass --kind"
        )
    return name


def read_rows(path: Path, xlsx: XlsxLimits | None = None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) pairs; a row that cannot even be parsed comes as its error message. Excel files are
    checked against `xlsx` (engine/ingest_xlsx.py) before they are opened."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        with path.open(encoding="utf-8-sig") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield lineno, f"invalid JSON: {exc.msg} at column {exc.colno}"
                    continue
                yield lineno, row if isinstance(row, dict) else "expected a JSON object"
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            for row in reader:
                if None in row:
                    yield reader.line_num, "more cells than header columns"
                    continue
                if any((v or "").strip() for v in row.values()):
                    yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
    elif suffix == ".xlsx":
        yield from read_xlsx(path, xlsx or XlsxLimits())
    else:
        raise InvalidInput(f"{path.name}: unsupported file type {suffix!r}; use .jsonl, .csv or .xlsx")


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def ingest_paths(db: Database, paths: list[Path], kind: str | None = None) -> IngestReport:
    """Ingest files and folders (every supported file inside, agencies first)."""
    files: list[tuple[str, Path]] = []
    for path in paths:
        if not path.exists():
            raise InvalidInput(f"{path}: no such file or folder")
        if path.is_dir():
            found = [p for p in sorted(path.iterdir()) if p.suffix.lower() in SUFFIXES and p.stem in SCHEMAS]
            if not found:
                raise InvalidInput(f"{path}: no ingestible files ({', '.join(SCHEMAS)} as .jsonl/.csv/.xlsx)")
            files += [(kind_of(p), p) for p in found]
        else:
            files.append((kind_of(path, kind), path))
    files.sort(key=lambda kp: LOAD_ORDER.index(kp[0]))
    report = IngestReport()
    for file_kind, path in files:
        ingest_file(db, path, file_kind, report)
    return report


def ingest_file(db: Database, path: Path, kind: str, report: IngestReport, all_or_nothing: bool = False,
                batch_rows: int = 500, xlsx: XlsxLimits | None = None) -> None:
    """Load one file, `batch_rows` rows per transaction, so that other writers (a demand being filed) get the
    database between batches instead of waiting behind one long load. With `all_or_nothing` (API uploads) the
    whole file is validated first, reading only, and a single bad row means nothing is loaded; re-loading a file
    updates records in place, so a load cut short is completed by sending the file again."""
    schema = SCHEMAS[kind]
    label = path.name if all_or_nothing else str(path)  # an API answer names no server path
    rejected_before = len(report.rejected)
    if all_or_nothing:
        valid = 0
        with db.session() as session:
            for lineno, row in _rows(path, label, schema, report, xlsx):
                problem = _problem(session, kind, row)
                if problem:
                    report.rejected.append(RejectedRow(label, lineno, problem))
                else:
                    valid += 1
        bad = report.rejected[rejected_before:]
        if bad or not valid:
            reason = f"{len(bad)} row(s) rejected, nothing was loaded" if bad else "no rows in the file"
            raise IngestRejected(f"{path.name}: {reason}", [str(r) for r in bad[:50]])
    loaded = 0
    rows = _rows(path, label, schema, report, xlsx)
    while True:
        with db.session() as session:
            batch = 0
            for lineno, row in rows:
                problem = _problem(session, kind, row) or _store(session, kind, row)
                if problem:
                    report.rejected.append(RejectedRow(label, lineno, problem))
                else:
                    loaded += 1
                batch += 1
                if batch >= batch_rows:
                    break
        if batch < batch_rows:
            break
    report.loaded[kind] = report.loaded.get(kind, 0) + loaded


def _rows(path: Path, label: str, schema, report: IngestReport, xlsx: XlsxLimits | None
          ) -> Iterator[tuple[int, Any]]:
    """(line, validated row) pairs; rows that do not parse or validate go to the report."""
    try:
        for lineno, raw in read_rows(path, xlsx):
            if isinstance(raw, str):
                report.rejected.append(RejectedRow(label, lineno, raw))
                continue
            try:
                yield lineno, schema.model_validate(raw)
            except ValidationError as exc:
                report.rejected.append(RejectedRow(label, lineno, _reason(exc)))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name}: not UTF-8 text") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}: not a readable CSV file ({exc})") from None


def _problem(session: Session, kind: str, row: Any) -> str | None:
    """Why a validated row cannot be stored (it refers to something that does not exist), read-only."""
    if kind in ("capabilities", "qualifications") and session.get(m.Agency, row.agency_id) is None:
        return f"agency_id: unknown agency {row.agency_id!r} (load agencies first)"
    if kind == "standards" and parse_code(row.code) is None:
        return f"code: {row.code!r} is not a recognisable standard code"
    return None


def _store(session: Session, kind: str, row: Any) -> None:
    """Upsert one validated row that `_problem` passed."""
    if kind == "agencies":
        _store_agency(session, row)
    elif kind in ("capabilities", "qualifications"):
        _store_child(session.get(m.Agency, row.agency_id), kind, row)
    elif kind == "standards":
        _store_standard(session, row)
    else:
        table = {"experts": m.Expert, "equipment": m.Equipment, "enterprises": m.Enterprise,
                 "service_records": m.ServiceRecord}[kind]
        session.merge(table(**row.model_dump()))


def _store_agency(session: Session, row: AgencyIn) -> None:
    data = row.model_dump(exclude={"capabilities", "qualifications"})
    agency = session.get(m.Agency, row.id)
    if agency is None:
        agency = m.Agency(**data)
        session.add(agency)
    else:
        for key, value in data.items():
            setattr(agency, key, value)
    # The row is the whole truth about the agency: its lists replace what was there.
    agency.capabilities = [m.Capability(position=i, **c.model_dump()) for i, c in enumerate(row.capabilities)]
    agency.qualifications = [
        m.Qualification(position=i, **q.model_dump()) for i, q in enumerate(row.qualifications)
    ]


def _store_child(agency: m.Agency, kind: str, row: CapabilityRowIn | QualificationRowIn) -> None:
    data = row.model_dump(exclude={"agency_id"})
    if kind == "capabilities":
        items, key = agency.capabilities, ("service", "object")
        factory = m.Capability
    else:
        items, key = agency.qualifications, ("type", "number")
        factory = m.Qualification
    for item in items:
        if all(getattr(item, k) == data[k] for k in key):
            for k, v in data.items():
                setattr(item, k, v)
            return
    items.append(factory(position=len(items), **data))


def _store_standard(session: Session, row: StandardIn) -> None:
    code = parse_code(row.code)
    assert code is not None
    session.merge(m.Standard(family=code.family, **row.model_dump()))
    session.execute(delete(m.StandardReplacement).where(m.StandardReplacement.replacement == row.code))
    links = {(old, row.code) for old in row.replaces}
    if row.replaced_by:
        links.add((row.code, row.replaced_by))
    existing = set(session.execute(select(m.StandardReplacement.replaced, m.StandardReplacement.replacement)))
    for old, new in links - existing:
        session.add(m.StandardReplacement(replaced=old, replacement=new))
    session.flush()
