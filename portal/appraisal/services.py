"""Appraisal periods, the merge of citizen and 360 evidence into records, and the workflow
Draft → Confirmed (by the Pejabat Penilai) → Finalised (by HR), with an append-only audit log.

The arithmetic lives in `surveys` (IKM of the officer unsur, 360 group means with the anonymity
threshold, normalisation, the weighted composite with renormalisation, the suggested rating, the
predikat matrix, pola distribusi, development areas). This module feeds it with SQL GROUP BY
results and stores what it returns.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import os
import threading
import weakref
from collections import defaultdict, deque
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property, lru_cache
from operator import itemgetter

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import selectinload

from portal.appraisal import permissions
from portal.appraisal.models import (
    RECORD_STATUSES, AppraisalPeriod, AppraisalPeriodCycle, AppraisalRecord, AuditEntry, WeightProfile,
)
from portal.extensions import db
from portal.feedback.models import SkmDaily
from portal.org.models import JOB_GROUPS, Employee, Instansi, Unit
from portal.org.services import ImportRejected, ImportSummary, RowProblem
from portal.reviews.models import QuestionnaireItem, ReviewAnswer, ReviewCycle, ReviewResponse
from portal.tabular import Table
from surveys import appraisal, berakhlak, review, skm
from surveys.appraisal import Component, ComponentEvidence, Predikat, Rating
from surveys.errors import DomainError, InvalidValue, InvalidWeights
from surveys.exact import round_half_up
from surveys.i18n import N_, Message

PERIOD_KINDS = ("tahunan", "triwulan")
KIND_LABELS = {"tahunan": N_("Tahunan"), "triwulan": N_("Triwulan")}
STATUS_LABELS = {"draft": N_("Draf"), "confirmed": N_("Dikonfirmasi"), "finalised": N_("Final")}
JOB_GROUP_LABELS = {"front_line": N_("Pelayanan langsung (loket)"), "back_office": N_("Pendukung (tanpa loket)")}
#: Weight columns of WeightProfile per component.
WEIGHT_COLUMNS = {
    Component.CITIZEN: "citizen", Component.ATASAN: "atasan", Component.REKAN: "rekan",
    Component.BAWAHAN: "bawahan", Component.SELF: "self_weight",
}
#: The record's column prefix per component (citizen_score, weight_citizen, ...).
RECORD_PREFIX = {c: c.value for c in Component}
GROUP_COMPONENT = {
    review.RaterGroup.SELF: Component.SELF, review.RaterGroup.ATASAN: Component.ATASAN,
    review.RaterGroup.REKAN: Component.REKAN, review.RaterGroup.BAWAHAN: Component.BAWAHAN,
}
#: The fields a merge computes; a record is rewritten only when one of them changes.
MERGED_FIELDS = (
    "unit_id", "job_group",
    *(f"{RECORD_PREFIX[c]}_{kind}" for c in Component for kind in ("score", "n")),
    *(f"weight_{RECORD_PREFIX[c]}" for c in Component),
    "composite", "rating_perilaku_suggested", "explanation", "development",
)
#: Fields left out of the audit log's before/after: derived wording, rebuilt from the figures.
NOT_AUDITED = frozenset({"explanation"})
#: Employees merged per chunk: bounds memory whatever the size of the instansi.
CHUNK = 1000
MAX_REASON = 2000


class AppraisalError(DomainError):
    """An appraisal action the rules refuse, with the reason for the user.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str | None = None, params: Mapping[str, object] | None = None,
                 field: str | None = None):
        super().__init__(message, params)
        self.field = field


class TransitionRefused(AppraisalError):
    """A workflow step that the record's state or the user's role does not allow."""


class RecordFinalised(TransitionRefused):
    default_message = N_("Catatan penilaian ini sudah final dan tidak dapat diubah.")


# --- periods -------------------------------------------------------------------------------------

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
                  officer_unsur: Iterable[str] = skm.DEFAULT_OFFICER_UNSUR) -> AppraisalPeriod:
    """A new period; ``weights`` maps each job group to the components' percent weights
    (citizen, atasan, rekan, bawahan, self) summing to 100; ``thresholds`` is (above, meets)."""
    settings = validate_period(instansi, name=name, kind=kind, citizen_from=citizen_from, citizen_to=citizen_to,
                               cycle_ids=cycle_ids, weights=weights, thresholds=thresholds,
                               min_citizen_n=min_citizen_n, officer_unsur=officer_unsur)
    period = AppraisalPeriod(instansi_id=instansi.id)
    _apply(period, settings)
    db.session.add(period)
    db.session.flush()
    return period


def update_period(period: AppraisalPeriod, name: str, kind: str, citizen_from: date, citizen_to: date,
                  cycle_ids: Iterable[int], weights: Mapping[str, Mapping[Component | str, object]],
                  thresholds: tuple[object, object] = (Decimal(80), Decimal(60)), min_citizen_n: int = 10,
                  officer_unsur: Iterable[str] = skm.DEFAULT_OFFICER_UNSUR) -> AppraisalPeriod:
    """Change a period's settings. Draft records follow at the next merge; confirmed and
    finalised records keep the figures they were decided on."""
    instansi = db.session.get(Instansi, period.instansi_id)
    settings = validate_period(instansi, name=name, kind=kind, citizen_from=citizen_from, citizen_to=citizen_to,
                               cycle_ids=cycle_ids, weights=weights, thresholds=thresholds,
                               min_citizen_n=min_citizen_n, officer_unsur=officer_unsur, period=period)
    _apply(period, settings)
    db.session.flush()
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


# --- the merge: evidence → one record per employee ------------------------------------------------

@dataclass(frozen=True)
class MergeSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_non_draft: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped_non_draft


