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
