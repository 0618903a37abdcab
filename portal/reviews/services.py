"""360 reviews: questionnaires, the cycle's life, raters from the org chart, invitation links,
answering, and reports that obey the anonymity threshold on every path."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import contains_eager

from portal import audit, clock
from portal.extensions import db
from portal.localtime import today

from portal.mail import services as mail
from portal.org.models import Employee, Instansi, Unit
from portal.reviews import drafts
from portal.reviews.models import (
    Questionnaire, QuestionnaireItem, ReviewAnswer, ReviewComment, ReviewCycle, ReviewCycleUnit, ReviewExpectation,
    ReviewInvitation, ReviewResponse,
)
from surveys import berakhlak, review
from surveys.errors import DomainError, InvalidResponse
from surveys.i18n import N_

DEFAULT_QUESTIONNAIRE = "BerAKHLAK"
MAX_COMMENT = 2000


class ReviewError(DomainError):
    """A review action that the rules refuse, with the reason for the user."""


# --- questionnaires ----------------------------------------------------------------------------

def default_questionnaire(instansi: Instansi) -> Questionnaire:
    """The BerAKHLAK questionnaire of the instansi (seven values, three guides each), created once."""
    found = db.session.scalar(select(Questionnaire).where(
        Questionnaire.instansi_id == instansi.id, Questionnaire.name == DEFAULT_QUESTIONNAIRE))
    if found is not None:
        return found
    questionnaire = Questionnaire(instansi_id=instansi.id, name=DEFAULT_QUESTIONNAIRE,
                                  scale_min=berakhlak.SCALE_MIN, scale_max=berakhlak.SCALE_MAX)
    position = 0
    for value in berakhlak.VALUES:
        for _code, guide in value.items:
            position += 1
            questionnaire.items.append(QuestionnaireItem(
                value_code=value.code, value_name=value.name, position=position, text=guide))
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def questionnaire_in_use(questionnaire: Questionnaire) -> bool:
    """Used once any cycle with it has opened; then its items are fixed."""
    return bool(db.session.scalar(select(func.count(ReviewCycle.id)).where(
        ReviewCycle.questionnaire_id == questionnaire.id, ReviewCycle.state != "draft")))


def copy_questionnaire(questionnaire: Questionnaire, name: str) -> Questionnaire:
    name = name.strip()
    if not name:
        raise ReviewError(N_("Nama kuesioner wajib diisi."))
    if db.session.scalar(select(Questionnaire.id).where(
            Questionnaire.instansi_id == questionnaire.instansi_id, Questionnaire.name == name)):
        raise ReviewError(N_("Nama kuesioner sudah dipakai."))
    copy = Questionnaire(instansi_id=questionnaire.instansi_id, name=name, scale_min=questionnaire.scale_min,
                         scale_max=questionnaire.scale_max, copied_from_id=questionnaire.id)
    for item in questionnaire.items:
        copy.items.append(QuestionnaireItem(value_code=item.value_code, value_name=item.value_name,
                                            position=item.position, text=item.text))
    db.session.add(copy)
    db.session.flush()
    return copy


def _require_editable(questionnaire: Questionnaire) -> None:
    if questionnaire_in_use(questionnaire):
        raise ReviewError(N_("Kuesioner ini sudah dipakai siklus yang berjalan dan tidak dapat diubah. Salin untuk membuat versi baru."))


def update_item(item: QuestionnaireItem, text: str) -> None:
    _require_editable(item.questionnaire)
    text = text.strip()
    if not text or len(text) > 400:
        raise ReviewError(N_("Teks butir harus diisi, paling banyak 400 karakter."))
    item.text = text
    db.session.flush()


def add_item(questionnaire: Questionnaire, value_code: str, text: str) -> QuestionnaireItem:
    _require_editable(questionnaire)
    names = {i.value_code: i.value_name for i in questionnaire.items}
    if value_code not in names:
        raise ReviewError(N_("Nilai tidak dikenal."))
    text = text.strip()
    if not text or len(text) > 400:
        raise ReviewError(N_("Teks butir harus diisi, paling banyak 400 karakter."))
    position = max(i.position for i in questionnaire.items) + 1
    # Keep the value's items together: renumber after the last item of that value.
    item = QuestionnaireItem(value_code=value_code, value_name=names[value_code], position=position, text=text)
    questionnaire.items.append(item)
    db.session.flush()
    return item


def remove_item(item: QuestionnaireItem) -> None:
    questionnaire = item.questionnaire
    _require_editable(questionnaire)
    if sum(1 for i in questionnaire.items if i.value_code == item.value_code) <= 1:
        raise ReviewError(N_("Setiap nilai membutuhkan minimal satu butir."))
    questionnaire.items.remove(item)
    db.session.flush()


def values_of(questionnaire: Questionnaire) -> list[tuple[str, str, list[QuestionnaireItem]]]:
    """(value_code, value_name, items) in questionnaire order."""
    grouped: dict[str, tuple[str, list]] = {}
    for item in questionnaire.items:
        grouped.setdefault(item.value_code, (item.value_name, []))[1].append(item)
    return [(code, name, items) for code, (name, items) in grouped.items()]


# --- the cycle's life ----------------------------------------------------------------------------

TRANSITIONS = {("draft", "open"), ("open", "closed"), ("closed", "released")}
STATE_NAMES = {"draft": N_("Draf"), "open": N_("Dibuka"), "closed": N_("Ditutup"), "released": N_("Dirilis")}


def create_cycle(instansi: Instansi, *, name: str, period_kind: str, opens_on: date, closes_on: date,
                 unit_ids: list[int], threshold: int = review.MIN_THRESHOLD, questionnaire: Questionnaire | None = None,
                 peer_cap: int = 4, subordinate_cap: int = 6) -> ReviewCycle:
    name = name.strip()
    if not name:
        raise ReviewError(N_("Nama siklus wajib diisi."))
    if db.session.scalar(select(ReviewCycle.id).where(ReviewCycle.instansi_id == instansi.id, ReviewCycle.name == name)):
        raise ReviewError(N_("Nama siklus sudah dipakai."))
    if closes_on < opens_on:
        raise ReviewError(N_("Tanggal tutup tidak boleh sebelum tanggal buka."))
    if not unit_ids:
        raise ReviewError(N_("Pilih minimal satu unit kerja."))
    cycle = ReviewCycle(
        instansi_id=instansi.id, name=name, period_kind=period_kind, opens_on=opens_on, closes_on=closes_on,
        threshold=_threshold(threshold), questionnaire=questionnaire or default_questionnaire(instansi),
        peer_cap=peer_cap, subordinate_cap=subordinate_cap,
        cycle_units=[ReviewCycleUnit(unit_id=u) for u in sorted(set(unit_ids))],
    )
    db.session.add(cycle)
    db.session.flush()
    return cycle


def _threshold(value: int) -> int:
    try:
        return review.validate_threshold(value)
    except ValueError:
        raise ReviewError(N_("Ambang anonimitas minimal %(min)d tanggapan."), {"min": review.MIN_THRESHOLD})


def set_threshold(cycle: ReviewCycle, threshold: int) -> None:
    """HR may raise the threshold (never below 3); once released, results must not shift."""
    if cycle.state == "released":
        raise ReviewError(N_("Siklus sudah dirilis; ambang tidak dapat diubah."))
    cycle.threshold = _threshold(threshold)
    db.session.flush()


def transition(cycle: ReviewCycle, target: str, instansi: Instansi, now: datetime | None = None) -> None:
    """Move the cycle along Draft → Open → Closed → Released; any other move is refused with a reason."""
    now = now or clock.now()
    if (cycle.state, target) not in TRANSITIONS:
        raise ReviewError(
            N_("Siklus berstatus %(state)s tidak dapat diubah menjadi %(target)s."),
            {"state": STATE_NAMES.get(cycle.state, cycle.state), "target": STATE_NAMES.get(target, target)},
        )
    if target == "open":
        if today(instansi.tz, now) > cycle.closes_on:
            raise ReviewError(N_("Tanggal tutup siklus sudah lewat; ubah tanggalnya sebelum membuka."))
        db.session.execute(delete(ReviewInvitation).where(
            ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(False)))
        if not db.session.scalar(select(func.count(ReviewInvitation.id)).where(ReviewInvitation.cycle_id == cycle.id)):
            raise ReviewError(N_("Belum ada penilai. Usulkan penilai dari struktur organisasi terlebih dahulu."))
        cycle.opened_at = now
        _queue_invitations(cycle, reminder=False)
    elif target == "closed":
        cycle.closed_at = now
    elif target == "released":
        cycle.released_at = now
    cycle.state = target
    db.session.flush()


def _require_draft(cycle: ReviewCycle) -> None:
    if cycle.state != "draft":
        raise ReviewError(N_("Daftar penilai hanya dapat diubah selama siklus masih draf."))


# --- raters ---------------------------------------------------------------------------------------

def reviewees(cycle: ReviewCycle) -> list[Employee]:
    unit_ids = [cu.unit_id for cu in cycle.cycle_units]
    return list(db.session.scalars(select(Employee).where(
        Employee.unit_id.in_(unit_ids), Employee.active.is_(True)).order_by(Employee.name)))


def propose_raters(cycle: ReviewCycle, actor=None) -> int:
    """Propose raters from the org chart for every reviewee; earlier proposals are replaced,
    raters that HR or a supervisor added by hand are kept. Returns the number of invitations.
    ``actor`` (None: a command or the demo) is named in the audit log."""
    _require_draft(cycle)
    db.session.execute(delete(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.source == "proposed"))
    kept = {(i.reviewee_id, i.rater_id) for i in db.session.scalars(
        select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id))}
    people = reviewees(cycle)
    everyone = db.session.scalars(select(Employee).where(
        Employee.instansi_id == cycle.instansi_id, Employee.active.is_(True))).all()
    by_supervisor: dict[int | None, list[Employee]] = defaultdict(list)
    for employee in everyone:
        by_supervisor[employee.supervisor_id].append(employee)
    load: dict[int, int] = defaultdict(int)
    count = 0

    def invite(reviewee: Employee, rater: Employee, group: str) -> None:
        nonlocal count
        if (reviewee.id, rater.id) in kept:
            return
        kept.add((reviewee.id, rater.id))
        db.session.add(_new_invitation(cycle, reviewee, rater, group, "proposed"))
        count += 1

    for person in people:
        invite(person, person, "diri")
        supervisor = person.supervisor
        if supervisor is not None and supervisor.active:
            invite(person, supervisor, "atasan")
        peers = [e for e in by_supervisor.get(person.supervisor_id, [])
                 if e.id != person.id and e.unit_id == person.unit_id] if person.supervisor_id else []
        for peer in review.choose_balanced(peers, cycle.peer_cap, f"cycle-{cycle.id}/{person.id}", load,
                                           id_of=lambda e: e.id):
            load[peer.id] += 1
            invite(person, peer, "rekan")
        reports = by_supervisor.get(person.id, [])
        for report in review.choose_peers(reports, cycle.subordinate_cap, f"cycle-{cycle.id}/{person.id}/b",
                                          id_of=lambda e: e.id):
            invite(person, report, "bawahan")
    db.session.flush()
    audit.record("reviews.raters.propose", instansi_id=cycle.instansi_id, actor=actor, obj=cycle,
                 label=cycle.name, before=None, after={"proposed": count})
    return count


def _new_invitation(cycle: ReviewCycle, reviewee: Employee, rater: Employee, group: str, source: str,
                    approved: bool = True) -> ReviewInvitation:
    nonce = secrets.token_hex(16)
    return ReviewInvitation(cycle_id=cycle.id, reviewee_id=reviewee.id, rater_id=rater.id, rater_group=group,
                            source=source, approved=approved, token_nonce=nonce,
                            token_hash=_hash(_token_for_nonce(nonce)))


def add_rater(cycle: ReviewCycle, reviewee: Employee, rater: Employee, group: str, actor=None) -> ReviewInvitation:
    """HR or the reviewee's supervisor (``actor``; None for a command) adds a rater by hand before
    the cycle opens: never to their own review, and in the group the org chart gives the rater."""
    _require_draft(cycle)
    if group not in ("atasan", "rekan", "bawahan"):
        raise ReviewError(N_("Kelompok penilai tidak dikenal."))
    _refuse_own_review(actor, reviewee)
    _check_pair(cycle, reviewee, rater)
    _check_group(reviewee, rater, group)
    invitation = _new_invitation(cycle, reviewee, rater, group, "added")
    db.session.add(invitation)
    db.session.flush()
    _audit_rater("reviews.rater.add", invitation, actor, before=None, after=_rater_fields(invitation))
    return invitation


def nominate_peer(cycle: ReviewCycle, reviewee: Employee, rater: Employee, actor=None) -> ReviewInvitation:
    """A reviewee proposes a peer; someone else (the supervisor or HR) approves it before the
    cycle opens."""
    _require_draft(cycle)
    _check_pair(cycle, reviewee, rater)
    _check_group(reviewee, rater, "rekan")
    invitation = _new_invitation(cycle, reviewee, rater, "rekan", "nominated", approved=False)
    db.session.add(invitation)
    db.session.flush()
    _audit_rater("reviews.rater.nominate", invitation, actor, before=None, after=_rater_fields(invitation))
    return invitation


def _refuse_own_review(actor, reviewee: Employee) -> None:
    """Nobody chooses, approves or removes the raters of their own review."""
    if actor is not None and getattr(actor, "employee_id", None) == reviewee.id:
        raise ReviewError(N_("Anda tidak dapat memilih, menyetujui atau menghapus penilai ulasan Anda sendiri."))


def _check_group(reviewee: Employee, rater: Employee, group: str) -> None:
    """The rater's group as the org chart has it now: only the recorded atasan is the atasan, only
    a direct report a bawahan, and neither of them a rekan."""
    is_atasan, is_bawahan = rater.id == reviewee.supervisor_id, rater.supervisor_id == reviewee.id
    names = {"rater": rater.name, "reviewee": reviewee.name}
    if group == "atasan" and not is_atasan:
        raise ReviewError(N_("%(rater)s bukan atasan langsung %(reviewee)s menurut struktur organisasi; hanya atasan "
                             "yang tercatat yang dapat menjadi penilai kelompok atasan."), names)
    if group == "bawahan" and not is_bawahan:
        raise ReviewError(N_("%(rater)s bukan bawahan langsung %(reviewee)s menurut struktur organisasi."), names)
    if group == "rekan" and (is_atasan or is_bawahan):
        raise ReviewError(N_("%(rater)s adalah atasan atau bawahan langsung %(reviewee)s; pilih kelompok yang sesuai "
                             "dengan struktur organisasi."), names)


def _rater_fields(invitation: ReviewInvitation) -> dict:
    rater = invitation.rater or db.session.get(Employee, invitation.rater_id)
    return {"rater_nip": rater.nip, "rater": rater.name, "rater_group": invitation.rater_group,
            "source": invitation.source, "approved": invitation.approved}


def _audit_rater(action: str, invitation: ReviewInvitation, actor, before, after) -> None:
    """A change to a review's raters in the audit log, filed under the reviewee."""
    reviewee = invitation.reviewee or db.session.get(Employee, invitation.reviewee_id)
    cycle = invitation.cycle or db.session.get(ReviewCycle, invitation.cycle_id)
    audit.record(action, instansi_id=cycle.instansi_id, actor=actor, obj=invitation,
                 label=f"{cycle.name} · {reviewee.nip} · {reviewee.name}", before=before, after=after,
                 employee_id=reviewee.id, unit_id=reviewee.unit_id)


