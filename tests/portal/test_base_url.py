"""Links follow the served address (issue 17 §3): pages may follow the request's host when
CERMIN_BASE_URL is unset; mailed links and what is made without a request never do; sheets warn
when the address they print is a loopback address."""
import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import base_url
from portal.mail.models import OutboxMessage
from tests.conftest import confirm_post, login, post_form

ROOT = Path(__file__).resolve().parents[2]
WARNING = "hanya terbuka di komputer ini sendiri"


@pytest.fixture
def unset(app, monkeypatch):
    """CERMIN_BASE_URL not set, as in a development checkout."""
    monkeypatch.setitem(app.config, "CERMIN_BASE_URL", "")


def _hr_at(app, host: str):
    """HR's browser, every request of it sent with this Host header (a forged one, or the port served on)."""
    client = app.test_client()
    plain_open = client.open

    def open_at_host(*args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", f"http://{host}")
        return plain_open(*args, **kwargs)

    client.open = open_at_host
    assert login(client, "hr").status_code == 302
    return client


@pytest.mark.parametrize("address, loopback", [
    ("http://127.0.0.1:5000", True), ("http://127.8.9.10", True), ("http://localhost:8080", True),
    ("http://LOCALHOST.", True), ("http://[::1]:5000", True), ("https://app.localhost", True),
    ("https://survei.mataramkota.go.id", False), ("http://10.0.0.5:8080", False), ("http://[2001:db8::1]", False),
    ("http://127.0.0.1.nip.io", False), ("", False),
])
def test_loopback_addresses(address, loopback):
    assert base_url.is_loopback(address) is loopback


def test_a_page_follows_the_request_host_when_the_base_url_is_unset(app, org, unset):
    html = _hr_at(app, "127.0.0.1:8080").get("/loket/UJI01/poster").get_data(as_text=True)
    assert "127.0.0.1:8080/s/UJI01" in html and "127.0.0.1:5000" not in html
    assert WARNING in html
    html = _hr_at(app, "survei.kota.go.id").get("/loket/UJI01/poster").get_data(as_text=True)
    assert "survei.kota.go.id/s/UJI01" in html and WARNING not in html


def test_a_set_base_url_wins_over_the_host_header(app, org):
    html = _hr_at(app, "jahat.example").get("/loket/UJI01/poster").get_data(as_text=True)
    assert "https://cermin.test/s/UJI01" in html and "jahat.example" not in html and WARNING not in html


@pytest.mark.parametrize("path", ["/loket/", "/loket/UJI01/poster", "/loket/unit/DUKCAPIL/papan-nama"])
def test_sheets_warn_when_the_printed_address_is_a_loopback_address(hr_client, org, app, monkeypatch, path):
    monkeypatch.setitem(app.config, "CERMIN_BASE_URL", "http://127.0.0.1:5000")
    assert WARNING in hr_client.get(path).get_data(as_text=True)
    monkeypatch.setitem(app.config, "CERMIN_BASE_URL", "http://[::1]:8080")
    assert WARNING in hr_client.get(path).get_data(as_text=True)


def test_the_tickets_csv_never_follows_the_host_header(app, org, unset):
    from portal.localtime import today

    day = today(org.instansi.tz).isoformat()
    response = post_form(_hr_at(app, "jahat.example"), "/loket/UJI01/tiket", {"day": day, "count": "2"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2 and all(r["url"].startswith(f"{base_url.DEFAULT}/t/") for r in rows)


def test_counters_json_uses_the_configured_address(runner, org, app, monkeypatch):
    monkeypatch.setitem(app.config, "CERMIN_BASE_URL", "http://10.1.2.3:8080")
    [row] = json.loads(runner.invoke(args=["counters", "--json"]).output)
    assert row["survey_url"] == "http://10.1.2.3:8080/s/UJI01"
    monkeypatch.setitem(app.config, "CERMIN_BASE_URL", "")
    [row] = json.loads(runner.invoke(args=["counters", "--json"]).output)
    assert row["survey_url"] == f"{base_url.DEFAULT}/s/UJI01"


@pytest.mark.parametrize("configured", ["", "https://cermin.test"])
def test_a_forged_host_header_never_reaches_a_mailed_link(org, cycle, db, app, monkeypatch, configured):
    monkeypatch.setitem(app.config, "CERMIN_BASE_URL", configured)
    org.staff[0].email = "staf0@uji.go.id"
    db.session.commit()
    url = f"/360/{cycle.id}"
    hr_client = _hr_at(app, "jahat.example")
    confirm_post(hr_client, f"{url}/status/open", {}, page=url)
    post_form(hr_client, f"{url}/pengingat", {}, page=url)
    bodies = db.session.scalars(select(OutboxMessage.body)).all()
    assert len(bodies) >= 2
    expected = configured or base_url.DEFAULT
    assert all("jahat.example" not in body and f"{expected}/ulasan" in body for body in bodies)


def test_make_run_gives_the_served_address_and_starts_the_mail_worker():
    dry = subprocess.run(["make", "-n", "run", "PORT=8080", "HOST=127.0.0.1"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert 'CERMIN_BASE_URL="${CERMIN_BASE_URL-http://127.0.0.1:8080}"' in dry
    assert "mail-worker >> instance/mail-worker.log 2>&1 &" in dry and "run --host 127.0.0.1 --port 8080" in dry
    wildcard = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    assert 'CERMIN_BASE_URL="${CERMIN_BASE_URL-}"' in wildcard
