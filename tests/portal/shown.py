"""Figures as a reader sees them: parsed from the pages, CSV and workbooks the portal serves, so
that tests recompute them the way an auditor with a calculator would (from what is shown, never
from the database or the portal's own helpers)."""
from __future__ import annotations

import html as html_lib
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def number(text: str, locale: str = "id") -> Decimal:
    """A figure as printed in Indonesian ("1.234,56", the default) or English ("1,234.56")."""
    text = html_lib.unescape(text).strip().replace("\u00a0", "")
    if locale == "id":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return Decimal(text)


def half_up(value, places: int) -> Decimal:
    """A calculator's rounding: half up, from the value's decimal digits (a float by its repr)."""
    if isinstance(value, Fraction):
        scaled = value * 10**places
        return Decimal((2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)).scaleb(-places)
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def section(html: str, start: str, end: str) -> str:
    """The part of a page from the first `start` to the next `end` after it."""
    at = html.index(start)
    return html[at:html.index(end, at)]


# --- Laporan SKM -------------------------------------------------------------------------------------

_NRR_ROW = re.compile(r'<tr[^>]*><td>(U\d)</td><td>.*?</td>\s*<td class="num">([\d.,]+)</td>'
                      r'<td class="num">([^<]+)</td><td class="num">([\d.,]+)</td></tr>', re.S)


def laporan_page(html: str) -> dict:
    """n, the channel counts, NRR, weight and NRR tertimbang per unsur, IKM 1–4, IKM and mutu of a
    printed Laporan SKM."""
    n = number(re.search(r"Jumlah responden \(n\)</dt><dd>([^<]+)</dd>", html).group(1))
    channels_table = section(html, "<caption>Saluran pengisian</caption>", "</table>")
    channels = {html_lib.unescape(label): number(count) for label, count in
                re.findall(r'<tr><td>([^<]+)</td><td class="num">([^<]+)</td></tr>', channels_table)}
    unsur = {code: {"nrr": number(nrr), "weight": weight.strip(), "weighted": number(weighted)}
             for code, nrr, weight, weighted in _NRR_ROW.findall(html)}
    ikm_4 = number(re.search(r"IKM \(skala 1–4\) = Σ NRR tertimbang</th><td class=\"num\"><strong>([^<]+)</strong>",
                             html).group(1))
    ikm = number(re.search(r"IKM unit pelayanan \(skala 25–100\) = IKM × 25</th><td class=\"num\"><strong>([^<]+)"
                           r"</strong>", html).group(1))
    mutu = re.search(r'<strong class="mutu mutu-([A-D])">\1</strong> · ([^<(]+?) \(', html)
    return {"n": n, "channels": channels, "unsur": unsur, "ikm_4": ikm_4, "ikm": ikm,
            "mutu": mutu.group(1), "mutu_label": mutu.group(2)}


def laporan_workbook(workbook) -> dict:
    """The same figures from a Laporan SKM workbook's values (as a spreadsheet computed them)."""
    sheet = workbook["Laporan SKM"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    by_label = {row[0]: row[1:] for row in rows if row and isinstance(row[0], str)}
    unsur = {row[0]: {"nrr": row[2], "weight": row[3], "weighted": row[4]} for row in rows
             if row and isinstance(row[0], str) and re.fullmatch(r"U\d", row[0])}
    ikm_4 = next(row[4] for row in rows if len(row) > 4 and row[1] == "IKM (skala 1–4) = Σ NRR tertimbang")
    channels = {}
    in_channels = False
    for row in rows:
        if row and row[0] == "Saluran":
            in_channels = True
            continue
        if in_channels:
            if not row or row[0] is None:
                break
            channels[row[0]] = row[1]
    return {"n": by_label["Jumlah responden (n)"][0], "channels": channels, "unsur": unsur, "ikm_4": ikm_4,
            "ikm": by_label["IKM unit pelayanan (skala 25–100) = IKM × 25"][0],
            "mutu": by_label["Mutu pelayanan"][0], "mutu_label": by_label["Mutu pelayanan"][1]}
