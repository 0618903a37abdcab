"""What HR plans from a period's appraisal records: development areas (for training plans) and
recognition (the officers citizens rated best)."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from portal.appraisal.exports import Scope, scoped_records
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.extensions import db
from portal.org.models import Employee, Unit
from portal.tabular import write_csv
from surveys.appraisal import MSG_HIDDEN_GROUP, MSG_TOO_FEW, Component
from surveys.berakhlak import VALUE_BY_CODE, VALUE_CODES
from surveys.exact import round_half_up
from surveys.review import ANONYMOUS_GROUPS
from surveys.skm import UNSUR_BY_KODE, UNSUR_CODES

VALUE, UNSUR = "value", "unsur"
DEVELOPMENT_CSV_HEADER = ["jenis", "kode", "area", "nip", "nama", "unit", "jabatan"]
_CSV_KIND = {VALUE: "berakhlak", UNSUR: "skm"}
#: Officers recognised per unit (more when scores tie at the last place).
TOP_PER_UNIT = 10


@dataclass(frozen=True)
class Area:
    """A suggested development area: a BerAKHLAK value (from others' ratings) or an SKM unsur."""

    kind: str
    code: str
    #: The Indonesian source label (N_-marked in surveys/); translate when showing it.
    name: str

    @property
    def order(self) -> tuple[int, int]:
        codes = VALUE_CODES if self.kind == VALUE else UNSUR_CODES
        return (0 if self.kind == VALUE else 1, codes.index(self.code))


def _codes(items) -> list[str]:
    """Codes from a list of codes, or of objects carrying "code"/"kode"; anything else is skipped."""
    if not isinstance(items, list):
        return []
    codes = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("code", item.get("kode"))
        if isinstance(item, str) and item not in codes:
            codes.append(item)
    return codes


#: The labels of the anonymous rater groups, as explanations store them.
_ANONYMOUS_LABELS = frozenset(Component(group.value).label for group in ANONYMOUS_GROUPS)


def explanation_messages(record: AppraisalRecord) -> list[tuple[str, dict]]:
    """The record's explanation as (template, params) pairs; malformed entries are skipped.

    A record merged before hidden groups lost their count may say how many answered in one
    ("hanya 2 tanggapan"); that line is shown as a merge says it now, without the count."""
    try:
        data = json.loads(record.explanation or "[]")
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    lines = [(item[0], item[1] if isinstance(item[1], dict) else {}) for item in data
             if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)]
    return [(MSG_HIDDEN_GROUP, {"component": params["component"]})
            if template == MSG_TOO_FEW and params.get("component") in _ANONYMOUS_LABELS else (template, params)
            for template, params in lines]


def development_areas(record: AppraisalRecord) -> list[Area]:
    """The record's development areas: {"values": [...], "unsur": [...]} as the merge wrote it.

    Unknown codes and a missing or damaged JSON give fewer areas, never an error.
    """
    try:
        data = json.loads(record.development or "{}")
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    areas = [Area(VALUE, code, VALUE_BY_CODE[code].name) for code in _codes(data.get("values")) if code in VALUE_BY_CODE]
    areas += [Area(UNSUR, code, UNSUR_BY_KODE[code].name) for code in _codes(data.get("unsur")) if code in UNSUR_BY_KODE]
    return areas


@dataclass
class AreaGroup:
    """One development area and the employees who have it, for planning a training."""

    area: Area
    people: list[tuple[Employee, Unit]] = field(default_factory=list)


def development_summary(scope: Scope) -> list[AreaGroup]:
    """Every area that at least one employee has, most frequent first."""
    groups: dict[Area, AreaGroup] = {}
    for record, employee, unit in scoped_records(scope):
        for area in development_areas(record):
            groups.setdefault(area, AreaGroup(area)).people.append((employee, unit))
    return sorted(groups.values(), key=lambda g: (-len(g.people), g.area.order))


