"""Reading uploaded tables (CSV or XLSX) within limits, and writing safe spreadsheet cells."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from typing import IO, Iterator

from portal.tabular import xlsx
from portal.tabular.cells import FORMULA_PREFIXES, safe_cell
from portal.tabular.limits import Guard, ReadLimits, TableError
from portal.tabular.workbook import fill_rows
from surveys.i18n import N_

__all__ = ["FORMULA_PREFIXES", "ReadLimits", "Table", "TableError", "fill_rows", "normalise_header", "read_table", "safe_cell", "write_csv"]

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    header: list[str]
    #: (row number as the user sees it in their file, cells by normalised header)
    rows: list[tuple[int, dict[str, str]]]


def normalise_header(name: str) -> str:
    return "_".join(str(name or "").strip().lower().replace("-", " ").split())


def read_table(data: bytes, aliases: dict[str, str] | None = None, limits: ReadLimits | None = None) -> Table:
    """Parse CSV or XLSX by content, not by file name, within `limits` (refused with TableError past them).

    The header is the file's first row; rows without any value are skipped.
    """
    aliases = aliases or {}
    guard = Guard(limits or ReadLimits())
    raw_rows = xlsx.rows(data, guard) if data.startswith(XLSX_MAGIC) else _csv_rows(data, guard)
    first = next(raw_rows, None)
    if first is None:
        raise TableError(N_("Berkas kosong."))
    number, cells = first
    header_row = cells if number == 1 else []
    header = [aliases.get(normalise_header(h), normalise_header(h)) for h in header_row]
    named = [(i, name) for i, name in enumerate(header) if name]
    rows = [] if number == 1 else [_row(number, cells, named, guard)]
    for number, cells in raw_rows:
        if any(cells):
            rows.append(_row(number, cells, named, guard))
    return Table(header=header, rows=[row for row in rows if row is not None])


def _row(number: int, cells: list[str], named: list[tuple[int, str]], guard: Guard):
    values = [c.strip() for c in cells]
    if not any(values):
        return None
    guard.keep(len(named))
    row = {name: values[index] if index < len(values) else "" for index, name in named}
    guard.hold_row(row)
    return number, row


def _csv_rows(data: bytes, guard: Guard) -> Iterator[tuple[int, list[str]]]:
    if b"\x00" in data[:4096]:
        raise TableError(N_("Berkas bukan CSV atau XLSX yang dapat dibaca."))
    encoding = "utf-8-sig" if _is_utf8(data) else "cp1252"
    first_line = data[:4096].split(b"\n", 1)[0]
    # Indonesian spreadsheets often save CSV with semicolons.
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    # Decoded as it is read, so the file is never held twice as one large string.
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            guard.row(number)
            for column in range(len(cells), guard.limits.max_columns, -1):
                if cells[column - 1].strip():
                    guard.column(column)
            for cell in cells[:guard.limits.max_columns]:
                guard.text(len(cell))
            yield number, cells[:guard.limits.max_columns]
    except csv.Error as error:
        # A field longer than the csv module's own limit (128 KiB) is far past a cell's.
        raise TableError(N_("Sebuah sel memuat lebih dari %(n)d karakter."), {"n": guard.limits.max_cell_chars}) from error


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes decode as UTF-8, checked piecewise without building the text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 16):
            decoder.decode(data[start:start + (1 << 16)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def write_csv(stream: IO[str], header: list[str], rows) -> None:
    writer = csv.writer(stream)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
