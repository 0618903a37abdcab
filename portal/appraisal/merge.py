"""The merge: the evidence of a period (citizen feedback and released 360 reviews) into one
draft record per active employee, with an audit entry for every change.

The evidence is aggregated in SQL (one GROUP BY per source) and streamed in employee-id order,
a chunk at a time; :func:`portal.appraisal.evaluation.evaluate` computes each employee's figures
(in worker processes for large instansi) and the chunk writer stores what changed (on PostgreSQL,
in a period's first merge, from a thread of its own while the next chunks are prepared, the
records of everyone without evidence made by the server from one set of figures).
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import weakref
from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from operator import add, itemgetter

from sqlalchemy import bindparam, case, exists, func, insert, select, update

from portal import clock
from portal.appraisal import snapshots
from portal.appraisal.audit import AUDIT_FIELDS, audit_row, audit_values
from portal.appraisal.errors import AppraisalError
from portal.appraisal.evaluation import RECORD_PREFIX, Evidence, MergeRules, evaluate
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord, AppraisalSettingsPin, AuditEntry
from portal.appraisal.penilai import org_chart_penilai
from portal.extensions import db
from portal.feedback.models import SkmDaily, SkmResponse
from portal.org.models import Employee, Unit
from portal.reviews.models import QuestionnaireItem, ReviewAnswer, ReviewResponse
from surveys import skm
from surveys.stats import Moments
from surveys.appraisal import Component
from surveys.i18n import N_, Message

#: The fields evaluate() computes from the evidence.
COMPUTED_FIELDS = (
    *(f"{RECORD_PREFIX[c]}_{kind}" for c in Component for kind in ("score", "n")),
    "citizen_held_n", "citizen_rejected_n",
    "citizen_ikm", "citizen_margin",
    *(f"weight_{RECORD_PREFIX[c]}" for c in Component),
    "composite", "rating_perilaku_suggested", "explanation", "development",
)
#: The fields a merge writes (the unit and job group from the employee, the settings snapshot
#: the figures were computed with); a record is rewritten only when one of them changes.
MERGED_FIELDS = ("unit_id", "job_group", *COMPUTED_FIELDS, "settings_id")
#: Employees merged per chunk: bounds memory whatever the size of the instansi.
CHUNK = 1000


@dataclass(frozen=True)
class MergeSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_non_draft: int = 0
    #: Drafts left at their settings by an approved settings change (docs/segregation.md).
    pinned: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped_non_draft + self.pinned

    def messages(self) -> list[Message]:
        """What the merge did, in words for the page and the command."""
        lines: list[Message] = [(N_(
            "Penggabungan selesai: %(created)d catatan baru, %(updated)d diperbarui, %(unchanged)d tidak berubah, "
            "%(skipped)d sudah dikonfirmasi atau final (tidak diubah)."), {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped_non_draft})]
        if self.pinned:
            lines.append((N_("%(pinned)d catatan draf tetap pada pengaturan lama: pegawainya mengusulkan atau "
                             "menyetujui perubahan pengaturan."), {"pinned": self.pinned}))
        return lines


def citizen_query(period: AppraisalPeriod, unit_ids: list[int], by_loket: bool):
    """Per officer and layanan (service key 0: the response named none), over the period's dates
    at the lokets of ``unit_ids``: the responses and the sums of the officer unsur, of their
    squares and of their pairwise products (one GROUP BY, rows (employee key, service key, n,
    *sums), in no order). The officer's own figures and the comparison with the peers at each
    layanan both come from these rows (:func:`citizen_evidence`), so the rollup is read once.

    ``by_loket`` (SQLite) also groups by loket, in the order of the rollup's unique index (loket,
    layanan, officer, date): SQLite has no hash aggregation and sorted 2.5 million rows by officer
    and layanan, while in the index's order it aggregates as it reads; an officer's rows of several
    lokets are summed by :func:`citizen_evidence`. PostgreSQL hashes, where fewer groups are cheaper.
    The units are given as values: PostgreSQL checks a list of values in a hash as it scans, where a
    subquery cost a join."""
    codes = skm.validate_officer_unsur(period.officer_unsur.split(","))
    sums = [func.sum(getattr(SkmDaily, key)) for key in citizen_keys(codes)]
    keys = (SkmDaily.service_key, SkmDaily.employee_key)
    return (select(SkmDaily.employee_key, SkmDaily.service_key, func.sum(SkmDaily.n), *sums)
            .where(SkmDaily.employee_key != 0, SkmDaily.local_date.between(period.citizen_from, period.citizen_to),
                   SkmDaily.unit_id.in_(unit_ids))
            .group_by(*((SkmDaily.counter_id, *keys) if by_loket else keys)))


def citizen_evidence(rows: Iterable[tuple], codes: Iterable[str]
                     ) -> tuple[list[tuple], list[tuple], dict[int, tuple[int, ...]]]:
    """The rows of :func:`citizen_query` (an officer and layanan may come in several, one per
    loket) as :func:`evaluate_rows` takes them, in employee-id order:

    - per officer, its responses over every layanan: (employee id, n, *sums of
      :func:`citizen_keys`);
    - per officer and layanan named: (employee id, service key, n, then per officer unsur the sum
      and the sum of squares of its answers);
    - per layanan named, the same figures over all its officers: service key → (n, sum, square, …).
    """
    codes = tuple(codes)
    #: Where each unsur's sum and square stand among a row's figures (n first).
    pairs = [at for i in range(len(codes)) for at in (1 + i, 1 + len(codes) + i)]
    by_layanan: dict[tuple[int, int], list[int]] = {}
    for employee_id, service_key, *figures in rows:
        figures = list(map(int, figures))
        found = by_layanan.setdefault((employee_id, service_key), figures)
        if found is not figures:
            found[:] = map(add, found, figures)
    citizen: list[tuple] = []
    layanan: list[tuple] = []
    services: dict[int, tuple[int, ...]] = {}
    for (employee_id, service_key), figures in sorted(by_layanan.items()):
        if citizen and citizen[-1][0] == employee_id:
            citizen[-1] = (employee_id, *map(add, citizen[-1][1:], figures))
        else:
            citizen.append((employee_id, *figures))
        if service_key != 0:
            at_layanan = (figures[0], *(figures[at] for at in pairs))
            layanan.append((employee_id, service_key, *at_layanan))
            everyone = services.get(service_key)
            services[service_key] = at_layanan if everyone is None else tuple(map(add, everyone, at_layanan))
    return citizen, layanan, services


def citizen_left_out_query(period: AppraisalPeriod, instansi_id: int):
    """Per officer: the responses over the period's dates that do not count, awaiting review
    (held, or in a paper batch not yet verified) and rejected or withdrawn (one GROUP BY)."""
    r = SkmResponse
    waiting = func.sum(case((r.status.in_(("held", "pending")), 1), else_=0))
    return (select(r.employee_id, waiting, func.count() - waiting)
            .where(r.unit_id.in_(select(Unit.id).where(Unit.instansi_id == instansi_id)),
                   r.status.in_(("held", "pending", "rejected", "withdrawn")), r.employee_id.is_not(None),
                   r.local_date.between(period.citizen_from, period.citizen_to))
            .group_by(r.employee_id).order_by(r.employee_id))


def citizen_square_keys(codes: Iterable[str]) -> list[str]:
    """The rollup columns of the officer unsur's squares and pairwise products (q6, q7, p67)."""
    codes = tuple(codes)
    return [skm.SQUARE_KEYS[code] for code in codes] + [
        key for pair, key in skm.PRODUCT_KEYS.items() if set(pair) <= set(codes)]


