"""One employee's merged figures from the evidence: the citizen score, the 360 group scores,
the composite, the suggested rating, the explanation and the development areas.

The arithmetic lives in `surveys` (IKM of the officer unsur, 360 group means from the cycle groups
that met their own cycle's anonymity threshold, normalisation, the weighted composite with
renormalisation, the suggested rating, development areas). :func:`evaluate_exact` calls it in exact Fractions; :func:`evaluate` gives
the same values in integer arithmetic, several times faster, and is what the merge runs.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from portal.appraisal.models import AppraisalPeriod
from portal.appraisal.periods import period_weights
from surveys import appraisal, berakhlak, review, skm, stats
from surveys.appraisal import Component, ComponentEvidence, Rating
from surveys.errors import DomainError
from surveys.exact import round_half_up
from surveys.i18n import N_, Message

#: The record's column prefix per component (citizen_score, weight_citizen, ...).
RECORD_PREFIX = {c: c.value for c in Component}
GROUP_COMPONENT = {
    review.RaterGroup.SELF: Component.SELF, review.RaterGroup.ATASAN: Component.ATASAN,
    review.RaterGroup.REKAN: Component.REKAN, review.RaterGroup.BAWAHAN: Component.BAWAHAN,
}


@dataclass(frozen=True)
class MergeRules:
    """What a period asks of the evidence, read once per merge."""

    officer_unsur: tuple[str, ...]
    min_citizen_n: int
    #: Each review cycle's anonymity threshold, by cycle id: a group's answers of a cycle count
    #: only where they met that cycle's threshold in that cycle.
    thresholds: dict[int, int]
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
            thresholds={c.id: c.threshold for c in cycles},
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
    rounded = (2 * numerator * 10 ** places + denominator) // (2 * denominator)
    return _hundredths(rounded) if places == 2 else Decimal(rounded).scaleb(-places)


def _score(value: Fraction | None) -> Decimal | None:
    """A component score as shown and stored: two decimals, half up (rounded once, here)."""
    return None if value is None else _rounded(value, 2)


def citizen_margin(sums: Mapping[str, int], n: int, codes: Iterable[str]) -> Decimal | None:
    """The half-width of the 95% t-interval of the officer's IKM (25–100; docs/statistics.md),
    rounded half up to two decimals, from the rollup's sums, squares and products; None below two
    responses or without the squares."""
    codes = tuple(codes)
    needed = [skm.SQUARE_KEYS.get(code) for code in codes]
    needed += [key for pair, key in skm.PRODUCT_KEYS.items() if set(pair) <= set(codes)]
    if n < 2 or any(key is None or key not in sums for key in needed):
        return None
    half = stats.margin(skm.officer_moments(sums, n, codes))
    return None if half is None else round_half_up(half, 2)


def _shown(value: Fraction | Decimal) -> str:
    """A figure as the explanation prints it: two decimals."""
    return str(_rounded(value, 2))


#: In explanations stored before the citizen score was computed from the shown IKM.
MSG_CITIZEN = N_("Skor masyarakat dari %(n)d tanggapan warga yang menyebut pegawai ini (unsur %(unsur)s): "
                 "rata-rata %(mean)s pada skala 1–4, atau %(score)s dari 100.")
MSG_CITIZEN_IKM = N_("Skor masyarakat dari %(n)d tanggapan warga yang menyebut pegawai ini (unsur %(unsur)s): "
                     "IKM petugas %(ikm)s pada skala 25–100, atau (%(ikm)s − 25) / 75 × 100 = %(score)s dari 100.")
MSG_GROUP = N_("Skor %(group)s dari %(n)d tanggapan: rata-rata %(mean)s pada skala %(min)d–%(max)d, "
               "atau %(score)s dari 100.")
MSG_SELF = N_("Penilaian diri sendiri: %(score)s dari 100. Ditampilkan sebagai pembanding dan tidak dihitung "
              "dalam skor gabungan.")
#: In explanations stored before hidden groups went unmentioned (kept so that they still translate).
MSG_HIDDEN = N_("Tanggapan %(group)s belum mencapai ambang anonimitas (%(min)d), jadi tidak ditampilkan.")
MSG_COMPOSITE = N_("Skor gabungan %(score)s dari 100 adalah rata-rata berbobot komponen yang disertakan.")
MSG_SUGGESTED = N_("Dengan batas Di Atas Ekspektasi %(above)s dan Sesuai Ekspektasi %(meets)s, saran penilaian "
                   "perilaku kerja adalah %(rating)s. Pejabat Penilai yang memutuskan.")
MSG_NO_SUGGESTION = N_("Tanpa skor gabungan tidak ada saran; Pejabat Penilai menentukan penilaian perilaku kerja.")


@dataclass
class Evidence:
    """One employee's aggregates from SQL: the citizen sums, and per (cycle id, rater group) the
    360 responses and per value the (sum, count) of non-null scores, every cycle group's, those
    under their cycle's threshold too (what may be shown is decided in the `surveys` core)."""

    citizen: tuple[int, dict[str, int]] | None = None
    #: The officer's citizen responses left out: (awaiting review, rejected or withdrawn).
    citizen_left_out: tuple[int, int] = (0, 0)
    totals: dict[tuple[int, str], dict[str, tuple[int, int]]] = field(default_factory=lambda: defaultdict(dict))
    counts: dict[tuple[int, str], int] = field(default_factory=dict)
    #: Per officer unsur: one (officer, other officers) pair of moments of its answers (1–4) per
    #: layanan the officer served, for the comparison with peers (appraisal.unsur_below_peers).
    peers: dict[str, list[tuple[stats.Moments, stats.Moments]]] = field(default_factory=dict)


