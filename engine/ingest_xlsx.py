"""Excel files, opened safely: the archive is checked before any XML is parsed, and rows stream with counted limits.

An .xlsx is a zip of XML. A 2 MB file can expand to a 2 GB cell or 1.5 GB of empty rows and take a worker's
memory with it. Before openpyxl sees the file: the declared uncompressed size of all members (Python's zipfile
never inflates a member past its declared size, so the declaration binds), each member's compression ratio, the
member count, and the rows and cells of every sheet, counted by scanning its bytes. While reading (openpyxl
read-only, streaming, declared dimensions ignored so no padding cells are made up): rows, cells and the longest
cell. Each refusal is InvalidInput with a Chinese message naming the limit.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput


@dataclass(frozen=True)
class XlsxLimits:
    """The bounds an Excel file must keep (Settings.xlsx_* carry these defaults for the server)."""

    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 100
    max_rows: int = 200_000
    max_cells: int = 5_000_000
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_members: int = 1_000


def check_archive(path: Path, limits: XlsxLimits) -> None:
    """Refuse an archive that would expand beyond the limits, before anything of it is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput(f"{path.name}: 不是有效的 Excel 文件（.xlsx 应为 zip 压缩包）") from None
    if len(members) > limits.max_members:
        raise InvalidInput(f"{path.name}: 压缩包内有 {len(members)} 个文件，超过上限 {limits.max_members}")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise InvalidInput(f"{path.name}: 解压后共 {total} 字节，超过上限 {limits.max_uncompressed_bytes} 字节")
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise InvalidInput(f"{path.name}: {m.filename} 的压缩比为 {m.file_size // max(m.compress_size, 1)}:1，"
                               f"超过上限 {limits.max_ratio}:1（疑似压缩炸弹）")
    with zipfile.ZipFile(path) as archive:
        for m in members:
            if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                _count_rows(path, archive, m, limits)


def _count_rows(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    """Count rows and cells in a sheet's XML by scanning the inflated bytes (fast, bounded by the size check)
    rather than parsing it: a sheet of a million tiny rows is refused in a fraction of the time openpyxl needs."""
    rows = cells = 0
    carry = b""
    with archive.open(member) as fh:
        while chunk := fh.read(1 << 20):
            text = carry + chunk
            rows += text.count(b"<row")
            cells += text.count(b"<c ") + text.count(b"<c>")
            carry = text[-4:]
            rows -= carry.count(b"<row")  # counted again with the next chunk
            cells -= carry.count(b"<c ") + carry.count(b"<c>")
            if rows > limits.max_rows + 1:
                raise InvalidInput(f"{path.name}: {member.filename} 超过 {limits.max_rows} 行的上限")
            if cells > limits.max_cells:
                raise InvalidInput(f"{path.name}: {member.filename} 的单元格总数超过上限 {limits.max_cells}")
    rows += carry.count(b"<row")
    if rows > limits.max_rows + 1:
        raise InvalidInput(f"{path.name}: {member.filename} 超过 {limits.max_rows} 行的上限")


def read_xlsx(path: Path, limits: XlsxLimits) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(row number, row) pairs of the first sheet, the first row being the header."""
    check_archive(path, limits)
    from openpyxl import load_workbook  # only needed for Excel files

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file  # noqa: BLE001
        raise InvalidInput(f"{path.name}: 无法读取的 Excel 文件（{type(exc).__name__}）") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a forged <dimension> must not make openpyxl pad millions of empty cells
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, ())
        _check_cells(path, 1, first, limits)
        header = [str(h).strip() if h is not None else "" for h in first]
        cells = len(header)
        for lineno, values in enumerate(rows, 2):
            if lineno > limits.max_rows + 1:
                raise InvalidInput(f"{path.name}: 超过 {limits.max_rows} 行的上限")
            cells += len(values)
            if cells > limits.max_cells:
                raise InvalidInput(f"{path.name}: 单元格总数超过上限 {limits.max_cells}")
            _check_cells(path, lineno, values, limits)
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            # A row may be shorter than the header (trailing empty cells): zip stops at the shorter one.
            row = {h: (v.isoformat()[:10] if hasattr(v, "isoformat") else v)
                   for h, v in zip(header, values, strict=False) if h}
            yield lineno, {k: ("" if v is None else v) for k, v in row.items()}
    finally:
        book.close()


def _check_cells(path: Path, lineno: int, values: tuple, limits: XlsxLimits) -> None:
    for v in values:
        if isinstance(v, str) and len(v) > limits.max_cell_chars:
            raise InvalidInput(f"{path.name}: 第 {lineno} 行有单元格超过 {limits.max_cell_chars} 个字符的上限")


def limits_of(settings: Any) -> XlsxLimits:
    """The server's bounds (Settings.xlsx_*)."""
    return XlsxLimits(settings.xlsx_max_uncompressed_bytes, settings.xlsx_max_ratio, settings.xlsx_max_rows,
                      settings.xlsx_max_cells, settings.xlsx_max_cell_chars)
