from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.appraisal import (
    Component,
    ComponentEvidence,
    LeftOut,
    OrgPredikat,
    Predikat,
    Rating,
    composite,
    development_areas,
    distribution_warnings,
    predikat_shares,
    citizen_component,
    unsur_below_peers,
    normalise,
    parse_rating,
    predikat,
    suggest_rating,
    validate_weights,
)
from surveys.errors import DomainError, InvalidValue, InvalidWeights
from surveys.i18n import render
from surveys.stats import Moments

ATAS, SESUAI, BAWAH = Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH


class TestRatings:
    def test_values_are_the_regulation_words(self):
        assert [r.value for r in Rating] == [
            "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi",
        ]
        assert [p.value for p in Predikat] == [
            "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang",
        ]

    @pytest.mark.parametrize(
        ("text", "rating"),
        [
            ("Di Atas Ekspektasi", ATAS),
            ("  di   atas ekspektasi ", ATAS),
            ("SESUAI EKSPEKTASI", SESUAI),
            ("atas", ATAS),
            ("Sesuai", SESUAI),
            (" BAWAH ", BAWAH),
            ("di_bawah", BAWAH),
            ("DI_ATAS", ATAS),
            (BAWAH, BAWAH),
        ],
    )
    def test_parse_rating(self, text, rating):
        assert parse_rating(text) is rating

    @pytest.mark.parametrize("text", ["", "baik", "di atas ekspektasi!", "tinggi"])
    def test_parse_rating_refuses(self, text):
        with pytest.raises(InvalidValue) as caught:
            parse_rating(text)
        assert caught.value.params == {"text": text}
        assert "Di Atas Ekspektasi" in caught.value.message


class TestPredikatMatrix:
    @pytest.mark.parametrize(
        ("hasil_kerja", "perilaku", "expected"),
        [
            (ATAS, BAWAH, Predikat.KURANG),
            (ATAS, SESUAI, Predikat.BAIK),
            (ATAS, ATAS, Predikat.SANGAT_BAIK),
            (SESUAI, BAWAH, Predikat.KURANG),
            (SESUAI, SESUAI, Predikat.BAIK),
            (SESUAI, ATAS, Predikat.BAIK),
            (BAWAH, BAWAH, Predikat.SANGAT_KURANG),
            (BAWAH, SESUAI, Predikat.BUTUH_PERBAIKAN),
            (BAWAH, ATAS, Predikat.BUTUH_PERBAIKAN),
        ],
    )
    def test_every_cell(self, hasil_kerja, perilaku, expected):
        assert predikat(hasil_kerja, perilaku) is expected

    def test_accepts_stored_values(self):
        assert predikat("Di Atas Ekspektasi", "Di Atas Ekspektasi") is Predikat.SANGAT_BAIK


class TestNormalise:
    @pytest.mark.parametrize(
        ("x", "low", "high", "expected"),
        [
            (1, 1, 5, 0),
            (5, 1, 5, 100),
            (4, 1, 5, 75),
            (Fraction(10, 3), 1, 4, Fraction(700, 9)),
            (Decimal("3.25"), 1, 4, 75),
        ],
    )
    def test_examples(self, x, low, high, expected):
        assert normalise(x, low, high) == expected

    def test_refuses(self):
        with pytest.raises(InvalidValue):
            normalise(6, 1, 5)
        with pytest.raises(ValueError):
            normalise(1, 1, 1)


def ev(component, score, n=5, min_n=3):
    return ComponentEvidence(component, None if score is None else Fraction(score), n, min_n)


WEIGHTS = {
    Component.CITIZEN: 30,
    Component.ATASAN: 40,
    Component.REKAN: 20,
    Component.BAWAHAN: 10,
    Component.SELF: 0,
}


