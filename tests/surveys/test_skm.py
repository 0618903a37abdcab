import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import skm
from surveys.errors import DomainError, InvalidResponse, NoResponses
from surveys.skm import (
    MUTU_BANDS,
    UNSUR,
    UNSUR_BY_KODE,
    UNSUR_CODES,
    compute_ikm,
    compute_ikm_for_subset,
    ikm_from_responses,
    ikm_of_score_total,
    krejcie_morgan,
    mutu_for,
    nrr,
    round_half_up,
    sample_adequacy,
    validate_officer_unsur,
    validate_scores,
)

# The worked example used below: 4 respondents, NRRs 3.25 3 2.5 4 3.5 2.75 3.75 3 2.25,
# sum 28, IKM 28/9 = 3.1111..., × 25 = 77.777... → 77.78 (B).
EXAMPLE_TOTALS = {
    "U1": 13, "U2": 12, "U3": 10, "U4": 16, "U5": 14,
    "U6": 11, "U7": 15, "U8": 12, "U9": 9,
}

responses = st.lists(
    st.fixed_dictionaries({code: st.integers(1, 4) for code in UNSUR_CODES}), min_size=1
)


class TestInstrument:
    def test_nine_unsur_in_order(self):
        assert UNSUR_CODES == ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
        assert [u.kode for u in UNSUR] == list(UNSUR_CODES)
        assert set(UNSUR_BY_KODE) == set(UNSUR_CODES)

    def test_names_and_labels_follow_the_regulation_table(self):
        assert UNSUR_BY_KODE["U4"].name == "Biaya/Tarif"
        assert UNSUR_BY_KODE["U4"].labels == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
        assert UNSUR_BY_KODE["U8"].name == "Sarana dan Prasarana"
        assert UNSUR_BY_KODE["U8"].labels == ("Buruk", "Cukup", "Baik", "Sangat baik")
        assert UNSUR_BY_KODE["U9"].name == "Penanganan Pengaduan, Saran dan Masukan"
        assert UNSUR_BY_KODE["U9"].labels[1] == "Ada tetapi tidak berfungsi"
        assert UNSUR_BY_KODE["U7"].labels[3] == "Sangat sopan dan ramah"

    def test_every_unsur_asks_a_question_with_four_labels(self):
        for unsur in UNSUR:
            assert unsur.question.startswith("Bagaimana") and unsur.question.endswith("?")
            assert len(unsur.labels) == 4 and len(set(unsur.labels)) == 4
        assert UNSUR[0].question == (
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan "
            "dengan jenis pelayanannya?"
        )

    def test_profile_codes_are_stable_ascii(self):
        for vocabulary in (skm.GENDERS, skm.AGE_RANGES, skm.EDUCATION, skm.OCCUPATIONS):
            codes = [code for code, _ in vocabulary]
            assert len(set(codes)) == len(codes)
            assert all(code.isascii() and label for code, label in vocabulary)
        assert [c for c, _ in skm.GENDERS] == ["L", "P"]
        assert [c for c, _ in skm.EDUCATION] == ["SD", "SMP", "SMA", "S1", "S2", "S3"]
        assert [c for c, _ in skm.OCCUPATIONS] == [
            "PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "LAINNYA",
        ]


class TestOfficerUnsur:
    def test_default_and_option(self):
        assert skm.DEFAULT_OFFICER_UNSUR == ("U6", "U7")
        assert skm.OPTIONAL_OFFICER_UNSUR == ("U3",)

    def test_returns_canonical_order(self):
        assert validate_officer_unsur(["U7", "U3", "U6"]) == ("U3", "U6", "U7")
        assert validate_officer_unsur(("U7",)) == ("U7",)

    @pytest.mark.parametrize("codes", [[], ["U1"], ["U6", "U8"], "U6"])
    def test_refuses(self, codes):
        with pytest.raises(ValueError):
            validate_officer_unsur(codes)


class TestRounding:
    @pytest.mark.parametrize(
        ("value", "places", "expected"),
        [
            (Fraction(88305, 1000), 2, "88.31"),
            (Decimal("88.305"), 2, "88.31"),
            (Decimal("88.3049999"), 2, "88.30"),
            (2.675, 2, "2.68"),  # the float's binary value is 2.67499..., the intent is not
            (Fraction(28, 9), 4, "3.1111"),
            (Fraction(1, 2), 0, "1"),
            (0, 2, "0.00"),
            (Decimal("-1.005"), 2, "-1.01"),
            (100, 2, "100.00"),
        ],
    )
    def test_half_up(self, value, places, expected):
        result = round_half_up(value, places)
        assert str(result) == expected

    def test_refuses_non_numbers(self):
        with pytest.raises(TypeError):
            round_half_up(True)
        with pytest.raises(ValueError):
            round_half_up(float("nan"))


