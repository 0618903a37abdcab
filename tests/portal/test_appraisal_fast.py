"""The merge's integer arithmetic (`evaluation.evaluate`) gives exactly what the `surveys` core gives
(`evaluation.evaluate_exact`): every figure with its scale, the explanation and the development
areas, character for character, on random rules and evidence; and it refuses what the core refuses."""
import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from portal.appraisal import evaluation
from surveys import berakhlak, stats
from surveys.appraisal import Component
from tests.conftest import examples

GROUPS = ("diri", "atasan", "rekan", "bawahan")
SCALES = ((1, 5), (1, 4), (0, 10), (-2, 2))


@st.composite
def weights(draw):
    """Five weights in thousandths of a percent summing to 100, often some of them 0."""
    cuts = sorted(draw(st.lists(st.integers(0, 100_000) | st.sampled_from([0, 0, 50_000, 100_000]),
                                min_size=4, max_size=4)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100_000])]
    return {c: evaluation._exact(Decimal(p).scaleb(-3)) for c, p in zip(Component, parts)}


@st.composite
def rules(draw):
    scale_min, scale_max = draw(st.sampled_from(SCALES))
    unsur = draw(st.lists(st.sampled_from(("U3", "U6", "U7")), min_size=1, max_size=3, unique=True))
    extra = draw(st.booleans())
    codes = draw(st.lists(st.sampled_from(berakhlak.VALUE_CODES), min_size=1, max_size=7, unique=True))
    meets = draw(st.integers(0, 9_999))
    above = draw(st.integers(meets + 1, 10_000))
    return evaluation.MergeRules(
        # A period stores the unsur in U-order; the explanation prints them as stored.
        officer_unsur=tuple(sorted(unsur)) if draw(st.booleans()) else tuple(unsur),
        min_citizen_n=draw(st.integers(1, 15)),
        thresholds=dict(enumerate(draw(st.lists(st.integers(3, 6), min_size=1, max_size=3)), start=1)),
        scale_min=scale_min, scale_max=scale_max,
        value_codes=tuple(codes) + (("LAINNYA",) if extra else ()),
        weights={"front_line": draw(weights()), "back_office": draw(weights())},
        above=Decimal(above).scaleb(-2), meets=Decimal(meets).scaleb(-2))


@st.composite
def evidence(draw, rules):
    found = evaluation.Evidence()
    if draw(st.booleans()):
        n = draw(st.integers(0, 300) | st.sampled_from([1, 2, 10]))
        sums = {code: draw(st.integers(n, 4 * n)) for code in ("U3", "U6", "U7")}
        if draw(st.booleans()):  # the squares and products of the rollup (the IKM's margin)
            sums.update({key: draw(st.integers(n, 16 * n)) for key in ("q3", "q6", "q7", "p36", "p37", "p67")})
        found.citizen = (n, sums)
        if draw(st.booleans()):  # the officer's and the peers' answers per layanan (development areas)
            def moments():
                count = draw(st.integers(0, 40))
                total = draw(st.integers(count, 4 * count))
                return stats.Moments(count, total, draw(st.integers(total, max(total, 4 * total))))
            for code in draw(st.lists(st.sampled_from(("U3", "U6", "U7")), unique=True)):
                found.peers[code] = [(moments(), moments()) for _ in range(draw(st.integers(1, 2)))]
    if draw(st.integers(0, 4)):
        blocks = st.tuples(st.sampled_from(sorted(rules.thresholds)), st.sampled_from(GROUPS))
        for block in draw(st.lists(blocks, unique=True)):
            count = draw(st.integers(0, 9))
            found.counts[block] = count
            if count and draw(st.integers(0, 5)):
                for code in draw(st.lists(st.sampled_from(rules.value_codes), unique=True)):
                    scored = draw(st.integers(0, 3 * count))
                    found.totals[block][code] = (
                        draw(st.integers(scored * rules.scale_min, scored * rules.scale_max)), scored)
    return found