def _check_pair(cycle: ReviewCycle, reviewee: Employee, rater: Employee) -> None:
    if rater.id == reviewee.id:
        raise ReviewError(N_("Penilaian diri sendiri sudah otomatis disertakan."))
    if rater.instansi_id != cycle.instansi_id or not rater.active:
        raise ReviewError(N_("Penilai harus pegawai aktif instansi ini."))
    if reviewee.id not in {e.id for e in reviewees(cycle)}:
        raise ReviewError(N_("Pegawai ini tidak termasuk dalam siklus."))
    if db.session.scalar(select(ReviewInvitation.id).where(
            ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == reviewee.id,
            ReviewInvitation.rater_id == rater.id)):
        raise ReviewError(N_("Penilai ini sudah ada dalam daftar."))


def approve_nomination(invitation: ReviewInvitation, actor=None) -> None:
    """Someone other than the reviewee approves a nomination, while the org chart still makes the
    nominee a rekan."""
    _require_draft(invitation.cycle)
    _refuse_own_review(actor, invitation.reviewee)
    _check_group(invitation.reviewee, invitation.rater, invitation.rater_group)
    before = _rater_fields(invitation)
    invitation.approved = True
    db.session.flush()
    _audit_rater("reviews.rater.approve", invitation, actor, before=before, after=_rater_fields(invitation))


