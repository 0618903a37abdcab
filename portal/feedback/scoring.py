"""IKM for any scope and date range, aggregated in SQL from the daily rollup."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.feedback.models import SkmDaily, SkmHourly, SkmResponse
from portal.org.models import Counter, Instansi, Unit
from surveys import skm


@dataclass(frozen=True)
class Scope:
    """Which responses count: a unit (or the whole instansi), optionally one loket, layanan or
    officer, between two instansi-local dates (inclusive)."""

    instansi_id: int
    unit_id: int | None = None
    counter_id: int | None = None
    service_id: int | None = None
    employee_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: Units counted together with unit_id (its sub-units, when a dashboard includes them).
    sub_unit_ids: tuple[int, ...] = ()

    def conditions(self) -> list:
        conditions = []
        if self.unit_id is not None and self.sub_unit_ids:
            conditions.append(SkmDaily.unit_id.in_((self.unit_id, *self.sub_unit_ids)))
        elif self.unit_id is not None:
            conditions.append(SkmDaily.unit_id == self.unit_id)
        else:
            units = select(Unit.id).where(Unit.instansi_id == self.instansi_id)
            conditions.append(SkmDaily.unit_id.in_(units))
        if self.counter_id is not None:
            conditions.append(SkmDaily.counter_id == self.counter_id)
        if self.service_id is not None:
            conditions.append(SkmDaily.service_key == self.service_id)
        if self.employee_id is not None:
            conditions.append(SkmDaily.employee_key == self.employee_id)
        if self.date_from is not None:
            conditions.append(SkmDaily.local_date >= self.date_from)
        if self.date_to is not None:
            conditions.append(SkmDaily.local_date <= self.date_to)
        return conditions

    def hourly_conditions(self) -> list:
        """The same scope on the hourly rollup, which knows units, lokets, dates and hours only."""
        if self.service_id is not None or self.employee_id is not None:
            raise ValueError("the hourly rollup has no layanan or officer")
        if self.unit_id is not None:
            units = (self.unit_id, *self.sub_unit_ids)
            conditions = [SkmHourly.unit_id.in_(units) if len(units) > 1 else SkmHourly.unit_id == self.unit_id]
        else:
            conditions = [SkmHourly.unit_id.in_(select(Unit.id).where(Unit.instansi_id == self.instansi_id))]
        if self.counter_id is not None:
            conditions.append(SkmHourly.counter_id == self.counter_id)
        if self.date_from is not None:
            conditions.append(SkmHourly.local_date >= self.date_from)
        if self.date_to is not None:
            conditions.append(SkmHourly.local_date <= self.date_to)
        return conditions


SUM_COLUMNS = [getattr(SkmDaily, f"s{i}") for i in range(1, 10)]
#: Responses that do not count yet because they await review.
AWAITING_REVIEW = ("held", "pending")


def awaiting_review(scope: Scope) -> int:
    """The responses of the scope that do not count because they await review: held by the
    plausibility rules, or in a paper batch not yet verified (read from the responses)."""
    r = SkmResponse
    conditions = [r.status.in_(AWAITING_REVIEW)]
    if scope.unit_id is not None:
        conditions.append(r.unit_id.in_((scope.unit_id, *scope.sub_unit_ids)))
    else:
        conditions.append(r.instansi_id == scope.instansi_id)
    for column, value in ((r.counter_id, scope.counter_id), (r.service_id, scope.service_id),
                          (r.employee_id, scope.employee_id)):
        if value is not None:
            conditions.append(column == value)
    if scope.date_from is not None:
        conditions.append(r.local_date >= scope.date_from)
    if scope.date_to is not None:
        conditions.append(r.local_date <= scope.date_to)
    return db.session.scalar(select(func.count()).select_from(r).where(*conditions))
#: The officer unsur's sums of squares and of products (their spread), and their keys in a sums dict.
MOMENT_KEYS = (*skm.SQUARE_KEYS.values(), *skm.PRODUCT_KEYS.values())
MOMENT_COLUMNS = [getattr(SkmDaily, key) for key in MOMENT_KEYS]


def _sum_columns(moments: bool) -> tuple[list, tuple[str, ...]]:
    """The summed rollup columns and their keys in a sums dict: the nine unsur, and the officer
    unsur's squares and products when ``moments`` is asked for."""
    if moments:
        return SUM_COLUMNS + MOMENT_COLUMNS, skm.UNSUR_CODES + MOMENT_KEYS
    return SUM_COLUMNS, skm.UNSUR_CODES


