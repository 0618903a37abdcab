"""`flask --app portal audit`: the audit log on the command line."""
from __future__ import annotations

import json

import click
from flask_babel import gettext

from portal.audit_log import log
from portal.cli_options import date_option, instansi_option
from portal.org.cli import pick_instansi


@click.command("audit")
@click.option("--json", "as_json", is_flag=True, help="Cetak sebagai JSON.")
@click.option("--employee", "nip", metavar="NIP", help="Hanya perubahan yang menyangkut pegawai ini.")
@click.option("--from", "first", metavar="TTTT-BB-HH", help="Tanggal awal (waktu setempat instansi).")
@click.option("--to", "last", metavar="TTTT-BB-HH", help="Tanggal akhir (termasuk).")
@instansi_option
def audit(as_json: bool, nip: str | None, first: str | None, last: str | None, instansi_name: str | None) -> None:
    """The audit log, oldest first: every recorded change and the appraisal record audit."""
    instansi = pick_instansi(instansi_name)
    start, end = date_option(first, "--from"), date_option(last, "--to")
    if start and end and start > end:
        raise click.ClickException(gettext("Tanggal --from harus sebelum atau sama dengan --to."))
    employee_ids = None
    if nip is not None:
        employee = log.employee_by_nip(instansi.id, nip)
        if employee is None:
            raise click.ClickException(gettext("Pegawai dengan NIP %(nip)s tidak ditemukan.", nip=nip))
        employee_ids = (employee.id,)
    filters = log.Filters(employee_ids=employee_ids, date_from=start, date_to=end)
    rows = log.entries(instansi.id, filters, instansi.tz, newest_first=False)
    if as_json:
        click.echo(json.dumps([row.as_json() for row in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(gettext("Tidak ada catatan audit."))
        return
    for row in rows:
        local = row.at.astimezone(instansi.tz).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{local}  {row.actor:<16} {row.action:<28} {row.object}  {row.object_label}")
        for key, old, new in row.changes():
            click.echo(f"    {key}: {old} → {new}")
        if row.reason:
            click.echo("    " + gettext("Alasan: %(reason)s", reason=row.reason))


commands = (audit,)
