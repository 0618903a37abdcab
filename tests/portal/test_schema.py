"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.appraisal.models import CHECKED_PER_STATEMENT, kept_as_constraint
from portal.extensions import db as _db


#: The triggers by which the database itself keeps stored answers, final records and the audit log.
TRIGGERS = {
    "sqlite": {"skm_response_no_edit", "appraisal_record_final_update", "appraisal_record_final_delete",
               "audit_entry_no_update", "audit_entry_no_delete"},
    "postgresql": {"skm_response_no_edit", "appraisal_record_final", "audit_entry_append_only",
                   # The references of appraisal records and audit entries (tests/portal/test_references.py).
                   *(f"{table}_references_{event}" for table in CHECKED_PER_STATEMENT for event in ("inserted", "updated")),
                   *(f"{key.column.table.name}_referenced_{event}" for table in CHECKED_PER_STATEMENT
                     for key in _db.metadata.tables[table].foreign_keys for event in ("deleted", "updated", "truncated"))},
}


def _dialect(request) -> str:
    """The dialect this pass must run on (`--db`): a test never checks a database it did not mean to."""
    return {"sqlite": "sqlite", "postgres": "postgresql"}[request.config.getoption("--db")]


def test_models_and_migrations_agree(app, db, request):
    assert _db.engine.dialect.name == _dialect(request)
    with _db.engine.connect() as connection:
        dialect = connection.dialect.name
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, compare_to: kept_as_constraint(obj, type_, dialect)})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_the_database_keeps_its_own_rules(app, db, request):
    """Each pass checks its own database: SQLite's foreign keys and WAL, and on both the triggers
    that the migrations create for that dialect."""
    dialect = _db.engine.dialect.name
    assert dialect == _dialect(request)
    with _db.engine.connect() as connection:
        if dialect == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            names = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        else:
            assert connection.exec_driver_sql("SHOW server_version_num").scalar()
            names = set(connection.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    assert TRIGGERS[dialect] <= names


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
