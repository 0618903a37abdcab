from __future__ import annotations

import os
from pathlib import Path

import click
from flask_babel import gettext
from sqlalchemy import select

from portal.accounts import bulk, services
from portal.accounts.models import ROLES
from portal.cli_options import instansi_option
from portal.extensions import db
from portal.messages import say
from portal.org.cli import pick_instansi
from portal.org.models import Employee


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), required=True, help="Peran; boleh diulang.")
@click.option("--nip", help="Hubungkan akun ke pegawai dengan NIP ini.")
@click.option("--name", "display_name", help="Nama tampilan (bawaan: nama pegawai atau nama pengguna).")
@click.password_option(prompt="Kata sandi")
@instansi_option
def create_user(username, roles, nip, display_name, password, instansi_name) -> None:
    """Create a login account with one or more roles."""
    instansi = pick_instansi(instansi_name)
    employee = None
    if nip:
        employee = db.session.scalar(select(Employee).where(Employee.nip == nip, Employee.instansi_id == instansi.id))
        if employee is None:
            raise click.ClickException(f"Pegawai dengan NIP {nip} tidak ditemukan.")
    problem = services.password_problem(password, username=username)
    if problem:
        raise click.ClickException(problem[0] % problem[1])
    try:
        services.create_user(
            instansi_id=instansi.id, username=username, password=password, roles=set(roles),
            display_name=display_name or (employee.name if employee else username), employee=employee,
            actor="create-user",
        )
    except services.AccountError as error:
        raise click.ClickException(say(error))
    db.session.commit()
    click.echo(f"Akun {username} dibuat dengan peran: {', '.join(sorted(roles))}.")


@click.command("create-accounts")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Berkas CSV baru untuk kata sandi awal (dibuat dengan izin 0600).")
@instansi_option
def create_accounts(output: Path, instansi_name: str | None) -> None:
    """Create an account for every active employee without one; write their first passwords to a new CSV.

    Columns: nip, nama, unit, nama_pengguna, kata_sandi_awal. Each employee must change the
    first password at the first login.
    """
    instansi = pick_instansi(instansi_name)
    try:
        handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(gettext("Berkas tujuan sudah ada: %(path)s", path=str(output)))
    created = bulk.create_employee_accounts(instansi, actor="create-accounts")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
        stream.write(bulk.accounts_csv(created))
    db.session.commit()
    click.echo(gettext("%(count)d akun dibuat; kata sandi awal di %(path)s.", count=len(created), path=str(output)))


commands = (create_user, create_accounts)
