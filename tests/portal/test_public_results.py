"""Public results (/publik): only publishing units, aggregates only, small counts hidden, a small page."""
import gzip
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from portal import clock
from portal.feedback import scoring
from portal.feedback.services import Submission, record_response
from portal.insight import followup, public
from surveys import skm

STATIC = Path(__file__).resolve().parents[2] / "static"
TODAY = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # Friday 12.00 WITA, in Triwulan IV
SARAN = "Petugas bernama Bu Rina meminta uang tambahan di loket"


def scores(i: int) -> dict[str, int]:
    return {f"U{k}": 3 + (i + k) % 2 for k in range(1, 10)} | {"U8": 2 + i % 2}


@pytest.fixture
def frozen():
    with clock.frozen(TODAY):
        yield


def fill(counter, count, start, officer=None, comment=""):
    for i in range(count):
        record_response(counter, Submission(scores=scores(i), employee_id=officer.id if officer else None,
                                            comment=comment, submitted_at=start + timedelta(hours=i)))


@pytest.fixture
def published(db, org, frozen):
    """DUKCAPIL publishes: 40 responses this quarter (all naming an officer, each with a saran),
    29 in Triwulan III (too few), and a follow-up."""
    org.unit.publish_results = True
    fill(org.counter, 40, datetime(2026, 10, 5, 1, tzinfo=timezone.utc), officer=org.staff[0], comment=SARAN)
    fill(org.counter, 29, datetime(2026, 8, 3, 1, tzinfo=timezone.utc), officer=org.staff[1])
    followup.add_follow_up(org.unit, date(2026, 7, 1), date(2026, 9, 30), "U8", "Mengganti kursi ruang tunggu",
                           "berjalan", None, org.users["atasan"])
    db.session.commit()
    return org


def test_unit_page_shows_aggregates(client, db, published):
    response = client.get("/publik/DUKCAPIL")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = scoring.ikm(scoring.Scope(published.instansi.id, unit_id=published.unit.id,
                                         date_from=date(2026, 1, 1), date_to=date(2026, 11, 20)))
    assert expected.n == 69
    assert f"{expected.ikm:.2f}".replace(".", ",") in html
    assert f"Mutu {expected.mutu}" in html and expected.mutu_label in html
    assert "dari 69 responden" in html
    assert "Tahun 2026 (sampai 20 Nov 2026)" in html
    assert html.count("<svg") == 9 and '<li class="low"><span>U8 · Sarana dan Prasarana' in html
    assert "Mengganti kursi ruang tunggu" in html and "Berjalan" in html
    assert 'href="/publik"' in html
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_no_person_no_saran_no_nip_on_any_public_page(client, db, published):
    pages = [client.get(url).get_data(as_text=True) for url in ("/publik", "/publik/DUKCAPIL")]
    people = [published.head, published.supervisor, *published.staff]
    for html in pages:
        for person in people:
            assert person.name not in html
            assert person.nip not in html
            assert person.public_code not in html
        assert SARAN not in html and "Bu Rina" not in html
        assert published.users["atasan"].display_name not in html


def test_small_counts_are_hidden(client, db, published):
    html = client.get("/publik/DUKCAPIL").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(Triwulan [IV]+ 2026)(.*?)</tr>", html, re.S)
    by_quarter = {label: cells for label, cells in rows}
    assert set(by_quarter) == {"Triwulan IV 2026", "Triwulan III 2026", "Triwulan II 2026", "Triwulan I 2026"}
    assert ">40<" in by_quarter["Triwulan IV 2026"] and "berjalan" in by_quarter["Triwulan IV 2026"]
    assert "data belum cukup" in by_quarter["Triwulan III 2026"]
    assert "29" not in by_quarter["Triwulan III 2026"]
    assert "data belum cukup" in by_quarter["Triwulan I 2026"]


