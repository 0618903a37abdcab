"""Queueing mail in the request's transaction and sending it afterwards."""
from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.mail.models import OutboxMessage

MAX_ATTEMPTS = 5


def queue(*, instansi_id: int, recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(instansi_id=instansi_id, recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    return message


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send unsent messages; each is committed on its own so one failure does not resend others."""
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    sent = failed = 0
    config = current_app.config
    for message in messages:
        message.attempts += 1
        try:
            _deliver(message, config)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:1000]
            failed += 1
        else:
            message.sent_at = clock.now()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def _deliver(message: OutboxMessage, config) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    if not config["MAIL_SERVER"]:
        # Development: print instead of sending.
        print(email.as_string(), file=sys.stdout)
        print("-" * 60, file=sys.stdout)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