class TestFormula:
    def test_nrr(self):
        assert nrr(13, 4) == Fraction(13, 4)
        with pytest.raises(NoResponses):
            nrr(0, 0)

    def test_worked_example(self):
        result = compute_ikm(EXAMPLE_TOTALS, 4)
        assert result.nrr["U1"] == Fraction(13, 4)
        assert result.ikm_4 == Fraction(28, 9)
        assert result.ikm == Decimal("77.78")
        assert result.ikm_4_rounded == Decimal("3.1111")
        assert (result.mutu, result.mutu_label) == ("B", "Baik")
        assert result.weakest == ("U9",)

    def test_exact_weight_not_the_printed_0_111(self):
        # 28 × 0.111 × 25 = 77.70 would be the figure of a report that rounds the weight.
        assert compute_ikm(EXAMPLE_TOTALS, 4).ikm != Decimal("77.70")

    def test_as_json(self):
        assert compute_ikm(EXAMPLE_TOTALS, 4).as_json() == {
            "n": 4,
            "ikm": 77.78,
            "ikm_4": 3.1111,
            "mutu": "B",
            "mutu_label": "Baik",
            "unsur": [
                {"kode": "U1", "nrr": 3.25}, {"kode": "U2", "nrr": 3.0},
                {"kode": "U3", "nrr": 2.5}, {"kode": "U4", "nrr": 4.0},
                {"kode": "U5", "nrr": 3.5}, {"kode": "U6", "nrr": 2.75},
                {"kode": "U7", "nrr": 3.75}, {"kode": "U8", "nrr": 3.0},
                {"kode": "U9", "nrr": 2.25},
            ],
        }

    def test_json_rounds_nrr_half_up_to_four_places(self):
        totals = dict.fromkeys(UNSUR_CODES, 8)
        totals["U1"] = 7  # 7/3 = 2.33333... and 8/3 = 2.66666...
        data = compute_ikm(totals, 3).as_json()
        assert data["unsur"][0] == {"kode": "U1", "nrr": 2.3333}
        assert data["unsur"][1] == {"kode": "U2", "nrr": 2.6667}

    def test_ties_list_every_weakest_unsur_in_order(self):
        totals = dict.fromkeys(UNSUR_CODES, 4)
        totals.update(U8=2, U3=2)
        assert compute_ikm(totals, 1).weakest == ("U3", "U8")

    def test_rounded_value_is_classified(self):
        # 5000 responses with every NRR 3.5322: IKM × 25 = 88.305 exactly, shown as 88.31.
        # The 1–4 table would say B (3.5322 < 3.5324); the published figure says A.
        result = compute_ikm(dict.fromkeys(UNSUR_CODES, 17661), 5000)
        assert result.ikm_4 * 25 == Fraction("88.305")
        assert result.ikm == Decimal("88.31")
        assert result.mutu == "A"

    def test_just_below_a_rounding_half_stays_down(self):
        totals = dict.fromkeys(UNSUR_CODES, 17661)
        totals["U9"] = 17660  # IKM × 25 = 88.3044...
        result = compute_ikm(totals, 5000)
        assert (result.ikm, result.mutu) == (Decimal("88.30"), "B")

    def test_no_responses(self):
        with pytest.raises(NoResponses) as caught:
            compute_ikm(dict.fromkeys(UNSUR_CODES, 0), 0)
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, DomainError)
        assert caught.value.message == "Belum ada data."
        with pytest.raises(NoResponses):
            ikm_from_responses([])

    @pytest.mark.parametrize(
        "totals",
        [
            {**EXAMPLE_TOTALS, "U1": 17},  # more than 4 × 4
            {**EXAMPLE_TOTALS, "U1": 3},  # less than 4 × 1
            {k: v for k, v in EXAMPLE_TOTALS.items() if k != "U5"},
            {**EXAMPLE_TOTALS, "U1": 13.0},
        ],
    )
    def test_impossible_totals(self, totals):
        with pytest.raises(ValueError):
            compute_ikm(totals, 4)

    def test_officer_subset(self):
        result = compute_ikm_for_subset(EXAMPLE_TOTALS, 4, ("U7", "U6"))
        assert list(result.nrr) == ["U6", "U7"]
        assert result.ikm_4 == Fraction(13, 4)  # (2.75 + 3.75) / 2
        assert result.ikm == Decimal("81.25")
        assert result.mutu == "B"
        assert result.weakest == ("U6",)
        assert [u["kode"] for u in result.as_json()["unsur"]] == ["U6", "U7"]
        assert compute_ikm(EXAMPLE_TOTALS, 4, codes=("U6", "U7")) == result
        # Only the chosen unsur must be present in the totals.
        assert compute_ikm_for_subset({"U6": 11, "U7": 15}, 4, ("U6", "U7")) == result

    def test_subset_refuses_unknown_codes(self):
        with pytest.raises(ValueError):
            compute_ikm_for_subset(EXAMPLE_TOTALS, 4, ("U10",))
        with pytest.raises(ValueError):
            compute_ikm_for_subset(EXAMPLE_TOTALS, 4, ())

    @given(responses)
    def test_ikm_is_mean_of_nrr(self, answers):
        result = ikm_from_responses(answers)
        n = len(answers)
        assert result.n == n
        for code in UNSUR_CODES:
            assert result.nrr[code] == Fraction(sum(a[code] for a in answers), n)
        assert result.ikm_4 == sum(result.nrr.values()) / 9
        assert result.ikm_4 == Fraction(sum(sum(a.values()) for a in answers), 9 * n)
        assert result.ikm == round_half_up(result.ikm_4 * 25, 2)

    @given(responses)
    def test_ikm_within_scale_and_mutu_agrees_with_shown_figure(self, answers):
        result = ikm_from_responses(answers)
        assert Decimal(25) <= result.ikm <= Decimal(100)
        assert 1 <= result.ikm_4 <= 4
        band = next(b for b in MUTU_BANDS if b.mutu == result.mutu)
        assert band.lower <= result.ikm <= band.upper
        assert result.mutu_label == band.label
        assert min(result.nrr.values()) == result.nrr[result.weakest[0]]


    @given(responses)
    def test_ikm_of_the_score_total_is_compute_ikms(self, answers):
        # The monthly trend reads one score total per hour, not nine sums per day.
        total = sum(sum(a.values()) for a in answers)
        assert ikm_of_score_total(total, len(answers)) == ikm_from_responses(answers).ikm

    @pytest.mark.parametrize(("total", "n"), [(8, 1), (37, 1), (10, True), (10, -1)])
    def test_ikm_of_an_impossible_score_total_is_refused(self, total, n):
        with pytest.raises(ValueError):
            ikm_of_score_total(total, n)

    def test_ikm_of_no_responses(self):
        with pytest.raises(NoResponses):
            ikm_of_score_total(0, 0)

