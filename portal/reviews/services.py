"""360 reviews: questionnaires, the cycle's life, raters from the org chart, invitation links,
answering (the rater alone, logged in), progress without people, and reports that obey the
anonymity threshold on every path."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select, update

from portal import clock
from portal.extensions import db
from portal.localtime import today
from portal.mail import services as mail
from portal.org.models import Employee, Instansi
from portal.reviews import drafts, links, pool, raters
from portal.reviews.errors import ReviewError
from portal.reviews.models import (
    Questionnaire, QuestionnaireItem, ReviewAnswer, ReviewComment, ReviewCycle, ReviewCycleUnit, ReviewExpectation,
    ReviewInvitation, ReviewResponse,
)
from surveys import berakhlak, review
from surveys.errors import InvalidResponse
from surveys.i18n import N_

DEFAULT_QUESTIONNAIRE = "BerAKHLAK"
MAX_COMMENT = 2000


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
    # Locked for the change: a review being sent waits for the close, or the close for it.
    db.session.refresh(cycle, with_for_update=True)
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
        raters.balance_raters(cycle)
        if not db.session.scalar(select(func.count(ReviewInvitation.id)).where(ReviewInvitation.cycle_id == cycle.id)):
            raise ReviewError(N_("Belum ada penilai. Usulkan penilai dari struktur organisasi terlebih dahulu."))
        cycle.opened_at = now
        _queue_invitations(cycle)
    elif target == "closed":
        cycle.closed_at = now
        # Every sealed review becomes a response now, in one shuffled batch (portal.reviews.pool).
        pool.release(cycle)
    elif target == "released":
        cycle.released_at = now
    cycle.state = target
    db.session.flush()


def note_report_read(cycle: ReviewCycle, now: datetime | None = None) -> None:
    """Record the first read, print or export of any report of the cycle (once; a concurrent
    first read keeps the earlier time). The caller commits."""
    db.session.execute(update(ReviewCycle).where(ReviewCycle.id == cycle.id,
                                                 ReviewCycle.report_first_read_at.is_(None))
                       .values(report_first_read_at=now or clock.now()))
    db.session.refresh(cycle, ["report_first_read_at"])


def reopen_refusal(cycle: ReviewCycle) -> str | None:
    """Why the cycle cannot be reopened (a message template), or None."""
    if cycle.state != "closed":
        return N_("Hanya siklus yang ditutup (belum dirilis) yang dapat dibuka kembali.")
    if cycle.report_first_read_at is not None:
        return N_("Siklus tidak dapat dibuka kembali: laporannya sudah dibaca atau diekspor, sehingga jawaban baru "
                  "dapat dikenali dengan membandingkan laporan sebelum dan sesudahnya.")
    return None


def reopen(cycle: ReviewCycle) -> None:
    """Closed → Open again, while no report of the cycle has been read or exported. Responses
    already written stay; reviews sent after reopening are sealed and join them at the next close."""
    db.session.refresh(cycle, with_for_update=True)
    refusal = reopen_refusal(cycle)
    if refusal:
        raise ReviewError(refusal)
    cycle.state = "open"
    cycle.closed_at = None
    db.session.flush()


# --- links and mail --------------------------------------------------------------------------------

def _invitation_mail(cycle: ReviewCycle, rater: Employee, invitations: list[ReviewInvitation], subject: str) -> None:
    """One mail to the rater with a link per reviewee (every invitation of theirs, whatever its state)."""
    lines = [f"- {'diri Anda sendiri' if inv.rater_group == 'diri' else inv.reviewee.name}: {links.invitation_url(inv)}"
             for inv in invitations]
    body = (
        f"Yth. {rater.name},\n\n"
        f"Anda diminta memberi umpan balik dalam siklus ulasan 360 derajat \"{cycle.name}\" "
        f"(ditutup {cycle.closes_on.isoformat()}). Jawaban rekan dan bawahan bersifat anonim.\n\n"
        + "\n".join(lines)
        + "\n\nTautan ini hanya dapat dipakai oleh Anda: masuk dengan akun Anda sendiri untuk mengisi. "
          f"Semua ulasan Anda juga ada di Ulasan saya: {links.base_url()}/ulasan-saya\n"
    )
    mail.queue(instansi_id=cycle.instansi_id, recipient=rater.email, subject=subject, body=body)


def invitations_by_rater(cycle: ReviewCycle, rater: Employee | None = None) -> dict[int, list[ReviewInvitation]]:
    """rater id → their approved invitations in the cycle, whatever their state."""
    stmt = (select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True))
            .order_by(ReviewInvitation.id))
    if rater is not None:
        stmt = stmt.where(ReviewInvitation.rater_id == rater.id)
    by_rater: dict[int, list[ReviewInvitation]] = defaultdict(list)
    for invitation in db.session.scalars(stmt):
        by_rater[invitation.rater_id].append(invitation)
    return by_rater


def _queue_invitations(cycle: ReviewCycle) -> int:
    """The opening mail to every rater with an email address; returns the number of mails."""
    queued = 0
    for invitations in invitations_by_rater(cycle).values():
        rater = invitations[0].rater
        if rater.email:
            _invitation_mail(cycle, rater, invitations, f"Undangan ulasan 360 derajat: {cycle.name}")
            queued += 1
    return queued


def resend_links(cycle: ReviewCycle, rater: Employee) -> None:
    """HR sends a rater their links again: every invitation of theirs in the cycle, answered or
    not, so neither the mail nor the outbox says which reviews are still open."""
    if cycle.state != "open":
        raise ReviewError(N_("Tautan hanya dapat dikirim ulang selama siklus dibuka."))
    if not rater.email:
        raise ReviewError(N_("%(name)s tidak memiliki alamat email; cetak undangannya."), {"name": rater.name})
    invitations = invitations_by_rater(cycle, rater).get(rater.id)
    if not invitations:
        raise ReviewError(N_("%(name)s bukan penilai dalam siklus ini."), {"name": rater.name})
    _invitation_mail(cycle, rater, invitations, f"Tautan ulasan 360 derajat: {cycle.name}")


def send_reminders(cycle: ReviewCycle, instansi: Instansi) -> int:
    """Queue a reminder to every rater who still owes a review and has an email address; returns
    the number of mails. HR sees only that number; the mail points at "Ulasan saya" and names
    no reviewee."""
    if cycle.state != "open":
        raise ReviewError(N_("Pengingat hanya dapat dikirim saat siklus dibuka."))
    owing = db.session.scalars(select(Employee).where(Employee.id.in_(
        select(ReviewInvitation.rater_id).where(ReviewInvitation.cycle_id == cycle.id,
                                                ReviewInvitation.approved.is_(True),
                                                ReviewInvitation.status != "done")), Employee.email.is_not(None),
        Employee.email != "")).all()
    for rater in owing:
        body = (
            f"Yth. {rater.name},\n\n"
            f"Siklus ulasan 360 derajat \"{cycle.name}\" ditutup {cycle.closes_on.isoformat()}, dan masih ada "
            "ulasan yang belum Anda kirim. Masuk dengan akun Anda dan buka Ulasan saya untuk mengisinya:\n"
            f"{links.base_url()}/ulasan-saya\n"
        )
        # Private: HR's mail status page must not list who still owes a review.
        mail.queue(instansi_id=cycle.instansi_id, recipient=rater.email,
                   subject=f"Pengingat: ulasan 360 derajat {cycle.name}", body=body, private=True)
    cycle.reminded_on = today(instansi.tz)
    db.session.flush()
    return len(owing)


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


def _require_rater(invitation: ReviewInvitation, rater: Employee | None) -> None:
    """Only the invited rater answers: the link is a convenience, their own login the proof."""
    if rater is None or rater.id != invitation.rater_id:
        raise ReviewError(N_("Ulasan ini hanya dapat diisi oleh penilai yang diundang, dengan akunnya sendiri."))


def save_draft(invitation: ReviewInvitation, answers: Answers, instansi: Instansi, key: bytes,
               rater: Employee | None) -> None:
    """Keep the rater's answers so far, sealed with their browser's key (see `portal.reviews.drafts`)."""
    _require_rater(invitation, rater)
    reason = can_answer(invitation, instansi)
    if reason:
        raise ReviewError(reason)
    plain = json.dumps({"scores": {str(k): v for k, v in answers.scores.items()}, "comments": answers.comments})
    invitation.draft = drafts.seal(plain, key, invitation.id)
    invitation.status = "draft"
    db.session.flush()


def load_draft(invitation: ReviewInvitation, key: bytes | None) -> dict[str, str] | None:
    """The draft as form values (`item-<id>`, `comment-<code>`): {} when there is none, None when
    there is one that this key does not open (saved in another browser). Only the rater gets
    here; a draft saved before drafts were sealed is plain JSON and opens for them."""
    if not invitation.draft:
        return {}
    plain = drafts.unseal(invitation.draft, key, invitation.id) if drafts.is_sealed(invitation.draft) else invitation.draft
    if plain is None:
        return None
    data = json.loads(plain)
    values = {f"item-{k}": (berakhlak.CANNOT_RATE_CODE if v is None else str(v)) for k, v in data.get("scores", {}).items()}
    values.update({f"comment-{k}": v for k, v in data.get("comments", {}).items()})
    return values


def submit(invitation: ReviewInvitation, answers: Answers, instansi: Instansi, rater: Employee | None,
           now: datetime | None = None) -> None:
    """Send the rater's review: the invitation flips to done (once, whoever races it) and the
    answers go sealed into the cycle's pool, without the rater and without a date; they become a
    response when the cycle closes (portal.reviews.pool)."""
    _require_rater(invitation, rater)
    # Read under a shared lock: a close waits for this review, or this review sees the close.
    cycle = db.session.scalars(select(ReviewCycle).where(ReviewCycle.id == invitation.cycle_id)
                               .with_for_update(read=True).execution_options(populate_existing=True)).one()
    reason = can_answer(invitation, instansi, now)
    if reason:
        raise ReviewError(reason)
    items = {item.id for item in cycle.questionnaire.items}
    if set(answers.scores) != items:
        raise ReviewError(N_("Semua butir harus dijawab (atau pilih Tidak dapat menilai)."))
    flipped = db.session.execute(
        update(ReviewInvitation).where(ReviewInvitation.id == invitation.id, ReviewInvitation.status != "done")
        .values(status="done", draft=None).execution_options(synchronize_session=False)).rowcount
    if flipped != 1:
        raise ReviewError(N_("Ulasan ini sudah Anda kirim. Terima kasih."))
    pool.add(invitation.cycle_id, invitation.reviewee_id, invitation.rater_group, answers.scores, answers.comments)
    db.session.flush()
    db.session.expire(invitation, ["status", "draft"])


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


def set_expectation(cycle: ReviewCycle, reviewee: Employee, value_code: str, text: str, user) -> ReviewExpectation | None:
    """The ekspektasi khusus pimpinan for one value (shown to raters); empty text removes it.

    Only while the cycle is a draft, so every rater reads the same text; never by the reviewee."""
    if cycle.state != "draft":
        raise ReviewError(N_("Ekspektasi khusus pimpinan hanya dapat diubah selama siklus masih draf."))
    if user is not None and getattr(user, "employee_id", None) == reviewee.id:
        raise ReviewError(N_("Ekspektasi khusus pimpinan untuk ulasan Anda sendiri ditetapkan oleh atasan Anda."))
    if value_code not in {code for code, _name, _items in values_of(cycle.questionnaire)}:
        raise ReviewError(N_("Nilai tidak dikenal."))
    if not raters.is_reviewee(cycle, reviewee):
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


