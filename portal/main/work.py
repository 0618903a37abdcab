""""Perlu dikerjakan": what needs doing now, per user, with counts and links, for the home page.

Each count is scoped the way the page it links to is scoped: units through
portal/org/permissions.readable_units (HR, admins and the auditor: the whole instansi; a unit head:
their unit and the units under it; anyone else: none), the Pejabat Penilai's own records, the
rater's own invitations. Nothing here names a rater or counts answers per rater: a 360 cycle is
counted as a whole, never by who has answered.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext
from sqlalchemy import func, select

from portal import clock
from portal.appraisal import objections
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.extensions import db
from portal.feedback import batches, review
from portal.feedback.models import SkmComment
from portal.insight.models import Alert
from portal.org.permissions import readable_units
from portal.reviews import services as reviews
from portal.reviews.models import ReviewCycle
from portal.roles import ADMIN, AUDITOR, HR, SUPERVISOR


@dataclass(frozen=True)
class WorkItem:
    key: str
    label: str
    count: int
    url: str


def _own_employee(user):
    employee = getattr(user, "employee", None)
    return employee if employee is not None and employee.active else None


def _count(statement) -> int:
    return int(db.session.scalar(statement) or 0)


def _records_to_confirm(employee) -> int:
    """Draft records whose Pejabat Penilai is this employee (never their own record)."""
    return _count(select(func.count(AppraisalRecord.id)).where(
        AppraisalRecord.penilai_id == employee.id, AppraisalRecord.status == "draft",
        AppraisalRecord.employee_id != employee.id))


def _records_to_finalise(instansi_id: int) -> int:
    return _count(select(func.count(AppraisalRecord.id)).join(AppraisalPeriod).where(
        AppraisalPeriod.instansi_id == instansi_id, AppraisalRecord.status == "confirmed"))


def _comments(unit_ids: list[int], status: str) -> int:
    if not unit_ids:
        return 0
    return _count(select(func.count(SkmComment.id)).where(SkmComment.unit_id.in_(unit_ids),
                                                          SkmComment.status == status))


def _open_alerts(unit_ids: list[int]) -> int:
    if not unit_ids:
        return 0
    return _count(select(func.count(Alert.id)).where(Alert.unit_id.in_(unit_ids),
                                                     Alert.status.in_(("open", "acknowledged"))))


def _cycles(instansi) -> dict[str, int]:
    """Cycles waiting for HR: drafts whose opening day has come, open ones past their closing day,
    and closed ones not yet released."""
    today = clock.today(instansi.tz)
    rows = db.session.scalars(select(ReviewCycle).where(ReviewCycle.instansi_id == instansi.id,
                                                        ReviewCycle.state.in_(("draft", "open", "closed"))))
    found = {"open": 0, "close": 0, "release": 0}
    for cycle in rows:
        if cycle.state == "draft" and cycle.opens_on <= today:
            found["open"] += 1
        elif cycle.state == "open" and cycle.closes_on < today:
            found["close"] += 1
        elif cycle.state == "closed":
            found["release"] += 1
    return found


def work_for(user) -> list[WorkItem]:
    """What needs doing now, for this user; only items with a count above zero."""
    if not user.is_authenticated:
        return []
    items: list[WorkItem] = []

    def add(key: str, label: str, count: int, url: str) -> None:
        if count > 0:
            items.append(WorkItem(key, label, count, url))

    employee = _own_employee(user)
    acts = user.has_role(HR, ADMIN, SUPERVISOR)
    if employee is not None:
        if user.has_role(SUPERVISOR, HR, ADMIN):
            add("confirm", gettext("Catatan penilaian untuk Anda konfirmasi"), _records_to_confirm(employee),
                url_for("appraisal.team"))
            add("objections", gettext("Keberatan untuk Anda putuskan"), len(objections.work_list(employee)),
                url_for("appraisal.team"))
        add("invitations", gettext("Ulasan 360 yang perlu Anda isi"), len(reviews.pending_for(employee)),
            url_for("review_rater.mine"))

    unit_ids = [u.id for u in readable_units(user)]
    if unit_ids and (acts or user.has_role(AUDITOR)):
        add("saran_new", gettext("Saran warga baru"), _comments(unit_ids, "baru"),
            url_for("followup.inbox", status="baru"))
        add("saran_open", gettext("Saran yang sedang ditindaklanjuti"), _comments(unit_ids, "ditindaklanjuti"),
            url_for("followup.inbox", status="ditindaklanjuti"))
        add("alerts", gettext("Peringatan loket terbuka"), _open_alerts(unit_ids), url_for("followup.alert_list"))
        add("held", gettext("Tanggapan ditahan menunggu tinjauan"), review.open_count(unit_ids),
            url_for("integrity.queue"))
        add("batches", gettext("Batch survei kertas menunggu verifikasi"), len(batches.of_units(unit_ids)),
            url_for("integrity.queue"))

    if user.has_role(HR, ADMIN, AUDITOR):
        add("finalise", gettext("Catatan penilaian terkonfirmasi menunggu finalisasi"),
            _records_to_finalise(user.instansi_id), url_for("appraisal.periods"))
        cycles = _cycles(user.instansi)
        add("cycles_open", gettext("Siklus 360 yang sudah waktunya dibuka"), cycles["open"], url_for("reviews.cycles"))
        add("cycles_close", gettext("Siklus 360 yang melewati tanggal tutup"), cycles["close"],
            url_for("reviews.cycles"))
        add("cycles_release", gettext("Siklus 360 tertutup yang belum dirilis"), cycles["release"],
            url_for("reviews.cycles"))
    return items
