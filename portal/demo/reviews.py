"""The demo's 360 reviews, made through the review services the way HR and the raters would.

- "Ulasan 360 Tahunan <year>" (BKPSDM, Dukcapil, DPMPTSP) ran about two months ago and is
  released. Most raters answered, a few chose "tidak dapat menilai", some left comments. The
  demo `pegawai` has a report with visible atasan and rekan groups, a blind spot (Kompeten) and a
  hidden strength (Harmonis); two reviewees have a group left out under the threshold (the head
  of Pencatatan Sipil's bawahan, and one DPMPTSP front-office officer's rekan).
- "Ulasan 360 Triwulan <quarter> <year>" (Dukcapil) opened three days ago and runs for a month;
  about a third has answered, and `pegawai` and `atasan` still have reviews to fill in.

Everything is dated back from the demo's `today` and comes from one seeded `random.Random`, so a
fresh demo always tells the same story; the cycles are named after the year and quarter they
opened in.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.org.models import Employee, Instansi, Unit
from portal.reviews import raters, services
from portal.reviews.models import ReviewCycle, ReviewExpectation, ReviewInvitation
from surveys import berakhlak

SEED = 20261122
RELEASED_UNITS = ("BKPSDM", "DUKCAPIL", "DPMPTSP")
OPEN_UNITS = ("DUKCAPIL",)
QUARTERS = ("I", "II", "III", "IV")

#: How each group tends to rate, on top of the reviewee's own level.
GROUP_BIAS = {"diri": 0.3, "atasan": -0.15, "rekan": 0.0, "bawahan": 0.1}
#: Chance of "tidak dapat menilai" per item; items that are hard to observe get three times as much.
CANNOT_RATE = {"diri": 0.0, "atasan": 0.02, "rekan": 0.06, "bawahan": 0.07}
HARD_TO_OBSERVE = {("AKUNTABEL", 1), ("LOYAL", 2)}
#: Chance that a rater comments on a value.
COMMENT_RATE = {"diri": 0.12, "atasan": 0.4, "rekan": 0.22, "bawahan": 0.28}

#: The demo pegawai's story: how others see them, and how they see themselves.
PEGAWAI_LEVELS = {"BERORIENTASI_PELAYANAN": 4.5, "AKUNTABEL": 4.0, "KOMPETEN": 3.1, "HARMONIS": 4.6,
                  "LOYAL": 4.1, "ADAPTIF": 3.8, "KOLABORATIF": 4.0}
PEGAWAI_SELF = {"KOMPETEN": 5.2, "HARMONIS": 2.4}

EXPECTATIONS = {
    "BERORIENTASI_PELAYANAN": "Menyelesaikan perekaman KTP-el paling lama 15 menit per pemohon dan menjelaskan "
                              "status berkas dengan bahasa yang mudah dipahami.",
    "KOMPETEN": "Menguasai pembaruan aplikasi SIAK Terpusat dan membimbing petugas loket yang baru bergabung.",
    "ADAPTIF": "Siap bertugas di layanan jemput bola (perekaman keliling) bila dibutuhkan.",
}
OTHER_EXPECTATIONS = [
    ("AKUNTABEL", "Laporan kinerja bulanan bidang diserahkan tepat waktu, paling lambat tanggal 5."),
    ("KOLABORATIF", "Menjadi penghubung dengan DPMPTSP untuk layanan terpadu di Mal Pelayanan Publik."),
    ("BERORIENTASI_PELAYANAN", "Menindaklanjuti setiap pengaduan layanan paling lama tiga hari kerja."),
]

PRAISE = {
    "BERORIENTASI_PELAYANAN": ["Sabar menjelaskan persyaratan kepada warga, termasuk yang datang berkali-kali.",
                               "Cekatan di loket; antrean pagi cepat terurai.",
                               "Selalu menawarkan solusi ketika berkas warga belum lengkap."],
    "AKUNTABEL": ["Pekerjaan rapi dan tercatat dengan baik.", "Disiplin waktu dan bisa dipercaya memegang berkas.",
                  "Teliti memeriksa data sebelum dicetak."],
    "KOMPETEN": ["Menguasai aplikasi dan sering membantu rekan yang kesulitan.",
                 "Cepat belajar hal baru dan mau berbagi ilmu.", "Hasil kerjanya jarang perlu diperbaiki."],
    "HARMONIS": ["Ramah kepada semua orang dan menyenangkan diajak bekerja.",
                 "Suka membantu tanpa diminta.", "Menjaga suasana kerja tetap tenang di saat sibuk."],
    "LOYAL": ["Menjaga kerahasiaan data penduduk dengan baik.", "Selalu menjaga nama baik kantor di depan warga."],
    "ADAPTIF": ["Cepat menyesuaikan diri saat ada perubahan prosedur.",
                "Punya ide-ide baru untuk mempercepat layanan."],
    "KOLABORATIF": ["Terbuka bekerja sama dengan bidang lain.", "Mudah diajak berbagi beban kerja saat antrean panjang."],
}
ADVICE = {
    "BERORIENTASI_PELAYANAN": ["Kadang terburu-buru menjelaskan; warga lanjut usia perlu penjelasan lebih pelan.",
                               "Perlu lebih konsisten memberi kabar bila berkas tertunda."],
    "AKUNTABEL": ["Laporan sering terlambat beberapa hari.", "Catatan serah terima berkas perlu lebih lengkap."],
    "KOMPETEN": ["Perlu lebih banyak pelatihan aplikasi versi terbaru.",
                 "Masih sering bertanya untuk kasus yang sama; perlu membuat catatan sendiri.",
                 "Sebaiknya ikut bimtek pencatatan sipil berikutnya."],
    "HARMONIS": ["Kadang kurang sabar dengan rekan baru.", "Perlu lebih sering menyapa rekan di luar bidangnya."],
    "LOYAL": ["Perlu lebih berhati-hati membicarakan pekerjaan di media sosial."],
    "ADAPTIF": ["Masih enggan mencoba cara kerja baru.", "Perlu lebih proaktif, tidak menunggu arahan."],
    "KOLABORATIF": ["Lebih baik melibatkan rekan sejak awal, tidak bekerja sendiri.",
                    "Rapat koordinasi sering tidak dihadiri."],
}
SELF_NOTES = ["Saya masih perlu belajar di bagian ini.", "Saya berusaha konsisten setiap hari.",
              "Target saya tahun depan: lebih baik lagi di sini."]


def released_name(today: date) -> str:
    """The released cycle's name, for a demo built on `today`."""
    return f"Ulasan 360 Tahunan {released_opens(today).year}"


