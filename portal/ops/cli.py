from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from portal.extensions import db
from portal.messages import say
from portal.ops import services

PG_GUIDANCE = (
    "Basis data ini PostgreSQL. Gunakan alat bawaan PostgreSQL:\n"
    "  cadangan:  pg_dump --format=custom --file=cermin-$(date +%Y%m%d).dump \"$DATABASE_URL\"\n"
    "  pemulihan: pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" FILE.dump\n"
    "(Ganti awalan postgresql+psycopg:// menjadi postgresql:// untuk alat baris perintah.) Lihat docs/deploy.md."
)


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Berkas tujuan (bawaan: instance/backups/cermin-WAKTU.sqlite).")
def backup(output: Path | None) -> None:
    """Make a consistent online backup of the embedded SQLite database (PostgreSQL: prints pg_dump guidance)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if services.sqlite_path(url) is None:
        click.echo(PG_GUIDANCE)
        raise SystemExit(2)
    target = output or services.default_backup_name(Path(current_app.instance_path))
    try:
        services.backup_sqlite(url, target)
    except services.OpsError as error:
        raise click.ClickException(say(error))
    click.echo(f"Cadangan tersimpan: {target}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Jangan bertanya konfirmasi.")
def restore(file: Path, yes: bool) -> None:
    """Replace the embedded SQLite database with a backup made by `backup` (PostgreSQL: prints pg_restore guidance)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if services.sqlite_path(url) is None:
        click.echo(PG_GUIDANCE)
        raise SystemExit(2)
    try:
        revision = services.check_backup(file)
    except services.OpsError as error:
        raise click.ClickException(say(error))
    if not yes:
        click.confirm(f"Semua data sekarang akan diganti dengan isi {file}. Lanjutkan?", abort=True)
    services.restore_sqlite(url, file)
    click.echo(f"Data dipulihkan dari {file} (revisi skema {revision}). Jalankan `flask --app portal db upgrade` bila cadangan lebih lama.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Hanya hitung, jangan hapus.")
def purge(dry_run: bool) -> None:
    """Delete free-text comments and respondent profiles older than each instansi's retention period."""
    summary = services.purge(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "akan dihapus" if dry_run else "dihapus"
    click.echo(f"Saran {verb}: {summary.comments}; profil responden {verb}: {summary.profiles}; "
               f"komentar ulasan 360 {verb}: {summary.review_comments}.")


commands = (backup, restore, purge)
