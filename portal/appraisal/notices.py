"""Mail about a record's confirmation and its objection, queued in the outbox with the request's
transaction and sent after it by the mail worker (`mail-worker`). Written in Indonesian, like the
portal's other mail; someone without an email address reads the same on their record page."""
from __future__ import annotations

from babel.dates import format_date

from portal import base_url
from portal.appraisal import window
from portal.appraisal.models import AppraisalObjection, AppraisalRecord
from portal.mail import services as mail
from portal.org.models import Employee


def record_url(record: AppraisalRecord) -> str:
    return f"{base_url.configured()}/penilaian/catatan/{record.id}"


def objection_url(objection: AppraisalObjection) -> str:
    return f"{base_url.configured()}/penilaian/keberatan/{objection.id}"


def _send(record: AppraisalRecord, to: Employee | None, subject: str, body: str) -> None:
    if to is not None and to.email:
        mail.queue(instansi_id=record.period.instansi_id, recipient=to.email, subject=subject, body=body)


def _day(value) -> str:
    return format_date(value, "d MMMM yyyy", locale="id")


def confirmed(record: AppraisalRecord) -> None:
    """The employee learns the confirmed result and until when they may object."""
    employee = record.employee
    _send(record, employee, f"Penilaian kinerja Anda dikonfirmasi: {record.period.name}", (
        f"Yth. {employee.name},\n\n"
        f"Pejabat Penilai Anda telah mengonfirmasi penilaian kinerja periode \"{record.period.name}\" "
        f"dengan predikat {record.predikat}.\n\n"
        f"Bila Anda tidak sependapat, Anda dapat mengajukan keberatan beserta alasannya kepada Atasan "
        f"Pejabat Penilai paling lambat {_day(window.deadline(record))} (PP 30/2019 Pasal 59), melalui "
        f"catatan Anda:\n{record_url(record)}\n"))


def objection_filed(objection: AppraisalObjection) -> None:
    """The Atasan Pejabat Penilai has an objection to decide; the penilai will be asked to explain."""
    record = objection.record
    employee = record.employee
    _send(record, record.atasan_penilai, f"Keberatan atas penilaian kinerja: {employee.name}", (
        f"Yth. {record.atasan_penilai.name if record.atasan_penilai else ''},\n\n"
        f"{employee.name} mengajukan keberatan atas penilaian kinerja periode \"{record.period.name}\". "
        f"Sebagai Atasan Pejabat Penilai, mintalah penjelasan Pejabat Penilai dan pegawai, lalu putuskan "
        f"keberatan ini beserta alasannya:\n{objection_url(objection)}\n"))
    _send(record, record.penilai, f"Keberatan atas penilaian yang Anda konfirmasi: {employee.name}", (
        f"Yth. {record.penilai.name if record.penilai else ''},\n\n"
        f"{employee.name} mengajukan keberatan atas penilaian kinerja periode \"{record.period.name}\" yang "
        f"Anda konfirmasi. Atasan Pejabat Penilai akan meminta penjelasan Anda sebelum memutuskannya.\n"))


def objection_decided(objection: AppraisalObjection) -> None:
    """The employee and the penilai learn the final result."""
    record = objection.record
    text = (f"Keberatan atas penilaian kinerja {record.employee.name} periode \"{record.period.name}\" telah "
            f"diputuskan oleh Atasan Pejabat Penilai. Predikat akhir: {record.predikat}. Hasil ini final.\n\n"
            f"{record_url(record)}\n")
    for person in (record.employee, record.penilai):
        if person is not None:
            _send(record, person, f"Keputusan keberatan: {record.period.name}", f"Yth. {person.name},\n\n{text}")
