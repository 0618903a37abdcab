from __future__ import annotations

import threading

import click
from flask_babel import gettext

from portal.mail import services, worker


@click.command("send-mail")
@click.option("--limit", default=200, show_default=True, help="Kirim paling banyak sejumlah ini.")
def send_mail(limit: int) -> None:
    """Send the queued messages that are due, once (SMTP from MAIL_SERVER; printed when none is set)."""
    sent, failed = services.send_pending(limit)
    click.echo(f"Terkirim: {sent}, gagal: {failed}.")


@click.command("mail-worker")
@click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Detik antara dua putaran.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1),
              help="Pesan paling banyak per putaran.")
@click.option("--once", is_flag=True, help="Satu putaran saja, lalu berhenti.")
def mail_worker(interval: float, limit: int, once: bool) -> None:
    """Send the outbox continuously, with retries and back-off, until SIGTERM or Ctrl+C."""
    stop = threading.Event()

    def report(sent: int, failed: int) -> None:
        click.echo(gettext("Terkirim: %(sent)d, gagal: %(failed)d.", sent=sent, failed=failed))

    if not once:
        click.echo(gettext("Pengirim email berjalan (setiap %(seconds)s detik; Ctrl+C untuk berhenti).",
                           seconds=f"{interval:g}"))
    with worker.stopping_on_signals(stop):
        totals = worker.run(stop, interval=interval, limit=limit, once=once, report=report)
    click.echo(gettext("Pengirim email berhenti. Terkirim: %(sent)d, gagal: %(failed)d.",
                       sent=totals.sent, failed=totals.failed))


commands = (send_mail, mail_worker)
