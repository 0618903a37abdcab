"""Loket alerts: the rule at its boundaries, the window in UTC vs local time, no duplicates,
kiosk votes, mail to the unit head, acknowledging and closing, the rule settings and access."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.feedback.models import SkmResponse
from portal.feedback.services import Submission, record_response
from portal.insight import alerts
from portal.insight.models import Alert, AlertRule
from portal.kiosk import services as kiosk_services
from portal.mail.models import OutboxMessage
from portal.org.models import Counter
from tests.conftest import post_form
from tests.portal.demo_story import alert_story

NOW = datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc)  # 09.00 WITA
GOOD = {f"U{i}": 4 for i in range(1, 10)}
BAD = {f"U{i}": 1 for i in range(1, 10)}


def respond(counter, at, negative=False, comment=""):
    return record_response(counter, Submission(scores=BAD if negative else GOOD, comment=comment, submitted_at=at))


@pytest.fixture
def quietly(monkeypatch):
    """Record responses without the per-response check, to test a check at a chosen moment."""
    def add(counter, moments, negative=False):
        with monkeypatch.context() as patch:
            patch.setattr(alerts, "check_counter", lambda *args, **kwargs: None)
            for moment in moments:
                respond(counter, moment, negative)
    return add


def alert_count(db) -> int:
    return db.session.scalar(select(func.count(Alert.id)))


def spread(count, end=NOW, step=timedelta(minutes=10)):
    """`count` moments ending at `end`, `step` apart, oldest first."""
    return [end - step * i for i in reversed(range(count))]


# --- the rule -----------------------------------------------------------------------------------------

def test_exactly_at_the_threshold_does_not_alert(db, org):
    moments = spread(10)
    for i, moment in enumerate(moments):
        respond(org.counter, moment, negative=i < 3)
    assert alert_count(db) == 0
    assert alerts.check_counter(org.counter, NOW) is None


def test_above_the_threshold_alerts_after_the_response_that_tips_it(db, org):
    moments = spread(10)
    for i, moment in enumerate(moments):
        respond(org.counter, moment, negative=i < 4)
    alert = db.session.scalar(select(Alert))
    assert alert is not None and alert.status == "open"
    assert (alert.answers, alert.negative, alert.share_percent) == (10, 4, Decimal("40.00"))
    assert alert.threshold_percent == Decimal(30)
    assert alert.opened_at == alert.window_end == moments[-1]
    assert alert.window_start == moments[-1] - timedelta(hours=24)
    assert alert.unit_id == org.unit.id and alert.counter_id == org.counter.id


def test_under_the_minimum_number_of_answers_never_alerts(db, org, quietly):
    quietly(org.counter, spread(9), negative=True)
    assert alerts.check_counter(org.counter, NOW) is None
    quietly(org.counter, [NOW], negative=True)
    assert alerts.check_counter(org.counter, NOW) is not None


def test_the_units_own_rule_applies(db, org, quietly):
    alerts.save_rule(org.unit, Decimal("50"), 2, 4)
    quietly(org.counter, spread(4, step=timedelta(minutes=20)), negative=True)
    quietly(org.counter, [NOW - timedelta(hours=3)] * 6, negative=False)  # outside the 2-hour window
    alert = alerts.check_counter(org.counter, NOW)
    assert alert is not None and (alert.answers, alert.negative) == (4, 4)
    assert alert.threshold_percent == Decimal("50.00")
    assert alert.window_start == NOW - timedelta(hours=2)


@pytest.mark.parametrize("offset,counted", [
    (timedelta(hours=-24), True),                           # the window's first instant is inside
    (timedelta(hours=-24, seconds=-1), False),              # a second earlier is not
    (timedelta(0), True),                                   # now itself is inside
    (timedelta(seconds=1), False),                          # the future is not
])
def test_window_edges_are_utc_instants(db, org, quietly, offset, counted):
    quietly(org.counter, [NOW + offset] * 10, negative=True)
    alert = alerts.check_counter(org.counter, NOW)
    assert (alert is not None) == counted


def test_window_spans_local_midnight(db, org, quietly):
    """WITA is UTC+8: 15.59 and 16.00 UTC fall on two local dates; both are in the window."""
    before_midnight = datetime(2026, 3, 9, 15, 59, 59, tzinfo=timezone.utc)
    after_midnight = datetime(2026, 3, 9, 16, 0, tzinfo=timezone.utc)
    quietly(org.counter, [before_midnight] * 5, negative=True)
    quietly(org.counter, [after_midnight] * 5, negative=True)
    local_dates = {day.isoformat() for day in db.session.scalars(select(SkmResponse.local_date))}
    assert local_dates == {"2026-03-09", "2026-03-10"}
    assert alerts.window_counts(org.counter, NOW - timedelta(hours=24), NOW) == (10, 10)
    # A window ending 23.59.59 local on 9 March sees only the first five.
    assert alerts.window_counts(org.counter, NOW - timedelta(hours=24), before_midnight) == (5, 5)


def test_no_duplicate_while_open_or_acknowledged_and_a_new_one_after_close(db, org):
    for moment in spread(10, end=NOW - timedelta(hours=2)):
        respond(org.counter, moment, negative=True)
    first = db.session.scalar(select(Alert))
    for moment in spread(10, end=NOW - timedelta(hours=1)):
        respond(org.counter, moment, negative=True)
    assert alert_count(db) == 1
    alerts.acknowledge(first, org.users["atasan"], now=NOW - timedelta(minutes=50))
    respond(org.counter, NOW - timedelta(minutes=45), negative=True)
    assert alert_count(db) == 1
    closed_at = NOW - timedelta(minutes=40)
    alerts.close(first, org.users["atasan"], "Petugas ditambah", now=closed_at)
    # The answers before the close were dealt with: they do not alert again.
    assert alerts.check_counter(org.counter, NOW) is None
    for moment in spread(10, end=NOW, step=timedelta(minutes=3)):
        respond(org.counter, moment, negative=True)
    second = db.session.scalars(select(Alert).order_by(Alert.id)).all()[-1]
    assert alert_count(db) == 2 and second.status == "open"
    assert second.window_start == closed_at and second.answers == 10


def test_inactive_loket_is_not_checked(db, org, quietly):
    quietly(org.counter, spread(10), negative=True)
    org.counter.active = False
    assert alerts.check_counter(org.counter, NOW) is None
    assert alerts.check_alerts(org.instansi, NOW) == []


def test_kiosk_negative_faces_count(app, db, org, quietly):
    _pairing, code = kiosk_services.create_pairing(org.counter, None, app.secret_key)
    device, _token = kiosk_services.enrol_device(org.counter, code, "Tablet", app.secret_key)
    faces = [1, 2, 2, 3, 4, 4]
    for i, face in enumerate(faces):
        kiosk_services.record_vote(device, face, f"key-{i}", 0, now=NOW - timedelta(minutes=10 * (len(faces) - i)))
    quietly(org.counter, spread(4), negative=False)
    # 3 unhappy faces of 10 answers: exactly 30 %, no alert.
    assert alerts.window_counts(org.counter, NOW - timedelta(hours=24), NOW) == (10, 3)
    assert alerts.check_counter(org.counter, NOW) is None
    # The kiosk vote itself runs the check, as every SKM response does.
    kiosk_services.record_vote(device, 1, "key-last", 0, now=NOW)
    alert = db.session.scalar(select(Alert).where(Alert.counter_id == org.counter.id))
    assert alert is not None and (alert.answers, alert.negative) == (11, 4)


def test_check_alerts_covers_every_loket_of_the_instansi(db, factory, org, quietly):
    other = factory.add(Counter(unit_id=org.other_unit.id, code="UJI02", name="Loket Dinkes"))
    quietly(org.counter, spread(10), negative=True)
    quietly(other, spread(10), negative=False)
    opened = alerts.check_alerts(org.instansi, NOW, notify=False)
    assert [a.counter.code for a in opened] == ["UJI01"]
    assert alerts.check_alerts(org.instansi, NOW) == []


# --- mail -------------------------------------------------------------------------------------------------

def test_mail_goes_to_the_unit_heads_with_an_email(db, factory, org, quietly):
    org.head.email = "kepala@uji.go.id"
    org.supervisor.email = "atasan@uji.go.id"  # not a unit head
    factory.employee(org.unit, "Kepala Kedua", is_unit_head=True)  # a head without email
    factory.employee(org.other_unit, "Kepala Dinkes", is_unit_head=True, email="dinkes@uji.go.id")
    quietly(org.counter, spread(10), negative=True)
    alert = alerts.check_counter(org.counter, NOW)
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in messages] == ["kepala@uji.go.id"]
    message = messages[0]
    assert "UJI01" in message.subject and "100%" in message.subject
    assert "10 dari 10" in message.body and "ambang 30%" in message.body
    assert "9 Mar 2026 09.00 WITA" in message.body and "10 Mar 2026 09.00 WITA" in message.body
    assert "https://cermin.test/tindak-lanjut/peringatan" in message.body
    assert message.instansi_id == org.instansi.id and alert is not None


def test_mail_follows_the_heads_language(db, factory, org, quietly):
    org.head.email = "kepala@uji.go.id"
    user = factory.user(org.instansi, "kepala", {"supervisor"}, org.head)
    user.locale = "en"
    quietly(org.counter, spread(10, step=timedelta(minutes=1)), negative=True)
    alerts.save_rule(org.unit, Decimal("27.5"), 24, 10)
    alerts.check_counter(org.counter, NOW)
    message = db.session.scalar(select(OutboxMessage))
    assert "27.5%" in message.body  # English number format (the catalogue may still lack the sentence)


# --- acknowledging and closing ----------------------------------------------------------------------------

def test_close_needs_a_note_and_refuses_bad_transitions(db, org, quietly):
    quietly(org.counter, spread(10), negative=True)
    alert = alerts.check_counter(org.counter, NOW)
    user = org.users["hr"]
    with pytest.raises(alerts.AlertError):
        alerts.close(alert, user, "   ")
    alerts.acknowledge(alert, user, NOW)
    with pytest.raises(alerts.AlertError):
        alerts.acknowledge(alert, user, NOW)
    alerts.close(alert, user, "Sudah ditangani", NOW + timedelta(hours=1))
    assert (alert.status, alert.note, alert.closed_by_id) == ("closed", "Sudah ditangani", user.id)
    with pytest.raises(alerts.AlertError):
        alerts.close(alert, user, "Lagi")


def test_closing_an_open_alert_acknowledges_it_too(db, org, quietly):
    quietly(org.counter, spread(10), negative=True)
    alert = alerts.check_counter(org.counter, NOW)
    alerts.close(alert, org.users["hr"], "Langsung ditangani", NOW)
    assert alert.acknowledged_at == NOW and alert.acknowledged_by_id == org.users["hr"].id


@pytest.fixture
def open_alert(db, org, quietly):
    quietly(org.counter, spread(10, end=clock.now()), negative=True)
    alert = alerts.check_counter(org.counter, notify=False)
    db.session.commit()
    return alert


def test_head_sees_the_banner_acknowledges_and_closes_with_a_note(head_client, db, org, open_alert):
    inbox = head_client.get("/tindak-lanjut/").get_data(as_text=True)
    assert "Peringatan loket" in inbox and "10 dari 10 jawaban negatif (100%)" in inbox
    page = "/tindak-lanjut/peringatan"
    response = post_form(head_client, f"/tindak-lanjut/peringatan/{open_alert.id}/terima", {"next": "/tindak-lanjut/"},
                         page=page)
    assert response.status_code == 302 and response.headers["Location"] == "/tindak-lanjut/"
    db.session.refresh(open_alert)
    assert open_alert.status == "acknowledged" and open_alert.acknowledged_by_id is not None

    refused = post_form(head_client, f"/tindak-lanjut/peringatan/{open_alert.id}/tutup", {f"a{open_alert.id}-note": " "},
                        page=page)
    assert refused.status_code == 400 and "Wajib diisi." in refused.get_data(as_text=True)
    db.session.refresh(open_alert)
    assert open_alert.status == "acknowledged"

    closed = post_form(head_client, f"/tindak-lanjut/peringatan/{open_alert.id}/tutup",
                       {f"a{open_alert.id}-note": "Loket dibuka dua petugas pada jam sibuk."}, page=page)
    assert closed.status_code == 302
    db.session.refresh(open_alert)
    assert open_alert.status == "closed" and open_alert.note == "Loket dibuka dua petugas pada jam sibuk."
    history = head_client.get(page).get_data(as_text=True)
    assert "Tidak ada peringatan terbuka." in history and "Loket dibuka dua petugas pada jam sibuk." in history


def test_acknowledge_ignores_an_offsite_next(head_client, db, open_alert):
    response = post_form(head_client, f"/tindak-lanjut/peringatan/{open_alert.id}/terima",
                         {"next": "https://jahat.example/"}, page="/tindak-lanjut/peringatan")
    assert response.headers["Location"] == "/tindak-lanjut/peringatan"


def test_another_units_head_cannot_touch_the_alert(other_head_client, db, open_alert):
    assert "10 dari 10" not in other_head_client.get("/tindak-lanjut/").get_data(as_text=True)
    response = post_form(other_head_client, f"/tindak-lanjut/peringatan/{open_alert.id}/terima", {},
                         page="/tindak-lanjut/peringatan")
    assert response.status_code == 403
    response = post_form(other_head_client, f"/tindak-lanjut/peringatan/{open_alert.id}/tutup",
                         {f"a{open_alert.id}-note": "x"}, page="/tindak-lanjut/peringatan")
    assert response.status_code == 403
    db.session.refresh(open_alert)
    assert open_alert.status == "open"


def test_open_alerts_lists_open_and_acknowledged(db, org, open_alert):
    assert alerts.open_alerts([org.unit.id]) == [open_alert]
    alerts.acknowledge(open_alert, org.users["hr"])
    assert alerts.open_alerts([org.unit.id]) == [open_alert]
    alerts.close(open_alert, org.users["hr"], "Selesai")
    assert alerts.open_alerts([org.unit.id]) == [] and alerts.open_alerts([]) == []


# --- the rule settings ------------------------------------------------------------------------------------

def test_unit_manager_sets_the_rule(head_client, db, org):
    page = "/tindak-lanjut/unit/DUKCAPIL/aturan"
    form = head_client.get(page).get_data(as_text=True)
    assert 'value="30.00"' in form and 'value="24"' in form and 'value="10"' in form
    response = post_form(head_client, page, {"threshold_percent": "25", "window_hours": "8", "min_answers": "15"})
    assert response.status_code == 302
    rule = db.session.scalar(select(AlertRule).where(AlertRule.unit_id == org.unit.id))
    assert (rule.threshold_percent, rule.window_hours, rule.min_answers) == (Decimal("25.00"), 8, 15)
    assert "di atas 25% negatif dalam 8 jam, minimal 15 jawaban" in head_client.get(
        "/tindak-lanjut/unit/").get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"threshold_percent": "0", "window_hours": "24", "min_answers": "10"},
    {"threshold_percent": "100.5", "window_hours": "24", "min_answers": "10"},
    {"threshold_percent": "abc", "window_hours": "24", "min_answers": "10"},
    {"threshold_percent": "30", "window_hours": "0", "min_answers": "10"},
    {"threshold_percent": "30", "window_hours": "721", "min_answers": "10"},
    {"threshold_percent": "30", "window_hours": "24", "min_answers": "0"},
    {"threshold_percent": "30", "window_hours": "24", "min_answers": ""},
])
def test_rule_settings_are_validated(head_client, db, org, data):
    response = post_form(head_client, "/tindak-lanjut/unit/DUKCAPIL/aturan", data)
    assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AlertRule.id))) == 0


def test_rule_of_another_unit_is_refused(head_client, other_head_client):
    assert other_head_client.get("/tindak-lanjut/unit/DUKCAPIL/aturan").status_code == 403
    assert head_client.get("/tindak-lanjut/unit/DINKES/aturan").status_code == 403
    assert head_client.get("/tindak-lanjut/unit/TIDAKADA/aturan").status_code == 404


def test_paper_import_checks_the_lokets(db, org):
    from portal.feedback import imports
    from portal.tabular import read_table

    now = clock.now().replace(microsecond=0)
    lines = ["counter,submitted_at," + ",".join(f"u{i}" for i in range(1, 10))]
    for i in range(10):
        moment = (now - timedelta(minutes=5 * (i + 1))).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"UJI01,{moment}," + ",".join(["1"] * 9))
    imports.import_responses(org.instansi, read_table("\n".join(lines).encode()))
    alert = db.session.scalar(select(Alert))
    assert alert is not None and (alert.answers, alert.negative) == (10, 10)


# --- the command ------------------------------------------------------------------------------------------

def test_check_alerts_command(runner, db, org, quietly):
    org.head.email = "kepala@uji.go.id"
    quietly(org.counter, spread(10, end=clock.now() - timedelta(minutes=1)), negative=True)
    db.session.commit()
    result = runner.invoke(args=["check-alerts"])
    assert result.exit_code == 0, result.output
    assert "loket UJI01, 10 dari 10 jawaban negatif (100%)" in result.output and "1 peringatan baru." in result.output
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    again = runner.invoke(args=["check-alerts", "--instansi", org.instansi.name])
    assert again.exit_code == 0 and "0 peringatan baru." in again.output


# --- the demo ---------------------------------------------------------------------------------------------

def test_demo_has_an_alert_story_and_follow_ups(demo):
    from portal.demo.insight import seed_insight
    from portal.insight.models import FollowUp

    today = clock.today(demo.instansi.tz)
    alert_story(demo.db, demo.instansi, today)
    db = demo.db
    counts = (db.session.scalar(select(func.count(Alert.id))), db.session.scalar(select(func.count(FollowUp.id))))
    seed_insight(demo.instansi, today)
    assert (db.session.scalar(select(func.count(Alert.id))), db.session.scalar(select(func.count(FollowUp.id)))) == counts
