"""PostgreSQL: the references of appraisal records and audit entries checked once per statement

Revision ID: 3e116fc50e57
Revises: 9d2b6f4e1a83
Create Date: 2026-12-05 02:30:00

A foreign key checks every row it inserts with a query of its own: storing a period's first
merge (50,000 records and their audit entries) ran 550,000 of them, half of the merge's time on
PostgreSQL. Here the eleven foreign keys of appraisal_record and audit_entry become triggers that
check a whole statement's rows at once, with the same guarantees (docs/audit.md, "The records'
references on PostgreSQL"):

- an INSERT whose rows name a row that does not exist fails (one query per reference, over the
  statement's new rows), and so does an UPDATE that changes a reference to such a row (a row
  trigger, only when a reference changed);
- deleting, or changing the id of, a row that is still referenced fails, as does TRUNCATE of a
  referenced table while the referencing table has rows;
- concurrency: the deleting side takes a SHARE lock on the referencing tables before it looks,
  so it waits for every transaction writing them and then sees their rows, and a transaction that
  writes them afterwards waits for it to end and then sees the deletion (the portal runs every
  transaction at READ COMMITTED, where each check reads what is committed when it runs).

The errors are foreign_key_violation (SQLSTATE 23503), named after the constraints they replace.
SQLite keeps its foreign keys: it checks them in the same statement without a query each.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3e116fc50e57'
down_revision = '9d2b6f4e1a83'
branch_labels = None
depends_on = None

#: Referencing table → (column, referenced table), every reference to the referenced row's id.
REFERENCES = {
    "appraisal_record": (
        ("period_id", "appraisal_period"), ("employee_id", "employee"), ("unit_id", "unit"),
        ("confirmed_by_id", "user_account"), ("finalised_by_id", "user_account"), ("penilai_id", "employee"),
        ("atasan_penilai_id", "employee"), ("settings_id", "appraisal_settings"),
    ),
    "audit_entry": (("instansi_id", "instansi"), ("record_id", "appraisal_record"), ("user_id", "user_account")),
}


def _constraint(table: str, column: str, referenced: str) -> str:
    return f"fk_{table}_{column}_{referenced}"


def _missing(table: str, column: str, referenced: str, rows: str, key: str) -> str:
    """PL/pgSQL: fail when ``key`` (a value, or a column of the relation ``rows``) names no row."""
    name = _constraint(table, column, referenced)
    source = f" FROM {rows} n" if rows else ""
    return f"""
    SELECT {key} INTO missing{source}
     WHERE {key} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {referenced} p WHERE p.id = {key}) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "{table}" violates foreign key constraint "{name}"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{name}', TABLE = '{table}',
                  DETAIL = format('Key ({column})=(%s) is not present in table "{referenced}".', missing);
    END IF;"""


def _function(name: str, body: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"DECLARE missing bigint;\nBEGIN{body}\n    RETURN NULL;\nEND $$")


def _referencing_statements(table: str, references: tuple) -> list[str]:
    inserted = "".join(_missing(table, column, referenced, "new_rows", f"n.{column}")
                       for column, referenced in references)
    updated = "".join(_missing(table, column, referenced, "", f"NEW.{column}") for column, referenced in references)
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column, _referenced in references)
    return [
        _function(f"{table}_references_inserted", inserted),
        f"CREATE TRIGGER {table}_references_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_references_inserted()",
        _function(f"{table}_references_updated", updated),
        f"CREATE TRIGGER {table}_references_updated AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION {table}_references_updated()",
    ]


def _referenced_by() -> dict[str, list[tuple[str, str]]]:
    """Referenced table → its (referencing table, column)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, references in REFERENCES.items():
        for column, referenced in references:
            found.setdefault(referenced, []).append((table, column))
    return found


def _still_referenced(referenced: str, users: list[tuple[str, str]], ids: str) -> str:
    """PL/pgSQL: lock the referencing tables, then fail when one of ``ids`` is still referenced."""
    tables = ", ".join(dict.fromkeys(table for table, _column in users))
    checks = "".join(f"""
    SELECT c.{column} INTO missing FROM {table} c WHERE c.{column} IN ({ids}) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "{referenced}" violates foreign key constraint "{name}" on table "{table}"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{name}', TABLE = '{table}',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "{table}".', missing);
    END IF;""" for table, column in users for name in [_constraint(table, column, referenced)])
    return f"\n    LOCK TABLE {tables} IN SHARE MODE;{checks}"


def _referenced_statements(referenced: str, users: list[tuple[str, str]]) -> list[str]:
    emptied = "".join(f"""
    IF EXISTS (SELECT 1 FROM {table} WHERE {column} IS NOT NULL) THEN
        RAISE EXCEPTION 'cannot truncate a table referenced in a foreign key constraint'
            USING ERRCODE = 'feature_not_supported', TABLE = '{table}',
                  DETAIL = 'Table "{table}" references "{referenced}".';
    END IF;""" for table, column in users)
    return [
        _function(f"{referenced}_referenced_deleted", _still_referenced(referenced, users, "SELECT id FROM old_rows")),
        f"CREATE TRIGGER {referenced}_referenced_deleted AFTER DELETE ON {referenced} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {referenced}_referenced_deleted()",
        _function(f"{referenced}_referenced_updated", _still_referenced(referenced, users, "OLD.id")),
        f"CREATE TRIGGER {referenced}_referenced_updated AFTER UPDATE ON {referenced} FOR EACH ROW "
        f"WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION {referenced}_referenced_updated()",
        _function(f"{referenced}_referenced_truncated", emptied),
        f"CREATE TRIGGER {referenced}_referenced_truncated BEFORE TRUNCATE ON {referenced} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {referenced}_referenced_truncated()",
    ]


def _functions() -> list[str]:
    names = [f"{table}_references_{event}" for table in REFERENCES for event in ("inserted", "updated")]
    names += [f"{referenced}_referenced_{event}" for referenced in _referenced_by()
              for event in ("deleted", "updated", "truncated")]
    return names


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, references in REFERENCES.items():
        for column, referenced in references:
            op.drop_constraint(_constraint(table, column, referenced), table, type_="foreignkey")
        for statement in _referencing_statements(table, references):
            op.execute(statement)
    for referenced, users in _referenced_by().items():
        for statement in _referenced_statements(referenced, users):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _functions():
        op.execute(f"DROP FUNCTION {name}() CASCADE")
    for table, references in REFERENCES.items():
        for column, referenced in references:
            op.create_foreign_key(_constraint(table, column, referenced), table, referenced, [column], ["id"])
