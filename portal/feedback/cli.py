from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask_babel import format_decimal, gettext
from sqlalchemy import func, select

from portal.cli_options import date_option, instansi_option
from portal.extensions import db
from portal.feedback import imports, scoring
from portal.feedback.services import FeedbackError
from portal.messages import say
from portal.org.cli import pick_instansi
from portal.org.models import Counter, Employee, Instansi, Unit
from portal.org.services import ImportRejected
from portal.tabular import TableError, read_table
from surveys import skm
from surveys.errors import NoResponses

#: Files with more rows than this show a progress bar.
PROGRESS_THRESHOLD = 200
#: What `ikm --json` prints when the scope has no responses yet.
EMPTY_JSON = {"n": 0, "ikm": None, "ikm_4": None, "mutu": None, "mutu_label": None, "unsur": []}


@click.command("import-responses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@instansi_option
def import_responses(file: Path, instansi_name: str | None) -> None:
    """Import paper SKM forms from a CSV or XLSX file (first sheet).

    \b
    Required columns:
      counter        loket code (case-insensitive)
      submitted_at   ISO 8601: 2026-03-02T09:15:00+08:00 or ...Z (with an offset),
                     2026-03-02 09:15 (instansi-local time), 2026-03-02 (12:00 local);
                     never in the future
      u1 ... u9      the nine unsur, whole numbers 1-4
    Optional columns:
      employee_nip   NIP of the officer who served (an active employee)
      comment        saran, at most 1000 characters
      gender         L, P             age_range  <20, 20-29, 30-39, 40-49, 50-59, 60+
      education      SD, SMP, SMA, S1 (D1-D4/S1), S2, S3
      occupation     PNS, TNI, POLRI, SWASTA, WIRAUSAHA, LAINNYA
    Profile answers may also be the Indonesian labels (e.g. Laki-laki, Perempuan).

    Nothing is saved when any row is wrong; every bad row is reported with its row number.
    Rows imported before (same content, same position among identical rows) are skipped,
    so importing the same file twice adds nothing.
    """
    instansi = pick_instansi(instansi_name)
    try:
        table = read_table(file.read_bytes(), imports.RESPONSE_ALIASES)
        if len(table.rows) > PROGRESS_THRESHOLD:
            with click.progressbar(length=len(table.rows), label=gettext("Mengimpor tanggapan"), file=sys.stderr) as bar:
                last = [0]

                def advance(done: int) -> None:
                    bar.update(done - last[0])
                    last[0] = done

                summary = imports.import_responses(instansi, table, progress=advance)
        else:
            summary = imports.import_responses(instansi, table)
    except ImportRejected as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(gettext("Baris %(row)d: %(message)s", row=problem.row,
                               message=gettext(problem.message, **problem.params)), err=True)
        raise click.ClickException(say(error))
    except (TableError, FeedbackError) as error:
        db.session.rollback()
        raise click.ClickException(say(error))
    db.session.commit()
    click.echo(gettext("Impor selesai: %(added)d tanggapan ditambahkan, %(skipped)d sudah ada sebelumnya.",
                       added=summary.added, skipped=summary.skipped))


@click.command("ikm")
@click.option("--unit", "unit_code", required=True, metavar="KODE", help="Kode unit kerja.")
@click.option("--counter", "counter_code", metavar="KODE", help="Hanya satu loket unit ini.")
@click.option("--employee", "nip", metavar="NIP", help="Nilai petugas: hanya unsur petugas instansi.")
@click.option("--from", "date_from", metavar="TTTT-BB-HH", help="Tanggal awal (waktu setempat instansi), termasuk.")
@click.option("--to", "date_to", metavar="TTTT-BB-HH", help="Tanggal akhir (waktu setempat instansi), termasuk.")
@click.option("--json", "as_json", is_flag=True, help="Cetak hasil sebagai JSON.")
@instansi_option
def ikm(unit_code: str, counter_code: str | None, nip: str | None, date_from: str | None, date_to: str | None,
        as_json: bool, instansi_name: str | None) -> None:
    """Print the IKM (PermenPANRB 14/2017) of a unit, optionally of one loket, one officer and a
    date range.

    Dates are the instansi's local dates, both ends included. With --employee only the officer
    unsur of the instansi count (by default U6 and U7).

    \b
    --json prints exactly:
      {"n": 3, "ikm": 83.33, "ikm_4": 3.3333, "mutu": "B", "mutu_label": "Baik",
       "unsur": [{"kode": "U1", "nrr": 3.6667}, ...]}
    with the IKM (25-100) to two decimals and the 1-4 figures to four, half up; mutu_label is
    the regulation's Indonesian label. With no responses in the scope it prints
    {"n": 0, "ikm": null, "ikm_4": null, "mutu": null, "mutu_label": null, "unsur": []} and
    exits 0; without --json it says "Belum ada data" and exits 1.
    """
    instansi = pick_instansi(instansi_name)
    unit = _unit(instansi, unit_code)
    counter = _counter(unit, counter_code) if counter_code else None
    employee = _employee(instansi, nip) if nip else None
    first, last = date_option(date_from, "--from"), date_option(date_to, "--to")
    if first and last and first > last:
        raise click.ClickException(gettext("Tanggal --from harus sebelum atau sama dengan --to."))
    scope = scoring.Scope(instansi_id=instansi.id, unit_id=unit.id, counter_id=counter.id if counter else None,
                          employee_id=employee.id if employee else None, date_from=first, date_to=last)
    try:
        result = scoring.officer_ikm(scope, instansi) if employee else scoring.ikm(scope)
    except NoResponses as error:
        if as_json:
            click.echo(json.dumps(EMPTY_JSON))
            return
        raise click.ClickException(say(error))
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print_summary(result, unit, counter, employee, first, last)


def _unit(instansi: Instansi, code: str) -> Unit:
    unit = db.session.scalar(
        select(Unit).where(Unit.instansi_id == instansi.id, func.lower(Unit.code) == code.strip().lower())
    )
    if unit is None:
        raise click.ClickException(gettext("Unit kerja \"%(unit)s\" tidak dikenal.", unit=code))
    return unit


def _counter(unit: Unit, code: str) -> Counter:
    counter = db.session.scalar(
        select(Counter).join(Unit).where(Unit.instansi_id == unit.instansi_id,
                                         func.lower(Counter.code) == code.strip().lower())
    )
    if counter is None:
        raise click.ClickException(gettext("Loket \"%(counter)s\" tidak dikenal.", counter=code))
    if counter.unit_id != unit.id:
        raise click.ClickException(gettext("Loket %(counter)s bukan loket unit %(unit)s.",
                                           counter=counter.code, unit=unit.code))
    return counter


def _employee(instansi: Instansi, nip: str) -> Employee:
    nip = "".join(nip.split())
    employee = db.session.scalar(select(Employee).where(Employee.instansi_id == instansi.id, Employee.nip == nip))
    if employee is None:
        raise click.ClickException(gettext("Pegawai dengan NIP %(nip)s tidak terdaftar di instansi ini.", nip=nip))
    return employee


def _period(first: date | None, last: date | None) -> str:
    if first and last:
        return gettext("Periode: %(start)s s.d. %(end)s", start=first.isoformat(), end=last.isoformat())
    if first:
        return gettext("Periode: sejak %(start)s", start=first.isoformat())
    if last:
        return gettext("Periode: sampai %(end)s", end=last.isoformat())
    return gettext("Periode: semua tanggal")


def _print_summary(result: skm.IkmResult, unit: Unit, counter: Counter | None, employee: Employee | None,
                   first: date | None, last: date | None) -> None:
    click.echo(gettext("IKM %(code)s · %(name)s", code=unit.code, name=unit.name))
    if counter is not None:
        click.echo(gettext("Loket: %(code)s · %(name)s", code=counter.code, name=counter.name))
    if employee is not None:
        click.echo(gettext("Petugas: %(name)s (NIP %(nip)s), hanya unsur petugas", name=employee.name, nip=employee.nip))
    click.echo(_period(first, last))
    click.echo(gettext("Responden: %(n)d", n=result.n))
    click.echo(gettext("IKM: %(ikm)s (skala 1–4: %(ikm_4)s), mutu %(mutu)s (%(label)s)",
                       ikm=format_decimal(result.ikm, "0.00"), ikm_4=format_decimal(result.ikm_4_rounded, "0.0000"),
                       mutu=result.mutu, label=gettext(result.mutu_label)))
    click.echo(gettext("NRR per unsur:"))
    for kode, value in result.nrr.items():
        click.echo(f"  {kode}  {format_decimal(skm.round_half_up(value, 4), '0.0000')}  "
                   f"{gettext(skm.UNSUR_BY_KODE[kode].name)}")
    weakest = ", ".join(f"{kode} {gettext(skm.UNSUR_BY_KODE[kode].name)}" for kode in result.weakest)
    click.echo(gettext("Unsur terlemah: %(unsur)s (NRR %(nrr)s)", unsur=weakest,
                       nrr=format_decimal(skm.round_half_up(result.nrr[result.weakest[0]], 4), "0.0000")))


commands = (import_responses, ikm)
