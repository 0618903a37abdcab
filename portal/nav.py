"""The main menu: each feature registers its entries with the roles that see them."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.access import SIGNED_IN, is_read_only


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object
    description: object
    roles: frozenset[str]
    order: int


_ENTRIES: dict[str, NavEntry] = {}

ROLE_LABELS = {
    "admin": _l("Admin"),
    "hr": _l("HR (BKPSDM)"),
    "supervisor": _l("Atasan / Pejabat Penilai"),
    "employee": _l("Pegawai"),
    "auditor": _l("Auditor (Inspektorat)"),
}
#: What each role may do, shown where an admin grants roles.
ROLE_DESCRIPTIONS = {
    "admin": _l("Akun dan peran, token API, membuka kembali catatan penilaian yang sudah final."),
    "hr": _l("Data organisasi, dasbor, siklus 360, periode penilaian, penggabungan, finalisasi dan ekspor."),
    "supervisor": _l("Pejabat Penilai bawahan langsung; kepala unit juga mengelola loket dan dasbor unitnya."),
    "employee": _l("Mengisi ulasan 360, membaca laporan dan catatan penilaiannya sendiri."),
    "auditor": _l("Inspektorat: membaca semua halaman instansinya seperti HR (dasbor, laporan, 360, penilaian, "
                  "ekspor, organisasi, tindak lanjut, log audit); tidak dapat mengubah apa pun."),
}


def register(endpoint: str, label, description, *roles: str, order: int = 50) -> None:
    _ENTRIES[endpoint] = NavEntry(endpoint, label, description, frozenset(roles), order)


def visible_entries() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if SIGNED_IN in entry.roles or current_user.has_role(*entry.roles):
            url = url_for(entry.endpoint)
            items.append({
                "endpoint": entry.endpoint,
                "url": url,
                "label": entry.label,
                "description": entry.description,
                "active": request.endpoint == entry.endpoint,
            })
    return items


def role_labels(roles) -> str:
    return ", ".join(str(ROLE_LABELS[r]) for r in sorted(roles, key=list(ROLE_LABELS).index))


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def navigation():
        return {
            "nav_items": visible_entries,
            "role_labels": role_labels,
            "role_descriptions": lambda: [(ROLE_LABELS[r], ROLE_DESCRIPTIONS[r]) for r in ROLE_LABELS],
            "current_locale": lambda: str(get_locale() or "id"),
            "read_only": is_read_only(current_user),
        }
