from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from portal import clock
from portal.demo.seed import DEMO_PASSWORD, DEMO_TIMEZONE, seed_demo
from portal.extensions import db

ROLE_TITLES = {"admin": "Admin", "hr": "HR (BKPSDM)", "supervisor": "Atasan / Pejabat Penilai", "employee": "Pegawai"}


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo instansi (Pemerintah Kota Mataram) if missing, then print the demo logins."""
    logins = seed_demo(clock.today(ZoneInfo(DEMO_TIMEZONE)))
    db.session.commit()
    click.echo("Akun demo (kata sandi semua akun: %s):" % DEMO_PASSWORD)
    for login in logins:
        nip = f" · NIP {login.nip}" if login.nip else ""
        click.echo(f"  {ROLE_TITLES[login.role]:<26} {login.username:<10}{nip} · {login.name} ({login.note})")
    click.echo("Pegawai lain masuk dengan NIP masing-masing dan kata sandi yang sama.")


commands = (seed_demo_command,)
