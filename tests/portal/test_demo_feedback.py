"""The demo's twelve months of citizen feedback: big enough, consistent, and telling its story."""
from portal import clock
from portal.demo.feedback import DAYS
from tests.portal.demo_story import feedback_story, nothing_after_now


def test_the_demo_has_a_year_of_feedback_that_tells_its_story(demo):
    nothing_after_now(demo.db, demo.instansi)
    feedback_story(demo.db, demo.instansi, clock.today(demo.instansi.tz), DAYS)
