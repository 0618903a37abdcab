"""Charts drawn on the server as SVG: readable without JavaScript, printable, no outside hosts.

Every function here is pure: plain data in (labels already translated, numbers already formatted
for the reader's locale), a :class:`Chart` out, holding

- ``svg``: an inline ``<svg role="img">`` named by its ``<title>`` and ``<desc>``, each mark with
  its own ``<title>`` (a tooltip and a screen-reader label);
- ``table``: the same numbers as a plain HTML table, the fallback for screen readers, text
  browsers and anyone who wants the figures.

All text is escaped here. The Content-Security-Policy forbids ``style`` attributes, so colours
and fonts are SVG presentation attributes (``fill``, ``font-size``), which a stylesheet may still
override through the class names (``static/css/insight.css``). Reused by the dashboards, the
Laporan SKM and the public results page.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from markupsafe import Markup, escape

Number = int | float | Decimal | Fraction

INK = "#1b2430"
MUTED = "#4a5568"
GRID = "#d5dbe3"
BRAND = "#0b5f8a"
PRIORITY = "#a4262c"
#: The heatmap's empty cells and the two ends of its scale.
EMPTY = "#f3f5f8"
LOW = (0xe3, 0xee, 0xf5)
HIGH = (0x0b, 0x5f, 0x8a)
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
WIDTH = 860
BOLD = ' font-weight="700"'


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its data table; in a template ``{{ chart }}`` shows both in a <figure>."""

    svg: Markup
    table: Markup
    #: The summary of the <details> that holds the table, e.g. "Tabel data".
    data_label: str = ""
    #: A drawing for phones (narrow viewBox, text of at least 12 CSS px at 360 px), shown instead of
    #: ``svg`` below 40rem by static/css/insight.css; empty: ``svg`` scales to every width.
    phone: Markup = Markup("")

    def __html__(self) -> str:
        details = Markup('<details class="chart-data"><summary>{}</summary>{}</details>').format(
            self.data_label, self.table) if self.data_label else self.table
        if self.phone:
            return Markup('<figure class="chart chart-has-phone"><div class="chart-wide">{}</div>'
                          '<div class="chart-phone">{}</div>{}</figure>').format(self.svg, self.phone, details)
        return Markup('<figure class="chart">{}{}</figure>').format(self.svg, details)


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: ``value`` places it, ``shown`` is the figure printed beside it."""

    label: str
    value: Number
    shown: str
    highlight: bool = False


@dataclass(frozen=True)
class Point:
    """One point of a trend; ``value`` None leaves a gap (no responses in that month)."""

    label: str
    value: Number | None
    shown: str
    #: A second line under the label and a column of the table, e.g. "n = 1.234".
    detail: str = ""


@dataclass(frozen=True)
class Band:
    """A shaded horizontal band behind a trend, e.g. a mutu category (``lower`` inclusive)."""

    lower: Number
    upper: Number
    label: str
    fill: str


def _n(value: float) -> str:
    """A coordinate: one decimal at most, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _e(text: object) -> str:
    """Escaped text for SVG/HTML (the figures are built as plain strings: thousands of marks)."""
    return str(escape(text))


