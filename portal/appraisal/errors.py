"""The appraisal's domain errors: what the rules refuse, with the reason for the user."""
from __future__ import annotations

from collections.abc import Mapping

from surveys.errors import DomainError
from surveys.i18n import N_


class AppraisalError(DomainError):
    """An appraisal action the rules refuse, with the reason for the user.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str | None = None, params: Mapping[str, object] | None = None,
                 field: str | None = None):
        super().__init__(message, params)
        self.field = field


class TransitionRefused(AppraisalError):
    """A workflow step that the record's state or the user's role does not allow."""


class RecordFinalised(TransitionRefused):
    default_message = N_("Catatan penilaian ini sudah final dan tidak dapat diubah.")
