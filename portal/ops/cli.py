from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from portal.extensions import db
from portal.messages import say
from portal.ops import services

PG_GUIDANCE = (
    "Basis data ini PostgreSQL. Gunakan alat bawaan PostgreSQL, dengan berkas yang hanya dapat dibaca pemiliknya:\n"
    "  cadangan:  umask 077; mkdir -p backups; pg_dump --format=custom --file=backups/cermin-$(date +%Y%m%d).dump \"$DATABASE_URL\"\n"
    "  pemulihan: pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" FILE.dump\n"
    "(Ganti awalan postgresql+psycopg:// menjadi postgresql:// untuk alat baris perintah.) Cadangan pg_dump tidak\n"
    "dijangkau `purge`: simpan paling lama selama masa simpan saran instansi, lalu hapus. Lihat docs/deploy.md."
)
PG_PURGE_NOTE = ("Cadangan pg_dump tidak dijangkau `purge`: hapus cadangan yang lebih tua dari masa simpan saran "
                 "(lihat docs/deploy.md).")


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Berkas tujuan (bawaan: instance/backups/cermin-WAKTU.sqlite).")
def backup(output: Path | None) -> None:
    """Make a consistent online backup of the embedded SQLite database (PostgreSQL: prints pg_dump guidance)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if services.sqlite_path(url) is None:
        click.echo(PG_GUIDANCE)
        raise SystemExit(2)
    instance_path = Path(current_app.instance_path)
    target = output or services.default_backup_name(instance_path)
    try:
        services.backup_sqlite(url, target, default_folder=services.backup_folder(instance_path))
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
@click.option("--backups", "folders", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder cadangan lain yang juga dibersihkan (selain instance/backups); boleh diulang.")
def purge(dry_run: bool, folders: tuple[Path, ...]) -> None:
    """Delete free-text comments and respondent profiles older than each instansi's retention period,
    in the database and in every SQLite backup (instance/backups and each --backups folder)."""
    summary = services.purge(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        services.checkpoint_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"])
    verb = "akan dihapus" if dry_run else "dihapus"
    click.echo(f"Saran {verb}: {summary.comments}; profil responden {verb}: {summary.profiles}; "
               f"komentar ulasan 360 {verb}: {summary.review_comments}.")
    if services.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"]) is None:
        click.echo(PG_PURGE_NOTE)
    failed = False
    for folder in (services.backup_folder(Path(current_app.instance_path)), *folders):
        for result in services.purge_backups(folder, dry_run=dry_run):
            if result.problem is not None:
                failed = True
                click.echo(f"Cadangan {result.path}: TIDAK dibersihkan. {say(result.problem)}", err=True)
                continue
            found = result.summary
            click.echo(f"Cadangan {result.path}: saran {verb}: {found.comments}; profil responden {verb}: "
                       f"{found.profiles}; komentar ulasan 360 {verb}: {found.review_comments}.")
    if failed:
        raise SystemExit(1)


commands = (backup, restore, purge)
