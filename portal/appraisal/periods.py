"""Appraisal periods: what HR sets (dates, review cycles, weights per job group, thresholds,
officer unsur), validated before it is stored, in the audit log, and the periods' status counts.

The settings that move a score change freely while every record is a draft; from the period's
first confirmation on they are frozen, and change only through a proposal one HR user makes
and another approves (:mod:`portal.appraisal.settings_changes`)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import bindparam, func, select

from portal import events
from portal.appraisal import trail
from portal.appraisal.errors import AppraisalError
from portal.appraisal.models import (
    RECORD_STATUSES, AppraisalPeriod, AppraisalPeriodCycle, AppraisalRecord, WeightProfile,
)
from portal.extensions import db
from portal.org.models import JOB_GROUPS, Instansi
from portal.reviews.models import ReviewCycle
from portal.sql import execute_core
from surveys import appraisal, skm
from surveys.appraisal import Component
from surveys.errors import InvalidValue, InvalidWeights
from surveys.i18n import N_

PERIOD_KINDS = ("tahunan", "triwulan")
KIND_LABELS = {"tahunan": N_("Tahunan"), "triwulan": N_("Triwulan")}
JOB_GROUP_LABELS = {"front_line": N_("Pelayanan langsung (loket)"), "back_office": N_("Pendukung (tanpa loket)")}
#: Weight columns of WeightProfile per component.
WEIGHT_COLUMNS = {
    Component.CITIZEN: "citizen", Component.ATASAN: "atasan", Component.REKAN: "rekan",
    Component.BAWAHAN: "bawahan", Component.SELF: "self_weight",
}


@dataclass(frozen=True)
class PeriodSettings:
    """Everything HR sets on a period, validated by :func:`validate_period`."""

    name: str
    kind: str
    citizen_from: date
    citizen_to: date
    cycle_ids: tuple[int, ...]
    #: Exact weights per job group (ints where whole: the core converts them fastest).
    weights: dict[str, dict[Component, int | Fraction]]
    above: Decimal
    meets: Decimal
    min_citizen_n: int
    officer_unsur: tuple[str, ...]


def _decimal(value: object) -> Decimal:
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue(N_("Harus berupa angka.")) from None
    if not result.is_finite():
        raise InvalidValue(N_("Harus berupa angka."))
    return result


def _validate_weights(weights: Mapping[str, Mapping[Component | str, object]]) -> dict[str, dict[Component, Decimal]]:
    result: dict[str, dict[Component, Decimal]] = {}
    for job_group in JOB_GROUPS:
        raw = weights.get(job_group)
        where = f"weights_{job_group}"
        if raw is None:
            raise AppraisalError(N_("Bobot untuk %(group)s belum diisi."), {"group": JOB_GROUP_LABELS[job_group]},
                                 field=where)
        try:
            values = {Component(k): _decimal(v) for k, v in raw.items()}
        except ValueError:
            raise AppraisalError(N_("Bobot untuk %(group)s harus berupa angka."),
                                 {"group": JOB_GROUP_LABELS[job_group]}, field=where) from None
        for component, value in values.items():
            if value != value.quantize(Decimal("0.001")):
                raise AppraisalError(N_("Bobot %(component)s paling banyak tiga angka di belakang koma."),
                                     {"component": component.label}, field=where)
        try:
            appraisal.validate_weights(values)
        except InvalidWeights as error:
            raise AppraisalError(
                N_("Bobot %(group)s: jumlahnya harus 100 dan setiap bobot antara 0 dan 100 (sekarang %(total)s)."),
                {"group": JOB_GROUP_LABELS[job_group], "total": str(sum(values.values(), Decimal(0)).normalize())},
                field=where) from error
        result[job_group] = {c: values.get(c, Decimal(0)) for c in Component}
    unknown = set(weights) - set(JOB_GROUPS)
    if unknown:
        raise AppraisalError(N_("Kelompok jabatan %(group)s tidak dikenal."), {"group": sorted(unknown)[0]})
    return result


def validate_period(instansi: Instansi, *, name: str, kind: str, citizen_from: date, citizen_to: date,
                    cycle_ids: Iterable[int], weights: Mapping[str, Mapping[Component | str, object]],
                    thresholds: tuple[object, object] = (Decimal(80), Decimal(60)), min_citizen_n: int = 10,
                    officer_unsur: Iterable[str] = skm.DEFAULT_OFFICER_UNSUR,
                    period: AppraisalPeriod | None = None) -> PeriodSettings:
    """Check a period's settings; raise :class:`AppraisalError` (with the form field) on the first problem."""
    name = (name or "").strip()
    if not name:
        raise AppraisalError(N_("Nama periode wajib diisi."), field="name")
    if len(name) > 200:
        raise AppraisalError(N_("Nama periode paling banyak 200 karakter."), field="name")
    clash = db.session.scalar(select(AppraisalPeriod.id).where(
        AppraisalPeriod.instansi_id == instansi.id, AppraisalPeriod.name == name))
    if clash is not None and (period is None or clash != period.id):
        raise AppraisalError(N_("Nama periode sudah dipakai."), field="name")
    if kind not in PERIOD_KINDS:
        raise AppraisalError(N_("Jenis periode harus tahunan atau triwulan."), field="kind")
    if citizen_from is None or citizen_to is None:
        raise AppraisalError(N_("Isi rentang tanggal umpan balik masyarakat."), field="citizen_from")
    if citizen_to < citizen_from:
        raise AppraisalError(N_("Tanggal akhir tidak boleh sebelum tanggal mulai."), field="citizen_to")

    ids = tuple(sorted(set(int(i) for i in cycle_ids)))
    cycles = db.session.scalars(select(ReviewCycle).where(ReviewCycle.id.in_(ids))).all() if ids else []
    if len(cycles) != len(ids) or any(c.instansi_id != instansi.id for c in cycles):
        raise AppraisalError(N_("Siklus ulasan yang dipilih tidak dikenal."), field="cycle_ids")
    scales = {(c.questionnaire.scale_min, c.questionnaire.scale_max) for c in cycles}
    if len(scales) > 1:
        raise AppraisalError(N_("Siklus yang dipilih memakai skala kuesioner yang berbeda; pilih siklus dengan skala yang sama."),
                             field="cycle_ids")

    checked_weights = _validate_weights(weights)

    try:
        above, meets = (_decimal(t) for t in thresholds)
    except InvalidValue:
        raise AppraisalError(N_("Batas penilaian harus berupa angka."), field="above") from None
    if not (0 <= meets < above <= 100) or above != above.quantize(Decimal("0.01")) or meets != meets.quantize(Decimal("0.01")):
        raise AppraisalError(
            N_("Batas harus 0 ≤ Sesuai Ekspektasi < Di Atas Ekspektasi ≤ 100, paling banyak dua angka di belakang koma."),
            field="above")
    if isinstance(min_citizen_n, bool) or not isinstance(min_citizen_n, int) or min_citizen_n < 1:
        raise AppraisalError(N_("Jumlah minimal tanggapan masyarakat paling sedikit 1."), field="min_citizen_n")
    try:
        unsur = skm.validate_officer_unsur(list(officer_unsur))
    except InvalidValue as error:
        raise AppraisalError(error.message, error.params, field="officer_unsur") from None
    return PeriodSettings(name, kind, citizen_from, citizen_to, ids, checked_weights, above, meets, min_citizen_n, unsur)