@dataclass(frozen=True)
class MergeRules:
    """What a period asks of the evidence, read once per merge."""

    officer_unsur: tuple[str, ...]
    min_citizen_n: int
    threshold: int
    scale_min: int
    scale_max: int
    value_codes: tuple[str, ...]
    #: Exact weights per job group (ints where whole: the core converts them fastest).
    weights: dict[str, dict[Component, int | Fraction]]
    above: Decimal
    meets: Decimal

    @classmethod
    def of(cls, period: AppraisalPeriod) -> MergeRules:
        cycles = period.cycles
        questionnaires = [c.questionnaire for c in cycles]
        codes: list[str] = []
        for questionnaire in questionnaires:
            for item in questionnaire.items:
                if item.value_code not in codes:
                    codes.append(item.value_code)
        first = questionnaires[0] if questionnaires else None
        return cls(
            officer_unsur=skm.validate_officer_unsur(period.officer_unsur.split(",")),
            min_citizen_n=period.min_citizen_n,
            # Pooled cycles keep the strictest promise made to their raters.
            threshold=max((c.threshold for c in cycles), default=review.MIN_THRESHOLD),
            scale_min=first.scale_min if first else berakhlak.SCALE_MIN,
            scale_max=first.scale_max if first else berakhlak.SCALE_MAX,
            value_codes=tuple(codes) or berakhlak.VALUE_CODES,
            weights={group: {c: _exact(w) for c, w in weights.items()} for group, weights in period_weights(period).items()},
            above=Decimal(period.above_threshold), meets=Decimal(period.meets_threshold),
        )

    @cached_property
    def plan(self) -> _Plan:
        """The rules as :func:`evaluate`'s integer arithmetic needs them, worked out once."""
        return _Plan(self)


def _exact(value: Decimal) -> int | Fraction:
    return int(value) if value == value.to_integral_value() else Fraction(value)