class TestMutu:
    @pytest.mark.parametrize(
        ("value", "mutu", "label"),
        [
            ("100.00", "A", "Sangat Baik"),
            ("88.31", "A", "Sangat Baik"),
            ("88.30", "B", "Baik"),
            ("76.61", "B", "Baik"),
            ("76.60", "C", "Kurang Baik"),
            ("76.01", "C", "Kurang Baik"),  # not B: a known implementation gets this wrong
            ("65.00", "C", "Kurang Baik"),
            ("64.99", "D", "Tidak Baik"),
            ("25.00", "D", "Tidak Baik"),
        ],
    )
    def test_band_boundaries(self, value, mutu, label):
        assert mutu_for(Decimal(value)) == (mutu, label)

    def test_unrounded_values_are_rounded_first(self):
        assert mutu_for(Decimal("88.305")) == ("A", "Sangat Baik")
        assert mutu_for(Decimal("88.3049")) == ("B", "Baik")
        assert mutu_for(Fraction(7661, 100) - Fraction(1, 1000)) == ("B", "Baik")

    @pytest.mark.parametrize("value", ["24.99", "100.01", "0", "-5"])
    def test_outside_the_scale(self, value):
        with pytest.raises(ValueError):
            mutu_for(Decimal(value))

    def test_bands_cover_the_scale_without_gaps(self):
        assert [b.mutu for b in MUTU_BANDS] == ["A", "B", "C", "D"]
        assert MUTU_BANDS[0].upper == Decimal("100.00")
        assert MUTU_BANDS[-1].lower == Decimal("25.00")
        for higher, lower in zip(MUTU_BANDS, MUTU_BANDS[1:]):
            assert lower.upper + Decimal("0.01") == higher.lower

    @given(st.integers(2500, 10000))
    def test_every_published_figure_falls_in_its_band(self, hundredths):
        value = Decimal(hundredths).scaleb(-2)
        mutu, _ = mutu_for(value)
        band = next(b for b in MUTU_BANDS if b.mutu == mutu)
        assert band.lower <= value <= band.upper


