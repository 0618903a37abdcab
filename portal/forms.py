"""Form base classes: WTForms' own messages in the user's language, the empty POST form, and the
portal's email check as a validator."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from portal.mail import addresses
from portal.messages import say

# WTForms ships no Indonesian catalog: its English messages are mapped to our own strings,
# which are Indonesian at the source and translated to English in translations/.
WTFORMS_MESSAGES = {
    "This field is required.": _l("Wajib diisi."),
    "Not a valid choice.": _l("Pilihan tidak valid."),
    "Invalid Choice: could not coerce.": _l("Pilihan tidak valid."),
    "Not a valid integer value.": _l("Harus berupa bilangan bulat."),
    "Not a valid decimal value.": _l("Harus berupa angka."),
    "Not a valid float value.": _l("Harus berupa angka."),
    "Not a valid date value.": _l("Tanggal tidak valid (format TTTT-BB-HH)."),
    "Not a valid datetime value.": _l("Tanggal dan jam tidak valid."),
    "Not a valid time value.": _l("Jam tidak valid (format JJ:MM)."),
    "Invalid email address.": _l("Alamat email tidak valid."),
    "Invalid input.": _l("Isian tidak valid."),
    "Number must be at least %(min)s.": _l("Angka minimal %(min)s."),
    "Number must be at most %(max)s.": _l("Angka maksimal %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Angka harus antara %(min)s dan %(max)s."),
    "Field must be equal to %(other_name)s.": _l("Isian harus sama dengan %(other_name)s."),
    "The CSRF token is missing.": _l("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."),
    "The CSRF session token is missing.": _l("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."),
    "The CSRF token has expired.": _l("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."),
    "The CSRF token is invalid.": _l("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."),
    "The CSRF tokens do not match.": _l("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."),
}


class _WTFormsTranslations:
    def gettext(self, string: str) -> str:
        message = WTFORMS_MESSAGES.get(string)
        return str(message) if message is not None else gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)


_TRANSLATIONS = _WTFormsTranslations()


class Form(FlaskForm):
    """Base of every form in the portal."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        csrf_field = getattr(self, "csrf_token", None)
        if csrf_field is not None and csrf_field.errors:
            # Flask-WTF raises its CSRF messages untranslated.
            csrf_field.errors = [str(WTFORMS_MESSAGES.get(e, e)) for e in csrf_field.errors]
        return valid


class EmptyForm(Form):
    """Carries only the CSRF token, for POST-only buttons."""


class EmailAddress:
    """Validator of an optional email field: the one email check of every path
    (`portal.mail.addresses`). The field's data becomes the address as stored, or None when blank."""

    def __call__(self, form, field) -> None:
        if not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = addresses.normalise(field.data)
        except addresses.InvalidAddress as error:
            raise ValidationError(say(error)) from error
