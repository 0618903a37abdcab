"""Who rates whom, and how far they are: raters proposed from the org chart, added by HR or the
reviewee's supervisor, nominated by the reviewee; hand-picked raters balanced by raters drawn from
the org chart; the groups that will be hidden under the threshold, before a cycle opens and
before it closes; and the progress of a running cycle, counted without people."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import contains_eager

from portal import audit
from portal.extensions import db
from portal.org.models import Employee
from portal.reviews import links
from portal.reviews.errors import ReviewError
from portal.reviews.models import GROUPS, ReviewCycle, ReviewInvitation
from surveys import review
from surveys.i18n import N_


def require_draft(cycle: ReviewCycle) -> None:
    if cycle.state != "draft":
        raise ReviewError(N_("Daftar penilai hanya dapat diubah selama siklus masih draf."))


def reviewees(cycle: ReviewCycle) -> list[Employee]:
    unit_ids = [cu.unit_id for cu in cycle.cycle_units]
    return list(db.session.scalars(select(Employee).where(
        Employee.unit_id.in_(unit_ids), Employee.active.is_(True)).order_by(Employee.name)))


#: The rater groups shown only above the threshold, by their stored codes.
ANONYMOUS = tuple(group.value for group in review.RaterGroup if group in review.ANONYMOUS_GROUPS)


def _org_chart(cycle: ReviewCycle) -> dict[int | None, list[Employee]]:
    """The instansi's active employees by their supervisor's id."""
    by_supervisor: dict[int | None, list[Employee]] = defaultdict(list)
    for employee in db.session.scalars(select(Employee).where(
            Employee.instansi_id == cycle.instansi_id, Employee.active.is_(True)).order_by(Employee.id)):
        by_supervisor[employee.supervisor_id].append(employee)
    return by_supervisor


def _drawable(person: Employee, group: str, by_supervisor: dict[int | None, list[Employee]]) -> list[Employee]:
    """Who the org chart offers as the person's raters in an anonymous group: peers are the
    others under the same supervisor in the same unit, subordinates the direct reports."""
    if group == "rekan":
        return [e for e in by_supervisor.get(person.supervisor_id, [])
                if e.id != person.id and e.unit_id == person.unit_id] if person.supervisor_id else []
    return list(by_supervisor.get(person.id, []))


def propose_raters(cycle: ReviewCycle, actor=None) -> int:
    """Propose raters from the org chart for every reviewee; earlier proposals are replaced,
    raters that HR or a supervisor added by hand are kept (and balanced, see
    :func:`balance_raters`). Returns the number of invitations. ``actor`` (None: a command or
    the demo) is named in the audit log."""
    require_draft(cycle)
    db.session.execute(delete(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.source == "proposed"))
    kept = {(i.reviewee_id, i.rater_id) for i in db.session.scalars(
        select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id))}
    by_supervisor = _org_chart(cycle)
    load: dict[int, int] = defaultdict(int)
    count = 0

    def invite(reviewee: Employee, rater: Employee, group: str) -> None:
        nonlocal count
        if (reviewee.id, rater.id) in kept:
            return
        kept.add((reviewee.id, rater.id))
        db.session.add(links.new_invitation(cycle, reviewee, rater, group, "proposed"))
        count += 1

    for person in reviewees(cycle):
        invite(person, person, "diri")
        supervisor = person.supervisor
        if supervisor is not None and supervisor.active:
            invite(person, supervisor, "atasan")
        for peer in review.choose_balanced(_drawable(person, "rekan", by_supervisor), cycle.peer_cap,
                                           f"cycle-{cycle.id}/{person.id}", load, id_of=lambda e: e.id):
            load[peer.id] += 1
            invite(person, peer, "rekan")
        for report in review.choose_peers(_drawable(person, "bawahan", by_supervisor), cycle.subordinate_cap,
                                          f"cycle-{cycle.id}/{person.id}/b", id_of=lambda e: e.id):
            invite(person, report, "bawahan")
    db.session.flush()
    count += balance_raters(cycle)
    audit.record("reviews.raters.propose", instansi_id=cycle.instansi_id, actor=actor, obj=cycle,
                 label=cycle.name, before=None, after={"proposed": count})
    return count


def balance_raters(cycle: ReviewCycle, exclude: frozenset[tuple[int, int]] = frozenset()) -> int:
    """Draw raters from the org chart until, in every reviewee's rekan and bawahan group, at least
    as many are drawn as were picked by hand (added by HR or the supervisor, or nominated and
    approved), where the org chart has people left to draw: a hand-picked list cannot stack a
    group. ``exclude`` holds (reviewee id, rater id) pairs not to draw (a drawn rater HR just
    removed). The draw is seeded per cycle, reviewee and group. Returns how many were drawn."""
    require_draft(cycle)
    invitations = db.session.scalars(select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)).all()
    invited = {(i.reviewee_id, i.rater_id) for i in invitations} | set(exclude)
    picked: dict[tuple[int, str], int] = defaultdict(int)
    drawn: dict[tuple[int, str], int] = defaultdict(int)
    for invitation in invitations:
        key = (invitation.reviewee_id, invitation.rater_group)
        if invitation.source == "proposed":
            drawn[key] += 1
        elif invitation.approved:
            picked[key] += 1
    short = {key: count - drawn[key] for key, count in picked.items() if key[1] in ANONYMOUS and count > drawn[key]}
    if not short:
        return 0
    by_supervisor = _org_chart(cycle)
    people = {e.id: e for employees in by_supervisor.values() for e in employees}
    count = 0
    for (reviewee_id, group), missing in sorted(short.items()):
        person = people.get(reviewee_id)
        if person is None:
            continue
        candidates = [e for e in _drawable(person, group, by_supervisor) if (person.id, e.id) not in invited]
        for rater in review.choose_peers(candidates, missing, f"cycle-{cycle.id}/{person.id}/{group}/balance",
                                         id_of=lambda e: e.id):
            invited.add((person.id, rater.id))
            db.session.add(links.new_invitation(cycle, person, rater, group, "proposed"))
            count += 1
    db.session.flush()
    return count


def add_rater(cycle: ReviewCycle, reviewee: Employee, rater: Employee, group: str, actor=None) -> ReviewInvitation:
    """HR or the reviewee's supervisor (``actor``; None for a command) adds a rater by hand before
    the cycle opens: never to their own review, and in the group the org chart gives the rater. A
    rekan or bawahan added this way is balanced by one more drawn from the org chart, where it
    has one."""
    require_draft(cycle)
    if group not in ("atasan", "rekan", "bawahan"):
        raise ReviewError(N_("Kelompok penilai tidak dikenal."))
    _refuse_own_review(actor, reviewee)
    _check_pair(cycle, reviewee, rater)
    _check_group(reviewee, rater, group)
    invitation = links.new_invitation(cycle, reviewee, rater, group, "added")
    db.session.add(invitation)
    db.session.flush()
    _audit_rater("reviews.rater.add", invitation, actor, before=None, after=_rater_fields(invitation))
    balance_raters(cycle)
    return invitation


def nominate_peer(cycle: ReviewCycle, reviewee: Employee, rater: Employee, actor=None) -> ReviewInvitation:
    """A reviewee proposes a peer; someone else (the supervisor or HR) approves it before the
    cycle opens."""
    require_draft(cycle)
    _check_pair(cycle, reviewee, rater)
    _check_group(reviewee, rater, "rekan")
    invitation = links.new_invitation(cycle, reviewee, rater, "rekan", "nominated", approved=False)
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
    nominee a rekan; like a rater added by hand, it is balanced by a draw."""
    require_draft(invitation.cycle)
    _refuse_own_review(actor, invitation.reviewee)
    _check_group(invitation.reviewee, invitation.rater, invitation.rater_group)
    before = _rater_fields(invitation)
    invitation.approved = True
    db.session.flush()
    _audit_rater("reviews.rater.approve", invitation, actor, before=before, after=_rater_fields(invitation))
    balance_raters(invitation.cycle)


