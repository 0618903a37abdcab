"""Forms of the appraisal workflow: periods (weights per job group) and proposals to change
them, confirmation, hasil kerja, reasons, the hasil kerja import, reassignment of the Pejabat
Penilai, and the employee's objection with its explanations and decision."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, DecimalField, IntegerField, RadioField, SelectField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.appraisal.objections import MAX_TEXT
from portal.appraisal.workflow import MAX_REASON
from portal.forms import Form
from portal.org.forms import MultiCheckboxField
from portal.org.models import JOB_GROUPS
from surveys.appraisal import Component, Rating

KIND_CHOICES = [("tahunan", _l("Tahunan")), ("triwulan", _l("Triwulan"))]
UNSUR_CHOICES = [("U3", _l("U3 Waktu Penyelesaian")), ("U6", _l("U6 Kompetensi Pelaksana")),
                 ("U7", _l("U7 Perilaku Pelaksana"))]
RATING_CHOICES = [(r.value, _l(r.value)) for r in Rating]
#: The weight grid: one row per job group, one column per component.
WEIGHT_COMPONENTS = (Component.CITIZEN, Component.ATASAN, Component.REKAN, Component.BAWAHAN, Component.SELF)


def weight_field_name(job_group: str, component: Component) -> str:
    return f"w_{job_group}_{component.value}"


class PeriodForm(Form):
    name = StringField(_l("Nama periode"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Jenis"), choices=KIND_CHOICES)
    citizen_from = DateField(_l("Umpan balik masyarakat sejak"), validators=[DataRequired()])
    citizen_to = DateField(_l("sampai"), validators=[DataRequired()])
    cycle_ids = MultiCheckboxField(_l("Siklus ulasan 360"), coerce=int)
    officer_unsur = MultiCheckboxField(_l("Unsur SKM yang menggambarkan petugas"), choices=UNSUR_CHOICES)
    min_citizen_n = IntegerField(_l("Minimal tanggapan masyarakat"), default=10,
                                 validators=[InputRequired(), NumberRange(min=1, max=100000)])
    above_threshold = DecimalField(_l("Batas Di Atas Ekspektasi (skor gabungan ≥)"), default=80, places=2,
                                   validators=[InputRequired(), NumberRange(min=0, max=100)])
    meets_threshold = DecimalField(_l("Batas Sesuai Ekspektasi (skor gabungan ≥)"), default=60, places=2,
                                   validators=[InputRequired(), NumberRange(min=0, max=100)])
    #: Once the settings are frozen a change is a proposal, with this reason.
    change_reason = TextAreaField(_l("Alasan perubahan"), validators=[Optional(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Simpan periode"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Errors of a weight row (job group → message), from the service's check of the sums.
        self.weight_errors: dict[str, str] = {}

    def weight(self, job_group: str, component: Component):
        return self[weight_field_name(job_group, component)]

    def weights(self) -> dict[str, dict[str, object]]:
        return {g: {c.value: self.weight(g, c).data for c in WEIGHT_COMPONENTS} for g in JOB_GROUPS}


for _group in JOB_GROUPS:
    for _component in WEIGHT_COMPONENTS:
        setattr(PeriodForm, weight_field_name(_group, _component), DecimalField(
            _l(_component.label), places=3, default=0, validators=[InputRequired(), NumberRange(min=0, max=100)]))


class ConfirmForm(Form):
    rating_perilaku = RadioField(_l("Penilaian perilaku kerja"), choices=RATING_CHOICES, validators=[InputRequired()])
    rating_hasil_kerja = RadioField(_l("Penilaian hasil kerja"), choices=RATING_CHOICES, validators=[Optional()])
    override_reason = TextAreaField(_l("Alasan (wajib bila berbeda dari saran)"),
                                    validators=[Optional(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Konfirmasi penilaian"))


class HasilKerjaForm(Form):
    rating = SelectField(_l("Penilaian hasil kerja"), choices=RATING_CHOICES)
    submit = SubmitField(_l("Simpan hasil kerja"))


class ReasonForm(Form):
    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Kirim"))


class HasilKerjaImportForm(Form):
    file = FileField(_l("Berkas CSV atau XLSX"), validators=[FileRequired(message=_l("Pilih berkas terlebih dahulu."))])
    submit = SubmitField(_l("Impor hasil kerja"))


class ReassignForm(Form):
    penilai_nip = StringField(_l("NIP Pejabat Penilai baru"), validators=[DataRequired(), Length(max=30)])
    atasan_penilai_nip = StringField(_l("NIP Atasan Pejabat Penilai (boleh kosong)"),
                                     validators=[Optional(), Length(max=30)])
    reason = TextAreaField(_l("Alasan pengalihan"), validators=[DataRequired(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Alihkan"))


class ObjectionForm(Form):
    reason = TextAreaField(_l("Alasan keberatan"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    submit = SubmitField(_l("Ajukan keberatan"))


class WaiveForm(Form):
    agree = BooleanField(_l("Saya menerima penilaian ini dan melepaskan hak keberatan."),
                         validators=[DataRequired()])
    submit = SubmitField(_l("Lepaskan hak keberatan"))


class ExplanationForm(Form):
    penilai_explanation = TextAreaField(_l("Penjelasan Pejabat Penilai"),
                                        validators=[DataRequired(), Length(max=MAX_TEXT)])
    employee_explanation = TextAreaField(_l("Penjelasan pegawai"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    submit = SubmitField(_l("Simpan penjelasan"))


class DecisionForm(Form):
    rating_perilaku = RadioField(_l("Penilaian perilaku kerja"), choices=RATING_CHOICES, validators=[InputRequired()])
    rating_hasil_kerja = RadioField(_l("Penilaian hasil kerja"), choices=RATING_CHOICES, validators=[InputRequired()])
    reason = TextAreaField(_l("Alasan keputusan"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    submit = SubmitField(_l("Tetapkan keputusan"))
