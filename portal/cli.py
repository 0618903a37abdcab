"""Command-line interface: `flask --app portal <command>`; each feature adds its own commands."""
from __future__ import annotations

import re
from datetime import date

import click
from flask import Flask
from flask_babel import gettext
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Instansi


def pick_instansi(name: str | None) -> Instansi:
    """The instansi a command works on: the only one, or the one named."""
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


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(text: str) -> date:
    """A date written TTTT-BB-HH (2026-03-01) and nothing else; ValueError otherwise."""
    if not _ISO_DATE.fullmatch(text.strip()):
        raise ValueError(text)
    return date.fromisoformat(text.strip())


def date_option(text: str | None, option: str) -> date | None:
    """The date given to `option`, None when it was not given; a clear error when it is not a date."""
    if text is None:
        return None
    try:
        return parse_iso_date(text)
    except ValueError:
        raise click.ClickException(gettext("Tanggal %(option)s \"%(value)s\" tidak valid; gunakan TTTT-BB-HH.",
                                           option=option, value=text)) from None


instansi_option = click.option("--instansi", "instansi_name", metavar="NAMA", help="Nama instansi (jika lebih dari satu).")


def register_commands(app: Flask) -> None:
    from portal.accounts.cli import commands as account_commands
    from portal.appraisal.cli import commands as appraisal_commands
    from portal.appraisal.export_cli import commands as appraisal_export_commands
    from portal.audit.cli import commands as audit_commands
    from portal.counters.cli import commands as counter_commands
    from portal.demo.cli import commands as demo_commands
    from portal.feedback.cli import commands as feedback_commands
    from portal.insight.cli import commands as insight_commands
    from portal.mail.cli import commands as mail_commands
    from portal.ops.cli import commands as ops_commands
    from portal.org.cli import commands as org_commands
    from portal.reviews.cli import commands as review_commands

    for command in (*org_commands, *account_commands, *mail_commands, *demo_commands, *feedback_commands,
                    *counter_commands, *review_commands, *appraisal_commands, *appraisal_export_commands, *insight_commands,
                    *ops_commands, *audit_commands):
        if not getattr(command.callback, "_cermin_appcontext", False):
            # Every command works in the app context, however it is invoked (flask CLI or tests).
            command.callback = with_appcontext(command.callback)
            command.callback._cermin_appcontext = True
        app.cli.add_command(command)
