"""Appraisal commands: `merge-appraisals` and `periods`."""
from __future__ import annotations

import json
import sys

import click
from flask_babel import gettext
from sqlalchemy import select

from portal.accounts.models import User
from portal.appraisal.errors import AppraisalError
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalPeriod
from portal.appraisal.periods import period_weights, periods_of, status_counts
from portal.cli_options import instansi_option
from portal.extensions import db
from portal.messages import say, say_template
from portal.org.cli import pick_instansi
from portal.org.models import Instansi


def _plain_number(value) -> str:
    return f"{value.normalize():f}"


@click.command("merge-appraisals")
@click.option("--period", "period_id", type=int, required=True, metavar="ID", help="Id periode (lihat `periods`).")
@click.option("--user", "username", metavar="USERNAME", help="Akun yang dicatat di log audit sebagai pelaku.")
def merge_appraisals(period_id: int, username: str | None) -> None:
    """Compute or recompute the draft appraisal record of every active employee of the period's
    instansi, from citizen feedback and the period's released 360 cycles.

    Confirmed and finalised records are left alone. Running it twice changes nothing. A progress
    bar goes to stderr; the summary to stdout.
    """
    period = db.session.get(AppraisalPeriod, period_id)
    if period is None:
        raise click.ClickException(gettext("Periode %(id)d tidak ditemukan.", id=period_id))
    user = None
    if username:
        user = db.session.scalar(select(User).where(User.username == username, User.instansi_id == period.instansi_id))
        if user is None:
            raise click.ClickException(gettext("Akun %(name)s tidak ditemukan di instansi periode ini.", name=username))
    with click.progressbar(length=1, label=gettext("Menggabungkan skor"), file=sys.stderr) as bar:
        seen = [0]

        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - seen[0])
            seen[0] = done

        try:
            summary = merge(period, user, progress=advance)
        except AppraisalError as error:
            db.session.rollback()
            raise click.ClickException(say(error))
    db.session.commit()
    click.echo(" ".join(say_template(*line) for line in summary.messages()))


def period_json(period: AppraisalPeriod, instansi: Instansi) -> dict:
    counts = status_counts(period)
    return {
        "id": period.id,
        "name": period.name,
        "kind": period.kind,
        "instansi": instansi.name,
        "citizen_from": period.citizen_from.isoformat(),
        "citizen_to": period.citizen_to.isoformat(),
        "cycles": sorted(pc.cycle_id for pc in period.period_cycles),
        "officer_unsur": period.officer_unsur.split(","),
        "min_citizen_n": period.min_citizen_n,
        "above_threshold": f"{period.above_threshold:.2f}",
        "meets_threshold": f"{period.meets_threshold:.2f}",
        "weights": {group: {c.value: _plain_number(w) for c, w in weights.items()}
                    for group, weights in period_weights(period).items()},
        "records": sum(counts.values()),
        "status_counts": counts,
    }


@click.command("periods")
@click.option("--json", "as_json", is_flag=True, help="Cetak sebagai JSON (satu array).")
@instansi_option
def periods(as_json: bool, instansi_name: str | None) -> None:
    """List the appraisal periods of the instansi, newest first.

    With --json: an array of objects with id, name, kind, instansi, citizen_from, citizen_to,
    cycles (review cycle ids), officer_unsur, min_citizen_n, above_threshold, meets_threshold,
    weights (per job group and component, percent), records and status_counts
    (draft, confirmed, finalised).
    """
    instansi = pick_instansi(instansi_name)
    found = periods_of(instansi.id)
    if as_json:
        click.echo(json.dumps([period_json(p, instansi) for p in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(gettext("Belum ada periode penilaian."))
        return
    for period in found:
        counts = status_counts(period)
        click.echo(gettext(
            "%(id)d  %(name)s  (%(start)s – %(end)s): %(total)d catatan, %(draft)d draf, %(confirmed)d dikonfirmasi, "
            "%(final)d final", id=period.id, name=period.name, start=period.citizen_from.isoformat(),
            end=period.citizen_to.isoformat(), total=sum(counts.values()), draft=counts["draft"],
            confirmed=counts["confirmed"], final=counts["finalised"]))


commands = (merge_appraisals, periods)
