"""What reading one uploaded table may cost, and the guard that counts it as the read goes.

An upload is at most `CERMIN_MAX_UPLOAD_MB`, but an XLSX is a zip of XML: a few hundred KB can
unpack to gigabytes, one shared string can hold a whole file, and a sheet can declare a million
empty rows. Every read is bounded on what it unpacks, parses and keeps, and on time, so any file
under the upload limit is refused with a clear message instead of growing the worker.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from portal import clock
from surveys.errors import DomainError
from surveys.i18n import N_


#: A kept row's (number, row) pair, its number and its slot in the table's list.
ROW_SLOT_BYTES = 100


class TableError(DomainError):
    """An uploaded file that cannot be read as a table."""


def _now() -> float:
    return clock.timestamp()


@dataclass(frozen=True)
class ReadLimits:
    #: Bytes of XML unpacked from an XLSX, all parts together (the zip's declared sizes and the
    #: bytes actually inflated are both held to it).
    max_unpacked_bytes: int = 48 * 1024 * 1024
    #: Rows read, empty ones included (sheet rows or CSV lines).
    max_rows: int = 100_000
    #: Columns: a value further right than this refuses the file.
    max_columns: int = 200
    #: Cells kept: rows with a value times the header's width.
    max_cells: int = 400_000
    #: Memory the kept texts may take (shared strings and cell values, as Python holds them).
    max_kept_bytes: int = 56 * 1024 * 1024
    #: Characters in one cell (Excel's own limit).
    max_cell_chars: int = 32_767
    #: Parts (files) inside an XLSX.
    max_zip_entries: int = 2_000
    #: Nesting of XML elements (a sheet needs about six).
    max_xml_depth: int = 64
    #: Below gunicorn's worker timeout (30 s), so the user gets a message, not a dropped request.
    max_seconds: float = 20.0
    #: Seconds on the portal's clock; tests inject a clock that runs as they say.
    clock: Callable[[], float] = field(default=_now, compare=False)


class Guard:
    """Counts what a read has used so far and refuses the file past any limit."""

    def __init__(self, limits: ReadLimits):
        self.limits = limits
        self.deadline = limits.clock() + limits.max_seconds
        self.unpacked = 0
        self.cells = 0
        self.kept = 0

    def check_time(self) -> None:
        if self.limits.clock() > self.deadline:
            raise TableError(N_("Berkas terlalu lama diproses (lebih dari %(seconds)d detik). Bagi menjadi "
                                "beberapa berkas yang lebih kecil."), {"seconds": int(self.limits.max_seconds)})

    def declare(self, size: int) -> None:
        """What the zip says its parts will unpack to."""
        if size > self.limits.max_unpacked_bytes:
            self._too_big(self.limits.max_unpacked_bytes)

    def unpack(self, size: int) -> None:
        """Bytes actually unpacked (a zip can understate them)."""
        self.unpacked += size
        if self.unpacked > self.limits.max_unpacked_bytes:
            self._too_big(self.limits.max_unpacked_bytes)

    def hold(self, text: str) -> None:
        """A text the read keeps until it ends."""
        self.kept += sys.getsizeof(text)
        if self.kept > self.limits.max_kept_bytes:
            self._too_big(self.limits.max_kept_bytes)

    def hold_row(self, row: dict[str, str]) -> None:
        """A row the read keeps: its dict, its texts, and its place in the table."""
        self.kept += ROW_SLOT_BYTES + sys.getsizeof(row) + sum(sys.getsizeof(v) for v in row.values() if v)
        if self.kept > self.limits.max_kept_bytes:
            self._too_big(self.limits.max_kept_bytes)

    @staticmethod
    def _too_big(limit: int) -> None:
        raise TableError(N_("Isi berkas terlalu besar setelah dibuka (lebih dari %(mb)d MB). Bagi menjadi "
                            "beberapa berkas yang lebih kecil."), {"mb": limit // (1024 * 1024)})

    def row(self, number: int) -> None:
        if number > self.limits.max_rows:
            raise TableError(N_("Berkas memuat lebih dari %(n)d baris. Bagi menjadi beberapa berkas yang lebih "
                                "kecil."), {"n": self.limits.max_rows})
        if number % 1000 == 0:
            self.check_time()

    def column(self, number: int) -> None:
        if number > self.limits.max_columns:
            raise TableError(N_("Berkas memuat data di luar kolom ke-%(n)d. Hapus kolom yang tidak dipakai."),
                             {"n": self.limits.max_columns})

    def keep(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.max_cells:
            self._too_many_cells()

    def distinct_texts(self, count: int) -> None:
        """An XLSX's shared strings: a table cannot use more of them than it has cells."""
        if count > self.limits.max_cells:
            self._too_many_cells()

    def _too_many_cells(self) -> None:
        raise TableError(N_("Berkas memuat lebih dari %(n)d sel. Bagi menjadi beberapa berkas yang lebih kecil."),
                         {"n": self.limits.max_cells})

    def text(self, length: int) -> None:
        if length > self.limits.max_cell_chars:
            raise TableError(N_("Sebuah sel memuat lebih dari %(n)d karakter."), {"n": self.limits.max_cell_chars})
