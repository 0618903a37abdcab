"""The appraisal record's audit log: every change to a record, append-only, with the changed
fields before and after, the reason and who made it."""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from portal import clock
from portal.appraisal.models import AppraisalRecord, AuditEntry
from portal.extensions import db
from surveys.i18n import N_

#: Fields left out of the audit log's before/after: derived wording, rebuilt from the figures.
NOT_AUDITED = frozenset({"explanation"})
AUDIT_FIELDS = ("instansi_id", "record_id", "action", "before", "after", "reason", "user_id", "at")


def _same(stored: object, computed: object) -> bool:
    if isinstance(stored, Decimal) and isinstance(computed, Decimal):
        return stored.compare(computed) == 0
    return stored == computed


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot audit {type(value).__name__}")


def audit_values(before: Mapping[str, object], after: Mapping[str, object]) -> tuple[str, str]:
    """The before and after JSON of an audit entry (the development areas as JSON, not text)."""
    def dump(values: Mapping[str, object]) -> str:
        data = {k: v for k, v in values.items() if k not in NOT_AUDITED}
        if isinstance(data.get("development"), str):
            data["development"] = json.loads(data["development"])
        return json.dumps(data, default=_json_value, sort_keys=True, ensure_ascii=False)
    return dump(before), dump(after)


def audit_row(instansi_id: int, record_id: int, action: str, before: str, after: str, reason: str | None,
              user_id: int | None, at: datetime) -> tuple:
    """An audit entry's columns, in the order of AUDIT_FIELDS."""
    return (instansi_id, record_id, action, before, after, reason, user_id, at)


def change(record: AppraisalRecord, action: str, user, changes: Mapping[str, object],
           reason: str | None = None) -> AuditEntry:
    """Apply ``changes`` to the record and write the audit entry with the changed fields."""
    before = {k: getattr(record, k) for k, v in changes.items() if not _same(getattr(record, k), v)}
    after = {k: changes[k] for k in before}
    for name, value in changes.items():
        setattr(record, name, value)
    return _entry(record, action, user, before, after, reason)


def note(record: AppraisalRecord, action: str, user, after: Mapping[str, object],
         reason: str | None = None) -> AuditEntry:
    """An audit entry about the record that changes none of its fields."""
    return _entry(record, action, user, {}, after, reason)


def _entry(record: AppraisalRecord, action: str, user, before: Mapping[str, object], after: Mapping[str, object],
           reason: str | None) -> AuditEntry:
    before_json, after_json = audit_values(before, after)
    entry = AuditEntry(instansi_id=record.period.instansi_id, record_id=record.id, action=action,
                       before=before_json, after=after_json, reason=reason, user_id=getattr(user, "id", None),
                       at=clock.now())
    db.session.add(entry)
    db.session.flush()
    return entry


def audit_log(record: AppraisalRecord) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)
                                   .order_by(AuditEntry.at, AuditEntry.id)))


ACTION_LABELS = {
    "merge": N_("Dihitung dari data"), "hasil_kerja": N_("Hasil kerja dinilai"), "confirm": N_("Dikonfirmasi"),
    "finalise": N_("Difinalkan"), "reopen": N_("Dibuka kembali"), "return_to_draft": N_("Dikembalikan ke draf"),
    "reassign": N_("Pejabat Penilai dialihkan"), "objection.waive": N_("Hak keberatan dilepaskan"),
    "objection.decide": N_("Keberatan diputuskan"), "settings.pin": N_("Tetap pada pengaturan lama"),
}
