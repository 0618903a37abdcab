import pytest

from surveys import berakhlak
from surveys.errors import InvalidResponse, InvalidValue


def test_seven_values_in_order():
    assert berakhlak.VALUE_CODES == (
        "BERORIENTASI_PELAYANAN", "AKUNTABEL", "KOMPETEN", "HARMONIS",
        "LOYAL", "ADAPTIF", "KOLABORATIF",
    )
    assert [v.name for v in berakhlak.VALUES] == [
        "Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis",
        "Loyal", "Adaptif", "Kolaboratif",
    ]


def test_guides_are_the_regulation_texts():
    by_code = berakhlak.VALUE_BY_CODE
    assert by_code["BERORIENTASI_PELAYANAN"].guides == (
        "Memahami dan memenuhi kebutuhan masyarakat",
        "Ramah, cekatan, solutif, dan dapat diandalkan",
        "Melakukan perbaikan tiada henti",
    )
    assert by_code["AKUNTABEL"].guides[0] == (
        "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin dan "
        "berintegritas tinggi"
    )
    assert by_code["LOYAL"].guides[0] == (
        "Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta "
        "pemerintahan yang sah"
    )
    assert by_code["KOLABORATIF"].guides[2] == (
        "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama"
    )
    assert all(len(v.guides) == 3 and len(set(v.guides)) == 3 for v in berakhlak.VALUES)


def test_item_codes():
    assert len(berakhlak.ITEM_CODES) == 21
    assert berakhlak.ITEM_CODES[:3] == (
        "BERORIENTASI_PELAYANAN.1", "BERORIENTASI_PELAYANAN.2", "BERORIENTASI_PELAYANAN.3",
    )
    assert berakhlak.VALUE_BY_CODE["LOYAL"].items[1] == (
        "LOYAL.2", "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara",
    )
    assert berakhlak.parse_item_code("ADAPTIF.3") == ("ADAPTIF", 3)
    for bad in ("ADAPTIF.4", "ADAPTIF", "SOPAN.1", "ADAPTIF.01"):
        with pytest.raises(ValueError):
            berakhlak.parse_item_code(bad)


def test_scale_and_anchors():
    assert (berakhlak.SCALE_MIN, berakhlak.SCALE_MAX) == (1, 5)
    assert [score for score, _ in berakhlak.ANCHORS] == [1, 2, 3, 4, 5]
    assert berakhlak.ANCHORS[0][1] == "Sangat jarang menunjukkan"
    assert berakhlak.ANCHORS[-1][1] == "Selalu menunjukkan"
    assert berakhlak.CANNOT_RATE == "Tidak dapat menilai"


def test_validate_answers():
    answers = dict.fromkeys(berakhlak.ITEM_CODES, "4")
    answers["LOYAL.3"] = "na"
    answers["ADAPTIF.1"] = 5
    result = berakhlak.validate_answers(answers)
    assert result["LOYAL.3"] is None and result["ADAPTIF.1"] == 5 and result["HARMONIS.2"] == 4


def test_validate_answers_reports_each_item():
    answers = dict.fromkeys(berakhlak.ITEM_CODES, 3)
    answers["KOMPETEN.2"] = "6"
    del answers["HARMONIS.1"]
    with pytest.raises(InvalidResponse) as caught:
        berakhlak.validate_answers(answers)
    assert caught.value.errors == {
        "KOMPETEN.2": "Nilai harus 1 sampai 5, atau pilih Tidak dapat menilai.",
        "HARMONIS.1": "Pilih salah satu jawaban.",
    }


@pytest.mark.parametrize("value", [0, 6, "4.5", True, "n/a"])
def test_item_score_refuses(value):
    with pytest.raises(InvalidValue):
        berakhlak.validate_item_score(value)