def citizen_keys(codes: Iterable[str]) -> list[str]:
    """The rollup columns the merge sums per officer: the officer unsur (s6, s7), then their
    squares and products (:func:`citizen_square_keys`)."""
    codes = tuple(codes)
    return [f"s{code[1:]}" for code in codes] + citizen_square_keys(codes)


def review_totals_query(cycle_ids: list[int], value_codes: Iterable[str]):
    """Per reviewee, cycle and rater group, for each value: the sum and count of non-null scores
    (columns sum, count per value in ``value_codes``, which must cover the cycles'
    questionnaires). Kept per cycle: a group's answers count only where they met their own cycle's
    threshold, which the evaluation decides (surveys.review.cycles_report). One row per group
    rather than per group and value: a seventh of the rows for the merge to read."""
    columns = []
    for code in value_codes:
        score = case((QuestionnaireItem.value_code == code, ReviewAnswer.score))
        columns += [func.sum(score), func.count(score)]
    keys = (ReviewResponse.reviewee_id, ReviewResponse.cycle_id, ReviewResponse.rater_group)
    return (select(*keys, *columns)
            .join(ReviewAnswer, ReviewAnswer.response_id == ReviewResponse.id)
            .join(QuestionnaireItem, QuestionnaireItem.id == ReviewAnswer.item_id)
            .where(ReviewResponse.cycle_id.in_(cycle_ids))
            .group_by(*keys).order_by(*keys))


