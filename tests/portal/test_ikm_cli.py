"""`flask ikm`: the IKM of a unit, loket or officer over instansi-local dates."""
import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from portal.feedback.imports import import_responses
from portal.org.models import Counter
from portal.tabular import Table
from surveys import skm
from tests.conftest import examples

HEADER = ["counter", "submitted_at", *[f"u{i}" for i in range(1, 10)], "employee_nip"]
KEYS = {"n", "ikm", "ikm_4", "mutu", "mutu_label", "unsur"}
EMPTY = {"n": 0, "ikm": None, "ikm_4": None, "mutu": None, "mutu_label": None, "unsur": []}
#: Three paper forms at loket UJI01 (instansi in WITA, UTC+8).
FORMS = [
    # at (local unless an offset is given),  U1..U9,               served by staff[0]?
    ("2026-03-01 23:30", (4, 4, 4, 4, 4, 4, 4, 4, 4), True),    # local 1 March
    ("2026-03-02T00:30:00+08:00", (3, 3, 3, 3, 3, 3, 3, 3, 3), False),  # local 2 March
    ("2026-03-02T16:30:00Z", (4, 3, 2, 1, 4, 3, 2, 1, 4), True),  # local 3 March, 00:30
]


def put(db, org, forms, counter_code="UJI01"):
    """Import forms (at, scores, served by staff[0]) through the paper importer."""
    rows = []
    for number, (at, scores, served) in enumerate(forms, start=2):
        cells = {"counter": counter_code, "submitted_at": at, **{f"u{i}": str(s) for i, s in enumerate(scores, 1)},
                 "employee_nip": org.staff[0].nip if served else ""}
        rows.append((number, cells))
    import_responses(org.instansi, Table(header=HEADER, rows=rows))
    db.session.commit()


