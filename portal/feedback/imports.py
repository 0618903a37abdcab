"""Importing paper SKM forms (CSV or XLSX): all or nothing, idempotent, in bulk.

Every row is checked before anything is written. Each stored row carries an `import_key`, a
fingerprint of its normalised content plus its occurrence among identical rows of the file, so
two identical paper forms in one file both count while importing the same file again adds
nothing.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock, events
from portal.extensions import db
from portal.feedback.models import UNSUR_COLUMNS, SkmComment, SkmResponse
from portal.feedback.services import MAX_COMMENT, FeedbackError, add_to_rollups
from portal.localtime import stamp, today
from portal.org.models import Counter, Employee, Instansi, Unit
from portal.org.services import ImportRejected, RowProblem
from portal.tabular import Table
from surveys import alerts, skm
from surveys.errors import InvalidResponse
from surveys.i18n import N_

#: Indonesian headings that paper-survey spreadsheets use, mapped to ours.
RESPONSE_ALIASES = {
    "loket": "counter",
    "kode_loket": "counter",
    "waktu": "submitted_at",
    "waktu_survei": "submitted_at",
    "tanggal": "submitted_at",
    "tanggal_survei": "submitted_at",
    "nip": "employee_nip",
    "nip_petugas": "employee_nip",
    "saran": "comment",
    "komentar": "comment",
    "jenis_kelamin": "gender",
    "umur": "age_range",
    "usia": "age_range",
    "pendidikan": "education",
    "pekerjaan": "occupation",
}
REQUIRED_COLUMNS = ("counter", "submitted_at", *UNSUR_COLUMNS)
#: A date written without a time stands for midday, instansi-local: it stays on its own day.
BARE_DATE_TIME = time(12, 0)
#: Rows looked up and written per round trip.
CHUNK = 1000
#: A date alone, or as an XLSX date cell reads (midnight, no offset).
_DATE_ONLY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T00:00:00)?")
_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.IGNORECASE
)


def _fold(text: str) -> str:
    return " ".join(text.replace("–", "-").replace("—", "-").lower().split())


def _choices(pairs: tuple[tuple[str, str], ...], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Profile answers by code or Indonesian label, case-insensitively."""
    lookup = {_fold(code): code for code, _label in pairs}
    lookup.update({_fold(label): code for code, label in pairs})
    lookup.update(extra or {})
    return lookup


PROFILE_CHOICES = {
    "gender": skm.GENDERS,
    "age_range": skm.AGE_RANGES,
    "education": skm.EDUCATION,
    "occupation": skm.OCCUPATIONS,
}
_PROFILE_SYNONYMS = {
    "gender": {"pria": "L", "wanita": "P"},
    "education": {"d1": "S1", "d2": "S1", "d3": "S1", "d4": "S1", "d1-d4": "S1"},
}
PROFILE_ANSWERS = {field: _choices(pairs, _PROFILE_SYNONYMS.get(field)) for field, pairs in PROFILE_CHOICES.items()}
OPTIONAL_COLUMNS = ("employee_nip", "comment", *PROFILE_CHOICES)


@dataclass
class ImportSummary:
    added: int = 0
    skipped: int = 0


class ResponsesRejected(ImportRejected):
    """Bad rows in a paper-survey file; its count is of rows, not of problems."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(sorted(problems, key=lambda p: p.row))
        self.params["count"] = len({p.row for p in problems})


@dataclass
class _PaperRow:
    counter: Counter
    moment: datetime
    scores: dict[str, int]
    employee_id: int | None
    comment: str
    profile: dict[str, str | None]
    key: str = ""


def import_responses(
    instansi: Instansi,
    table: Table,
    progress: Callable[[int], None] | None = None,
    unit_ids: Collection[int] | None = None,
) -> ImportSummary:
    """Store the paper responses of `table`, all or nothing; raise ResponsesRejected listing bad rows.

    `unit_ids` limits the lokets allowed (a unit head imports for their own units only; None
    allows every loket of the instansi). `progress` is called with the number of rows handled.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise FeedbackError(N_("Kolom wajib tidak ada: %(columns)s."), {"columns": ", ".join(missing)})
    reader = _RowReader(instansi, unit_ids)
    problems: list[RowProblem] = []
    rows: list[_PaperRow] = []
    for number, cells in table.rows:
        row_problems = reader.read(number, cells)
        if row_problems:
            problems.extend(row_problems)
        elif not problems:
            rows.append(reader.row)
    if problems:
        raise ResponsesRejected(problems)
    _assign_keys(rows)
    return _store(instansi, rows, progress)


