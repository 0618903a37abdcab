"""`export-appraisals`: a period's appraisal records as CSV or XLSX, for scripts and HR."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import gettext

from portal.appraisal import exports
from portal.appraisal.models import AppraisalPeriod
from portal.cli_options import instansi_option
from portal.extensions import db
from portal.org.models import Instansi


def _period(period_text: str, instansi_name: str | None) -> AppraisalPeriod:
    text = period_text.strip()
    period = db.session.get(AppraisalPeriod, int(text)) if text.isascii() and text.isdigit() else None
    if period is not None and instansi_name:
        instansi = db.session.get(Instansi, period.instansi_id)
        if instansi.name != instansi_name:
            period = None
    if period is None:
        raise click.ClickException(gettext(
            "Periode tidak ditemukan: %(value)s. Lihat id periode dengan `flask --app portal periods --json`.",
            value=period_text))
    return period


@click.command("export-appraisals")
@click.option("--period", "period_text", required=True, metavar="ID", help="Id periode penilaian (lihat `periods --json`).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
              help="csv untuk mesin, xlsx untuk dibaca orang.")
@click.option("--unit", "unit_code", metavar="KODE", help="Hanya catatan satu unit kerja (kode unit).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="BERKAS",
              help="Tulis ke berkas ini (bawaan: keluaran standar).")
@instansi_option
def export_appraisals(period_text: str, fmt: str, unit_code: str | None, output: Path | None,
                      instansi_name: str | None) -> None:
    """Export a period's appraisal records, one row per employee, sorted by unit code then name.

    CSV (UTF-8, CRLF line ends) has the header nip,nama,unit,jabatan,citizen_score,citizen_n,
    atasan_score,atasan_n,rekan_score,rekan_n,bawahan_score,bawahan_n,weight_citizen,
    weight_atasan,weight_rekan,weight_bawahan,composite,rating_perilaku_suggested,
    rating_perilaku,rating_hasil_kerja,predikat,status. Scores and weights are 0-100 with up to
    two decimals, empty where a component was left out. XLSX has Indonesian headings and a
    Keterangan sheet. Cells starting with =, +, - or @ are escaped with a leading '.
    """
    period = _period(period_text, instansi_name)
    unit = None
    if unit_code:
        unit = exports.find_unit(period.instansi_id, unit_code)
        if unit is None:
            raise click.ClickException(gettext("Unit kerja tidak ditemukan: %(code)s", code=unit_code))
    scope = exports.Scope(period, unit=unit)
    rows = exports.appraisal_rows(scope)
    body = exports.to_csv(rows).encode("utf-8") if fmt == "csv" else exports.to_xlsx(scope, rows)
    summary = gettext("%(count)d catatan penilaian periode %(period)s.", count=len(rows), period=period.name)
    if output is None:
        if fmt == "xlsx" and sys.stdout.isatty():
            raise click.ClickException(gettext("XLSX adalah berkas biner: pakai --output BERKAS atau alihkan ke berkas."))
        # Bytes, so the CSV is UTF-8 whatever the terminal's encoding, and the XLSX intact.
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        click.echo(summary, err=True)
        return
    try:
        output.write_bytes(body)
    except OSError as error:
        raise click.ClickException(gettext("Berkas tidak dapat ditulis: %(reason)s",
                                           reason=error.strerror or str(error))) from None
    click.echo(gettext("%(summary)s Ditulis ke %(file)s.", summary=summary, file=str(output)))


commands = (export_appraisals,)