def _jsonable(params: Mapping[str, object]) -> dict[str, object]:
    return {k: (str(v) if isinstance(v, (Decimal, Fraction)) else v) for k, v in params.items()}


def evaluate_exact(rules: MergeRules, job_group: str, evidence: Evidence) -> dict[str, object]:
    """The merged figures of one employee, as record column values, computed by the `surveys`
    core in exact Fractions: the reference that :func:`evaluate` equals, and what it falls back
    on for anything outside its assumptions (so invalid evidence raises what the core raises)."""
    values: dict[str, object] = {}
    lines: list[Message] = []
    pieces: list[ComponentEvidence] = []
    weights = rules.weights[job_group]

    n, sums = evidence.citizen or (0, {})
    citizen_score = citizen_ikm = None
    if n:
        ikm = skm.compute_ikm(sums, n, rules.officer_unsur)
        # From the officer's IKM as shown (25–100), as the dashboard shows it.
        citizen_ikm, citizen_score = ikm.ikm, appraisal.citizen_component(ikm.ikm)
        lines.append((MSG_CITIZEN_IKM, {"n": n, "unsur": ", ".join(rules.officer_unsur),
                                        "ikm": str(citizen_ikm), "score": str(citizen_score)}))
    values["citizen_score"], values["citizen_n"] = citizen_score, n
    values["citizen_ikm"] = citizen_ikm
    values["citizen_margin"] = citizen_margin(sums, n, rules.officer_unsur) if n else None
    values["citizen_held_n"], values["citizen_rejected_n"] = evidence.citizen_left_out
    pieces.append(ComponentEvidence(Component.CITIZEN, citizen_score, n, rules.min_citizen_n))
    shown_scores: dict[Component, Decimal] = {Component.CITIZEN: citizen_score} if citizen_score is not None else {}

    report, own = _group_reports(rules, evidence)
    for group, component in GROUP_COMPONENT.items():
        shown = (own if group is review.RaterGroup.SELF else report).groups.get(group)
        score, count = None, 0
        if shown is not None and shown.overall is not None:
            # Only what the shown cycle groups said; a group with nothing shown gets no count.
            score = _score(appraisal.normalise(shown.overall, rules.scale_min, rules.scale_max))
            count = shown.responses
            shown_scores[component] = score
            if component is Component.SELF and not weights[Component.SELF]:
                lines.append((MSG_SELF, {"score": _shown(score)}))
            else:
                lines.append((MSG_GROUP, {"group": group.label, "n": count, "mean": _shown(shown.overall),
                                          "min": rules.scale_min, "max": rules.scale_max, "score": _shown(score)}))
        pieces.append(ComponentEvidence(component, score, count, 1, anonymous=group in review.ANONYMOUS_GROUPS))
        values[f"{RECORD_PREFIX[component]}_score"], values[f"{RECORD_PREFIX[component]}_n"] = score, count

    # The composite from the shown parts: the shown scores with the shown weights (two decimals
    # adding up to 100.00 by largest remainder), rounded once.
    result = appraisal.composite(pieces, weights)
    lines.extend(result.explanations)
    for component in Component:
        values[f"weight_{RECORD_PREFIX[component]}"] = result.weights_shown.get(component)
    suggested = shown_score = None
    if result.score is not None:
        shown_score = appraisal.shown_composite({c: shown_scores[c] for c in result.weights_shown},
                                                result.weights_shown)
        # The rating follows the figure shown, so number and rating always agree.
        suggested = appraisal.suggest_rating(shown_score, rules.above, rules.meets)
        lines.append((MSG_COMPOSITE, {"score": str(shown_score)}))
        lines.append((MSG_SUGGESTED, {"above": _shown(rules.above), "meets": _shown(rules.meets),
                                      "rating": suggested.value}))
    else:
        lines.append((MSG_NO_SUGGESTION, {}))
    values["composite"] = shown_score
    values["rating_perilaku_suggested"] = suggested.value if suggested else None
    values["explanation"] = json.dumps([[t, _jsonable(p)] for t, p in lines], ensure_ascii=False, sort_keys=True)
    values["development"] = _development(report, evidence.peers, rules.min_citizen_n)
    return values


