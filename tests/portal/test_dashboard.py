"""IKM dashboards: the figures against the scoring core, local time, breakdowns, sample adequacy,
kiosk figures kept apart, late imports, and who may see what."""
from __future__ import annotations

import html
import random
import re
from datetime import date, datetime, timezone
from fractions import Fraction

import pytest

from portal.feedback import scoring
from portal.feedback.services import Submission, record_response
from portal.insight import dashboard
from portal.kiosk import services as kiosk_services
from portal.org.models import Counter, Service
from surveys import skm, stats
from surveys.stats import Moments
from tests.conftest import half_up


MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
PERIOD = dashboard.Period(date(2026, 3, 1), date(2026, 4, 30))
QUERY = "dari=2026-03-01&sampai=2026-04-30"
UNIT_URL = f"/dasbor/unit/DUKCAPIL?{QUERY}"


def _scores(rng: random.Random, weak: str = "U3") -> dict[str, int]:
    scores = {code: rng.choice((2, 3, 3, 4, 4)) for code in skm.UNSUR_CODES}
    scores[weak] = rng.choice((1, 2, 2, 3))
    return scores


def _text(response) -> str:
    """The page as text: tags dropped, entities decoded, spaces squeezed."""
    page = response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _section(response, heading_id: str) -> str:
    """The text of the <section> labelled by `heading_id`."""
    page = response.get_data(as_text=True)
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, f"no section {heading_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def _id(number) -> str:
    """A figure as the Indonesian page prints it: decimal comma, dot between thousands."""
    text = f"{number:,}" if isinstance(number, int) else str(number)
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@pytest.fixture
def lokets(factory, org, db):
    """UJI01 (KTP elektronik) and UJI02 (Kartu Keluarga), both of DUKCAPIL."""
    kk = factory.add(Service(unit_id=org.unit.id, name="Kartu Keluarga"))
    second = factory.add(Counter(unit_id=org.unit.id, service_id=kk.id, code="UJI02", name="Loket 2"))
    db.session.commit()
    return {"UJI01": org.counter, "UJI02": second}


@pytest.fixture
def answers(lokets, org, db):
    """Twenty responses by hand: two lokets, two layanan, two officers (and none), March and
    April, several hours. Returns (loket code, officer id or None, local month, scores)."""
    rng = random.Random(2026)
    officers = (org.staff[0].id, org.staff[1].id, None)
    made = []
    for i in range(20):
        code = "UJI01" if i % 3 else "UJI02"
        officer = officers[i % 3]
        month = 3 if i < 11 else 4
        moment = datetime(2026, month, 2 + i, 1 + i % 7, 15, tzinfo=timezone.utc)  # 09:15–15:15 WITA
        scores = _scores(rng)
        record_response(lokets[code], Submission(scores=scores, employee_id=officer, submitted_at=moment))
        made.append((code, officer, month, scores))
    db.session.commit()
    return made


def _scope(org, unit=None, sub_units=()):
    return dashboard.scope_for(org.instansi.id, PERIOD, unit or org.unit, list(sub_units))


# --- the figures agree with surveys.skm -------------------------------------------------------


def test_unit_ikm_nrr_and_weakest_equal_the_scoring_core(hr_client, org, answers):
    expected = skm.ikm_from_responses([scores for *_rest, scores in answers])
    assert dashboard.slices(_scope(org)).total().result == expected
    assert dashboard.headline(_scope(org)).result == expected

    page = hr_client.get(UNIT_URL)
    assert page.status_code == 200
    headline = _section(page, "headline-heading")
    assert _id(expected.ikm) in headline
    assert f"Mutu {expected.mutu} · {expected.mutu_label}" in headline
    assert "Responden (n) 20" in headline
    weakest = ", ".join(f"{c} {skm.UNSUR_BY_KODE[c].name}" for c in expected.weakest)
    assert f"Prioritas perbaikan {weakest}" in headline
    bars = _section(page, "nrr-heading")
    for code, value in expected.nrr.items():
        assert f"{code} {skm.UNSUR_BY_KODE[code].name} {_id(half_up(value, 3))}" in bars
    for code in expected.weakest:
        assert f"{_id(half_up(expected.nrr[code], 3))} (Prioritas perbaikan)" in bars


