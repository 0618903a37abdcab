"""360-degree review: rater groups, the anonymity threshold, self-versus-others gaps, and
a fair choice of peer raters.

Anonymity rule: the superior is always attributed, so self and atasan show with one response;
rekan and bawahan show only with at least ``threshold`` responses. A group under the threshold
is left out of everything, the "others" figure included, because a hidden group's answers could
otherwise be recovered by subtracting the visible totals from a combined figure.

The rule is decided per cycle. What one rater group said about one reviewee in one cycle (a
:class:`CycleGroup`) is the smallest unit any figure may draw on: it counts whole where it met
its own cycle's threshold, and nowhere at all otherwise. Every figure, a cycle's report or a
period pooling several cycles, is computed by :func:`cycles_report` from the shown units alone.
So the difference of any two figures (period against period, period against report, "others"
against the groups) is made of whole shown units, each of at least the threshold's responses,
each shown on its own in its cycle's report: no subtraction isolates fewer answers than that.
``docs/anonymity.md`` goes through the cases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import TypeVar

from surveys import berakhlak
from surveys.errors import InvalidValue
from surveys.exact import round_half_up
from surveys.i18n import N_

T = TypeVar("T")


class RaterGroup(str, Enum):
    """Who gives the feedback; the value is the stored code."""

    SELF = "diri"
    ATASAN = "atasan"
    REKAN = "rekan"
    BAWAHAN = "bawahan"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS = {
    RaterGroup.SELF: N_("Diri sendiri"),
    RaterGroup.ATASAN: N_("Atasan"),
    RaterGroup.REKAN: N_("Rekan kerja"),
    RaterGroup.BAWAHAN: N_("Bawahan"),
}
ANONYMOUS_GROUPS = frozenset({RaterGroup.REKAN, RaterGroup.BAWAHAN})
MIN_THRESHOLD = 3


def validate_threshold(threshold: object) -> int:
    """An anonymity threshold: an int of at least :data:`MIN_THRESHOLD`."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < MIN_THRESHOLD:
        raise InvalidValue(
            N_("Ambang anonimitas minimal %(min)d tanggapan."), {"min": MIN_THRESHOLD}
        )
    return threshold


def _group_counts(counts: Mapping[RaterGroup | str, int]) -> dict[RaterGroup, int]:
    result = dict.fromkeys(RaterGroup, 0)
    for group, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"response count for {group} must be an int >= 0, got {count!r}")
        result[RaterGroup(group)] += count
    return result


def visible_groups(counts: Mapping[RaterGroup | str, int], threshold: int) -> set[RaterGroup]:
    """The groups whose results may be shown: attributed groups with at least one response,
    anonymous groups with at least ``threshold`` (never below :data:`MIN_THRESHOLD`).
    """
    return _visible(_group_counts(counts), validate_threshold(threshold))


def _visible(counts: Mapping[RaterGroup, int], threshold: int) -> set[RaterGroup]:
    return {
        group
        for group, count in counts.items()
        if count >= (threshold if group in ANONYMOUS_GROUPS else 1)
    }


def progress_shown(answered: int, threshold: int) -> int | None:
    """How many have answered in one reviewee's rater group, as anyone but the rater may see it
    while the cycle runs: the count at or above the threshold, else None ("fewer than the
    threshold", which also covers none). Totals are only ever sums of shown counts, so no
    subtraction recovers a hidden one."""
    return answered if answered >= validate_threshold(threshold) else None


def display(value: Fraction) -> Decimal:
    """A mean as shown in reports: 2 decimals, half up."""
    return round_half_up(value, 2)


@dataclass(frozen=True)
class GroupScores:
    """Means of one group (or of the pooled "others"), per value code and overall.

    ``value_means`` holds only the values that received at least one score; ``overall`` is the
    mean of those value means (each value weighs the same), None when there are none.
    """

    responses: int
    value_means: dict[str, Fraction]
    overall: Fraction | None

    def as_json(self) -> dict[str, object]:
        return {
            "responses": self.responses,
            "overall": None if self.overall is None else float(display(self.overall)),
            "values": {code: float(display(mean)) for code, mean in self.value_means.items()},
        }


@dataclass(frozen=True)
class Gap:
    """Self minus others on one value; a gap beyond a third of the scale's range is flagged."""

    value_code: str
    self_mean: Fraction
    others_mean: Fraction
    gap: Fraction
    blind_spot: bool
    hidden_strength: bool

    def as_json(self) -> dict[str, object]:
        return {
            "value": self.value_code,
            "self": float(display(self.self_mean)),
            "others": float(display(self.others_mean)),
            "gap": float(display(self.gap)),
            "blind_spot": self.blind_spot,
            "hidden_strength": self.hidden_strength,
        }


