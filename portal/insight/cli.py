"""Commands for unit insight: loket alerts (for cron) and the Laporan SKM as XLSX."""
from __future__ import annotations

from pathlib import Path

import click
from flask_babel import format_decimal, gettext
from sqlalchemy import select

from portal.cli_options import date_option, instansi_option
from portal.extensions import db
from portal.insight import alerts, report
from portal.org.cli import pick_instansi
from portal.org.models import Instansi, Unit


@click.command("check-alerts")
@instansi_option
def check_alerts(instansi_name: str | None) -> None:
    """Check every active loket against its unit's alert rule; run it from cron (e.g. every 10 minutes).

    Opens an alert (and queues mail to the unit head) for each loket whose share of negative
    answers in the rolling window is above the threshold. Without --instansi, every instansi
    is checked. The mail worker (`mail-worker`) sends the mail.
    """
    if instansi_name:
        everyone = [pick_instansi(instansi_name)]
    else:
        everyone = db.session.scalars(select(Instansi).order_by(Instansi.id)).all()
    opened = []
    for instansi in everyone:
        opened.extend(alerts.check_alerts(instansi))
    db.session.commit()
    for alert in opened:
        click.echo(gettext("Peringatan baru: loket %(code)s, %(negative)d dari %(answers)d jawaban negatif (%(share)s%%).",
                           code=alert.counter.code, negative=alert.negative, answers=alert.answers,
                           share=format_decimal(alert.share_percent)))
    click.echo(gettext("%(count)d peringatan baru.", count=len(opened)))


@click.command("laporan-skm")
@click.option("--unit", "unit_code", required=True, metavar="KODE", help="Kode unit kerja.")
@click.option("--from", "first", required=True, metavar="TTTT-BB-HH", help="Tanggal awal periode (waktu setempat).")
@click.option("--to", "last", required=True, metavar="TTTT-BB-HH", help="Tanggal akhir periode (termasuk).")
@click.option("--population", type=click.IntRange(min=1), default=None,
              help="Jumlah penerima layanan pada periode itu (untuk kecukupan sampel Krejcie–Morgan).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Berkas XLSX yang ditulis.")
@instansi_option
def laporan_skm(unit_code: str, first: str, last: str, population: int | None, output: Path,
                instansi_name: str | None) -> None:
    """Write the Laporan SKM of one unit and period as an XLSX file."""
    instansi = pick_instansi(instansi_name)
    unit = db.session.scalar(select(Unit).where(Unit.instansi_id == instansi.id, Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(gettext("Unit dengan kode %(code)s tidak ada.", code=unit_code))
    start, end = date_option(first, "--from"), date_option(last, "--to")
    if start > end:
        raise click.ClickException(gettext("Tanggal --from harus sebelum atau sama dengan --to."))
    data = report.build(unit, start, end, population)
    output.write_bytes(report.to_xlsx(data))
    click.echo(gettext("Laporan SKM %(unit)s %(start)s s.d. %(end)s: %(n)d responden, ditulis ke %(file)s.",
                       unit=unit.code, start=start.isoformat(), end=end.isoformat(), n=data.n, file=str(output)))


commands = (check_alerts, laporan_skm)
