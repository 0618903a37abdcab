"""The settings a record was computed with: each merge stores the period's settings as a
numbered, never-changed snapshot (a new version only when they differ from the last one), and
every record it writes points at it. Exports, printouts and the record page read a record's own
snapshot, never the period's current settings."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.appraisal.models import AppraisalPeriod, AppraisalSettings
from portal.appraisal.periods import period_weights
from portal.extensions import db
from surveys.appraisal import Component


def settings_values(period: AppraisalPeriod) -> dict:
    """The period's settings that move a score, JSON-safe: the citizen dates, the review cycles,
    the officer unsur, the minimum citizen n, the thresholds and the weights per job group."""
    return {
        "citizen_from": period.citizen_from.isoformat(),
        "citizen_to": period.citizen_to.isoformat(),
        "cycles": [{"id": c.id, "name": c.name} for c in sorted(period.cycles, key=lambda c: c.id)],
        "officer_unsur": period.officer_unsur.split(","),
        "min_citizen_n": period.min_citizen_n,
        "above": _text(period.above_threshold),
        "meets": _text(period.meets_threshold),
        "weights": {group: {component.value: _text(value) for component, value in weights.items()}
                    for group, weights in sorted(period_weights(period).items())},
    }


def _text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def current(period: AppraisalPeriod) -> AppraisalSettings:
    """The snapshot of the period's settings as they are now: the latest version when nothing
    changed since, else a new version."""
    values = settings_values(period)
    latest = db.session.scalar(select(AppraisalSettings).where(AppraisalSettings.period_id == period.id)
                               .order_by(AppraisalSettings.version.desc()).limit(1))
    if latest is not None and json.loads(latest.values) == values:
        return latest
    version = (db.session.scalar(select(func.max(AppraisalSettings.version))
                                 .where(AppraisalSettings.period_id == period.id)) or 0) + 1
    snapshot = AppraisalSettings(period_id=period.id, version=version,
                                 values=json.dumps(values, sort_keys=True, ensure_ascii=False))
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


@dataclass(frozen=True)
class SettingsView:
    """A snapshot as pages, printouts and exports show it."""

    version: int
    citizen_from: date
    citizen_to: date
    cycle_names: tuple[str, ...]
    officer_unsur: tuple[str, ...]
    min_citizen_n: int
    above: Decimal
    meets: Decimal
    #: job group → component → percent.
    weights: dict[str, dict[Component, Decimal]]


def view(snapshot: AppraisalSettings | None) -> SettingsView | None:
    if snapshot is None:
        return None
    values = json.loads(snapshot.values)
    return SettingsView(
        version=snapshot.version,
        citizen_from=date.fromisoformat(values["citizen_from"]),
        citizen_to=date.fromisoformat(values["citizen_to"]),
        cycle_names=tuple(c["name"] for c in values["cycles"]),
        officer_unsur=tuple(values["officer_unsur"]),
        min_citizen_n=int(values["min_citizen_n"]),
        above=Decimal(values["above"]),
        meets=Decimal(values["meets"]),
        weights={group: {Component(c): Decimal(v) for c, v in weights.items()}
                 for group, weights in values["weights"].items()},
    )


def versions_of(period: AppraisalPeriod, versions) -> list[SettingsView]:
    """The period's snapshots with these version numbers, oldest first."""
    versions = set(versions)
    if not versions:
        return []
    rows = db.session.scalars(select(AppraisalSettings).where(
        AppraisalSettings.period_id == period.id, AppraisalSettings.version.in_(versions))
        .order_by(AppraisalSettings.version))
    return [view(row) for row in rows]
