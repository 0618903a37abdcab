from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.berakhlak import VALUE_CODES
from surveys.review import (
    ANONYMOUS_GROUPS,
    MIN_THRESHOLD,
    RaterGroup,
    choose_balanced,
    choose_peers,
    display,
    group_report,
    validate_threshold,
    visible_groups,
)

SELF, ATASAN, REKAN, BAWAHAN = RaterGroup
PELAYANAN, AKUNTABEL, KOMPETEN = VALUE_CODES[:3]


class TestGroups:
    def test_codes_and_labels(self):
        assert [g.value for g in RaterGroup] == ["diri", "atasan", "rekan", "bawahan"]
        assert [g.label for g in RaterGroup] == [
            "Diri sendiri", "Atasan", "Rekan kerja", "Bawahan",
        ]
        assert ANONYMOUS_GROUPS == {REKAN, BAWAHAN}
        assert RaterGroup("rekan") is REKAN

    def test_threshold(self):
        assert MIN_THRESHOLD == 3
        assert validate_threshold(3) == 3 and validate_threshold(5) == 5
        for bad in (2, 0, -1, True, 3.0, "3"):
            with pytest.raises(ValueError):
                validate_threshold(bad)

    def test_visible_groups(self):
        counts = {SELF: 1, ATASAN: 1, REKAN: 2, BAWAHAN: 3}
        assert visible_groups(counts, 3) == {SELF, ATASAN, BAWAHAN}
        assert visible_groups(counts, 4) == {SELF, ATASAN}
        assert visible_groups({"rekan": 3}, 3) == {REKAN}
        assert visible_groups({}, 3) == set()

    def test_a_lower_threshold_cannot_be_used_to_expose(self):
        with pytest.raises(ValueError):
            visible_groups({REKAN: 1}, 1)

    @given(
        st.dictionaries(st.sampled_from(list(RaterGroup)), st.integers(0, 10)),
        st.integers(3, 8),
    )
    def test_never_exposes_a_group_under_threshold(self, counts, threshold):
        shown = visible_groups(counts, threshold)
        for group in shown:
            assert counts[group] >= (threshold if group in ANONYMOUS_GROUPS else 1)
        for group, count in counts.items():
            if count >= threshold:
                assert group in shown


def totals(**per_value):
    """(sum, count) per value code from lists of scores, e.g. totals(AKUNTABEL=[4, 5])."""
    return {code: (sum(scores), len(scores)) for code, scores in per_value.items()}