def review_counts_query(cycle_ids: list[int]):
    """Per reviewee, cycle and rater group: the number of responses."""
    keys = (ReviewResponse.reviewee_id, ReviewResponse.cycle_id, ReviewResponse.rater_group)
    return select(*keys, func.count()).where(ReviewResponse.cycle_id.in_(cycle_ids)).group_by(*keys).order_by(*keys)


_first = itemgetter(0)


class _Stream:
    """Rows of a GROUP BY ordered by employee id, handed out employee range by range, as tuples.

    The rows arrive in batches (a streamed result's partitions), and a range is cut out of a batch
    by bisection: a merge reads some 200,000 rows, and row-by-row iteration cost more than the
    database's work of producing them."""

    def __init__(self, result=None):
        self._batches: Iterator = iter(result.partitions(CHUNK)) if result is not None else iter(())
        self._rows: list = []
        self._at = 0

    @classmethod
    def of_rows(cls, rows: list[tuple]) -> _Stream:
        """A stream of rows already fetched (in employee-id order)."""
        stream = cls()
        stream._batches = iter((rows,))
        return stream

    def upto(self, last_id: int) -> list[tuple]:
        taken: list[tuple] = []
        while True:
            rows, at = self._rows, self._at
            end = bisect_right(rows, last_id, lo=at, key=_first)
            taken.extend(map(tuple, rows[at:end]))
            if end < len(rows):
                self._at = end
                return taken
            self._rows, self._at = next(self._batches, None), 0
            if self._rows is None:
                self._rows = []
                return taken


