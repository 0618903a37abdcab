"""The employee import in two steps: a preview of what will be added, changed (field by field) and
deactivated, then the apply, only from the preview's confirming POST.

The preview runs the real import (portal/org/services.import_employees) inside a savepoint and
rolls it back, so it shows exactly what the apply will do, bad rows and supervisor loops included,
and writes nothing. The uploaded file is kept in the instance folder under its SHA-256 until it is
applied; the confirming POST carries that SHA-256 and a signed digest of the preview. When the
organisation has changed since, so that the same file would now do something else, the apply is
refused (409) with the new preview, and nothing is written.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.org import services
from portal.org.models import Employee, Instansi, Unit
from portal.tabular import read_table

#: The columns the import reads, in the order of the template (docs/reference.md).
TEMPLATE_HEADER = ["nip", "nama", "unit", "jabatan", "nip_atasan", "email", "aktif", "job_group"]
#: The fields a preview compares, with their labels (msgids; translated where shown).
FIELDS = {"name": "Nama", "jabatan": "Jabatan", "unit": "Unit kerja", "supervisor": "NIP atasan",
          "email": "Email", "active": "Aktif", "job_group": "Kelompok jabatan"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Change:
    nip: str
    name: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)  # (field, before, after)


@dataclass
class Preview:
    sha256: str
    added: list[dict]
    changed: list[Change]
    deactivated: list[Change]
    unchanged: int

    def canonical(self) -> str:
        return json.dumps({
            "added": self.added,
            "changed": [[c.nip, [list(f) for f in c.fields]] for c in self.changed],
            "deactivated": [c.nip for c in self.deactivated],
            "unchanged": self.unchanged,
        }, sort_keys=True, default=str)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed)


def _snapshot(instansi_id: int) -> dict[str, dict]:
    employees = db.session.scalars(select(Employee).where(Employee.instansi_id == instansi_id)).all()
    units = {u.id: u.code for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi_id))}
    by_id = {e.id: e for e in employees}
    return {e.nip: {"name": e.name, "jabatan": e.jabatan, "unit": units.get(e.unit_id),
                    "supervisor": by_id[e.supervisor_id].nip if e.supervisor_id in by_id else None,
                    "email": e.email, "active": e.active, "job_group": e.job_group}
            for e in employees}


def preview(instansi: Instansi, data: bytes, *, actor) -> Preview:
    """What importing `data` would do now; raises what the import raises (ImportRejected with every
    bad row, OrgError, TableError). Writes nothing."""
    table = read_table(data, services.EMPLOYEE_ALIASES)
    before = _snapshot(instansi.id)
    savepoint = db.session.begin_nested()
    try:
        services.import_employees(instansi, table, actor=actor)
        db.session.flush()
        after = _snapshot(instansi.id)
    finally:
        savepoint.rollback()
    db.session.expire_all()
    added, changed, deactivated, unchanged = [], [], [], 0
    imported = {validated for validated in (_nip(cells.get("nip", "")) for _n, cells in table.rows) if validated}
    for nip in sorted(after):
        new = after[nip]
        old = before.get(nip)
        if old is None:
            added.append({"nip": nip, **{k: new[k] for k in FIELDS}})
            continue
        fields = [(k, old[k], new[k]) for k in FIELDS if old[k] != new[k]]
        if fields:
            change = Change(nip, new["name"], fields)
            changed.append(change)
            if old["active"] and not new["active"]:
                deactivated.append(change)
        elif nip in imported:
            unchanged += 1
    return Preview(hashlib.sha256(data).hexdigest(), added, changed, deactivated, unchanged)


def _nip(text: str) -> str | None:
    try:
        return services.validate_nip(text)
    except services.InvalidNip:
        return None


# --- the file kept between preview and apply, and the signed digest ------------------------------

def _folder(instansi_id: int) -> Path:
    folder = Path(current_app.instance_path) / "employee-imports" / str(instansi_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(instansi_id: int, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (_folder(instansi_id) / digest).write_bytes(data)
    return digest


def kept(instansi_id: int, sha256: str) -> bytes | None:
    """The kept file with this SHA-256, or None (unknown, malformed, or altered)."""
    if not _SHA256.match(sha256 or ""):
        return None
    path = _folder(instansi_id) / sha256
    if not path.is_file():
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def forget(instansi_id: int, sha256: str) -> None:
    if _SHA256.match(sha256 or ""):
        (_folder(instansi_id) / sha256).unlink(missing_ok=True)


def signature(instansi_id: int, user_id: int, result: Preview) -> str:
    """HMAC of the preview (with the instansi, the user and the file's SHA-256) under the app's key."""
    message = f"employee-import|{instansi_id}|{user_id}|{result.sha256}|{result.canonical()}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def matches(instansi_id: int, user_id: int, result: Preview, signed: str) -> bool:
    return hmac.compare_digest(signature(instansi_id, user_id, result), signed or "")


def template_csv() -> str:
    """The import's template: its header only (one row per employee below it)."""
    import io

    from portal.tabular import write_csv

    stream = io.StringIO()
    write_csv(stream, TEMPLATE_HEADER, [])
    return stream.getvalue()