class SettingsFrozen(AppraisalError):
    """The period's settings were used by a confirmation: a change needs two HR users."""

    default_message = N_("Pengaturan periode ini sudah dipakai untuk konfirmasi, jadi tidak dapat diubah langsung. "
                         "Ajukan perubahan dengan alasan; pengguna HR lain yang menyetujuinya.")


def settings_json(settings: PeriodSettings) -> dict:
    """Everything HR sets on a period, JSON-safe (for proposals and the audit log)."""
    return {
        "name": settings.name, "kind": settings.kind,
        "citizen_from": settings.citizen_from.isoformat(), "citizen_to": settings.citizen_to.isoformat(),
        "cycle_ids": list(settings.cycle_ids),
        "weights": {group: {c.value: f"{Decimal(w).normalize():f}" for c, w in weights.items()}
                    for group, weights in sorted(settings.weights.items())},
        "above": f"{settings.above.normalize():f}", "meets": f"{settings.meets.normalize():f}",
        "min_citizen_n": settings.min_citizen_n, "officer_unsur": list(settings.officer_unsur),
    }


def arguments_of(values: Mapping[str, object]) -> dict:
    """:func:`settings_json`'s values as the arguments of :func:`validate_period`."""
    return dict(
        name=values["name"], kind=values["kind"], citizen_from=date.fromisoformat(values["citizen_from"]),
        citizen_to=date.fromisoformat(values["citizen_to"]), cycle_ids=values["cycle_ids"],
        weights=values["weights"], thresholds=(values["above"], values["meets"]),
        min_citizen_n=values["min_citizen_n"], officer_unsur=values["officer_unsur"],
    )


