from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.counters.services import MAX_TICKETS
from portal.forms import Form
from portal.org.models import RATE_LIMIT_BOUNDS


class TicketBatchForm(Form):
    day = DateField(_l("Tanggal tiket"), validators=[InputRequired()])
    count = IntegerField(
        _l("Jumlah tiket"), default=100,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TICKETS)],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Buat dan unduh CSV"))


class RateLimitForm(Form):
    """A loket's plausible web responses per rate window; empty takes the portal's default."""

    rate_limit = IntegerField(
        _l("Tanggapan web wajar per jendela waktu"),
        validators=[Optional(), NumberRange(min=RATE_LIMIT_BOUNDS[0], max=RATE_LIMIT_BOUNDS[1],
                                            message=_l("Isi %(min)s sampai %(max)s, atau kosongkan untuk bawaan."))],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Simpan batas"))
