"""Marking translatable domain labels.

The domain core never translates: it marks Indonesian source strings with ``N_`` so Babel
extracts them, and the portal translates them at display time. Sentences with numbers travel
as ``(template, params)`` pairs with named %-placeholders; see :func:`render`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Message = tuple[str, dict[str, object]]


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged (translated later by the portal)."""
    return message


def render(
    template: str,
    params: Mapping[str, object],
    translate: Callable[[str], str] = N_,
) -> str:
    """Translate ``template`` and its string params, then interpolate.

    String params are labels marked with ``N_`` (a component, a predikat), so they are
    translated too; an unknown string comes back from gettext unchanged.
    """
    translated = {
        key: translate(value) if isinstance(value, str) else value
        for key, value in params.items()
    }
    return translate(template) % translated
