"""Data care: backup and restore round trip, and the retention purge."""
import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

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


# --- backups that stay private and forget what purge forgets -------------------------------------

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=timezone.utc)
OLD_SARAN = "Rahasia lama: petugas loket 7391 kasar"
NEW_SARAN = "Saran baru: kursi antrean kurang"


@pytest.fixture
def private_app(tmp_path, database_url, monkeypatch):
    """An app on its own SQLite file and its own instance folder (where backups go by default),
    holding one saran past the retention period and one within it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the backup command copies the embedded SQLite database; PostgreSQL: see the pg_dump tests")
    monkeypatch.setenv("CERMIN_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "ops", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}"})
    with app.app_context(), clock.frozen(NOW):
        upgrade()
        from portal.demo.seed import _seed_org
        from portal.org.models import Counter

        instansi = _seed_org()
        counter = _db.session.scalar(select(Counter).order_by(Counter.id))
        # Old and recent saran side by side on the same pages, as real data lies.
        for n in range(12):
            for moment, saran in ((NOW - timedelta(days=instansi.retention_days + 5, minutes=n), OLD_SARAN),
                                  (NOW - timedelta(days=3, minutes=n), NEW_SARAN)):
                record_response(counter, Submission(scores=SCORES, comment=f"{saran} ({n:02d})", submitted_at=moment,
                                                    profile={"gender": "P", "age_range": "30-39"}))
        _db.session.commit()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _holds(path, text: str) -> bool:
    """Whether the text is anywhere in the file's bytes (its free pages and log included)."""
    return any(text.encode() in Path(f).read_bytes() for f in (str(path), f"{path}-wal") if Path(f).exists())


def _backup(app) -> Path:
    with clock.frozen(NOW):
        result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    return Path(result.output.split("Cadangan tersimpan: ", 1)[1].strip())


def test_backups_are_0600_in_a_0700_folder_whatever_the_umask(private_app):
    previous = os.umask(0)
    try:
        first = _backup(private_app)
        folder = first.parent
        assert folder == Path(private_app.instance_path) / "backups"
        assert (_mode(first), _mode(folder)) == (0o600, 0o700)
        folder.chmod(0o755)  # loosened by hand: the next backup tightens its own folder again
        with clock.frozen(NOW + timedelta(seconds=1)):
            second = Path(private_app.test_cli_runner().invoke(args=["backup"]).output.split(": ", 1)[1].strip())
        assert (_mode(second), _mode(folder)) == (0o600, 0o700)
    finally:
        os.umask(previous)


def test_a_backup_into_a_folder_others_can_open_is_refused(private_app, tmp_path):
    shared = tmp_path / "bersama"
    shared.mkdir()
    shared.chmod(0o755)
    result = private_app.test_cli_runner().invoke(args=["backup", "--output", str(shared / "cadangan.sqlite")])
    assert result.exit_code == 1 and "dapat dibuka pengguna lain" in result.output
    assert not (shared / "cadangan.sqlite").exists()


def test_purge_reaches_the_backups_and_the_round_trip_still_works(private_app):
    backup = _backup(private_app)
    assert _holds(backup, OLD_SARAN)
    runner = private_app.test_cli_runner()
    with clock.frozen(NOW):
        dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0 and f"Cadangan {backup}: saran akan dihapus: 12" in dry.output
    assert _holds(backup, OLD_SARAN)
    with clock.frozen(NOW):
        result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Saran dihapus: 12" in result.output
    assert f"Cadangan {backup}: saran dihapus: 12; profil responden dihapus: 12" in result.output
    # Not a byte of the purged saran is left, in the backup or in the live file.
    assert not _holds(backup, OLD_SARAN) and _holds(backup, NEW_SARAN)
    live = Path(private_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    assert not _holds(live, OLD_SARAN)
    assert _mode(backup) == 0o600
    restored = runner.invoke(args=["restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output
    with private_app.app_context():
        texts = set(_db.session.scalars(select(SkmComment.text)))
        genders = _db.session.scalars(select(SkmResponse.gender).order_by(SkmResponse.submitted_at)).all()
    assert texts == {None} | {f"{NEW_SARAN} ({n:02d})" for n in range(12)}
    assert genders == [None] * 12 + ["P"] * 12


def test_a_backup_that_cannot_be_purged_is_named_and_the_others_still_are(private_app):
    backup = _backup(private_app)
    broken = backup.parent / "rusak.sqlite"
    broken.write_bytes(b"bukan basis data")
    with clock.frozen(NOW):
        result = private_app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 1
    assert f"Cadangan {broken}: TIDAK dibersihkan." in result.output
    assert not _holds(backup, OLD_SARAN)


def test_purge_reaches_another_backup_folder(private_app, tmp_path):
    elsewhere = tmp_path / "arsip"
    elsewhere.mkdir(mode=0o700)
    copy = elsewhere / "salinan.sqlite"
    result = private_app.test_cli_runner().invoke(args=["backup", "--output", str(copy)])
    assert result.exit_code == 0 and _mode(copy) == 0o600
    with clock.frozen(NOW):
        result = private_app.test_cli_runner().invoke(args=["purge", "--backups", str(elsewhere)])
    assert f"Cadangan {copy}: saran dihapus: 12" in result.output and not _holds(copy, OLD_SARAN)


def test_on_postgres_the_guidance_keeps_dumps_private_and_purge_names_them(app, runner, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    assert "umask 077" in runner.invoke(args=["backup"]).output
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0 and "Cadangan pg_dump tidak dijangkau `purge`" in result.output
