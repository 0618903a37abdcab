from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    BooleanField, DateField, EmailField, IntegerField, SelectField, SelectMultipleField,
    StringField, SubmitField, TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from sqlalchemy import select

from portal.extensions import db
from portal.forms import EmailAddress, Form
from portal.org.models import TIMEZONES, Employee

TIMEZONE_CHOICES = [
    ("Asia/Jakarta", _l("WIB (UTC+7)")),
    ("Asia/Makassar", _l("WITA (UTC+8)")),
    ("Asia/Jayapura", _l("WIT (UTC+9)")),
]
ORG_PREDIKAT_CHOICES = [(v, _l(v)) for v in ("Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")]
WEEKDAY_CHOICES = [
    ("", _l("Setiap hari")), ("0", _l("Senin")), ("1", _l("Selasa")), ("2", _l("Rabu")), ("3", _l("Kamis")),
    ("4", _l("Jumat")), ("5", _l("Sabtu")), ("6", _l("Minggu")),
]
JOB_GROUP_CHOICES = [("front_line", _l("Pelayanan langsung (loket)")), ("back_office", _l("Pendukung (tanpa loket)"))]
CODE_RULE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Gunakan huruf, angka, - atau _ tanpa spasi."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def employee_choices(instansi_id: int, blank: str | None = None, exclude: int | None = None):
    """The instansi's active employees as select choices (name · NIP), after a blank one if given."""
    rows = db.session.execute(
        select(Employee.id, Employee.name, Employee.nip)
        .where(Employee.instansi_id == instansi_id, Employee.active.is_(True))
        .order_by(Employee.name)
    ).all()
    choices = [(r.id, f"{r.name} · {r.nip}") for r in rows if r.id != exclude]
    return ([(0, blank)] if blank else []) + choices


class InstansiForm(Form):
    name = StringField(_l("Nama instansi"), validators=[DataRequired(), Length(max=200)])
    timezone = SelectField(_l("Zona waktu"), choices=TIMEZONE_CHOICES, validators=[DataRequired()])
    org_predikat = SelectField(_l("Predikat kinerja organisasi"), choices=ORG_PREDIKAT_CHOICES)
    retention_days = IntegerField(
        _l("Lama penyimpanan saran dan profil responden (hari)"),
        validators=[DataRequired(), NumberRange(min=30, max=3650)],
    )
    submit = SubmitField(_l("Simpan"))

    def validate_timezone(self, field):
        if field.data not in TIMEZONES:
            raise ValidationError(_l("Zona waktu tidak dikenal."))


class UnitForm(Form):
    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=20), CODE_RULE])
    name = StringField(_l("Nama unit kerja"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Unit induk"), coerce=int, validators=[Optional()])
    publish_results = BooleanField(_l("Tampilkan hasil IKM di halaman publik"))
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))


class ServiceForm(Form):
    unit_id = SelectField(_l("Unit kerja"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Nama layanan"), validators=[DataRequired(), Length(max=200)])
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))


class CounterForm(Form):
    code = StringField(_l("Kode loket (untuk kode QR)"), validators=[DataRequired(), Length(min=3, max=16), CODE_RULE])
    name = StringField(_l("Nama loket"), validators=[DataRequired(), Length(max=120)])
    unit_id = SelectField(_l("Unit kerja"), coerce=int, validators=[DataRequired()])
    service_id = SelectField(_l("Layanan"), coerce=int, validators=[Optional()])
    location = StringField(_l("Lokasi"), validators=[Optional(), Length(max=200)])
    #: No paper form may date from before it (empty for a new loket: today).
    opened_on = DateField(_l("Dibuka sejak"), validators=[Optional()])
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))


class EmployeeForm(Form):
    nip = StringField(_l("NIP"), validators=[DataRequired(), Length(max=22)])
    name = StringField(_l("Nama"), validators=[DataRequired(), Length(max=200)])
    jabatan = StringField(_l("Jabatan"), validators=[Optional(), Length(max=200)])
    unit_id = SelectField(_l("Unit kerja"), coerce=int, validators=[DataRequired()])
    supervisor_id = SelectField(_l("Atasan langsung (Pejabat Penilai)"), coerce=int, validators=[Optional()])
    job_group = SelectField(_l("Kelompok jabatan"), choices=JOB_GROUP_CHOICES)
    email = EmailField(_l("Email"), validators=[EmailAddress()])
    is_unit_head = BooleanField(_l("Kepala unit"))
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))


class RosterForm(Form):
    counter_id = SelectField(_l("Loket"), coerce=int, validators=[DataRequired()])
    employee_id = SelectField(_l("Petugas"), coerce=int, validators=[DataRequired()])
    weekday = SelectField(_l("Hari"), choices=WEEKDAY_CHOICES, validators=[Optional()])
    start_time = TimeField(_l("Mulai"), validators=[DataRequired()])
    end_time = TimeField(_l("Selesai"), validators=[DataRequired()])
    valid_from = DateField(_l("Berlaku sejak"), validators=[DataRequired()])
    valid_to = DateField(_l("Berlaku sampai"), validators=[Optional()])
    submit = SubmitField(_l("Tambah jadwal"))

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Jam selesai harus setelah jam mulai."))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal mulai."))


class ImportForm(Form):
    file = FileField(_l("Berkas CSV atau XLSX"), validators=[FileRequired(message=_l("Pilih berkas terlebih dahulu."))])
    submit = SubmitField(_l("Impor"))


class ImportConfirmForm(Form):
    """The preview's confirming POST: the kept file's SHA-256 and the signed digest of the preview."""
    sha256 = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    digest = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    submit = SubmitField(_l("Terapkan impor ini"))
