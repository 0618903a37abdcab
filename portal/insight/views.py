"""IKM dashboards: the instansi overview for HR, a unit's dashboard for HR and its head, and a
supervisor's view of their direct reports' officer scores.

Who sees what is decided in portal/insight/permissions.py; the figures come from
portal/insight/dashboard.py (rollups only) and are drawn by portal/insight/charts.py.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from babel.dates import get_day_names
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField
from wtforms.validators import NumberRange, Optional

from portal import nav
from portal.access import access
from portal.accounts.models import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.extensions import db
from portal.feedback import scoring
from portal.forms import Form
from portal.localtime import ZONE_NAMES
from portal.insight import charts, dashboard, permissions
from portal.localtime import today
from portal.org.models import Unit
from surveys import kiosk, skm

bp = Blueprint("insight", __name__, url_prefix="/dasbor", template_folder="templates")
#: Unit heads hold the supervisor role; which units they see is decided by permissions.py.
VIEWERS = (HR, ADMIN, SUPERVISOR, AUDITOR)

nav.register("insight.index", _l("Dasbor IKM"),
             _l("Indeks Kepuasan Masyarakat per unit, loket, layanan dan petugas."), *VIEWERS, order=55)

PRESET_LABELS = {
    "bulan": _l("Bulan ini"),
    "triwulan": _l("Triwulan ini"),
    "12bulan": _l("12 bulan terakhir"),
    "tahun": _l("Tahun ini"),
}
FOLLOW_UP_STATUS = {"direncanakan": _l("direncanakan"), "berjalan": _l("berjalan"), "selesai": _l("selesai")}
#: Mutu bands behind the monthly trend, lightest for A.
BAND_FILLS = {"A": "#e3f1e8", "B": "#eaf2f8", "C": "#fbf0dc", "D": "#f8e3e4"}


class PeriodForm(Form):
    """The dashboard's filter, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    dari = DateField(_l("Dari tanggal"), validators=[Optional()])
    sampai = DateField(_l("Sampai tanggal"), validators=[Optional()])
    populasi = IntegerField(_l("Populasi (layanan yang diberikan dalam periode)"),
                            validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    subunit = BooleanField(_l("Sertakan sub-unit"))


# --- reading the request ---------------------------------------------------------------------


def _read_filter(tz) -> tuple[PeriodForm, dashboard.Period]:
    """The period asked for: a preset (`periode`), or dates (`dari`, `sampai`), or the last 12 months."""
    form = PeriodForm(request.args)
    form.validate()
    local_today = today(tz)
    default = dashboard.preset_period(dashboard.DEFAULT_PRESET, local_today)
    preset = request.args.get("periode")
    if preset in dashboard.PRESETS:
        period = dashboard.preset_period(preset, local_today)
    elif (form.dari.data or form.sampai.data) and not (form.dari.errors or form.sampai.errors):
        start = form.dari.data or default.date_from
        end = form.sampai.data or local_today
        if start > end:
            form.sampai.errors.append(gettext("Tanggal akhir harus sama dengan atau sesudah tanggal awal."))
            period = default
        elif (end - start).days >= dashboard.MAX_DAYS:
            form.sampai.errors.append(gettext("Periode paling panjang 5 tahun."))
            period = default
        else:
            period = dashboard.Period(start, end)
    else:
        period = default
    if not (form.dari.errors or form.sampai.errors):
        form.dari.data, form.sampai.data = period.date_from, period.date_to
    return form, period


def _population(form: PeriodForm) -> int | None:
    return form.populasi.data if form.populasi.data and not form.populasi.errors else None


def _query(form: PeriodForm, period: dashboard.Period, **changes) -> dict:
    """The query string that keeps the current filter, with `changes` applied."""
    args = {"periode": period.preset} if period.preset else {
        "dari": period.date_from.isoformat(), "sampai": period.date_to.isoformat()}
    if _population(form):
        args["populasi"] = _population(form)
    if form.subunit.data:
        args["subunit"] = "y"
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


def _presets(endpoint: str, form: PeriodForm, period: dashboard.Period, **view_args) -> list[dict]:
    return [{"key": key, "label": PRESET_LABELS[key], "active": period.preset == key,
             "url": url_for(endpoint, **view_args, **_query(form, period, periode=key, dari=None, sampai=None))}
            for key in dashboard.PRESETS]


# --- formatting ------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _symbols(locale: str) -> dict[int, str]:
    """The locale's decimal and grouping marks, as a translation table for Python's own formatting."""
    return str.maketrans({".": get_decimal_symbol(locale), ",": get_group_symbol(locale)})


def _number(value, decimals: int = 0) -> str:
    """A number in the reader's locale ("1.234,56" in Indonesian), with `decimals` places.

    Values arrive already rounded half up (surveys.exact.round_half_up) or whole, so Python's
    formatting only lays them out; it is much faster than Babel's pattern formatting, which
    matters on a page with several hundred numbers.
    """
    symbols = g.get("insight_symbols")
    if symbols is None:
        symbols = g.insight_symbols = _symbols(str(get_locale()))
    return f"{value:,.{decimals}f}".translate(symbols)


def _count(n: int) -> str:
    return _number(n)


def _ikm(value) -> str:
    return _number(value, 2)


def _nrr(value: Fraction) -> str:
    return _number(skm.round_half_up(value, 3), 3)


def _unsur_name(code: str) -> str:
    return f"{code} {gettext(skm.UNSUR_BY_KODE[code].name)}"


def _weakest(result: skm.IkmResult | None) -> str:
    if result is None:
        return ""
    return ", ".join(_unsur_name(code) for code in result.weakest)


def _period_label(period: dashboard.Period) -> str:
    return gettext("%(start)s s.d. %(end)s", start=format_date(period.date_from, "medium"),
                   end=format_date(period.date_to, "medium"))


def _zone(tz_name: str) -> str:
    return ZONE_NAMES.get(tz_name, tz_name)


def _headline(figure: dashboard.Figure, population: int | None) -> dict:
    adequacy = skm.sample_adequacy(figure.n, population)
    result = figure.result
    return {
        "n": _count(figure.n), "has_data": result is not None,
        "ikm": _ikm(result.ikm) if result else "—", "ikm_4": _number(result.ikm_4_rounded, 4) if result else "",
        "mutu": result.mutu if result else None, "mutu_label": gettext(result.mutu_label) if result else "",
        "weakest": _weakest(result),
        "weakest_nrr": _nrr(result.nrr[result.weakest[0]]) if result else "",
        "adequacy": {"required": _count(adequacy.required), "adequate": adequacy.adequate,
                     "missing": _count(max(0, adequacy.required - figure.n)),
                     "population": _count(population) if population else None},
    }


def _officer(row: dashboard.OfficerRow, codes: tuple[str, ...]) -> dict:
    """An officer's row: _row's figures and the 95% interval (shown score ± shown margin)."""
    interval = row.interval
    return {**_row(row, codes),
            "interval": f"{_ikm(interval.low)}–{_ikm(interval.high)}" if interval else "—",
            "margin": _ikm(interval.margin) if interval else None}


def _officer_group(group: dashboard.LayananOfficers, codes: tuple[str, ...]) -> dict:
    return {"name": group.obj.name if group.obj else gettext("Loket tanpa layanan"),
            "everyone": _officer(group.everyone, codes), "officers": [_officer(r, codes) for r in group.officers]}


def _row(row: dashboard.Row | dashboard.OfficerRow, codes: tuple[str, ...] | None = None) -> dict:
    result = row.figure.result
    return {
        "obj": row.obj, "n": _count(row.figure.n), "has_data": result is not None,
        "ikm": _ikm(result.ikm) if result else "—", "mutu": result.mutu if result else None,
        "mutu_label": gettext(result.mutu_label) if result else "",
        "weakest": _weakest(result) if codes is None else "",
        "nrr": [_nrr(result.nrr[c]) if result else "—" for c in codes or ()],
    }


# --- charts ----------------------------------------------------------------------------------


def _nrr_chart(result: skm.IkmResult, ident: str) -> charts.Chart:
    bars = [charts.Bar(_unsur_name(code), value, _nrr(value), code in result.weakest)
            for code, value in result.nrr.items()]
    return charts.bar_chart(
        bars, ident=ident, title=gettext("Nilai rata-rata (NRR) per unsur, skala 1–4"),
        description=gettext("Unsur terlemah, %(unsur)s, ditandai sebagai prioritas perbaikan.",
                            unsur=_weakest(result)),
        ticks=[(v, str(v)) for v in range(1, 5)], highlight_note=gettext("Prioritas perbaikan"),
        headers=(gettext("Unsur"), gettext("NRR")), data_label=gettext("Tabel data"))


def _mutu_bands() -> list[charts.Band]:
    """The mutu categories as shaded bands, each reaching up to the next one's lower bound."""
    bands, upper = [], skm.MUTU_BANDS[0].upper
    for band in skm.MUTU_BANDS:
        bands.append(charts.Band(band.lower, upper, gettext("Mutu %(mutu)s", mutu=band.mutu), BAND_FILLS[band.mutu]))
        upper = band.lower
    return bands


def _trend_chart(months: list[dashboard.MonthFigure], ident: str) -> charts.Chart:
    points = [charts.Point(
        format_date(m.month, "MMM yy"), m.ikm, _ikm(m.ikm) if m.ikm is not None else "—", f"n = {_count(m.n)}")
        for m in months]
    return charts.line_chart(
        points, ident=ident, title=gettext("IKM per bulan"),
        description=gettext("IKM (skala 25–100) setiap bulan dalam periode, dengan jumlah responden; "
                            "latar menunjukkan mutu pelayanan."),
        bands=_mutu_bands(), y_format=_number,
        headers=(gettext("Bulan"), gettext("IKM"), gettext("Responden")), data_label=gettext("Tabel data"))


def _heatmap_chart(grid: dashboard.HourGrid, zone: str, ident: str) -> charts.Chart | None:
    hours = grid.hours()
    if not hours:
        return None
    day_names = get_day_names("wide", locale=get_locale())
    rows = [day_names[d] for d in range(dashboard.WEEKDAYS)]
    values = [[grid.counts[d][h] for h in hours] for d in range(dashboard.WEEKDAYS)]
    texts = [[_count(v) for v in row] for row in values]
    # One translation for every cell, filled in per cell.
    template = gettext("%(day)s, %(hour)s.00–%(hour)s.59 %(zone)s: %(n)s respons, rata-rata skor %(mean)s")
    tooltips = [[template % {
        "day": rows[d], "hour": f"{h:02d}", "zone": zone, "n": _count(grid.counts[d][h]),
        "mean": _number(skm.round_half_up(grid.mean_score(d, h), 2), 2) if grid.counts[d][h] else "—",
    } for h in hours] for d in range(dashboard.WEEKDAYS)]
    return charts.heatmap(
        values, row_labels=rows, col_labels=[f"{h:02d}" for h in hours], ident=ident,
        title=gettext("Jumlah respons per hari dan jam (%(zone)s)", zone=zone),
        description=gettext("Warna sel menunjukkan jumlah respons pada hari dan jam itu, menurut waktu setempat "
                            "instansi (%(zone)s); makin gelap makin banyak.", zone=zone),
        texts=texts, tooltips=tooltips, corner=gettext("Hari / jam"),
        legend=(gettext("sedikit"), gettext("banyak")), data_label=gettext("Tabel data"))


def _kiosk(summary) -> dict:
    return {
        "n": _count(summary.n), "has_data": summary.n > 0,
        "happy_index": _ikm(summary.happy_index) if summary.happy_index is not None else "—",
        "negative_share": _number(summary.negative_share, 2) if summary.negative_share is not None else "—",
        "faces": [(gettext(face.label), _count(summary.by_face.get(face.value, 0))) for face in kiosk.FACES],
    }


def _figures(scope, figure: dashboard.Figure, period: dashboard.Period, population: int | None, zone: str,
             ident: str) -> dict:
    """The figures shared by the instansi overview and a unit's dashboard."""
    result = figure.result
    hours = scoring.hourly(scope) if result else []
    return {
        "headline": _headline(figure, population),
        "nrr_chart": _nrr_chart(result, f"{ident}-nrr") if result else None,
        "trend_chart": _trend_chart(dashboard.monthly(hours, period), f"{ident}-trend") if result else None,
        "heatmap": _heatmap_chart(dashboard.hour_grid(hours), zone, f"{ident}-heatmap") if result else None,
    }


def _alerts(alerts) -> list[dict]:
    return [{"code": alert.counter.code, "since": format_date(alert.opened_at, "medium"), "kind": alert.kind}
            | ({"share": _number(alert.share_percent, 2), "negative": _count(alert.negative),
                "answers": _count(alert.answers), "threshold": _number(alert.threshold_percent, 2)}
               if alert.kind == "negative" else {}) for alert in alerts]


def _follow_up(follow_up) -> dict | None:
    if follow_up is None:
        return None
    return {"unsur": _unsur_name(follow_up.unsur), "action": follow_up.action,
            "status": FOLLOW_UP_STATUS.get(follow_up.status, follow_up.status),
            "period": _period_label(dashboard.Period(follow_up.period_from, follow_up.period_to))}


# --- pages -----------------------------------------------------------------------------------


@bp.route("/")
@access(*VIEWERS)
def index():
    """HR: the instansi overview. A unit head: their unit (or the list of their units)."""
    hr = permissions.can_view_instansi(current_user)
    units = permissions.dashboard_units(current_user)
    args = {k: v for k, v in request.args.items() if k != "code"}
    if not hr and len(units) == 1:
        return redirect(url_for("insight.unit", code=units[0].code, **args))
    if not hr and not units:
        if permissions.can_view_team(current_user):
            return redirect(url_for("insight.team", **args))
        abort(403)
    instansi = current_user.instansi
    form, period = _read_filter(instansi.tz)
    population = _population(form)
    context = {}
    if hr:
        scope = dashboard.scope_for(instansi.id, period)
        context = _figures(scope, dashboard.headline(scope), period, population, _zone(instansi.timezone), "instansi")
        context["kiosk"] = _kiosk(dashboard.kiosk_figures(instansi.id, period, None))
    rows = [_row(r) for r in dashboard.unit_rows(instansi.id, period, units) if r.obj.active or r.figure.n]
    return render_template(
        "insight/dashboard/overview.html", hr=hr, instansi=instansi, form=form, period=period,
        period_label=_period_label(period), presets=_presets("insight.index", form, period),
        units=rows, query=_query(form, period, subunit=None), zone=_zone(instansi.timezone),
        **context)


def _unit(code: str, units: list[Unit]) -> Unit:
    """The unit of the viewer's instansi with this code (404), if the viewer may see it (403)."""
    unit = db.session.scalar(select(Unit).where(Unit.instansi_id == current_user.instansi_id, Unit.code == code))
    if unit is None:
        abort(404)
    if not permissions.can_view_unit(current_user, unit, units):
        abort(403)
    return unit


def _link(endpoint: str, **values) -> str | None:
    """A link to another feature's page, when that feature is installed (alerts, follow-ups, Laporan SKM)."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


@bp.route("/unit/<code>")
@access(*VIEWERS)
def unit(code: str):
    units = permissions.dashboard_units(current_user)
    unit = _unit(code, units)
    instansi = current_user.instansi
    form, period = _read_filter(instansi.tz)
    population = _population(form)
    sub_units = [u for u in dashboard.descendants(unit) if permissions.can_view_unit(current_user, u, units)]
    included = sub_units if form.subunit.data else []
    unit_ids = [unit.id, *(u.id for u in included)]
    scope = dashboard.scope_for(instansi.id, period, unit, included)
    zone = _zone(instansi.timezone)
    cut = dashboard.slices(scope)
    context = _figures(scope, cut.total(), period, population, zone, f"unit-{unit.id}")
    codes = scoring.officer_unsur(instansi)
    visible = permissions.visible_officer_ids(current_user)
    officers = dashboard.officer_groups(cut, instansi, visible)
    return render_template(
        "insight/dashboard/unit.html", unit=unit, instansi=instansi, form=form, period=period,
        period_label=_period_label(period), zone=zone,
        presets=_presets("insight.unit", form, period, code=unit.code),
        sub_units=sub_units, included=included,
        counters=[_row(r) for r in dashboard.counter_rows(cut, unit_ids)],
        services=[_row(r) for r in dashboard.service_rows(cut, unit_ids)],
        # HR always sees the section; anyone else only when an officer of theirs has responses here.
        officers=[_officer_group(g, codes) for g in officers] if visible is None or officers else None,
        officer_codes=[(c, _unsur_name(c)) for c in codes],
        kiosk=_kiosk(dashboard.kiosk_figures(instansi.id, period, unit_ids)),
        alerts=_alerts(dashboard.open_alerts(unit_ids)), follow_up=_follow_up(dashboard.latest_follow_up(unit_ids)),
        overview_url=url_for("insight.index", **_query(form, period, subunit=None))
        if permissions.can_view_instansi(current_user) or len(units) > 1 else None,
        links={"alerts": _link("followup.alert_list"), "follow_ups": _link("followup.unit_follow_ups", code=unit.code),
               "laporan": _link("followup.laporan", code=unit.code, dari=period.date_from.isoformat(),
                                sampai=period.date_to.isoformat())},
        **context)


@bp.route("/petugas")
@access(SUPERVISOR)
def team():
    """A supervisor's direct reports and their officer scores (officer unsur only), for the period."""
    instansi = current_user.instansi
    form, period = _read_filter(instansi.tz)
    reports = permissions.direct_reports(current_user)
    report_ids = {e.id for e in reports}
    at_lokets = [e for e in permissions.loket_officers(current_user) if e.id not in report_ids]
    codes = scoring.officer_unsur(instansi)
    rows = [_officer(r, codes) for r in dashboard.team_rows(instansi, period, reports)]
    loket_rows = [_officer(r, codes) for r in dashboard.team_rows(instansi, period, at_lokets)]
    return render_template(
        "insight/dashboard/team.html", instansi=instansi, form=form, period=period,
        period_label=_period_label(period), presets=_presets("insight.team", form, period), officers=rows,
        loket_officers=loket_rows, zone=_zone(instansi.timezone),
        officer_codes=[(c, _unsur_name(c)) for c in codes],
        units=permissions.dashboard_units(current_user), hr=permissions.can_view_instansi(current_user))