def remove_invitation(invitation: ReviewInvitation, actor=None) -> None:
    """Remove a rater (not from one's own review), or withdraw one's own nomination while it
    still waits for approval."""
    _require_draft(invitation.cycle)
    if invitation.rater_group == "diri":
        raise ReviewError(N_("Penilaian diri sendiri tidak dapat dihapus."))
    withdrawal = invitation.source == "nominated" and not invitation.approved
    if not withdrawal:
        _refuse_own_review(actor, invitation.reviewee)
    _audit_rater("reviews.rater.withdraw" if withdrawal else "reviews.rater.remove", invitation, actor,
                 before=_rater_fields(invitation), after=None)
    db.session.delete(invitation)
    db.session.flush()


# --- links and mail --------------------------------------------------------------------------------

def _token_for_nonce(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"cermin-review-invitation:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation: ReviewInvitation) -> str:
    """The 256-bit secret in the rater's link (derivable again, so HR can reprint links)."""
    return _token_for_nonce(invitation.token_nonce)


def invitation_url(invitation: ReviewInvitation) -> str:
    return f"{current_app.config['CERMIN_BASE_URL'].rstrip('/')}/ulasan/{invitation_token(invitation)}"


def find_invitation(token: str) -> ReviewInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(ReviewInvitation).where(ReviewInvitation.token_hash == _hash(token)))


