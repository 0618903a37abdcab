"""Loket tools: QR codes for lokets and officers, the active-loket listing, queue-ticket batches."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import qrcode
from qrcode.compat.etree import ET
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import User
from portal.extensions import db
from portal import base_url
from portal.feedback.links import survey_url, ticket_url
from portal.feedback.models import TicketBatch
from portal.localtime import today
from portal.org.models import Counter, Employee, RosterEntry, Unit
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.tickets import MAX_SERIAL, sign_ticket

#: Modules of white around the code, as the QR standard asks.
QUIET_ZONE = 4
#: Pixels per module in PNG downloads: about 6 cm wide at 300 dpi for a loket URL.
PNG_MODULE_PIXELS = 16
MAX_TICKETS = 5000
#: Serials start at 1, the number printed on the first ticket of the day.
FIRST_SERIAL = 1
#: Farther ahead than this is almost always a mistyped year.
MAX_DAYS_AHEAD = 366
CSV_HEADER = ("counter", "date", "serial", "code", "url")


class TicketRefused(DomainError):
    """A batch of queue tickets that cannot be issued; ``field`` names the input at fault."""

    def __init__(self, message: str, params: dict | None = None, field: str | None = None):
        super().__init__(message, params)
        self.field = field


# --- QR codes ---------------------------------------------------------------------------------

def _qr(data: str, box_size: int = 10) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE, box_size=box_size)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_svg(data: str, *, label: str | None = None, inline: bool = False) -> str:
    """The QR code of ``data`` as SVG: one black path on white, drawn in module units (viewBox).

    Standalone (a download): an XML document, 1 mm per module. Inline (in a poster): no size
    and no id, so CSS sizes it and several codes can share a page.
    """
    image = _qr(data).make_image(image_factory=SvgPathFillImage)
    root = image.get_image()
    image.path.attrib.pop("id", None)
    root.set("shape-rendering", "crispEdges")
    title = ET.Element("title")
    title.text = label or data
    root.insert(0, title)
    if not inline:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + image.to_string(encoding="unicode") + "\n"
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    root.set("class", "qr")
    root.set("role", "img")
    root.set("aria-label", label or data)
    return image.to_string(encoding="unicode")


def qr_png(data: str) -> bytes:
    """The QR code of ``data`` as a black-and-white PNG."""
    image = _qr(data, box_size=PNG_MODULE_PIXELS).make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def file_stem(*parts: str) -> str:
    """A download name from names and codes: ASCII letters, digits and dashes only."""
    text = unicodedata.normalize("NFKD", "-".join(parts)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "kode"


# --- Lokets and officers ----------------------------------------------------------------------

def is_open(counter: Counter) -> bool:
    """Whether citizens can rate this loket: it and its unit are active."""
    return counter.active and counter.unit.active


def active_counters(instansi_id: int, unit_ids: list[int] | None = None) -> list[Counter]:
    """Active lokets of active units, by code (of the given units only, when given)."""
    query = (
        select(Counter).join(Unit, Counter.unit_id == Unit.id)
        .options(joinedload(Counter.unit), joinedload(Counter.service))
        .where(Unit.instansi_id == instansi_id, Unit.active.is_(True), Counter.active.is_(True))
        .order_by(Counter.code)
    )
    if unit_ids is not None:
        query = query.where(Counter.unit_id.in_(unit_ids))
    return list(db.session.scalars(query))


def counter_listing(instansi_id: int) -> list[dict]:
    """Every active loket as {code, name, unit (code), service (name or None), survey_url}."""
    return [
        {"code": c.code, "name": c.name, "unit": c.unit.code, "service": c.service.name if c.service else None,
         "survey_url": survey_url(c, base_url.configured())}
        for c in active_counters(instansi_id)
    ]


def find_counter(instansi_id: int, code: str) -> Counter | None:
    return db.session.scalar(
        select(Counter).join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.code == code.strip().upper(), Unit.instansi_id == instansi_id)
    )


def find_unit(instansi_id: int, code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.instansi_id == instansi_id, Unit.code == code))


def find_officer(instansi_id: int, public_code: str) -> Employee | None:
    return db.session.scalar(
        select(Employee).where(Employee.instansi_id == instansi_id, Employee.public_code == public_code)
    )


def unit_officers(unit: Unit) -> list[Employee]:
    """The unit's active front-line officers and anyone of the unit on a loket's duty roster."""
    rostered = select(RosterEntry.employee_id)
    return list(db.session.scalars(
        select(Employee)
        .where(Employee.unit_id == unit.id, Employee.active.is_(True),
               or_(Employee.job_group == "front_line", Employee.id.in_(rostered)))
        .order_by(Employee.name)
    ))


# --- Queue tickets ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TicketRow:
    serial: int
    code: str
    url: str


@dataclass(frozen=True)
class BatchSummary:
    batch: TicketBatch
    created_by: str | None

    @property
    def last_serial(self) -> int:
        return self.batch.first_serial + self.batch.count - 1


def issue_tickets(counter: Counter, day: date, count: int, created_by_id: int | None = None,
                  now: datetime | None = None) -> TicketBatch:
    """Record a batch of ``count`` tickets for the loket and (instansi-local) day.

    Its serials continue after the loket's earlier batches of that day, so no code repeats.
    """
    if not is_open(counter):
        raise TicketRefused(N_("Loket %(code)s tidak aktif; tiket hanya dibuat untuk loket aktif."),
                            {"code": counter.code})
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_TICKETS:
        raise TicketRefused(N_("Jumlah tiket harus antara 1 dan %(max)d."), {"max": MAX_TICKETS}, field="count")
    local_today = today(counter.unit.instansi.tz, now)
    if day < local_today:
        raise TicketRefused(N_("Tanggal %(day)s sudah lewat; pilih hari ini (%(today)s) atau sesudahnya."),
                            {"day": day.isoformat(), "today": local_today.isoformat()}, field="day")
    if day > local_today + timedelta(days=MAX_DAYS_AHEAD):
        raise TicketRefused(N_("Tanggal tiket paling lambat %(days)d hari dari hari ini."),
                            {"days": MAX_DAYS_AHEAD}, field="day")
    # Lock the loket's row so that two batches at once cannot take the same serials (PostgreSQL;
    # SQLite lets one writer at a time anyway).
    db.session.execute(select(Counter.id).where(Counter.id == counter.id).with_for_update())
    first = db.session.scalar(
        select(func.max(TicketBatch.first_serial + TicketBatch.count))
        .where(TicketBatch.counter_id == counter.id, TicketBatch.day == day)
    ) or FIRST_SERIAL
    if first + count - 1 > MAX_SERIAL:
        raise TicketRefused(N_("Loket ini sudah mencapai batas nomor tiket untuk tanggal tersebut."), field="count")
    batch = TicketBatch(counter_id=counter.id, day=day, first_serial=first, count=count, created_by_id=created_by_id)
    db.session.add(batch)
    db.session.flush()
    return batch


def ticket_rows(batch: TicketBatch) -> list[TicketRow]:
    """The signed codes of a batch (the same every time: codes are computed, not stored)."""
    key, code = batch.counter.unit.instansi.ticket_key, batch.counter.code
    rows = []
    for serial in range(batch.first_serial, batch.first_serial + batch.count):
        ticket_code = sign_ticket(key, code, batch.day, serial)
        rows.append(TicketRow(serial, ticket_code, ticket_url(ticket_code, base_url.configured())))
    return rows


def tickets_csv(batch: TicketBatch) -> str:
    """The batch for the queue printer: counter,date,serial,code,url."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    day = batch.day.isoformat()
    for row in ticket_rows(batch):
        writer.writerow((batch.counter.code, day, row.serial, row.code, row.url))
    return out.getvalue()