def _rounded(value: Fraction | Decimal | int, places: int) -> Decimal:
    """:func:`surveys.exact.round_half_up` for the merge's non-negative figures, in integer
    arithmetic: a merge rounds some thirty figures per employee, and this is its hot path."""
    numerator, denominator = (value.numerator, value.denominator) if isinstance(value, Fraction) else \
        Fraction(value).as_integer_ratio()
    if numerator < 0:
        return round_half_up(value, places)
    return Decimal((2 * numerator * 10 ** places + denominator) // (2 * denominator)).scaleb(-places)


def _score(value: Fraction | None) -> Decimal | None:
    return None if value is None else _rounded(value, 3)


def _shown(value: Fraction | Decimal) -> str:
    """A figure as the explanation prints it: two decimals."""
    return str(_rounded(value, 2))


MSG_CITIZEN = N_("Skor masyarakat dari %(n)d tanggapan warga yang menyebut pegawai ini (unsur %(unsur)s): "
                 "rata-rata %(mean)s pada skala 1–4, atau %(score)s dari 100.")
MSG_GROUP = N_("Skor %(group)s dari %(n)d tanggapan: rata-rata %(mean)s pada skala %(min)d–%(max)d, "
               "atau %(score)s dari 100.")
MSG_SELF = N_("Penilaian diri sendiri: %(score)s dari 100. Ditampilkan sebagai pembanding dan tidak dihitung "
              "dalam skor gabungan.")
MSG_HIDDEN = N_("Tanggapan %(group)s belum mencapai ambang anonimitas (%(min)d), jadi tidak ditampilkan.")
MSG_COMPOSITE = N_("Skor gabungan %(score)s dari 100 adalah rata-rata berbobot komponen yang disertakan.")
MSG_SUGGESTED = N_("Dengan batas Di Atas Ekspektasi %(above)s dan Sesuai Ekspektasi %(meets)s, saran penilaian "
                   "perilaku kerja adalah %(rating)s. Pejabat Penilai yang memutuskan.")
MSG_NO_SUGGESTION = N_("Tanpa skor gabungan tidak ada saran; Pejabat Penilai menentukan penilaian perilaku kerja.")


@dataclass
class _Evidence:
    """One employee's aggregates from SQL."""

    citizen: tuple[int, dict[str, int]] | None = None
    totals: dict[str, dict[str, tuple[int, int]]] = field(default_factory=lambda: defaultdict(dict))
    counts: dict[str, int] = field(default_factory=dict)


def _jsonable(params: Mapping[str, object]) -> dict[str, object]:
    return {k: (str(v) if isinstance(v, (Decimal, Fraction)) else v) for k, v in params.items()}


def evaluate_exact(rules: MergeRules, job_group: str, evidence: _Evidence) -> dict[str, object]:
    """The merged figures of one employee, as record column values, computed by the `surveys`
    core in exact Fractions: the reference that :func:`evaluate` equals, and what it falls back
    on for anything outside its assumptions (so invalid evidence raises what the core raises)."""
    values: dict[str, object] = {}
    lines: list[Message] = []
    pieces: list[ComponentEvidence] = []
    unsur_nrr: dict[str, Fraction] = {}
    weights = rules.weights[job_group]

    n, sums = evidence.citizen or (0, {})
    citizen_score = None
    if n:
        ikm = skm.compute_ikm(sums, n, rules.officer_unsur)
        citizen_score = appraisal.normalise(ikm.ikm_4, skm.SCALE_MIN, skm.SCALE_MAX)
        lines.append((MSG_CITIZEN, {"n": n, "unsur": ", ".join(rules.officer_unsur),
                                    "mean": _shown(ikm.ikm_4), "score": _shown(citizen_score)}))
        if n >= rules.min_citizen_n:
            unsur_nrr = dict(ikm.nrr)
    values["citizen_score"], values["citizen_n"] = _score(citizen_score), n
    pieces.append(ComponentEvidence(Component.CITIZEN, citizen_score, n, rules.min_citizen_n))

    report, own = _group_reports(rules, evidence)
    for group, component in GROUP_COMPONENT.items():
        count = evidence.counts.get(group.value, 0)
        shown = (own if group is review.RaterGroup.SELF else report).groups.get(group) if evidence.counts else None
        score = None
        min_n = rules.threshold if group in review.ANONYMOUS_GROUPS else 1
        if shown is not None and shown.overall is not None:
            score = appraisal.normalise(shown.overall, rules.scale_min, rules.scale_max)
            if component is Component.SELF and not weights[Component.SELF]:
                lines.append((MSG_SELF, {"score": _shown(score)}))
            else:
                lines.append((MSG_GROUP, {"group": group.label, "n": count, "mean": _shown(shown.overall),
                                          "min": rules.scale_min, "max": rules.scale_max, "score": _shown(score)}))
            pieces.append(ComponentEvidence(component, score, count, min_n))
        elif count and shown is None:
            # Under the anonymity threshold: never computed. The composite only needs to know
            # the group exists with too few responses, so it is passed with a placeholder score.
            if not weights[component]:
                lines.append((MSG_HIDDEN, {"group": group.label, "min": rules.threshold}))
            pieces.append(ComponentEvidence(component, Fraction(0), count, min_n))
        else:
            pieces.append(ComponentEvidence(component, None, count, min_n))
        values[f"{RECORD_PREFIX[component]}_score"], values[f"{RECORD_PREFIX[component]}_n"] = _score(score), count

    result = appraisal.composite(pieces, weights)
    lines.extend(result.explanations)
    for component in Component:
        used = result.weights_used.get(component)
        values[f"weight_{RECORD_PREFIX[component]}"] = None if used is None else _rounded(used, 3)
    suggested = None
    if result.score is not None:
        shown_score = _rounded(result.score, 2)
        # The rating follows the figure shown, so number and rating always agree.
        suggested = appraisal.suggest_rating(shown_score, rules.above, rules.meets)
        lines.append((MSG_COMPOSITE, {"score": str(shown_score)}))
        lines.append((MSG_SUGGESTED, {"above": _shown(rules.above), "meets": _shown(rules.meets),
                                      "rating": suggested.value}))
    else:
        lines.append((MSG_NO_SUGGESTION, {}))
    values["composite"] = _score(result.score)
    values["rating_perilaku_suggested"] = suggested.value if suggested else None
    values["explanation"] = json.dumps([[t, _jsonable(p)] for t, p in lines], ensure_ascii=False, sort_keys=True)
    values["development"] = _development(report, unsur_nrr)
    return values


def _group_reports(rules: MergeRules, evidence: _Evidence) -> tuple[review.GroupReport | None, review.GroupReport | None]:
    """The others' report and the self report, apart: the record needs neither the self-versus-
    others gaps (the review report shows them) nor their cost, a tenth of the merge's arithmetic."""
    if not evidence.counts:
        return None, None
    self_code = review.RaterGroup.SELF.value
    options = {"value_codes": rules.value_codes, "scale_min": rules.scale_min, "scale_max": rules.scale_max}
    others = review.group_report({g: t for g, t in evidence.totals.items() if g != self_code},
                                 {g: n for g, n in evidence.counts.items() if g != self_code}, rules.threshold, **options)
    own = review.group_report({g: t for g, t in evidence.totals.items() if g == self_code},
                              {g: n for g, n in evidence.counts.items() if g == self_code}, rules.threshold, **options)
    return others, own


def _development(report: review.GroupReport | None, unsur_nrr: dict[str, Fraction]) -> str:
    """The weakest BerAKHLAK values in others' ratings and the weakest officer unsur, as JSON:
    ``{"values": [codes], "unsur": [codes], "means": {code: mean}}``, weakest first."""
    value_means = {}
    if report is not None and report.others is not None:
        value_means = {c: m for c, m in report.others.value_means.items() if c in berakhlak.VALUE_BY_CODE}
    if not value_means and not unsur_nrr:
        return "{}"
    areas = appraisal.development_areas(value_means, unsur_nrr)
    means = {c: _shown(value_means[c]) for c in areas.values} | {c: _shown(unsur_nrr[c]) for c in areas.unsur}
    return json.dumps({"values": list(areas.values), "unsur": list(areas.unsur), "means": means}, sort_keys=True)


# --- the same figures in integer arithmetic ---------------------------------------------------------
#
# Every figure of a record is a ratio of integer sums: the merge keeps each as an unreduced pair
# (numerator, denominator > 0) and rounds it half up with one integer division, which is what
# `_rounded` does with the reduced Fraction. `tests/portal/test_appraisal_fast.py` checks that
# `evaluate` equals `evaluate_exact` on random rules and evidence.

_EXPLANATION_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_DEVELOPMENT_JSON = json.JSONEncoder(sort_keys=True)
#: (stored code, component, label, anonymous?, score column, n column) per rater group, in
#: GROUP_COMPONENT order (the explanation's order).
_GROUPS = tuple((group.value, component, group.label, group in review.ANONYMOUS_GROUPS,
                 f"{RECORD_PREFIX[component]}_score", f"{RECORD_PREFIX[component]}_n")
                for group, component in GROUP_COMPONENT.items())
_WEIGHT_COLUMNS = tuple((component, f"weight_{RECORD_PREFIX[component]}") for component in Component)
_RATING_TEXT = {rating: rating.value for rating in Rating}
_GROUP_CODES = frozenset(group.value for group in review.RaterGroup)
_SELF_CODE = review.RaterGroup.SELF.value
_ANONYMOUS_CODES = frozenset(group.value for group in review.ANONYMOUS_GROUPS)
_VALUE_POSITION = {code: i for i, code in enumerate(berakhlak.VALUE_CODES)}
_UNSUR_POSITION = {code: i for i, code in enumerate(skm.UNSUR_CODES)}


class _Unusual(Exception):
    """Evidence outside what the integer path assumes: :func:`evaluate_exact` decides."""


def _decimal_of(numerator: int, denominator: int, places: int) -> Decimal:
    """numerator / denominator rounded half up to ``places`` decimals, as :func:`_rounded` gives it."""
    if numerator < 0:
        return round_half_up(Fraction(numerator, denominator), places)
    return Decimal((2 * numerator * 10 ** places + denominator) // (2 * denominator)).scaleb(-places)


def _text_of(numerator: int, denominator: int) -> str:
    """numerator / denominator as :func:`_shown` prints it (two decimals, half up)."""
    if numerator < 0:
        return str(round_half_up(Fraction(numerator, denominator), 2))
    hundredths = (200 * numerator + denominator) // (2 * denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _lowest_two(items: Iterable[tuple[int, int, int, str]]) -> list[str]:
    """The codes of the two smallest ratios of (numerator, denominator, position, code), ties by
    position: :func:`appraisal.development_areas` with k = 2, by cross-multiplication."""
    first = second = None
    for item in items:
        if first is None or _before(item, first):
            first, second = item, first
        elif second is None or _before(item, second):
            second = item
    return [item[3] for item in (first, second) if item is not None]


def _before(a: tuple[int, int, int, str], b: tuple[int, int, int, str]) -> bool:
    left, right = a[0] * b[1], b[0] * a[1]
    return left < right or (left == right and a[2] < b[2])


class _Weights:
    """One job group's weights as integers over a common denominator (they keep their ratios,
    which is all the composite uses), with the texts its explanation prints."""

    def __init__(self, weights: Mapping[Component, int | Fraction]):
        configured = appraisal.validate_weights(weights)
        common = math.lcm(*(w.denominator for w in configured.values()))
        #: (component, integer weight, label, configured percent as printed), weighted ones only.
        self.weighted = [(c, int(w * common), c.label, str(round_half_up(w, 2)))
                         for c, w in configured.items() if w]
        self.zero = {c: not weights[c] for c in Component}
        self.self_zero = self.zero[Component.SELF]


class _Plan:
    """What :func:`evaluate` needs of the rules, worked out once. ``exact`` is set when the rules
    are outside what the integer path assumes (the core would refuse them): then every employee
    goes through :func:`evaluate_exact`, which raises what the core raises."""

    def __init__(self, rules: MergeRules):
        self.exact = False
        try:
            review.validate_threshold(rules.threshold)
            self.weights = {group: _Weights(weights) for group, weights in rules.weights.items()}
            above, meets = Fraction(rules.above), Fraction(rules.meets)
        except (DomainError, ValueError, TypeError, KeyError, ArithmeticError):
            self.exact = True
            return
        unsur = tuple(code for code in skm.UNSUR_CODES if code in rules.officer_unsur)
        if not unsur or any(code not in skm.UNSUR_BY_KODE for code in rules.officer_unsur):
            self.exact = True
            return
        scale_min, scale_max, min_citizen_n = rules.scale_min, rules.scale_max, rules.min_citizen_n
        if not (type(scale_min) is int and type(scale_max) is int and scale_min < scale_max
                and type(min_citizen_n) is int and min_citizen_n >= 1 and 0 <= meets < above <= 100):
            self.exact = True
            return
        self.threshold, self.scale_min, self.scale_max, self.min_citizen_n = (
            rules.threshold, scale_min, scale_max, min_citizen_n)
        self.unsur = unsur
        self.unsur_text = ", ".join(rules.officer_unsur)
        self.value_codes = frozenset(rules.value_codes)
        #: A shown composite (in hundredths) at or above these gets Di Atas / Sesuai Ekspektasi.
        self.above_cut, self.meets_cut = math.ceil(above * 100), math.ceil(meets * 100)
        self.suggested_params = {"above": _shown(rules.above), "meets": _shown(rules.meets)}


def evaluate(rules: MergeRules, job_group: str, evidence: _Evidence) -> dict[str, object]:
    """The merged figures of one employee, as record column values: exactly :func:`evaluate_exact`'s
    (every figure, rounding and explanation), in integer arithmetic, several times faster."""
    plan = rules.plan
    weights = None if plan.exact else plan.weights.get(job_group)
    if weights is not None:
        try:
            return _evaluate(plan, weights, evidence)
        except _Unusual:
            pass
    return evaluate_exact(rules, job_group, evidence)


def _evaluate(plan: _Plan, weights: _Weights, evidence: _Evidence) -> dict[str, object]:
    values: dict[str, object] = {}
    lines: list[Message] = []
    #: component → (score as (numerator, denominator) or None, responses, minimum responses)
    pieces: dict[Component, tuple[tuple[int, int] | None, int, int]] = {}

    n, sums = evidence.citizen or (0, {})
    unsur_sums = None
    citizen_score = None
    if n:
        if type(n) is not int or n < 0:
            raise _Unusual
        total = 0
        for code in plan.unsur:
            value = sums.get(code)
            if type(value) is not int or not n * skm.SCALE_MIN <= value <= n * skm.SCALE_MAX:
                raise _Unusual
            total += value
        responses = len(plan.unsur) * n
        # The IKM on 1–4 is total / responses; normalised onto 0..100:
        citizen_score = ((total - skm.SCALE_MIN * responses) * 100, (skm.SCALE_MAX - skm.SCALE_MIN) * responses)
        lines.append((MSG_CITIZEN, {"n": n, "unsur": plan.unsur_text, "mean": _text_of(total, responses),
                                    "score": _text_of(*citizen_score)}))
        if n >= plan.min_citizen_n:
            unsur_sums = sums
    values["citizen_score"] = None if citizen_score is None else _decimal_of(*citizen_score, 3)
    values["citizen_n"] = n
    pieces[Component.CITIZEN] = (citizen_score, n, plan.min_citizen_n)

    counts = evidence.counts
    threshold, scale_min, scale_max = plan.threshold, plan.scale_min, plan.scale_max
    #: Per rater group with scores: its overall mean (the mean of its value means) as a pair.
    overall: dict[str, tuple[int, int]] = {}
    #: Per value code: (sum, count) pooled over the visible groups other than self.
    others: dict[str, list[int]] = {}
    if counts:
        for group, count in counts.items():
            if group not in _GROUP_CODES or type(count) is not int or count < 0:
                raise _Unusual
        for group, per_value in evidence.totals.items():
            if group not in _GROUP_CODES:
                raise _Unusual
            count = counts.get(group, 0)
            numerator, denominator, means = 0, 1, 0
            for code, (score_sum, score_count) in per_value.items():
                if (code not in plan.value_codes or type(score_sum) is not int or type(score_count) is not int
                        or score_count < 0 or not score_count * scale_min <= score_sum <= score_count * scale_max
                        or (score_count and not count)):
                    raise _Unusual
                if score_count:
                    numerator, denominator = numerator * score_count + score_sum * denominator, denominator * score_count
                    means += 1
            if not count or (group in _ANONYMOUS_CODES and count < threshold):
                continue  # not shown: left out of everything, the pooled figure too
            if means:
                overall[group] = (numerator, denominator * means)
            if group != _SELF_CODE:
                for code, (score_sum, score_count) in per_value.items():
                    if score_count:
                        pooled = others.get(code)
                        if pooled is None:
                            others[code] = [score_sum, score_count]
                        else:
                            pooled[0] += score_sum
                            pooled[1] += score_count

    span = scale_max - scale_min
    for group, component, label, anonymous, score_column, n_column in _GROUPS:
        count = counts.get(group, 0)
        min_n = threshold if anonymous else 1
        mean = overall.get(group)
        score = None
        if mean is not None:
            score = ((mean[0] - scale_min * mean[1]) * 100, mean[1] * span)
            if group == _SELF_CODE and weights.self_zero:
                lines.append((MSG_SELF, {"score": _text_of(*score)}))
            else:
                lines.append((MSG_GROUP, {"group": label, "n": count, "mean": _text_of(*mean), "min": scale_min,
                                          "max": scale_max, "score": _text_of(*score)}))
            pieces[component] = (score, count, min_n)
        elif count and count < min_n:
            # Under the anonymity threshold: never computed, only known to be too few.
            if weights.zero[component]:
                lines.append((MSG_HIDDEN, {"group": label, "min": threshold}))
            pieces[component] = ((0, 1), count, min_n)
        else:
            pieces[component] = (None, count, min_n)
        values[score_column] = None if score is None else _decimal_of(*score, 3)
        values[n_column] = count

    # The composite (appraisal.composite): weighted components with too little evidence are left
    # out and the others' weights scaled to sum to 100.
    included = []
    left_out = False
    for component, weight, label, configured in weights.weighted:
        score, count, min_n = pieces[component]
        if score is None or count == 0:
            left_out = True
            lines.append((appraisal.MSG_NO_DATA, {"component": label}))
        elif count < min_n:
            left_out = True
            lines.append((appraisal.MSG_TOO_FEW, {"component": label, "n": count, "min": min_n}))
        else:
            included.append((component, weight, score, label, configured))
    used_weights: dict[Component, Decimal] = {}
    suggested = None
    composite = None
    if included:
        total_weight = sum(item[1] for item in included)
        numerator, denominator = 0, 1
        for _component, weight, (score_numerator, score_denominator), _label, _configured in included:
            numerator = numerator * score_denominator + score_numerator * weight * denominator
            denominator *= score_denominator
        denominator *= total_weight
        if left_out:
            lines.append((appraisal.MSG_REWEIGHTED, {}))
        for component, weight, _score, label, configured in included:
            used_weights[component] = _decimal_of(weight * 100, total_weight, 3)
            if left_out:
                lines.append((appraisal.MSG_WEIGHT_NOW, {"component": label, "used": _text_of(weight * 100, total_weight),
                                                        "configured": configured}))
        composite = _decimal_of(numerator, denominator, 3)
        hundredths = (200 * numerator + denominator) // (2 * denominator)
        # The rating follows the figure shown, so number and rating always agree.
        suggested = _RATING_TEXT[Rating.DI_ATAS if hundredths >= plan.above_cut else
                                 Rating.SESUAI if hundredths >= plan.meets_cut else Rating.DI_BAWAH]
        lines.append((MSG_COMPOSITE, {"score": f"{hundredths // 100}.{hundredths % 100:02d}"}))
        lines.append((MSG_SUGGESTED, {**plan.suggested_params, "rating": suggested}))
    else:
        lines.append((appraisal.MSG_NO_COMPONENT, {}))
        lines.append((MSG_NO_SUGGESTION, {}))
    for component, column in _WEIGHT_COLUMNS:
        values[column] = used_weights.get(component)
    values["composite"] = composite
    values["rating_perilaku_suggested"] = suggested
    values["explanation"] = _EXPLANATION_JSON.encode([[template, params] for template, params in lines])

    # The development areas (_development): the weakest values in others' ratings, the weakest unsur.
    value_means = [(pooled[0], pooled[1], _VALUE_POSITION[code], code) for code, pooled in others.items()
                   if code in _VALUE_POSITION]
    if not value_means and not unsur_sums:
        values["development"] = "{}"
    else:
        weakest_values = _lowest_two(value_means)
        weakest_unsur = _lowest_two((unsur_sums[code], n, _UNSUR_POSITION[code], code)
                                    for code in plan.unsur) if unsur_sums else []
        means = {code: _text_of(*others[code]) for code in weakest_values}
        means.update((code, _text_of(unsur_sums[code], n)) for code in weakest_unsur)
        values["development"] = _DEVELOPMENT_JSON.encode(
            {"values": weakest_values, "unsur": weakest_unsur, "means": means})
    return values


def citizen_query(period: AppraisalPeriod, instansi_id: int):
    """Per officer: responses and sums of the officer unsur over the period's dates (one GROUP BY)."""
    codes = skm.validate_officer_unsur(period.officer_unsur.split(","))
    sums = [func.sum(getattr(SkmDaily, f"s{code[1:]}")) for code in codes]
    return (select(SkmDaily.employee_key, func.sum(SkmDaily.n), *sums)
            .where(SkmDaily.employee_key != 0, SkmDaily.local_date.between(period.citizen_from, period.citizen_to),
                   SkmDaily.unit_id.in_(select(Unit.id).where(Unit.instansi_id == instansi_id)))
            .group_by(SkmDaily.employee_key).order_by(SkmDaily.employee_key))


def review_totals_query(cycle_ids: list[int], value_codes: Iterable[str]):
    """Per reviewee and rater group, for each value: the sum and count of non-null scores, pooled
    over cycles (columns sum, count per value in ``value_codes``, which must cover the cycles'
    questionnaires). One row per group rather than per group and value: a seventh of the rows
    for the merge to read, and the grouping follows an index, so SQLite needs no sort."""
    columns = []
    for code in value_codes:
        score = case((QuestionnaireItem.value_code == code, ReviewAnswer.score))
        columns += [func.sum(score), func.count(score)]
    return (select(ReviewResponse.reviewee_id, ReviewResponse.rater_group, *columns)
            .join(ReviewAnswer, ReviewAnswer.response_id == ReviewResponse.id)
            .join(QuestionnaireItem, QuestionnaireItem.id == ReviewAnswer.item_id)
            .where(ReviewResponse.cycle_id.in_(cycle_ids))
            .group_by(ReviewResponse.reviewee_id, ReviewResponse.rater_group)
            .order_by(ReviewResponse.reviewee_id, ReviewResponse.rater_group))


def review_counts_query(cycle_ids: list[int]):
    """Per reviewee and rater group: the number of responses, pooled over cycles."""
    return (select(ReviewResponse.reviewee_id, ReviewResponse.rater_group, func.count())
            .where(ReviewResponse.cycle_id.in_(cycle_ids))
            .group_by(ReviewResponse.reviewee_id, ReviewResponse.rater_group)
            .order_by(ReviewResponse.reviewee_id, ReviewResponse.rater_group))


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
    now = now or datetime.now(timezone.utc)
    rules = MergeRules.of(period)
    cycle_ids = [pc.cycle_id for pc in period.period_cycles]
    employees = db.session.connection().execute(
        select(Employee.id, Employee.unit_id, Employee.job_group)
        .where(Employee.instansi_id == period.instansi_id, Employee.active.is_(True)).order_by(Employee.id)).all()
    citizen = _Stream(_streamed(citizen_query(period, period.instansi_id)))
    totals = _Stream(_streamed(review_totals_query(cycle_ids, rules.value_codes)) if cycle_ids else None)
    counts = _Stream(_streamed(review_counts_query(cycle_ids)) if cycle_ids else None)
    writer = _ChunkWriter(period, rules, getattr(user, "id", None), now)
    pending: deque[tuple[list, dict, Future]] = deque()
    with _evaluator(len(employees), workers) as pool:
        for start in range(0, len(employees), CHUNK):
            chunk = employees[start:start + CHUNK]
            last_id = chunk[-1].id
            rows = (citizen.upto(last_id), totals.upto(last_id), counts.upto(last_id))
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
    _expire_records()
    return writer.summary()


#: From this many employees on, the arithmetic runs in worker processes.
PARALLEL_FROM = 5_000


def evaluate_rows(rules: MergeRules, drafts: dict[int, str], citizen: list[tuple], totals: list[tuple],
                  counts: list[tuple]) -> dict[int, tuple[tuple, str]]:
    """:func:`evaluate` for the employees of a chunk (id → job group) that have evidence, from the
    chunk's rows of the three GROUP BY queries, as :func:`_merged` gives it; runs in a worker
    process when there are many."""
    evidence: dict[int, _Evidence] = defaultdict(_Evidence)
    for employee_id, n, *sums in citizen:
        evidence[employee_id].citizen = (int(n), dict(zip(rules.officer_unsur, map(int, sums))))
    codes = rules.value_codes
    for employee_id, group, *pairs in totals:
        per_value = evidence[employee_id].totals[group]
        for code, total, count in zip(codes, pairs[::2], pairs[1::2]):
            if count:  # a value without scores has no mean: as if it had no row
                per_value[code] = (int(total), int(count))
    for employee_id, group, count in counts:
        evidence[employee_id].counts[group] = int(count)
    return {employee_id: _merged(evaluate(rules, drafts[employee_id], found))
            for employee_id, found in evidence.items() if employee_id in drafts}


def _merged(values: Mapping[str, object]) -> tuple[tuple, str]:
    """An employee's computed values as the writer takes them: the MERGED_FIELDS after the unit
    and job group, and the after JSON of the audit entry if the record is new."""
    return _COMPUTED_FIELDS(values), _created_entry(values["composite"], values["rating_perilaku_suggested"])


@lru_cache(maxsize=4096)
def _created_entry(composite: Decimal | None, suggested: str | None) -> str:
    """The after JSON of a new record's audit entry (a few thousand distinct ones per merge).

    A new record's entry holds its state and the suggestion. Every other figure is on the record,
    and each later change logs its before value, so the history stays complete without copying
    all the figures of every employee into the log."""
    return _audit_values({}, {"status": "draft", "composite": composite, "rating_perilaku_suggested": suggested})[1]


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

    def __init__(self, period: AppraisalPeriod, rules: MergeRules, user_id: int | None, now: datetime):
        self.period, self.rules, self.user_id, self.now = period, rules, user_id, now
        self.counts: dict[str, int] = defaultdict(int)
        self.done = 0
        #: Everyone without evidence gets the same figures: computed once per job group.
        self.no_evidence: dict[str, tuple[tuple, str]] = {}

    def summary(self) -> MergeSummary:
        return MergeSummary(**self.counts)

    def _without_evidence(self, job_group: str) -> tuple[tuple, str]:
        if job_group not in self.no_evidence:
            self.no_evidence[job_group] = _merged(evaluate(self.rules, job_group, _Evidence()))
        return self.no_evidence[job_group]

    def existing(self, chunk: list) -> dict[int, tuple]:
        """The chunk's stored records: employee id → (id, employee id, status, *MERGED_FIELDS)."""
        table = AppraisalRecord.__table__
        # Fetched at once: iterating the result fetches row by row, a driver call per record.
        rows = db.session.connection().execute(
            select(table.c.id, table.c.employee_id, table.c.status, *(table.c[f] for f in MERGED_FIELDS))
            .where(table.c.period_id == self.period.id, table.c.employee_id.between(chunk[0].id, chunk[-1].id))
        ).all()
        return {row[1]: row for row in rows}

    def write(self, chunk: list, existing: dict[int, tuple], computed_by_id: dict[int, tuple[tuple, str]]) -> None:
        period, first, last = self.period, chunk[0][0], chunk[-1][0]
        period_id, instansi_id, now = period.id, period.instansi_id, self.now
        table = AppraisalRecord.__table__
        inserts, updates, audits_for_new, audits = [], [], [], []
        for employee_id, unit_id, job_group in chunk:
            current = existing.get(employee_id)
            if current is not None and current[2] != "draft":
                self.counts["skipped_non_draft"] += 1
                continue
            computed, created = computed_by_id.get(employee_id) or self._without_evidence(job_group)
            fresh = (unit_id, job_group, *computed)
            if current is None:
                inserts.append((period_id, employee_id, "draft", now, *fresh))
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
            audits.append(_audit_row(instansi_id, current[0], "merge", *_audit_values(before, changed),
                                     None, self.user_id, now))
            self.counts["updated"] += 1
        if inserts:
            self.counts["created"] += len(inserts)
            # A plain executemany, then the ids read back: RETURNING over many rows is far slower.
            _insert_many(table, _INSERT_FIELDS, inserts)
            ids = dict(db.session.connection().execute(
                select(table.c.employee_id, table.c.id)
                .where(table.c.period_id == period_id, table.c.employee_id.between(first, last))).tuples().all())
            audits.extend(_audit_row(instansi_id, ids[employee_id], "merge", "{}", after, None, self.user_id, now)
                          for employee_id, after in audits_for_new)
        if updates:
            statement = (update(table).where(table.c.id == bindparam("record_id"), table.c.status == "draft")
                         .values({name: bindparam(name) for name in ("computed_at", *MERGED_FIELDS)}))
            db.session.execute(statement, updates)
        if audits:
            _insert_many(AuditEntry.__table__, _AUDIT_FIELDS, audits)
        self.done += len(chunk)


#: The columns of a new record, in the order write() builds its rows.
_INSERT_FIELDS = ("period_id", "employee_id", "status", "computed_at", *MERGED_FIELDS)
#: The merged fields that evaluate() computes (the unit and job group come from the employee).
_COMPUTED_FIELDS = itemgetter(*MERGED_FIELDS[2:])
_AUDIT_FIELDS = ("instansi_id", "record_id", "action", "before", "after", "reason", "user_id", "at")


def _insert_many(table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT rows (tuples of the columns ``names``) at once.

    Every value goes through its column type's bind processor, as SQLAlchemy would do, a column
    at a time (equal values once): SQLAlchemy's own per-row parameter assembly cost the merge
    more than the database's work. On SQLite the statement, compiled once, runs as one
    executemany; on PostgreSQL (psycopg) the rows go in one COPY, several times faster than
    multi-row INSERTs.
    """
    connection = db.session.connection()
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
            (names.index(name), table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in order])
    return found


def _same(stored: object, computed: object) -> bool:
    if isinstance(stored, Decimal) and isinstance(computed, Decimal):
        return stored.compare(computed) == 0
    return stored == computed


def _expire_records() -> None:
    """Objects loaded before a bulk write must not show stale figures."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AppraisalRecord):
            db.session.expire(obj)


# --- the audit log ---------------------------------------------------------------------------------

def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot audit {type(value).__name__}")


def _audit_values(before: Mapping[str, object], after: Mapping[str, object]) -> tuple[str, str]:
    """The before and after JSON of an audit entry (the development areas as JSON, not text)."""
    def dump(values: Mapping[str, object]) -> str:
        data = {k: v for k, v in values.items() if k not in NOT_AUDITED}
        if isinstance(data.get("development"), str):
            data["development"] = json.loads(data["development"])
        return json.dumps(data, default=_json_value, sort_keys=True, ensure_ascii=False)
    return dump(before), dump(after)


def _audit_row(instansi_id: int, record_id: int, action: str, before: str, after: str, reason: str | None,
               user_id: int | None, at: datetime) -> tuple:
    """An audit entry's columns, in the order of _AUDIT_FIELDS."""
    return (instansi_id, record_id, action, before, after, reason, user_id, at)


def _change(record: AppraisalRecord, action: str, user, changes: Mapping[str, object],
            reason: str | None = None) -> AuditEntry:
    """Apply ``changes`` to the record and write the audit entry with the changed fields."""
    before = {k: getattr(record, k) for k, v in changes.items() if not _same(getattr(record, k), v)}
    after = {k: changes[k] for k in before}
    for name, value in changes.items():
        setattr(record, name, value)
    before_json, after_json = _audit_values(before, after)
    entry = AuditEntry(instansi_id=record.period.instansi_id, record_id=record.id, action=action,
                       before=before_json, after=after_json, reason=reason, user_id=getattr(user, "id", None),
                       at=datetime.now(timezone.utc))
    db.session.add(entry)
    db.session.flush()
    return entry


def audit_log(record: AppraisalRecord) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)
                                   .order_by(AuditEntry.at, AuditEntry.id)))