def remove_invitation(invitation: ReviewInvitation, actor=None) -> None:
    """Take a rater off the list (never from one's own review), or withdraw one's own nomination
    while it still waits for approval. Whether this user may take off this one (a supervisor only
    their own picks, never a drawn rater) is permissions.can_remove_rater's to say; a drawn rater
    taken off is replaced by the next draw where hand-picked raters would otherwise outnumber
    the drawn ones."""
    cycle = invitation.cycle
    require_draft(cycle)
    if invitation.rater_group == "diri":
        raise ReviewError(N_("Penilaian diri sendiri tidak dapat dihapus."))
    withdrawal = invitation.source == "nominated" and not invitation.approved
    if not withdrawal:
        _refuse_own_review(actor, invitation.reviewee)
    _audit_rater("reviews.rater.withdraw" if withdrawal else "reviews.rater.remove", invitation, actor,
                 before=_rater_fields(invitation), after=None)
    removed = (invitation.reviewee_id, invitation.rater_id)
    db.session.delete(invitation)
    db.session.flush()
    balance_raters(cycle, exclude=frozenset({removed}))


def is_reviewee(cycle: ReviewCycle, employee: Employee) -> bool:
    return employee.active and employee.unit_id in {cu.unit_id for cu in cycle.cycle_units}


