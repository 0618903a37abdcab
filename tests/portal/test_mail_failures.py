"""One message that cannot be sent never stops the queue: it is marked failed with its reason, and
every later message goes out (a real SMTP server on loopback, aiosmtpd)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from portal import clock
from portal.mail import services
from portal.mail.models import OutboxMessage
from tests.portal.smtp import free_port, smtp  # noqa: F401 - the fixture is used by name

AT = datetime(2026, 11, 18, 3, 15, tzinfo=timezone.utc)


def _raw_message(db, org, recipient, subject="Undangan ulasan 360"):
    """A message as an older version stored it, unchecked (the import once let a line break in)."""
    db.session.execute(insert(OutboxMessage).values(
        instansi_id=org.instansi.id, recipient=recipient, subject=subject, body="Isi.", created_at=AT, attempts=0))
    db.session.commit()


def _outbox(db):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_header_breaking_address_fails_and_the_queue_goes_on(runner, db, org, smtp):
    """The bug: one stored recipient with a CR/LF made send-mail raise ValueError and stop."""
    _raw_message(db, org, "satu@uji.go.id")
    _raw_message(db, org, "jahat@uji.go.id\r\nBcc: semua@luar.go.id")
    _raw_message(db, org, "dua@uji.go.id")
    with clock.frozen(AT):
        result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Terkirim: 2, gagal: 1." in result.output
    assert [m["To"] for m in smtp.messages] == ["satu@uji.go.id", "dua@uji.go.id"]
    first, bad, last = _outbox(db)
    assert (bad.sent_at, bad.failed_at, bad.attempts) == (None, AT, 1)
    assert "invalid recipient" in bad.last_error and "baris baru" in bad.last_error
    assert first.sent_at == last.sent_at == AT and first.failed_at is None
    again = runner.invoke(args=["send-mail"])
    assert "Terkirim: 0, gagal: 0." in again.output and _outbox(db)[1].attempts == 1


def test_a_recipient_refused_for_good_fails_at_once_and_a_busy_one_waits(db, org, smtp):
    _raw_message(db, org, "tidak.ada@uji.go.id")
    _raw_message(db, org, "penuh@uji.go.id")
    _raw_message(db, org, "ada@uji.go.id")
    smtp.refused = {"tidak.ada@uji.go.id": "550 5.1.1 No such mailbox", "penuh@uji.go.id": "450 4.2.2 Mailbox full"}
    with clock.frozen(AT):
        assert services.send_pending() == (1, 2)
    refused, busy, delivered = _outbox(db)
    assert refused.failed_at == AT and "550" in refused.last_error
    assert busy.failed_at is None and "450" in busy.last_error
    assert delivered.sent_at == AT
    del smtp.refused["penuh@uji.go.id"]
    with clock.frozen(AT + timedelta(minutes=5)):
        assert services.send_pending() == (1, 0)
    assert [m.attempts for m in _outbox(db)] == [1, 2, 1]
    assert [m["To"] for m in smtp.messages] == ["ada@uji.go.id", "penuh@uji.go.id"]


def test_content_refused_for_good_fails_at_once(db, org, smtp):
    _raw_message(db, org, "ada@uji.go.id")
    smtp.refuse_data = "554 5.6.0 Message rejected"
    with clock.frozen(AT):
        assert services.send_pending() == (0, 1)
    [message] = _outbox(db)
    assert message.failed_at == AT and "554" in message.last_error


def test_the_last_of_the_attempts_marks_the_message_failed(db, org, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    _raw_message(db, org, "ada@uji.go.id")
    moment = AT
    with clock.frozen(AT) as advance:
        for attempt in range(1, services.MAX_ATTEMPTS + 1):
            assert services.send_pending() == (0, 1)
            [message] = _outbox(db)
            assert message.attempts == attempt and message.last_error
            assert message.failed_at == (moment if attempt == services.MAX_ATTEMPTS else None)
            advance(services.retry_delay(attempt))  # the back-off passes
            moment += services.retry_delay(attempt)
        assert services.send_pending() == (0, 0)


def test_a_subject_stays_one_line(db, org, smtp):
    _raw_message(db, org, "ada@uji.go.id", subject="Siklus\r\nBcc: semua@luar.go.id 2026")
    assert services.send_pending() == (1, 0)
    [received] = smtp.messages
    assert received["Subject"] == "Siklus Bcc: semua@luar.go.id 2026" and received["Bcc"] is None


def test_an_unexpected_error_of_one_message_does_not_stop_the_others(db, org, smtp, monkeypatch):
    _raw_message(db, org, "satu@uji.go.id")
    _raw_message(db, org, "dua@uji.go.id")
    compose = services.compose

    def broken_for_the_first(message, config):
        if message.recipient == "satu@uji.go.id":
            raise RuntimeError("sesuatu yang tak terduga")
        return compose(message, config)

    monkeypatch.setattr(services, "compose", broken_for_the_first)
    assert services.send_pending() == (1, 1)
    first, second = _outbox(db)
    assert first.last_error == "sesuatu yang tak terduga" and first.failed_at is None and second.sent_at


def test_queueing_to_an_invalid_address_is_a_failed_message_not_an_error(db, org, smtp):
    """An older row with a line break in the unit head's email: the alert's mail is queued as
    failed, with its reason; nothing else is held up."""
    org.head.email = "kepala@uji.go.id\r\nBcc: semua@luar.go.id"
    db.session.commit()
    queued = services.queue(instansi_id=org.instansi.id, recipient=org.head.email, subject="Peringatan", body="Isi.")
    assert queued.failed_at is not None and "baris baru" in queued.last_error
    assert queued.recipient == "kepala@uji.go.id\r\nBcc: semua@luar.go.id"
    good = services.queue(instansi_id=org.instansi.id, recipient="hr@uji.go.id", subject="Peringatan", body="Isi.")
    db.session.commit()
    assert services.send_pending() == (1, 0)
    assert good.sent_at is not None and [m["To"] for m in smtp.messages] == ["hr@uji.go.id"]
