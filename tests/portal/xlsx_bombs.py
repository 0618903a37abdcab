"""Crafted XLSX and CSV files that cost far more to read than their size: each under the upload
limit, each refused within the read's limits. Also run as a script by the memory test
(`python -m tests.portal.xlsx_bombs measure FILE`), in a fresh process."""
from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

ROOT_RELS = (f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
             f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            f'<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (f'<?xml version="1.0"?><Relationships xmlns="{RELS}">'
                 f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
                 f'<Relationship Id="rId3" Type="{DOC_RELS}/styles" Target="styles.xml"/></Relationships>')
SHEET_HEAD = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>nip</t></is></c><c r="B1" t="s"><v>0</v></c></row>'
STRINGS_SMALL = f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>nama</t></si></sst>'
STYLES_SMALL = f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs><xf numFmtId="0"/></cellXfs></styleSheet>'

Part = str | bytes | Callable[[], Iterable[bytes]]


def build(parts: dict[str, Part]) -> bytes:
    """An XLSX (a zip) of the given parts; a callable part is written chunk by chunk."""
    complete = {"_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
                "xl/sharedStrings.xml": STRINGS_SMALL, "xl/styles.xml": STYLES_SMALL,
                "xl/worksheets/sheet1.xml": SHEET_HEAD + HEADER_ROW + SHEET_TAIL, **parts}
    out = io.BytesIO()
    # Level 1: fast to build, and still hundreds of times smaller than what it unpacks to.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in complete.items():
            with archive.open(name, "w") as stream:
                if callable(content):
                    for chunk in content():
                        stream.write(chunk)
                else:
                    stream.write(content.encode() if isinstance(content, str) else content)
    return out.getvalue()


def _repeat(head: str, unit: str, count: int, tail: str):
    batch = max(1, (1 << 20) // len(unit))

    def chunks():
        yield head.encode()
        block = (unit * batch).encode()
        for _ in range(count // batch):
            yield block
        yield (unit * (count % batch)).encode()
        yield tail.encode()
    return chunks


def huge_shared_string(megabytes: int = 160) -> bytes:
    """One shared string of `megabytes` MB: read whole, it alone outgrows the worker."""
    return build({"xl/sharedStrings.xml": _repeat(f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>',
                                                  "A" * 1024, megabytes * 1024, "</t></si></sst>")})


def zip_bomb(megabytes: int = 120) -> bytes:
    """A sheet that unpacks to `megabytes` MB of blank space, honestly declared."""
    return build({"xl/worksheets/sheet1.xml": _repeat(SHEET_HEAD + HEADER_ROW, " " * 1024, megabytes * 1024,
                                                      SHEET_TAIL)})


def lying_zip_bomb(megabytes: int = 120) -> bytes:
    """The same blank space, with the zip declaring the sheet to be 1 KB."""
    data = bytearray(zip_bomb(megabytes))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size
    # Rewrite the size in the local header and the central directory to claim 1 KB.
    needle, fake = real.to_bytes(4, "little"), (1024).to_bytes(4, "little")
    assert data.count(needle) == 2
    return bytes(data.replace(needle, fake))


def million_empty_rows() -> bytes:
    return build({"xl/worksheets/sheet1.xml": lambda: _rows_chunks()})


def _rows_chunks():
    yield (SHEET_HEAD + HEADER_ROW).encode()
    for start in range(2, 1_000_001, 50_000):
        yield "".join(f'<row r="{n}"/>' for n in range(start, min(start + 50_000, 1_000_001))).encode()
    yield SHEET_TAIL.encode()


def million_rows_with_values() -> bytes:
    """The 310 KB sheet of a million rows, each with one value."""
    def chunks():
        yield (SHEET_HEAD + HEADER_ROW).encode()
        yield ("<row><c><v>1</v></c></row>" * 1_000_000).encode()
        yield SHEET_TAIL.encode()
    return build({"xl/worksheets/sheet1.xml": chunks})


def million_columns() -> bytes:
    """One row of a million cells, each with a value, as a writer that omits references makes."""
    return build({"xl/worksheets/sheet1.xml": _repeat(SHEET_HEAD + HEADER_ROW + '<row r="2">', "<c><v>1</v></c>",
                                                      1_000_000, "</row>" + SHEET_TAIL)})


def far_column() -> bytes:
    """One value at column XFD, the last Excel has: openpyxl pads every row out to it."""
    return build({"xl/worksheets/sheet1.xml": SHEET_HEAD + HEADER_ROW +
                  '<row r="2"><c r="XFD2"><v>1</v></c></row>' + SHEET_TAIL})


def repeated_styles(count: int = 2_000_000) -> bytes:
    """A million cell formats, every one a date."""
    return build({"xl/styles.xml": _repeat(f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs>',
                                           '<xf numFmtId="14"/>', count, "</cellXfs></styleSheet>")})


def deeply_nested_styles(depth: int = 1_000_000) -> bytes:
    return build({"xl/styles.xml": lambda: iter([
        f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}">'.encode(), b"<a>" * depth, b"</a>" * depth,
        b"</styleSheet>"])})


def many_tiny_strings(count: int = 1_500_000) -> bytes:
    return build({"xl/sharedStrings.xml": _repeat(f'<?xml version="1.0"?><sst xmlns="{MAIN}">', "<si><t>a</t></si>",
                                                  count, "</sst>")})


def many_long_strings(count: int = 1_500, wide: bool = False) -> bytes:
    """Distinct shared strings of 30,000 characters each (45 MB), every one used by a row. With
    `wide`, one character outside Latin-1 makes Python hold each string at four bytes a character."""
    mark = "😀" if wide else "B"

    def strings():
        yield f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>nama</t></si>'.encode()
        for n in range(count):
            yield f"<si><t>{mark}{n:09d}{'A' * 29_990}</t></si>".encode()
        yield b"</sst>"

    def sheet():
        yield (SHEET_HEAD + HEADER_ROW).encode()
        for n in range(count):
            yield f'<row r="{n + 2}"><c r="A{n + 2}"><v>{n}</v></c><c r="B{n + 2}" t="s"><v>{n + 1}</v></c></row>'.encode()
        yield SHEET_TAIL.encode()
    return build({"xl/sharedStrings.xml": strings, "xl/worksheets/sheet1.xml": sheet})


def huge_attribute(megabytes: int = 40) -> bytes:
    """One start tag of `megabytes` MB, which expat would buffer whole."""
    return build({"xl/worksheets/sheet1.xml": _repeat(SHEET_HEAD + '<row r="1" x="', "B" * 1024, megabytes * 1024,
                                                      '"/>' + SHEET_TAIL)})


def many_entries(count: int = 20_000) -> bytes:
    return build({f"xl/media/x{n}.bin": b"" for n in range(count)})


def lying_entry_count(count: int = 20_000) -> bytes:
    """Many entries, with the zip's end record claiming five: zipfile reads them all regardless."""
    data = bytearray(many_entries(count))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (5).to_bytes(2, "little") * 2
    return bytes(data)


def entity_expansion() -> bytes:
    laughs = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "AAAAAAAAAA">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
              + f']><sst xmlns="{MAIN}"><si><t>&j;</t></si></sst>')
    return build({"xl/sharedStrings.xml": laughs})


