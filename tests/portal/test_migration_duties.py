"""The migration that fixes each record's Pejabat Penilai (01f15226e6a4) fills the records that
exist: a decided record's penilai is whoever confirmed it (even when it is final: the guard is
stepped around and put back), a draft's is today's atasan langsung, and a confirmed record's
notification day is the local day of its confirmation; its period's settings are frozen."""
from datetime import date, datetime, timezone
from itertools import count

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, MetaData, Numeric, create_engine, text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db as _db
from tests.portal.revisions import parent_of

BEFORE = parent_of("01f15226e6a4")
_serial = count(1)


def _scratch_url(database_url: str, tmp_path) -> str:
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'duties.sqlite'}"
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS cermin_duties"))
        connection.execute(text("CREATE DATABASE cermin_duties"))
    admin.dispose()
    return database_url.rsplit("/", 1)[0] + "/cermin_duties"


def _filler(column):
    """A value for a NOT NULL column the test does not care about (columns other revisions add)."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, Numeric)):
        return 0
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 1, tzinfo=timezone.utc)
    if isinstance(kind, Date):
        return date(2026, 1, 1)
    if isinstance(kind, LargeBinary):
        return b"k" * 32
    return f"x{next(_serial)}"


def _insert(connection, tables, table_name: str, **values) -> int:
    table = tables[table_name]
    for column in table.columns:
        if column.name not in values and not column.nullable and column.server_default is None \
                and not column.primary_key:
            values[column.name] = _filler(column)
    return connection.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def test_existing_records_get_their_penilai_and_notification_day(database_url, tmp_path):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "m", "SQLALCHEMY_DATABASE_URI": _scratch_url(database_url, tmp_path)})
    with app.app_context():
        upgrade(revision=BEFORE)
        tables = MetaData()
        tables.reflect(bind=_db.engine)
        with _db.engine.begin() as connection:
            instansi = _insert(connection, tables.tables, "instansi", name="Kota Migrasi", timezone="Asia/Makassar",
                               org_predikat="Baik", retention_days=730)
            unit = _insert(connection, tables.tables, "unit", instansi_id=instansi, code="U1", name="Unit", active=True)

            def employee(nip: str, supervisor=None) -> int:
                return _insert(connection, tables.tables, "employee", instansi_id=instansi, nip=nip, name=nip,
                               unit_id=unit, supervisor_id=supervisor, job_group="back_office", active=True,
                               is_unit_head=False, public_code=nip[-8:])

            head = employee("197001012000011001")
            old_boss = employee("197501012000011002", head)
            new_boss = employee("197601012000011003", head)
            staff = employee("198501012010011004", new_boss)  # moved to new_boss after being appraised
            other = employee("198601012010011005", new_boss)
            confirmer = _insert(connection, tables.tables, "user_account", instansi_id=instansi, username="lama",
                                employee_id=old_boss, display_name="Atasan lama", password_hash="x", active=True)
            hr = _insert(connection, tables.tables, "user_account", instansi_id=instansi, username="hr",
                         display_name="HR", password_hash="x", active=True)
            period = _insert(connection, tables.tables, "appraisal_period", instansi_id=instansi, name="P", kind="tahunan",
                             citizen_from=date(2025, 1, 1), citizen_to=date(2025, 12, 31), officer_unsur="U6,U7",
                             above_threshold=80, meets_threshold=60, min_citizen_n=10)
            common = dict(period_id=period, unit_id=unit, job_group="back_office", citizen_n=0, atasan_n=0,
                          rekan_n=0, bawahan_n=0, self_n=0, explanation="[]", development="{}")
            # Confirmed at 17:30 UTC on 1 March: 01:30 on 2 March in WITA.
            final = _insert(connection, tables.tables, "appraisal_record", employee_id=staff, status="finalised",
                            rating_perilaku="Sesuai Ekspektasi", predikat="Baik", confirmed_by_id=confirmer,
                            confirmed_at=datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc), finalised_by_id=hr,
                            finalised_at=datetime(2026, 3, 20, tzinfo=timezone.utc), **common)
            draft = _insert(connection, tables.tables, "appraisal_record", employee_id=other, status="draft", **common)

        upgrade()
        with _db.engine.begin() as connection:
            rows = {row.id: row for row in connection.execute(text(
                "SELECT id, penilai_id, atasan_penilai_id, notified_on FROM appraisal_record"))}
            assert (rows[final].penilai_id, rows[final].atasan_penilai_id) == (old_boss, head)
            assert str(rows[final].notified_on) == "2026-03-02"
            assert (rows[draft].penilai_id, rows[draft].atasan_penilai_id, rows[draft].notified_on) == (
                new_boss, head, None)
            frozen = connection.execute(text("SELECT settings_frozen_at FROM appraisal_period")).scalar_one()
            assert frozen is not None and str(frozen).startswith("2026-03-01 17:30")
        # The guard of finalised records is back in place.
        with pytest.raises(DBAPIError, match="finalised appraisal record"):
            with _db.engine.begin() as connection:
                connection.execute(text("UPDATE appraisal_record SET predikat = 'Sangat Baik' WHERE id = :id"),
                                   {"id": final})
        _db.engine.dispose()
