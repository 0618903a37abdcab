"""The figures of the IKM dashboards, read from the SKM rollups (never from the responses).

Every number comes from `portal.feedback.scoring` (GROUP BY over SkmDaily and SkmHourly) and
every IKM from `surveys.skm` (compute_ikm; ikm_of_score_total for the monthly trend), so the dashboards, the Laporan SKM, the public page and
the `ikm` command agree to the last decimal. Functions take plain arguments (a Scope, a Period,
the ids a viewer may see) and know nothing of the request or its user.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from portal.extensions import db
from portal.feedback import scoring
from portal.feedback.models import SkmDaily
from portal.insight.models import Alert, FollowUp
from portal.kiosk.services import KioskSummary, kiosk_summary
from portal.org.models import Counter, Employee, Instansi, Service, Unit
from surveys import kiosk, skm, stats
from surveys.errors import NoResponses

#: Period presets, by their key in the URL (`?periode=`), in the order they are offered.
PRESETS = ("bulan", "triwulan", "12bulan", "tahun")
DEFAULT_PRESET = "12bulan"
#: The longest period a dashboard shows (its monthly trend has one point per month).
MAX_DAYS = 5 * 366
WEEKDAYS = 7
HOURS = 24


# --- the period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Instansi-local dates, both inclusive; `preset` names the preset it came from, if any."""

    date_from: date
    date_to: date
    preset: str | None = None

    def __post_init__(self):
        if self.date_from > self.date_to:
            raise ValueError("a period ends after it starts")

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        result, month = [], self.date_from.replace(day=1)
        while month <= self.date_to:
            result.append(month)
            month = _next_month(month)
        return result


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def preset_period(preset: str, today: date) -> Period:
    """bulan ini, triwulan ini, 12 bulan terakhir (this month and the 11 before), tahun ini; up to today."""
    if preset == "bulan":
        start = today.replace(day=1)
    elif preset == "triwulan":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    elif preset == "12bulan":
        months_back = today.year * 12 + today.month - 1 - 11
        start = date(months_back // 12, months_back % 12 + 1, 1)
    elif preset == "tahun":
        start = date(today.year, 1, 1)
    else:
        raise ValueError(f"unknown preset {preset!r}")
    return Period(start, today, preset)


def scope_for(instansi_id: int, period: Period, unit: Unit | None = None, sub_units: list[Unit] = ()) -> scoring.Scope:
    """The scoring scope of a dashboard: one unit (with the given sub-units) or the whole instansi."""
    return scoring.Scope(instansi_id=instansi_id, unit_id=unit.id if unit else None,
                         date_from=period.date_from, date_to=period.date_to,
                         sub_unit_ids=tuple(u.id for u in sub_units))


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """n responses and their IKM (None when n is 0)."""

    n: int
    result: skm.IkmResult | None
    negative: int = 0


def figure(n: int, sums: dict[str, int], codes: tuple[str, ...] = skm.UNSUR_CODES, negative: int = 0) -> Figure:
    try:
        return Figure(n, skm.compute_ikm(sums, n, codes), negative)
    except NoResponses:
        return Figure(0, None, negative)


def headline(scope: scoring.Scope) -> Figure:
    n, sums, negative = scoring.totals(scope)
    return figure(n, sums, negative=negative)


#: The hourly rollup of a scope, as scoring.hourly reads it: (local date, local hour, n, score total)
#: rows. The monthly trend and the heatmap are both folded from it.
Hours = list[tuple[date, int, int, int]]


@dataclass(frozen=True)
class MonthFigure:
    """n responses in a month and their IKM (None when n is 0)."""

    month: date
    n: int
    ikm: Decimal | None


def monthly(hours: Hours, period: Period) -> list[MonthFigure]:
    """IKM per calendar month of the period (by the instansi-local date), empty months included.

    Read from the hourly rollup's score totals (skm.ikm_of_score_total), which count the same
    responses as the daily one: the heatmap needs those rows anyway, so the trend costs no query.
    """
    totals: dict[date, list[int]] = {}
    last_day = month = None
    for day, _hour, n, score_total in hours:
        if day != last_day:  # a day's hours come one after another: find its month once
            last_day, month = day, totals.setdefault(day.replace(day=1), [0, 0])
        month[0] += n
        month[1] += score_total
    result = []
    for month in period.months():
        n, score_total = totals.get(month, (0, 0))
        result.append(MonthFigure(month, n, skm.ikm_of_score_total(score_total, n) if n else None))
    return result


@dataclass
class HourGrid:
    """Responses per local weekday (0 = Monday) and local hour, with their summed scores."""

    counts: list[list[int]] = field(default_factory=lambda: [[0] * HOURS for _ in range(WEEKDAYS)])
    score_totals: list[list[int]] = field(default_factory=lambda: [[0] * HOURS for _ in range(WEEKDAYS)])

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts))

    def hours(self) -> range:
        """From the earliest to the latest hour with any response (all day when there is none)."""
        used = [h for h in range(HOURS) if any(self.counts[d][h] for d in range(WEEKDAYS))]
        return range(min(used), max(used) + 1) if used else range(0)

    def mean_score(self, weekday: int, hour: int) -> Fraction | None:
        """The mean answer (1–4) over all nine unsur of the responses in that cell."""
        n = self.counts[weekday][hour]
        return Fraction(self.score_totals[weekday][hour], 9 * n) if n else None


