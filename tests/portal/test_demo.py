"""The demo instansi: realistic, valid, idempotent, and dated from the clock's day in WITA."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.appraisal.models import AppraisalPeriod
from portal.demo.seed import DEMO_NAME, DEMO_PASSWORD, seed_demo
from portal.feedback.models import SkmResponse
from portal.kiosk.models import KioskVote
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Unit
from portal.reviews.models import ReviewCycle
from surveys.nip import validate_nip

MODELS = (Unit, Employee, Counter, RosterEntry, User, ReviewCycle, AppraisalPeriod)
README = Path(__file__).resolve().parents[2] / "README.md"
NUMBER_WORDS = {"five": 5, "six": 6, "seven": 7, "eight": 8}


def _readme_facts() -> dict[str, int]:
    """The README's counts of the demo: unit kerja, employees, lokets."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(r"The demo instansi has (\w+) unit kerja .*?, (\d+) employees .*?, (\d+) lokets", text)
    assert found, "README.md no longer states the demo's units, employees and lokets"
    units = NUMBER_WORDS.get(found[1]) or int(found[1])
    return {"Unit": units, "Employee": int(found[2]), "Counter": int(found[3])}


def _counts(db):
    return {m.__name__: db.session.scalar(select(func.count(m.id))) for m in MODELS}


def test_seed_demo_builds_mataram_once_dated_by_the_wita_day(runner, db, monkeypatch):
    monkeypatch.setenv("CERMIN_DEMO_FEEDBACK", "0")  # the feedback has its own tests, on the session's demo
    # 00:30 on 1 March 2028 in WITA is still 29 February in UTC: the demo follows the WITA day.
    with clock.frozen(datetime(2028, 2, 29, 16, 30, tzinfo=timezone.utc)):
        first = runner.invoke(args=["seed-demo"])
        assert first.exit_code == 0, first.output
        counts = _counts(db)
        second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert _counts(db) == counts
    instansi = db.session.scalar(select(Instansi).where(Instansi.name == DEMO_NAME))
    assert instansi.timezone == "Asia/Makassar"
    assert counts["Unit"] == 6 and counts["Counter"] == 11
    # The README tells the demo's facts as the demo has them.
    assert {name: counts[name] for name in ("Unit", "Employee", "Counter")} == _readme_facts()
    assert 55 <= counts["Employee"] <= 70
    for nip in db.session.scalars(select(Employee.nip)):
        assert validate_nip(nip) == nip
    for role in ("admin", "hr", "atasan", "pegawai"):
        assert role in first.output
    assert DEMO_PASSWORD in first.output
    period = db.session.scalar(select(AppraisalPeriod))
    assert (period.name, period.citizen_to) == ("Penilaian Kinerja Tahunan 2028", date(2028, 3, 1))
    cycles = {c.name: (c.opens_on, c.state) for c in db.session.scalars(select(ReviewCycle))}
    assert cycles == {"Ulasan 360 Tahunan 2028": (date(2028, 1, 3), "released"),
                      "Ulasan 360 Triwulan I 2028": (date(2028, 2, 27), "open")}


def test_demo_feedback_can_be_left_out(runner, db, monkeypatch):
    monkeypatch.setenv("CERMIN_DEMO_FEEDBACK", "0")
    with clock.frozen(datetime(2026, 11, 18, 2, tzinfo=timezone.utc)):
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(SkmResponse.id))) == 0
    assert db.session.scalar(select(func.count(KioskVote.id))) == 0


def test_seeding_the_demo_again_changes_nothing(demo):
    db = demo.db
    counts = _counts(db) | {"SkmResponse": db.session.scalar(select(func.count(SkmResponse.id))),
                            "KioskVote": db.session.scalar(select(func.count(KioskVote.id)))}
    seed_demo(clock.today(demo.instansi.tz))
    db.session.flush()
    assert _counts(db) | {"SkmResponse": db.session.scalar(select(func.count(SkmResponse.id))),
                          "KioskVote": db.session.scalar(select(func.count(KioskVote.id)))} == counts


def test_demo_hierarchy_reaches_one_top(demo):
    employees = demo.db.session.scalars(select(Employee).where(Employee.instansi_id == demo.instansi.id)).all()
    tops = [e for e in employees if e.supervisor_id is None]
    assert len(tops) == 1
    for employee in employees:
        seen = set()
        while employee.supervisor is not None:
            assert employee.id not in seen
            seen.add(employee.id)
            employee = employee.supervisor


def test_each_demo_login_works(demo):
    for username in ("admin", "hr", "atasan", "pegawai"):
        client = demo.client(username)
        # Straight in: a demo is for trying, so its accounts need no first password change.
        assert client.get("/").status_code == 200, username
        assert client.get("/akun").status_code == 200, username
    must_change = select(func.count(User.id)).where(User.must_change_password.is_(True))
    assert demo.db.session.scalar(must_change) == 0
