"""Forms for running 360 cycles: the cycle, its threshold and dates, raters, nominations,
questionnaires. Choices that depend on the instansi are filled in by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import HiddenInput

from portal.forms import Form
from portal.org.forms import MultiCheckboxField

PERIOD_LABELS = {"triwulan": _l("Triwulan"), "tahunan": _l("Tahunan")}
PERIOD_CHOICES = list(PERIOD_LABELS.items())
#: The groups HR or a supervisor may add by hand (self is always there).
ADDABLE_GROUPS = [("rekan", _l("Rekan kerja")), ("atasan", _l("Atasan")), ("bawahan", _l("Bawahan"))]
SOURCE_LABELS = {"proposed": _l("usulan"), "added": _l("tambahan"), "nominated": _l("nominasi")}


class CycleForm(Form):
    name = StringField(_l("Nama siklus"), validators=[DataRequired(), Length(max=200)])
    period_kind = RadioField(_l("Periode"), choices=PERIOD_CHOICES, default="tahunan", validators=[DataRequired()])
    opens_on = DateField(_l("Tanggal buka"), validators=[DataRequired()])
    closes_on = DateField(_l("Tanggal tutup"), validators=[DataRequired()])
    unit_ids = MultiCheckboxField(_l("Unit kerja yang dinilai"), coerce=int)
    questionnaire_id = SelectField(_l("Kuesioner"), coerce=int, validators=[DataRequired()])
    # The service refuses a threshold below 3 with its own message; the form only wants a number.
    threshold = IntegerField(_l("Ambang anonimitas (tanggapan minimal per kelompok rekan/bawahan)"), default=3,
                             validators=[InputRequired(), NumberRange(max=50)])
    peer_cap = IntegerField(_l("Jumlah rekan kerja paling banyak per pegawai"), default=4,
                            validators=[InputRequired(), NumberRange(min=0, max=20)])
    subordinate_cap = IntegerField(_l("Jumlah bawahan paling banyak per pegawai"), default=6,
                                   validators=[InputRequired(), NumberRange(min=0, max=30)])
    submit = SubmitField(_l("Buat siklus dan usulkan penilai"))

    def validate_unit_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Pilih minimal satu unit kerja."))

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("Tanggal tutup tidak boleh sebelum tanggal buka."))


class ThresholdForm(Form):
    threshold = IntegerField(_l("Ambang anonimitas"), validators=[InputRequired(), NumberRange(max=50)])
    submit = SubmitField(_l("Simpan ambang"))


class DatesForm(Form):
    opens_on = DateField(_l("Tanggal buka"), validators=[DataRequired()])
    closes_on = DateField(_l("Tanggal tutup"), validators=[DataRequired()])
    submit = SubmitField(_l("Simpan tanggal"))


class AddRaterForm(Form):
    reviewee_id = SelectField(_l("Pegawai yang dinilai"), coerce=int, validators=[DataRequired()])
    rater_id = SelectField(_l("Penilai"), coerce=int, validators=[DataRequired()])
    rater_group = SelectField(_l("Kelompok"), choices=ADDABLE_GROUPS, validators=[DataRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Tambah penilai"))


class NominateForm(Form):
    rater_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Nominasikan"))


class CopyQuestionnaireForm(Form):
    name = StringField(_l("Nama salinan"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Salin kuesioner"))


class ItemTextForm(Form):
    text = StringField(_l("Teks butir"), validators=[DataRequired(), Length(max=400)])
    submit = SubmitField(_l("Simpan"))


class AddItemForm(Form):
    value_code = SelectField(_l("Nilai"), validators=[DataRequired()])
    text = StringField(_l("Teks butir baru"), validators=[DataRequired(), Length(max=400)])
    submit = SubmitField(_l("Tambah butir"))
