"""Errors raised by the domain core.

Each error carries an ``N_``-marked Indonesian ``message`` template and its ``params``, so the
portal can translate the template and interpolate (see :func:`surveys.i18n.render`).
"""

from __future__ import annotations

from collections.abc import Mapping

from surveys.i18n import N_


class DomainError(Exception):
    """Base of every domain error: a translatable template plus its parameters."""

    default_message = N_("Data tidak valid.")

    def __init__(self, message: str | None = None, params: Mapping[str, object] | None = None):
        self.message = message if message is not None else self.default_message
        self.params: dict[str, object] = dict(params or {})
        super().__init__(self.message)

    def __str__(self) -> str:
        try:
            return self.message % self.params
        except (KeyError, TypeError, ValueError):
            return self.message


class InvalidValue(DomainError, ValueError):
    """A value outside what the rules allow (a score, a threshold, a setting)."""


class NoResponses(DomainError, ValueError):
    """There is nothing to compute yet; the portal shows "belum ada data"."""

    default_message = N_("Belum ada data.")


class InvalidResponse(DomainError, ValueError):
    """A survey response failed validation; ``errors`` maps each field to its message."""

    default_message = N_("Jawaban belum lengkap atau tidak valid.")

    def __init__(self, errors: Mapping[str, str], message: str | None = None):
        self.errors: dict[str, str] = dict(errors)
        super().__init__(message)


class InvalidWeights(DomainError, ValueError):
    """Composite weights that are out of range or do not sum to 100."""

    default_message = N_("Bobot komponen tidak valid.")


class InvalidTicket(DomainError, ValueError):
    """A queue ticket code that is malformed, forged or altered."""

    default_message = N_("Kode tiket tidak valid. Periksa kembali kode pada tiket Anda.")


class InvalidNip(DomainError, ValueError):
    """An employee identifier (NIP) with the wrong shape."""

    default_message = N_("NIP tidak valid.")
