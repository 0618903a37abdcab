"""Many rows into a saved workbook, written as the sheet's XML directly."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from xml.sax.saxutils import escape as xml_escape

from portal.tabular.cells import safe_cell

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