def ikm_json(runner, *args):
    result = runner.invoke(args=["ikm", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def forms(db, org):
    put(db, org, FORMS)


def test_json_has_exactly_the_published_figures(runner, forms):
    # Sums per unsur: U1 4+3+4=11, U2 10, U3 9, U4 8, U5 11, U6 10, U7 9, U8 8, U9 11 (total 87).
    # NRR = sum / 3; IKM 1–4 = 87 / 27 = 3.2222…; IKM = 87 / 27 × 25 = 80.555… → 80.56, mutu B (76.61–88.30).
    result = ikm_json(runner, "--unit", "DUKCAPIL")
    assert set(result) == KEYS
    assert result == {
        "n": 3, "ikm": 80.56, "ikm_4": 3.2222, "mutu": "B", "mutu_label": "Baik",
        "unsur": [{"kode": "U1", "nrr": 3.6667}, {"kode": "U2", "nrr": 3.3333}, {"kode": "U3", "nrr": 3.0},
                  {"kode": "U4", "nrr": 2.6667}, {"kode": "U5", "nrr": 3.6667}, {"kode": "U6", "nrr": 3.3333},
                  {"kode": "U7", "nrr": 3.0}, {"kode": "U8", "nrr": 2.6667}, {"kode": "U9", "nrr": 3.6667}],
    }


def test_readable_summary_in_indonesian(runner, forms):
    result = runner.invoke(args=["ikm", "--unit", "dukcapil"])
    assert result.exit_code == 0, result.output
    for expected in ("IKM DUKCAPIL · Dinas Kependudukan dan Pencatatan Sipil", "Periode: semua tanggal",
                     "Responden: 3", "IKM: 80,56 (skala 1–4: 3,2222), mutu B (Baik)", "U1  3,6667  Persyaratan",
                     "Unsur terlemah: U4 Biaya/Tarif, U8 Sarana dan Prasarana (NRR 2,6667)"):
        assert expected in result.output


@pytest.mark.parametrize(("first", "last", "n", "ikm"), [
    ("2026-03-02", "2026-03-02", 1, 75.0),   # only the form of 2 March local time: all 3s
    (None, "2026-03-01", 1, 100.0),          # 23:30 WITA on 1 March (15:30 UTC) stays on 1 March
    ("2026-03-03", None, 1, 66.67),          # 16:30 UTC on 2 March is 00:30 WITA on 3 March: 24 / 9 × 25
    ("2026-03-01", "2026-03-03", 3, 80.56),  # both ends included
    ("2026-03-04", "2026-03-31", 0, None),
])
def test_dates_are_local_and_inclusive(runner, forms, first, last, n, ikm):
    args = ["--unit", "DUKCAPIL"] + (["--from", first] if first else []) + (["--to", last] if last else [])
    result = ikm_json(runner, *args)
    assert (result["n"], result["ikm"]) == (n, ikm)


def test_one_loket(runner, db, org, forms, factory):
    factory.add(Counter(unit_id=org.unit.id, code="UJI02", name="Loket 2"))
    db.session.commit()
    put(db, org, [("2026-03-05 10:00", (2,) * 9, False)], counter_code="UJI02")
    assert ikm_json(runner, "--unit", "DUKCAPIL")["n"] == 4
    assert ikm_json(runner, "--unit", "DUKCAPIL", "--counter", "UJI01")["ikm"] == 80.56
    only = ikm_json(runner, "--unit", "DUKCAPIL", "--counter", "uji02")
    assert (only["n"], only["ikm"], only["mutu"], only["mutu_label"]) == (1, 50.0, "D", "Tidak Baik")


def test_officer_score_uses_the_officer_unsur_only(runner, org, forms):
    # staff[0] served the first and third form: U6 (4 + 3) / 2 = 3.5, U7 (4 + 2) / 2 = 3.0;
    # IKM 1–4 = 3.25, × 25 = 81.25, mutu B.
    result = ikm_json(runner, "--unit", "DUKCAPIL", "--employee", org.staff[0].nip)
    assert result == {"n": 2, "ikm": 81.25, "ikm_4": 3.25, "mutu": "B", "mutu_label": "Baik",
                      "unsur": [{"kode": "U6", "nrr": 3.5}, {"kode": "U7", "nrr": 3.0}]}
    summary = runner.invoke(args=["ikm", "--unit", "DUKCAPIL", "--employee", org.staff[0].nip])
    assert f"Petugas: Staf Uji 1 (NIP {org.staff[0].nip}), hanya unsur petugas" in summary.output
    assert "Unsur terlemah: U7 Perilaku Pelaksana (sopan dan ramah) (NRR 3,0000)" in summary.output


def test_officer_unsur_follow_the_instansi_setting(runner, db, org, forms):
    org.instansi.officer_unsur = "U3,U6,U7"
    db.session.commit()
    result = ikm_json(runner, "--unit", "DUKCAPIL", "--employee", org.staff[0].nip)
    # U3 (4 + 2) / 2 = 3.0; with U6 3.5 and U7 3.0 the mean is 9.5 / 3 = 3.1667 → 79.17.
    assert [u["kode"] for u in result["unsur"]] == ["U3", "U6", "U7"]
    assert (result["ikm_4"], result["ikm"]) == (3.1667, 79.17)


def test_no_data(runner, org):
    assert ikm_json(runner, "--unit", "DINKES") == EMPTY
    result = runner.invoke(args=["ikm", "--unit", "DINKES"])
    assert result.exit_code == 1
    assert "Belum ada data." in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--unit", "TIDAKADA"], "Unit kerja \"TIDAKADA\" tidak dikenal."),
    (["--unit", "DUKCAPIL", "--counter", "NOPE"], "Loket \"NOPE\" tidak dikenal."),
    (["--unit", "DINKES", "--counter", "UJI01"], "Loket UJI01 bukan loket unit DINKES."),
    (["--unit", "DUKCAPIL", "--employee", "199001012015031001"],
     "Pegawai dengan NIP 199001012015031001 tidak terdaftar di instansi ini."),
    (["--unit", "DUKCAPIL", "--from", "2026-13-01"], "Tanggal --from \"2026-13-01\" tidak valid; gunakan TTTT-BB-HH."),
    (["--unit", "DUKCAPIL", "--to", "01/03/2026"], "Tanggal --to \"01/03/2026\" tidak valid; gunakan TTTT-BB-HH."),
    (["--unit", "DUKCAPIL", "--from", "2026-03-05", "--to", "2026-03-01"],
     "Tanggal --from harus sebelum atau sama dengan --to."),
])
def test_errors(runner, org, args, message):
    for extra in ([], ["--json"]):
        result = runner.invoke(args=["ikm", *args, *extra])
        assert result.exit_code == 1
        assert message in result.output


def test_help(runner):
    result = runner.invoke(args=["ikm", "--help"])
    assert result.exit_code == 0
    for option in ("--unit", "--counter", "--employee", "--from", "--to", "--json", "--instansi", '"ikm": null'):
        assert option in result.output


# --- property: the command agrees with the domain core ----------------------------------------

FIRST_DAY = date(2026, 3, 2)
scores = st.tuples(*[st.integers(1, 4)] * 9)
forms_strategy = st.lists(st.tuples(st.integers(0, 3), st.integers(7, 23), scores), min_size=0, max_size=8)


@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forms=forms_strategy, window=st.tuples(st.integers(0, 3), st.integers(0, 3)))
def test_json_equals_the_domain_oracle(runner, db, org, forms, window):
    first, last = sorted(FIRST_DAY + timedelta(days=d) for d in window)
    savepoint = db.session.begin_nested()
    try:
        rows = []
        for number, (day, hour, answer) in enumerate(forms, start=2):
            cells = {"counter": "UJI01", "submitted_at": f"{FIRST_DAY + timedelta(days=day)} {hour:02d}:10",
                     **{f"u{i}": str(s) for i, s in enumerate(answer, 1)}}
            rows.append((number, cells))
        import_responses(org.instansi, Table(header=HEADER, rows=rows))
        result = ikm_json(runner, "--unit", "DUKCAPIL", "--from", first.isoformat(), "--to", last.isoformat())
        chosen = [dict(zip(skm.UNSUR_CODES, answer)) for day, _hour, answer in forms
                  if first <= FIRST_DAY + timedelta(days=day) <= last]
        assert result == (skm.ikm_from_responses(chosen).as_json() if chosen else EMPTY)
    finally:
        savepoint.rollback()
