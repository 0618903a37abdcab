"""Who may do what in 360 reviews — the one place these rules live.

- HR and admins run every cycle of their instansi and read every report once it is closed.
- A supervisor adds raters, approves nominations and sets expectations for their direct reports
  while the cycle is a draft, takes off the raters they picked (never one drawn from the org
  chart: HR alone may, and the draw replaces them), and reads their direct reports' reports once
  the cycle is closed.
- An employee nominates peers for themselves in a draft cycle, answers their invitations (they
  alone, logged in: a link in anyone else's hands opens nothing), and reads their own report
  once the cycle is released.
- Nobody reads an individual response, or who has answered; only group figures exist outside the
  rater's own draft.
- The auditor (the Inspektorat) reads what HR reads (cycles, their raters, reports once closed)
  and changes nothing (portal/access.py); the rules of changes below never name it.
"""
from __future__ import annotations

from portal.accounts.models import ADMIN, HR
from portal.org.models import Employee
from portal.reviews.models import ReviewCycle
from portal.roles import INSTANSI_READERS


def is_hr(user) -> bool:
    return user.is_authenticated and user.has_role(HR, ADMIN)


def reads_instansi(user) -> bool:
    """HR, admins and the auditor read every cycle and report of their instansi."""
    return user.is_authenticated and user.has_role(*INSTANSI_READERS)


def same_instansi(user, cycle: ReviewCycle) -> bool:
    return user.is_authenticated and cycle.instansi_id == user.instansi_id


def can_manage_cycle(user, cycle: ReviewCycle) -> bool:
    return same_instansi(user, cycle) and is_hr(user)


def can_read_cycle(user, cycle: ReviewCycle) -> bool:
    """The cycle's page: its reviewees, raters (names only) and response counts."""
    return same_instansi(user, cycle) and reads_instansi(user)


def is_direct_supervisor(user, reviewee: Employee) -> bool:
    employee = getattr(user, "employee", None)
    return employee is not None and reviewee.supervisor_id == employee.id


def can_adjust_raters(user, cycle: ReviewCycle, reviewee: Employee) -> bool:
    """HR, or the reviewee's pejabat penilai, while the cycle is a draft."""
    if not same_instansi(user, cycle) or cycle.state != "draft":
        return False
    return is_hr(user) or is_direct_supervisor(user, reviewee)


def can_remove_rater(user, invitation) -> bool:
    """HR takes off any rater (the service keeps the self-assessment); a supervisor only the raters
    picked by hand (added or nominated), so a drawn rater they dislike cannot be swapped for one
    they like."""
    if not can_adjust_raters(user, invitation.cycle, invitation.reviewee):
        return False
    return is_hr(user) or invitation.source != "proposed"


def is_the_rater(user, invitation) -> bool:
    """The invited rater, logged in with their own account."""
    employee = getattr(user, "employee", None)
    return user.is_authenticated and employee is not None and employee.id == invitation.rater_id


def can_nominate(user, cycle: ReviewCycle, reviewee: Employee) -> bool:
    employee = getattr(user, "employee", None)
    return same_instansi(user, cycle) and cycle.state == "draft" and employee is not None and employee.id == reviewee.id


def can_read_report(user, cycle: ReviewCycle, reviewee: Employee) -> bool:
    if not same_instansi(user, cycle):
        return False
    employee = getattr(user, "employee", None)
    if employee is not None and employee.id == reviewee.id:
        return cycle.state == "released"
    if cycle.state not in ("closed", "released"):
        return False
    return reads_instansi(user) or is_direct_supervisor(user, reviewee)


def can_see_raters(user, cycle: ReviewCycle, reviewee: Employee) -> bool:
    """HR and the reviewee's pejabat penilai see who rates whom (names only, never answers)."""
    return same_instansi(user, cycle) and (reads_instansi(user) or is_direct_supervisor(user, reviewee))


def can_set_expectations(user, cycle: ReviewCycle, reviewee: Employee) -> bool:
    """The ekspektasi khusus pimpinan: the same people and time as adjusting raters."""
    return can_adjust_raters(user, cycle, reviewee)


def can_withdraw_nomination(user, invitation) -> bool:
    """A reviewee takes back their own nomination while it still waits for approval."""
    return (invitation.source == "nominated" and not invitation.approved
            and can_nominate(user, invitation.cycle, invitation.reviewee))