def assert_same(fast: dict, exact: dict) -> None:
    assert list(fast) == list(exact)
    for name, value in exact.items():
        assert type(fast[name]) is type(value), name
        # Decimals compare by value: 75 == 75.000, but the stored figure keeps its scale.
        assert str(fast[name]) == str(value), name


@settings(max_examples=examples(1500))
@given(st.data())
def test_integer_path_equals_the_exact_core(data):
    merge_rules = data.draw(rules())
    found = data.draw(evidence(merge_rules))
    for job_group in ("front_line", "back_office"):
        assert_same(evaluation.evaluate(merge_rules, job_group, found),
                    evaluation.evaluate_exact(merge_rules, job_group, found))


def front_line_rules(min_citizen_n: int, citizen: int, atasan: int, rekan: int, bawahan: int) -> evaluation.MergeRules:
    """U6 and U7, a threshold of 3 raters, a 1–5 scale, the default rating bounds; weights for front_line."""
    return evaluation.MergeRules(
        officer_unsur=("U6", "U7"), min_citizen_n=min_citizen_n, thresholds={1: 3}, scale_min=1, scale_max=5,
        value_codes=berakhlak.VALUE_CODES,
        weights={"front_line": {Component.CITIZEN: citizen, Component.ATASAN: atasan, Component.REKAN: rekan,
                                Component.BAWAHAN: bawahan, Component.SELF: 0}},
        above=Decimal(80), meets=Decimal(60))


def test_a_worked_example_is_computed_in_integers(monkeypatch):
    """The usual case never touches the exact path (nor Fractions)."""
    merge_rules = front_line_rules(min_citizen_n=10, citizen=30, atasan=40, rekan=20, bawahan=10)
    found = evaluation.Evidence(citizen=(12, {"U6": 42, "U7": 36}))
    found.counts.update({(1, "atasan"): 1, (1, "rekan"): 3, (1, "diri"): 1})
    found.totals[1, "atasan"]["BERORIENTASI_PELAYANAN"] = (15, 3)
    found.totals[1, "rekan"]["BERORIENTASI_PELAYANAN"] = (33, 9)
    found.totals[1, "diri"]["BERORIENTASI_PELAYANAN"] = (15, 3)
    expected = evaluation.evaluate_exact(merge_rules, "front_line", found)
    monkeypatch.setattr(evaluation, "evaluate_exact", lambda *args: pytest.fail("took the exact path"))
    values = evaluation.evaluate(merge_rules, "front_line", found)
    assert_same(values, expected)
    # IKM 25 × 78 / 24 = 81.25, so citizen (81.25 − 25) / 75 × 100 = 75.00; rekan (33/9 − 1) / 4 × 100
    # = 66.67; atasan 100.00. Bawahan has no data: 30, 40 and 20 of 90 are 33.333…, 44.444…, 22.222…,
    # shown 33.33, 44.44, 22.22 (99.99) and the last hundredth to the largest remainder (atasan's
    # 40/90): 33.33 + 44.45 + 22.22 = 100.00. Composite (75.00 × 33.33 + 100.00 × 44.45 + 66.67 ×
    # 22.22) / 100 = 84.261574 → 84.26.
    assert (values["citizen_ikm"], values["citizen_score"], values["rekan_score"], values["composite"]) == (
        Decimal("81.25"), Decimal("75.00"), Decimal("66.67"), Decimal("84.26"))
    assert [values[f"weight_{c}"] for c in ("citizen", "atasan", "rekan")] == [
        Decimal("33.33"), Decimal("44.45"), Decimal("22.22")]


BAD_EVIDENCE = [
    lambda e: setattr(e, "citizen", (5, {"U6": 21, "U7": 10})),     # a sum above 4n
    lambda e: setattr(e, "citizen", (5, {"U6": 10})),               # a missing unsur
    lambda e: setattr(e, "citizen", (-1, {"U6": 1, "U7": 1})),
    lambda e: e.counts.update({(1, "tetangga"): 3}),                # an unknown rater group
    lambda e: e.counts.update({(1, "rekan"): -1}),
    lambda e: e.counts.update({(2, "atasan"): 1}),                  # a cycle not in the period
    lambda e: (e.counts.update({(1, "atasan"): 1}), e.totals[1, "atasan"].update({"ANEH": (4, 1)})),
    lambda e: (e.counts.update({(1, "atasan"): 1}), e.totals[1, "atasan"].update({"KOMPETEN": (9, 1)})),
    lambda e: (e.counts.update({(1, "atasan"): 1}), e.totals[1, "rekan"].update({"KOMPETEN": (4, 1)})),
]


