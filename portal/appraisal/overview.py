"""What HR and supervisors look at: the predikat distribution against the pola distribusi, the
records waiting for confirmation, the records per unit, team and employee, and a record's
explanation and development areas for display."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.appraisal.models import RECORD_STATUSES, AppraisalPeriod, AppraisalRecord
from portal.appraisal.periods import periods_of
from portal.appraisal.reports import explanation_messages
from portal.extensions import db
from portal.org.models import Employee, Instansi, Unit
from surveys import appraisal, berakhlak, skm
from surveys.appraisal import Predikat
from surveys.exact import round_half_up
from surveys.i18n import Message

@dataclass
class Distribution:
    """Predikat counts of decided (confirmed or finalised) records, and departures from the
    pola distribusi of the organisation's predikat."""

    counts: dict[Predikat, int]
    total: int
    warnings: list[Message]
    org_predikat: str

    def share(self, predikat: Predikat) -> Decimal:
        """The predikat's share in percent as shown everywhere (the table and the warnings):
        two decimals, adding up to 100.00 by the largest remainder method."""
        return appraisal.predikat_shares(self.counts)[predikat]


def distribution(period: AppraisalPeriod, unit_id: int | None = None) -> Distribution:
    stmt = (select(AppraisalRecord.predikat, func.count())
            .where(AppraisalRecord.period_id == period.id, AppraisalRecord.predikat.is_not(None),
                   AppraisalRecord.status != "draft")
            .group_by(AppraisalRecord.predikat))
    if unit_id is not None:
        stmt = stmt.where(AppraisalRecord.unit_id == unit_id)
    counts = dict.fromkeys(Predikat, 0)
    for value, n in db.session.execute(stmt):
        counts[Predikat(value)] += int(n)
    instansi = db.session.get(Instansi, period.instansi_id)
    org = appraisal.OrgPredikat(instansi.org_predikat)
    return Distribution(counts, sum(counts.values()), appraisal.distribution_warnings(org, counts), org.value)


def waiting(period: AppraisalPeriod, unit_id: int | None = None) -> list[AppraisalRecord]:
    """Draft records: still waiting for the Pejabat Penilai's confirmation."""
    stmt = (select(AppraisalRecord).join(Employee, Employee.id == AppraisalRecord.employee_id)
            .options(selectinload(AppraisalRecord.employee), selectinload(AppraisalRecord.penilai))
            .where(AppraisalRecord.period_id == period.id, AppraisalRecord.status == "draft")
            .order_by(Employee.name, Employee.id))
    if unit_id is not None:
        stmt = stmt.where(AppraisalRecord.unit_id == unit_id)
    return list(db.session.scalars(stmt))


def records_of(period: AppraisalPeriod, unit_id: int | None = None,
               employee_ids: Iterable[int] | None = None, penilai_id: int | None = None) -> list[AppraisalRecord]:
    stmt = (select(AppraisalRecord).join(Employee, Employee.id == AppraisalRecord.employee_id)
            .options(selectinload(AppraisalRecord.employee))
            .where(AppraisalRecord.period_id == period.id).order_by(Employee.name, Employee.id))
    if unit_id is not None:
        stmt = stmt.where(AppraisalRecord.unit_id == unit_id)
    if employee_ids is not None:
        stmt = stmt.where(AppraisalRecord.employee_id.in_(list(employee_ids)))
    if penilai_id is not None:
        stmt = stmt.where(AppraisalRecord.penilai_id == penilai_id, AppraisalRecord.employee_id != penilai_id)
    return list(db.session.scalars(stmt))


def unit_overview(period: AppraisalPeriod) -> list[dict]:
    """Per unit with records: the unit, status counts and its distribution."""
    rows = db.session.execute(
        select(AppraisalRecord.unit_id, AppraisalRecord.status, func.count())
        .where(AppraisalRecord.period_id == period.id)
        .group_by(AppraisalRecord.unit_id, AppraisalRecord.status)).all()
    by_unit: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(RECORD_STATUSES, 0))
    for unit_id, status, n in rows:
        by_unit[unit_id][status] = int(n)
    units = db.session.scalars(select(Unit).where(Unit.id.in_(list(by_unit))).order_by(Unit.name)).all() if by_unit else []
    return [{"unit": unit, "counts": by_unit[unit.id], "total": sum(by_unit[unit.id].values()),
             "distribution": distribution(period, unit.id)} for unit in units]


def team_records(supervisor: Employee) -> list[tuple[AppraisalPeriod, list[AppraisalRecord]]]:
    """The records this Pejabat Penilai decides (fixed on each record when the merge created it,
    or by HR's reassignment), period by period (newest first)."""
    result = []
    for period in periods_of(supervisor.instansi_id):
        records = records_of(period, penilai_id=supervisor.id)
        if records:
            result.append((period, records))
    return result


def own_records(employee: Employee) -> list[AppraisalRecord]:
    """The employee's own records that have been decided (confirmed or finalised)."""
    return list(db.session.scalars(
        select(AppraisalRecord).join(AppraisalPeriod)
        .where(AppraisalRecord.employee_id == employee.id, AppraisalRecord.status.in_(("confirmed", "finalised")))
        .order_by(AppraisalPeriod.citizen_to.desc(), AppraisalRecord.id.desc())))


def explanation_of(record: AppraisalRecord) -> list[Message]:
    return explanation_messages(record)


def development_of(record: AppraisalRecord) -> dict[str, list[dict]]:
    """The development areas with their names and means, for display."""
    data = json.loads(record.development or "{}")
    means = data.get("means", {})
    values = [{"code": c, "name": berakhlak.VALUE_BY_CODE[c].name, "mean": means.get(c)}
              for c in data.get("values", []) if c in berakhlak.VALUE_BY_CODE]
    peers, upper = data.get("peers", {}), data.get("upper", {})
    unsur = [{"code": c, "name": skm.UNSUR_BY_KODE[c].name, "mean": means.get(c), "peers": peers.get(c),
              "upper": upper.get(c)} for c in data.get("unsur", []) if c in skm.UNSUR_BY_KODE]
    return {"values": values, "unsur": unsur}


@dataclass(frozen=True)
class CitizenStory:
    """The citizen component told on one scale: the officer's IKM (25–100) and mutu exactly as the
    dashboard shows them, its 95% interval, and the 0–100 score the composite uses."""

    ikm: Decimal
    mutu: str
    mutu_label: str
    margin: Decimal | None
    low: Decimal | None
    high: Decimal | None
    score: Decimal
    n: int
    unsur: str


def citizen_story(record: AppraisalRecord) -> CitizenStory | None:
    """None for a record without citizen responses, or merged before the IKM was kept on it."""
    if record.citizen_ikm is None or record.citizen_score is None:
        return None
    ikm = round_half_up(record.citizen_ikm, 2)
    mutu, label = skm.mutu_for(ikm)
    margin = low = high = None
    if record.citizen_margin is not None:
        margin = round_half_up(record.citizen_margin, 2)
        low, high = max(ikm - margin, Decimal("25.00")), min(ikm + margin, Decimal("100.00"))
    unsur = ", ".join(record.period.officer_unsur.split(","))
    return CitizenStory(ikm, mutu, label, margin, low, high, round_half_up(record.citizen_score, 2), record.citizen_n,
                        unsur)
