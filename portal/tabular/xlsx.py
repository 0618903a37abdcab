"""A streaming XLSX reader: the first sheet's values, row by row, within the read's limits.

openpyxl builds every shared string and every row's cells in memory (a 400 KB file holding one
huge shared string grew a worker by 1.6 GB), so the parts are fed to expat in small chunks
instead, and every count is held to the `Guard`. Values come out as openpyxl's read-only mode
gives them (numbers, dates in date-formatted cells, booleans, cached formula results), as text.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterator
from io import BytesIO
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from portal.tabular.limits import Guard, TableError
from surveys.i18n import N_

CHUNK = 64 * 1024
#: Bytes of XML between two angle brackets: past this a tag (or a text far longer than any cell
#: may hold) would make expat buffer it whole.
MAX_TOKEN_BYTES = 1024 * 1024
#: The zip's central directory (a real XLSX has a few KB; each entry becomes an object in memory).
MAX_DIRECTORY_BYTES = 1024 * 1024
#: Cell formats (Excel allows 64,000) and custom number formats that a styles part may declare.
MAX_FORMATS = 65_536

DAMAGED = N_("Berkas XLSX rusak atau tidak dapat dibaca.")
UNSUPPORTED = N_("Berkas XLSX memuat struktur yang tidak didukung. Simpan ulang sebagai XLSX biasa lalu coba lagi.")


def rows(data: bytes, guard: Guard) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts from column A on) for each row of the first sheet that has one."""
    try:
        book = _Book(data, guard)
        yield from book.sheet_rows()
    except TableError:
        raise
    # What a damaged or hostile file raises from zipfile, zlib and expat: zipfile answers an
    # unknown compression method with NotImplementedError and a bad password with RuntimeError.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, expat.ExpatError, KeyError, ValueError,
            IndexError, OverflowError, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise TableError(DAMAGED) from error


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _attribute(attrs: dict, local_name: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == local_name:
            return value
    return None


class _Book:
    def __init__(self, data: bytes, guard: Guard):
        self.guard = guard
        _check_directory(data, guard.limits.max_zip_entries)
        self.zip = zipfile.ZipFile(BytesIO(data))
        self.names = set(self.zip.namelist())
        workbook = _target("", _Relationships.read(self, "_rels/.rels").first("/officeDocument") or "xl/workbook.xml")
        folder, base = posixpath.split(workbook)
        relationships = _Relationships.read(self, posixpath.join(folder, "_rels", base + ".rels"))
        info = _Workbook()
        self.parse(workbook, info)
        if not info.sheet_ids or info.sheet_ids[0] not in relationships.targets:
            raise TableError(DAMAGED)
        self.sheet = _target(folder, relationships.targets[info.sheet_ids[0]][1])
        self.strings_part = self._part(folder, relationships.first("/sharedStrings"))
        self.styles_part = self._part(folder, relationships.first("/styles"))
        # The zip's own account first: a part declared larger than the limit is not even opened.
        parts = [p for p in (self.sheet, self.strings_part, self.styles_part) if p]
        guard.declare(sum(self.zip.getinfo(p).file_size for p in parts))
        self.epoch = MAC_EPOCH if info.date1904 else WINDOWS_EPOCH

    def _part(self, folder: str, target: str | None) -> str | None:
        name = _target(folder, target) if target else None
        return name if name in self.names else None

    def parse(self, name: str, handler) -> None:
        """Feed a whole part through expat (or until the handler is done)."""
        for _ in self.chunks(name, handler):
            pass

    def chunks(self, name: str, handler) -> Iterator[None]:
        """Feed a part through expat one chunk at a time, yielding after each."""
        parser = _parser(handler, self.guard)
        since_bracket = 0
        with self.zip.open(name) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                self.guard.unpack(len(chunk))
                since_bracket = _check_tokens(chunk, since_bracket)
                parser.Parse(chunk, False)
                self.guard.check_time()
                yield
                if handler.done:
                    return
        parser.Parse(b"", True)
        yield

    def sheet_rows(self) -> Iterator[tuple[int, list[str]]]:
        date_styles, timedelta_styles = set(), set()
        if self.styles_part:
            styles = _Styles(self.guard)
            self.parse(self.styles_part, styles)
            date_styles, timedelta_styles = styles.date_styles, styles.timedelta_styles
        strings: list[str] = []
        if self.strings_part:
            shared = _SharedStrings(self.guard)
            self.parse(self.strings_part, shared)
            strings = shared.strings
        sheet = _Sheet(self.guard, strings, date_styles, timedelta_styles, self.epoch)
        for _ in self.chunks(self.sheet, sheet):
            yield from sheet.finished
            sheet.finished.clear()


def _check_directory(data: bytes, max_entries: int) -> None:
    """Refuse a zip whose central directory is too large before zipfile builds an object for each
    of its entries. zipfile reads the directory by its size, not its count, so both are held."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) < end + 22:
        raise TableError(DAMAGED)
    entries, directory_bytes = struct.unpack("<HI", data[end + 10:end + 16])
    if entries > max_entries or directory_bytes > MAX_DIRECTORY_BYTES:
        raise TableError(UNSUPPORTED)


def _check_tokens(chunk: bytes, since_bracket: int) -> int:
    """Bytes since the last '<' or '>' after this chunk; refuses a stretch longer than MAX_TOKEN_BYTES."""
    first = min((i for i in (chunk.find(b"<"), chunk.find(b">")) if i >= 0), default=-1)
    if first < 0:
        since_bracket += len(chunk)
    else:
        if since_bracket + first > MAX_TOKEN_BYTES:
            raise TableError(UNSUPPORTED)
        since_bracket = len(chunk) - 1 - max(chunk.rfind(b"<"), chunk.rfind(b">"))
    if since_bracket > MAX_TOKEN_BYTES:
        raise TableError(UNSUPPORTED)
    return since_bracket


def _refuse_declarations(*_args) -> None:
    raise TableError(UNSUPPORTED)


def _parser(handler, guard: Guard):
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    parser.buffer_text = True
    depth = [0]
    max_depth = guard.limits.max_xml_depth
    # Local names by qualified name: a few dozen in a real part, so a small bounded cache.
    names: dict[str, str] = {}

    def local(name):
        found = names.get(name)
        if found is None:
            found = _local(name)
            if len(names) < 256:
                names[name] = found
        return found

    def start(name, attrs):
        depth[0] += 1
        if depth[0] > max_depth:
            raise TableError(UNSUPPORTED)
        handler.start(local(name), attrs)

    def end(name):
        depth[0] -= 1
        handler.end(local(name))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = handler.text
    return parser


def _target(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


class _Handler:
    done = False

    def start(self, name: str, attrs: dict) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _Relationships(_Handler):
    def __init__(self):
        #: id -> (type, target)
        self.targets: dict[str, tuple[str, str]] = {}

    @classmethod
    def read(cls, book: _Book, name: str) -> _Relationships:
        found = cls()
        if name in book.names:
            book.parse(name, found)
        return found

    def start(self, name, attrs):
        if name == "Relationship" and len(self.targets) < 10_000:
            self.targets[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))

    def first(self, type_suffix: str) -> str | None:
        return next((target for kind, target in self.targets.values() if kind.endswith(type_suffix)), None)


class _Workbook(_Handler):
    def __init__(self):
        self.sheet_ids: list[str] = []
        self.date1904 = False

    def start(self, name, attrs):
        if name == "sheet" and not self.sheet_ids:
            self.sheet_ids.append(_attribute(attrs, "id") or "")
        elif name == "workbookPr":
            self.date1904 = (attrs.get("date1904") or "").lower() in ("1", "true")

    def end(self, name):
        if name == "sheets":
            self.done = True


class _Styles(_Handler):
    """Which cell formats (xf indexes) show dates, and which durations."""

    def __init__(self, guard: Guard):
        self.guard = guard
        self.custom: dict[int, str] = {}
        self.in_cell_xfs = False
        self.count = 0
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()

    def start(self, name, attrs):
        if name == "numFmt":
            if len(self.custom) >= MAX_FORMATS:
                raise TableError(UNSUPPORTED)
            self.custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")[:1000]
        elif name == "cellXfs":
            self.in_cell_xfs = True
        elif name == "xf" and self.in_cell_xfs:
            if self.count >= MAX_FORMATS:
                raise TableError(UNSUPPORTED)
            number_format = int(attrs.get("numFmtId", "0"))
            code = self.custom.get(number_format) or BUILTIN_FORMATS.get(number_format, "")
            if is_date_format(code):
                self.date_styles.add(self.count)
                if is_timedelta_format(code):
                    self.timedelta_styles.add(self.count)
            self.count += 1

    def end(self, name):
        if name == "cellXfs":
            self.in_cell_xfs = False
            self.done = True


class _Text:
    """The text of a string item (<si> or <is>): its <t> runs, not the phonetic guide (<rPh>)."""

    def __init__(self, guard: Guard):
        self.guard = guard
        self.parts: list[str] = []
        self.length = 0
        self.in_t = False
        self.in_phonetic = False

    def start(self, name):
        if name == "t" and not self.in_phonetic:
            self.in_t = True
        elif name == "rPh":
            self.in_phonetic = True

    def end(self, name):
        if name == "t":
            self.in_t = False
        elif name == "rPh":
            self.in_phonetic = False

    def text(self, data):
        if self.in_t:
            self.length += len(data)
            self.guard.text(self.length)
            self.parts.append(data)

    def take(self) -> str:
        value = "".join(self.parts).replace("x005F_", "")
        self.parts, self.length = [], 0
        return value


class _SharedStrings(_Handler):
    def __init__(self, guard: Guard):
        self.guard = guard
        self.strings: list[str] = []
        self.item: _Text | None = None

    def start(self, name, attrs):
        if name == "si":
            self.item = _Text(self.guard)
        elif self.item is not None:
            self.item.start(name)

    def end(self, name):
        if self.item is None:
            return
        if name == "si":
            value = self.item.take()
            self.guard.hold(value)
            self.strings.append(value)
            self.guard.distinct_texts(len(self.strings))
            self.item = None
        else:
            self.item.end(name)

    def text(self, data):
        if self.item is not None:
            self.item.text(data)


class _Sheet(_Handler):
    """Rows of <sheetData>, each handed on as soon as it ends."""

    def __init__(self, guard: Guard, strings: list[str], date_styles: set[int], timedelta_styles: set[int], epoch):
        self.guard = guard
        self.strings = strings
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.epoch = epoch
        self.finished: list[tuple[int, list[str]]] = []
        self.row_number = 0
        self.rows_read = 0
        self.cells: dict[int, str] = {}
        self.column = 0
        self.cell: tuple[str, int] | None = None
        self.value: list[str] | None = None
        self.value_length = 0
        self.raw: str | None = None
        self.inline: _Text | None = None

    def start(self, name, attrs):
        if name == "row":
            self.rows_read += 1
            reference = attrs.get("r")
            self.row_number = int(reference) if reference else self.row_number + 1
            self.guard.row(max(self.row_number, self.rows_read))
            self.cells, self.column = {}, 0
        elif name == "c":
            reference = attrs.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.cell = (attrs.get("t", "n"), int(attrs.get("s") or 0))
        elif name == "v" and self.cell is not None:
            self.value, self.value_length = [], 0
        elif name == "is" and self.cell is not None:
            self.inline = _Text(self.guard)
        elif self.inline is not None:
            self.inline.start(name)

    def text(self, data):
        if self.value is not None:
            self.value_length += len(data)
            self.guard.text(self.value_length)
            self.value.append(data)
        elif self.inline is not None:
            self.inline.text(data)

    def end(self, name):
        if name == "v" and self.value is not None:
            self.raw = "".join(self.value)
            self.value = None
        elif name == "is":
            self.raw = self.inline.take() if self.inline is not None else ""
            self.inline = None
        elif self.inline is not None:
            self.inline.end(name)
        elif name == "c" and self.cell is not None:
            value = self._value(*self.cell, self.raw)
            self.raw, self.cell = None, None
            if value:
                self.guard.column(self.column)
                self.cells[self.column] = value
        elif name == "row":
            if self.cells:
                dense = [""] * max(self.cells)
                for column, value in self.cells.items():
                    dense[column - 1] = value
                self.finished.append((self.row_number, dense))
            self.cells = {}
        elif name == "sheetData":
            self.done = True

    def _value(self, kind: str, style: int, raw: str | None) -> str:
        if raw is None or raw == "":
            return ""
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("inlineStr", "str", "e"):
            return raw
        if kind == "b":
            return str(bool(int(raw)))
        if kind == "d":
            return from_ISO8601(raw).isoformat()
        number = float(raw) if ("." in raw or "e" in raw.lower()) else int(raw)
        if style in self.date_styles:
            try:
                return cell_text(from_excel(number, self.epoch, timedelta=style in self.timedelta_styles))
            except (OverflowError, ValueError):
                return "#VALUE!"
        return cell_text(number)


def _column(reference: str) -> int:
    """The column number of a cell reference such as "AB12" (28)."""
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif char.isdigit():
            break
        else:
            raise ValueError(reference)
        if number > 16_384:
            raise ValueError(reference)
    return number


def cell_text(value) -> str:
    """A spreadsheet value as the importers read it: whole numbers without ".0", dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