def _group_reports(rules: MergeRules, evidence: Evidence) -> tuple[review.GroupReport, review.GroupReport]:
    """The others' report and the self report over the period's cycles, apart: the record needs
    neither the self-versus-others gaps (the review report shows them) nor their cost."""
    blocks = []
    for key in {**evidence.counts, **evidence.totals}:
        cycle_id, group = key
        if cycle_id not in rules.thresholds:
            raise ValueError(f"360 evidence of cycle {cycle_id!r}, which is not the period's")
        blocks.append(review.CycleGroup(cycle_id, group, rules.thresholds[cycle_id], evidence.counts.get(key, 0),
                                        evidence.totals.get(key, {})))
    options = {"value_codes": rules.value_codes, "scale_min": rules.scale_min, "scale_max": rules.scale_max}
    self_code = review.RaterGroup.SELF
    others = review.cycles_report([b for b in blocks if b.group is not self_code], **options)
    own = review.cycles_report([b for b in blocks if b.group is self_code], **options)
    return others, own


def _development(report: review.GroupReport, peers: Mapping[str, list[tuple[stats.Moments, stats.Moments]]],
                 min_n: int) -> str:
    """The weakest BerAKHLAK values in others' ratings, and the officer unsur where the officer is
    reliably below the other officers at the same layanan (:func:`unsur_gaps`), as JSON:
    ``{"values": [codes], "unsur": [codes], "means": {code: mean}, "peers": {unsur: peers' mean},
    "upper": {unsur: upper end of the difference's 95% interval}}``, weakest first."""
    value_means = {}
    if report.others is not None:
        value_means = {c: m for c, m in report.others.value_means.items() if c in berakhlak.VALUE_BY_CODE}
    gaps = unsur_gaps(peers, min_n)
    if not value_means and not gaps[0]:
        return "{}"
    weakest = appraisal.development_areas(value_means, {}).values
    return json.dumps(_development_data(list(weakest), {c: _shown(value_means[c]) for c in weakest}, gaps),
                      sort_keys=True)


