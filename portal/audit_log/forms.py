"""The Log audit page's filter, read from the query string."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from portal.forms import Form


class AuditFilterForm(Form):
    """A filter changes nothing: no CSRF token."""

    class Meta:
        csrf = False

    pegawai = StringField(_l("Pegawai (NIP atau nama)"), validators=[Optional(), Length(max=200)])
    unit = SelectField(_l("Unit kerja"), coerce=int, validators=[Optional()])
    periode = SelectField(_l("Periode penilaian"), coerce=int, validators=[Optional()])
    aksi = SelectField(_l("Jenis perubahan"), validators=[Optional()])
    dari = DateField(_l("Dari tanggal"), validators=[Optional()])
    sampai = DateField(_l("Sampai tanggal"), validators=[Optional()])
    submit = SubmitField(_l("Tampilkan"))

    def validate_sampai(self, field):
        if field.data and self.dari.data and field.data < self.dari.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal mulai."))