def test_breakdowns_by_loket_layanan_and_officer(hr_client, org, answers, lokets):
    cut = dashboard.slices(_scope(org))
    by_counter = {row.obj.code: row.figure.result for row in dashboard.counter_rows(cut, [org.unit.id])}
    for code in ("UJI01", "UJI02"):
        assert by_counter[code] == skm.ikm_from_responses([s for c, _o, _m, s in answers if c == code])
    by_service = {row.obj.name: row.figure.result for row in dashboard.service_rows(cut, [org.unit.id])}
    assert by_service["KTP elektronik"] == by_counter["UJI01"]
    assert by_service["Kartu Keluarga"] == by_counter["UJI02"]

    codes = ("U6", "U7")
    groups = dashboard.officer_groups(cut, org.instansi, None)
    assert [group.obj.name for group in groups] == ["Kartu Keluarga", "KTP elektronik"]
    by_officer = {row.obj.id: row for group in groups for row in group.officers}
    assert set(by_officer) == {org.staff[0].id, org.staff[1].id}
    for officer_id, row in by_officer.items():
        mine = [s for _c, o, _m, s in answers if o == officer_id]
        sums = {code: sum(s[code] for s in mine) for code in skm.UNSUR_CODES}
        assert row.figure.result == skm.compute_ikm(sums, len(mine), codes)
        # The interval from the rollups' squares equals the one from the answers themselves.
        per_response = Moments.of([Fraction(25 * (s["U6"] + s["U7"]), 2) for s in mine])
        assert row.interval == stats.mean_interval(per_response, (25, 100))
    for group in groups:
        named = [s for c, o, _m, s in answers if o is not None and lokets[c].service_id == group.obj.id]
        assert group.everyone.figure.n == len(named)

    page = hr_client.get(UNIT_URL)
    lokets_text = _section(page, "counters-heading")
    for code, result in by_counter.items():
        assert re.search(rf"{code} .*? {result.n} {re.escape(_id(result.ikm))} Mutu {result.mutu}", lokets_text)
    officers_text = _section(page, "officers-heading")
    for officer in org.staff[:2]:
        row = by_officer[officer.id]
        result, interval = row.figure.result, row.interval
        assert (f"{officer.name} {officer.jabatan} {result.n} {_id(result.ikm)} "
                f"{_id(interval.low)}–{_id(interval.high)} Mutu {result.mutu}" in officers_text)
        assert _id(half_up(result.nrr["U7"], 3)) in officers_text
    assert "Kartu Keluarga Petugas" in officers_text and "Semua petugas di layanan ini" in officers_text
    assert org.staff[2].name not in officers_text


def test_monthly_trend_per_month_and_empty_months(hr_client, org, answers):
    months = dashboard.monthly(scoring.hourly(_scope(org)), dashboard.Period(date(2026, 2, 1), date(2026, 4, 30)))
    assert [m.month for m in months] == [date(2026, 2, 1), MARCH, APRIL]
    assert months[0].n == 0 and months[0].ikm is None
    for month in months[1:]:
        expected = skm.ikm_from_responses([s for _c, _o, m, s in answers if m == month.month.month])
        assert (month.n, month.ikm) == (expected.n, expected.ikm)

    page = hr_client.get("/dasbor/unit/DUKCAPIL?dari=2026-02-01&sampai=2026-04-30")
    trend = _section(page, "trend-heading")
    assert "Feb 26 — n = 0" in trend
    assert f"Mar 26 {_id(months[1].ikm)} n = 11" in trend
    assert f"Apr 26 {_id(months[2].ikm)} n = 9" in trend


def test_a_late_night_utc_response_counts_on_the_next_local_day_and_hour(hr_client, org, db):
    # 31 March 23:30 UTC is Wednesday 1 April 07:30 in WITA (UTC+8).
    scores = dict.fromkeys(skm.UNSUR_CODES, 4)
    record_response(org.counter, Submission(scores=scores, submitted_at=datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc)))
    db.session.commit()
    grid = dashboard.hour_grid(scoring.hourly(_scope(org)))
    assert grid.total == 1
    assert grid.counts[2][7] == 1  # Rabu, 07
    assert grid.mean_score(2, 7) == 4
    months = {m.month: m.n for m in dashboard.monthly(scoring.hourly(_scope(org)), PERIOD)}
    assert months == {MARCH: 0, APRIL: 1}

    page = hr_client.get(UNIT_URL)
    heatmap = _section(page, "heatmap-heading")
    assert "(WITA)" in heatmap
    assert re.search(r"Hari / jam 07 Senin 0 Selasa 0 Rabu 1 Kamis 0", heatmap)
    assert "Rabu, 07.00–07.59 WITA: 1 respons, rata-rata skor 4,00" in page.get_data(as_text=True)