def csv_empty_lines() -> bytes:
    return b"nip,nama\n" + b"\n" * 1_000_000


def csv_wide_row() -> bytes:
    return b"nip,nama\n" + b"," * 1_000_000 + b"x\n"


def csv_huge_field() -> bytes:
    return b"nip,nama\n1," + b"A" * 1_000_000 + b"\n"


BOMBS: dict[str, Callable[[], bytes]] = {
    "huge_shared_string": huge_shared_string,
    "zip_bomb": zip_bomb,
    "lying_zip_bomb": lying_zip_bomb,
    "million_empty_rows": million_empty_rows,
    "million_rows_with_values": million_rows_with_values,
    "million_columns": million_columns,
    "far_column": far_column,
    "repeated_styles": repeated_styles,
    "deeply_nested_styles": deeply_nested_styles,
    "many_tiny_strings": many_tiny_strings,
    "many_long_strings": many_long_strings,
    "wide_char_strings": lambda: many_long_strings(wide=True),
    "huge_attribute": huge_attribute,
    "many_entries": many_entries,
    "lying_entry_count": lying_entry_count,
    "entity_expansion": entity_expansion,
    "csv_empty_lines": csv_empty_lines,
    "csv_wide_row": csv_wide_row,
    "csv_huge_field": csv_huge_field,
}


def measure(path: Path) -> None:
    """Read one file in this fresh process; print the outcome and the peak memory it added (KiB).

    The peak is the process's own high-water mark (VmHWM), reset to the current size before the
    read; getrusage's ru_maxrss would carry over the parent's peak across exec.
    """
    from portal.tabular import ReadLimits, TableError, read_table

    data = path.read_bytes()
    # The size limits alone, on a clock that does not move: on a busy machine the time cap would
    # end a read early, and the memory bound must hold for a read that runs to its end.
    untimed = ReadLimits(clock=lambda: 0.0)
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    try:
        table = read_table(data, limits=untimed)
        outcome = f"read {len(table.rows)}"
    except TableError as error:
        outcome = f"refused {error.message}"
    print(f"{_status_kib('VmHWM') - before}\t{outcome}")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


if __name__ == "__main__":
    measure(Path(sys.argv[2]))