def current_settings(period: AppraisalPeriod) -> PeriodSettings:
    """The period's settings as stored."""
    return PeriodSettings(
        period.name, period.kind, period.citizen_from, period.citizen_to,
        tuple(sorted(pc.cycle_id for pc in period.period_cycles)), period_weights(period),
        Decimal(period.above_threshold), Decimal(period.meets_threshold), period.min_citizen_n,
        tuple(period.officer_unsur.split(",")))


#: The settings that are labels only: they change freely even once the settings are frozen.
LABELS = ("name", "kind")


def settings_diff(old: PeriodSettings, new: PeriodSettings) -> tuple[dict, dict]:
    """The changed settings, before and after, JSON-safe."""
    before, after = settings_json(old), settings_json(new)
    keys = [k for k in before if before[k] != after[k]]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


def moves_scores(old: PeriodSettings, new: PeriodSettings) -> bool:
    return any(k not in LABELS for k in settings_diff(old, new)[0])


def is_frozen(period: AppraisalPeriod) -> bool:
    return period.settings_frozen_at is not None


def apply_settings(period: AppraisalPeriod, settings: PeriodSettings) -> None:
    """Store validated settings on the period (callers check who may, and audit)."""
    _apply(period, settings)
    db.session.flush()


def _apply(period: AppraisalPeriod, settings: PeriodSettings) -> None:
    period.name, period.kind = settings.name, settings.kind
    period.citizen_from, period.citizen_to = settings.citizen_from, settings.citizen_to
    period.above_threshold, period.meets_threshold = settings.above, settings.meets
    period.min_citizen_n = settings.min_citizen_n
    period.officer_unsur = ",".join(settings.officer_unsur)
    current = {pc.cycle_id: pc for pc in period.period_cycles}
    for cycle_id, link in current.items():
        if cycle_id not in settings.cycle_ids:
            period.period_cycles.remove(link)
    for cycle_id in settings.cycle_ids:
        if cycle_id not in current:
            period.period_cycles.append(AppraisalPeriodCycle(cycle_id=cycle_id))
    profiles = {w.job_group: w for w in period.weights}
    for job_group, weights in settings.weights.items():
        profile = profiles.get(job_group)
        if profile is None:
            profile = WeightProfile(job_group=job_group)
            period.weights.append(profile)
        for component, column in WEIGHT_COLUMNS.items():
            setattr(profile, column, weights[component])


def create_period(instansi: Instansi, name: str, kind: str, citizen_from: date, citizen_to: date,
                  cycle_ids: Iterable[int], weights: Mapping[str, Mapping[Component | str, object]],
                  thresholds: tuple[object, object] = (Decimal(80), Decimal(60)), min_citizen_n: int = 10,
                  officer_unsur: Iterable[str] = skm.DEFAULT_OFFICER_UNSUR, user=None) -> AppraisalPeriod:
    """A new period; ``weights`` maps each job group to the components' percent weights
    (citizen, atasan, rekan, bawahan, self) summing to 100; ``thresholds`` is (above, meets).
    ``user`` made it (None: a command or the demo)."""
    settings = validate_period(instansi, name=name, kind=kind, citizen_from=citizen_from, citizen_to=citizen_to,
                               cycle_ids=cycle_ids, weights=weights, thresholds=thresholds,
                               min_citizen_n=min_citizen_n, officer_unsur=officer_unsur)
    period = AppraisalPeriod(instansi_id=instansi.id)
    _apply(period, settings)
    db.session.add(period)
    db.session.flush()
    trail.period_event("appraisal.period.create", period, user, before=None, after=settings_json(settings))
    return period


