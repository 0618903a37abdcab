from __future__ import annotations

import click

from portal.mail import services


@click.command("send-mail")
@click.option("--limit", default=200, show_default=True, help="Kirim paling banyak sejumlah ini.")
def send_mail(limit: int) -> None:
    """Send queued messages from the outbox (SMTP from MAIL_SERVER; printed when none is set)."""
    sent, failed = services.send_pending(limit)
    click.echo(f"Terkirim: {sent}, gagal: {failed}.")


commands = (send_mail,)
