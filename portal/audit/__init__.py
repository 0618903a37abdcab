"""The instansi-wide, append-only audit log of every change that can move a score.

Features record their changes with `portal.audit.record(...)`; HR, admins and auditors read
the log on the Log audit page (`/audit/`) and with `flask --app portal audit`.
"""
from portal.audit.services import actor_columns, record, snapshot

__all__ = ["actor_columns", "record", "snapshot"]