ACTION_LABELS = {
    "merge": N_("Dihitung dari data"), "hasil_kerja": N_("Hasil kerja dinilai"), "confirm": N_("Dikonfirmasi"),
    "finalise": N_("Difinalkan"), "reopen": N_("Dibuka kembali"), "return_to_draft": N_("Dikembalikan ke draf"),
}


# --- the workflow ----------------------------------------------------------------------------------

def _rating(value: str | Rating | None, field_name: str) -> Rating:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AppraisalError(N_("Pilih penilaian."), field=field_name)
    try:
        return appraisal.parse_rating(value)
    except InvalidValue as error:
        raise AppraisalError(error.message, error.params, field=field_name) from None


def _reason(text: str | None, required: bool, field_name: str = "reason") -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise AppraisalError(N_("Alasan wajib diisi."), field=field_name)
    if len(text) > MAX_REASON:
        raise AppraisalError(N_("Alasan paling banyak %(max)d karakter."), {"max": MAX_REASON}, field=field_name)
    return text or None


def _refuse_if_finalised(record: AppraisalRecord) -> None:
    if record.status == "finalised":
        raise RecordFinalised()


def set_hasil_kerja(record: AppraisalRecord, user, rating: str | Rating) -> AppraisalRecord:
    """The Pejabat Penilai (or HR) records the rating hasil kerja while the record is a draft."""
    _refuse_if_finalised(record)
    if not permissions.can_set_hasil_kerja(user, record):
        raise TransitionRefused(N_("Hasil kerja hanya dapat diisi oleh Pejabat Penilai atau HR selama catatan masih draf."))
    value = _rating(rating, "rating_hasil_kerja")
    if record.rating_hasil_kerja != value.value:
        _change(record, "hasil_kerja", user, {"rating_hasil_kerja": value.value})
    return record