def test_late_paper_import_lands_in_its_own_month(hr_client, org, answers, db):
    before = dashboard.slices(_scope(org)).total().n
    scores = dict.fromkeys(skm.UNSUR_CODES, 1)
    # Recorded now, answered in March: the rollups take the answer's own local date.
    record_response(org.counter, Submission(scores=scores, channel="paper", import_key="kertas-1",
                                            submitted_at=datetime(2026, 3, 20, 3, 0, tzinfo=timezone.utc)))
    db.session.commit()
    months = {m.month: m.n for m in dashboard.monthly(scoring.hourly(_scope(org)), PERIOD)}
    assert months == {MARCH: 12, APRIL: 9}
    assert dashboard.slices(_scope(org)).total().n == before + 1
    assert "Mar 26" in _section(hr_client.get(UNIT_URL), "trend-heading")


# --- sample adequacy --------------------------------------------------------------------------


def test_sample_adequacy_for_a_large_population_by_default(hr_client, answers):
    text = _section(hr_client.get(UNIT_URL), "headline-heading")
    assert "sampel minimum untuk populasi besar: 384 responden" in text
    assert "Belum memadai 20 responden; kurang 364 lagi untuk sampel minimum." in text


def test_sample_adequacy_for_a_given_population(hr_client, answers):
    required = skm.krejcie_morgan(20)
    assert required == 20
    text = _section(hr_client.get(f"{UNIT_URL}&populasi=20"), "headline-heading")
    assert f"Untuk populasi 20 layanan, sampel minimum adalah {required} responden." in text
    assert "Memadai 20 responden sudah memenuhi sampel minimum." in text
    text = _section(hr_client.get(f"{UNIT_URL}&populasi=1000"), "headline-heading")
    assert "sampel minimum adalah 278 responden" in text and "kurang 258 lagi" in text


def test_a_bad_population_is_refused_and_ignored(hr_client, answers):
    page = hr_client.get(f"{UNIT_URL}&populasi=0")
    assert page.status_code == 200
    assert "Angka harus antara 1 dan 100000000." in _text(page)
    assert "populasi besar: 384 responden" in _section(page, "headline-heading")


# --- the kiosk is shown apart from the IKM ------------------------------------------------------


def test_kiosk_figures_are_shown_and_not_mixed_into_the_ikm(app, hr_client, org, answers, db):
    ikm_before = dashboard.slices(_scope(org)).total().result
    _pairing, code = kiosk_services.create_pairing(org.counter, None, app.secret_key)
    device, _token = kiosk_services.enrol_device(org.counter, code, "Tablet uji", app.secret_key)
    for i, face in enumerate((4, 4, 3, 1)):
        moment = datetime(2026, 4, 10, 2, i, tzinfo=timezone.utc)
        kiosk_services.record_vote(device, face, f"uji-{i}", 0, now=moment)
    db.session.commit()
    assert dashboard.slices(_scope(org)).total().result == ikm_before

    page = hr_client.get(UNIT_URL)
    kiosk_text = _section(page, "kiosk-heading")
    assert "tidak dihitung dalam IKM" in kiosk_text
    assert "Jumlah penilaian 4" in kiosk_text
    assert "Indeks kebahagiaan (25–100) 75,00" in kiosk_text  # (4+4+3+1)/4 × 25
    assert "Wajah negatif 25,00%" in kiosk_text
    assert _id(ikm_before.ikm) in _section(page, "headline-heading")
    assert "Responden (n) 20" in _section(page, "headline-heading")


# --- the period -----------------------------------------------------------------------------


@pytest.mark.parametrize("preset, start", [
    ("bulan", date(2026, 11, 1)), ("triwulan", date(2026, 10, 1)), ("12bulan", date(2025, 12, 1)),
    ("tahun", date(2026, 1, 1)),
])
def test_presets_end_today_in_local_dates(preset, start):
    period = dashboard.preset_period(preset, date(2026, 11, 22))
    assert (period.date_from, period.date_to, period.preset) == (start, date(2026, 11, 22), preset)


