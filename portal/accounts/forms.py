from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import Form


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