def _queue_invitations(cycle: ReviewCycle, reminder: bool) -> int:
    invitations = db.session.scalars(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True),
        ReviewInvitation.status != "done")).all()
    by_rater: dict[int, list[ReviewInvitation]] = defaultdict(list)
    for invitation in invitations:
        by_rater[invitation.rater_id].append(invitation)
    queued = 0
    for rater_invitations in by_rater.values():
        rater = rater_invitations[0].rater
        if not rater.email:
            continue
        lines = [f"- {inv.reviewee.name}: {invitation_url(inv)}" for inv in rater_invitations]
        subject = (f"Pengingat: ulasan 360 derajat {cycle.name}" if reminder
                   else f"Undangan ulasan 360 derajat: {cycle.name}")
        body = (
            f"Yth. {rater.name},\n\n"
            f"Anda diminta memberi umpan balik untuk rekan kerja dalam siklus \"{cycle.name}\" "
            f"(ditutup {cycle.closes_on.isoformat()}). Jawaban rekan dan bawahan bersifat anonim.\n\n"
            + "\n".join(lines) + "\n\nTautan ini pribadi dan hanya dapat dipakai sekali.\n"
        )
        mail.queue(instansi_id=cycle.instansi_id, recipient=rater.email, subject=subject, body=body)
        queued += 1
    return queued