class TestComposite:
    def test_all_components_present(self):
        result = composite(
            [
                ev(Component.CITIZEN, 80),
                ev(Component.ATASAN, 70, n=1, min_n=1),
                ev(Component.REKAN, 60),
                ev(Component.BAWAHAN, 50),
                ev(Component.SELF, 100, n=1, min_n=1),  # weight 0: ignored
            ],
            WEIGHTS,
        )
        assert result.score == Fraction(24 + 28 + 12 + 5)
        assert result.left_out == [] and result.explanations == []
        assert sum(result.weights_used.values()) == 100
        assert Component.SELF not in result.weights_used
        assert result.score_display == Decimal("69.00")

    def test_too_few_and_missing_components_are_left_out_and_weights_rescaled(self):
        result = composite(
            [
                ev(Component.CITIZEN, 80),
                ev(Component.ATASAN, 70, n=1, min_n=1),
                ev(Component.REKAN, 90, n=2, min_n=3),
            ],
            WEIGHTS,
        )
        assert result.left_out == [
            (Component.REKAN, LeftOut.TOO_FEW),
            (Component.BAWAHAN, LeftOut.NO_DATA),
        ]
        assert result.weights_used == {
            Component.CITIZEN: Fraction(300, 7),
            Component.ATASAN: Fraction(400, 7),
        }
        assert result.weights_shown == {Component.CITIZEN: Decimal("42.86"), Component.ATASAN: Decimal("57.14")}
        assert result.score == Fraction(80 * 30 + 70 * 40, 70)
        assert result.score_display == Decimal("74.29")
        templates = [template for template, _ in result.explanations]
        assert templates[0] == (
            "Komponen %(component)s tidak disertakan: hanya %(n)d tanggapan, minimal %(min)d."
        )
        assert result.explanations[0][1] == {"component": "Rekan kerja", "n": 2, "min": 3}
        assert render(*result.explanations[1]) == (
            "Komponen Bawahan tidak disertakan: belum ada data."
        )
        assert render(*result.explanations[3]) == "Bobot Masyarakat menjadi 42.86% (semula 30.00%)."

    def test_shown_weights_add_up_to_a_hundred(self):
        # Weights 3 : 4 : 2 shown alone as 33.33, 44.44 and 22.22 (99.99); by largest remainder:
        result = composite(
            [ev(Component.CITIZEN, 80), ev(Component.ATASAN, 81, n=1, min_n=1), ev(Component.REKAN, 79)],
            {"citizen": 30, "atasan": 40, "rekan": 20, "bawahan": 10},
        )
        assert result.weights_shown == {Component.CITIZEN: Decimal("33.33"), Component.ATASAN: Decimal("44.45"),
                                        Component.REKAN: Decimal("22.22")}

    def test_the_citizen_component_comes_from_the_shown_ikm(self):
        assert citizen_component(Decimal("85.00")) == Decimal("80.00")
        assert citizen_component(Decimal("25.00")) == Decimal("0.00")
        assert citizen_component(Decimal("100.00")) == Decimal("100.00")
        # (84.99 − 25) / 75 × 100 = 79.9866…
        assert citizen_component(Decimal("84.99")) == Decimal("79.99")
        with pytest.raises(InvalidValue):
            citizen_component(Decimal("24.99"))

    def test_render_translates_template_and_labels(self):
        result = composite([], WEIGHTS)
        catalog = {
            "Komponen %(component)s tidak disertakan: belum ada data.":
                "Component %(component)s left out: no data yet.",
            "Masyarakat": "Citizens",
        }
        assert render(*result.explanations[0], lambda s: catalog.get(s, s)) == (
            "Component Citizens left out: no data yet."
        )

    def test_nothing_left(self):
        result = composite([ev(Component.CITIZEN, None)], WEIGHTS)
        assert result.score is None and result.weights_used == {}
        assert result.score_display is None
        assert len(result.left_out) == 4
        assert "belum dapat dihitung" in result.explanations[-1][0]

    def test_evidence_checks(self):
        with pytest.raises(ValueError):
            ev(Component.CITIZEN, 101)
        with pytest.raises(ValueError):
            composite([ev(Component.CITIZEN, 50), ev(Component.CITIZEN, 60)], WEIGHTS)
        assert ComponentEvidence("rekan", Decimal("12.5"), 3, 3).score_0_100 == Fraction(25, 2)

    @given(
        st.lists(st.integers(0, 100), min_size=5, max_size=5).filter(lambda w: sum(w) > 0),
        st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=5, max_size=5),
        st.lists(st.integers(0, 6), min_size=5, max_size=5),
    )
    def test_weights_used_sum_to_100(self, raw_weights, scores, counts):
        total = sum(raw_weights)
        weights = {c: Fraction(w * 100, total) for c, w in zip(Component, raw_weights)}
        evidence = [ev(c, s, n=k) for c, s, k in zip(Component, scores, counts)]
        result = composite(evidence, weights)
        included = [
            c
            for c, s, k in zip(Component, scores, counts)
            if weights[c] and s is not None and k >= 3
        ]
        assert list(result.weights_used) == included
        if included:
            assert sum(result.weights_used.values()) == 100
            used = [s for c, s in zip(Component, scores) if c in included]
            assert min(used) <= result.score <= max(used)
            assert sum(result.weights_shown.values()) == 100
        else:
            assert result.score is None
        assert len(result.left_out) + len(included) == sum(1 for w in raw_weights if w)