def team_of(cycle: ReviewCycle, supervisor: Employee) -> list[Employee]:
    """The supervisor's direct reports who are reviewed in the cycle."""
    unit_ids = [cu.unit_id for cu in cycle.cycle_units]
    return list(db.session.scalars(select(Employee).where(
        Employee.supervisor_id == supervisor.id, Employee.unit_id.in_(unit_ids), Employee.active.is_(True))
        .order_by(Employee.name)))


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


# --- warnings and progress: counts per reviewee and group, never per rater -------------------------

@dataclass(frozen=True)
class GroupCount:
    """One reviewee's rekan or bawahan group: the raters invited and, while the cycle runs, how
    many answered as anyone but the rater may see it (None: fewer than the threshold, or none)."""

    reviewee: Employee
    group: str
    invited: int
    answered: int | None = None


def _group_rows(cycle: ReviewCycle) -> list[tuple[Employee, str, int, int]]:
    """(reviewee, group, approved invitations, answered) per reviewee and group, by name."""
    done = func.sum(case((ReviewInvitation.status == "done", 1), else_=0))
    rows = db.session.execute(
        select(Employee, ReviewInvitation.rater_group, func.count(ReviewInvitation.id), done)
        .join(ReviewInvitation, ReviewInvitation.reviewee_id == Employee.id)
        .where(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True))
        .group_by(Employee.id, ReviewInvitation.rater_group)).all()
    order = {group: i for i, group in enumerate(GROUPS)}
    return sorted(((reviewee, group, int(invited), int(answered or 0)) for reviewee, group, invited, answered in rows),
                  key=lambda row: (row[0].name, row[0].id, order[row[1]]))


def short_before_opening(cycle: ReviewCycle) -> list[GroupCount]:
    """Before opening: every reviewee whose rekan or bawahan group has fewer raters than the
    threshold, so its results will be hidden whoever answers. A group nobody is invited to (a
    staff member without subordinates) is not listed."""
    return [GroupCount(reviewee, group, invited) for reviewee, group, invited, _answered in _group_rows(cycle)
            if group in ANONYMOUS and invited < cycle.threshold]


def hidden_at_close(cycle: ReviewCycle) -> list[GroupCount]:
    """Before closing: every reviewee's rekan or bawahan group that has fewer answers than the
    threshold and will be hidden in the reports, with the raters invited (never how many
    answered: a hidden group shows no count)."""
    return [GroupCount(reviewee, group, invited) for reviewee, group, invited, answered in _group_rows(cycle)
            if group in ANONYMOUS and answered < cycle.threshold]


@dataclass(frozen=True)
class Progress:
    """What HR sees of a running cycle: per reviewee's rekan and bawahan group the raters invited
    and the answers when at or above the threshold. The totals are sums of what is shown, so no
    subtraction recovers a hidden count."""

    threshold: int
    groups: list[GroupCount]
    invitations: int

    @property
    def reached(self) -> int:
        return sum(1 for g in self.groups if g.answered is not None)

    @property
    def answered_shown(self) -> int:
        return sum(g.answered or 0 for g in self.groups)


def progress(cycle: ReviewCycle) -> Progress:
    rows = _group_rows(cycle)
    groups = [GroupCount(reviewee, group, invited, review.progress_shown(answered, cycle.threshold))
              for reviewee, group, invited, answered in rows if group in ANONYMOUS]
    return Progress(cycle.threshold, groups, sum(invited for _r, _g, invited, _a in rows))
