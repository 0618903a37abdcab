"""Invitation links: a 256-bit token per invitation, derived from its nonce and the app's secret
(so HR can resend and reprint links), looked up by its SHA-256. The token finds the invitation;
only the rater's own login lets anyone answer it."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from portal import base_url as public_address
from portal.extensions import db
from portal.org.models import Employee
from portal.reviews.models import ReviewCycle, ReviewInvitation


def _token_for_nonce(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"cermin-review-invitation:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation: ReviewInvitation) -> str:
    """The 256-bit token in the rater's link (derivable again, so HR can resend and reprint links).
    It finds the invitation; only the rater's own login lets anyone answer it."""
    return _token_for_nonce(invitation.token_nonce)


def invitation_url(invitation: ReviewInvitation, base: str | None = None) -> str:
    """The rater's link, on CERMIN_BASE_URL unless a page passes the address it shows
    (`portal.base_url.for_page()`): a mailed link never follows a Host header."""
    return f"{base if base is not None else base_url()}/ulasan/{invitation_token(invitation)}"


def find_invitation(token: str) -> ReviewInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(ReviewInvitation).where(ReviewInvitation.token_hash == _hash(token)))


def base_url() -> str:
    """The address mailed links are built on: always CERMIN_BASE_URL."""
    return public_address.configured()


def new_invitation(cycle: ReviewCycle, reviewee: Employee, rater: Employee, group: str, source: str,
                    approved: bool = True) -> ReviewInvitation:
    nonce = secrets.token_hex(16)
    return ReviewInvitation(cycle_id=cycle.id, reviewee_id=reviewee.id, rater_id=rater.id, rater_group=group,
                            source=source, approved=approved, token_nonce=nonce,
                            token_hash=_hash(_token_for_nonce(nonce)))