class TestWeights:
    def test_valid(self):
        weights = validate_weights({"citizen": Decimal("33.33"), "atasan": Decimal("66.67")})
        assert weights[Component.CITIZEN] == Fraction(3333, 100)
        assert weights[Component.SELF] == 0
        assert list(weights) == list(Component)

    @pytest.mark.parametrize(
        ("weights", "params"),
        [
            ({Component.CITIZEN: 50, Component.ATASAN: 40}, {"total": 90}),
            (
                {Component.CITIZEN: Decimal("50.5"), Component.ATASAN: 50},
                {"total": Decimal("100.50")},
            ),
            ({Component.CITIZEN: 150, Component.ATASAN: -50}, {"component": "Masyarakat"}),
            ({"warga": 100}, {"component": "warga"}),
            ({Component.CITIZEN: "100"}, {"component": "Masyarakat"}),
        ],
    )
    def test_invalid(self, weights, params):
        with pytest.raises(InvalidWeights) as caught:
            validate_weights(weights)
        assert isinstance(caught.value, DomainError)
        assert caught.value.params == params


class TestSuggestRating:
    @pytest.mark.parametrize(
        ("score", "rating"),
        [
            (100, ATAS),
            (80, ATAS),
            (Fraction(7999, 100), SESUAI),
            (60, SESUAI),
            (59, BAWAH),
            (0, BAWAH),
        ],
    )
    def test_default_bounds(self, score, rating):
        assert suggest_rating(score) is rating

    def test_custom_bounds(self):
        assert suggest_rating(Decimal("70"), above=Decimal(70), meets=Decimal(50)) is ATAS

    @pytest.mark.parametrize(("above", "meets"), [(60, 60), (50, 60), (101, 60), (80, -1)])
    def test_invalid_bounds(self, above, meets):
        with pytest.raises(InvalidValue):
            suggest_rating(70, above=above, meets=meets)


def counts(sb=0, b=0, bp=0, k=0, sk=0):
    return {
        Predikat.SANGAT_BAIK: sb,
        Predikat.BAIK: b,
        Predikat.BUTUH_PERBAIKAN: bp,
        Predikat.KURANG: k,
        Predikat.SANGAT_KURANG: sk,
    }


