"""Data care: online backups of the embedded database, restore, and the retention purge."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from portal import clock
from portal.extensions import db
from portal.feedback.models import SkmComment, SkmResponse
from portal.org.models import Instansi, Unit
from portal.reviews.models import ReviewComment, ReviewCycle, ReviewResponse
from surveys.errors import DomainError
from surveys.i18n import N_


class OpsError(DomainError):
    """A backup, restore or purge that cannot be done as asked."""


def sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def backup_sqlite(database_url: str, target: Path) -> Path:
    """Copy the live SQLite database with SQLite's online backup API (consistent while in use)."""
    source_path = sqlite_path(database_url)
    if source_path is None:
        raise OpsError(N_("Cadangan daring hanya untuk basis data SQLite. Untuk PostgreSQL gunakan pg_dump (lihat docs/deploy.md)."))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise OpsError(N_("Berkas tujuan sudah ada: %(path)s"), {"path": str(target)})
    source = sqlite3.connect(str(source_path))
    destination = sqlite3.connect(str(target))
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def check_backup(path: Path) -> str:
    """The schema revision inside a backup file; refuse files that are not Cermin backups."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            connection.execute("SELECT count(*) FROM instansi").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise OpsError(N_("Berkas ini bukan cadangan Cermin yang dapat dibaca.")) from error
    if not row:
        raise OpsError(N_("Berkas ini bukan cadangan Cermin yang dapat dibaca."))
    return row[0]


def restore_sqlite(database_url: str, source: Path) -> str:
    """Replace the live SQLite database with a backup, page by page (online, atomic for readers)."""
    target_path = sqlite_path(database_url)
    if target_path is None:
        raise OpsError(N_("Pemulihan daring hanya untuk basis data SQLite. Untuk PostgreSQL gunakan pg_restore (lihat docs/deploy.md)."))
    revision = check_backup(source)
    db.session.remove()
    db.engine.dispose()
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(str(target_path))
    try:
        with live:
            backup.backup(live)
    finally:
        live.close()
        backup.close()
    return revision


def default_backup_name(instance_path: Path, now: datetime | None = None) -> Path:
    stamp = (now or clock.now()).strftime("%Y%m%d-%H%M%S")
    return instance_path / "backups" / f"cermin-{stamp}.sqlite"


@dataclass
class PurgeSummary:
    comments: int = 0
    profiles: int = 0
    review_comments: int = 0


def purge(now: datetime | None = None, dry_run: bool = False) -> PurgeSummary:
    """Delete free-text saran and respondent profiles (and 360 comments of long-closed cycles)
    older than each instansi's retention period. Scores and aggregates stay."""
    now = now or clock.now()
    summary = PurgeSummary()
    for instansi in db.session.scalars(select(Instansi)):
        cutoff = now - timedelta(days=instansi.retention_days)
        units = select(Unit.id).where(Unit.instansi_id == instansi.id)
        comment_filter = (SkmComment.unit_id.in_(units), SkmComment.created_at < cutoff,
                          SkmComment.text.is_not(None))
        profile_filter = (
            SkmResponse.instansi_id == instansi.id, SkmResponse.submitted_at < cutoff,
            (SkmResponse.gender.is_not(None) | SkmResponse.age_range.is_not(None)
             | SkmResponse.education.is_not(None) | SkmResponse.occupation.is_not(None)),
        )
        old_cycles = select(ReviewCycle.id).where(ReviewCycle.instansi_id == instansi.id,
                                                  ReviewCycle.closes_on < cutoff.date())
        review_filter = (ReviewComment.response_id.in_(
            select(ReviewResponse.id).where(ReviewResponse.cycle_id.in_(old_cycles))),)
        summary.comments += _count(SkmComment, comment_filter)
        summary.profiles += _count(SkmResponse, profile_filter)
        summary.review_comments += _count(ReviewComment, review_filter)
        if dry_run:
            continue
        db.session.execute(update(SkmComment).where(*comment_filter).values(text=None, purged_at=now),
                           execution_options={"synchronize_session": False})
        db.session.execute(update(SkmResponse).where(*profile_filter).values(
            gender=None, age_range=None, education=None, occupation=None), execution_options={"synchronize_session": False})
        db.session.execute(ReviewComment.__table__.delete().where(*review_filter))
    db.session.flush()
    return summary


def _count(model, conditions) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


