"""Mail delivery through a real SMTP server on loopback (aiosmtpd): the outbox, the message as it
arrives, failures kept for a retry, and the attempt limit. Recipients are in .go.id: the portal
refuses special-use domains such as .test, where no mail is ever delivered (portal/mail/addresses.py)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from portal import clock
from portal.mail import services
from portal.mail.models import OutboxMessage
from tests.portal.smtp import free_port, smtp  # noqa: F401 - the fixture is used by name

SENT_AT = datetime(2026, 11, 18, 3, 15, tzinfo=timezone.utc)


def _queue(org, recipient="kepala@kota.go.id", subject="Peringatan loket UJI01", body="Ada 10 jawaban negatif."):
    return services.queue(instansi_id=org.instansi.id, recipient=recipient, subject=subject, body=body)


def _outbox(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_the_outbox_arrives_at_the_smtp_server_as_written(runner, db, org, smtp):
    _queue(org)
    _queue(org, recipient="hr@kota.go.id", subject="Undangan ulasan 360 · Siklus Tahunan",
           body="Yth. Bapak/Ibu,\nsilakan isi ulasan untuk rekan Anda: https://cermin.test/ulasan/abc")
    db.session.commit()
    with clock.frozen(SENT_AT):
        result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "Terkirim: 2, gagal: 0." in result.output
    assert smtp.envelopes == [("cermin@kota.go.id", ["kepala@kota.go.id"]), ("cermin@kota.go.id", ["hr@kota.go.id"])]
    first, second = smtp.messages
    assert (first["From"], first["To"], first["Subject"]) == ("Cermin <cermin@kota.go.id>", "kepala@kota.go.id",
                                                              "Peringatan loket UJI01")
    assert first.get_content().strip() == "Ada 10 jawaban negatif."
    assert second["Subject"] == "Undangan ulasan 360 · Siklus Tahunan"
    assert "https://cermin.test/ulasan/abc" in second.get_content()
    assert [(m.sent_at, m.attempts, m.last_error) for m in _outbox(db)] == [(SENT_AT, 1, None)] * 2
    again = runner.invoke(args=["send-mail"])
    assert "Terkirim: 0, gagal: 0." in again.output and len(smtp.messages) == 2


def test_a_temporary_failure_is_kept_and_sent_on_the_next_run(db, org, smtp):
    _queue(org)
    db.session.commit()
    smtp.busy = 1
    assert services.send_pending() == (0, 1)
    [message] = _outbox(db)
    assert message.sent_at is None and message.attempts == 1 and "451" in message.last_error
    with clock.frozen(SENT_AT):
        assert services.send_pending() == (1, 0)
    assert (message.sent_at, message.attempts, message.last_error) == (SENT_AT, 2, None)
    assert len(smtp.messages) == 1


def test_one_refused_recipient_does_not_hold_up_the_others(db, org, smtp):
    _queue(org, recipient="tidak.ada@kota.go.id")
    _queue(org, recipient="kepala@kota.go.id")
    db.session.commit()
    smtp.refuse("tidak.ada@kota.go.id")
    assert services.send_pending() == (1, 1)
    refused, delivered = _outbox(db)
    assert refused.sent_at is None and "tidak.ada@kota.go.id" in refused.last_error
    assert delivered.sent_at is not None
    assert [m["To"] for m in smtp.messages] == ["kepala@kota.go.id"]


def test_a_message_is_tried_at_most_five_times(db, org, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens: the connection is refused
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    _queue(org)
    db.session.commit()
    with clock.frozen(SENT_AT) as advance:
        for attempt in range(1, services.MAX_ATTEMPTS + 1):
            assert services.send_pending() == (0, 1)
            [message] = _outbox(db)
            assert message.attempts == attempt and message.last_error
            advance(services.retry_delay(attempt))
        assert services.send_pending() == (0, 0)
    assert message.attempts == services.MAX_ATTEMPTS and message.sent_at is None


def test_without_a_server_mail_is_printed(runner, db, org, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    _queue(org, body="Isi pesan untuk pengembangan.")
    db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert "Isi pesan untuk pengembangan." in result.output and "Terkirim: 1, gagal: 0." in result.output