def released_opens(today: date) -> date:
    return today - timedelta(days=58)


def open_name(today: date) -> str:
    """The open cycle's name, for a demo built on `today`."""
    opens = today - timedelta(days=3)
    return f"Ulasan 360 Triwulan {QUARTERS[(opens.month - 1) // 3]} {opens.year}"


def seed_reviews(instansi: Instansi, today: date) -> None:
    """Add the demo's released and open 360 cycles, dated back from `today`, unless the instansi
    has a cycle already."""
    if db.session.scalar(select(ReviewCycle.id).where(ReviewCycle.instansi_id == instansi.id).limit(1)):
        return
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))}
    if not set(RELEASED_UNITS) <= set(units):
        return
    rng = random.Random(SEED)
    _released_cycle(instansi, units, today, rng)
    _open_cycle(instansi, units, today, rng)


def _at(instansi: Instansi, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), instansi.tz).astimezone(timezone.utc)


def _account_employee(instansi: Instansi, username: str) -> Employee | None:
    user = db.session.scalar(select(User).where(User.instansi_id == instansi.id, User.username == username))
    return user.employee if user else None


def _by_jabatan(unit: Unit, jabatan: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(Employee.unit_id == unit.id, Employee.jabatan == jabatan)
                             .order_by(Employee.id).limit(1))