def confirm(record: AppraisalRecord, user, rating_perilaku: str | Rating, override_reason: str | None = None,
            rating_hasil_kerja: str | Rating | None = None) -> AppraisalRecord:
    """The Pejabat Penilai confirms or overrides the suggested rating perilaku (a reason is
    required when it differs from the suggestion); the predikat follows the matrix."""
    _refuse_if_finalised(record)
    if record.status != "draft":
        raise TransitionRefused(N_("Catatan ini sudah dikonfirmasi."))
    if not permissions.can_confirm(user, record):
        raise TransitionRefused(N_("Hanya Pejabat Penilai pegawai ini yang dapat mengonfirmasi penilaiannya."))
    perilaku = _rating(rating_perilaku, "rating_perilaku")
    hasil = rating_hasil_kerja if rating_hasil_kerja not in (None, "") else record.rating_hasil_kerja
    if hasil is None:
        raise AppraisalError(N_("Isi penilaian hasil kerja terlebih dahulu."), field="rating_hasil_kerja")
    hasil = _rating(hasil, "rating_hasil_kerja")
    suggested = record.rating_perilaku_suggested
    overriding = suggested is not None and perilaku.value != suggested
    if overriding and not (override_reason or "").strip():
        raise AppraisalError(
            N_("Penilaian perilaku berbeda dari saran (%(suggested)s); tuliskan alasannya."),
            {"suggested": suggested}, field="override_reason")
    # A reason belongs to an override; confirming the suggestion needs none.
    reason = _reason(override_reason, True, "override_reason") if overriding else None
    _change(record, "confirm", user, {
        "rating_perilaku": perilaku.value, "override_reason": reason, "rating_hasil_kerja": hasil.value,
        "predikat": appraisal.predikat(hasil, perilaku).value, "status": "confirmed",
        "confirmed_by_id": user.id, "confirmed_at": datetime.now(timezone.utc),
    }, reason=reason)
    return record