def send_reminders(cycle: ReviewCycle, instansi: Instansi) -> int:
    """Queue a reminder to every rater who has not answered yet; returns the number of mails."""
    if cycle.state != "open":
        raise ReviewError(N_("Pengingat hanya dapat dikirim saat siklus dibuka."))
    count = _queue_invitations(cycle, reminder=True)
    db.session.execute(ReviewInvitation.__table__.update().where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.status != "done").values(
        last_reminded_on=today(instansi.tz)))
    return count


# --- answering --------------------------------------------------------------------------------------

@dataclass
class Answers:
    """A rater's answers: item id → score (None = tidak dapat menilai), value code → comment."""

    scores: dict[int, int | None]
    comments: dict[str, str] = field(default_factory=dict)


def can_answer(invitation: ReviewInvitation, instansi: Instansi, now: datetime | None = None) -> str | None:
    """Why this invitation cannot be answered now (a message template), or None."""
    cycle = invitation.cycle
    if not invitation.approved:
        return N_("Penilai ini belum disetujui atasan.")
    if invitation.status == "done":
        return N_("Ulasan ini sudah Anda kirim. Terima kasih.")
    if cycle.state == "draft":
        return N_("Siklus ulasan belum dibuka.")
    if cycle.state != "open" or today(instansi.tz, now) > cycle.closes_on:
        return N_("Siklus ulasan sudah ditutup.")
    if today(instansi.tz, now) < cycle.opens_on:
        return N_("Siklus ulasan belum dimulai.")
    return None


def parse_answers(questionnaire: Questionnaire, form: dict[str, str], *, complete: bool) -> Answers:
    """Read `item-<id>` (score or "na") and `comment-<value>` fields; `complete` requires every item."""
    scores: dict[int, int | None] = {}
    errors: dict[str, str] = {}
    for item in questionnaire.items:
        raw = (form.get(f"item-{item.id}") or "").strip()
        if not raw:
            if complete:
                errors[f"item-{item.id}"] = berakhlak.MSG_REQUIRED
            continue
        if raw == berakhlak.CANNOT_RATE_CODE:
            scores[item.id] = None
        elif raw.isdigit() and questionnaire.scale_min <= int(raw) <= questionnaire.scale_max:
            scores[item.id] = int(raw)
        else:
            errors[f"item-{item.id}"] = berakhlak.MSG_RANGE
    comments = {}
    for code, _name, _items in values_of(questionnaire):
        text = (form.get(f"comment-{code}") or "").strip()
        if len(text) > MAX_COMMENT:
            errors[f"comment-{code}"] = N_("Komentar paling banyak 2000 karakter.")
        elif text:
            comments[code] = text
    if errors:
        raise InvalidResponse(errors)
    return Answers(scores, comments)