def test_twelve_months_cross_the_year_and_count_twelve_months():
    period = dashboard.preset_period("12bulan", date(2026, 1, 5))
    assert period.date_from == date(2025, 2, 1)
    assert len(period.months()) == 12


def test_default_period_is_the_last_twelve_months(hr_client, org):
    page = hr_client.get("/dasbor/unit/DUKCAPIL")
    assert page.status_code == 200
    assert 'aria-current="true">12 bulan terakhir</a>' in page.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("dari=2026-05-01&sampai=2026-04-01", "Tanggal akhir harus sama dengan atau sesudah tanggal awal."),
    ("dari=2015-01-01&sampai=2026-04-01", "Periode paling panjang 5 tahun."),
    ("dari=kemarin", "Tanggal tidak valid"),
])
def test_bad_dates_are_explained_and_the_default_period_shown(hr_client, org, query, message):
    page = hr_client.get(f"/dasbor/unit/DUKCAPIL?{query}")
    assert page.status_code == 200
    assert message in _text(page)


# --- sub-units ------------------------------------------------------------------------------


@pytest.fixture
def sub_unit(factory, org, db):
    """A UPT under DUKCAPIL with its own loket and one response."""
    upt = factory.unit(org.instansi, code="UPT-DUK", name="UPT Dukcapil Kecamatan", parent_id=org.unit.id)
    loket = factory.add(Counter(unit_id=upt.id, code="UPT01", name="Loket UPT"))
    record_response(loket, Submission(scores=dict.fromkeys(skm.UNSUR_CODES, 2),
                                      submitted_at=datetime(2026, 4, 2, 2, tzinfo=timezone.utc)))
    db.session.commit()
    return upt


def test_a_unit_counts_its_own_lokets_unless_sub_units_are_included(hr_client, org, answers, sub_unit):
    own = _section(hr_client.get(UNIT_URL), "headline-heading")
    assert "Responden (n) 20" in own
    page = hr_client.get(f"{UNIT_URL}&subunit=y")
    assert "Responden (n) 21" in _section(page, "headline-heading")
    assert "UPT01" in _section(page, "counters-heading")
    assert "mencakup respons di loket unit ini dan sub-unitnya: UPT Dukcapil Kecamatan" in _text(page)
    assert "sub-unit (UPT Dukcapil Kecamatan) tidak termasuk" in _text(hr_client.get(UNIT_URL))


