"""`qi ingest`: load JSON lines, CSV and Excel files into the database, row by row, idempotently.

Every row is validated; a bad row is reported with file, line and reason and the good rows are still loaded.
Re-ingesting the same file updates records in place (primary keys: ids, standard codes), never duplicates them.
Every file kind gets the same referential checks (`_references`): a region must be one the station knows, an
agency or enterprise a row points at must exist. Reasons are Chinese (the message catalogue); a malformed CSV
(an unclosed quote) is reported as a CSV error with its line, not as a strange row.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from engine.errors import IngestRejected, InvalidInput
from engine.ingest_xlsx import XlsxLimits, read_xlsx
from engine.jsonl import iter_lines
from engine.messages import field_name, validation_problem
from engine.messages import text as msg
from engine.regions import RegionIndex
from engine.rows import SCHEMAS, AgencyIn, CapabilityRowIn, QualificationRowIn
from engine.storage import models as m
from engine.storage.db import Database
from engine.text.codes import parse_code

SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")
# SQLite hands its write lock to no one in particular: a loader that starts its next batch at once can starve a
# waiting writer (a demand being filed) past its busy timeout. Between batches the loader steps aside this long,
# longer than SQLite's longest busy-handler sleep (100 ms), so every waiting writer gets a turn.
BATCH_PAUSE_SQLITE = 0.15
# Agencies before the flat tables that point at them.
LOAD_ORDER = ["agencies", "capabilities", "qualifications", "experts", "equipment", "enterprises",
              "service_records", "standards"]


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        """`agencies.csv 第 3 行：…` — the file's name, never its folder (this reaches HTTP clients)."""
        return f"{Path(self.file).name} " + msg("ingest.row", row=self.line, reason=self.reason)


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
        raise InvalidInput(msg("ingest.unknown_kind", name=path.name, kinds=list(SCHEMAS)))
    return name


def read_rows(path: Path, xlsx: XlsxLimits | None = None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) pairs; a row that cannot even be parsed comes as its error message."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        yield from iter_lines(path)
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            # strict: an unclosed quote is a CSV error, not a row that swallows the rest of the file
            reader = csv.DictReader(fh, strict=True)
            for row in reader:
                if None in row:
                    yield reader.line_num, "单元格多于表头列数"
                    continue
                if any((v or "").strip() for v in row.values()):
                    yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
    elif suffix == ".xlsx":
        yield from read_xlsx(path, xlsx or XlsxLimits())  # checked before it is opened (engine/ingest_xlsx.py)
    else:
        raise InvalidInput(msg("ingest.unsupported", name=path.name, suffix=suffix))


def _reason(exc: ValidationError) -> str:
    return "；".join(f"{'.'.join(str(p) for p in err['loc']) or '整行'}（{field_name(err['loc'])}）："
                    f"{validation_problem(err)}" for err in exc.errors())


def default_regions() -> RegionIndex:
    """The station's region list from the settings' defaults (callers with settings pass their own)."""
    from engine.config import Settings

    fields = Settings.model_fields
    return RegionIndex.load(fields["reference_dir"].default, fields["home_city"].default)


def ingest_paths(db: Database, paths: list[Path], kind: str | None = None,
                 regions: RegionIndex | None = None) -> IngestReport:
    """Ingest files and folders (every supported file inside, agencies first)."""
    regions = regions or default_regions()
    files: list[tuple[str, Path]] = []
    for path in paths:
        if not path.exists():
            raise InvalidInput(msg("ingest.no_path", name=path))
        if path.is_dir():
            found = [p for p in sorted(path.iterdir()) if p.suffix.lower() in SUFFIXES and p.stem in SCHEMAS]
            if not found:
                raise InvalidInput(msg("ingest.no_files", name=path.name, kinds=list(SCHEMAS)))
            files += [(kind_of(p), p) for p in found]
        else:
            files.append((kind_of(path, kind), path))
    files.sort(key=lambda kp: LOAD_ORDER.index(kp[0]))
    report = IngestReport()
    for file_kind, path in files:
        ingest_file(db, path, file_kind, report, regions=regions)
    return report