@pytest.mark.parametrize("spoil", BAD_EVIDENCE)
def test_impossible_evidence_is_refused_as_the_core_refuses_it(spoil):
    merge_rules = front_line_rules(min_citizen_n=1, citizen=50, atasan=50, rekan=0, bawahan=0)
    found = evaluation.Evidence()
    spoil(found)
    with pytest.raises(Exception) as exact:
        evaluation.evaluate_exact(merge_rules, "front_line", found)
    with pytest.raises(type(exact.value)):
        evaluation.evaluate(merge_rules, "front_line", found)


@pytest.mark.parametrize("change", [
    {"thresholds": {1: 2}}, {"scale_min": 5, "scale_max": 5}, {"min_citizen_n": 0},
    {"above": Decimal(50), "meets": Decimal(60)},
    {"weights": {"front_line": {**{c: 0 for c in Component}, Component.ATASAN: 90}}},
])
def test_rules_the_core_refuses_are_refused(change):
    fields = dict(officer_unsur=("U6", "U7"), min_citizen_n=1, thresholds={1: 3}, scale_min=1, scale_max=5,
                  value_codes=berakhlak.VALUE_CODES,
                  weights={"front_line": {**{c: 0 for c in Component}, Component.ATASAN: 100}},
                  above=Decimal(80), meets=Decimal(60))
    merge_rules = evaluation.MergeRules(**{**fields, **change})
    assert merge_rules.plan.exact
    found = evaluation.Evidence(citizen=(3, {"U6": 9, "U7": 9}))
    found.counts.update({(1, "atasan"): 1})
    found.totals[1, "atasan"]["KOMPETEN"] = (4, 1)
    with pytest.raises(Exception) as exact:
        evaluation.evaluate_exact(merge_rules, "front_line", found)
    with pytest.raises(type(exact.value)):
        evaluation.evaluate(merge_rules, "front_line", found)


def test_fractional_weights_keep_their_ratios():
    plan = evaluation._Weights({Component.CITIZEN: Fraction(33333, 1000), Component.ATASAN: Fraction(33333, 1000),
                              Component.REKAN: Fraction(33334, 1000), Component.BAWAHAN: 0, Component.SELF: 0})
    assert [w for _c, w, _l, _t in plan.weighted] == [33333, 33333, 33334]
    assert [t for _c, _w, _l, t in plan.weighted] == ["33.33", "33.33", "33.33"]


@settings(max_examples=examples(300))
@given(st.data())
def test_a_composite_at_a_threshold_gets_the_same_rating(data):
    merge_rules = data.draw(rules())
    found = data.draw(evidence(merge_rules))
    composite = evaluation.evaluate_exact(merge_rules, "front_line", found)["composite"]
    if composite is None:
        return
    shown = evaluation._rounded(composite, 2)
    for above, meets in ((shown, min(shown, Decimal(100)) - Decimal("0.01")), (Decimal(100), shown)):
        if not 0 <= meets < above <= 100:
            continue
        at = dataclasses.replace(merge_rules, above=above, meets=meets)
        assert_same(evaluation.evaluate(at, "front_line", found), evaluation.evaluate_exact(at, "front_line", found))


def test_shared_figures_are_the_figures_made_one_by_one():
    """The Decimals the merge shares (0.00 to 100.00) equal, with their exponent, those it made
    per employee; a figure outside that range is made as before."""
    for hundredths in (*range(0, 10_001), -1, 10_001, 123_456):
        shared, made = evaluation._hundredths(hundredths), Decimal(hundredths).scaleb(-2)
        assert shared == made and shared.as_tuple() == made.as_tuple()