def save_draft(invitation: ReviewInvitation, answers: Answers, instansi: Instansi, key: bytes) -> None:
    """Keep the answers so far, sealed with the rater's key (see `portal.reviews.drafts`)."""
    reason = can_answer(invitation, instansi)
    if reason:
        raise ReviewError(reason)
    plain = json.dumps({"scores": {str(k): v for k, v in answers.scores.items()}, "comments": answers.comments})
    invitation.draft = drafts.seal(plain, key, invitation.id)
    invitation.status = "draft"
    db.session.flush()


def load_draft(invitation: ReviewInvitation, key: bytes | None, open_unsealed: bool = False) -> dict[str, str] | None:
    """The draft as form values (`item-<id>`, `comment-<code>`): {} when there is none, None when
    there is one that this key does not open (saved in another browser). A draft saved before
    drafts were sealed is plain JSON; it opens only with `open_unsealed` (the rater, logged in)."""
    if not invitation.draft:
        return {}
    if drafts.is_sealed(invitation.draft):
        plain = drafts.unseal(invitation.draft, key, invitation.id)
    else:
        plain = invitation.draft if open_unsealed else None
    if plain is None:
        return None
    data = json.loads(plain)
    values = {f"item-{k}": (berakhlak.CANNOT_RATE_CODE if v is None else str(v)) for k, v in data.get("scores", {}).items()}
    values.update({f"comment-{k}": v for k, v in data.get("comments", {}).items()})
    return values


def _receipt(invitation: ReviewInvitation) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"cermin-review-receipt:{invitation.id}".encode(), hashlib.sha256).hexdigest()


def submit(invitation: ReviewInvitation, answers: Answers, instansi: Instansi, now: datetime | None = None) -> None:
    """Store the answers without the rater and mark the invitation done (day only)."""
    reason = can_answer(invitation, instansi, now)
    if reason:
        raise ReviewError(reason)
    items = {item.id for item in invitation.cycle.questionnaire.items}
    if set(answers.scores) != items:
        raise ReviewError(N_("Semua butir harus dijawab (atau pilih Tidak dapat menilai)."))
    day = today(instansi.tz, now)
    response = ReviewResponse(
        id=secrets.token_hex(16), cycle_id=invitation.cycle_id, reviewee_id=invitation.reviewee_id,
        rater_group=invitation.rater_group, submitted_on=day, receipt=_receipt(invitation),
        answers=[ReviewAnswer(item_id=i, score=s) for i, s in sorted(answers.scores.items())],
        comments=[ReviewComment(value_code=c, text=t) for c, t in sorted(answers.comments.items())],
    )
    db.session.add(response)
    invitation.status, invitation.done_on, invitation.draft = "done", day, None
    db.session.flush()


def pending_for(employee: Employee) -> list[ReviewInvitation]:
    """"Ulasan yang perlu Anda isi": open cycles, approved, not yet sent."""
    return list(db.session.scalars(
        select(ReviewInvitation).join(ReviewCycle).where(
            ReviewInvitation.rater_id == employee.id, ReviewInvitation.approved.is_(True),
            ReviewInvitation.status != "done", ReviewCycle.state == "open")
        .order_by(ReviewCycle.closes_on, ReviewInvitation.id)))


# --- reports ------------------------------------------------------------------------------------------

@dataclass
class Report:
    """What a reviewee's report shows: the group figures and the comments of visible groups only."""

    cycle: ReviewCycle
    reviewee: Employee
    values: list[tuple[str, str]]
    groups: review.GroupReport
    comments: dict[str, list[tuple[str, str]]]
    expectations: dict[str, str]


def build_report(cycle: ReviewCycle, reviewee: Employee) -> Report:
    questionnaire = cycle.questionnaire
    values = [(code, name) for code, name, _items in values_of(questionnaire)]
    rows = db.session.execute(
        select(ReviewResponse.rater_group, QuestionnaireItem.value_code, func.sum(ReviewAnswer.score),
               func.count(ReviewAnswer.score))
        .join(ReviewAnswer, ReviewAnswer.response_id == ReviewResponse.id)
        .join(QuestionnaireItem, QuestionnaireItem.id == ReviewAnswer.item_id)
        .where(ReviewResponse.cycle_id == cycle.id, ReviewResponse.reviewee_id == reviewee.id)
        .group_by(ReviewResponse.rater_group, QuestionnaireItem.value_code)
    ).all()
    totals: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for group, value_code, total, n in rows:
        totals[group][value_code] = (int(total or 0), int(n))
    counts = dict(db.session.execute(
        select(ReviewResponse.rater_group, func.count(ReviewResponse.id))
        .where(ReviewResponse.cycle_id == cycle.id, ReviewResponse.reviewee_id == reviewee.id)
        .group_by(ReviewResponse.rater_group)).all())
    report = review.group_report(
        {review.RaterGroup(g): v for g, v in totals.items()},
        {review.RaterGroup(g): n for g, n in counts.items()},
        cycle.threshold, value_codes=[code for code, _ in values],
        scale_min=questionnaire.scale_min, scale_max=questionnaire.scale_max,
    )
    visible = {g.value for g in report.groups}
    comments: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for group, value_code, text in db.session.execute(
        select(ReviewResponse.rater_group, ReviewComment.value_code, ReviewComment.text)
        .join(ReviewComment, ReviewComment.response_id == ReviewResponse.id)
        .where(ReviewResponse.cycle_id == cycle.id, ReviewResponse.reviewee_id == reviewee.id)
        .order_by(ReviewComment.value_code, func.lower(ReviewComment.text))
    ).all():
        if group in visible:
            comments[value_code].append((group, text))
    expectations = dict(db.session.execute(select(ReviewExpectation.value_code, ReviewExpectation.text).where(
        ReviewExpectation.cycle_id == cycle.id, ReviewExpectation.reviewee_id == reviewee.id)).all())
    return Report(cycle, reviewee, values, report, dict(comments), expectations)