def unsur_gaps(peers: Mapping[str, list[tuple[stats.Moments, stats.Moments]]], min_n: int
               ) -> tuple[list[str], dict[str, str], dict[str, str], dict[str, str]]:
    """The officer unsur reliably below the peers at the same layanan (appraisal.unsur_below_peers,
    at least ``min_n`` of the officer's answers), most below first, with the officer's and the
    peers' means (1–4) and the upper end of the difference's 95% interval, as shown (two decimals)."""
    if not peers:
        return [], {}, {}, {}
    found = appraisal.unsur_below_peers(peers, min_n)
    return ([gap.code for gap in found], {gap.code: str(round_half_up(gap.officer_mean, 2)) for gap in found},
            {gap.code: str(round_half_up(gap.peers_mean, 2)) for gap in found},
            {gap.code: str(round_half_up(gap.comparison.upper, 2)) for gap in found})


def _development_data(values: list[str], value_means: dict[str, str],
                      gaps: tuple[list[str], dict[str, str], dict[str, str], dict[str, str]]) -> dict[str, object]:
    codes, officer, peers, upper = gaps
    return {"values": values, "unsur": codes, "means": value_means | officer, "peers": peers, "upper": upper}


# --- the same figures in integer arithmetic ---------------------------------------------------------
#
# Every figure of a record is a ratio of integer sums: the merge keeps each as an unreduced pair
# (numerator, denominator > 0) and rounds it half up with one integer division, which is what
# `_rounded` does with the reduced Fraction. `tests/portal/test_appraisal_fast.py` checks that
# `evaluate` equals `evaluate_exact` on random rules and evidence.

# Without the check for circular references (the values are fresh lists and dicts of text and
# numbers): the same text, some 15% sooner, for every employee with evidence.
_EXPLANATION_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False)
_DEVELOPMENT_JSON = json.JSONEncoder(sort_keys=True, check_circular=False)
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


class _Unusual(Exception):
    """Evidence outside what the integer path assumes: :func:`evaluate_exact` decides."""


def _text_of(numerator: int, denominator: int) -> str:
    """numerator / denominator as :func:`_shown` prints it (two decimals, half up)."""
    if numerator < 0:
        return str(round_half_up(Fraction(numerator, denominator), 2))
    hundredths = (200 * numerator + denominator) // (2 * denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


#: The Decimals of 0.00 to 100.00, made once and shared: every score, weight and IKM of a merge is
#: one of them. Sharing also lets a worker's results travel as one copy of each distinct figure
#: (pickle sends an object once per message), instead of one per employee and column.
_HUNDREDTHS = tuple(Decimal(hundredths).scaleb(-2) for hundredths in range(10_001))


def _hundredths(hundredths: int) -> Decimal:
    """A figure given in hundredths as a Decimal of two places (``Decimal(h).scaleb(-2)``)."""
    if 0 <= hundredths <= 10_000:
        return _HUNDREDTHS[hundredths]
    return Decimal(hundredths).scaleb(-2)


def _hundredths_text(hundredths: int) -> str:
    """A non-negative figure given in hundredths, as :func:`_shown` prints it."""
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
            for threshold in rules.thresholds.values():
                review.validate_threshold(threshold)
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
        self.thresholds, self.scale_min, self.scale_max, self.min_citizen_n = (
            rules.thresholds, scale_min, scale_max, min_citizen_n)
        self.unsur = unsur
        #: The rollup keys of the unsur's squares and pairwise products (None: an unsur has none).
        self.square_keys = None if any(code not in skm.SQUARE_KEYS for code in unsur) else \
            [skm.SQUARE_KEYS[code] for code in unsur]
        self.product_keys = [key for pair, key in skm.PRODUCT_KEYS.items() if set(pair) <= set(unsur)]
        self.unsur_text = ", ".join(rules.officer_unsur)
        self.value_codes = frozenset(rules.value_codes)
        #: A shown composite (in hundredths) at or above these gets Di Atas / Sesuai Ekspektasi.
        self.above_cut, self.meets_cut = math.ceil(above * 100), math.ceil(meets * 100)
        self.suggested_params = {"above": _shown(rules.above), "meets": _shown(rules.meets)}


def _pool_into(pooled: dict[str, list[int]], per_value: Mapping[str, Iterable[int]]) -> None:
    """Add per-value (sum, count) pairs with a count into a pool of [sum, count] lists."""
    for code, (score_sum, score_count) in per_value.items():
        if score_count:
            found = pooled.get(code)
            if found is None:
                pooled[code] = [score_sum, score_count]
            else:
                found[0] += score_sum
                found[1] += score_count