class _RowReader:
    """Checks one row at a time against lookups loaded once for the whole file."""

    def __init__(self, instansi: Instansi, unit_ids: Collection[int] | None):
        self.tz: ZoneInfo = instansi.tz
        self.now = clock.now()
        self.today = today(self.tz, self.now)
        self.allowed = None if unit_ids is None else set(unit_ids)
        counters = db.session.scalars(
            select(Counter).join(Unit).where(Unit.instansi_id == instansi.id)
        ).all()
        self.counters = {c.code.lower(): c for c in counters}
        self.employees = {
            nip: (employee_id, active) for nip, employee_id, active in db.session.execute(
                select(Employee.nip, Employee.id, Employee.active).where(Employee.instansi_id == instansi.id)
            )
        }
        self.row: _PaperRow | None = None

    def read(self, number: int, cells: dict[str, str]) -> list[RowProblem]:
        self.problems: list[RowProblem] = []
        self.number = number
        counter = self._counter(cells.get("counter", ""))
        moment = self._moment(cells.get("submitted_at", ""))
        scores = self._scores(cells)
        employee_id = self._employee(cells.get("employee_nip", ""))
        comment = cells.get("comment", "").strip()
        if len(comment) > MAX_COMMENT:
            self._problem(N_("Saran paling banyak %(max)d karakter (ada %(length)d)."),
                          max=MAX_COMMENT, length=len(comment))
        profile = {field: self._profile(field, cells.get(field, "")) for field in PROFILE_CHOICES}
        if not self.problems:
            self.row = _PaperRow(counter, moment, scores, employee_id, comment, profile)
        return self.problems

    def _problem(self, message: str, **params) -> None:
        self.problems.append(RowProblem(self.number, message, params))

    def _counter(self, code: str) -> Counter | None:
        code = code.strip()
        if not code:
            self._problem(N_("Kode loket wajib diisi."))
            return None
        counter = self.counters.get(code.lower())
        if counter is None:
            self._problem(N_("Loket \"%(counter)s\" tidak dikenal."), counter=code)
        elif not counter.active:
            # As on the citizen form: a closed loket takes no new answers, on paper either.
            self._problem(N_("Loket %(counter)s sudah tidak aktif."), counter=counter.code)
            return None
        elif self.allowed is not None and counter.unit_id not in self.allowed:
            self._problem(N_("Loket %(counter)s milik unit %(unit)s, yang tidak Anda kelola."),
                          counter=counter.code, unit=counter.unit.code)
            return None
        return counter

    def _moment(self, text: str) -> datetime | None:
        text = text.strip()
        if not text:
            self._problem(N_("Tanggal survei wajib diisi."))
            return None
        parsed = parse_moment(text, self.tz)
        if parsed is None:
            self._problem(N_("Tanggal \"%(value)s\" tidak valid; gunakan TTTT-BB-HH JJ:MM, misalnya 2026-03-02 09:15."),
                          value=text)
            return None
        moment, date_only = parsed
        # A date alone is in the future only from the next local day on, even before its 12:00.
        if (moment.date() > self.today) if date_only else (moment > self.now):
            self._problem(N_("Tanggal %(value)s belum terjadi."), value=text)
            return None
        return moment

    def _scores(self, cells: dict[str, str]) -> dict[str, int]:
        answers = {c.upper(): cells.get(c, "") for c in UNSUR_COLUMNS}
        try:
            return skm.validate_scores(answers)
        except InvalidResponse as error:
            for kode, message in error.errors.items():
                if message == skm.MSG_REQUIRED:
                    self._problem(N_("Nilai %(kode)s kosong; isi 1 sampai 4."), kode=kode)
                else:
                    self._problem(N_("Nilai %(kode)s harus 1 sampai 4, bukan \"%(value)s\"."),
                                  kode=kode, value=answers[kode])
            return {}

    def _employee(self, text: str) -> int | None:
        nip = "".join(text.split())
        if not nip:
            return None
        employee_id, active = self.employees.get(nip, (None, False))
        if employee_id is None:
            self._problem(N_("Petugas dengan NIP %(nip)s tidak terdaftar di instansi ini."), nip=nip)
        elif not active:
            self._problem(N_("Petugas dengan NIP %(nip)s sudah tidak aktif."), nip=nip)
        return employee_id

    def _profile(self, field: str, text: str) -> str | None:
        if not text.strip():
            return None
        code = PROFILE_ANSWERS[field].get(_fold(text))
        if code is None:
            allowed = ", ".join(code for code, _label in PROFILE_CHOICES[field])
            self._problem(N_("Isian %(column)s \"%(value)s\" tidak dikenal; gunakan salah satu kode: %(codes)s."),
                          column=field, value=text.strip(), codes=allowed)
        return code


