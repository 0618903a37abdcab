"""Forms of the tindak lanjut pages: the inbox filter and saran update, follow-up records, the alert
rule, closing an alert and the Laporan SKM period."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import Form
from portal.insight import alerts, followup
from surveys import skm


def _status_choices(labels: dict) -> list[tuple[str, object]]:
    return [(code, _l(label)) for code, label in labels.items()]


class _GetForm(Form):
    """A filter read from the query string: no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False


class InboxFilterForm(_GetForm):
    unit = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[("", _l("Semua status"))] + _status_choices(followup.COMMENT_STATUS_LABELS))
    loket = SelectField(_l("Loket"), coerce=int, validators=[Optional()])
    dari = DateField(_l("Dari tanggal"), validators=[Optional()])
    sampai = DateField(_l("Sampai tanggal"), validators=[Optional()])
    submit = SubmitField(_l("Tampilkan"))


class CommentForm(Form):
    """One saran's status, assignee and response note (prefixed per saran on the inbox page)."""

    status = SelectField(_l("Status"), choices=_status_choices(followup.COMMENT_STATUS_LABELS),
                         validators=[DataRequired()])
    assignee = SelectField(_l("Penanggung jawab"), coerce=int, validators=[Optional()])
    note = TextAreaField(_l("Catatan tanggapan"), render_kw={"rows": 2, "maxlength": followup.MAX_NOTE},
                         validators=[Optional(), Length(max=followup.MAX_NOTE)])
    next = HiddenField()
    submit = SubmitField(_l("Simpan"))


class FollowUpForm(Form):
    period_from = DateField(_l("Periode dari"), validators=[InputRequired()])
    period_to = DateField(_l("Periode sampai"), validators=[InputRequired()])
    unsur = SelectField(_l("Unsur"), validators=[Optional()])
    action = TextAreaField(_l("Tindakan"), render_kw={"rows": 3, "maxlength": followup.MAX_ACTION},
                           validators=[DataRequired(), Length(max=followup.MAX_ACTION)])
    status = SelectField(_l("Status"), choices=_status_choices(followup.FOLLOW_UP_STATUS_LABELS),
                         validators=[DataRequired()])
    target_date = DateField(_l("Target selesai (tidak wajib)"), validators=[Optional()])
    submit = SubmitField(_l("Catat tindak lanjut"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unsur.choices = [("", gettext("Otomatis: unsur terlemah pada periode itu"))] + [
            (u.kode, f"{u.kode} · {gettext(u.name)}") for u in skm.UNSUR]

    def validate_period_to(self, field):
        if self.period_from.data and field.data and field.data < self.period_from.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))


class FollowUpStatusForm(Form):
    status = SelectField(_l("Status"), choices=_status_choices(followup.FOLLOW_UP_STATUS_LABELS),
                         validators=[DataRequired()])
    submit = SubmitField(_l("Ubah status"))


class AlertRuleForm(Form):
    threshold_percent = DecimalField(
        _l("Ambang jawaban negatif (%)"), places=2,
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=Decimal(100))])
    window_hours = IntegerField(_l("Jendela waktu (jam)"), validators=[InputRequired(), NumberRange(min=1, max=720)])
    min_answers = IntegerField(_l("Jawaban minimal dalam jendela"),
                               validators=[InputRequired(), NumberRange(min=1, max=10000)])
    submit = SubmitField(_l("Simpan aturan"))


class CloseAlertForm(Form):
    note = TextAreaField(_l("Catatan tindakan"), render_kw={"rows": 2, "maxlength": alerts.MAX_NOTE},
                         validators=[DataRequired(), Length(max=alerts.MAX_NOTE)])
    submit = SubmitField(_l("Tutup peringatan"))


class LaporanForm(_GetForm):
    dari = DateField(_l("Dari tanggal"), validators=[InputRequired()])
    sampai = DateField(_l("Sampai tanggal"), validators=[InputRequired()])
    populasi = IntegerField(_l("Populasi dilayani (tidak wajib)"), validators=[Optional(), NumberRange(min=1)])
    submit = SubmitField(_l("Tampilkan"))

    def validate_sampai(self, field):
        if self.dari.data and field.data and field.data < self.dari.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))