def hour_grid(hours: Hours) -> HourGrid:
    """Fold the hourly rollup's (local date, local hour) rows into weekday × hour in Python."""
    grid = HourGrid()
    for day, hour, n, total in hours:
        weekday = day.weekday()
        grid.counts[weekday][hour] += n
        grid.score_totals[weekday][hour] += total
    return grid


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: what it is (`obj`: a Unit, Counter, Service or Employee; None for
    "no layanan") and its figure."""

    key: int
    obj: object | None
    figure: Figure


Found = list[tuple[int, int, dict[str, int]]]


def _rows(found: Found, objects: dict[int, object], codes: tuple[str, ...] = skm.UNSUR_CODES,
          keep_empty: bool = True) -> list[Row]:
    by_key = {key: figure(n, sums, codes) for key, n, sums in found}
    keys = list(objects) if keep_empty else []
    keys += [key for key in by_key if key not in objects]
    return [Row(key, objects.get(key), by_key.get(key, Figure(0, None))) for key in keys]


#: The positions of the dimensions in Slices.rows' keys.
COUNTER, SERVICE, OFFICER = 0, 1, 2


@dataclass(frozen=True)
class Slices:
    """A scope's rollup grouped by loket, layanan and officer in one query; the headline and
    every breakdown are folded from it (a unit has a few dozen such combinations)."""

    rows: list[tuple[tuple[int, ...], int, int, dict[str, int]]]

    def total(self) -> Figure:
        n, negative, sums = 0, 0, defaultdict(int)
        for _keys, count, neg, part in self.rows:
            n, negative = n + count, negative + neg
            for code, value in part.items():
                sums[code] += value
        return figure(n, sums, negative=negative)

    def by(self, position: int, keys: set[int] | None = None, within: int | None = None) -> Found:
        """(key, n, sums) per value of one dimension, like scoring.breakdown; `keys` limits them.
        With `within` (another position), per pair of values instead: the key is (within's, position's)."""
        folded: dict = {}
        for row_keys, count, _neg, part in self.rows:
            key = row_keys[position]
            if keys is not None and key not in keys:
                continue
            if within is not None:
                key = (row_keys[within], key)
            entry = folded.setdefault(key, [0, defaultdict(int)])
            entry[0] += count
            for code, value in part.items():
                entry[1][code] += value
        return [(key, n, sums) for key, (n, sums) in folded.items()]


def slices(scope: scoring.Scope) -> Slices:
    return Slices(scoring.grouped(scope, SkmDaily.counter_id, SkmDaily.service_key, SkmDaily.employee_key,
                                  moments=True))


def counter_rows(cut: Slices, unit_ids: list[int]) -> list[Row]:
    """Per loket of the units (every active loket, and any other loket with responses)."""
    counters = db.session.scalars(select(Counter).where(Counter.unit_id.in_(unit_ids)).order_by(Counter.code)).all()
    found = cut.by(COUNTER)
    answered = {key for key, _n, _sums in found}
    return _rows(found, {c.id: c for c in counters if c.active or c.id in answered})


def service_rows(cut: Slices, unit_ids: list[int]) -> list[Row]:
    """Per layanan (the loket's layanan when the citizen answered); key 0 is a loket without layanan."""
    services = db.session.scalars(select(Service).where(Service.unit_id.in_(unit_ids)).order_by(Service.name)).all()
    found = cut.by(SERVICE)
    answered = {key for key, _n, _sums in found}
    return _rows(found, {s.id: s for s in services if s.active or s.id in answered})


@dataclass(frozen=True)
class OfficerRow:
    """An officer's score (officer unsur only) and its 95% interval on the 25–100 scale (None below
    two responses); `obj` is the Employee, or None for a layanan's row of all its officers."""

    key: int
    obj: Employee | None
    figure: Figure
    interval: stats.Interval | None


def officer_row(key: int, obj: Employee | None, n: int, sums: dict[str, int], codes: tuple[str, ...]) -> OfficerRow:
    found = figure(n, sums, codes)
    interval = None
    if found.result is not None:
        interval = stats.mean_interval(skm.officer_moments(sums, n, codes), OFFICER_SCALE)
    return OfficerRow(key, obj, found, interval)


#: The officer score's scale (IKM 25–100): an interval never reaches past it.
OFFICER_SCALE = (skm.SCALE_MIN * skm.CONVERSION, skm.SCALE_MAX * skm.CONVERSION)


@dataclass(frozen=True)
class LayananOfficers:
    """The officers who served at one layanan (`obj` a Service, or None for lokets without one):
    all of them together first, then each, best shown score first. Officers are compared within a
    layanan, since some services are harder to please than others."""

    key: int
    obj: Service | None
    everyone: OfficerRow
    officers: list[OfficerRow]


def officer_groups(cut: Slices, instansi: Instansi, officer_ids: set[int] | None) -> list[LayananOfficers]:
    """Per layanan, its named officers on the officer unsur only (DOMAIN.md §1), with their 95%
    intervals; an officer at several layanan appears in each. `officer_ids` limits the rows to
    the officers the viewer may see (None: all of them); the layanan's row of all its officers
    counts every named officer."""
    codes = scoring.officer_unsur(instansi)
    pairs = [row for row in cut.by(OFFICER, within=SERVICE) if row[0][1] != 0]
    if not pairs:
        return []
    visible = [(key, n, sums) for key, n, sums in pairs if officer_ids is None or key[1] in officer_ids]
    if not visible:
        return []
    employees = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_({key[1] for key, *_ in visible})))}
    service_keys = {key[0] for key, *_ in visible}
    services = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(service_keys)))}
    everyone: dict[int, list] = {}
    for (service_key, _officer), n, sums in pairs:
        entry = everyone.setdefault(service_key, [0, defaultdict(int)])
        entry[0] += n
        for code, value in sums.items():
            entry[1][code] += value
    groups = []
    for service_key in sorted(service_keys, key=lambda k: (k == 0, getattr(services.get(k), "name", "").casefold())):
        rows = [officer_row(officer, employees.get(officer), n, sums, codes)
                for (key, officer), n, sums in visible if key == service_key]
        rows.sort(key=lambda r: (-r.figure.result.ikm, getattr(r.obj, "name", "")))
        groups.append(LayananOfficers(service_key, services.get(service_key),
                                      officer_row(0, None, *everyone[service_key], codes), rows))
    return groups