def update_period(period: AppraisalPeriod, name: str, kind: str, citizen_from: date, citizen_to: date,
                  cycle_ids: Iterable[int], weights: Mapping[str, Mapping[Component | str, object]],
                  thresholds: tuple[object, object] = (Decimal(80), Decimal(60)), min_citizen_n: int = 10,
                  officer_unsur: Iterable[str] = skm.DEFAULT_OFFICER_UNSUR, user=None) -> AppraisalPeriod:
    """Change a period's settings, as ``user``. Draft records follow at the next merge; confirmed
    and finalised records keep the figures they were decided on. Once the settings are frozen
    only the name and kind change here; anything else raises :class:`SettingsFrozen`."""
    instansi = db.session.get(Instansi, period.instansi_id)
    settings = validate_period(instansi, name=name, kind=kind, citizen_from=citizen_from, citizen_to=citizen_to,
                               cycle_ids=cycle_ids, weights=weights, thresholds=thresholds,
                               min_citizen_n=min_citizen_n, officer_unsur=officer_unsur, period=period)
    old = current_settings(period)
    if is_frozen(period) and moves_scores(old, settings):
        raise SettingsFrozen()
    apply_settings(period, settings)
    before, after = settings_diff(old, settings)
    trail.period_event("appraisal.period.update", period, user, before=before, after=after)
    return period


def period_weights(period: AppraisalPeriod) -> dict[str, dict[Component, Decimal]]:
    return {w.job_group: {c: getattr(w, column) for c, column in WEIGHT_COLUMNS.items()} for w in period.weights}


def periods_of(instansi_id: int) -> list[AppraisalPeriod]:
    return list(db.session.scalars(select(AppraisalPeriod).where(AppraisalPeriod.instansi_id == instansi_id)
                                   .order_by(AppraisalPeriod.citizen_to.desc(), AppraisalPeriod.id.desc())))


def status_counts(period: AppraisalPeriod, unit_id: int | None = None) -> dict[str, int]:
    stmt = select(AppraisalRecord.status, func.count()).where(AppraisalRecord.period_id == period.id)
    if unit_id is not None:
        stmt = stmt.where(AppraisalRecord.unit_id == unit_id)
    counts = dict.fromkeys(RECORD_STATUSES, 0)
    counts.update({status: int(n) for status, n in db.session.execute(stmt.group_by(AppraisalRecord.status))})
    return counts


#: Built once: the citizen's POST asks it whenever an officer's day looks like a surge.
_CITIZEN_WINDOWS = (
    select(AppraisalPeriod.citizen_from, AppraisalPeriod.citizen_to,
           select(AppraisalRecord.id).where(AppraisalRecord.period_id == AppraisalPeriod.id,
                                            AppraisalRecord.status == "finalised").exists())
    .where(AppraisalPeriod.instansi_id == bindparam("instansi_id")).order_by(AppraisalPeriod.citizen_from)
)


def citizen_windows(instansi_id: int) -> list[tuple[date, date, bool]]:
    """The instansi's periods' citizen windows (first day, last day) and whether a record of the
    period is finalised: what feedback asks before it holds a surge or takes paper forms."""
    rows = execute_core(_CITIZEN_WINDOWS, {"instansi_id": instansi_id})
    return [(first, last, bool(final)) for first, last, final in rows]


def subscribe() -> None:
    """Answer feedback's question about citizen windows (called by the app factory)."""
    events.citizen_windows.connect(citizen_windows)
