"""The demo instansi: realistic, valid and idempotent."""
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.demo.seed import DEMO_NAME, DEMO_PASSWORD
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Unit
from surveys.nip import validate_nip
from tests.conftest import login


def test_seed_demo_builds_mataram_once(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = {m.__name__: db.session.scalar(select(func.count(m.id))) for m in (Unit, Employee, Counter, RosterEntry, User)}
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert counts == {m.__name__: db.session.scalar(select(func.count(m.id))) for m in (Unit, Employee, Counter, RosterEntry, User)}
    instansi = db.session.scalar(select(Instansi).where(Instansi.name == DEMO_NAME))
    assert instansi.timezone == "Asia/Makassar"
    assert counts["Unit"] >= 5
    assert 55 <= counts["Employee"] <= 70
    for nip in db.session.scalars(select(Employee.nip)):
        assert validate_nip(nip) == nip
    for role in ("admin", "hr", "atasan", "pegawai"):
        assert role in first.output
    assert DEMO_PASSWORD in first.output


def test_demo_hierarchy_reaches_one_top(runner, db):
    runner.invoke(args=["seed-demo"])
    employees = db.session.scalars(select(Employee)).all()
    tops = [e for e in employees if e.supervisor_id is None]
    assert len(tops) == 1
    for employee in employees:
        seen = set()
        while employee.supervisor is not None:
            assert employee.id not in seen
            seen.add(employee.id)
            employee = employee.supervisor


def test_each_demo_login_works(app, runner, db):
    runner.invoke(args=["seed-demo"])
    for username in ("admin", "hr", "atasan", "pegawai"):
        client = app.test_client()
        response = login(client, username, DEMO_PASSWORD)
        # Straight in: a demo is for trying, so its accounts need no first password change.
        assert response.status_code == 302 and response.headers["Location"] == "/", username
        assert client.get("/akun").status_code == 200, username
    assert not db.session.scalar(select(func.count(User.id)).where(User.must_change_password.is_(True)))