def _svg_open(ident: str, width: int, height: int, title: str, description: str, css_class: str) -> str:
    ident = _e(ident)
    # Drawn at its natural size (width, height) and shrunk by CSS (max-width: 100%) on narrow screens.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg {css_class}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="13" fill="{INK}">'
            f'<title id="{ident}-title">{_e(title)}</title><desc id="{ident}-desc">{_e(description)}</desc>')


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def data_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               numeric: Sequence[int] = (), row_headers: bool = True) -> Markup:
    """A plain table: the first cell of each row is its header; columns in ``numeric`` align right."""
    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f'<th scope="col"{cls(i)}>{_e(h)}</th>' for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = [f'<th scope="row"{cls(i)}>{_e(cell)}</th>' if i == 0 and row_headers else f"<td{cls(i)}>{_e(cell)}</td>"
                 for i, cell in enumerate(row)]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return Markup(f'<div class="table-wrap" tabindex="0" role="region" aria-label="{_e(caption)}"><table class="chart-table"><caption>{_e(caption)}</caption>'
                  f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


# --- horizontal bars (the nine NRR) ------------------------------------------------------------


def bar_chart(bars: Sequence[Bar], *, ident: str, title: str, description: str = "",
              scale: tuple[Number, Number] = (1, 4), ticks: Sequence[tuple[Number, str]] = (),
              highlight_note: str = "", headers: tuple[str, str] = ("", ""), data_label: str = "") -> Chart:
    """Horizontal bars on a fixed scale (NRR: 1–4), labels on the left, the figure on the right.

    Highlighted bars (the weakest unsur) are drawn in red and carry ``highlight_note`` after the
    figure, e.g. "Prioritas perbaikan". ``ticks`` are (value, label) gridlines.
    """
    width, label_w, bar_x, bar_w, row_h, bar_h, top = 900, 360, 370, 300, 30, 18, 6
    low, high = float(scale[0]), float(scale[1])
    height = top + row_h * len(bars) + (26 if ticks else 6)
    bottom = top + row_h * len(bars)

    def x_of(value: Number) -> float:
        share = (float(value) - low) / (high - low) if high > low else 0.0
        return bar_x + max(0.0, min(1.0, share)) * bar_w

    parts = [_svg_open(ident, width, height, title, description, "chart-bars")]
    for value, label in ticks:
        x = _n(x_of(value))
        parts.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>'
                     f'<text class="tick" x="{x}" y="{bottom + 16}" text-anchor="middle" font-size="11" '
                     f'fill="{MUTED}">{_e(label)}</text>')
    note = _e(highlight_note)
    for i, bar in enumerate(bars):
        mid = top + i * row_h + row_h / 2
        text_y = _n(mid + 4.5)
        length = _n(max(1.0, x_of(bar.value) - bar_x))
        priority = bar.highlight and bool(highlight_note)
        tooltip = _e(f"{bar.label}: {bar.shown}" + (f" · {highlight_note}" if priority else ""))
        parts.append(
            f'<g class="{"bar bar-priority" if bar.highlight else "bar"}"><title>{tooltip}</title>'
            f'<text class="bar-label" x="{label_w}" y="{text_y}" text-anchor="end"'
            f'{BOLD if bar.highlight else ""}>{_e(_truncate(bar.label, 44))}</text>'
            f'<rect x="{bar_x}" y="{_n(mid - bar_h / 2)}" width="{length}" height="{bar_h}" rx="2" '
            f'fill="{PRIORITY if bar.highlight else BRAND}"/>'
            f'<text class="bar-value" x="{bar_x + bar_w + 8}" y="{text_y}" font-weight="600">{_e(bar.shown)}</text>'
            + (f'<text class="bar-note" x="{bar_x + bar_w + 60}" y="{text_y}" font-size="12" font-weight="700" '
               f'fill="{PRIORITY}">{note}</text>' if priority else "")
            + "</g>")
    parts.append("</svg>")
    rows = [(bar.label, bar.shown + (f" ({highlight_note})" if bar.highlight and highlight_note else ""))
            for bar in bars]
    return Chart(Markup("".join(parts)), data_table(title, headers, rows, numeric=(1,)), data_label,
                 _phone_bars(bars, ident, title, description, low, high, highlight_note))