def team_rows(instansi: Instansi, period: Period, reports: list[Employee]) -> list[OfficerRow]:
    """A supervisor's direct reports, each with their officer score over every loket of the
    instansi and its 95% interval."""
    if not reports:
        return []
    scope = scope_for(instansi.id, period)
    codes = scoring.officer_unsur(instansi)
    found = {key: (n, sums) for key, n, sums in
             scoring.breakdown(scope, SkmDaily.employee_key, [e.id for e in reports], moments=True)}
    return [officer_row(e.id, e, *found.get(e.id, (0, {})), codes) for e in reports]


def unit_rows(instansi_id: int, period: Period, units: list[Unit]) -> list[Row]:
    """Per unit, each with its own lokets' responses (sub-units are rows of their own)."""
    scope = scope_for(instansi_id, period)
    found = scoring.breakdown(scope, SkmDaily.unit_id, [u.id for u in units])
    return _rows(found, {u.id: u for u in units})


def descendants(unit: Unit) -> list[Unit]:
    """The units under `unit`, at any depth, by name."""
    units = db.session.scalars(select(Unit).where(Unit.instansi_id == unit.instansi_id)).all()
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        children[u.parent_id].append(u)
    result, stack = [], list(children[unit.id])
    while stack:
        current = stack.pop()
        result.append(current)
        stack.extend(children[current.id])
    return sorted(result, key=lambda u: u.name)


def kiosk_figures(instansi_id: int, period: Period, unit_ids: list[int] | None) -> KioskSummary:
    """The kiosk happy index of the units (None: the whole instansi); never part of the IKM."""
    if unit_ids is None or len(unit_ids) == 1:
        return kiosk_summary(unit_ids[0] if unit_ids else None, instansi_id=instansi_id,
                             date_from=period.date_from, date_to=period.date_to)
    by_face = {face.value: 0 for face in kiosk.FACES}
    for unit_id in unit_ids:
        part = kiosk_summary(unit_id, instansi_id=instansi_id, date_from=period.date_from, date_to=period.date_to)
        for face, count in part.by_face.items():
            by_face[face] += count
    n = sum(by_face.values())
    if not n:
        return KioskSummary(0, None, None, by_face)
    total = sum(face * count for face, count in by_face.items())
    negative = sum(by_face[face] for face in kiosk.NEGATIVE_FACES)
    return KioskSummary(n, kiosk.happy_index(total, n), kiosk.negative_share(negative, n), by_face)


def open_alerts(unit_ids: list[int]) -> list[Alert]:
    """Alerts not yet closed for the units, newest first (read-only here; managed elsewhere)."""
    return list(db.session.scalars(
        select(Alert).where(Alert.unit_id.in_(unit_ids), Alert.status != "closed")
        .order_by(Alert.opened_at.desc()).limit(20)
    ))


def latest_follow_up(unit_ids: list[int]) -> FollowUp | None:
    return db.session.scalar(
        select(FollowUp).where(FollowUp.unit_id.in_(unit_ids))
        .order_by(FollowUp.created_at.desc(), FollowUp.id.desc()).limit(1)
    )

