"""No hidden answer moves any shown number: the 360 figures over any set of cycles (a cycle's
report, a period pooling cycles) are those of the answers of the cycle groups that met their own
cycle's threshold, and nothing else.

Random cycles (each with its threshold), rater groups with random answers (scores per value, some
"tidak dapat menilai"), and periods as random sets of cycles. The examples follow the hypothesis
profile: `ci` (small, derandomised) by default, `nightly` with HYPOTHESIS_PROFILE=nightly.
"""
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, strategies as st

from surveys.review import ANONYMOUS_GROUPS, CycleGroup, RaterGroup, cycles_report, group_report, progress_shown

VALUES = ("AKUNTABEL", "KOMPETEN", "HARMONIS")
SCALE = (1, 5)
#: One response: per value, the scores of its items (None: tidak dapat menilai).
response = st.fixed_dictionaries({code: st.lists(st.none() | st.integers(*SCALE), min_size=1, max_size=3)
                                  for code in VALUES})


def totals(responses) -> dict[str, tuple[int, int]]:
    """What SQL gives for a group: per value, the sum and count of non-null scores."""
    result = {}
    for code in VALUES:
        scores = [s for r in responses for s in r[code] if s is not None]
        if scores:
            result[code] = (sum(scores), len(scores))
    return result


def shown(group: RaterGroup, answered: int, threshold: int) -> bool:
    return answered >= (threshold if group in ANONYMOUS_GROUPS else 1)


@st.composite
def cycles(draw):
    """{cycle id: threshold} and {(cycle id, group): [responses]} for one reviewee."""
    thresholds = dict(enumerate(draw(st.lists(st.integers(3, 5), min_size=1, max_size=3)), start=1))
    answers = {}
    for cycle_id in thresholds:
        for group in RaterGroup:
            most = 1 if group in (RaterGroup.SELF, RaterGroup.ATASAN) else 7
            answers[cycle_id, group] = draw(st.lists(response, max_size=most))
    return thresholds, answers


def blocks(thresholds, answers, cycle_ids):
    return [CycleGroup(c, g, thresholds[c], len(rs), totals(rs)) for (c, g), rs in answers.items() if c in cycle_ids]


def reference(thresholds, answers, cycle_ids) -> dict:
    """The figures worked out from the raw answers of shown cycle groups alone, independently."""
    kept = {g: [r for (c, gg), rs in answers.items() if gg is g and c in cycle_ids and
                shown(g, len(rs), thresholds[c]) for r in rs] for g in RaterGroup}

    def means(responses):
        result = {}
        for code in VALUES:
            scores = [s for r in responses for s in r[code] if s is not None]
            if scores:
                result[code] = Fraction(sum(scores), len(scores))
        return result

    groups = {}
    for group, responses in kept.items():
        if responses:
            value_means = means(responses)
            overall = sum(value_means.values(), Fraction(0)) / len(value_means) if value_means else None
            groups[group] = (len(responses), value_means, overall)
    others = [r for g, rs in kept.items() if g is not RaterGroup.SELF for r in rs]
    return {"groups": groups, "others": (len(others), means(others)) if others else None}


def figures(report) -> dict:
    """Every number a report shows, in the reference's shape."""
    return {
        "groups": {g: (s.responses, s.value_means, s.overall) for g, s in report.groups.items()},
        "others": None if report.others is None else (report.others.responses, report.others.value_means),
    }


def every_figure(thresholds, answers) -> list:
    """Each cycle's report and every period (every non-empty set of cycles), with the gaps."""
    ids = sorted(thresholds)
    shown_sets = [set(ids[i:i + 1]) for i in range(len(ids))] + [set(c) for n in range(2, len(ids) + 1)
                                                                 for c in combinations(ids, n)]
    reports = [cycles_report(blocks(thresholds, answers, cycle_ids), value_codes=VALUES) for cycle_ids in shown_sets]
    return [(figures(r), [(g.value_code, g.gap) for g in r.gaps], r.hidden) for r in reports]


@given(cycles())
def test_every_figure_is_that_of_the_shown_cycle_groups_alone(data):
    thresholds, answers = data
    ids = sorted(thresholds)
    for n in range(1, len(ids) + 1):
        for cycle_ids in combinations(ids, n):
            report = cycles_report(blocks(thresholds, answers, set(cycle_ids)), value_codes=VALUES)
            assert figures(report) == reference(thresholds, answers, set(cycle_ids))


