"""A real SMTP server on loopback (aiosmtpd) for the mail tests: it keeps what arrives, and can
refuse recipients (`refused`: address → reply, e.g. 550 for good or 450 for now), refuse content
(`refuse_data`, e.g. 554) or answer 451 to the next `busy` messages."""
from __future__ import annotations

import email
import socket
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

NO_SUCH_MAILBOX = "550 5.1.1 No such mailbox"


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: dict[str, str] = {}
        self.refuse_data = ""
        self.busy = 0

    def refuse(self, address: str, reply: str = NO_SUCH_MAILBOX) -> None:
        self.refused[address] = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A loopback port nobody listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """The server, running, and the app's mail settings pointing at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                       "MAIL_USERNAME": "", "MAIL_FROM": "Cermin <cermin@kota.go.id>"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield inbox
    controller.stop()
