"""What a cycle step or a rater's removal will do, in numbers, for the confirmation page
(portal/confirm.py). Counts of answers appear only as the progress page shows them: summed over
groups at or above the threshold, never a hidden group's."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import func, select

from portal.confirm import Consequences
from portal.extensions import db
from portal.localtime import today
from portal.reviews import raters
from portal.reviews.models import ReviewCycle, ReviewInvitation
from surveys.review import RaterGroup


def _group(code: str) -> str:
    return gettext(RaterGroup(code).label)


def _count(*where) -> int:
    return int(db.session.scalar(select(func.count(ReviewInvitation.id)).where(*where)) or 0)


def _hidden(groups: list[raters.GroupCount]) -> str:
    return ngettext("%(num)d kelompok rekan atau bawahan berada di bawah ambang dan akan disembunyikan di laporan.",
                    "%(num)d kelompok rekan atau bawahan berada di bawah ambang dan akan disembunyikan di laporan.",
                    len(groups))


def of_transition(cycle: ReviewCycle, target: str) -> Consequences:
    back = url_for("reviews.cycle", cycle_id=cycle.id)
    approved = (ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True))
    if target == "open":
        invitations = _count(*approved)
        raters_to_mail = int(db.session.scalar(select(func.count(func.distinct(ReviewInvitation.rater_id)))
                                               .where(*approved)) or 0)
        waiting = _count(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(False))
        short = raters.short_before_opening(cycle)
        facts = [
            ngettext("%(num)d undangan dikirim kepada %(raters)d penilai, lewat antrean email atau surat cetak.",
                     "%(num)d undangan dikirim kepada %(raters)d penilai, lewat antrean email atau surat cetak.",
                     invitations, raters=raters_to_mail),
            gettext("Daftar penilai dikunci; penilai pilihan diimbangi undian dari struktur organisasi."),
        ]
        if waiting:
            facts.append(ngettext("%(num)d nominasi yang belum disetujui dihapus.",
                                  "%(num)d nominasi yang belum disetujui dihapus.", waiting))
        warnings = [_hidden(short)] if short else []
        warnings += [gettext("%(name)s: %(group)s hanya %(invited)d penilai, ambang %(threshold)d.",
                             name=g.reviewee.name, group=_group(g.group), invited=g.invited, threshold=cycle.threshold)
                     for g in short[:10]]
        return Consequences(gettext("Buka siklus %(name)s", name=cycle.name), gettext("Ya, buka siklus"), back,
                            facts, warnings)
    progress = raters.progress(cycle)
    if target == "closed":
        pending = _count(*approved, ReviewInvitation.status != "done")
        hidden = raters.hidden_at_close(cycle)
        shown_in = progress.answered_shown
        total = progress.invitations
        percent = round(100 * shown_in / total) if total else 0
        facts = [
            gettext("Ulasan masuk sejauh ini (kelompok yang mencapai ambang): %(done)d dari %(total)d undangan "
                    "(%(percent)d%%).", done=shown_in, total=total, percent=percent),
            ngettext("%(num)d tautan undangan yang belum dipakai tidak berlaku lagi.",
                     "%(num)d tautan undangan yang belum dipakai tidak berlaku lagi.", pending),
            gettext("Ulasan yang terkirim disimpan sebagai tanggapan tanpa nama dalam urutan acak."),
        ]
        warnings = [_hidden(hidden)] if hidden else []
        return Consequences(gettext("Tutup siklus %(name)s", name=cycle.name), gettext("Ya, tutup siklus"), back,
                            facts, warnings, undo=gettext(
                                "Kecuali: siklus dapat dibuka kembali selama belum ada laporannya yang dibaca atau "
                                "diekspor."))
    reviewees = len({g.reviewee.id for g in progress.groups}) or len(raters.reviewees(cycle))
    hidden = [g for g in progress.groups if g.answered is None]
    facts = [
        ngettext("%(num)d pegawai dapat membaca laporannya sendiri.",
                 "%(num)d pegawai dapat membaca laporannya sendiri.", reviewees),
        gettext("Ambang anonimitas (%(threshold)d) tidak dapat diubah lagi.", threshold=cycle.threshold),
    ]
    warnings = [_hidden(hidden)] if hidden else []
    return Consequences(gettext("Rilis hasil %(name)s", name=cycle.name), gettext("Ya, rilis hasil"), back,
                        facts, warnings)


def of_removal(invitation: ReviewInvitation, back: str) -> Consequences:
    cycle = invitation.cycle
    names = {"rater": invitation.rater.name, "reviewee": invitation.reviewee.name}
    left = _count(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True),
                  ReviewInvitation.reviewee_id == invitation.reviewee_id,
                  ReviewInvitation.rater_group == invitation.rater_group, ReviewInvitation.id != invitation.id)
    facts = [
        gettext("%(rater)s tidak lagi menjadi penilai %(reviewee)s.", **names),
        gettext("Penilai kelompok %(group)s untuk %(reviewee)s tinggal %(left)d.", group=_group(invitation.rater_group),
                reviewee=invitation.reviewee.name, left=left),
    ]
    warnings = []
    if invitation.rater_group == "atasan":
        warnings.append(gettext("Tanpa penilai atasan, bagian atasan (yang menanggung bobot tersendiri dalam nilai "
                                "perilaku) kosong untuk %(reviewee)s.", reviewee=invitation.reviewee.name))
    elif invitation.rater_group in raters.ANONYMOUS and left < cycle.threshold:
        warnings.append(gettext("Kelompok ini kini di bawah ambang anonimitas (%(threshold)d): hasilnya akan "
                                "disembunyikan kecuali undian atau penilai baru menambahnya.",
                                threshold=cycle.threshold))
    return Consequences(gettext("Hapus penilai %(rater)s", **names), gettext("Ya, hapus penilai"), back,
                        facts, warnings, final=False)


def of_reopening(cycle: ReviewCycle) -> Consequences:
    """Closed → Open again: the links that work again, and what stays."""
    progress = raters.progress(cycle)
    pending = _count(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True),
                     ReviewInvitation.status != "done")
    total = progress.invitations
    shown_in = progress.answered_shown
    percent = round(100 * shown_in / total) if total else 0
    facts = [
        ngettext("%(num)d tautan undangan yang belum dipakai berlaku lagi.",
                 "%(num)d tautan undangan yang belum dipakai berlaku lagi.", pending),
        gettext("Ulasan masuk sejauh ini (kelompok yang mencapai ambang): %(done)d dari %(total)d undangan "
                "(%(percent)d%%); semuanya tetap tersimpan.", done=shown_in, total=total, percent=percent),
        gettext("Laporan siklus ini tidak dapat dibaca sampai siklus ditutup lagi."),
    ]
    warnings = []
    if today(current_user.instansi.tz) > cycle.closes_on:
        warnings.append(gettext("Tanggal tutup (%(date)s) sudah lewat: ubah tanggal tutup di halaman siklus sesudah "
                                "membuka kembali, agar penilai dapat mengisi.", date=cycle.closes_on.isoformat()))
    return Consequences(gettext("Buka kembali siklus %(name)s", name=cycle.name), gettext("Ya, buka kembali"),
                        url_for("reviews.cycle", cycle_id=cycle.id), facts, warnings, final=False)