def test_too_few_in_total_shows_no_figure(client, db, org, frozen):
    org.unit.publish_results = True
    fill(org.counter, public.MIN_PUBLIC_N - 1, datetime(2026, 10, 5, 1, tzinfo=timezone.utc))
    db.session.commit()
    html = client.get("/publik/DUKCAPIL").get_data(as_text=True)
    assert "Data belum cukup" in html and "<svg" not in html and "dari 29 responden" not in html
    assert str(public.MIN_PUBLIC_N - 1) not in html.replace("2026", "")
    index = client.get("/publik").get_data(as_text=True)
    assert "data belum cukup" in index


def test_early_in_the_year_the_headline_is_last_year(client, db, org, monkeypatch):
    org.unit.publish_results = True
    fill(org.counter, 35, datetime(2025, 11, 3, 1, tzinfo=timezone.utc))
    db.session.commit()
    with clock.frozen(datetime(2026, 1, 10, 4, tzinfo=timezone.utc)):
        html = client.get("/publik/DUKCAPIL").get_data(as_text=True)
    assert "Tahun 2025" in html and "dari 35 responden" in html


def test_a_unit_not_publishing_is_a_friendly_404(client, db, org, frozen):
    fill(org.counter, 40, datetime(2026, 10, 5, 1, tzinfo=timezone.utc))
    db.session.commit()
    for url in ("/publik/DUKCAPIL", "/publik/TIDAKADA"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Hasil tidak tersedia" in html and 'href="/publik"' in html
        assert "Staf Uji" not in html
    assert "Dinas Kependudukan" not in client.get("/publik").get_data(as_text=True)


def test_inactive_unit_is_not_shown(client, db, published):
    published.unit.active = False
    db.session.commit()
    assert client.get("/publik/DUKCAPIL").status_code == 404


def test_index_lists_publishing_units(client, db, published):
    published.other_unit.publish_results = True
    db.session.commit()
    html = client.get("/publik").get_data(as_text=True)
    assert "Pemerintah Kota Uji · Tahun 2026" in html
    assert 'href="/publik/DUKCAPIL"' in html and 'href="/publik/DINKES"' in html
    assert html.index("Dinas Kependudukan") < html.index("data belum cukup")  # DINKES has no responses


def test_same_code_in_two_instansi(client, db, factory, published):
    other = factory.instansi(name="Pemerintah Kabupaten Lain")
    factory.unit(other, code="DUKCAPIL", name="Disdukcapil Kabupaten Lain", publish_results=True)
    db.session.commit()
    choose = client.get("/publik/DUKCAPIL").get_data(as_text=True)
    assert "Pilih instansi" in choose and "Disdukcapil Kabupaten Lain" in choose
    html = client.get(f"/publik/DUKCAPIL?instansi={published.instansi.id}").get_data(as_text=True)
    assert "Hasil Survei Kepuasan Masyarakat" in html and "Mengganti kursi ruang tunggu" in html


def test_signed_in_visitors_are_not_cached_publicly(db, published, hr_client):
    # hr_client signs in after `published` froze the clock: the session is fresh at that moment.
    response = hr_client.get("/publik/DUKCAPIL")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_thank_you_link_and_lowercase_code(client, db, published):
    assert client.get("/publik/dukcapil").status_code == 200


def test_page_is_small(client, db, published):
    html = client.get("/publik/DUKCAPIL").data
    css = (STATIC / "css" / "public.css").read_bytes() + (STATIC / "css" / "publik.css").read_bytes()
    total = len(gzip.compress(html, 9)) + len(gzip.compress(css, 9))
    assert total < 14 * 1024, total
    assert b"<script" not in html and b"style=" not in html


def test_language_switch(client, db, published):
    html = client.get("/publik/DUKCAPIL", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html and 'href="/bahasa/id?next=/publik/DUKCAPIL"' in html
    switched = client.get("/bahasa/en?next=/publik/DUKCAPIL")
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/publik/DUKCAPIL")
    assert '<html lang="en">' in client.get("/publik/DUKCAPIL").get_data(as_text=True)


def test_quarters(frozen):
    assert followup.recent_quarters(date(2026, 11, 20), 4) == [
        (date(2026, 10, 1), date(2026, 12, 31)), (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 1, 1), date(2026, 3, 31))]
    assert followup.last_full_quarter(date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert skm.UNSUR_BY_KODE["U8"].name == "Sarana dan Prasarana"