def _expect(cycle: ReviewCycle, reviewee: Employee, value_code: str, text: str) -> None:
    """The ekspektasi khusus pimpinan, set by the reviewee's supervisor."""
    set_by = db.session.scalar(select(User.id).where(User.employee_id == reviewee.supervisor_id))
    db.session.add(ReviewExpectation(cycle_id=cycle.id, reviewee_id=reviewee.id, value_code=value_code, text=text,
                                     set_by_id=set_by))


def _invitations(cycle: ReviewCycle) -> list[ReviewInvitation]:
    return list(db.session.scalars(select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)
                                   .order_by(ReviewInvitation.id)))


class _Raters:
    """Generates plausible answers: each reviewee has a level per value, each group and rater a bias."""

    def __init__(self, cycle: ReviewCycle, rng: random.Random, pegawai: Employee | None):
        self.rng = rng
        self.values = services.values_of(cycle.questionnaire)
        self.pegawai_id = pegawai.id if pegawai else None
        self.levels: dict[int, dict[str, float]] = {}
        #: Comments already given per (reviewee, value): raters do not repeat each other word for word.
        self.said: dict[tuple[int, str], set[str]] = {}

    def _level(self, reviewee_id: int, code: str) -> float:
        if reviewee_id not in self.levels:
            base = self.rng.uniform(3.4, 4.2)
            self.levels[reviewee_id] = (dict(PEGAWAI_LEVELS) if reviewee_id == self.pegawai_id else
                                        {c: base + self.rng.uniform(-0.5, 0.5) for c, _n, _i in self.values})
        return self.levels[reviewee_id][code]

    def answers(self, invitation: ReviewInvitation) -> services.Answers:
        group, rng = invitation.rater_group, self.rng
        rater_bias = GROUP_BIAS[group] + rng.gauss(0, 0.25)
        story = invitation.reviewee_id == self.pegawai_id
        scores, comments = {}, {}
        for code, _name, items in self.values:
            level = self._level(invitation.reviewee_id, code) + rater_bias
            if story and group == "diri":
                level = PEGAWAI_SELF.get(code, level)
            value_scores = []
            for index, item in enumerate(items):
                chance = CANNOT_RATE[group] * (3 if (code, index) in HARD_TO_OBSERVE else 1)
                if rng.random() < chance:
                    scores[item.id] = None
                    continue
                score = min(berakhlak.SCALE_MAX, max(berakhlak.SCALE_MIN, round(level + rng.gauss(0, 0.45))))
                scores[item.id] = score
                value_scores.append(score)
            if value_scores and rng.random() < COMMENT_RATE[group]:
                comment = self._comment(invitation.reviewee_id, group, code, sum(value_scores) / len(value_scores))
                if comment:
                    comments[code] = comment
        return services.Answers(scores, comments)

    def _comment(self, reviewee_id: int, group: str, code: str, mean: float) -> str | None:
        pool = SELF_NOTES if group == "diri" else PRAISE[code] if mean >= 3.75 else ADVICE[code]
        said = self.said.setdefault((reviewee_id, code), set())
        fresh = [text for text in pool if text not in said]
        if not fresh:
            return None
        text = self.rng.choice(fresh)
        said.add(text)
        return text


