from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask_babel import gettext

from portal.cli_options import instansi_option, parse_iso_date
from portal.counters import services
from portal.extensions import db
from portal.localtime import today
from portal.messages import say
from portal.org.cli import pick_instansi


@click.command("counters")
@click.option("--json", "as_json", is_flag=True, help="Cetak sebagai JSON (untuk mesin antrean dan skrip).")
@instansi_option
def list_counters(as_json: bool, instansi_name: str | None) -> None:
    """List the active lokets and the survey URL in each loket's QR code, sorted by code.

    With --json: an array of {"code", "name", "unit" (unit code), "service" (layanan name or
    null), "survey_url"}.
    """
    instansi = pick_instansi(instansi_name)
    rows = services.counter_listing(instansi.id)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(gettext("Belum ada loket aktif."))
        return
    headers = (gettext("Kode"), gettext("Loket"), gettext("Unit"), gettext("Layanan"), gettext("Alamat survei"))
    table = [(r["code"], r["name"], r["unit"], r["service"] or "—", r["survey_url"]) for r in rows]
    widths = [max(len(str(row[i])) for row in (headers, *table)) for i in range(len(headers))]
    for row in (headers, tuple("-" * w for w in widths), *table):
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def _parse_day(text: str | None, tz) -> date:
    if text is None:
        return today(tz)
    try:
        return parse_iso_date(text)
    except ValueError:
        raise click.ClickException(gettext("Tanggal tidak valid: %(value)s (format TTTT-BB-HH).", value=text)) from None


def _parse_count(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise click.ClickException(gettext("Jumlah tiket harus bilangan bulat antara 1 dan %(max)d.",
                                           max=services.MAX_TICKETS)) from None


@click.command("tickets")
@click.option("--counter", "counter_code", required=True, metavar="KODE", help="Kode loket.")
@click.option("--date", "day_text", metavar="TTTT-BB-HH",
              help="Tanggal tiket (bawaan: hari ini di zona waktu instansi).")
@click.option("--count", "count_text", required=True, metavar="N", help="Jumlah tiket, 1 sampai 5000.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="BERKAS",
              help="Tulis CSV ke berkas ini (bawaan: keluaran standar).")
@instansi_option
def issue_tickets(counter_code: str, day_text: str | None, count_text: str, output: Path | None,
                  instansi_name: str | None) -> None:
    """Create a batch of single-use queue ticket codes for one loket and day, as CSV.

    Columns: counter,date,serial,code,url. Serials continue after the loket's earlier batches of
    the same day, so codes never repeat. The batch is recorded; the codes are signed with the
    instansi's key.
    """
    instansi = pick_instansi(instansi_name)
    counter = services.find_counter(instansi.id, counter_code)
    if counter is None:
        raise click.ClickException(gettext("Loket tidak ditemukan: %(code)s", code=counter_code))
    day = _parse_day(day_text, instansi.tz)
    count = _parse_count(count_text)
    try:
        batch = services.issue_tickets(counter, day, count)
    except services.TicketRefused as error:
        db.session.rollback()
        raise click.ClickException(say(error)) from None
    text = services.tickets_csv(batch)
    summary = gettext(
        "%(count)d kode tiket loket %(code)s untuk %(day)s (nomor %(first)d–%(last)d).",
        count=batch.count, code=counter.code, day=day.isoformat(), first=batch.first_serial,
        last=batch.first_serial + batch.count - 1,
    )
    if output is None:
        db.session.commit()
        click.echo(text, nl=False)
        click.echo(summary, err=True)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(gettext("Berkas tidak dapat ditulis: %(reason)s", reason=error.strerror or str(error))) from None
    db.session.commit()
    click.echo(gettext("%(summary)s Ditulis ke %(file)s.", summary=summary, file=str(output)))


commands = (list_counters, issue_tickets)
