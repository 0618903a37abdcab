"""Alembic environment for Cermin, run through Flask-Migrate (`flask --app portal db ...`)."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def render_item(type_, obj, autogen_context):
    """Render the portal's column types as plain SQLAlchemy types, so revisions stand alone."""
    from portal.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_object(dialect: str):
    """Autogenerate compares what the schema holds as constraints: on PostgreSQL some foreign keys
    are triggers (portal.appraisal.models.kept_as_constraint)."""
    from portal.appraisal.models import kept_as_constraint

    def include_object(obj, name, type_, reflected, compare_to):
        return kept_as_constraint(obj, type_, dialect)
    return include_object


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True, render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # Do not write an empty revision when the models have not changed.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        conf_args.setdefault("include_object", _include_object(connection.dialect.name))
        if sqlite:
            # Batch mode rebuilds a SQLite table by copying it and dropping the old one; with foreign
            # keys enforced, dropping a table that other rows point at fails, so an installation with
            # data could not be upgraded. SQLite reads this pragma only outside a transaction, so it
            # goes straight to the driver (the portal's engine begins every transaction itself).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
