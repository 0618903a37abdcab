"""Every figure of the demo's appraisal records, recomputed by hand from the figures the export
shows, as an auditor with a calculator would (issue 16's "done when"): the weights add up to
exactly 100.00, the citizen score is (IKM − 25) / 75 × 100 of the shown IKM, the composite is the
weighted mean of the shown scores with the shown weights, and the suggested rating follows the
composite as shown against the record's own thresholds."""
import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from portal import clock
from portal.appraisal import exports
from portal.appraisal.models import AppraisalPeriod
from portal.demo.appraisal import period_name

COMPONENTS = ("citizen", "atasan", "rekan", "bawahan", "self")
CENT = Decimal("0.01")


def _number(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def test_every_demo_record_recomputes_from_its_shown_figures(demo):
    period = demo.db.session.scalar(select(AppraisalPeriod).where(
        AppraisalPeriod.name == period_name(clock.today(demo.instansi.tz))))
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(exports.appraisal_rows(exports.Scope(period))))))
    with_composite = [row for row in rows if row["composite"]]
    assert len(with_composite) >= 20, "the demo's period has merged records with figures"
    citizens = 0
    for row in with_composite:
        who = row["nama"]
        weights = {c: _number(row[f"weight_{c}"]) for c in COMPONENTS}
        shown = {c: w for c, w in weights.items() if w is not None}
        assert sum(shown.values()) == Decimal("100.00"), (who, shown)
        assert all(w == _half_up(w) for w in shown.values()), (who, shown)
        composite = _half_up(sum(_number(row[f"{c}_score"]) * w for c, w in shown.items()) / 100)
        assert _number(row["composite"]) == composite, (who, row["composite"], composite)
        if row["citizen_ikm"]:
            citizens += 1
            ikm = _number(row["citizen_ikm"])
            assert ikm == _half_up(ikm) and Decimal(25) <= ikm <= Decimal(100), (who, ikm)
            assert _number(row["citizen_score"]) == _half_up((ikm - 25) / 75 * 100), (who, ikm, row["citizen_score"])
        above, meets = _number(row["above_threshold"]), _number(row["meets_threshold"])
        expected = ("Di Atas Ekspektasi" if composite >= above else
                    "Sesuai Ekspektasi" if composite >= meets else "Di Bawah Ekspektasi")
        assert row["rating_perilaku_suggested"] == expected, (who, composite, above, meets)
    assert citizens >= 10, "front-line officers carry their IKM"
