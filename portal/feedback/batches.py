"""Paper batches: where every paper row came from, and the second pair of eyes before it counts.

An upload through the web makes a `pending` batch. Its rows count (in the IKM, dashboards,
public page and appraisal) only once a second user with the HR role, who is not the uploader,
verifies it. The operator's `import-responses` command makes a `trusted` batch that counts at
once. Any batch can be withdrawn as a whole, with a reason: its rows stay, marked `withdrawn`,
and leave every figure. Verification and withdrawal are written to the audit log.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from portal import audit, clock, events
from portal.extensions import db
from portal.feedback.models import PaperBatch, SkmResponse
from portal.feedback.services import add_to_rollups
from portal.org.models import Instansi
from portal.roles import HR
from surveys.errors import DomainError
from surveys.i18n import N_

MAX_REASON = 1000
#: Who stores a trusted batch when no one is signed in.
OPERATOR = "import-responses"


class BatchError(DomainError):
    """A batch action that the rules or the batch's state refuse."""


@dataclass(frozen=True)
class Upload:
    """Where a paper file comes from: the signed-in uploader (None for the operator's command), the
    file's name and bytes, and whether its rows count at once (the operator's path)."""

    uploader: object | None
    filename: str
    content: bytes
    trusted: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def label(self) -> str:
        return self.uploader.username if self.uploader is not None else OPERATOR


def start(instansi: Instansi, upload: Upload, row_count: int) -> PaperBatch:
    """The batch a file's rows are stored in (its `added` is set once they are)."""
    batch = PaperBatch(
        instansi_id=instansi.id, uploaded_by_id=upload.uploader.id if upload.uploader is not None else None,
        uploaded_by_label=upload.label, uploaded_at=clock.now(), filename=(upload.filename or "")[:200],
        sha256=upload.sha256, row_count=row_count, added=0, status="trusted" if upload.trusted else "pending",
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def finish(batch: PaperBatch, added: int, actor) -> PaperBatch | None:
    """Record how many rows the batch stored; a batch that stored none is not kept."""
    if added == 0:
        db.session.delete(batch)
        db.session.flush()
        return None
    batch.added = added
    audit.record("feedback.batch.upload", instansi_id=batch.instansi_id, actor=actor, obj=batch,
                 label=_label(batch), before=None,
                 after={"status": batch.status, "rows": added, "sha256": batch.sha256, "filename": batch.filename})
    db.session.flush()
    return batch


def _label(batch: PaperBatch) -> str:
    return f"{batch.filename or batch.sha256[:12]} ({batch.uploaded_by_label})"


def of_units(unit_ids: Collection[int], statuses: Collection[str] = ("pending",), limit: int = 100
             ) -> list[PaperBatch]:
    """Batches with a row at a loket of these units, in these statuses, newest first."""
    if not unit_ids:
        return []
    has_row = select(SkmResponse.id).where(SkmResponse.batch_id == PaperBatch.id,
                                           SkmResponse.unit_id.in_(list(unit_ids))).exists()
    return list(db.session.scalars(
        select(PaperBatch).where(PaperBatch.status.in_(list(statuses)), has_row)
        .order_by(PaperBatch.uploaded_at.desc(), PaperBatch.id.desc()).limit(limit)
    ))


def rows_of(batch: PaperBatch) -> list[SkmResponse]:
    return list(db.session.scalars(select(SkmResponse).where(SkmResponse.batch_id == batch.id)
                                   .order_by(SkmResponse.submitted_at, SkmResponse.id)))


def unit_ids_of(batch: PaperBatch) -> set[int]:
    return set(db.session.scalars(select(SkmResponse.unit_id).where(SkmResponse.batch_id == batch.id).distinct()))


def _names_user(batch: PaperBatch, user) -> bool:
    if user.employee_id is None:
        return False
    return bool(db.session.scalar(select(func.count(SkmResponse.id)).where(
        SkmResponse.batch_id == batch.id, SkmResponse.employee_id == user.employee_id)))


def may_verify(user, batch: PaperBatch) -> bool:
    """A second HR user: not the uploader, not an officer named in the batch."""
    return (user.has_role(HR) and user.instansi_id == batch.instansi_id and batch.status == "pending"
            and user.id != batch.uploaded_by_id and not _names_user(batch, user))


def may_withdraw(user, batch: PaperBatch) -> bool:
    """HR withdraws any batch; the uploader withdraws their own while it is pending."""
    if user.instansi_id != batch.instansi_id or batch.status == "withdrawn":
        return False
    return user.has_role(HR) or (batch.status == "pending" and user.id == batch.uploaded_by_id)


def verify(batch: PaperBatch, user, now: datetime | None = None) -> int:
    """Count the batch's rows from now on; returns how many."""
    if batch.status != "pending":
        raise BatchError(N_("Batch ini tidak menunggu verifikasi."))
    if not may_verify(user, batch):
        raise BatchError(N_("Batch diverifikasi oleh petugas BKPSDM (HR) kedua: bukan pengunggahnya, dan bukan "
                            "petugas yang disebut dalam batch."))
    rows = [r for r in rows_of(batch) if r.status == "pending"]
    db.session.execute(update(SkmResponse).where(SkmResponse.batch_id == batch.id, SkmResponse.status == "pending")
                       .values(status="counted"))
    add_to_rollups(rows)
    batch.status, batch.verified_by_id, batch.verified_at = "verified", user.id, now or clock.now()
    audit.record("feedback.batch.verify", instansi_id=batch.instansi_id, actor=user, obj=batch, label=_label(batch),
                 before={"status": "pending", "counted": 0}, after={"status": "verified", "counted": len(rows)})
    db.session.flush()
    events.responses_imported.send(db.session.get(Instansi, batch.instansi_id))
    return len(rows)


def withdraw(batch: PaperBatch, user, reason: str, now: datetime | None = None) -> int:
    """Take the whole batch out of every figure, rows kept and marked; returns how many rows."""
    reason = (reason or "").strip()
    if not reason:
        raise BatchError(N_("Tuliskan alasan penarikan batch."))
    if len(reason) > MAX_REASON:
        raise BatchError(N_("Alasan paling banyak %(max)d karakter."), {"max": MAX_REASON})
    if batch.status == "withdrawn":
        raise BatchError(N_("Batch ini sudah ditarik."))
    if not may_withdraw(user, batch):
        raise BatchError(N_("Batch ditarik oleh HR, atau oleh pengunggahnya selama belum diverifikasi."))
    rows = rows_of(batch)
    counted = [r for r in rows if r.status == "counted"]
    db.session.execute(update(SkmResponse).where(SkmResponse.batch_id == batch.id,
                                                 SkmResponse.status.in_(("counted", "pending")))
                       .values(status="withdrawn"))
    if counted:
        add_to_rollups(counted, sign=-1)
    before = batch.status
    batch.status, batch.withdrawn_by_id, batch.withdrawn_at, batch.withdraw_reason = (
        "withdrawn", user.id, now or clock.now(), reason)
    audit.record("feedback.batch.withdraw", instansi_id=batch.instansi_id, actor=user, obj=batch, label=_label(batch),
                 before={"status": before, "counted": len(counted)}, after={"status": "withdrawn", "counted": 0},
                 reason=reason)
    db.session.flush()
    return len(rows)
