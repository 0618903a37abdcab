from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from portal.forms import Form
from portal.org.forms import MultiCheckboxField

ROLE_CHOICES = [
    ("admin", _l("Admin")), ("hr", _l("HR (BKPSDM)")), ("supervisor", _l("Atasan / Pejabat Penilai")),
    ("employee", _l("Pegawai")), ("auditor", _l("Auditor (Inspektorat)")),
]


class LoginForm(Form):
    login = StringField(_l("NIP atau nama pengguna"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Masuk"))


class ChangePasswordForm(Form):
    current = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("new", message=_l("Kedua kata sandi baru tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Ganti kata sandi"))


class FirstPasswordForm(ChangePasswordForm):
    current = PasswordField(_l("Kata sandi yang Anda terima"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})


class LanguageForm(Form):
    locale = RadioField(
        _l("Bahasa"),
        choices=[("", _l("Ikuti peramban")), ("id", "Bahasa Indonesia"), ("en", "English")],
        default="",
    )
    submit = SubmitField(_l("Simpan"))


class TotpForm(Form):
    code = StringField(_l("Kode 6 angka dari aplikasi autentikator"), validators=[DataRequired(), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Verifikasi"))


class UserForm(Form):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(min=3, max=64),
                           Regexp(r"^[a-z0-9._-]+$", message=_l("Gunakan huruf kecil, angka, titik, - atau _."))])
    display_name = StringField(_l("Nama tampilan"), validators=[DataRequired(), Length(max=200)])
    employee_id = SelectField(_l("Pegawai"), coerce=int, validators=[Optional()])
    roles = MultiCheckboxField(_l("Peran"), choices=ROLE_CHOICES)
    password = PasswordField(_l("Kata sandi awal"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Pilih minimal satu peran."))