def _streamed(statement):
    """Rows of a Core statement, handed out CHUNK at a time, without the ORM's row handling: the
    merge reads a row per employee and group.

    On PostgreSQL the statement runs as a plain query. A server-side cursor (DECLARE CURSOR) would
    keep the rows on the server, but PostgreSQL never runs a cursor's query in parallel and plans
    it for its first rows (GROUP BY along an index, nested loops): the three aggregates took three
    times as long as the same queries run plainly. The driver holds the finished result in its
    compact form (some hundreds of bytes per employee) and the rows become Python tuples only a
    chunk at a time, as they are fetched.

    Elsewhere (SQLite) the rows are fetched CHUNK at a time as the database produces them. The
    option goes on the statement: Connection.execution_options() changes the request's connection
    in place, and every later statement would then use a server-side cursor, where PostgreSQL
    refuses executemany."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return connection.execute(statement)
    return connection.execute(statement.execution_options(yield_per=CHUNK))


def _require_released(period: AppraisalPeriod) -> None:
    for cycle in period.cycles:
        if cycle.state != "released":
            raise AppraisalError(
                N_("Siklus ulasan \"%(name)s\" belum dirilis; gabungkan setelah hasilnya dirilis, atau lepaskan "
                   "siklus itu dari periode."), {"name": cycle.name})


def merge(period: AppraisalPeriod, user=None, progress: Callable[[int, int], None] | None = None,
          now: datetime | None = None, workers: int | None = None) -> MergeSummary:
    """Compute or recompute the draft record of every active employee of the period's instansi.

    A new record gets its Pejabat Penilai fixed from today's org chart; every record written
    points at the snapshot of the settings it was computed with. A draft left at its settings
    by an approved settings change (its employee proposed or approved it) is not recomputed.

    The evidence is aggregated in SQL (one GROUP BY per source) and streamed in employee-id
    order, CHUNK employees at a time. Only draft records are written, and only when a figure
    changed, each change with an audit entry; running it twice changes nothing.
    ``progress(done, total)`` is called after each chunk.

    The arithmetic (exact, in integers: :func:`evaluate`) costs some 50 µs per employee with
    evidence, so from PARALLEL_FROM employees on it runs in ``workers`` processes (default:
    :func:`worker_count`, each about 80 MB) while this process reads and writes, which is then
    most of the time; ``workers=0`` keeps it in-process.
    """
    _require_released(period)
    now = now or clock.now()
    rules = MergeRules.of(period)
    cycle_ids = [pc.cycle_id for pc in period.period_cycles]
    connection = db.session.connection()
    employees = connection.execute(
        select(Employee.id, Employee.unit_id, Employee.job_group)
        .where(Employee.instansi_id == period.instansi_id, Employee.active.is_(True)).order_by(Employee.id)).all()
    unit_ids = connection.execute(select(Unit.id).where(Unit.instansi_id == period.instansi_id)).scalars().all()
    # Fetched whole: a layanan's totals over all its officers are needed from the first chunk on.
    citizen_rows, layanan_rows, services = citizen_evidence(
        connection.execute(citizen_query(period, unit_ids, connection.dialect.name == "sqlite")).tuples().all(),
        rules.officer_unsur)
    citizen, layanan = _Stream.of_rows(citizen_rows), _Stream.of_rows(layanan_rows)
    left_out = _Stream(_streamed(citizen_left_out_query(period, period.instansi_id)))
    totals = _Stream(_streamed(review_totals_query(cycle_ids, rules.value_codes)) if cycle_ids else None)
    counts = _Stream(_streamed(review_counts_query(cycle_ids)) if cycle_ids else None)
    writer = _ChunkWriter(period, rules, getattr(user, "id", None), now, snapshots.current(period).id,
                          org_chart_penilai(period.instansi_id))
    pending: deque[tuple[list, dict, Future]] = deque()
    with writer, _evaluator(len(employees), workers) as pool:
        for start in range(0, len(employees), CHUNK):
            chunk = employees[start:start + CHUNK]
            last_id = chunk[-1].id
            rows = (citizen.upto(last_id), totals.upto(last_id), counts.upto(last_id), left_out.upto(last_id),
                    layanan.upto(last_id), services)
            existing = writer.existing(chunk)
            # Decided records are never recomputed; everyone without evidence shares one result.
            drafts = {employee_id: job_group for employee_id, _unit_id, job_group in chunk
                      if existing.get(employee_id, _NEW)[2] == "draft"}
            pending.append((chunk, existing, pool.submit(evaluate_rows, rules, drafts, *rows)))
            # Keep the workers busy while this process writes what they have finished.
            while len(pending) > pool.depth:
                writer.write(*_finished(pending.popleft()))
                _report(progress, writer.done, len(employees))
        while pending:
            writer.write(*_finished(pending.popleft()))
            _report(progress, writer.done, len(employees))
        writer.flush()
    _expire_records()
    return writer.summary()


#: From this many employees on, the arithmetic runs in worker processes.
PARALLEL_FROM = 5_000


def evaluate_rows(rules: MergeRules, drafts: dict[int, str], citizen: list[tuple], totals: list[tuple],
                  counts: list[tuple], left_out: list[tuple] = (), layanan: list[tuple] = (),
                  services: Mapping[int, tuple[int, ...]] | None = None) -> dict[int, tuple[tuple, str]]:
    """:func:`evaluate` for the employees of a chunk (id → job group) that have evidence, from the
    chunk's rows of the GROUP BY queries (``citizen``, ``layanan`` per officer and layanan and ``services``
    the layanan's totals over all officers: :func:`citizen_evidence`), as :func:`_merged` gives it; runs in
    a worker process when there are many."""
    evidence: dict[int, Evidence] = defaultdict(Evidence)
    codes_unsur = skm.validate_officer_unsur(rules.officer_unsur)
    citizen_keys = (*codes_unsur, *citizen_square_keys(codes_unsur))
    for employee_id, n, *sums in citizen:
        evidence[employee_id].citizen = (int(n), dict(zip(citizen_keys, map(int, sums))))
    for employee_id, waiting, rejected in left_out:
        evidence[employee_id].citizen_left_out = (int(waiting), int(rejected))
    codes = rules.value_codes
    for employee_id, cycle_id, group, *pairs in totals:
        per_value = evidence[employee_id].totals[cycle_id, group]
        for code, total, count in zip(codes, pairs[::2], pairs[1::2]):
            if count:  # a value without scores has no mean: as if it had no row
                per_value[code] = (int(total), int(count))
    for employee_id, cycle_id, group, count in counts:
        evidence[employee_id].counts[cycle_id, group] = int(count)
    for employee_id, service_key, n, *sums in layanan:
        everyone = (services or {}).get(service_key)
        if everyone is None or employee_id not in evidence:
            continue
        peers = evidence[employee_id].peers
        for i, code in enumerate(codes_unsur):
            officer = Moments(int(n), int(sums[2 * i]), int(sums[2 * i + 1]))
            peers.setdefault(code, []).append(
                (officer, Moments(everyone[0], everyone[1 + 2 * i], everyone[2 + 2 * i]) - officer))
    return {employee_id: _merged(evaluate(rules, drafts[employee_id], found))
            for employee_id, found in evidence.items() if employee_id in drafts}


def _merged(values: Mapping[str, object]) -> tuple[tuple, str]:
    """An employee's computed values as the writer takes them: the COMPUTED_FIELDS, and the after
    JSON of the audit entry if the record is new."""
    return _COMPUTED_FIELDS(values), _created_entry(values["composite"], values["rating_perilaku_suggested"])


@lru_cache(maxsize=4096)
def _created_entry(composite: Decimal | None, suggested: str | None) -> str:
    """The after JSON of a new record's audit entry (a few thousand distinct ones per merge).

    A new record's entry holds its state and the suggestion. Every other figure is on the record,
    and each later change logs its before value, so the history stays complete without copying
    all the figures of every employee into the log."""
    return audit_values({}, {"status": "draft", "composite": composite, "rating_perilaku_suggested": suggested})[1]


class _InProcess:
    """The executor interface, computing at once in this process."""

    depth = 0

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        future.set_result(function(*args))
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


class _Pool:
    def __init__(self, workers: int):
        # Fork is cheap but only safe without other threads (a forked child inherits their locks,
        # as in a threaded web server); then the workers start afresh instead.
        method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
        #: Chunks handed out beyond the one being written: one queued per worker and one more, so
        #: that a worker still has work while this process reads the next chunk.
        self.depth = workers + 1

    def submit(self, function, *args) -> Future:
        return self.executor.submit(function, *args)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def worker_count(employees: int) -> int:
    """How many worker processes a merge of this many employees uses (0: none): one per core
    beside the merging process's own (it reads and writes all the time), at most two. On two
    cores a second worker only shares the first one's core, at some 10% more CPU in all."""
    return min(2, (os.cpu_count() or 1) - 1) if employees >= PARALLEL_FROM else 0


