"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db as _db


def test_models_and_migrations_agree(app, db):
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_sqlite_has_foreign_keys_and_wal(app, db):
    if _db.engine.dialect.name != "sqlite":
        return
    with _db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_every_migration_downgrades_and_upgrades_again(database_url, tmp_path):
    """Each revision's downgrade() works: go down to nothing and back up on a scratch database."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from portal import create_app
    from tests.pgserver import scratch_database

    url = scratch_database(database_url, tmp_path, "cermin_migrations")
    app = create_app({"TESTING": True, "SECRET_KEY": "m", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(_db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "appraisal_record" in inspect(_db.engine).get_table_names()
        _db.engine.dispose()
