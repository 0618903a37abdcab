"""Importing the rating hasil kerja from a table (nip, rating), all or nothing."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.appraisal import permissions
from portal.appraisal.errors import AppraisalError
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.appraisal.workflow import STATUS_LABELS, set_hasil_kerja
from portal.extensions import db
from portal.org.services import ImportRejected, ImportSummary, RowProblem
from portal.tabular import Table
from surveys import appraisal
from surveys.appraisal import Rating
from surveys.errors import InvalidValue
from surveys.i18n import N_

HASIL_KERJA_ALIASES = {"nip_baru": "nip", "penilaian": "rating", "rating_hasil_kerja": "rating",
                       "hasil_kerja": "rating", "predikat_hasil_kerja": "rating"}


def import_hasil_kerja(period: AppraisalPeriod, table: Table, user) -> ImportSummary:
    """Set the rating hasil kerja from a table (columns nip, rating), all or nothing.

    A supervisor may only rate the records they decide; HR may rate anyone of the period but
    themself. Nobody rates their own record.
    Raises ImportRejected listing every bad row.
    """
    missing = [c for c in ("nip", "rating") if c not in table.header]
    if missing:
        raise AppraisalError(N_("Kolom wajib tidak ada: %(columns)s."), {"columns": ", ".join(missing)})
    records = {r.employee.nip: r for r in db.session.scalars(
        select(AppraisalRecord).options(selectinload(AppraisalRecord.employee))
        .where(AppraisalRecord.period_id == period.id))}
    problems: list[RowProblem] = []
    planned: list[tuple[AppraisalRecord, Rating]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        nip = cells.get("nip", "").replace(" ", "")
        record = records.get(nip)
        if not nip:
            problems.append(RowProblem(number, N_("NIP wajib diisi.")))
            continue
        if nip in seen:
            problems.append(RowProblem(number, N_("NIP %(nip)s sudah muncul di baris %(other)d."),
                                       {"nip": nip, "other": seen[nip]}))
            continue
        seen[nip] = number
        if record is None:
            problems.append(RowProblem(number, N_("NIP %(nip)s tidak mempunyai catatan pada periode ini."), {"nip": nip}))
            continue
        if permissions.is_own_record(user, record):
            problems.append(RowProblem(number, permissions.OWN_RECORD))
            continue
        if not permissions.is_hr(user) and not permissions.is_pejabat_penilai(user, record):
            problems.append(RowProblem(number, N_("%(name)s bukan pegawai yang Anda nilai."), {"name": record.employee.name}))
            continue
        if record.status != "draft":
            problems.append(RowProblem(number, N_("Catatan %(name)s sudah %(status)s; hasil kerja tidak dapat diubah."),
                                       {"name": record.employee.name, "status": STATUS_LABELS[record.status]}))
            continue
        try:
            rating = appraisal.parse_rating(cells.get("rating", ""))
        except InvalidValue as error:
            problems.append(RowProblem(number, error.message, error.params))
            continue
        planned.append((record, rating))
    if problems:
        raise ImportRejected(problems)
    summary = ImportSummary()
    for record, rating in planned:
        if record.rating_hasil_kerja == rating.value:
            summary.unchanged += 1
        else:
            set_hasil_kerja(record, user, rating)
            summary.updated += 1
    return summary
