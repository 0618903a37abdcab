"""HR's view of the outbox: each message with its status (queued, sent, failed with the reason).

A private message (a 360 reminder, which goes only to raters who still owe a review) shows
neither its recipient nor its reason: the page must not tell HR who has not answered yet.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import case, func, select

from portal import localtime
from portal.access import access
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.roles import ADMIN, AUDITOR, HR

bp = Blueprint("mail", __name__, url_prefix="/organisasi/email", template_folder="templates")
PAGE_SIZE = 100
STATUSES = ("queued", "sent", "failed")


def queued_notice(text: str) -> Markup:
    """A flash message about mail just queued, ending with a link to its status (never a command)."""
    return Markup('{} <a href="{}">{}</a>').format(text, url_for("mail.outbox"), gettext("Lihat status email."))


def status_of(message: OutboxMessage) -> str:
    if message.sent_at is not None:
        return "sent"
    return "failed" if message.failed_at is not None else "queued"


def _status_column():
    return case((OutboxMessage.sent_at.is_not(None), "sent"), (OutboxMessage.failed_at.is_not(None), "failed"),
                else_="queued")


@bp.route("/")
@access(HR, ADMIN, AUDITOR)
def outbox():
    mine = OutboxMessage.instansi_id == current_user.instansi_id
    status = _status_column()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(db.session.execute(select(status, func.count()).where(mine).group_by(status)).tuples().all())
    shown = request.args.get("status")
    stmt = select(OutboxMessage).where(mine)
    if shown in STATUSES:
        stmt = stmt.where(status == shown)
    else:
        shown = None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = counts[shown] if shown else sum(counts.values())
    messages = db.session.scalars(stmt.order_by(OutboxMessage.id.desc())
                                  .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("mail/outbox.html", messages=messages, counts=counts, shown=shown, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), status_of=status_of,
                           when=lambda moment: localtime.shown(moment, current_user.instansi.tz, str(get_locale() or "id")))
