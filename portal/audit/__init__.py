"""The instansi-wide, append-only audit trail of every change that can move a score.

A leaf: features record their changes with `portal.audit.record(...)`, and it imports none of
them. HR, admins and auditors read the trail through `portal.audit_log` (the Log audit page
`/audit/` and `flask --app portal audit`).
"""
from portal.audit.services import actor_columns, record, snapshot

__all__ = ["actor_columns", "record", "snapshot"]
