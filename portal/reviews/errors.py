"""The review feature's refusal: a domain error whose message is for the user."""
from __future__ import annotations

from surveys.errors import DomainError


class ReviewError(DomainError):
    """A review action that the rules refuse, with the reason for the user."""
