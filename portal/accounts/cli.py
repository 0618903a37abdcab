from __future__ import annotations

import click
from sqlalchemy import select

from portal.accounts import services
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


commands = (create_user,)
