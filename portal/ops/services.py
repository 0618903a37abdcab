"""Data care: online backups of the embedded database, restore, and the retention purge."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

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


#: Backups hold every saran and profile still within retention: only their owner may read them.
BACKUP_FILE_MODE = 0o600
BACKUP_FOLDER_MODE = 0o700


def backup_folder(instance_path: Path) -> Path:
    """The default folder of backups, which `purge` also reaches."""
    return instance_path / "backups"


def private_folder(folder: Path, *, ours: bool) -> None:
    """Make sure `folder` exists and no one else can open it. A folder of our own (the default
    one) is tightened to 0700; a folder someone named that others can open is refused, since
    changing the mode of, say, /tmp is not a backup's business."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=BACKUP_FOLDER_MODE)
        folder.chmod(BACKUP_FOLDER_MODE)  # mkdir's mode passes through the umask
    elif folder.stat().st_mode & 0o077:
        if not ours:
            raise OpsError(N_("Folder %(path)s dapat dibuka pengguna lain. Simpan cadangan di folder berizin 0700, "
                              "misalnya instance/backups."), {"path": str(folder)})
        folder.chmod(BACKUP_FOLDER_MODE)


def backup_sqlite(database_url: str, target: Path, *, default_folder: Path | None = None) -> Path:
    """Copy the live SQLite database with SQLite's online backup API (consistent while in use),
    into a new file of mode 0600 in a folder of mode 0700."""
    source_path = sqlite_path(database_url)
    if source_path is None:
        raise OpsError(N_("Cadangan daring hanya untuk basis data SQLite. Untuk PostgreSQL gunakan pg_dump (lihat docs/deploy.md)."))
    private_folder(target.parent, ours=default_folder is not None and target.parent == default_folder)
    try:
        # Created empty and private before SQLite writes a byte (its journal takes the same mode).
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BACKUP_FILE_MODE))
    except FileExistsError:
        raise OpsError(N_("Berkas tujuan sudah ada: %(path)s"), {"path": str(target)}) from None
    target.chmod(BACKUP_FILE_MODE)
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
    return backup_folder(instance_path) / f"cermin-{stamp}.sqlite"


@dataclass
class PurgeSummary:
    comments: int = 0
    profiles: int = 0
    review_comments: int = 0


def purge(now: datetime | None = None, dry_run: bool = False, session=None) -> PurgeSummary:
    """Delete free-text saran and respondent profiles (and 360 comments of long-closed cycles)
    older than each instansi's retention period. Scores and aggregates stay.

    On the request's session by default, or on another (a backup's). On SQLite the freed bytes are
    overwritten too (secure_delete), so the text does not linger in the file's free space.
    """
    now = now or clock.now()
    session = session or db.session
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))
    summary = PurgeSummary()
    for instansi_id, retention_days in session.execute(select(Instansi.id, Instansi.retention_days)).all():
        cutoff = now - timedelta(days=retention_days)
        units = select(Unit.id).where(Unit.instansi_id == instansi_id)
        comment_filter = (SkmComment.unit_id.in_(units), SkmComment.created_at < cutoff,
                          SkmComment.text.is_not(None))
        profile_filter = (
            SkmResponse.instansi_id == instansi_id, SkmResponse.submitted_at < cutoff,
            (SkmResponse.gender.is_not(None) | SkmResponse.age_range.is_not(None)
             | SkmResponse.education.is_not(None) | SkmResponse.occupation.is_not(None)),
        )
        old_cycles = select(ReviewCycle.id).where(ReviewCycle.instansi_id == instansi_id,
                                                  ReviewCycle.closes_on < cutoff.date())
        review_filter = (ReviewComment.response_id.in_(
            select(ReviewResponse.id).where(ReviewResponse.cycle_id.in_(old_cycles))),)
        summary.comments += _count(session, SkmComment, comment_filter)
        summary.profiles += _count(session, SkmResponse, profile_filter)
        summary.review_comments += _count(session, ReviewComment, review_filter)
        if dry_run:
            continue
        session.execute(update(SkmComment).where(*comment_filter).values(text=None, purged_at=now),
                        execution_options={"synchronize_session": False})
        session.execute(update(SkmResponse).where(*profile_filter).values(
            gender=None, age_range=None, education=None, occupation=None), execution_options={"synchronize_session": False})
        session.execute(ReviewComment.__table__.delete().where(*review_filter))
    session.flush()
    return summary


def _count(session, model, conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions))


def checkpoint_sqlite(database_url: str) -> None:
    """Fold the live database's write-ahead log into its file, so the zeroed pages of a purge
    replace the old ones there too (best effort while other connections read)."""
    path = sqlite_path(database_url)
    if path is None:
        return
    connection = sqlite3.connect(str(path), isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


@dataclass
class BackupPurge:
    path: Path
    summary: PurgeSummary | None = None
    #: Why this backup could not be purged (it is left as it was).
    problem: OpsError | None = None


def purge_backups(folder: Path, now: datetime | None = None, dry_run: bool = False) -> list[BackupPurge]:
    """Run the same purge inside every SQLite backup in `folder`, then rebuild each file (VACUUM),
    so no purged text survives in a backup either. A file that is not a readable Cermin backup
    is reported and left alone."""
    now = now or clock.now()
    results = []
    for path in sorted(folder.glob("*.sqlite")) if folder.is_dir() else []:
        try:
            check_backup(path)
            results.append(BackupPurge(path, _purge_file(path, now, dry_run)))
        except OpsError as error:
            results.append(BackupPurge(path, problem=error))
        except DBAPIError as error:
            results.append(BackupPurge(path, problem=OpsError(
                N_("Cadangan ini tidak dapat dibersihkan: %(reason)s"), {"reason": str(error.orig)[:200]})))
    return results


def _purge_file(path: Path, now: datetime, dry_run: bool) -> PurgeSummary:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with Session(engine) as session:
            summary = purge(now, dry_run=dry_run, session=session)
            if dry_run:
                session.rollback()
                return summary
            session.commit()
    finally:
        engine.dispose()
    # The purged text is gone from the tables; VACUUM rebuilds the file without its free pages.
    connection = sqlite3.connect(str(path), isolation_level=None)
    try:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    path.chmod(BACKUP_FILE_MODE)
    return summary


