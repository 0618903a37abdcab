"""360 review commands for HR: `review-report` prints one employee's report of one cycle."""
from __future__ import annotations

import json

import click
from flask_babel import format_decimal, gettext
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Employee
from portal.reviews import services
from portal.reviews.models import ReviewCycle, ReviewInvitation
from surveys import review
from surveys.review import RaterGroup

#: HR may print a report once the cycle is closed (before the employee sees it on release).
REPORT_STATES = ("closed", "released")


@click.command("review-report")
@click.option("--cycle", "cycle_id", type=int, required=True, metavar="ID", help="Nomor (id) siklus ulasan.")
@click.option("--employee", "nip", required=True, metavar="NIP", help="NIP pegawai yang dinilai.")
@click.option("--json", "as_json", is_flag=True, help="Cetak sebagai JSON (persis isi laporan pegawai itu).")
def review_report(cycle_id: int, nip: str, as_json: bool) -> None:
    """Print an employee's 360 report for a cycle: exactly what the employee's own report shows.

    The cycle must be closed or released (HR may read reports before releasing them; the
    employee sees theirs only after release). Groups under the cycle's anonymity threshold are
    left out entirely, with their comments, as on the web page.

    \b
    --json prints one object (keys sorted, UTF-8):
      cycle {id, name, state}, employee {nip, name}, threshold,
      values [{code, name}], groups {group: {responses, overall, values {code: mean}}},
      others (the visible groups other than self, pooled), others_groups, hidden,
      gaps [{value, self, others, gap, blind_spot, hidden_strength}] (largest first),
      comments {value: [{group, text}]}, expectations {value: text}
    Means are rounded to two decimals, half up. Unknown cycle or NIP, an employee not reviewed
    in the cycle, or a cycle still draft or open: a message and exit status 1.
    """
    cycle = db.session.get(ReviewCycle, cycle_id)
    if cycle is None:
        raise click.ClickException(gettext("Siklus ulasan %(id)d tidak ditemukan.", id=cycle_id))
    nip = "".join(nip.split())
    employee = db.session.scalar(select(Employee).where(Employee.instansi_id == cycle.instansi_id, Employee.nip == nip))
    if employee is None:
        raise click.ClickException(gettext("Pegawai dengan NIP %(nip)s tidak terdaftar di instansi siklus ini.", nip=nip))
    if db.session.scalar(select(ReviewInvitation.id).where(
            ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == employee.id).limit(1)) is None:
        raise click.ClickException(gettext("%(name)s tidak dinilai dalam siklus \"%(cycle)s\".",
                                           name=employee.name, cycle=cycle.name))
    if cycle.state not in REPORT_STATES:
        raise click.ClickException(gettext("Siklus \"%(cycle)s\" masih %(state)s; laporan tersedia setelah siklus ditutup.",
                                           cycle=cycle.name, state=gettext(services.STATE_NAMES[cycle.state]).lower()))
    report = services.build_report(cycle, employee)
    services.note_report_read(cycle)
    db.session.commit()
    if as_json:
        click.echo(json.dumps(services.report_json(report), sort_keys=True, ensure_ascii=False, indent=2))
    else:
        _print_summary(report)


def _mean(value) -> str:
    return "—" if value is None else format_decimal(review.display(value), "0.00")


def _print_summary(report: services.Report) -> None:
    groups = report.groups
    click.echo(gettext("Laporan ulasan 360: %(name)s (NIP %(nip)s)", name=report.reviewee.name, nip=report.reviewee.nip))
    click.echo(gettext("Siklus: %(cycle)s (%(state)s)", cycle=report.cycle.name,
                       state=gettext(services.STATE_NAMES[report.cycle.state])))
    click.echo(gettext("Kelompok anonim dengan kurang dari %(n)d tanggapan tidak ditampilkan.", n=groups.threshold))
    if not groups.groups:
        click.echo(gettext("Belum ada tanggapan yang dapat ditampilkan."))
        return
    shown = list(groups.groups.items())
    click.echo(gettext("Kelompok: %(groups)s", groups=", ".join(
        gettext("%(group)s (%(n)d tanggapan)", group=gettext(g.label), n=s.responses) for g, s in shown)))
    names = {code: gettext(name) for code, name in report.values}
    width = max(len(n) for n in [*names.values(), gettext("Keseluruhan")])
    header = [gettext(g.label) for g, _s in shown] + ([gettext("Penilai lain")] if groups.others else [])
    click.echo("")
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>12}" for h in header))
    for code, name in names.items():
        cells = [_mean(s.value_means.get(code)) for _g, s in shown]
        if groups.others:
            cells.append(_mean(groups.others.value_means.get(code)))
        click.echo(f"{name:<{width}}  " + "  ".join(f"{c:>12}" for c in cells))
    cells = [_mean(s.overall) for _g, s in shown] + ([_mean(groups.others.overall)] if groups.others else [])
    click.echo(f"{gettext('Keseluruhan'):<{width}}  " + "  ".join(f"{c:>12}" for c in cells))
    if groups.gaps:
        click.echo("")
        click.echo(gettext("Diri sendiri dibandingkan penilai lain (selisih terbesar dahulu):"))
        for gap in groups.gaps:
            flag = (gettext("titik buta") if gap.blind_spot else gettext("kekuatan tersembunyi") if gap.hidden_strength
                    else "")
            click.echo(f"  {names[gap.value_code]:<{width}}  {format_decimal(review.display(gap.gap), '+0.00;-0.00'):>6}"
                       + (f"  {flag}" if flag else ""))
    if report.expectations:
        click.echo("")
        click.echo(gettext("Ekspektasi khusus pimpinan:"))
        for code in names:
            if code in report.expectations:
                click.echo(f"  {names[code]}: {report.expectations[code]}")
    if report.comments:
        click.echo("")
        click.echo(gettext("Komentar:"))
        for code in names:
            if not report.comments.get(code):
                continue
            click.echo(f"  {names[code]}")
            for group, text in report.comments[code]:
                click.echo(f"    [{gettext(RaterGroup(group).label)}] {text}")


commands = (review_report,)