class TestDistribution:
    def test_values(self):
        assert [o.value for o in OrgPredikat] == [
            "Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang",
        ]

    def test_empty_means_no_warnings(self):
        for org in OrgPredikat:
            assert distribution_warnings(org, {}) == []
            assert distribution_warnings(org, counts()) == []

    def test_istimewa(self):
        assert distribution_warnings(OrgPredikat.ISTIMEWA, counts(sb=7, b=3)) == []
        (warning,) = distribution_warnings(OrgPredikat.ISTIMEWA, counts(sb=8, b=2))
        assert render(*warning) == (
            "Predikat Sangat Baik diberikan kepada 80.00% pegawai (8 dari 10); untuk "
            "organisasi berpredikat Istimewa paling banyak 70%."
        )

    def test_baik(self):
        assert distribution_warnings(OrgPredikat.BAIK, counts(sb=2, b=7, k=1)) == []
        warnings = distribution_warnings(OrgPredikat.BAIK, counts(sb=2, b=8))
        assert [w[1].get("predikat") for w in warnings] == ["Baik", None]
        assert "Butuh Perbaikan dan/atau Kurang/Misconduct" in warnings[1][0]

    def test_butuh_perbaikan(self):
        assert distribution_warnings(OrgPredikat.BUTUH_PERBAIKAN, counts(sb=1, b=3, bp=6)) == []
        warnings = distribution_warnings(OrgPredikat.BUTUH_PERBAIKAN, counts(sb=2, b=4, bp=4))
        assert [(w[1]["predikat"], w[1]["limit"]) for w in warnings] == [
            ("Butuh Perbaikan", 60),
            ("Sangat Baik", 10),
        ]

    def test_kurang(self):
        assert distribution_warnings(OrgPredikat.KURANG, counts(sb=1, b=2, bp=1, k=6)) == []
        warnings = distribution_warnings(OrgPredikat.KURANG, counts(sb=2, b=3, k=5))
        assert [w[1]["predikat"] for w in warnings] == [
            "Kurang/Misconduct", "Butuh Perbaikan", "Sangat Baik",
        ]

    def test_sangat_kurang(self):
        assert distribution_warnings(OrgPredikat.SANGAT_KURANG, counts(b=2, bp=1, sk=7)) == []
        assert distribution_warnings(OrgPredikat.SANGAT_KURANG, counts(k=1, sk=9)) == []
        warnings = distribution_warnings(OrgPredikat.SANGAT_KURANG, counts(sb=1, b=4, sk=5))
        assert len(warnings) == 3
        assert render(*warnings[2]) == (
            "Organisasi berpredikat Sangat Kurang tidak semestinya memiliki pegawai berpredikat "
            "Sangat Baik, tetapi ada 1."
        )

    def test_accepts_stored_values(self):
        warnings = distribution_warnings("Istimewa", {"Sangat Baik": 1})
        assert len(warnings) == 1

    def test_the_sentence_quotes_the_table_s_share(self):
        # 9 of 11 is 81.8181…%: the table and the warning both say 81.82, and the table adds up.
        spread = counts(sb=9, b=2)
        shares = predikat_shares(spread)
        assert shares[Predikat.SANGAT_BAIK] == Decimal("81.82")
        assert sum(shares.values()) == 100
        (warning,) = distribution_warnings(OrgPredikat.ISTIMEWA, spread)
        assert warning[1]["share"] == shares[Predikat.SANGAT_BAIK]

    def test_a_share_shown_as_the_limit_is_at_the_limit(self):
        # 7,000.4 of 10,000 would be 70.004%: shown as 70.00, which is not above 70.
        spread = counts(sb=70_004, b=29_996)
        assert predikat_shares(spread)[Predikat.SANGAT_BAIK] == Decimal("70.00")
        assert distribution_warnings(OrgPredikat.ISTIMEWA, spread) == []

    def test_shares_of_nobody_are_zero(self):
        assert set(predikat_shares(counts()).values()) == {Decimal("0.00")}

    @given(st.lists(st.integers(0, 50), min_size=5, max_size=5).filter(any))
    def test_shown_shares_add_up_to_a_hundred(self, numbers):
        assert sum(predikat_shares(dict(zip(Predikat, numbers))).values()) == 100

    @given(
        st.sampled_from(list(OrgPredikat)),
        st.lists(st.integers(0, 20), min_size=5, max_size=5),
    )
    def test_never_raises_and_always_renders(self, org, numbers):
        for template, params in distribution_warnings(org, dict(zip(Predikat, numbers))):
            assert render(template, params)


