"""The "Integritas data" page: held bursts with their pattern, and paper batches awaiting their
second pair of eyes. HR sees every unit and decides; a unit's managers see their units and comment."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext as _l
from flask_login import current_user

from portal import confirm, nav
from portal.access import access, of_my_instansi
from portal.extensions import db
from portal.feedback import batches, review
from portal.feedback.models import HoldGroup, PaperBatch
from portal.feedback.review_forms import DecisionForm, NoteForm, WithdrawForm
from portal.forms import EmptyForm
from portal.localtime import when
from portal.messages import say
from portal.org.models import Unit
from portal.org.permissions import can_manage_unit, my_managed, my_readable_units
from portal.roles import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.web import rollback_request
from surveys import skm
from surveys.errors import DomainError
from surveys.i18n import N_

bp = Blueprint("integrity", __name__, url_prefix="/integritas", template_folder="templates")
MANAGERS = (SUPERVISOR, HR, ADMIN)
#: The auditor reads the queue too (every unit's), and changes nothing.
READERS = (*MANAGERS, AUDITOR)
#: Responses listed per burst; the pattern above the list counts them all.
LISTED = 200

nav.register("integrity.queue", _l("Integritas data"),
             _l("Tanggapan yang ditahan untuk ditinjau dan batch survei kertas yang menunggu verifikasi."),
             *READERS, order=66)


def _when(moment) -> str:
    return when(moment, current_user.instansi.tz, str(get_locale() or "id")) if moment else "—"


def _burst(group: HoldGroup) -> dict:
    responses = review.responses_of(group)
    return {"group": group, "pattern": review.pattern(group, responses), "responses": responses[:LISTED],
            "comments": review.comments_of(responses[:LISTED]), "notes": review.notes_of(group),
            "may_decide": review.may_decide(current_user, group)}


def _batch(batch: PaperBatch) -> dict:
    rows = batches.rows_of(batch)
    return {"batch": batch, "rows": rows[:LISTED], "may_verify": batches.may_verify(current_user, batch),
            "may_withdraw": batches.may_withdraw(current_user, batch)}


@bp.route("/")
@access(*READERS)
def queue():
    units = my_readable_units()
    unit_ids = [u.id for u in units]
    history = request.args.get("riwayat") == "1"
    groups = review.groups(unit_ids, "released", 25) + review.groups(unit_ids, "rejected", 25) if history \
        else review.groups(unit_ids)
    statuses = ("verified", "trusted", "withdrawn") if history else ("pending",)
    return render_template(
        "feedback/integrity/queue.html", history=history, bursts=[_burst(g) for g in groups],
        batches=[_batch(b) for b in batches.of_units(unit_ids, statuses, 25 if history else 100)],
        reasons=review.REASON_SENTENCES, unsur=skm.UNSUR, when=_when, decision_form=DecisionForm,
        note_form=NoteForm, withdraw_form=WithdrawForm, verify_form=EmptyForm(), listed=LISTED,
    )


def _back(anchor: str | None = None):
    return redirect(url_for("integrity.queue", _anchor=anchor), 303)


def _attempt(action, success: str, anchor: str | None = None):
    """Run a review action; flash its outcome (`success`, which may name the `count` the action
    returns) or the reason it was refused, in which case nothing it wrote is kept."""
    try:
        count = action()
    except DomainError as error:
        rollback_request()
        flash(say(error), "error")
    else:
        flash(gettext(success, count=count), "success")
    return _back(anchor)


@bp.route("/kelompok/<int:group_id>/putuskan", methods=["POST"])
@access(HR)
def decide(group_id: int):
    group = my_managed(HoldGroup, group_id)
    form = DecisionForm(prefix=f"d{group.id}")
    if not form.validate_on_submit():
        flash(gettext("Tuliskan alasan keputusan ini."), "error")
        return _back(f"burst-{group.id}")
    if form.release.data:
        return _attempt(lambda: review.release(group, current_user, form.reason.data),
                        N_("%(count)d tanggapan dilepaskan dan kini dihitung."), f"burst-{group.id}")
    return _attempt(lambda: review.reject(group, current_user, form.reason.data),
                    N_("%(count)d tanggapan ditolak: disimpan, tidak pernah dihitung."), f"burst-{group.id}")


@bp.route("/kelompok/<int:group_id>/catatan", methods=["POST"])
@access(*MANAGERS)
def note(group_id: int):
    group = my_managed(HoldGroup, group_id)
    form = NoteForm(prefix=f"n{group.id}")
    if not form.validate_on_submit():
        flash(gettext("Catatan tidak boleh kosong."), "error")
        return _back(f"burst-{group.id}")
    return _attempt(lambda: review.add_note(group, current_user, form.text.data), N_("Catatan disimpan."),
                    f"burst-{group.id}")


def _my_batch(batch_id: int) -> PaperBatch:
    """A batch with rows in units the user manages (404 for another instansi's, 403 otherwise)."""
    batch = of_my_instansi(PaperBatch, batch_id)
    if not any(can_manage_unit(current_user, db.session.get(Unit, unit_id)) for unit_id in batches.unit_ids_of(batch)):
        abort(403)
    return batch


@bp.route("/batch/<int:batch_id>/verifikasi", methods=["POST"])
@access(HR)
def verify_batch(batch_id: int):
    batch = _my_batch(batch_id)
    if not EmptyForm().validate_on_submit():
        return _back("batches")
    return _attempt(lambda: batches.verify(batch, current_user),
                    N_("Batch diverifikasi: %(count)d tanggapan kini dihitung."), "batches")


@bp.route("/batch/<int:batch_id>/tarik", methods=["POST"])
@access(*MANAGERS)
def withdraw_batch(batch_id: int):
    batch = _my_batch(batch_id)
    form = WithdrawForm(prefix=f"w{batch.id}")
    if not form.validate_on_submit():
        flash(gettext("Tuliskan alasan penarikan batch."), "error")
        return _back("batches")
    if batch.status != "withdrawn" and batches.may_withdraw(current_user, batch):
        rows = batches.rows_of(batch)
        counted = sum(1 for row in rows if row.status == "counted")
        page = confirm.gate(confirm.Consequences(
            gettext("Tarik batch %(name)s", name=batch.filename or batch.sha256[:12]), gettext("Ya, tarik batch"),
            url_for("integrity.queue") + "#batches",
            [gettext("%(rows)d baris batch ditandai ditarik; %(counted)d di antaranya kini dihitung dan keluar dari "
                     "IKM, nilai unsur dan nilai petugas.", rows=len(rows), counted=counted),
             gettext("Alasan: %(reason)s", reason=form.reason.data.strip())]))
        if page is not None:
            return page
    return _attempt(lambda: batches.withdraw(batch, current_user, form.reason.data),
                    N_("Batch ditarik: %(count)d baris tidak lagi dihitung."), "batches")
