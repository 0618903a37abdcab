"""The merge's own arithmetic (`merge.evaluate_rows`, from the rows of its GROUP BY queries to
record values, as it runs for every employee) lets no hidden answer move any shown number: a
period's record is the same whatever a cycle group under its cycle's threshold said, or whether
it said anything, and its 360 scores and counts are those of the shown cycle groups alone.

No database: the rows are drawn as the queries would give them (per reviewee, cycle and group).
The examples follow the hypothesis profile (`ci` by default, `nightly` by HYPOTHESIS_PROFILE).
"""
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, strategies as st

from portal.appraisal import evaluation
from portal.appraisal.merge import MERGED_FIELDS, _merged, evaluate_rows
from surveys.appraisal import Component

VALUES = ("AKUNTABEL", "KOMPETEN", "HARMONIS")
GROUPS = ("diri", "atasan", "rekan", "bawahan")
ANONYMOUS = ("rekan", "bawahan")
response = st.fixed_dictionaries({code: st.lists(st.none() | st.integers(1, 5), min_size=1, max_size=3)
                                  for code in VALUES})


def rules(thresholds: dict[int, int]) -> evaluation.MergeRules:
    weights = {Component.CITIZEN: 20, Component.ATASAN: 40, Component.REKAN: 25, Component.BAWAHAN: 15,
               Component.SELF: 0}
    return evaluation.MergeRules(officer_unsur=("U6", "U7"), min_citizen_n=5, thresholds=thresholds, scale_min=1,
                                 scale_max=5, value_codes=VALUES, weights={"front_line": weights, "back_office": weights},
                                 above=Decimal(80), meets=Decimal(60))


def shown(group: str, answered: int, threshold: int) -> bool:
    return answered >= (threshold if group in ANONYMOUS else 1)


@st.composite
def evidence(draw):
    """Cycle thresholds and, per (employee, cycle, group), the responses."""
    thresholds = dict(enumerate(draw(st.lists(st.integers(3, 5), min_size=1, max_size=3)), start=1))
    answers = {}
    for employee_id in (1, 2):
        for cycle_id in thresholds:
            for group in GROUPS:
                most = 7 if group in ANONYMOUS else 1
                found = draw(st.lists(response, max_size=most))
                if found:
                    answers[employee_id, cycle_id, group] = found
    return thresholds, answers


def rows(answers) -> tuple[list, list]:
    """The totals and counts queries' rows, ordered as the queries order them."""
    totals, counts = [], []
    for (employee_id, cycle_id, group), found in sorted(answers.items()):
        pairs = []
        for code in VALUES:
            scores = [s for r in found for s in r[code] if s is not None]
            pairs += [sum(scores) if scores else None, len(scores)]
        totals.append((employee_id, cycle_id, group, *pairs))
        counts.append((employee_id, cycle_id, group, len(found)))
    return totals, counts


JOB_GROUPS = {1: "front_line", 2: "back_office"}


def merged(thresholds, answers) -> dict:
    """Each employee's record values as the merge writes them (the no-evidence result for one
    without any rows, as the chunk writer gives it)."""
    totals, counts = rows(answers)
    merge_rules = rules(thresholds)
    found = evaluate_rows(merge_rules, JOB_GROUPS, [(1, 12, 40, 42)], totals, counts)
    return {employee_id: found.get(employee_id) or _merged(evaluation.evaluate(merge_rules, job, evaluation.Evidence()))
            for employee_id, job in JOB_GROUPS.items()}


@given(evidence(), st.data())
def test_no_hidden_answer_moves_any_figure_of_a_record(data, draw):
    thresholds, answers = data
    hidden = {key for key, found in answers.items() if not shown(key[2], len(found), thresholds[key[1]])}
    without = {key: found for key, found in answers.items() if key not in hidden}
    other = dict(without)
    for key in hidden:
        replaced = draw.draw(st.lists(response, max_size=thresholds[key[1]] - 1))
        if replaced:
            other[key] = replaced
    assert merged(thresholds, answers) == merged(thresholds, without) == merged(thresholds, other)


@given(evidence())
def test_a_records_360_figures_are_those_of_the_shown_cycle_groups(data):
    thresholds, answers = data
    result = merged(thresholds, answers)
    columns = MERGED_FIELDS[2:]
    for employee_id, (computed, _created) in result.items():
        record = dict(zip(columns, computed))
        for group, prefix in (("atasan", "atasan"), ("rekan", "rekan"), ("bawahan", "bawahan"), ("diri", "self")):
            kept = [r for (e, c, g), found in answers.items() if e == employee_id and g == group
                    and shown(g, len(found), thresholds[c]) for r in found]
            means = []
            for code in VALUES:
                scores = [s for r in kept for s in r[code] if s is not None]
                if scores:
                    means.append(Fraction(sum(scores), len(scores)))
            if not means:
                assert (record[f"{prefix}_score"], record[f"{prefix}_n"]) == (None, 0), (group, record)
                continue
            overall = sum(means, Fraction(0)) / len(means)
            # Shown and stored at two decimals, rounded once.
            assert record[f"{prefix}_score"] == evaluation._rounded((overall - 1) / 4 * 100, 2)
            assert record[f"{prefix}_n"] == len(kept)
