"""The audit log's action codes and their labels, as the Log audit page shows them.

A code is stable: checks outside the portal read it. A feature that records a new code adds its
label here (or calls `register_action` from its own module); an unknown code shows as itself.
"""
from __future__ import annotations

from flask_babel import gettext

from surveys.i18n import N_

ACTION_LABELS: dict[str, str] = {
    # families (the filter offers every prefix of a code)
    "org": N_("Organisasi"),
    "org.employee": N_("Data pegawai"),
    "org.roster": N_("Jadwal tugas"),
    "org.counter": N_("Loket"),
    "accounts": N_("Akun pengguna"),
    "accounts.user": N_("Akun"),
    "accounts.role": N_("Peran"),
    "api_token": N_("Token API"),
    "appraisal": N_("Catatan penilaian"),
    "feedback": N_("Tanggapan warga"),
    "feedback.hold": N_("Tanggapan yang ditahan"),
    "feedback.batch": N_("Batch survei kertas"),
    "appraisal.period": N_("Periode penilaian"),
    "appraisal.settings": N_("Pengaturan periode"),
    "appraisal.objection": N_("Keberatan"),
    "reviews": N_("Ulasan 360"),
    "reviews.rater": N_("Penilai ulasan 360"),
    "reviews.raters": N_("Daftar penilai ulasan 360"),
    # org chart
    "org.employee.create": N_("Pegawai ditambahkan"),
    "org.employee.supervisor": N_("Atasan langsung diubah"),
    "org.employee.unit": N_("Unit kerja diubah"),
    "org.employee.job_group": N_("Kelompok jabatan diubah"),
    "org.employee.active": N_("Status aktif diubah"),
    "org.employee.unit_head": N_("Kepala unit diubah"),
    # duty roster
    "org.roster.add": N_("Jadwal tugas ditambahkan"),
    "org.roster.change": N_("Jadwal tugas diubah"),
    "org.roster.end": N_("Jadwal tugas diakhiri"),
    "org.roster.remove": N_("Jadwal tugas dihapus"),
    # a loket's plausible rate of web responses
    "org.counter.rate_limit": N_("Batas wajar loket diubah"),
    # held responses and paper batches (docs/integrity.md)
    "feedback.hold.release": N_("Tanggapan ditahan dilepaskan"),
    "feedback.hold.reject": N_("Tanggapan ditahan ditolak"),
    "feedback.batch.upload": N_("Batch survei kertas diunggah"),
    "feedback.batch.verify": N_("Batch survei kertas diverifikasi"),
    "feedback.batch.withdraw": N_("Batch survei kertas ditarik"),
    # accounts and roles
    "accounts.user.create": N_("Akun dibuat"),
    "accounts.user.activate": N_("Akun diaktifkan"),
    "accounts.user.deactivate": N_("Akun dinonaktifkan"),
    "accounts.user.password_reset": N_("Kata sandi diatur admin"),
    "accounts.role.grant": N_("Peran diberikan"),
    "accounts.role.revoke": N_("Peran dicabut"),
    # API tokens
    "api_token.issue": N_("Token API dibuat"),
    "api_token.revoke": N_("Token API dicabut"),
    # the appraisal record audit (audit_entry), shown as appraisal.<action>
    "appraisal.merge": N_("Dihitung dari data"),
    "appraisal.hasil_kerja": N_("Hasil kerja dinilai"),
    "appraisal.confirm": N_("Dikonfirmasi"),
    "appraisal.finalise": N_("Difinalkan"),
    "appraisal.reopen": N_("Dibuka kembali"),
    "appraisal.return_to_draft": N_("Dikembalikan ke draf"),
    "appraisal.reassign": N_("Pejabat Penilai dialihkan"),
    "appraisal.objection.waive": N_("Hak keberatan dilepaskan"),
    "appraisal.objection.decide": N_("Keberatan diputuskan"),
    "appraisal.settings.pin": N_("Tetap pada pengaturan lama"),
    # appraisal periods and their settings (audit_event)
    "appraisal.period.create": N_("Periode penilaian dibuat"),
    "appraisal.period.update": N_("Pengaturan periode diubah"),
    "appraisal.settings.propose": N_("Perubahan pengaturan diusulkan"),
    "appraisal.settings.approve": N_("Perubahan pengaturan disetujui"),
    "appraisal.settings.reject": N_("Perubahan pengaturan ditolak"),
    "appraisal.settings.withdraw": N_("Usulan perubahan pengaturan ditarik"),
    # objections (audit_event; the waiver and the decision change the record)
    "appraisal.objection.file": N_("Keberatan diajukan"),
    "appraisal.objection.explain": N_("Penjelasan keberatan dicatat"),
    # 360 raters
    "reviews.rater.add": N_("Penilai ditambahkan"),
    "reviews.rater.remove": N_("Penilai dihapus"),
    "reviews.rater.nominate": N_("Penilai dinominasikan"),
    "reviews.rater.approve": N_("Nominasi penilai disetujui"),
    "reviews.rater.withdraw": N_("Nominasi penilai ditarik"),
    "reviews.raters.propose": N_("Penilai diusulkan dari struktur organisasi"),
}


def register_action(code: str, label: str) -> None:
    """Name a feature's own action code (label marked with N_, translated when shown)."""
    ACTION_LABELS[code] = label


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return gettext(label) if label else code
