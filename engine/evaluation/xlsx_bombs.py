"""Zip bombs shaped like Excel files, written as streams (never built in memory), for the abuse tests and bench."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

MB = 1024 * 1024


def _base() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "name", "kind", "region"])
    sheet.append(["AG9001", "样例机构", "testing_lab", "路北区"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(path: Path, replace: dict[str, Iterator[bytes]]) -> Path:
    """The base workbook with some members replaced by streamed content."""
    with zipfile.ZipFile(io.BytesIO(_base())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename in replace:
                continue
            dst.writestr(info.filename, src.read(info.filename))
        for name, chunks in replace.items():
            with dst.open(name, "w", force_zip64=True) as out:
                for chunk in chunks:
                    out.write(chunk)
    return path


def _repeat(head: bytes, unit: bytes, total: int, tail: bytes) -> Iterator[bytes]:
    yield head
    block = unit * max(1, MB // len(unit))
    written = 0
    while written < total:
        piece = block[: total - written]
        yield piece
        written += len(piece)
    yield tail


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def huge_cell(path: Path, size: int) -> Path:
    """One inline string cell of `size` characters."""
    head = SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    return _write(path, {"xl/worksheets/sheet1.xml": _repeat(head, b"A", size, b"</t></is></c></row>" + SHEET_TAIL)})


def huge_shared_string(path: Path, size: int) -> Path:
    """A shared-strings table with one string of `size` characters (what Excel itself writes for long text)."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
    return _write(path, {"xl/sharedStrings.xml": _repeat(head, b"B", size, b"</t></si></sst>")})


def empty_rows(path: Path, size: int) -> Path:
    """`size` bytes of empty rows."""
    return _write(path, {"xl/worksheets/sheet1.xml": _repeat(SHEET_HEAD, b"<row/>", size, SHEET_TAIL)})


def many_rows(path: Path, rows: int) -> Path:
    """`rows` small distinct rows: within the size and ratio limits, over the row limit."""
    def chunks() -> Iterator[bytes]:
        yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
        batch = []
        for i in range(2, rows + 2):
            batch.append(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>E{i:07d}</t></is></c></row>'.encode())
            if len(batch) == 10_000:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch) + SHEET_TAIL
    return _write(path, {"xl/worksheets/sheet1.xml": chunks()})


def forged_dimension(path: Path) -> Path:
    """Two real rows, but a <dimension> claiming the whole grid (openpyxl would pad it with empty cells)."""
    head = SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
    body = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>')
    return _write(path, {"xl/worksheets/sheet1.xml": iter([head, body, SHEET_TAIL])})