def _evaluator(employees: int, workers: int | None):
    workers = worker_count(employees) if workers is None else workers
    return _Pool(workers) if workers >= 1 else _InProcess()


#: What `existing` gives for an employee without a record yet: (id, employee id, status).
_NEW = (None, None, "draft")


def _finished(item: tuple[list, dict, Future]) -> tuple[list, dict, dict[int, dict[str, object]]]:
    chunk, existing, future = item
    return chunk, existing, future.result()


def _report(progress: Callable[[int, int], None] | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


class _ChunkWriter:
    """Compares a chunk's computed figures with its stored records and writes the differences."""

    def __init__(self, period: AppraisalPeriod, rules: MergeRules, user_id: int | None, now: datetime,
                 settings_id: int, penilai: dict[int, tuple[int | None, int | None]]):
        self.rules, self.user_id, self.now = rules, user_id, now
        #: The snapshot of the settings this merge computes with.
        self.settings_id = settings_id
        #: Employee id → (Pejabat Penilai, Atasan Pejabat Penilai) for the records it creates.
        self.penilai = penilai
        self.counts: dict[str, int] = defaultdict(int)
        self.done = 0
        #: Everyone without evidence gets the same figures: computed once per job group.
        self.no_evidence: dict[str, tuple[tuple, str]] = {}
        # Kept as plain values: the storing thread must not make the session load anything.
        self.period_id, self.instansi_id = period.id, period.instansi_id
        self.connection = db.session.connection()
        table = AppraisalRecord.__table__
        #: No record of the period existed when the merge began (its first merge): every record
        #: is new, and there is nothing stored to read per chunk.
        self.fresh = not self.connection.execute(select(exists().where(table.c.period_id == self.period_id))).scalar()
        #: On PostgreSQL a first merge stores its chunks in a thread of its own, so that the
        #: server inserts them (their rows, indexes and reference checks, about a third of the
        #: merge's time there) while this process prepares the next ones. Only a first merge: the
        #: merging thread then leaves the connection to the storing one until the merge ends
        #: (existing() reads nothing, and the driver holds the aggregates' rows whole). SQLite
        #: works in this process, where a thread would only wait for the other.
        background = self.fresh and self.connection.dialect.name == "postgresql"
        self._storer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="merge-store") if background else None
        #: The batch of chunks being stored in that thread.
        self._storing: Future | None = None
        #: The chunks written since: they go to the thread together, as its next batch.
        self._waiting: list[tuple] = []

    def __enter__(self) -> _ChunkWriter:
        return self

    def __exit__(self, *exc) -> None:
        """Wait for the chunk being stored (its error is raised unless another one is already on
        its way): the caller may use the connection again after this."""
        if self._storer is None:
            return
        storing, self._storing = self._storing, None
        self._storer.shutdown(wait=True)
        if storing is not None and exc[0] is None:
            storing.result()

    def summary(self) -> MergeSummary:
        return MergeSummary(**self.counts)

    def _without_evidence(self, job_group: str) -> tuple[tuple, str]:
        if job_group not in self.no_evidence:
            self.no_evidence[job_group] = _merged(evaluate(self.rules, job_group, Evidence()))
        return self.no_evidence[job_group]

    def existing(self, chunk: list) -> dict[int, tuple]:
        """The chunk's stored records: employee id → (id, employee id, status, *MERGED_FIELDS), the
        status of a draft left at its settings being PINNED."""
        if self.fresh:
            return {}
        table = AppraisalRecord.__table__
        pinned = exists().where(AppraisalSettingsPin.record_id == table.c.id)
        status = case((pinned, PINNED), else_=table.c.status)
        # Fetched at once: iterating the result fetches row by row, a driver call per record.
        rows = self.connection.execute(
            select(table.c.id, table.c.employee_id, status, *(table.c[f] for f in MERGED_FIELDS))
            .where(table.c.period_id == self.period_id, table.c.employee_id.between(chunk[0].id, chunk[-1].id))
        ).all()
        return {row[1]: row for row in rows}

    def write(self, chunk: list, existing: dict[int, tuple], computed_by_id: dict[int, tuple[tuple, str]]) -> None:
        first, last = chunk[0][0], chunk[-1][0]
        period_id, instansi_id, now = self.period_id, self.instansi_id, self.now
        inserts, updates, audits_for_new, audits, shared = [], [], [], [], []
        for employee_id, unit_id, job_group in chunk:
            current = existing.get(employee_id)
            if current is not None and current[2] != "draft":
                self.counts["pinned" if current[2] == PINNED else "skipped_non_draft"] += 1
                continue
            found = computed_by_id.get(employee_id)
            if found is None and self._storer is not None:
                # A new record with the figures of everyone without evidence: made by the server.
                shared.append((job_group, employee_id, unit_id, *self.penilai.get(employee_id, _NOBODY)))
                continue
            computed, created = found or self._without_evidence(job_group)
            fresh = (unit_id, job_group, *computed, self.settings_id)
            if current is None:
                inserts.append((period_id, employee_id, "draft", now, *fresh, *self.penilai.get(employee_id, _NOBODY)))
                audits_for_new.append((employee_id, created))
                continue
            stored = current[3:]
            if stored == fresh:  # Decimals compare by value: 75.000 == 75
                self.counts["unchanged"] += 1
                continue
            values = dict(zip(MERGED_FIELDS, fresh))
            before = {f: old for f, old, new in zip(MERGED_FIELDS, stored, fresh) if old != new}
            changed = {f: values[f] for f in before}
            updates.append({"record_id": current[0], "computed_at": now, **values})
            audits.append(audit_row(instansi_id, current[0], "merge", *audit_values(before, changed),
                                     None, self.user_id, now))
            self.counts["updated"] += 1
        self.counts["created"] += len(inserts) + len(shared)
        self.done += len(chunk)
        if self._storer is None:
            self._store(first, last, inserts, audits_for_new, updates, audits)
            return
        for job_group in {row[0] for row in shared}:
            self._without_evidence(job_group)  # computed here, read by the storing thread
        # The server stores more slowly than this process prepares: the chunks prepared while it
        # stores a batch go as the next one, in fewer and larger statements (per chunk of 1,000,
        # the statements' round trips and the threads' hand-overs left the server idle a fifth
        # of the time).
        self._waiting.append((first, last, inserts, audits_for_new, updates, audits, shared))
        if self._storing is None or self._storing.done() or len(self._waiting) >= STORE_AHEAD:
            self._hand_over()

    def flush(self) -> None:
        """Hand the chunks still waiting to the storing thread (after the merge's last chunk)."""
        if self._waiting:
            self._hand_over()

    def _hand_over(self) -> None:
        # One batch stored at a time, in order; an error in storing the previous one stops here.
        if self._storing is not None:
            self._storing.result()
        batch, self._waiting = self._waiting, []
        self._storing = self._storer.submit(self._store_batch, batch)

    def _store_batch(self, batch: list[tuple]) -> None:
        """Store consecutive chunks (write()'s parts of each) as one."""
        self._store(batch[0][0], batch[-1][1], *([item for part in batch for item in part[at]] for at in range(2, 7)))

    def _store(self, first: int, last: int, inserts: list[tuple], audits_for_new: list[tuple[int, str]],
               updates: list[dict], audits: list[tuple], shared: list[tuple] = ()) -> None:
        """Write a chunk's new records with their audit entries, and its updates with theirs."""
        connection, table = self.connection, AppraisalRecord.__table__
        for job_group in dict.fromkeys(row[0] for row in shared):
            self._store_shared(job_group, [row[1:] for row in shared if row[0] == job_group])
        if inserts:
            # A plain executemany, then the ids read back: RETURNING over many rows is far slower.
            _insert_many(connection, table, _INSERT_FIELDS, inserts)
            ids = dict(connection.execute(
                select(table.c.employee_id, table.c.id)
                .where(table.c.period_id == self.period_id, table.c.employee_id.between(first, last))).tuples().all())
            audits.extend(audit_row(self.instansi_id, ids[employee_id], "merge", "{}", after, None, self.user_id,
                                    self.now) for employee_id, after in audits_for_new)
        if updates:
            statement = (update(table).where(table.c.id == bindparam("record_id"), table.c.status == "draft")
                         .values({name: bindparam(name) for name in ("computed_at", *MERGED_FIELDS)}))
            connection.execute(statement, updates)
        if audits:
            _insert_many(connection, AuditEntry.__table__, AUDIT_FIELDS, audits)

    def _store_shared(self, job_group: str, employees: list[tuple]) -> None:
        """New records with the figures of everyone in ``job_group`` without evidence, for
        (employee id, unit id, penilai, atasan penilai) each, with their audit entries: one
        statement, the figures sent once (PostgreSQL; about two thirds of a large instansi's
        records, which then cost the server no COPY parsing and this process no formatting)."""
        computed, created = self.no_evidence[job_group]
        dialect = self.connection.dialect
        process = _bind_processor(AppraisalRecord.__table__.c.computed_at, dialect)
        now = process(self.now) if process else self.now
        values = {"period_id": self.period_id, "status": "draft", "computed_at": now, "job_group": job_group,
                  **dict(zip(COMPUTED_FIELDS, computed)), "settings_id": self.settings_id,
                  "instansi_id": self.instansi_id, "action": "merge", "before": "{}", "after": created,
                  "reason": None, "user_id": self.user_id, "at": now}
        values.update(zip(_SHARED_ARRAYS, map(list, zip(*employees))))  # lists: the driver's arrays
        self.connection.exec_driver_sql(_shared_insert(dialect), values)