def ingest_file(db: Database, path: Path, kind: str, report: IngestReport, all_or_nothing: bool = False,
                regions: RegionIndex | None = None, batch_rows: int = 500, xlsx: XlsxLimits | None = None) -> None:
    """Load one file, `batch_rows` rows per transaction, so that other writers (a demand being filed) get the
    database between batches instead of waiting behind one long load. With `all_or_nothing` (API uploads) the
    whole file is validated first, reading only, and a single bad row means nothing is loaded; loading updates
    records in place, so a load cut short is completed by sending the file again."""
    regions = regions or default_regions()
    schema = SCHEMAS[kind]
    rejected_before = len(report.rejected)
    if all_or_nothing:
        valid = 0
        with db.session() as session:
            for lineno, row in _rows(path, schema, report, xlsx):
                problem = _problem(session, kind, row, regions)
                if problem:
                    report.rejected.append(RejectedRow(str(path), lineno, problem))
                else:
                    valid += 1
        bad = report.rejected[rejected_before:]
        if bad or not valid:
            reason = msg("ingest.rejected", name=path.name, count=len(bad)) if bad else msg("ingest.empty",
                                                                                        name=path.name)
            raise IngestRejected(reason, [str(r) for r in bad[:50]])
    loaded = 0
    rows = _rows(path, schema, report, xlsx)
    while True:
        with db.session() as session:
            batch = 0
            for lineno, row in rows:
                problem = _problem(session, kind, row, regions) or _store(session, kind, row)
                if problem:
                    report.rejected.append(RejectedRow(str(path), lineno, problem))
                else:
                    loaded += 1
                batch += 1
                if batch >= batch_rows:
                    break
        if batch < batch_rows:
            break
        if db.engine.dialect.name == "sqlite":
            time.sleep(BATCH_PAUSE_SQLITE)
    report.loaded[kind] = report.loaded.get(kind, 0) + loaded


def _rows(path: Path, schema: Any, report: IngestReport, xlsx: XlsxLimits | None) -> Iterator[tuple[int, Any]]:
    """(line, validated row) pairs; rows that do not parse or validate go to the report."""
    try:
        for lineno, raw in read_rows(path, xlsx):
            if isinstance(raw, str):
                report.rejected.append(RejectedRow(str(path), lineno, raw))
                continue
            try:
                yield lineno, schema.model_validate(raw)
            except ValidationError as exc:
                report.rejected.append(RejectedRow(str(path), lineno, _reason(exc)))
    except UnicodeDecodeError:
        raise InvalidInput(msg("ingest.not_utf8", name=path.name)) from None
    except csv.Error as exc:
        problem = "引号未闭合" if "unexpected end of data" in str(exc) else str(exc)
        raise InvalidInput(msg("ingest.bad_csv", name=path.name, line=_csv_line(path), problem=problem)) from None


def _problem(session: Session, kind: str, row: Any, regions: RegionIndex) -> str | None:
    """Why a validated row cannot be stored, read-only: a reference to nothing, or a code that is no code."""
    if kind == "standards" and parse_code(row.code) is None:
        return "code：" + msg("lookup.not_standard_code", text=row.code)
    return _references(session, kind, row, regions)


def _csv_line(path: Path) -> int:
    """The line where the broken quote opens: the last line with an odd number of quotes before the end."""
    opened = 0
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        inside = False
        for lineno, line in enumerate(fh, 1):
            if line.count('"') % 2:
                inside = not inside
                if inside:
                    opened = lineno
    return opened or 1


# Which fields of each kind point at another record: (field, table) and which carry a region.
AGENCY_REFS = {"capabilities": ("agency_id",), "qualifications": ("agency_id",), "experts": ("employer_agency_id",),
               "equipment": ("owner_agency_id",), "service_records": ("agency_id",)}
ENTERPRISE_REFS = {"service_records": ("enterprise_id",)}
REGION_FIELDS = ("region",)


def _references(session: Session, kind: str, row: Any, regions: RegionIndex) -> str | None:
    """The same referential checks for every file kind; a Chinese reason, or None when the row is sound."""
    for name in REGION_FIELDS:
        value = getattr(row, name, None)
        if value and regions.resolve(value) is None:
            return f"{name}：" + msg("ingest.unknown_region", region=value)
    for names, table, key in ((AGENCY_REFS, m.Agency, "ingest.unknown_agency"),
                              (ENTERPRISE_REFS, m.Enterprise, "ingest.unknown_enterprise")):
        for name in names.get(kind, ()):
            value = getattr(row, name, None)
            if value and session.get(table, value) is None:
                return msg(key, field=name, id=value)
    return None


def _store(session: Session, kind: str, row: Any) -> str | None:
    """Upsert one validated row; a reason string when it refers to something that does not exist."""
    if kind == "agencies":
        _store_agency(session, row)
    elif kind in ("capabilities", "qualifications"):
        agency = session.get(m.Agency, row.agency_id)
        if agency is None:
            return msg("ingest.unknown_agency", field="agency_id", id=row.agency_id)
        _store_child(agency, kind, row)
    elif kind == "standards":
        code = parse_code(row.code)
        if code is None:
            return "code：" + msg("lookup.not_standard_code", text=row.code)
        session.merge(m.Standard(family=code.family, **row.model_dump()))
    else:
        table = {"experts": m.Expert, "equipment": m.Equipment, "enterprises": m.Enterprise,
                 "service_records": m.ServiceRecord}[kind]
        session.merge(table(**row.model_dump()))
    return None


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

