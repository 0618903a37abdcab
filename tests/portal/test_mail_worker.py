"""The mail worker (`mail-worker`) against a real SMTP server on loopback (aiosmtpd), its back-off
on the portal's clock, its clean stop, and HR's page of each message's status."""
import os
import re
import signal
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import clock
from portal.mail import services, worker
from portal.mail.models import OutboxMessage
from tests.conftest import confirm_post, client_for, post_form
from tests.portal.smtp import smtp  # noqa: F401 - the fixture is used by name

AT = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def _queue(org, recipient="kepala@kota.go.id", **kw):
    return services.queue(instansi_id=org.instansi.id, recipient=recipient,
                          subject=kw.pop("subject", "Peringatan loket UJI01"), body=kw.pop("body", "Isi."), **kw)


def _outbox(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_one_pass_of_the_worker_delivers_and_keeps_a_refused_message_failed(runner, db, org, smtp):
    _queue(org, recipient="tidak.ada@kota.go.id")
    _queue(org, recipient="kepala@kota.go.id", body="Ada 10 jawaban negatif.")
    db.session.commit()
    smtp.refuse("tidak.ada@kota.go.id")
    with clock.frozen(AT):
        result = runner.invoke(args=["mail-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Terkirim: 1, gagal: 1." in result.output
    assert [m["To"] for m in smtp.messages] == ["kepala@kota.go.id"]
    assert smtp.messages[0].get_content().strip() == "Ada 10 jawaban negatif."
    refused, delivered = _outbox(db)
    assert refused.failed_at == AT and "550" in refused.last_error and refused.next_attempt_at is None
    assert delivered.sent_at == AT


def test_a_temporary_failure_waits_a_back_off_that_doubles_and_is_capped(db, org, smtp):
    assert [services.retry_delay(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30)]
    _queue(org)
    db.session.commit()
    smtp.busy = 2
    stop = worker.threading.Event()
    with clock.frozen(AT) as advance:
        assert worker.run(stop, interval=1, limit=10, once=True).failed == 1
        [message] = _outbox(db)
        assert message.attempts == 1 and message.next_attempt_at == AT + timedelta(minutes=1)
        advance(timedelta(seconds=59))
        assert worker.run(stop, interval=1, limit=10, once=True).failed == 0  # not due yet: not tried
        advance(timedelta(seconds=1))
        worker.run(stop, interval=1, limit=10, once=True)
        [message] = _outbox(db)
        assert message.attempts == 2 and message.next_attempt_at == AT + timedelta(minutes=1 + 2)
        advance(timedelta(minutes=2))
        assert worker.run(stop, interval=1, limit=10, once=True).sent == 1
    [message] = _outbox(db)
    assert (message.attempts, message.sent_at, message.next_attempt_at, message.last_error) == (
        3, AT + timedelta(minutes=3), None, None)
    assert len(smtp.messages) == 1


def test_the_worker_stops_cleanly_on_sigterm(runner, db, org, smtp, monkeypatch):
    """SIGTERM during a pass: the pass ends, the worker does not wait its interval and says so."""
    _queue(org)
    db.session.commit()
    real_pass = worker.one_pass

    def pass_then_terminate(limit):
        os.kill(os.getpid(), signal.SIGTERM)
        return real_pass(limit)

    monkeypatch.setattr(worker, "one_pass", pass_then_terminate)
    previous = signal.getsignal(signal.SIGTERM)
    result = runner.invoke(args=["mail-worker", "--interval", "3600"])
    assert result.exit_code == 0, result.output
    assert "Pengirim email berhenti. Terkirim: 1, gagal: 0." in result.output
    assert len(smtp.messages) == 1 and signal.getsignal(signal.SIGTERM) is previous


def test_hr_reads_each_message_status_with_the_reason(app, db, org, hr_client, factory):
    with clock.frozen(AT):
        sent = _queue(org, recipient="terkirim@kota.go.id", subject="Undangan ulasan 360")
        sent.sent_at, sent.attempts = AT, 1
        _queue(org, recipient="menunggu@kota.go.id", subject="Catatan penilaian")
        failed = _queue(org, recipient="salah@kota.go.id", subject="Peringatan loket")
        failed.failed_at, failed.attempts, failed.last_error = AT, 1, "(550, b'5.1.1 No such mailbox')"
        retry = _queue(org, recipient="sibuk@kota.go.id", subject="Tautan ulasan")
        retry.attempts, retry.last_error, retry.next_attempt_at = 1, "(451, b'Try again later')", AT + timedelta(minutes=1)
        reminder = _queue(org, recipient="belum.menjawab@kota.go.id", subject="Pengingat: ulasan 360", private=True)
        reminder.failed_at, reminder.last_error = AT, "(550, b'belum.menjawab@kota.go.id unknown')"
    elsewhere = factory.instansi(name="Kabupaten Lain")
    services.queue(instansi_id=elsewhere.id, recipient="rahasia@lain.go.id", subject="Instansi lain", body="x")
    db.session.commit()
    page = _text(hr_client.get("/organisasi/email/"))
    assert "terkirim@kota.go.id" in page and "Terkirim" in page
    assert "menunggu@kota.go.id" in page and "Dalam antrean" in page
    assert "salah@kota.go.id" in page and "5.1.1 No such mailbox" in page and "Gagal" in page
    assert "Gagal sementara: (451, b'Try again later'). Dicoba lagi sesudah 18 Nov 2026, 11.01 WITA." in page
    # A reminder tells who still owes a review: neither its recipient nor its reason is shown.
    assert "belum.menjawab" not in page and "disembunyikan (pengingat)" in page
    assert "rahasia@lain.go.id" not in page and "Instansi lain" not in page
    failed_only = _text(hr_client.get("/organisasi/email/?status=failed"))
    assert "salah@kota.go.id" in failed_only and "terkirim@kota.go.id" not in failed_only
    assert "Gagal (2)" in failed_only and "Terkirim (1)" in failed_only and "Dalam antrean (2)" in failed_only
    assert client_for(app, "auditor").get("/organisasi/email/").status_code == 200
    assert client_for(app, "pegawai").get("/organisasi/email/").status_code == 403


def test_hr_is_told_the_worker_sends_the_mail_with_a_link_to_its_status(hr_client, org, cycle, db):
    org.staff[0].email = "staf0@uji.go.id"
    db.session.commit()
    url = f"/360/{cycle.id}"
    for action in ("status/open", "pengingat"):
        send = confirm_post if action.startswith("status/") else post_form
        html = send(hr_client, f"{url}/{action}", {}, page=url, follow_redirects=True).get_data(as_text=True)
        assert "pengirim email portal" in html and 'href="/organisasi/email/"' in html, action
        assert "flask --app" not in html and "send-mail" not in html


def test_no_template_names_a_shell_command():
    found = [str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.html")
             if re.search(r"flask --app|send-mail|\bmake \w", path.read_text())]
    assert found == []
