"""A throwaway PostgreSQL server for tests and benchmarks: initdb and pg_ctl in a temporary folder."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One cluster on a loopback port; `url(dbname)` gives SQLAlchemy URLs for it."""

    def __init__(self, base: Path, port: int, as_user: list[str]):
        self.base = base
        self.data = base / "data"
        self.port = port
        self._as_user = as_user

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as_user, *args], check=True, capture_output=True, text=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new, empty database (or a copy of `template`, which nobody may be connected to)."""
        import psycopg

        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def pid(self) -> int:
        """The postmaster's process id (the first line of postmaster.pid)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self._as_user, _binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                       capture_output=True, text=True)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.run(_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w", "start")


@contextmanager
def postgres_server():
    """Start a cluster for the duration of the block; raise PostgresUnavailable if we cannot."""
    initdb = _binary("initdb")
    if not initdb or not _binary("pg_ctl"):
        raise PostgresUnavailable("initdb/pg_ctl not found (install PostgreSQL server binaries)")
    base = Path(tempfile.mkdtemp(prefix="cermin-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the cluster as the postgres user.
        if not shutil.which("runuser"):
            raise PostgresUnavailable("running as root and runuser is missing")
        shutil.chown(base, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(base, _free_port(), as_user)
    try:
        try:
            server.run(initdb, "-D", str(server.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
                       "--locale=C")
            server.start()
        except (subprocess.CalledProcessError, OSError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            raise PostgresUnavailable(f"could not start PostgreSQL: {detail.strip()[:500]}") from error
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


def scratch_database(database_url: str, folder: Path, name: str) -> str:
    """The URL of an empty database beside the suite's own: a new PostgreSQL database `name` on the
    same server (dropped first if it is there), or a SQLite file `name`.sqlite in `folder`."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{folder / f'{name}.sqlite'}"
    from sqlalchemy import create_engine, text

    server = database_url.rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"
