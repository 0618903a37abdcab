"""Forms of the "Integritas data" page: deciding a held burst, a note on it, withdrawing a batch."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.feedback.review import MAX_REASON
from portal.forms import Form


def _text(label):
    return TextAreaField(label, validators=[DataRequired(), Length(max=MAX_REASON)],
                         render_kw={"rows": 3, "maxlength": MAX_REASON})


class DecisionForm(Form):
    """Release or reject a whole burst, with a reason (HR)."""

    reason = _text(_l("Alasan keputusan"))
    release = SubmitField(_l("Lepaskan: hitung semua"))
    reject = SubmitField(_l("Tolak semua"))


class NoteForm(Form):
    text = _text(_l("Catatan"))
    submit = SubmitField(_l("Tambah catatan"))


class WithdrawForm(Form):
    reason = _text(_l("Alasan penarikan"))
    submit = SubmitField(_l("Tarik batch"))
