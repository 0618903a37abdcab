"""How appraisal figures are written on the pages: two decimals, half up, in the user's language."""
from decimal import Decimal

from portal.appraisal.views import appraisal_figure


def test_figures_round_half_up_like_every_other_figure(app):
    with app.test_request_context("/", headers={"Accept-Language": "id"}):
        assert appraisal_figure(Decimal("78.125")) == "78,13"
        assert appraisal_figure(Decimal("78.135")) == "78,14"
        assert appraisal_figure(Decimal("78.124")) == "78,12"
        assert appraisal_figure(Decimal("100")) == "100,00"
        assert appraisal_figure(None) == "—"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert appraisal_figure(Decimal("78.125")) == "78.13"