def report_json(report: Report) -> dict:
    """Exactly what the employee's own report shows (used by `review-report --json`)."""
    groups = report.groups
    return {
        "cycle": {"id": report.cycle.id, "name": report.cycle.name, "state": report.cycle.state},
        "employee": {"nip": report.reviewee.nip, "name": report.reviewee.name},
        "threshold": groups.threshold,
        "values": [{"code": code, "name": name} for code, name in report.values],
        **groups.as_json(),
        "comments": {code: [{"group": g, "text": t} for g, t in items] for code, items in report.comments.items()},
        "expectations": report.expectations,
    }


def response_rates(cycle: ReviewCycle) -> list[dict]:
    """Per reviewee: invited, answered, and who still has to answer (names only, for reminders)."""
    rows = db.session.scalars(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True))).all()
    by_reviewee: dict[int, dict] = {}
    for invitation in rows:
        entry = by_reviewee.setdefault(invitation.reviewee_id, {
            "reviewee": invitation.reviewee, "invited": 0, "done": 0, "waiting": []})
        entry["invited"] += 1
        if invitation.status == "done":
            entry["done"] += 1
        else:
            entry["waiting"].append(invitation.rater)
    for entry in by_reviewee.values():
        # Sorted by name, never by answer order, so nothing lines up with the responses.
        entry["waiting"].sort(key=lambda e: e.name)
    return sorted(by_reviewee.values(), key=lambda e: e["reviewee"].name)


# --- running a cycle: dates, threshold, expectations, rater lists, progress ---------------------------

MAX_EXPECTATION = 1000


def set_dates(cycle: ReviewCycle, opens_on: date, closes_on: date) -> None:
    """Change the dates while the cycle is a draft, or extend it while it is open."""
    if cycle.state not in ("draft", "open"):
        raise ReviewError(N_("Tanggal hanya dapat diubah selama siklus masih draf atau dibuka."))
    if closes_on < opens_on:
        raise ReviewError(N_("Tanggal tutup tidak boleh sebelum tanggal buka."))
    if cycle.state == "open" and opens_on != cycle.opens_on:
        raise ReviewError(N_("Siklus sudah dibuka; hanya tanggal tutup yang dapat diubah."))
    cycle.opens_on, cycle.closes_on = opens_on, closes_on
    db.session.flush()


def change_threshold(cycle: ReviewCycle, threshold: int) -> None:
    """HR's threshold edit: never below 3, and only upwards once raters have been invited
    (they answered under the promise of the current threshold)."""
    if cycle.state != "draft" and threshold < cycle.threshold:
        raise ReviewError(N_("Siklus sudah dibuka; ambang hanya dapat dinaikkan (sekarang %(current)d)."),
                          {"current": cycle.threshold})
    set_threshold(cycle, threshold)


def is_reviewee(cycle: ReviewCycle, employee: Employee) -> bool:
    return employee.active and employee.unit_id in {cu.unit_id for cu in cycle.cycle_units}


def team_of(cycle: ReviewCycle, supervisor: Employee) -> list[Employee]:
    """The supervisor's direct reports who are reviewed in the cycle."""
    unit_ids = [cu.unit_id for cu in cycle.cycle_units]
    return list(db.session.scalars(select(Employee).where(
        Employee.supervisor_id == supervisor.id, Employee.unit_id.in_(unit_ids), Employee.active.is_(True))
        .order_by(Employee.name)))