def development_csv(groups: list[AreaGroup]) -> str:
    """One line per employee and area: jenis (berakhlak|skm), kode, area, nip, nama, unit, jabatan."""
    out = io.StringIO()
    write_csv(out, DEVELOPMENT_CSV_HEADER, (
        (_CSV_KIND[g.area.kind], g.area.code, g.area.name, employee.nip, employee.name, unit.code, employee.jabatan)
        for g in groups for employee, unit in g.people
    ))
    return out.getvalue()


# --- recognition ----------------------------------------------------------------------------
#
# Recognition ranks officers by one named figure, the citizen score (0–100) as the record shows
# it, within each unit. An officer takes part with at least `min_n` citizen responses and a score
# of at least `min_score` (by default the period's Di Atas Ekspektasi threshold), so a list is
# never filled with officers who merely did less badly than others. Equal shown scores share a
# rank and the next rank is skipped ("1, 2, 2, 4", docs/statistics.md).

@dataclass(frozen=True)
class Honouree:
    rank: int
    record: AppraisalRecord
    employee: Employee
    unit: Unit

    @property
    def figure(self) -> Decimal:
        """The figure the ranking uses: the citizen score as shown (two decimals)."""
        return round_half_up(self.record.citizen_score, 2)


def recognition(period: AppraisalPeriod, min_n: int, min_score: Decimal | None = None, unit: Unit | None = None,
                employee_id: int | None = None) -> list[tuple[Unit, list[Honouree]]]:
    """Per unit, the officers with the best citizen score among those with at least ``min_n``
    citizen responses and a shown score of at least ``min_score`` (default: the period's Di Atas
    threshold): ranks 1 to TOP_PER_UNIT, equal shown scores sharing a rank, by unit code then rank
    then name. ``employee_id`` keeps that employee's entry only."""
    minimum = Decimal(period.above_threshold) if min_score is None else min_score
    query = (
        select(AppraisalRecord, Employee, Unit)
        .join(Employee, Employee.id == AppraisalRecord.employee_id)
        .join(Unit, Unit.id == AppraisalRecord.unit_id)
        .where(AppraisalRecord.period_id == period.id, AppraisalRecord.citizen_score.is_not(None),
               AppraisalRecord.citizen_n >= min_n)
        .order_by(Unit.code, Employee.name, Employee.id)
    )
    if unit is not None:
        query = query.where(AppraisalRecord.unit_id == unit.id)
    by_unit: dict[int, tuple[Unit, list[Honouree]]] = {}
    for record, employee, record_unit in db.session.execute(query):
        if round_half_up(record.citizen_score, 2) >= minimum:
            by_unit.setdefault(record_unit.id, (record_unit, []))[1].append(Honouree(0, record, employee, record_unit))
    result = []
    for record_unit, candidates in by_unit.values():
        candidates.sort(key=lambda h: -h.figure)  # stable: equal figures stay in name order
        ranks = competition_ranks([h.figure for h in candidates])
        ranked = [Honouree(rank, h.record, h.employee, h.unit) for rank, h in zip(ranks, candidates)
                  if rank <= TOP_PER_UNIT and (employee_id is None or h.employee.id == employee_id)]
        if ranked:
            result.append((record_unit, ranked))
    return result


def competition_ranks(figures: list[Decimal]) -> list[int]:
    """Ranks of figures sorted best first: equal figures share a rank, the next is skipped (1, 2, 2, 4)."""
    ranks: list[int] = []
    for position, value in enumerate(figures, start=1):
        ranks.append(ranks[-1] if ranks and figures[position - 2] == value else position)
    return ranks


def honouree(period: AppraisalPeriod, employee_id: int, min_n: int, min_score: Decimal | None = None) -> Honouree | None:
    """The employee's place in their unit's recognition list, or None when they are not on it."""
    for _unit, honourees in recognition(period, min_n, min_score, employee_id=employee_id):
        return honourees[0]
    return None
