"""IKM for any scope and date range, aggregated in SQL from the daily rollup."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.feedback.models import SkmDaily
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

    def conditions(self) -> list:
        conditions = []
        if self.unit_id is not None:
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


SUM_COLUMNS = [getattr(SkmDaily, f"s{i}") for i in range(1, 10)]


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


def breakdown(scope: Scope, dimension) -> list[tuple[int, int, dict[str, int]]]:
    """(key, n, sums) per value of a rollup column (SkmDaily.counter_id, .service_key, .employee_key, .unit_id)."""
    rows = db.session.execute(
        select(dimension, func.sum(SkmDaily.n), *[func.sum(c) for c in SUM_COLUMNS])
        .where(*scope.conditions()).group_by(dimension)
    ).all()
    return [(key, int(n), dict(zip(skm.UNSUR_CODES, (int(s) for s in sums)))) for key, n, *sums in rows]


def counters_of_unit(unit: Unit) -> list[Counter]:
    return list(db.session.scalars(select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.code)))
