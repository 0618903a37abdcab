"""Forms of the rater's pages and the reports.

The answer form's items are the questionnaire's own (`item-<id>`, `comment-<value>`); they are
read by `services.parse_answers`, so the form class only carries the CSRF token and the button.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from portal.forms import Form

#: The two buttons of the answer form: keep a partial draft, or send the complete review.
SAVE_DRAFT, SUBMIT = "draft", "submit"


class AnswerForm(Form):
    """The rater's answers to one invitation; the pressed button arrives as `action`."""


class ReportFilterForm(Form):
    """HR's unit filter on a cycle's report list (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit kerja"), coerce=int, default=0)

    def __init__(self, units, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [(0, _l("Semua unit"))] + [(u.id, f"{u.code} · {u.name}") for u in units]
