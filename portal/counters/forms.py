from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from portal.counters.services import MAX_TICKETS
from portal.forms import Form


class TicketBatchForm(Form):
    day = DateField(_l("Tanggal tiket"), validators=[InputRequired()])
    count = IntegerField(
        _l("Jumlah tiket"), default=100,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TICKETS)],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Buat dan unduh CSV"))