@given(cycles(), st.data())
def test_no_hidden_answer_moves_any_shown_number(data, draw):
    """Every cycle group under its own cycle's threshold is replaced by other answers (other
    scores, another count still under the threshold, or none): every report and every period
    shows exactly the same."""
    thresholds, answers = data
    other = dict(answers)
    for (cycle_id, group), responses in answers.items():
        if not shown(group, len(responses), thresholds[cycle_id]):
            other[cycle_id, group] = draw.draw(st.lists(response, max_size=(
                0 if group in (RaterGroup.SELF, RaterGroup.ATASAN) else thresholds[cycle_id] - 1)))
    assert every_figure(thresholds, other) == every_figure(thresholds, answers)


@given(cycles())
def test_no_difference_of_two_figures_isolates_fewer_answers_than_the_threshold(data):
    """Period against period, period against a cycle's report: what one anonymous group shows in
    one and not the other is a sum of whole shown cycle groups, never fewer answers than the
    lowest threshold."""
    thresholds, answers = data
    ids = sorted(thresholds)
    sets = [frozenset(c) for n in range(1, len(ids) + 1) for c in combinations(ids, n)]
    counts = {s: cycles_report(blocks(thresholds, answers, s), value_codes=VALUES) for s in sets}
    for small, large in combinations(sets, 2):
        if not small < large and not large < small:
            continue
        for group in ANONYMOUS_GROUPS:
            n = [counts[s].groups[group].responses if group in counts[s].groups else 0 for s in (small, large)]
            assert abs(n[1] - n[0]) == 0 or abs(n[1] - n[0]) >= min(thresholds.values())


def test_the_issues_subtraction_across_periods_finds_nothing():
    """Period A has cycle 1, period B cycles 1 and 2; the rekan group answered 4 times in cycle 1 and
    once in cycle 2 (hidden in its own report): B shows exactly what A shows."""
    four = [{code: [4, 4, 4] for code in VALUES}] * 3 + [{code: [3, 3, 3] for code in VALUES}]
    one = [{code: [1, 1, 1] for code in VALUES}]
    thresholds = {1: 3, 2: 3}
    answers = {(1, RaterGroup.REKAN): four, (2, RaterGroup.REKAN): one}
    period_a = cycles_report(blocks(thresholds, answers, {1}), value_codes=VALUES)
    period_b = cycles_report(blocks(thresholds, answers, {1, 2}), value_codes=VALUES)
    cycle_2 = cycles_report(blocks(thresholds, answers, {2}), value_codes=VALUES)
    assert period_a.as_json() == period_b.as_json()
    assert period_b.groups[RaterGroup.REKAN].responses == 4
    assert cycle_2.groups == {} and RaterGroup.REKAN in cycle_2.hidden


def test_one_cycle_is_the_cycles_own_report():
    answers = {RaterGroup.REKAN: {"KOMPETEN": (12, 3)}, RaterGroup.ATASAN: {"KOMPETEN": (5, 1)}}
    counts = {RaterGroup.REKAN: 3, RaterGroup.ATASAN: 1, RaterGroup.BAWAHAN: 2}
    one = cycles_report([CycleGroup(7, g, 4, counts.get(g, 0), answers.get(g, {})) for g in RaterGroup],
                        value_codes=VALUES)
    assert one.as_json() == group_report(answers, counts, 4, value_codes=VALUES).as_json()
    assert set(one.groups) == {RaterGroup.ATASAN} and one.threshold == 4


def test_a_cycle_group_refuses_what_cannot_be():
    with pytest.raises(ValueError):
        CycleGroup(1, RaterGroup.REKAN, 2, 3)  # a threshold under 3
    with pytest.raises(ValueError):
        CycleGroup(1, "tetangga", 3, 3)
    with pytest.raises(ValueError):
        CycleGroup(1, RaterGroup.REKAN, 3, -1)
    with pytest.raises(ValueError):
        cycles_report([CycleGroup(1, RaterGroup.REKAN, 3, 0, {"KOMPETEN": (4, 1)})], value_codes=VALUES)


@given(st.integers(0, 30), st.integers(3, 8))
def test_progress_shows_a_count_only_at_the_threshold(answered, threshold):
    assert progress_shown(answered, threshold) == (answered if answered >= threshold else None)
