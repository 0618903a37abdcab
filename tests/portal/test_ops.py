"""Data care: backup and restore round trip, and the retention purge."""
import sqlite3
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import clock, create_app
from portal.extensions import db as _db
from portal.feedback.models import SkmComment, SkmResponse
from portal.feedback.services import Submission, record_response
from portal.ops import services
from surveys import skm

SCORES = {k: 3 for k in skm.UNSUR_CODES}


@pytest.fixture
def file_app(tmp_path, database_url):
    """An app on its own SQLite file, as `make run` has (backup works on real files)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("backup/restore round trip is for the embedded SQLite database; PostgreSQL uses pg_dump")
    app = create_app({"TESTING": True, "SECRET_KEY": "ops", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}"})
    with app.app_context():
        upgrade()
        from portal.demo.seed import _seed_org

        _seed_org()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _employees(app):
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(_db.metadata.tables["employee"]))


def test_backup_and_restore_round_trip(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    target = tmp_path / "cadangan.sqlite"
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    before = _employees(file_app)
    with file_app.app_context():
        _db.session.execute(_db.metadata.tables["roster_entry"].delete())
        _db.session.execute(_db.metadata.tables["user_role"].delete())
        _db.session.execute(_db.metadata.tables["user_account"].delete())
        _db.session.execute(_db.metadata.tables["employee"].update().values(supervisor_id=None))
        _db.session.execute(_db.metadata.tables["employee"].delete())
        _db.session.commit()
    assert _employees(file_app) == 0
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _employees(file_app) == before


def test_backup_refuses_to_overwrite_and_restore_refuses_foreign_files(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    target = tmp_path / "ada.sqlite"
    target.write_bytes(b"x")
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 1
    foreign = tmp_path / "lain.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    result = runner.invoke(args=["restore", str(foreign), "--yes"])
    assert result.exit_code == 1 and "bukan cadangan Cermin" in result.output


def test_backup_on_postgres_prints_guidance(app, runner, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 2 and "pg_dump" in result.output


def test_purge_removes_old_saran_and_profiles_but_keeps_scores(org, db, runner):
    old = clock.now() - timedelta(days=org.instansi.retention_days + 5)
    recent = clock.now() - timedelta(days=3)
    for moment in (old, recent):
        record_response(org.counter, Submission(scores=SCORES, comment="Antrean panjang", submitted_at=moment,
                                                profile={"gender": "L", "age_range": "30-39"}))
    db.session.commit()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "Saran akan dihapus: 1" in dry.output
    assert db.session.scalar(select(func.count()).where(SkmComment.text.is_not(None))) == 2
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Saran dihapus: 1; profil responden dihapus: 1" in result.output
    texts = db.session.execute(select(SkmComment.text, SkmComment.purged_at).order_by(SkmComment.created_at)).all()
    assert texts[0].text is None and texts[0].purged_at is not None and texts[1].text == "Antrean panjang"
    genders = db.session.scalars(select(SkmResponse.gender).order_by(SkmResponse.submitted_at)).all()
    assert genders == [None, "L"]
    assert db.session.scalar(select(func.count(SkmResponse.id))) == 2
    again = runner.invoke(args=["purge"])
    assert "Saran dihapus: 0" in again.output


def test_commands_have_help(runner):
    for command in ("backup", "restore", "purge"):
        assert runner.invoke(args=[command, "--help"]).exit_code == 0
