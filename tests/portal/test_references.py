"""The references of appraisal records and audit entries hold on both databases: a row naming a
row that does not exist is refused, and so is deleting a row still named. On PostgreSQL triggers
check them once per statement (migration 3e116fc50e57, docs/audit.md), so the same is tested
there under concurrency: a deletion and a reference to the deleted row never both commit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.appraisal.merge import merge
from portal.appraisal.models import CHECKED_PER_STATEMENT, AppraisalRecord, AuditEntry
from portal.extensions import db as _db
from portal.org.models import Employee, Unit
from tests.factories import Factory
from tests.portal.appraisal_helpers import make_period
from tests.portal.conftest import wait_for_a_lock_wait

#: An id no row has.
NOBODY = 987654


@pytest.fixture
def world(shared):
    """The small organisation of `shared` (committed, on a database of its own) with a merged period."""
    with shared.app_context():
        factory = Factory(_db)
        unit = _db.session.scalar(select(Unit).where(Unit.code == "DUKCAPIL"))
        # Named by nothing: an employee who left (the merge passes over them) and an empty unit.
        spare = factory.employee(unit, "Pegawai Pindah", active=False)
        spare_unit = factory.unit(unit.instansi, code="SPARE", name="Unit Cadangan")
        period = make_period(unit.instansi)
        merge(period)
        _db.session.commit()
        employee = _db.session.scalar(select(Employee.id).where(Employee.name == "Staf Uji 1"))
        ids = {"period": period.id, "employee": employee, "spare": spare.id, "spare_unit": spare_unit.id,
               "unit": unit.id, "instansi": unit.instansi_id,
               "record": _db.session.scalar(select(AppraisalRecord.id).where(AppraisalRecord.employee_id == employee))}
        _db.session.remove()
    return shared, ids


def _refused(connection, statement: str, **values) -> str:
    """Run ``statement`` in a savepoint, expecting the database to refuse it: the message."""
    with pytest.raises(IntegrityError) as refused:
        with connection.begin_nested():
            connection.execute(text(statement), values)
    return str(refused.value.orig)


def _violates(message: str, constraint: str) -> bool:
    """Whether the refusal names ``constraint``: PostgreSQL names it, SQLite names none."""
    return constraint in message or message == "FOREIGN KEY constraint failed"


def _count(connection, table) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar()


COPY_RECORD = ("INSERT INTO appraisal_record (period_id, employee_id, unit_id, job_group, status, citizen_n, "
               "atasan_n, rekan_n, bawahan_n, self_n, explanation, development, settings_id) "
               "SELECT period_id, :employee, :unit, job_group, status, citizen_n, atasan_n, rekan_n, bawahan_n, self_n, "
               "explanation, development, :settings FROM appraisal_record WHERE id = :record")


def test_a_record_naming_nothing_is_refused_and_nothing_is_stored(world):
    app, ids = world
    with app.app_context(), _db.engine.connect() as connection:
        before = _count(connection, AppraisalRecord.__table__)
        settings = connection.execute(text("SELECT settings_id FROM appraisal_record WHERE id = :id"),
                                      {"id": ids["record"]}).scalar()
        message = _refused(connection, COPY_RECORD, employee=NOBODY, unit=ids["unit"], settings=settings,
                           record=ids["record"])
        assert _violates(message, "fk_appraisal_record_employee_id_employee")
        assert _violates(_refused(
            connection, COPY_RECORD, employee=ids["spare"], unit=NOBODY, settings=settings, record=ids["record"]), "fk_appraisal_record_unit_id_unit")
        assert _violates(_refused(
            connection, COPY_RECORD, employee=ids["spare"], unit=ids["unit"], settings=NOBODY, record=ids["record"]), "fk_appraisal_record_settings_id_appraisal_settings")
        assert _count(connection, AppraisalRecord.__table__) == before
        # The same statement naming rows that exist stores the record.
        with connection.begin_nested():
            connection.execute(text(COPY_RECORD), {"employee": ids["spare"], "unit": ids["unit"], "settings": settings,
                                                   "record": ids["record"]})
        assert _count(connection, AppraisalRecord.__table__) == before + 1


@pytest.mark.parametrize("column", ["penilai_id", "atasan_penilai_id", "confirmed_by_id", "unit_id", "period_id"])
def test_changing_a_reference_to_nothing_is_refused(world, column):
    app, ids = world
    with app.app_context(), _db.engine.connect() as connection:
        message = _refused(connection, f"UPDATE appraisal_record SET {column} = :nobody WHERE id = :id",
                           nobody=NOBODY, id=ids["record"])
        assert _violates(message, f"fk_appraisal_record_{column}_")
        # Changing what references nothing passes, and so does a reference to a row that exists.
        with connection.begin_nested():
            connection.execute(text("UPDATE appraisal_record SET penilai_id = :spare, development = '{}' "
                                    "WHERE id = :id"), {"spare": ids["spare"], "id": ids["record"]})


def test_an_audit_entry_naming_no_record_is_refused(world):
    app, ids = world
    with app.app_context(), _db.engine.connect() as connection:
        before = _count(connection, AuditEntry.__table__)
        insert = ("INSERT INTO audit_entry (instansi_id, record_id, action, before, after, at) "
                  "VALUES (:instansi, :record, 'merge', '{}', '{}', CURRENT_TIMESTAMP)")
        assert _violates(_refused(
            connection, insert, instansi=ids["instansi"], record=NOBODY), "fk_audit_entry_record_id_appraisal_record")
        assert _violates(_refused(
            connection, insert, instansi=NOBODY, record=ids["record"]), "fk_audit_entry_instansi_id_instansi")
        assert _count(connection, AuditEntry.__table__) == before


@pytest.mark.parametrize("table, key", [("employee", "employee"), ("unit", "unit"), ("appraisal_record", "record"),
                                        ("appraisal_period", "period")])
def test_a_row_still_named_cannot_be_deleted_nor_its_id_changed(world, table, key):
    app, ids = world
    with app.app_context(), _db.engine.connect() as connection:
        assert _violates(_refused(connection, f"DELETE FROM {table} WHERE id = :id", id=ids[key]), "foreign key")
        assert _violates(_refused(connection, f"UPDATE {table} SET id = :nobody WHERE id = :id", nobody=NOBODY,
                                  id=ids[key]), "foreign key")
        assert connection.execute(text(f"SELECT count(*) FROM {table} WHERE id = :id"), {"id": ids[key]}).scalar() == 1


def test_a_row_named_by_nothing_can_be_deleted(world):
    app, ids = world
    with app.app_context(), _db.engine.connect() as connection:
        for table, key in (("unit", "spare_unit"), ("employee", "spare")):
            connection.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": ids[key]})
            assert connection.execute(text(f"SELECT count(*) FROM {table} WHERE id = :id"), {"id": ids[key]}).scalar() == 0
        connection.rollback()


def _postgres(app) -> None:
    with app.app_context():
        if _db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's statement-level reference triggers")


def test_a_referenced_table_cannot_be_truncated(world):
    app, ids = world
    _postgres(app)
    with app.app_context(), _db.engine.connect() as connection:
        with pytest.raises(Exception, match="referenced in a foreign key"):
            with connection.begin_nested():
                connection.execute(text("TRUNCATE appraisal_settings CASCADE"))
        assert connection.execute(text("SELECT count(*) FROM appraisal_settings")).scalar() >= 1


def test_the_triggers_check_every_reference_the_models_declare(world):
    """Each foreign key the models declare on these tables is checked by the migration's triggers:
    its column is read from the new rows, and its table is where the trigger looks."""
    app, _ids = world
    _postgres(app)
    with app.app_context(), _db.engine.connect() as connection:
        for name in CHECKED_PER_STATEMENT:
            table = _db.metadata.tables[name]
            source = connection.execute(text("SELECT pg_get_functiondef(CAST(:f AS regproc))"),
                                        {"f": f"{name}_references_inserted"}).scalar()
            assert table.foreign_keys
            for key in table.foreign_keys:
                column, referenced = key.parent.name, key.column.table.name
                assert f"n.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {referenced} p WHERE p.id = n.{column})" \
                    in source, (name, column)
            constraints = connection.execute(text(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = CAST(:t AS regclass)"), {"t": name}).scalar()
            assert constraints == 0


def _wait_until_blocked(pid: int) -> None:
    """Return once backend ``pid`` waits for a lock: the test's precondition."""
    wait_for_a_lock_wait(_db.engine, "the second transaction never waited for the first", f"pid = {int(pid)}")