class TestDevelopmentAreas:
    def test_weakest_first_ties_in_instrument_order(self):
        areas = development_areas(
            {"LOYAL": Fraction(4), "ADAPTIF": Fraction(3), "AKUNTABEL": Fraction(3), "KOMPETEN": 5},
            {"U7": Fraction(3), "U6": Fraction(3), "U3": Fraction(7, 2)},
        )
        assert areas.values == ("AKUNTABEL", "ADAPTIF")
        assert areas.unsur == ("U6", "U7")

    def test_k_and_empty(self):
        areas = development_areas({"LOYAL": Fraction(2)}, {}, k=3)
        assert areas.values == ("LOYAL",) and areas.unsur == ()
        with pytest.raises(ValueError):
            development_areas({}, {}, k=0)
        with pytest.raises(ValueError):
            development_areas({"SOPAN": Fraction(1)}, {})

    @given(st.dictionaries(st.sampled_from(["U3", "U6", "U7"]), st.fractions(1, 4), min_size=1))
    def test_weakest_is_the_minimum(self, nrr):
        areas = development_areas({}, nrr, k=1)
        assert nrr[areas.unsur[0]] == min(nrr.values())


class TestUnsurBelowPeers:
    """Development areas among the officer unsur: reliably below the peers at the same layanan."""

    @staticmethod
    def answers(*values):
        return Moments.of(list(values))

    def test_the_best_officer_is_never_flagged_and_a_clearly_weaker_one_is(self):
        # Five officers at one layanan, every unsur answered around 3.4; one at around 2.6.
        officers = {f"o{i}": self.answers(*([3, 4, 3, 4, 3] * 12)) for i in range(4)}
        officers["weak"] = self.answers(*([2, 3, 3, 2, 3] * 12))
        best = self.answers(*([4, 4, 3, 4, 4] * 12))
        officers["best"] = best
        total = sum(officers.values(), Moments(0, 0, 0))
        flagged = {name for name, mine in officers.items()
                   if unsur_below_peers({"U6": [(mine, total - mine)], "U7": [(mine, total - mine)]}, 10)}
        assert flagged == {"weak"}
        (gap, _u7) = unsur_below_peers({"U6": [(officers["weak"], total - officers["weak"])],
                                        "U7": [(officers["weak"], total - officers["weak"])]}, 10)
        assert gap.code == "U6" and gap.officer_mean == pytest.approx(2.6)
        assert gap.comparison.upper < 0 and gap.peers_mean > 3.4

    def test_a_minimum_of_answers_and_two_on_each_side(self):
        weak, peers = self.answers(*([2, 3] * 4)), self.answers(*([4, 3, 4] * 30))
        assert unsur_below_peers({"U7": [(weak, peers)]}, 8)
        assert unsur_below_peers({"U7": [(weak, peers)]}, 9) == ()
        assert unsur_below_peers({"U7": [(self.answers(2), peers)]}, 1) == ()
        assert unsur_below_peers({"U7": [(weak, self.answers(4))]}, 1) == ()
        with pytest.raises(ValueError):
            unsur_below_peers({"U10": []}, 1)

    def test_several_layanan_each_against_its_own_peers(self):
        # At a hard layanan everyone scores low: the officer there is not below their peers.
        hard_mine, hard_peers = self.answers(*([2, 3] * 30)), self.answers(*([2, 3] * 90))
        easy_mine, easy_peers = self.answers(*([3, 4] * 5)), self.answers(*([3, 4] * 60))
        assert unsur_below_peers({"U6": [(hard_mine, hard_peers), (easy_mine, easy_peers)]}, 10) == ()
        # Pooled over the instansi the same officer would look weak, which is what this avoids.
        everyone_else = hard_peers + easy_peers
        assert unsur_below_peers({"U6": [(hard_mine + easy_mine, everyone_else)]}, 10)

    def test_most_below_first(self):
        peers = self.answers(*([4, 3, 4, 4] * 30))
        gaps = unsur_below_peers({"U6": [(self.answers(*([3, 3, 4] * 10)), peers)],
                                  "U7": [(self.answers(*([2, 3, 3] * 10)), peers)]}, 10)
        assert [gap.code for gap in gaps] == ["U7", "U6"]