def _bind_processor(column, dialect) -> Callable | None:
    """What SQLAlchemy does to a value of ``column`` before the driver gets it (None: nothing)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


#: The per-employee columns of _store_shared's statement, as arrays.
_SHARED_ARRAYS = ("employee_id", "unit_id", "penilai_id", "atasan_penilai_id")


@lru_cache(maxsize=4)
def _shared_insert(dialect) -> str:
    """_store_shared's statement: the records from the arrays of _SHARED_ARRAYS and one set of
    figures, then an audit entry for each record made (PostgreSQL, pyformat parameters)."""
    record, audit = AppraisalRecord.__table__, AuditEntry.__table__

    def typed(table, name: str) -> str:
        return f"CAST(%({name})s AS {table.c[name].type.compile(dialect=dialect)})"

    arrays = ", ".join(f"CAST(%({name})s AS INTEGER[])" for name in _SHARED_ARRAYS)
    chosen = [f"t.{name}" if name in _SHARED_ARRAYS else typed(record, name) for name in _INSERT_FIELDS]
    made = (f"INSERT INTO appraisal_record ({', '.join(_INSERT_FIELDS)}) SELECT {', '.join(chosen)} "
            f"FROM unnest({arrays}) AS t({', '.join(_SHARED_ARRAYS)}) RETURNING id")
    entries = ["made.id" if name == "record_id" else typed(audit, name) for name in AUDIT_FIELDS]
    return (f"WITH made AS ({made}) INSERT INTO audit_entry ({', '.join(AUDIT_FIELDS)}) "
            f"SELECT {', '.join(entries)} FROM made")


#: At most this many chunks wait for the storing thread (their rows are held until stored).
STORE_AHEAD = 8
#: The columns of a new record, in the order write() builds its rows.
_INSERT_FIELDS = ("period_id", "employee_id", "status", "computed_at", *MERGED_FIELDS, "penilai_id",
                  "atasan_penilai_id")
#: The merged fields that evaluate() computes, from its result.
_COMPUTED_FIELDS = itemgetter(*COMPUTED_FIELDS)
#: A new record's penilai when the org chart names none (the top of the chart: HR assigns one).
_NOBODY = (None, None)
#: What `existing` says of a draft that an approved settings change left at its settings.
PINNED = "pinned"


def _insert_many(connection, table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT rows (tuples of the columns ``names``) at once.

    Every value goes through its column type's bind processor, as SQLAlchemy would do, a column
    at a time (equal values once): SQLAlchemy's own per-row parameter assembly cost the merge
    more than the database's work. On SQLite the statement, compiled once, runs as one
    executemany; on PostgreSQL (psycopg) the rows go in one COPY, several times faster than
    multi-row INSERTs.
    """
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver != "psycopg":
        connection.execute(insert(table), [dict(zip(names, row)) for row in rows])
        return
    sql, positional, columns = _compiled_insert(table, names, dialect)
    by_position = list(zip(*rows))
    values = []
    for position, process in columns:
        column = by_position[position]
        if process is not None:
            done: dict = {}
            column = [None if v is None else done[v] if v in done else done.setdefault(v, process(v)) for v in column]
        values.append(column)
    if dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in zip(*values):
                copy.write_row(row)
    elif positional:
        connection.exec_driver_sql(sql, list(zip(*values)))
    else:
        order = [names[position] for position, _process in columns]
        connection.exec_driver_sql(sql, [dict(zip(order, row)) for row in zip(*values)])


#: Per dialect (an engine's; forgotten with it): (table name, names) → _compiled_insert's answer.
_COMPILED_INSERTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _compiled_insert(table, names: tuple[str, ...], dialect) -> tuple[str, bool, list[tuple[int, Callable | None]]]:
    """The INSERT's SQL (on PostgreSQL the COPY's), whether its parameters are positional, and
    per parameter (in the statement's order) the position of its value in ``names`` and its
    bind processor."""
    known = _COMPILED_INSERTS.setdefault(dialect, {})
    found = known.get((table.name, names))
    if found is None:
        if dialect.name == "postgresql":
            quote = dialect.identifier_preparer
            sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(name) for name in names)}) FROM STDIN"
            positional, order = True, list(names)
        else:
            compiled = insert(table).values({name: bindparam(name) for name in names}).compile(dialect=dialect)
            sql, positional = compiled.string, compiled.positional
            order = list(compiled.positiontup) if positional else list(names)
        found = known[(table.name, names)] = (sql, positional, [
            (names.index(name), _bind_processor(table.c[name], dialect)) for name in order])
    return found


def _expire_records() -> None:
    """Objects loaded before a bulk write must not show stale figures."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AppraisalRecord):
            db.session.expire(obj)