def totals(scope: Scope) -> tuple[int, dict[str, int], int]:
    """(n, per-unsur score sums, negative responses) for the scope."""
    row = db.session.execute(
        select(func.coalesce(func.sum(SkmDaily.n), 0), func.coalesce(func.sum(SkmDaily.negative), 0),
               *[func.coalesce(func.sum(c), 0) for c in SUM_COLUMNS]).where(*scope.conditions())
    ).one()
    n, negative, *sums = (int(v) for v in row)
    return n, dict(zip(skm.UNSUR_CODES, sums)), negative


def officer_unsur(instansi: Instansi) -> tuple[str, ...]:
    return skm.validate_officer_unsur(instansi.officer_unsur.split(","))


def ikm(scope: Scope, codes: tuple[str, ...] = skm.UNSUR_CODES) -> skm.IkmResult:
    """The IKM of the scope; raises surveys.errors.NoResponses when there is nothing yet."""
    n, sums, _negative = totals(scope)
    return skm.compute_ikm(sums, n, codes)


def officer_ikm(scope: Scope, instansi: Instansi) -> skm.IkmResult:
    """An officer's citizen score: only the officer unsur count (DOMAIN.md §1)."""
    return ikm(scope, officer_unsur(instansi))


def breakdown(scope: Scope, dimension, keys: Iterable[int] | None = None,
              moments: bool = False) -> list[tuple[int, int, dict[str, int]]]:
    """(key, n, sums) per value of a rollup column (SkmDaily.counter_id, .service_key, .employee_key, .unit_id).

    `keys` limits the result to those values of the column (e.g. the officers a viewer may see);
    `moments` adds the officer unsur's squares and products to the sums (MOMENT_KEYS).
    """
    conditions = scope.conditions()
    if keys is not None:
        conditions.append(dimension.in_(list(keys)))
    columns, names = _sum_columns(moments)
    rows = db.session.execute(
        select(dimension, func.sum(SkmDaily.n), *[func.sum(c) for c in columns])
        .where(*conditions).group_by(dimension)
    ).all()
    return [(key, int(n), dict(zip(names, (int(s) for s in sums)))) for key, n, *sums in rows]


# grouped and hourly run on the session's connection (Core), not through the ORM: they
# return hundreds to thousands of plain rows, where the ORM's per-row work costs more than the query.


def grouped(scope: Scope, *dimensions, moments: bool = False) -> list[tuple[tuple[int, ...], int, int, dict[str, int]]]:
    """(key values, n, negative, sums) per combination of rollup columns, in one pass.

    Several breakdowns of one scope (by loket, by layanan, by officer) fold this in Python
    instead of reading the same rollup rows once per breakdown. `moments` as in breakdown.
    """
    columns, names = _sum_columns(moments)
    rows = db.session.connection().execute(
        select(*dimensions, func.sum(SkmDaily.n), func.sum(SkmDaily.negative), *[func.sum(c) for c in columns])
        .where(*scope.conditions()).group_by(*dimensions)
    ).all()
    width = len(dimensions)
    return [(tuple(row[:width]), int(row[width]), int(row[width + 1]),
             dict(zip(names, (int(s) for s in row[width + 2:])))) for row in rows]


def hourly(scope: Scope) -> list[tuple[date, int, int, int]]:
    """(local date, local hour, n, score total) from the hourly rollup (no layanan or officer scope):
    the dashboards fold it into the heatmap and the monthly trend.

    Grouped by date and hour rather than weekday, so the weekday is computed in Python, the same
    on every database (at most 24 rows per day).
    """
    # Sums of integer columns come back as ints on both databases: the rows are used as they are.
    return db.session.connection().execute(
        select(SkmHourly.local_date, SkmHourly.local_hour, func.sum(SkmHourly.n), func.sum(SkmHourly.score_total))
        .where(*scope.hourly_conditions()).group_by(SkmHourly.local_date, SkmHourly.local_hour)
    ).all()


def counters_of_unit(unit: Unit) -> list[Counter]:
    return list(db.session.scalars(select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.code)))