def finalise(record: AppraisalRecord, user) -> AppraisalRecord:
    """HR closes a confirmed record; from then on nothing changes it but an admin's reopen."""
    _refuse_if_finalised(record)
    if record.status != "confirmed":
        raise TransitionRefused(N_("Hanya catatan yang sudah dikonfirmasi Pejabat Penilai yang dapat difinalkan."))
    if not permissions.can_finalise(user, record):
        raise TransitionRefused(N_("Hanya HR yang dapat memfinalkan catatan penilaian."))
    _change(record, "finalise", user, {"status": "finalised", "finalised_by_id": user.id,
                                        "finalised_at": datetime.now(timezone.utc)})
    return record


def finalise_unit(period: AppraisalPeriod, unit_id: int, user) -> int:
    """Finalise every confirmed record of a unit; returns how many."""
    records = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.unit_id == unit_id,
        AppraisalRecord.status == "confirmed").order_by(AppraisalRecord.id)).all()
    for record in records:
        finalise(record, user)
    return len(records)


def reopen(record: AppraisalRecord, admin, reason: str) -> AppraisalRecord:
    """Only an admin reopens a finalised record, with a reason; it goes back to confirmed."""
    if record.status != "finalised":
        raise TransitionRefused(N_("Hanya catatan final yang dapat dibuka kembali."))
    if not permissions.can_reopen(admin, record):
        raise TransitionRefused(N_("Hanya admin yang dapat membuka kembali catatan final."))
    text = _reason(reason, True)
    _change(record, "reopen", admin, {"status": "confirmed", "finalised_by_id": None, "finalised_at": None},
            reason=text)
    return record