def _in_thread(app, work) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        with app.app_context(), _db.engine.connect() as connection:
            outcome["pid"] = connection.execute(text("SELECT pg_backend_pid()")).scalar()
            started.set()
            try:
                work(connection)
                connection.commit()
            except IntegrityError as error:
                outcome["error"] = str(error.orig)
                connection.rollback()

    started = threading.Event()
    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(30)
    return thread, outcome


def test_deleting_a_row_waits_for_a_transaction_naming_it_and_then_is_refused(world):
    app, ids = world
    _postgres(app)
    with app.app_context(), _db.engine.connect() as writer:
        writer.execute(text("UPDATE appraisal_record SET penilai_id = :spare WHERE id = :id"),
                       {"spare": ids["spare"], "id": ids["record"]})
        thread, outcome = _in_thread(app, lambda connection: connection.execute(
            text("DELETE FROM employee WHERE id = :spare"), {"spare": ids["spare"]}))
        _wait_until_blocked(outcome["pid"])
        writer.commit()
    thread.join(30)
    assert "fk_appraisal_record_penilai_id_employee" in outcome["error"]
    with app.app_context(), _db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM employee WHERE id = :id"), {"id": ids["spare"]}).scalar()


def test_naming_a_row_being_deleted_waits_for_the_deletion_and_then_is_refused(world):
    app, ids = world
    _postgres(app)
    spare = ids["spare_unit"]
    with app.app_context(), _db.engine.connect() as deleter:
        deleter.execute(text("DELETE FROM unit WHERE id = :id"), {"id": spare})  # checked, not yet committed
        thread, outcome = _in_thread(app, lambda connection: connection.execute(
            text("UPDATE appraisal_record SET unit_id = :unit WHERE id = :id"), {"unit": spare, "id": ids["record"]}))
        _wait_until_blocked(outcome["pid"])
        deleter.commit()
    thread.join(30)
    assert "fk_appraisal_record_unit_id_unit" in outcome["error"]
    with app.app_context(), _db.engine.connect() as connection:
        assert connection.execute(text("SELECT unit_id FROM appraisal_record WHERE id = :id"),
                                  {"id": ids["record"]}).scalar() == ids["unit"]