class TestReport:
    def inputs(self):
        return {
            SELF: totals(BERORIENTASI_PELAYANAN=[5, 5, 5], AKUNTABEL=[3, 3, 3], KOMPETEN=[4]),
            ATASAN: totals(BERORIENTASI_PELAYANAN=[3, 3, 3], AKUNTABEL=[5, 4, 5]),
            REKAN: totals(BERORIENTASI_PELAYANAN=[3, 4, 3, 3, 4, 3], AKUNTABEL=[5, 5, 4]),
        }

    def report(self):
        """Self, atasan and three peers visible; two subordinates, under the threshold."""
        value_totals = {
            **self.inputs(),
            BAWAHAN: totals(BERORIENTASI_PELAYANAN=[1, 1, 1, 1, 1, 1], AKUNTABEL=[1, 1]),
        }
        return group_report(value_totals, {SELF: 1, ATASAN: 1, REKAN: 3, BAWAHAN: 2})

    def test_visible_groups_only(self):
        report = self.report()
        assert list(report.groups) == [SELF, ATASAN, REKAN]
        assert report.hidden == (BAWAHAN,)
        assert report.others_groups == (ATASAN, REKAN)

    def test_group_means(self):
        report = self.report()
        rekan = report.groups[REKAN]
        assert rekan.responses == 3
        assert rekan.value_means == {PELAYANAN: Fraction(20, 6), AKUNTABEL: Fraction(14, 3)}
        assert rekan.overall == Fraction(4)  # (10/3 + 14/3) / 2
        assert report.groups[SELF].value_means[KOMPETEN] == 4

    def test_others_pool_visible_non_self_ratings(self):
        others = self.report().others
        # Pelayanan: atasan 9 + rekan 20 over 9 ratings; Akuntabel: 14 + 14 over 6.
        assert others.value_means == {PELAYANAN: Fraction(29, 9), AKUNTABEL: Fraction(28, 6)}
        assert others.responses == 4

    def test_gaps_sorted_and_flagged(self):
        gaps = self.report().gaps
        assert [g.value_code for g in gaps] == [PELAYANAN, AKUNTABEL]
        pelayanan, akuntabel = gaps
        assert pelayanan.gap == 5 - Fraction(29, 9)  # 1.78 > 4/3: a blind spot
        assert pelayanan.blind_spot and not pelayanan.hidden_strength
        assert akuntabel.gap == 3 - Fraction(14, 3)  # −1.67: a hidden strength
        assert akuntabel.hidden_strength and not akuntabel.blind_spot

    def test_a_gap_of_exactly_a_third_of_the_range_is_not_flagged(self):
        value_totals = {SELF: totals(LOYAL=[5]), ATASAN: totals(LOYAL=[4, 4, 3])}  # gap 5 − 11/3
        report = group_report(value_totals, {SELF: 1, ATASAN: 3})
        (gap,) = report.gaps
        assert gap.gap == Fraction(4, 3)
        assert not gap.blind_spot and not gap.hidden_strength

    def test_others_exclude_hidden_groups_against_subtraction(self):
        # Were bawahan folded into "others", others minus atasan and rekan would reveal
        # the two subordinates' scores. The report must not change with their data.
        with_hidden = self.report()
        without = group_report(self.inputs(), {SELF: 1, ATASAN: 1, REKAN: 3})
        assert with_hidden.others == without.others
        assert with_hidden.groups == without.groups
        assert with_hidden.gaps == without.gaps
        assert BAWAHAN.value not in str(with_hidden.as_json()["groups"])
        # Pooling the hidden ratings too would give 35/15 and leak them to a subtraction.
        assert with_hidden.others.value_means[PELAYANAN] == Fraction(29, 9) != Fraction(35, 15)

    @given(
        st.integers(0, 2),
        st.lists(st.integers(1, 5), min_size=0, max_size=6),
        st.integers(1, 5),
    )
    def test_hidden_group_data_never_reaches_the_report(self, hidden_count, scores, rekan_score):
        base_totals = {
            ATASAN: totals(ADAPTIF=[4]),
            REKAN: totals(ADAPTIF=[rekan_score] * 3),
            SELF: totals(ADAPTIF=[2]),
        }
        base_counts = {SELF: 1, ATASAN: 1, REKAN: 3}
        baseline = group_report(base_totals, base_counts)
        hidden_totals = {**base_totals, BAWAHAN: totals(ADAPTIF=scores if hidden_count else [])}
        attacked = group_report(hidden_totals, {**base_counts, BAWAHAN: hidden_count})
        assert attacked.as_json() == baseline.as_json()

    def test_everything_hidden(self):
        report = group_report({REKAN: totals(ADAPTIF=[5, 5])}, {REKAN: 2})
        assert report.groups == {} and report.others is None and report.gaps == ()
        assert report.hidden == tuple(RaterGroup)

    def test_group_that_could_not_rate_anything(self):
        report = group_report({}, {ATASAN: 1})
        assert report.groups[ATASAN].value_means == {} and report.groups[ATASAN].overall is None

    def test_as_json_rounds_for_display(self):
        data = self.report().as_json()
        assert data["groups"]["rekan"]["values"][PELAYANAN] == 3.33
        assert data["others"]["values"][PELAYANAN] == 3.22
        assert data["gaps"][0] == {
            "value": PELAYANAN, "self": 5.0, "others": 3.22, "gap": 1.78,
            "blind_spot": True, "hidden_strength": False,
        }
        assert display(Fraction(1, 8)) == Decimal("0.13")

    @pytest.mark.parametrize(
        ("value_totals", "responses"),
        [
            ({REKAN: {"SOPAN": (3, 1)}}, {REKAN: 3}),
            ({REKAN: {"LOYAL": (6, 1)}}, {REKAN: 3}),
            ({REKAN: {"LOYAL": (3, 1)}}, {REKAN: 0}),
            ({}, {REKAN: -1}),
        ],
    )
    def test_refuses_impossible_input(self, value_totals, responses):
        with pytest.raises(ValueError):
            group_report(value_totals, responses)


class TestChoosePeers:
    people = [f"emp-{i}" for i in range(20)]

    def test_deterministic_and_capped(self):
        first = choose_peers(self.people, 5, "cycle-1/emp-99")
        assert first == choose_peers(list(reversed(self.people)), 5, "cycle-1/emp-99")
        assert len(first) == 5 and len(set(first)) == 5 and set(first) <= set(self.people)

    def test_seed_changes_the_choice(self):
        choices = {tuple(choose_peers(self.people, 5, f"cycle-1/emp-{i}")) for i in range(10)}
        assert len(choices) > 1

    def test_cap_larger_than_candidates(self):
        assert sorted(choose_peers(self.people[:3], 10, "s")) == sorted(self.people[:3])
        assert choose_peers(self.people, 0, "s") == []

    def test_objects_with_an_id(self):
        class Employee:
            def __init__(self, id_):
                self.id = id_

        staff = [Employee(i) for i in range(6)]
        chosen = choose_peers(staff, 2, "seed", id_of=lambda e: e.id)
        assert [e.id for e in chosen] == [
            e.id for e in choose_peers(list(reversed(staff)), 2, "seed", id_of=lambda e: e.id)
        ]

    def test_duplicate_ids_are_refused(self):
        with pytest.raises(ValueError):
            choose_peers(["a", "a"], 1, "s")

    def test_balanced_prefers_the_least_loaded(self):
        load = {person: 3 for person in self.people}
        load["emp-7"] = 0
        load["emp-12"] = 1
        chosen = choose_balanced(self.people, 3, "seed", load)
        assert chosen[:2] == ["emp-7", "emp-12"] and load[chosen[2]] == 3

    def test_balanced_spreads_assignments(self):
        load: dict[str, int] = {}
        for reviewee in range(20):
            for peer in choose_balanced(self.people, 3, f"cycle-1/{reviewee}", load):
                load[peer] = load.get(peer, 0) + 1
        assert set(load.values()) == {3}  # 60 assignments over 20 people, three each