@dataclass(frozen=True)
class GroupReport:
    """What a 360 report may show.

    ``groups`` holds visible groups only (in :class:`RaterGroup` order); ``others`` pools the
    scores of ``others_groups``, the visible groups other than self; ``hidden`` lists every
    other group, without saying whether it had no response or too few; ``gaps`` are sorted by
    absolute size, largest first.
    """

    threshold: int
    groups: dict[RaterGroup, GroupScores]
    others: GroupScores | None
    others_groups: tuple[RaterGroup, ...]
    hidden: tuple[RaterGroup, ...]
    gaps: tuple[Gap, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "groups": {group.value: scores.as_json() for group, scores in self.groups.items()},
            "others": None if self.others is None else self.others.as_json(),
            "others_groups": [group.value for group in self.others_groups],
            "hidden": [group.value for group in self.hidden],
            "gaps": [gap.as_json() for gap in self.gaps],
        }


ValueTotals = Mapping[str, tuple[int, int]]


def _pooled(
    responses: int, totals: Sequence[ValueTotals], value_codes: Sequence[str]
) -> GroupScores:
    means: dict[str, Fraction] = {}
    for code in value_codes:
        score_sum = sum(t[code][0] for t in totals if code in t)
        score_count = sum(t[code][1] for t in totals if code in t)
        if score_count:
            means[code] = Fraction(score_sum, score_count)
    overall = sum(means.values(), Fraction(0)) / len(means) if means else None
    return GroupScores(responses=responses, value_means=means, overall=overall)


@dataclass(frozen=True)
class CycleGroup:
    """What one rater group said about one reviewee in one cycle: its responses and, per value
    code, the ``(sum, count)`` of its non-null scores. ``threshold`` is its cycle's.

    The unit of disclosure: a figure draws on it whole when it is :attr:`shown`, else not at all.
    """

    cycle: Hashable
    group: RaterGroup
    threshold: int
    responses: int
    totals: ValueTotals = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "group", RaterGroup(self.group))
        validate_threshold(self.threshold)
        count = self.responses
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"response count for {self.group} must be an int >= 0, got {count!r}")

    @property
    def shown(self) -> bool:
        """Whether it met its own cycle's threshold (attributed groups: one response)."""
        return self.responses >= (self.threshold if self.group in ANONYMOUS_GROUPS else 1)


def _check_block(block: CycleGroup, value_codes: Sequence[str], scale_min: int, scale_max: int) -> None:
    for code, (score_sum, score_count) in block.totals.items():
        if code not in value_codes:
            raise ValueError(f"unknown value code {code!r}")
        low, high = score_count * scale_min, score_count * scale_max
        if score_count < 0 or not low <= score_sum <= high:
            raise ValueError(f"impossible total {score_sum}/{score_count} for {block.group}, {code}")
        if score_count and not block.responses:
            raise ValueError(f"scores for {block.group} without any response")


def shown_totals(
    blocks: Iterable[CycleGroup],
) -> tuple[dict[RaterGroup, dict[str, tuple[int, int]]], dict[RaterGroup, int]]:
    """Per group, the pooled ``(sum, count)`` per value and the response count of the blocks that
    met their own cycle's threshold; every other block is left out whole. Groups without a shown
    block are absent."""
    totals: dict[RaterGroup, dict[str, tuple[int, int]]] = {}
    counts: dict[RaterGroup, int] = {}
    for block in blocks:
        if not block.shown:
            continue
        pooled = totals.setdefault(block.group, {})
        counts[block.group] = counts.get(block.group, 0) + block.responses
        for code, (score_sum, score_count) in block.totals.items():
            if score_count:
                old_sum, old_count = pooled.get(code, (0, 0))
                pooled[code] = (old_sum + score_sum, old_count + score_count)
    return totals, counts


