from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import gettext
from sqlalchemy import select

from portal.cli_options import instansi_option
from portal.extensions import db
from portal.messages import say
from portal.org import services
from portal.org.models import Instansi
from portal.tabular import TableError, read_table

#: Files with more rows than this show a progress bar.
PROGRESS_THRESHOLD = 200


def pick_instansi(name: str | None) -> Instansi:
    """The instansi a command works on, for every feature's commands: the only one, or the one named."""
    if name:
        instansi = db.session.scalar(select(Instansi).where(Instansi.name == name))
        if instansi is None:
            raise click.ClickException(f"Instansi tidak ditemukan: {name}")
        return instansi
    all_instansi = db.session.scalars(select(Instansi).order_by(Instansi.id)).all()
    if not all_instansi:
        raise click.ClickException("Belum ada instansi. Jalankan `flask --app portal seed-demo` atau buat instansi dahulu.")
    if len(all_instansi) > 1:
        raise click.ClickException("Ada beberapa instansi; pilih dengan --instansi NAMA.")
    return all_instansi[0]


@click.command("import-employees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@instansi_option
def import_employees(file: Path, instansi_name: str | None) -> None:
    """Import or update employees from a CSV or XLSX file (SIMPEG/SIASN columns).

    Columns: nip, nama, jabatan, unit (code or name), nip_atasan; optionally email, aktif,
    job_group. Employees are matched by NIP. Nothing is saved when any row is wrong; every
    bad row is reported with its row number.
    """
    instansi = pick_instansi(instansi_name)
    try:
        table = read_table(file.read_bytes(), services.EMPLOYEE_ALIASES)
        if len(table.rows) > PROGRESS_THRESHOLD:
            with click.progressbar(length=len(table.rows), label=gettext("Mengimpor pegawai"), file=sys.stderr) as bar:
                last = [0]

                def advance(done: int) -> None:
                    bar.update(done - last[0])
                    last[0] = done

                summary = services.import_employees(instansi, table, progress=advance, actor="import-employees")
        else:
            summary = services.import_employees(instansi, table, actor="import-employees")
    except services.ImportRejected as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(gettext("Baris %(row)d: %(message)s", row=problem.row, message=gettext(problem.message, **problem.params)), err=True)
        raise click.ClickException(say(error))
    except (TableError, services.OrgError) as error:
        db.session.rollback()
        raise click.ClickException(say(error))
    db.session.commit()
    click.echo(gettext(
        "Impor selesai: %(created)d ditambahkan, %(updated)d diperbarui, %(unchanged)d tidak berubah.",
        created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
    ))


commands = (import_employees,)