def set_expectation(cycle: ReviewCycle, reviewee: Employee, value_code: str, text: str, user) -> ReviewExpectation | None:
    """The ekspektasi khusus pimpinan for one value (shown to raters); empty text removes it.

    Only while the cycle is a draft, so every rater reads the same text; never by the reviewee."""
    if cycle.state != "draft":
        raise ReviewError(N_("Ekspektasi khusus pimpinan hanya dapat diubah selama siklus masih draf."))
    if user is not None and getattr(user, "employee_id", None) == reviewee.id:
        raise ReviewError(N_("Ekspektasi khusus pimpinan untuk ulasan Anda sendiri ditetapkan oleh atasan Anda."))
    if value_code not in {code for code, _name, _items in values_of(cycle.questionnaire)}:
        raise ReviewError(N_("Nilai tidak dikenal."))
    if not is_reviewee(cycle, reviewee):
        raise ReviewError(N_("Pegawai ini tidak termasuk dalam siklus."))
    text = (text or "").strip()
    if len(text) > MAX_EXPECTATION:
        raise ReviewError(N_("Ekspektasi paling banyak %(max)d karakter."), {"max": MAX_EXPECTATION})
    expectation = db.session.scalar(select(ReviewExpectation).where(
        ReviewExpectation.cycle_id == cycle.id, ReviewExpectation.reviewee_id == reviewee.id,
        ReviewExpectation.value_code == value_code))
    if not text:
        if expectation is not None:
            db.session.delete(expectation)
            db.session.flush()
        return None
    if expectation is None:
        expectation = ReviewExpectation(cycle_id=cycle.id, reviewee_id=reviewee.id, value_code=value_code, text=text)
        db.session.add(expectation)
    expectation.text, expectation.set_by_id = text, user.id if user is not None else None
    db.session.flush()
    return expectation


def expectations_of(cycle: ReviewCycle, reviewee_ids: list[int] | None = None) -> dict[int, dict[str, str]]:
    """reviewee id → value code → expectation text."""
    stmt = select(ReviewExpectation.reviewee_id, ReviewExpectation.value_code, ReviewExpectation.text).where(
        ReviewExpectation.cycle_id == cycle.id)
    if reviewee_ids is not None:
        stmt = stmt.where(ReviewExpectation.reviewee_id.in_(reviewee_ids))
    result: dict[int, dict[str, str]] = defaultdict(dict)
    for reviewee_id, value_code, text in db.session.execute(stmt):
        result[reviewee_id][value_code] = text
    return dict(result)


def raters_of(cycle: ReviewCycle, reviewee_ids: list[int] | None = None) -> dict[int, list[ReviewInvitation]]:
    """reviewee id → invitations (approved or waiting for approval), by group then rater name.

    Carries no answer status: these lists are for adjusting raters, not for tracking them."""
    stmt = (select(ReviewInvitation).join(ReviewInvitation.rater).options(contains_eager(ReviewInvitation.rater))
            .where(ReviewInvitation.cycle_id == cycle.id).order_by(Employee.name))
    if reviewee_ids is not None:
        stmt = stmt.where(ReviewInvitation.reviewee_id.in_(reviewee_ids))
    order = {group: i for i, group in enumerate(("diri", "atasan", "rekan", "bawahan"))}
    result: dict[int, list[ReviewInvitation]] = defaultdict(list)
    for invitation in db.session.scalars(stmt):
        result[invitation.reviewee_id].append(invitation)
    for invitations in result.values():
        invitations.sort(key=lambda i: order[i.rater_group])
    return dict(result)


def unit_response_rates(cycle: ReviewCycle) -> list[dict]:
    """Per unit of the reviewees: invitations sent and answered (counts only)."""
    done = func.sum(case((ReviewInvitation.status == "done", 1), else_=0))
    rows = db.session.execute(
        select(Unit, func.count(ReviewInvitation.id), done)
        .join(Employee, Employee.unit_id == Unit.id)
        .join(ReviewInvitation, ReviewInvitation.reviewee_id == Employee.id)
        .where(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True))
        .group_by(Unit.id).order_by(Unit.name)).all()
    return [{"unit": unit, "invited": int(invited), "done": int(answered or 0)} for unit, invited, answered in rows]


def waiting_raters(cycle: ReviewCycle) -> list[Employee]:
    """Who still has at least one review to send, by name: never tied to reviewees, answers or dates."""
    return list(db.session.scalars(
        select(Employee).where(Employee.id.in_(select(ReviewInvitation.rater_id).where(
            ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True),
            ReviewInvitation.status != "done")))
        .order_by(Employee.name, Employee.id)))
