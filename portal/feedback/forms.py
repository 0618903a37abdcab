"""The public SKM form. The nine unsur are validated by surveys.skm; WTForms carries CSRF,
the saran, the optional profile and the hidden keys."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.feedback.services import MAX_COMMENT
from portal.forms import Form
from surveys import skm

NOT_SAYING = ("", _l("Tidak ingin menjawab"))
UNKNOWN_OFFICER = "0"


def _profile_choices(pairs):
    return [NOT_SAYING] + [(code, _l(label)) for code, label in pairs]


class SkmForm(Form):
    form_key = HiddenField()
    ticket = HiddenField()
    officer = HiddenField()
    comment = TextAreaField(
        _l("Saran atau keluhan (tidak wajib)"),
        validators=[Optional(), Length(max=MAX_COMMENT, message=_l("Saran paling banyak %(max)d karakter."))],
        render_kw={"maxlength": MAX_COMMENT, "rows": 3},
    )
    gender = SelectField(_l("Jenis kelamin"), choices=_profile_choices(skm.GENDERS), validators=[Optional()])
    age_range = SelectField(_l("Umur"), choices=_profile_choices(skm.AGE_RANGES), validators=[Optional()])
    education = SelectField(_l("Pendidikan terakhir"), choices=_profile_choices(skm.EDUCATION), validators=[Optional()])
    occupation = SelectField(_l("Pekerjaan"), choices=_profile_choices(skm.OCCUPATIONS), validators=[Optional()])
    #: Left empty by people; scripts that fill every field give themselves away.
    website = StringField(_l("Jangan diisi"), validators=[Optional()])
    submit = SubmitField(_l("Kirim penilaian"))


class TicketEntryForm(Form):
    code = StringField(_l("Kode tiket"), validators=[Length(max=96)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField(_l("Lanjut"))
