"""Forms of the appraisal outputs: issuing an API token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from portal.appraisal.tokens import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS, SCOPES
from portal.forms import Form
from portal.org.forms import MultiCheckboxField


class ApiTokenForm(Form):
    name = StringField(_l("Nama token (untuk apa atau siapa)"), validators=[DataRequired(), Length(max=120)])
    unit_id = SelectField(_l("Batasi pada unit kerja"), coerce=int, default=0)
    scopes = MultiCheckboxField(_l("Izin"), default=list(SCOPES))
    days = IntegerField(_l("Berlaku (hari)"), default=DEFAULT_DAYS,
                        validators=[DataRequired(), NumberRange(min=MIN_DAYS, max=MAX_DAYS)])
    submit = SubmitField(_l("Buat token"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [(0, _l("Semua unit kerja"))] + [(u.id, f"{u.code} · {u.name}") for u in units]
        self.scopes.choices = [(code, f"{code} · {label}") for code, label in SCOPES.items()]

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError(_l("Pilih paling sedikit satu izin."))