def cycles_report(
    blocks: Iterable[CycleGroup],
    *,
    threshold: int | None = None,
    value_codes: Sequence[str] = berakhlak.VALUE_CODES,
    scale_min: int = berakhlak.SCALE_MIN,
    scale_max: int = berakhlak.SCALE_MAX,
) -> GroupReport:
    """The 360 figures over any set of cycles (one cycle's report, or a period's): built from the
    blocks that met their own cycle's threshold, pooled per group; nothing of any other block
    reaches any figure, the pooled "others" included.

    ``threshold`` is the one the report states (default: the highest of the blocks' cycles').
    Means are exact Fractions ("others" pools the ratings of every shown non-self group, so each
    rating weighs the same); round with :func:`display` to show them.
    """
    blocks = list(blocks)
    for block in blocks:
        _check_block(block, value_codes, scale_min, scale_max)
    stated = max((b.threshold for b in blocks), default=MIN_THRESHOLD) if threshold is None else threshold
    totals, counts = shown_totals(blocks)
    groups = {
        group: _pooled(counts[group], [totals[group]], value_codes)
        for group in RaterGroup
        if group in counts
    }
    others_groups = tuple(g for g in RaterGroup if g in counts and g is not RaterGroup.SELF)
    others = (
        _pooled(
            sum(counts[g] for g in others_groups),
            [totals[g] for g in others_groups],
            value_codes,
        )
        if others_groups
        else None
    )
    self_scores = groups.get(RaterGroup.SELF)
    gaps = _gaps(self_scores, others, value_codes, Fraction(scale_max - scale_min, 3))
    return GroupReport(
        threshold=validate_threshold(stated),
        groups=groups,
        others=others,
        others_groups=others_groups,
        hidden=tuple(g for g in RaterGroup if g not in counts),
        gaps=gaps,
    )


def group_report(
    value_totals: Mapping[RaterGroup | str, ValueTotals],
    responses: Mapping[RaterGroup | str, int],
    threshold: int = MIN_THRESHOLD,
    *,
    value_codes: Sequence[str] = berakhlak.VALUE_CODES,
    scale_min: int = berakhlak.SCALE_MIN,
    scale_max: int = berakhlak.SCALE_MAX,
) -> GroupReport:
    """One cycle's 360 report from per-group, per-value ``(sum, count)`` of non-null scores
    (a SQL GROUP BY result) and per-group response counts: :func:`cycles_report` of that cycle."""
    counts = _group_counts(responses)
    threshold = validate_threshold(threshold)
    unknown = [key for key in value_totals if key not in counts]
    if unknown:
        RaterGroup(unknown[0])  # raises ValueError
    blocks = [CycleGroup(None, group, threshold, counts[group], value_totals.get(group, {})) for group in RaterGroup]
    return cycles_report(
        blocks, threshold=threshold, value_codes=value_codes, scale_min=scale_min, scale_max=scale_max
    )


def _gaps(
    self_scores: GroupScores | None,
    others: GroupScores | None,
    value_codes: Sequence[str],
    margin: Fraction,
) -> tuple[Gap, ...]:
    if self_scores is None or others is None:
        return ()
    gaps = []
    for code in value_codes:
        if code in self_scores.value_means and code in others.value_means:
            mine, theirs = self_scores.value_means[code], others.value_means[code]
            gap = mine - theirs
            gaps.append(
                Gap(code, mine, theirs, gap, blind_spot=gap > margin, hidden_strength=-gap > margin)
            )
    order = {code: i for i, code in enumerate(value_codes)}
    return tuple(sorted(gaps, key=lambda g: (-abs(g.gap), order[g.value_code])))


# --- choosing peer raters -------------------------------------------------------------------


def _digest(seed: str, candidate_id: object) -> bytes:
    return hashlib.sha256(f"{seed}\x1f{candidate_id}".encode()).digest()


def _unique_ids(candidates: Sequence[T], id_of: Callable[[T], Hashable]) -> list[Hashable]:
    ids = [id_of(candidate) for candidate in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidate ids must be unique")
    return ids


def choose_peers(
    candidates: Sequence[T], cap: int, seed: str, *, id_of: Callable[[T], Hashable] = str
) -> list[T]:
    """Pick up to ``cap`` candidates in a stable pseudo-random order.

    The order is sha256(seed, id), so the same seed always gives the same choice (a rerun does
    not reshuffle raters) while different seeds (say "cycle-7/employee-42") spread the load.
    """
    if cap < 0:
        raise ValueError("cap must be >= 0")
    ids = _unique_ids(candidates, id_of)
    ranked = sorted(zip(ids, candidates), key=lambda pair: _digest(seed, pair[0]))
    return [candidate for _, candidate in ranked[:cap]]


def choose_balanced(
    candidates: Sequence[T],
    cap: int,
    seed: str,
    load: Mapping[Hashable, int],
    *,
    id_of: Callable[[T], Hashable] = str,
) -> list[T]:
    """Like :func:`choose_peers`, but candidates with fewer assignments so far (``load`` by
    id; missing means 0) come first, so no one is asked to review everybody.
    """
    if cap < 0:
        raise ValueError("cap must be >= 0")
    ids = _unique_ids(candidates, id_of)
    ranked = sorted(
        zip(ids, candidates), key=lambda pair: (load.get(pair[0], 0), _digest(seed, pair[0]))
    )
    return [candidate for _, candidate in ranked[:cap]]