def test_unit_head_sees_the_sub_units_and_chooses_among_them(head_client, org, sub_unit):
    index = head_client.get("/dasbor/")
    assert index.status_code == 200
    assert "UPT Dukcapil Kecamatan" in _text(index)
    assert head_client.get("/dasbor/unit/UPT-DUK").status_code == 200


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dasbor/", UNIT_URL, "/dasbor/petugas"])
def test_anonymous_is_sent_to_log_in(client, org, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/dasbor/", UNIT_URL, "/dasbor/petugas"])
def test_an_employee_is_refused(employee_client, path):
    assert employee_client.get(path).status_code == 403


def test_nav_entry_for_hr_and_supervisors_only(hr_client, supervisor_client, employee_client):
    assert ">Dasbor IKM</a>" in hr_client.get("/").get_data(as_text=True)
    assert ">Dasbor IKM</a>" in supervisor_client.get("/").get_data(as_text=True)
    assert ">Dasbor IKM</a>" not in employee_client.get("/").get_data(as_text=True)


def test_a_supervisor_who_heads_no_unit_sees_only_their_reports(supervisor_client, org, answers):
    assert supervisor_client.get(UNIT_URL).status_code == 403
    assert supervisor_client.get("/dasbor/unit/DINKES").status_code == 403
    index = supervisor_client.get("/dasbor/")
    assert index.status_code == 302 and index.headers["Location"].startswith("/dasbor/petugas")

    page = supervisor_client.get(f"/dasbor/petugas?{QUERY}")
    assert page.status_code == 200
    team = _section(page, "team-heading")
    for officer in org.staff:
        assert officer.name in team
    assert org.head.name not in team and org.supervisor.name not in team
    mine = [s for _c, o, _m, s in answers if o == org.staff[0].id]
    sums = {code: sum(s[code] for s in mine) for code in skm.UNSUR_CODES}
    result = skm.compute_ikm(sums, len(mine), ("U6", "U7"))
    assert f"{org.staff[0].name} {org.staff[0].jabatan} {len(mine)} {_id(result.ikm)}" in team
    assert f"{org.staff[3].name} {org.staff[3].jabatan} 0 — —" in team


def test_unit_head_is_taken_to_their_unit(head_client, org):
    response = head_client.get(f"/dasbor/?{QUERY}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/dasbor/unit/DUKCAPIL?{QUERY}"


def test_unit_head_sees_their_unit_and_no_other(head_client, org, answers):
    assert head_client.get(UNIT_URL).status_code == 200
    assert head_client.get("/dasbor/unit/DINKES").status_code == 403
    assert head_client.get("/dasbor/unit/TIDAKADA").status_code == 404


def test_officer_section_hidden_from_a_head_whose_reports_served_no_one(head_client, org, answers):
    # The head's only direct report is org.supervisor; the officers named report to the supervisor.
    page = head_client.get(UNIT_URL)
    assert page.status_code == 200
    assert 'id="officers-heading"' not in page.get_data(as_text=True)
    for officer in org.staff:
        assert officer.name not in _text(page)


def test_officer_section_shows_a_head_only_their_own_reports(head_client, org, answers, db):
    scores = dict.fromkeys(skm.UNSUR_CODES, 3)
    record_response(org.counter, Submission(scores=scores, employee_id=org.supervisor.id,
                                            submitted_at=datetime(2026, 4, 20, 2, tzinfo=timezone.utc)))
    db.session.commit()
    officers = _section(head_client.get(UNIT_URL), "officers-heading")
    assert org.supervisor.name in officers
    assert org.staff[0].name not in officers and org.staff[1].name not in officers


def test_hr_and_admin_see_the_overview_every_unit_and_every_officer(hr_client, admin_client, org, answers):
    expected = skm.ikm_from_responses([scores for *_rest, scores in answers])
    for client in (hr_client, admin_client):
        overview = client.get(f"/dasbor/?{QUERY}")
        assert overview.status_code == 200
        assert _id(expected.ikm) in _section(overview, "headline-heading")
        units = _section(overview, "units-heading")
        assert re.search(rf"Dinas Kependudukan dan Pencatatan Sipil DUKCAPIL 20 {re.escape(_id(expected.ikm))} "
                         rf"Mutu {expected.mutu}", units)
        assert "Dinas Kesehatan DINKES 0 — —" in units
        assert 'href="/dasbor/unit/DUKCAPIL?dari=2026-03-01&amp;sampai=2026-04-30"' in overview.get_data(as_text=True)
        assert client.get("/dasbor/unit/DINKES").status_code == 200
        assert org.staff[0].name in _section(client.get(UNIT_URL), "officers-heading")


def test_another_instansi_is_not_found(hr_client, factory, org, db):
    other = factory.instansi(name="Pemerintah Kabupaten Lain", tz="Asia/Jakarta")
    factory.unit(other, code="LAIN", name="Dinas Lain")
    db.session.commit()
    assert hr_client.get("/dasbor/unit/LAIN").status_code == 404


def test_pages_render_without_responses(hr_client, head_client, supervisor_client, org):
    for client, path in ((hr_client, "/dasbor/"), (hr_client, "/dasbor/unit/DUKCAPIL"),
                         (head_client, "/dasbor/unit/DUKCAPIL"), (supervisor_client, "/dasbor/petugas")):
        page = client.get(path)
        assert page.status_code == 200, path
    assert "Belum ada respons survei dalam periode ini." in _text(hr_client.get("/dasbor/unit/DUKCAPIL"))


def test_pages_load_nothing_from_other_hosts_and_use_no_inline_styles(hr_client, answers):
    for path in (UNIT_URL, f"/dasbor/?{QUERY}"):
        page = hr_client.get(path).get_data(as_text=True)
        # Scripts only from the portal's own static files (tables.js), never inline.
        assert "style=" not in page and not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


def test_pages_render_in_english(hr_client, supervisor_client, answers):
    for client, path in ((hr_client, f"/dasbor/?{QUERY}"), (hr_client, UNIT_URL),
                         (supervisor_client, f"/dasbor/petugas?{QUERY}")):
        page = client.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 200, path
        assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Mar 26" in _section(hr_client.get(UNIT_URL, headers={"Accept-Language": "en"}), "trend-heading")