def _released_cycle(instansi: Instansi, units: dict[str, Unit], today: date, rng: random.Random) -> None:
    opens = released_opens(today)
    closes = opens + timedelta(days=27)
    cycle = services.create_cycle(instansi, name=released_name(today), period_kind="tahunan", opens_on=opens,
                                  closes_on=closes, unit_ids=[units[c].id for c in RELEASED_UNITS])
    raters.propose_raters(cycle)
    pegawai = _account_employee(instansi, "pegawai")
    if pegawai is not None:
        for code, text in EXPECTATIONS.items():
            _expect(cycle, pegawai, code, text)
    leaders = [_by_jabatan(units["DUKCAPIL"], "Kepala Bidang Pelayanan Pendaftaran Penduduk"),
               _by_jabatan(units["DPMPTSP"], "Kepala Bidang Pelayanan Perizinan"),
               _by_jabatan(units["DUKCAPIL"], "Kepala Bidang Pelayanan Pencatatan Sipil")]
    for leader, (code, text) in zip(leaders, OTHER_EXPECTATIONS):
        if leader is not None:
            _expect(cycle, leader, code, text)

    last_mail = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    services.transition(cycle, "open", instansi, now=_at(instansi, opens, 8))
    # The story's hidden groups: exactly two answers, one short of the threshold.
    short = {}
    if leaders[2] is not None:
        short[(leaders[2].id, "bawahan")] = 2
    front_office = _by_jabatan(units["DPMPTSP"], "Petugas Front Office")
    if front_office is not None:
        short[(front_office.id, "rekan")] = 2
    answers = _Raters(cycle, rng, pegawai)
    for invitation in _who_answers(cycle, rng, short, pegawai):
        day = opens + timedelta(days=rng.randint(0, (closes - opens).days))
        services.submit(invitation, answers.answers(invitation), instansi, invitation.rater,
                        now=_at(instansi, day, rng.randint(8, 16)))
    services.transition(cycle, "closed", instansi, now=_at(instansi, closes + timedelta(days=1), 9))
    services.transition(cycle, "released", instansi, now=_at(instansi, closes + timedelta(days=6), 10))
    # The invitations of a finished cycle went out long ago.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id > last_mail, OutboxMessage.sent_at.is_(None))
                       .values(sent_at=_at(instansi, opens, 8)))


def _who_answers(cycle: ReviewCycle, rng: random.Random, short: dict[tuple[int, str], int],
                 pegawai: Employee | None) -> list[ReviewInvitation]:
    """Most raters answer; an anonymous group big enough to reach the threshold does, except the
    story's short groups; everyone asked about the demo pegawai answers."""
    by_group: dict[tuple[int, str], list[ReviewInvitation]] = {}
    for invitation in _invitations(cycle):
        by_group.setdefault((invitation.reviewee_id, invitation.rater_group), []).append(invitation)
    chosen = []
    for (reviewee_id, group), invitations in by_group.items():
        if (reviewee_id, group) in short:
            chosen.extend(invitations[:short[reviewee_id, group]])
            continue
        if pegawai is not None and reviewee_id == pegawai.id:
            chosen.extend(invitations)
            continue
        rate = 0.95 if group in ("diri", "atasan") else 0.85
        answers = [rng.random() < rate for _ in invitations]
        if group in ("rekan", "bawahan") and len(invitations) >= cycle.threshold:
            for index in range(len(answers)):
                if sum(answers) >= cycle.threshold:
                    break
                answers[index] = True
        chosen.extend(i for i, answer in zip(invitations, answers) if answer)
    return sorted(chosen, key=lambda i: i.id)


def _open_cycle(instansi: Instansi, units: dict[str, Unit], today: date, rng: random.Random) -> None:
    opens = today - timedelta(days=3)
    cycle = services.create_cycle(instansi, name=open_name(today), period_kind="triwulan", opens_on=opens,
                                  closes_on=today + timedelta(days=30), unit_ids=[units[c].id for c in OPEN_UNITS])
    raters.propose_raters(cycle)
    pegawai = _account_employee(instansi, "pegawai")
    atasan = _account_employee(instansi, "atasan")
    if pegawai is not None:
        _expect(cycle, pegawai, "BERORIENTASI_PELAYANAN", EXPECTATIONS["BERORIENTASI_PELAYANAN"])
        _expect(cycle, pegawai, "KOMPETEN", EXPECTATIONS["KOMPETEN"])
    services.transition(cycle, "open", instansi, now=_at(instansi, opens, 8))
    keep_pending = {e.id for e in (pegawai, atasan) if e is not None}
    answers = _Raters(cycle, rng, pegawai)
    for invitation in _invitations(cycle):
        if invitation.rater_id in keep_pending or rng.random() >= 0.35:
            continue
        # On the three days before `today`: nothing in the demo happens later.
        day = opens + timedelta(days=rng.randint(0, 2))
        services.submit(invitation, answers.answers(invitation), instansi, invitation.rater,
                        now=_at(instansi, day, rng.randint(8, 16)))
