"""Public results (/publik): the IKM of each unit that chooses to publish it. No login.

Aggregates only: IKM, mutu and n per period, the nine NRR and the unit's own follow-up actions.
Never an officer's name or score, never a saran's text, and no figure from fewer than
`MIN_PUBLIC_N` responses (a small count says too much about the few people behind it).
The page is small (one stylesheet, inline SVG bars, no script) for phones on a slow network.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date, gettext
from flask_login import current_user
from sqlalchemy import select

from portal import clock
from portal.access import PUBLIC, access
from portal.extensions import db
from portal.feedback import scoring
from portal.feedback.models import SkmDaily
from portal.insight import followup, report
from portal.org.models import Instansi, Unit
from surveys import skm

bp = Blueprint("publik", __name__, url_prefix="/publik", template_folder="templates")
#: Periods with fewer responses show "data belum cukup" instead of figures.
MIN_PUBLIC_N = 30
QUARTERS = 4
FOLLOW_UPS = 5
#: Public pages may be cached briefly by the browser and proxies (they vary by language).
CACHE_SECONDS = 300


@dataclass(frozen=True)
class PeriodResult:
    """One period of a unit: figures only when there are enough responses."""

    label: str
    date_from: date
    date_to: date
    ikm: skm.IkmResult | None
    running: bool = False

    @property
    def enough(self) -> bool:
        return self.ikm is not None


def _result(unit: Unit, start: date, end: date) -> skm.IkmResult | None:
    n, sums, _negative = scoring.totals(scoring.Scope(unit.instansi_id, unit_id=unit.id, date_from=start, date_to=end))
    return skm.compute_ikm(sums, n) if n >= MIN_PUBLIC_N else None


def _quarter_label(start: date) -> str:
    roman = ("I", "II", "III", "IV")[(start.month - 1) // 3]
    return gettext("Triwulan %(q)s %(year)d", q=roman, year=start.year)


def headline(unit: Unit, local_today: date) -> PeriodResult:
    """This year so far; early in a year with too few responses yet, last year."""
    start = date(local_today.year, 1, 1)
    result = _result(unit, start, local_today)
    if result is None:
        last_year = date(local_today.year - 1, 1, 1)
        earlier = _result(unit, last_year, date(local_today.year - 1, 12, 31))
        if earlier is not None:
            return PeriodResult(gettext("Tahun %(year)d", year=last_year.year), last_year,
                                date(local_today.year - 1, 12, 31), earlier)
    return PeriodResult(gettext("Tahun %(year)d (sampai %(day)s)", year=start.year,
                                day=_short_date(local_today)), start, local_today, result, running=True)


def _short_date(day: date) -> str:
    return format_date(day, "d MMM yyyy")


def quarters(unit: Unit, local_today: date) -> list[PeriodResult]:
    results = []
    for start, end in followup.recent_quarters(local_today, QUARTERS):
        running = end >= local_today
        results.append(PeriodResult(_quarter_label(start), start, min(end, local_today),
                                    _result(unit, start, min(end, local_today)), running))
    return results


def _published(code: str) -> list[Unit]:
    query = (select(Unit).join(Instansi, Unit.instansi_id == Instansi.id)
             .where(Unit.publish_results.is_(True), Unit.active.is_(True)))
    units = db.session.scalars(query.where(Unit.code == code)).all()
    if not units:
        units = db.session.scalars(query.where(Unit.code == code.upper())).all()
    return list(units)


def _cached(body, status: int = 200):
    """Shared caches may keep the page for anonymous visitors only: a signed-in user's response
    renews their session cookie, which must never be stored (the app then sends no-store)."""
    if current_user.is_authenticated:
        return body, status
    if status != 200:
        return body, status, {"Cache-Control": "no-cache"}
    return body, status, {"Cache-Control": f"public, max-age={CACHE_SECONDS}", "Vary": "Accept-Language, Cookie"}


@bp.context_processor
def _helpers() -> dict:
    return {"number": report.number, "bar_width": lambda nrr: f"{float(nrr) * 25:.1f}"}


@bp.route("")
@access(PUBLIC)
def index():
    """Every published unit, grouped by instansi, with this year's IKM (enough responses only)."""
    groups = []
    for instansi in db.session.scalars(select(Instansi).order_by(Instansi.name)):
        units = db.session.scalars(select(Unit).where(
            Unit.instansi_id == instansi.id, Unit.publish_results.is_(True), Unit.active.is_(True)
        ).order_by(Unit.name)).all()
        if not units:
            continue
        local_today = clock.today(instansi.tz)
        scope = scoring.Scope(instansi.id, date_from=date(local_today.year, 1, 1), date_to=local_today)
        by_unit = {unit_id: (n, sums) for unit_id, n, sums in scoring.breakdown(scope, SkmDaily.unit_id)}
        rows = []
        for unit in units:
            n, sums = by_unit.get(unit.id, (0, {}))
            rows.append((unit, skm.compute_ikm(sums, n) if n >= MIN_PUBLIC_N else None))
        groups.append((instansi, local_today.year, rows))
    return _cached(render_template("insight/public/index.html", groups=groups, minimum=MIN_PUBLIC_N))


@bp.route("/<code>")
@access(PUBLIC)
def unit(code: str):
    units = _published(code)
    wanted = request.args.get("instansi", type=int)
    if wanted is not None:
        units = [u for u in units if u.instansi_id == wanted]
    if not units:
        return _cached(render_template("insight/public/not_found.html", code=code), 404)
    if len(units) > 1:
        return _cached(render_template("insight/public/choose.html", units=units, code=code))
    unit = units[0]
    local_today = clock.today(unit.instansi.tz)
    main = headline(unit, local_today)
    return _cached(render_template(
        "insight/public/unit.html", unit=unit, main=main, quarters=quarters(unit, local_today),
        follow_ups=followup.latest_follow_ups(unit, FOLLOW_UPS), minimum=MIN_PUBLIC_N,
        unsur=skm.UNSUR_BY_KODE, status_labels=followup.FOLLOW_UP_STATUS_LABELS,
    ))