def tickets_filename(batch: TicketBatch) -> str:
    """tiket-DKP01-2026-11-23.csv; later batches of the day name their serials."""
    stem = f"tiket-{batch.counter.code}-{batch.day.isoformat()}"
    if batch.first_serial != FIRST_SERIAL:
        stem += f"-nomor-{batch.first_serial}-{batch.first_serial + batch.count - 1}"
    return f"{file_stem(stem)}.csv"


def recent_batches(counter: Counter, limit: int = 30) -> list[BatchSummary]:
    """The loket's latest batches, newest day first, with who made them (None: the command line)."""
    rows = db.session.execute(
        select(TicketBatch, User.display_name)
        .outerjoin(User, User.id == TicketBatch.created_by_id)
        .where(TicketBatch.counter_id == counter.id)
        .order_by(TicketBatch.day.desc(), TicketBatch.first_serial.desc())
        .limit(limit)
    ).all()
    return [BatchSummary(batch, name) for batch, name in rows]


def find_batch(counter: Counter, batch_id: int) -> TicketBatch | None:
    return db.session.scalar(select(TicketBatch).where(TicketBatch.id == batch_id, TicketBatch.counter_id == counter.id))


def set_rate_limit(counter: Counter, limit: int | None, actor=None) -> None:
    """Set the loket's plausible web responses per rate window (None: the portal's default); the
    form keeps it within RATE_LIMIT_BOUNDS and the database checks them too."""
    before = {"rate_limit": counter.rate_limit}
    counter.rate_limit = limit
    db.session.flush()
    audit.record("org.counter.rate_limit", instansi_id=counter.unit.instansi_id, actor=actor, obj=counter,
                 label=f"{counter.code} · {counter.name}", before=before, after={"rate_limit": limit},
                 unit_id=counter.unit_id)