def _phone_bars(bars: Sequence[Bar], ident: str, title: str, description: str, low: float, high: float,
                highlight_note: str) -> Markup:
    """The bars for a phone: each label on its own line above its bar, in 15-unit text on a 340-unit
    wide drawing (about 13 CSS px where a phone gives it 300 px), no gridlines."""
    width, bar_w, row_h, font = 340, 250, 46, 15
    height = row_h * len(bars) + 4
    parts = [_svg_open(f"{ident}-phone", width, height, title, description, "chart-bars chart-bars-phone")
             .replace('font-size="13"', f'font-size="{font}"', 1)]
    for i, bar in enumerate(bars):
        y = i * row_h
        share = (float(bar.value) - low) / (high - low) if high > low else 0.0
        length = _n(max(1.0, max(0.0, min(1.0, share)) * bar_w))
        priority = bar.highlight and bool(highlight_note)
        tooltip = _e(f"{bar.label}: {bar.shown}" + (f" · {highlight_note}" if priority else ""))
        parts.append(
            f'<g class="{"bar bar-priority" if bar.highlight else "bar"}"><title>{tooltip}</title>'
            f'<text class="bar-label" x="0" y="{y + 16}"{BOLD if bar.highlight else ""}>'
            f'{_e(_truncate(bar.label, 36))}</text>'
            f'<rect x="0" y="{y + 22}" width="{length}" height="16" rx="2" fill="{PRIORITY if bar.highlight else BRAND}"/>'
            f'<text class="bar-value" x="{_n(float(length) + 6)}" y="{y + 36}" font-weight="600">{_e(bar.shown)}</text>'
            + "</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


# --- a trend over time (IKM per month) ---------------------------------------------------------


def fit_range(values: Sequence[Number], bounds: tuple[Number, Number], step: int = 5,
              margin: float = 2.5) -> tuple[float, float]:
    """A y range around the values, on multiples of ``step``, inside ``bounds``."""
    low, high = float(bounds[0]), float(bounds[1])
    if not values:
        return low, high
    floor = min(float(v) for v in values) - margin
    ceiling = max(float(v) for v in values) + margin
    start = max(low, step * (floor // step))
    end = min(high, step * -(-ceiling // step))
    if end - start < 2 * step:
        end = min(high, start + 2 * step)
        start = max(low, end - 2 * step)
    return start, end


def line_chart(points: Sequence[Point], *, ident: str, title: str, description: str = "",
               bounds: tuple[Number, Number] = (25, 100), bands: Sequence[Band] = (), y_format=None,
               headers: tuple[str, str, str] = ("", "", ""), data_label: str = "") -> Chart:
    """A line through the points with each value printed above it, on a y range fitted to the
    values within ``bounds`` (the axis is labelled, so a range not starting at the scale's minimum
    is visible); ``bands`` shade categories behind the line. Missing values break the line."""
    left, right, top, bottom, height = 44, 16, 24, 44, 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    known = [p.value for p in points if p.value is not None]
    low, high = fit_range(known, bounds)
    step = plot_w / max(1, len(points))
    y_format = y_format or (lambda v: f"{v:g}")

    def y_of(value: Number) -> float:
        return top + plot_h - (float(value) - low) / (high - low) * plot_h

    parts = [_svg_open(ident, WIDTH, height, title, description, "chart-trend")]
    for band in bands:
        lo, hi = max(low, float(band.lower)), min(high, float(band.upper))
        if hi <= lo:
            continue
        parts.append(f'<g class="band"><rect x="{left}" y="{_n(y_of(hi))}" width="{plot_w}" '
                     f'height="{_n(y_of(lo) - y_of(hi))}" fill="{_e(band.fill)}"/>'
                     f'<text x="{WIDTH - right - 4}" y="{_n(y_of(hi) + 12)}" text-anchor="end" font-size="11" '
                     f'fill="{MUTED}">{_e(band.label)}</text></g>')
    grid_step = 5 if high - low <= 40 else 10
    tick = low
    while tick <= high + 1e-9:
        y = _n(y_of(tick))
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y}" y2="{y}" stroke="{GRID}" '
                     f'stroke-width="1"/><text class="tick" x="{left - 6}" y="{_n(y_of(tick) + 4)}" text-anchor="end" '
                     f'font-size="11" fill="{MUTED}">{_e(y_format(tick))}</text>')
        tick += grid_step
    segments: list[list[str]] = [[]]
    for i, point in enumerate(points):
        if point.value is None:
            segments.append([])
        else:
            segments[-1].append(f"{_n(left + step * (i + 0.5))},{_n(y_of(point.value))}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(segment)}" fill="none" stroke="{BRAND}" '
                         f'stroke-width="2.5"/>')
    for i, point in enumerate(points):
        x = _n(left + step * (i + 0.5))
        tooltip = _e(" · ".join(part for part in (point.label, point.shown, point.detail) if part))
        parts.append(f'<g class="point"><title>{tooltip}</title>')
        if point.value is not None:
            y = y_of(point.value)
            parts.append(f'<circle cx="{x}" cy="{_n(y)}" r="4.5" fill="{BRAND}"/>'
                         f'<text class="point-value" x="{x}" y="{_n(y - 10)}" text-anchor="middle" font-size="12" '
                         f'font-weight="600">{_e(point.shown)}</text>')
        parts.append(f'<text class="point-label" x="{x}" y="{height - bottom + 18}" text-anchor="middle" '
                     f'font-size="12">{_e(point.label)}</text>')
        if point.detail:
            parts.append(f'<text class="point-detail" x="{x}" y="{height - bottom + 33}" text-anchor="middle" '
                         f'font-size="10" fill="{MUTED}">{_e(point.detail)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    rows = [(p.label, p.shown, p.detail) for p in points]
    # On a phone the trend reads as one bar per period, label above, in text of phone size.
    phone = _phone_bars([Bar(f"{p.label} · {p.detail}" if p.detail else p.label,
                             low if p.value is None else p.value, p.shown) for p in points],
                        ident, title, description, low, high, "")
    return Chart(Markup("".join(parts)), data_table(title, headers, rows, numeric=(1, 2)), data_label, phone)


# --- a grid of counts (weekday × hour) ---------------------------------------------------------


def shade(value: Number, maximum: Number) -> str:
    """The fill of a heatmap cell: from a pale blue (few) to the brand blue (the most)."""
    if not maximum or not value:
        return EMPTY
    share = max(0.0, min(1.0, float(value) / float(maximum)))
    share = 0.12 + 0.88 * share
    return "#" + "".join(f"{round(lo + (hi - lo) * share):02x}" for lo, hi in zip(LOW, HIGH))


def heatmap(values: Sequence[Sequence[Number]], *, row_labels: Sequence[str], col_labels: Sequence[str],
            ident: str, title: str, description: str = "", texts: Sequence[Sequence[str]] | None = None,
            tooltips: Sequence[Sequence[str]] | None = None, corner: str = "",
            legend: tuple[str, str] = ("", ""), data_label: str = "") -> Chart:
    """Rows × columns of cells shaded by ``values`` (e.g. responses per weekday and hour).

    ``texts`` are printed in the cells and the table (default: the values), ``tooltips`` become
    each cell's <title>. Empty (zero) cells stay pale and blank.
    """
    texts = texts or [[str(v) for v in row] for row in values]
    label_w, top, cols, cell_h = 96, 26, max(1, len(col_labels)), 30
    cell_w = min(48.0, (WIDTH - label_w - 8) / cols)
    legend_h = 34 if any(legend) else 8
    height = top + cell_h * len(row_labels) + legend_h
    width = max(round(label_w + cell_w * cols + 8), 320)
    maximum = max((float(v) for row in values for v in row), default=0.0)
    font = 10 if cell_w >= 36 else 9
    parts = [_svg_open(ident, width, height, title, description, "chart-heatmap")]
    for j, label in enumerate(col_labels):
        parts.append(f'<text class="col-label" x="{_n(label_w + cell_w * (j + 0.5))}" y="{top - 8}" '
                     f'text-anchor="middle" font-size="11" fill="{MUTED}">{_e(label)}</text>')
    for i, row_label in enumerate(row_labels):
        y = top + i * cell_h
        parts.append(f'<text class="row-label" x="{label_w - 8}" y="{_n(y + cell_h / 2 + 4.5)}" '
                     f'text-anchor="end">{_e(row_label)}</text>')
        for j, col_label in enumerate(col_labels):
            tip = tooltips[i][j] if tooltips else f"{row_label} {col_label}: {texts[i][j]}"
            parts.append(_cell(label_w + cell_w * j, y, cell_w, cell_h, values[i][j], maximum, texts[i][j], tip,
                               font, 3.5))
    if any(legend):
        y = top + cell_h * len(row_labels) + 12
        parts.append(f'<g class="legend"><text x="{label_w + 2}" y="{y + 11}" text-anchor="end" font-size="11" '
                     f'fill="{MUTED}">{_e(legend[0])}</text>')
        parts.extend(f'<rect x="{label_w + 8 + 22 * k}" y="{y}" width="22" height="14" fill="{shade(k + 1, 5)}"/>'
                     for k in range(5))
        parts.append(f'<text x="{label_w + 8 + 22 * 5 + 6}" y="{y + 11}" font-size="11" fill="{MUTED}">'
                     f'{_e(legend[1])}</text></g>')
    parts.append("</svg>")
    rows = [(label, *texts[i]) for i, label in enumerate(row_labels)]
    table = data_table(title, (corner, *col_labels), rows, numeric=tuple(range(1, cols + 1)))
    phone = _phone_heatmap(values, texts, tooltips, row_labels, col_labels, maximum, ident, title, description)
    return Chart(Markup("".join(parts)), table, data_label, phone)


def _cell(x: float, y: float, width: float, height: float, value: Number, maximum: float, text: str, tip: str,
          font: int, baseline: float) -> str:
    """One heatmap cell: shaded by ``value``, its ``text`` printed in it unless empty, ``tip`` on hover."""
    parts = [f'<g class="cell"><title>{_e(tip)}</title><rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
             f'height="{_n(height)}" fill="{shade(value, maximum)}" stroke="#ffffff" stroke-width="1"/>']
    if value:
        dark = float(value) / maximum > 0.5
        parts.append(f'<text x="{_n(x + width / 2)}" y="{_n(y + height / 2 + baseline)}" text-anchor="middle" '
                     f'font-size="{font}" fill="{"#ffffff" if dark else INK}">{_e(text)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _phone_heatmap(values, texts, tooltips, row_labels, col_labels, maximum, ident: str, title: str,
                   description: str) -> Markup:
    """The grid for a phone, turned a quarter: the columns (hours) become rows and the rows
    (weekdays) columns, headed by their first three letters, in 14- and 15-unit text on a 340-unit
    wide drawing (at least 12 CSS px at 360 px)."""
    label_w, top, cell_h, width = 52, 26, 30, 340
    cell_w = (width - label_w) / max(1, len(row_labels))
    height = top + cell_h * len(col_labels) + 4
    parts = [_svg_open(f"{ident}-phone", width, height, title, description, "chart-heatmap chart-heatmap-phone")
             .replace('font-size="13"', 'font-size="15"', 1)]
    for i, label in enumerate(row_labels):
        parts.append(f'<text class="col-label" x="{_n(label_w + cell_w * (i + 0.5))}" y="{top - 8}" '
                     f'text-anchor="middle" fill="{MUTED}">{_e(str(label)[:3])}</text>')
    for j, col_label in enumerate(col_labels):
        y = top + j * cell_h
        parts.append(f'<text class="row-label" x="{label_w - 6}" y="{_n(y + cell_h / 2 + 5)}" '
                     f'text-anchor="end">{_e(col_label)}</text>')
        for i, row_label in enumerate(row_labels):
            tip = tooltips[i][j] if tooltips else f"{row_label} {col_label}: {texts[i][j]}"
            parts.append(_cell(label_w + cell_w * i, y, cell_w, cell_h, values[i][j], maximum, texts[i][j], tip, 14, 5))
    parts.append("</svg>")
    return Markup("".join(parts))
