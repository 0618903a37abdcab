"""Queueing mail in the request's transaction and sending it afterwards.

A message ends sent (`sent_at`) or failed (`failed_at`, with the reason in `last_error`); until
then it waits in the outbox. One message that cannot be sent never stops the others:

- a message that cannot be written (an address or a header that would break the mail) fails at
  once, and so does one the server refuses for good (an SMTP 5xx for its recipient or content);
- a temporary failure (no connection, a 4xx) leaves it waiting, not tried again before a back-off
  that doubles per attempt (RETRY_FIRST, at most RETRY_LONGEST), at most MAX_ATTEMPTS tries in
  all; the last one marks it failed.

`attempt(message, config)` is the sending core: one try at one message, its outcome written on
the row. `send_pending` is one pass over the messages due; `send-mail` runs one pass and the mail
worker (`portal/mail/worker.py`) one pass after another.
"""
from __future__ import annotations

import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import or_, select

from portal import clock
from portal.extensions import db
from portal.mail import addresses
from portal.mail.models import OutboxMessage

MAX_ATTEMPTS = 5
#: The wait after the first temporary failure; it doubles with each further one, up to RETRY_LONGEST.
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(minutes=30)
#: The width of `outbox_message.last_error`'s text as kept.
REASON_LENGTH = 1000


class PermanentFailure(Exception):
    """This message will never be sent as it stands; the text says why."""


def queue(*, instansi_id: int, recipient: str, subject: str, body: str, private: bool = False) -> OutboxMessage:
    """Add a message to the outbox. A recipient that is no valid address is kept as a failed
    message with its reason (never an error for the request that queued it). `private`: HR's
    status page shows neither the recipient nor the reason (the mail itself says something about
    its recipient that HR must not learn there)."""
    message = OutboxMessage(instansi_id=instansi_id, recipient=recipient[:addresses.MAX_LENGTH], subject=subject,
                            body=body, private=private)
    try:
        message.recipient = addresses.normalise(recipient)
    except addresses.InvalidAddress as error:
        _fail(message, f"invalid recipient: {error}")
    db.session.add(message)
    db.session.flush()
    return message


def due(limit: int) -> list[OutboxMessage]:
    """The messages still waiting whose back-off has passed, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
                                    OutboxMessage.attempts < MAX_ATTEMPTS,
                                    or_(OutboxMessage.next_attempt_at.is_(None),
                                        OutboxMessage.next_attempt_at <= clock.now()))
        .order_by(OutboxMessage.id).limit(limit)
    ))


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th try failed for the time being."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Try each waiting message once; each outcome is committed on its own, so a failure neither
    resends nor holds up the others. Returns (sent, failed this run)."""
    sent = failed = 0
    config = current_app.config
    for message in due(limit):
        if attempt(message, config):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def attempt(message: OutboxMessage, config) -> bool:
    """Try to send one message and write the outcome on it (flushed, not committed): True when
    the server took it."""
    message.attempts += 1
    try:
        email = compose(message, config)
        _deliver(email, config)
    except PermanentFailure as error:
        _fail(message, str(error))
    except Exception as error:  # noqa: BLE001 - whatever goes wrong with one message, the queue goes on
        if not isinstance(error, (OSError, smtplib.SMTPException)):
            current_app.logger.exception("outbox message %s: unexpected failure", message.id)
        message.last_error = _reason(error)
        if message.attempts >= MAX_ATTEMPTS:
            message.failed_at = clock.now()
        else:
            message.next_attempt_at = clock.now() + retry_delay(message.attempts)
    else:
        message.sent_at = clock.now()
        message.last_error = None
        message.next_attempt_at = None
        db.session.flush()
        return True
    db.session.flush()
    return False


def compose(message: OutboxMessage, config) -> EmailMessage:
    """The message as it goes out; PermanentFailure when it cannot be written safely."""
    try:
        recipient = addresses.normalise(message.recipient)
    except addresses.InvalidAddress as error:
        raise PermanentFailure(f"invalid recipient: {error}") from error
    email = EmailMessage()
    try:
        email["From"] = config["MAIL_FROM"]
        email["To"] = recipient
        # A subject is one line: the names it is built from never add a header.
        email["Subject"] = " ".join(message.subject.split())
        email.set_content(message.body)
    except (ValueError, TypeError) as error:
        raise PermanentFailure(f"malformed message: {error}") from error
    return email


def _deliver(email: EmailMessage, config) -> None:
    if not config["MAIL_SERVER"]:
        # Development: print instead of sending.
        print(email.as_string(), file=sys.stdout)
        print("-" * 60, file=sys.stdout)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        if all(code >= 500 for code, _text in error.recipients.values()):
            raise PermanentFailure(_reason(error)) from error
        raise
    except smtplib.SMTPDataError as error:
        if error.smtp_code >= 500:
            raise PermanentFailure(_reason(error)) from error
        raise


def _fail(message: OutboxMessage, reason: str) -> None:
    message.failed_at = clock.now()
    message.next_attempt_at = None
    message.last_error = reason[:REASON_LENGTH]


def _reason(error: Exception) -> str:
    return (str(error) or type(error).__name__)[:REASON_LENGTH]