def evaluate(rules: MergeRules, job_group: str, evidence: Evidence) -> dict[str, object]:
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


def _citizen_margin(plan: _Plan, sums: Mapping[str, int], n: int) -> Decimal | None:
    """:func:`citizen_margin` of the officer unsur's sums (already checked), without Fractions.

    With S the unsur's sum and Q its sum of squares (each product twice), the variance of the IKM
    divided by n is 25² (nQ − S²) / (k² n² (n − 1)); divided as integers it is the float nearest
    that number, as the Fraction gives it, so the figure is the same."""
    if n < 2 or plan.square_keys is None:
        return None
    try:
        squares = sum(sums[key] for key in plan.square_keys) + 2 * sum(sums[key] for key in plan.product_keys)
    except KeyError:
        return None
    if type(squares) is not int:
        return citizen_margin(sums, n, plan.unsur)
    total, k = sum(sums[code] for code in plan.unsur), len(plan.unsur)
    spread = max(0, n * squares - total * total)
    variance_of_mean = skm.CONVERSION ** 2 * spread / (k * k * n * n * (n - 1))
    return round_half_up(stats.critical_t(n - 1) * math.sqrt(variance_of_mean), 2)


def _evaluate(plan: _Plan, weights: _Weights, evidence: Evidence) -> dict[str, object]:
    values: dict[str, object] = {}
    lines: list[Message] = []
    #: component → (shown score in hundredths or None, responses, anonymous rater group?)
    pieces: dict[Component, tuple[tuple[int, int] | None, int, bool]] = {}

    n, sums = evidence.citizen or (0, {})
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
        # The IKM shown (25–100) is 25 × total / responses in hundredths, half up; the citizen
        # score (IKM − 25) / 75 × 100 of it, in hundredths, half up.
        ikm = (2 * 100 * skm.CONVERSION * total + responses) // (2 * responses)
        citizen_score = (200 * (ikm - 100 * skm.CONVERSION) + 75) // 150
        lines.append((MSG_CITIZEN_IKM, {"n": n, "unsur": plan.unsur_text, "ikm": _hundredths_text(ikm),
                                        "score": _hundredths_text(citizen_score)}))
    values["citizen_score"] = None if citizen_score is None else _hundredths(citizen_score)
    values["citizen_n"] = n
    values["citizen_ikm"] = None if citizen_score is None else _hundredths(ikm)
    values["citizen_margin"] = _citizen_margin(plan, sums, n) if n else None
    values["citizen_held_n"], values["citizen_rejected_n"] = evidence.citizen_left_out
    pieces[Component.CITIZEN] = (citizen_score, n, False)

    counts = evidence.counts
    thresholds, scale_min, scale_max = plan.thresholds, plan.scale_min, plan.scale_max
    #: Per rater group: the responses of its cycle groups that met their cycle's threshold, and
    #: per value the (sum, count) pooled over them (review.cycles_report; the rest is left out whole).
    shown_counts: dict[str, int] = {}
    pooled: dict[str, dict[str, list[int]]] = {}
    for key, count in counts.items():
        if type(key) is not tuple or len(key) != 2 or key[1] not in _GROUP_CODES or key[0] not in thresholds \
                or type(count) is not int or count < 0:
            raise _Unusual
        cycle_id, group = key
        if count and (group not in _ANONYMOUS_CODES or count >= thresholds[cycle_id]):
            shown_counts[group] = shown_counts.get(group, 0) + count
    for key, per_value in evidence.totals.items():
        count = counts.get(key)
        if count is None:
            if per_value:
                raise _Unusual
            continue
        for code, (score_sum, score_count) in per_value.items():
            if (code not in plan.value_codes or type(score_sum) is not int or type(score_count) is not int
                    or score_count < 0 or not score_count * scale_min <= score_sum <= score_count * scale_max
                    or (score_count and not count)):
                raise _Unusual
        cycle_id, group = key
        if not count or (group in _ANONYMOUS_CODES and count < thresholds[cycle_id]):
            continue  # not shown in its own cycle: left out of everything, the pooled figures too
        _pool_into(pooled.setdefault(group, {}), per_value)
    #: Per rater group with scores: its overall mean (the mean of its value means) as a pair.
    overall: dict[str, tuple[int, int]] = {}
    #: Per value code: (sum, count) pooled over the shown groups other than self.
    others: dict[str, list[int]] = {}
    for group, sums in pooled.items():
        numerator, denominator = 0, 1
        for score_sum, score_count in sums.values():
            numerator, denominator = numerator * score_count + score_sum * denominator, denominator * score_count
        if sums:
            overall[group] = (numerator, denominator * len(sums))
        if group != _SELF_CODE:
            _pool_into(others, sums)

    span = scale_max - scale_min
    for group, component, label, anonymous, score_column, n_column in _GROUPS:
        mean = overall.get(group)
        score, count = None, 0
        if mean is not None:
            numerator, denominator = (mean[0] - scale_min * mean[1]) * 100, mean[1] * span
            score, count = (200 * numerator + denominator) // (2 * denominator), shown_counts[group]
            if group == _SELF_CODE and weights.self_zero:
                lines.append((MSG_SELF, {"score": _hundredths_text(score)}))
            else:
                lines.append((MSG_GROUP, {"group": label, "n": count, "mean": _text_of(*mean), "min": scale_min,
                                          "max": scale_max, "score": _hundredths_text(score)}))
        pieces[component] = (score, count, anonymous)
        values[score_column] = None if score is None else _hundredths(score)
        values[n_column] = count

    # The composite (appraisal.composite): weighted components with too little evidence are left
    # out and the others' weights scaled to sum to 100.
    included = []
    left_out = False
    for component, weight, label, configured in weights.weighted:
        score, count, anonymous = pieces[component]
        min_n = plan.min_citizen_n if component is Component.CITIZEN else 1
        if anonymous and score is None:
            left_out = True
            lines.append((appraisal.MSG_HIDDEN_GROUP, {"component": label}))
        elif score is None or count == 0:
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
        # The shown weights in hundredths (appraisal.shown_weights): each weight × 10,000 / total
        # rounded down, the hundredths still missing one each to the largest remainders, ties to
        # the component listed first.
        total_weight = sum(item[1] for item in included)
        shares = [divmod(weight * 10_000, total_weight) for _c, weight, _s, _l, _t in included]
        shown = [floor for floor, _remainder in shares]
        for position in sorted(range(len(shares)), key=lambda i: (-shares[i][1], i))[:10_000 - sum(shown)]:
            shown[position] += 1
        if left_out:
            lines.append((appraisal.MSG_REWEIGHTED, {}))
        for (component, _weight, _score, label, configured), weight in zip(included, shown):
            used_weights[component] = _hundredths(weight)
            if left_out:
                lines.append((appraisal.MSG_WEIGHT_NOW, {"component": label, "used": _hundredths_text(weight),
                                                        "configured": configured}))
        # The composite of the shown scores with the shown weights: Σ score × weight / 100, where
        # both are in hundredths, is Σ / 10,000 in hundredths, rounded half up once.
        total = sum(item[2] * weight for item, weight in zip(included, shown))
        hundredths = (2 * total + 10_000) // 20_000
        composite = _hundredths(hundredths)
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

    # The development areas (_development): the weakest values in others' ratings, the unsur
    # reliably below the peers.
    value_means = [(pooled[0], pooled[1], _VALUE_POSITION[code], code) for code, pooled in others.items()
                   if code in _VALUE_POSITION]
    gaps = unsur_gaps(evidence.peers, plan.min_citizen_n)
    if not value_means and not gaps[0]:
        values["development"] = "{}"
    else:
        weakest_values = _lowest_two(value_means)
        values["development"] = _DEVELOPMENT_JSON.encode(_development_data(
            weakest_values, {code: _text_of(*others[code]) for code in weakest_values}, gaps))
    return values