def return_to_draft(record: AppraisalRecord, hr, reason: str) -> AppraisalRecord:
    """HR sends a confirmed record back to the Pejabat Penilai, with a reason."""
    _refuse_if_finalised(record)
    if record.status != "confirmed":
        raise TransitionRefused(N_("Hanya catatan yang sudah dikonfirmasi yang dapat dikembalikan ke draf."))
    if not permissions.can_return_to_draft(hr, record):
        raise TransitionRefused(N_("Hanya HR yang dapat mengembalikan catatan ke draf."))
    text = _reason(reason, True)
    _change(record, "return_to_draft", hr, {
        "status": "draft", "rating_perilaku": None, "override_reason": None, "predikat": None,
        "confirmed_by_id": None, "confirmed_at": None,
    }, reason=text)
    return record


# --- importing hasil kerja -------------------------------------------------------------------------

HASIL_KERJA_ALIASES = {"nip_baru": "nip", "penilaian": "rating", "rating_hasil_kerja": "rating",
                       "hasil_kerja": "rating", "predikat_hasil_kerja": "rating"}


def import_hasil_kerja(period: AppraisalPeriod, table: Table, user) -> ImportSummary:
    """Set the rating hasil kerja from a table (columns nip, rating), all or nothing.

    A supervisor may only rate their own direct reports; HR may rate anyone of the period.
    Raises ImportRejected listing every bad row.
    """
    missing = [c for c in ("nip", "rating") if c not in table.header]
    if missing:
        raise AppraisalError(N_("Kolom wajib tidak ada: %(columns)s."), {"columns": ", ".join(missing)})
    records = {r.employee.nip: r for r in db.session.scalars(
        select(AppraisalRecord).options(selectinload(AppraisalRecord.employee))
        .where(AppraisalRecord.period_id == period.id))}
    problems: list[RowProblem] = []
    planned: list[tuple[AppraisalRecord, Rating]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        nip = cells.get("nip", "").replace(" ", "")
        record = records.get(nip)
        if not nip:
            problems.append(RowProblem(number, N_("NIP wajib diisi.")))
            continue
        if nip in seen:
            problems.append(RowProblem(number, N_("NIP %(nip)s sudah muncul di baris %(other)d."),
                                       {"nip": nip, "other": seen[nip]}))
            continue
        seen[nip] = number
        if record is None:
            problems.append(RowProblem(number, N_("NIP %(nip)s tidak mempunyai catatan pada periode ini."), {"nip": nip}))
            continue
        if not permissions.is_hr(user) and not permissions.is_pejabat_penilai(user, record):
            problems.append(RowProblem(number, N_("%(name)s bukan pegawai yang Anda nilai."), {"name": record.employee.name}))
            continue
        if record.status != "draft":
            problems.append(RowProblem(number, N_("Catatan %(name)s sudah %(status)s; hasil kerja tidak dapat diubah."),
                                       {"name": record.employee.name, "status": STATUS_LABELS[record.status]}))
            continue
        try:
            rating = appraisal.parse_rating(cells.get("rating", ""))
        except InvalidValue as error:
            problems.append(RowProblem(number, error.message, error.params))
            continue
        planned.append((record, rating))
    if problems:
        raise ImportRejected(problems)
    summary = ImportSummary()
    for record, rating in planned:
        if record.rating_hasil_kerja == rating.value:
            summary.unchanged += 1
        else:
            set_hasil_kerja(record, user, rating)
            summary.updated += 1
    return summary


# --- what HR and supervisors look at ---------------------------------------------------------------

@dataclass
class Distribution:
    """Predikat counts of decided (confirmed or finalised) records, and departures from the
    pola distribusi of the organisation's predikat."""

    counts: dict[Predikat, int]
    total: int
    warnings: list[Message]
    org_predikat: str

    def share(self, predikat: Predikat) -> Decimal:
        return round_half_up(Fraction(self.counts[predikat] * 100, self.total), 1) if self.total else Decimal(0)


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
            .options(selectinload(AppraisalRecord.employee).selectinload(Employee.supervisor))
            .where(AppraisalRecord.period_id == period.id, AppraisalRecord.status == "draft")
            .order_by(Employee.name, Employee.id))
    if unit_id is not None:
        stmt = stmt.where(AppraisalRecord.unit_id == unit_id)
    return list(db.session.scalars(stmt))


