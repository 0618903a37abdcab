"""What the feature commands share: date options and the --instansi option.

A leaf: it imports no feature, so every feature's `cli.py` can use it while `portal/cli.py`
gathers the commands.
"""
from __future__ import annotations

import re
from datetime import date

import click
from flask_babel import gettext

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