def parse_moment(text: str, tz: ZoneInfo) -> tuple[datetime, bool] | None:
    """(aware datetime, whether only a date was given) from ISO 8601 text, or None.

    Without an offset the time is instansi-local. A date alone means 12:00 local time; so does
    midnight written as a spreadsheet writes a date-only cell (2026-03-02T00:00:00).
    """
    text = text.strip()
    if not _MOMENT.fullmatch(text):
        return None
    try:
        day = _DATE_ONLY.fullmatch(text)
        if day:
            return datetime.combine(date.fromisoformat(day.group(1)), BARE_DATE_TIME, tz), True
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)), False


def _assign_keys(rows: list[_PaperRow]) -> None:
    """Fingerprint each row's normalised content plus its occurrence among identical rows."""
    seen: dict[str, int] = {}
    for row in rows:
        content = json.dumps([
            row.counter.id, row.moment.astimezone(timezone.utc).isoformat(),
            [row.scores[k] for k in skm.UNSUR_CODES], row.employee_id, row.comment,
            [row.profile[f] for f in PROFILE_CHOICES],
        ], ensure_ascii=False, separators=(",", ":"))
        occurrence = seen.get(content, 0)
        seen[content] = occurrence + 1
        row.key = hashlib.sha256(f"{content}#{occurrence}".encode()).hexdigest()


def _store(instansi: Instansi, rows: list[_PaperRow], progress: Callable[[int], None] | None) -> ImportSummary:
    added: list[SimpleNamespace] = []
    try:
        with db.session.begin_nested():
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start:start + CHUNK]
                known = set(db.session.scalars(
                    select(SkmResponse.import_key).where(SkmResponse.import_key.in_([r.key for r in chunk]))
                ))
                fresh = [r for r in chunk if r.key not in known]
                if fresh:
                    added.extend(_insert(instansi, fresh))
                if progress:
                    progress(start + len(chunk))
            add_to_rollups(added)
            db.session.flush()
            events.responses_imported.send(instansi)
    except IntegrityError as error:
        if "import_key" not in str(error.orig).lower():
            raise
        # Another import of the same rows committed meanwhile; running again skips them.
        raise FeedbackError(N_("Sebagian baris baru saja diimpor oleh proses lain; ulangi impor.")) from error
    return ImportSummary(added=len(added), skipped=len(rows) - len(added))


def _insert(instansi: Instansi, rows: list[_PaperRow]) -> list[SimpleNamespace]:
    """Insert responses and their saran in bulk; the responses come back as plain records.

    add_to_rollups only reads attributes, and plain records spare building an ORM object per row.
    """
    values = [_response_values(instansi, row) for row in rows]
    # Core inserts, matched back by import_key: ORM bulk inserts split runs of rows whose NULL
    # columns differ, and ordered RETURNING makes SQLite insert one row per statement.
    responses = SkmResponse.__table__
    id_by_key = dict(db.session.execute(
        responses.insert().returning(responses.c.import_key, responses.c.id), values
    ).all())
    ids = [id_by_key[v["import_key"]] for v in values]
    comments = [
        {"response_id": response_id, "unit_id": v["unit_id"], "counter_id": v["counter_id"],
         "created_at": v["submitted_at"], "local_date": v["local_date"], "text": row.comment}
        for response_id, v, row in zip(ids, values, rows) if row.comment
    ]
    if comments:
        db.session.execute(SkmComment.__table__.insert(), comments)
    return [SimpleNamespace(id=response_id, **v) for response_id, v in zip(ids, values)]


def _response_values(instansi: Instansi, row: _PaperRow) -> dict:
    local = stamp(row.moment, instansi.tz)
    counter = row.counter
    return {
        "instansi_id": instansi.id, "unit_id": counter.unit_id, "counter_id": counter.id,
        "service_id": counter.service_id, "employee_id": row.employee_id, "submitted_at": local.utc,
        "local_date": local.local_date, "local_hour": local.local_hour, "local_weekday": local.local_weekday,
        "negative": alerts.is_negative_skm(row.scores), "channel": "paper", "import_key": row.key,
        **{c: row.scores[c.upper()] for c in UNSUR_COLUMNS}, **row.profile,
    }
