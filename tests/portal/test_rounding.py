"""Half-up rounding at .xx5 on every page that shows a figure, with the expectations written out
as numbers (worked by hand below), never computed with the code's own rounding.

The answers: 32 responses at UJI01 on 2 March 2026. U1 is 4 in two of them (3 otherwise), U2 in
six, every other unsur in four:

- NRR U1 = (30 × 3 + 2 × 4) / 32 = 98 / 32 = 3.0625: 3.063 at three decimals (3.062 half-even);
- NRR U2 = 102 / 32 = 3.1875: 3.188; every other NRR = 100 / 32 = 3.125;
- the nine sum to 98 + 102 + 7 × 100 = 900 over 32 × 9 answers: IKM = 25 × 900 / 288 = 78.125,
  shown 78.13 (78.12 half-even, and what a float's round() gives), mutu B.
"""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from portal import clock
from portal.appraisal.merge import merge
from portal.appraisal.periods import create_period
from portal.feedback.services import Submission, record_response
from portal.reviews import raters
from portal.reviews import services as reviews
from tests.portal.appraisal_helpers import BACK, FRONT, cycle_invitations, record_of

ANSWERED = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 10.00 WITA
TODAY = datetime(2026, 3, 20, 4, 0, tzinfo=timezone.utc)


def _scores(i: int) -> dict[str, int]:
    """Response i of 32: U1 is 4 for i in 0–1, U2 for i in 0–5, every other unsur for i in 0–3."""
    fours = {"U1": 2, "U2": 6}
    return {f"U{k}": 4 if i < fours.get(f"U{k}", 4) else 3 for k in range(1, 10)}


@pytest.fixture
def answered(db, org):
    org.unit.publish_results = True
    for i in range(32):  # a minute apart, as a loket's citizens come: none held by the rate rule
        record_response(org.counter, Submission(scores=_scores(i), submitted_at=ANSWERED + timedelta(minutes=i)))
    db.session.commit()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_dashboard_rounds_half_up(head_client, answered):
    text = _text(head_client.get("/dasbor/unit/DUKCAPIL?dari=2026-03-01&sampai=2026-03-31").get_data(as_text=True))
    assert "78,13" in text and "78,12" not in text
    assert "U1 Persyaratan 3,063" in text and "U2 Sistem, Mekanisme, dan Prosedur 3,188" in text
    assert "3,062" not in text


def test_the_laporan_rounds_half_up(head_client, answered):
    html = head_client.get("/tindak-lanjut/laporan/DUKCAPIL?dari=2026-03-01&sampai=2026-03-31").get_data(as_text=True)
    assert "<strong>78,13</strong>" in html and "78,12" not in html
    assert "3,0625" in html and "3,1875" in html


def test_the_public_page_rounds_half_up(client, answered):
    with clock.frozen(TODAY):
        text = _text(client.get("/publik/DUKCAPIL").get_data(as_text=True))
    assert "78,13" in text and "78,12" not in text


def test_the_360_report_and_the_appraisal_record_round_half_up(hr_client, factory, org, db):
    """Four peers rate Staf Uji 1 on the first two items of the first value (the third is "tidak
    dapat menilai"), 3 each except one 4: (7 × 3 + 4) / 8 = 3.125, shown 3,13. The atasan answers
    eight items, 3 each except one 4, and skips the rest: mean 3.125, score 25 × (3.125 − 1) =
    53.125, shown 53,13."""
    factory.employee(org.unit, "Staf Uji 5", supervisor=org.supervisor, job_group="front_line")
    with clock.frozen(TODAY):
        cycle = reviews.create_cycle(org.instansi, name="Uji pembulatan", period_kind="tahunan",
                                     opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31), unit_ids=[org.unit.id],
                                     peer_cap=4)
        raters.propose_raters(cycle)
        reviews.transition(cycle, "open", org.instansi)
        items = cycle.questionnaire.items
        first_value = [item for item in items if item.value_code == items[0].value_code]
        peers = [i for i in cycle_invitations(cycle) if i.reviewee_id == org.staff[0].id and i.rater_group == "rekan"]
        assert len(peers) == 4
        for n, invitation in enumerate(peers):
            scores = {item.id: None for item in items}
            scores[first_value[0].id] = 4 if n == 0 else 3
            scores[first_value[1].id] = 3
            reviews.submit(invitation, reviews.Answers(scores), org.instansi, invitation.rater)
        [boss] = [i for i in cycle_invitations(cycle) if i.reviewee_id == org.staff[0].id and i.rater_group == "atasan"]
        scores = {item.id: None for item in items}
        scores.update({item.id: 4 if n == 0 else 3 for n, item in enumerate(items[:8])})
        reviews.submit(boss, reviews.Answers(scores), org.instansi, boss.rater)
        reviews.transition(cycle, "closed", org.instansi)
        reviews.transition(cycle, "released", org.instansi)
        db.session.commit()
        html = hr_client.get(f"/360/laporan/{cycle.id}/{org.staff[0].id}").get_data(as_text=True)
        period = create_period(org.instansi, "Pembulatan", "tahunan", date(2026, 1, 1), date(2026, 3, 31),
                                         [cycle.id], {"front_line": FRONT, "back_office": BACK}, (80, 60), 10,
                                         ["U6", "U7"])
        merge(period)
        db.session.commit()
        record = record_of(period, org.staff[0])
        text = _text(hr_client.get(f"/penilaian/catatan/{record.id}").get_data(as_text=True))
    cell = re.search(rf'data-cell="rekan:{items[0].value_code}">([^<]*)<', html).group(1)
    assert cell.strip() == "3,13"
    assert "53,13" in text and "53,12" not in text
