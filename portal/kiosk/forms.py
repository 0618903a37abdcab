from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.forms import Form

#: One random key per rendered page (secrets.token_urlsafe), so a double tap stores one vote.
KEY_RULE = Regexp(r"^[A-Za-z0-9_-]{16,64}$", message=_l("Halaman kedaluwarsa. Silakan pilih lagi."))


class PairingForm(Form):
    code = StringField(
        _l("Kode pemasangan"), validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "inputmode": "text", "autofocus": True},
    )
    name = StringField(_l("Nama perangkat (boleh dikosongkan)"), validators=[Optional(), Length(max=120)],
                       render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("Pasang perangkat"))


class VoteForm(Form):
    """The four face buttons post `face`; the hidden key ties the tap to this page."""

    key = HiddenField(validators=[DataRequired(message=_l("Halaman kedaluwarsa. Silakan pilih lagi.")), KEY_RULE])
    face = StringField()


class ReasonForm(Form):
    """The reason buttons post `reason`."""

    reason = StringField()