def records_of(period: AppraisalPeriod, unit_id: int | None = None,
               employee_ids: Iterable[int] | None = None) -> list[AppraisalRecord]:
    stmt = (select(AppraisalRecord).join(Employee, Employee.id == AppraisalRecord.employee_id)
            .options(selectinload(AppraisalRecord.employee))
            .where(AppraisalRecord.period_id == period.id).order_by(Employee.name, Employee.id))
    if unit_id is not None:
        stmt = stmt.where(AppraisalRecord.unit_id == unit_id)
    if employee_ids is not None:
        stmt = stmt.where(AppraisalRecord.employee_id.in_(list(employee_ids)))
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
    """The supervisor's direct reports' records, period by period (newest first)."""
    report_ids = db.session.scalars(select(Employee.id).where(Employee.supervisor_id == supervisor.id)).all()
    result = []
    for period in periods_of(supervisor.instansi_id):
        records = records_of(period, employee_ids=report_ids) if report_ids else []
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
    return [(template, params) for template, params in json.loads(record.explanation or "[]")]


def development_of(record: AppraisalRecord) -> dict[str, list[dict]]:
    """The development areas with their names and means, for display."""
    data = json.loads(record.development or "{}")
    means = data.get("means", {})
    values = [{"code": c, "name": berakhlak.VALUE_BY_CODE[c].name, "mean": means.get(c)}
              for c in data.get("values", []) if c in berakhlak.VALUE_BY_CODE]
    unsur = [{"code": c, "name": skm.UNSUR_BY_KODE[c].name, "mean": means.get(c)}
             for c in data.get("unsur", []) if c in skm.UNSUR_BY_KODE]
    return {"values": values, "unsur": unsur}
