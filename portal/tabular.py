"""Reading uploaded tables (CSV or XLSX) and writing safe spreadsheet cells."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Iterator
from xml.sax.saxutils import escape as xml_escape

from surveys.errors import DomainError
from surveys.i18n import N_

XLSX_MAGIC = b"PK\x03\x04"
#: Cells starting with these are formulas to a spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableError(DomainError):
    """An uploaded file that cannot be read as a table."""


@dataclass
class Table:
    header: list[str]
    #: (row number as the user sees it in their file, cells by normalised header)
    rows: list[tuple[int, dict[str, str]]]


def normalise_header(name: str) -> str:
    return "_".join(str(name or "").strip().lower().replace("-", " ").split())


def read_table(data: bytes, aliases: dict[str, str] | None = None) -> Table:
    """Parse CSV or XLSX by content, not by file name."""
    aliases = aliases or {}
    if data.startswith(XLSX_MAGIC):
        raw_rows = _xlsx_rows(data)
    else:
        raw_rows = _csv_rows(data)
    try:
        header_row = next(raw_rows)
    except StopIteration:
        raise TableError(N_("Berkas kosong."))
    header = [aliases.get(normalise_header(h), normalise_header(h)) for h in header_row]
    rows = []
    for number, cells in enumerate(raw_rows, start=2):
        values = ["" if c is None else str(c).strip() for c in cells]
        if not any(values):
            continue
        values += [""] * (len(header) - len(values))
        rows.append((number, {name: values[i] for i, name in enumerate(header) if name}))
    return Table(header=header, rows=rows)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data[:4096]:
            raise TableError(N_("Berkas bukan CSV atau XLSX yang dapat dibaca."))
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text[:4096]:
        raise TableError(N_("Berkas bukan CSV atau XLSX yang dapat dibaca."))
    first_line = text.split("\n", 1)[0]
    # Indonesian spreadsheets often save CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(N_("Berkas XLSX rusak atau tidak dapat dibaca.")) from exc
    sheet = workbook.worksheets[0]

    def rows():
        for row in sheet.iter_rows(values_only=True):
            yield [_xlsx_cell(v) for v in row]
        workbook.close()

    return rows()


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def safe_cell(value):
    """Escape text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(stream: IO[str], header: list[str], rows) -> None:
    writer = csv.writer(stream)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])


# --- many rows into a saved workbook ---------------------------------------------------------------
#
# openpyxl spends some 40 µs on each cell it writes, which is most of a Laporan's time once its
# tabulation holds tens of thousands of responses. Rows of plain numbers, dates and short texts
# are written here as the sheet's XML directly: openpyxl writes the sheet with one sample row
# whose cells carry each column's number format, and `fill_rows` puts the rows in its place with
# the same cell styles.

_EXCEL_EPOCH = date(1899, 12, 30)
_ROW = re.compile(r'<row r="(\d+)"[^>]*>.*?</row>', re.S)
_CELL_STYLE = re.compile(r'<c r="([A-Z]+)\d+"(?:[^>]*?\ss="(\d+)")?')


def fill_rows(xlsx: bytes, sheet_number: int, sample_row: int, rows: Iterable[Sequence]) -> bytes:
    """The workbook with row `sample_row` of its `sheet_number`-th sheet (1-based, as openpyxl
    numbers sheet files) replaced by `rows` (ints, floats, dates, texts or None), each column
    styled like the sample row's cell. Texts are escaped against formulas (safe_cell)."""
    from openpyxl.utils import get_column_letter

    name = f"xl/worksheets/sheet{sheet_number}.xml"
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    sheet = source.read(name).decode("utf-8")
    sample = next(m for m in _ROW.finditer(sheet) if int(m.group(1)) == sample_row)
    styles = {column: style for column, style in _CELL_STYLE.findall(sample.group(0)) if style}
    parts: list[str] = []
    width = 0
    for number, row in enumerate(rows, start=sample_row):
        cells = []
        for index, value in enumerate(row, start=1):
            if value is None:
                continue
            column = get_column_letter(index)
            style = f' s="{styles[column]}"' if column in styles else ""
            if isinstance(value, date):
                cells.append(f'<c r="{column}{number}"{style}><v>{(value - _EXCEL_EPOCH).days}</v></c>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{column}{number}"{style}><v>{value!r}</v></c>')
            else:
                text = xml_escape(str(safe_cell(value)))
                cells.append(f'<c r="{column}{number}"{style} t="inlineStr"><is><t>{text}</t></is></c>')
        width = max(width, len(row))
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    last = sample_row + len(parts) - 1
    sheet = sheet[:sample.start()] + "".join(parts) + sheet[sample.end():]
    if width:
        sheet = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{get_column_letter(width)}{max(last, 1)}"/>',
                       sheet, count=1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, sheet.encode("utf-8") if item.filename == name else source.read(item.filename))
    return out.getvalue()