class TestSampleSize:
    @pytest.mark.parametrize(
        ("population", "required"),
        [(1, 1), (10, 10), (100, 80), (1000, 278), (1_000_000, 384), (10**12, 384)],
    )
    def test_krejcie_morgan(self, population, required):
        assert krejcie_morgan(population) == required

    def test_very_large_population_is_capped_at_the_table_value(self):
        # χ² N P(1−P) / (d²(N−1) + χ² P(1−P)) passes 384 near N = 1.47 million.
        n = 2_000_000
        s = Fraction("3.841") * n / 4 / (Fraction(1, 400) * (n - 1) + Fraction("3.841") / 4)
        assert math.ceil(s) == 385
        assert krejcie_morgan(n) == 384

    @given(st.integers(1, 10**7))
    def test_never_above_population_or_384(self, population):
        required = krejcie_morgan(population)
        assert 1 <= required <= min(population, 384)
        assert krejcie_morgan(population + 1) >= required

    @pytest.mark.parametrize("population", [0, -1, True, 10.0])
    def test_refuses_non_positive(self, population):
        with pytest.raises(ValueError):
            krejcie_morgan(population)

    def test_adequacy(self):
        assert sample_adequacy(80, 100) == skm.SampleAdequacy(required=80, n=80, adequate=True)
        assert sample_adequacy(79, 100).adequate is False
        unknown = sample_adequacy(400, None)
        assert (unknown.required, unknown.adequate) == (384, True)


class TestValidateScores:
    def test_accepts_ints_and_digit_strings(self):
        raw = {code: str(i % 4 + 1) for i, code in enumerate(UNSUR_CODES)}
        raw["U2"] = 4
        raw["U3"] = " 3 "
        raw["csrf_token"] = "ignored"
        result = validate_scores(raw)
        assert list(result) == list(UNSUR_CODES)
        assert result["U1"] == 1 and result["U2"] == 4 and result["U3"] == 3

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (None, "Pilih salah satu jawaban."),
            ("", "Pilih salah satu jawaban."),
            ("   ", "Pilih salah satu jawaban."),
            ("2.5", "Nilai harus 1 sampai 4."),
            (2.0, "Nilai harus 1 sampai 4."),
            (True, "Nilai harus 1 sampai 4."),
            (0, "Nilai harus 1 sampai 4."),
            ("5", "Nilai harus 1 sampai 4."),
            ("-1", "Nilai harus 1 sampai 4."),
            ("+3", "Nilai harus 1 sampai 4."),
            ("abc", "Nilai harus 1 sampai 4."),
            ("\u0663", "Nilai harus 1 sampai 4."),  # Arabic-Indic three
            ("3" * 5000, "Nilai harus 1 sampai 4."),
            (Decimal("3"), "Nilai harus 1 sampai 4."),
        ],
    )
    def test_refuses(self, value, message):
        raw = dict.fromkeys(UNSUR_CODES, 3)
        raw["U5"] = value
        with pytest.raises(InvalidResponse) as caught:
            validate_scores(raw)
        assert caught.value.errors == {"U5": message}

    def test_reports_every_missing_unsur(self):
        with pytest.raises(InvalidResponse) as caught:
            validate_scores({"U1": 4})
        assert set(caught.value.errors) == set(UNSUR_CODES) - {"U1"}

    @given(
        st.dictionaries(
            st.sampled_from(UNSUR_CODES),
            st.one_of(st.text("0123456789 .-+e\u0663", max_size=5), st.integers()),
        )
    )
    def test_never_accepts_anything_out_of_range(self, raw):
        try:
            result = validate_scores(raw)
        except InvalidResponse as error:
            assert error.errors and set(error.errors) <= set(UNSUR_CODES)
        else:
            assert set(result) == set(UNSUR_CODES)
            assert all(type(v) is int and 1 <= v <= 4 for v in result.values())
