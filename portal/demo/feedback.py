"""Twelve months of demo citizen feedback: SKM responses, saran and kiosk votes.

The numbers are generated, but they tell a story the dashboards should show:

- the instansi as a whole scores around 82 (mutu B), with more responses as the QR codes spread;
- Dukcapil's weakest unsur is U3 Waktu Penyelesaian, worst at DKP02 (Kartu Keluarga), and it
  improves over the last three months after a tindak lanjut; DKP01 ran out of KTP-el blanko for
  three weeks about half a year ago (U5);
- DKP03 had a rough Tuesday and Wednesday a week or two ago (an alert still open).
- DPMPTSP is good overall, but PTSP02 (NIB/OSS) had a fortnight of system outage about five
  weeks ago: a spike of negative answers;
- the Puskesmas is let down by U8 Sarana dan Prasarana;
- two officers stand out on U6/U7 (DKP01 and PTSP01) and one is clearly weaker (DKP03).

Everything is dated back from one `today` and comes from one seeded `random.Random`, so a given day
always yields the same data (ticket codes aside, which are signed with the instansi's own key).
Rows are built as plain dicts and inserted in chunks; the rollups are recomputed once at the end.
"""
from __future__ import annotations

import hashlib
import math
import random
import secrets
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate

from sqlalchemy import insert, select

from portal.accounts.models import User
from portal.extensions import db
from portal.feedback.models import UNSUR_COLUMNS, SkmComment, SkmResponse
from portal.feedback.services import rebuild_rollups
from portal.kiosk.models import KioskDevice, KioskVote
from portal.kiosk.services import rebuild_rollup as rebuild_kiosk_rollup
from portal.localtime import stamp
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Unit
from surveys import alerts, kiosk, skm
from surveys.tickets import sign_ticket

SEED = 20261122
#: Days of feedback, up to yesterday: a year. The date sweep in the tests runs a shorter demo; the
#: story's dated events (the latest six months back) need at least `MIN_DAYS`.
DAYS = 365
MIN_DAYS = 200
KIOSK_DAYS = 90
CHUNK = 5000
#: Send NULLs too, so every chunk is one executemany (the ORM otherwise groups rows by their NULLs).
BULK = {"render_nulls": True}
#: Kiosk tablets stand at these loket (when they exist and are active).
KIOSK_COUNTERS = ("DKP01", "PTSP01", "PKM01")
#: Loket with a queue-ticket machine, whose tickets carry a survey code.
TICKET_COUNTERS = frozenset({"DKP01", "DKP02", "DKP03", "PTSP01", "PTSP02", "PKM01"})

#: Expected responses per open hour on an ordinary day (busier at the Mal Pelayanan Publik).
HOURLY_RATE = {
    "DKP01": 3.0, "DKP02": 2.5, "DKP03": 2.0, "DKP04": 0.9, "PTSP01": 1.9, "PTSP02": 1.6,
    "PKM01": 2.0, "PKM02": 0.25, "DKS01": 0.5, "BKP01": 0.4, "DIK01": 0.4,
}
DEFAULT_HOURLY_RATE = 0.5
#: Monday is the busiest day; Friday's short hours are in the roster already.
WEEKDAY_FACTOR = (1.25, 1.1, 1.0, 0.95, 1.0, 0.8, 0.7)
#: IGD visits by hour of day: thin at night, a bump in the evening.
ALL_DAY_HOUR_WEIGHTS = [0.5] * 6 + [0.8] * 3 + [1.0] * 9 + [1.4] * 5 + [0.8]

#: Mean answer per unsur for an ordinary loket (1–4).
BASE_MEANS = {"U1": 3.38, "U2": 3.33, "U3": 3.24, "U4": 3.64, "U5": 3.36, "U6": 3.41, "U7": 3.47,
              "U8": 3.27, "U9": 3.18}
UNIT_SHIFT = {
    "DUKCAPIL": {"U3": -0.45, "U5": -0.05, "U9": 0.15},
    "DPMPTSP": {"U1": 0.12, "U2": 0.05, "U3": 0.12, "U5": 0.12, "U6": 0.12, "U7": 0.12, "U8": 0.15, "U9": 0.12},
    "PKM-AMP": {"U8": -0.55, "U3": -0.10, "U7": 0.05},
    "DINKES": {"U1": -0.15},
    "BKPSDM": {"U4": 0.20, "U9": -0.10},
    "DISDIK": {"U9": -0.20, "U3": -0.10},
}
COUNTER_SHIFT = {"DKP02": {"U3": -0.35}}
#: Officers who stand out on U6/U7: (loket, position among its officers by id) → shift.
OFFICER_SHIFT = {
    ("DKP01", 0): {"U6": 0.40, "U7": 0.45},
    ("PTSP01", 0): {"U6": 0.35, "U7": 0.40},
    ("DKP03", 1): {"U6": -0.60, "U7": -0.70},
}
UNHAPPY_SHARE = 0.03
#: DPMPTSP is good overall, and its alert rule is stricter (25 % in 24 hours): fewer bad days.
UNIT_UNHAPPY_SHARE = {"DPMPTSP": 0.015}
PAPER_SHARE = 0.10
TICKET_SHARE = 0.15
OFFICER_CHANNEL_SHARE = 0.12
#: How often the citizen names the officer, by channel (the name plate always does).
NAMES_OFFICER = {"web": 0.74, "ticket": 0.74, "paper": 0.6, "officer": 1.0}
PROFILE_SHARE = 0.6

HOLIDAYS = {(1, 1), (5, 1), (6, 1), (8, 17), (12, 25)}
#: Idul Fitri (approximate); offices close two days before to three days after (cuti bersama).
IDUL_FITRI = {2024: date(2024, 4, 10), 2025: date(2025, 3, 31), 2026: date(2026, 3, 20), 2027: date(2027, 3, 10),
              2028: date(2028, 2, 27), 2029: date(2029, 2, 15), 2030: date(2030, 2, 5)}

GENDER_WEIGHTS = {"default": (48, 52), "PKM-AMP": (30, 70)}
AGE_WEIGHTS = {"default": (4, 24, 30, 22, 13, 7), "BKPSDM": (0, 12, 30, 30, 26, 2),
               "DISDIK": (15, 20, 35, 22, 7, 1), "PKM-AMP": (6, 22, 28, 20, 14, 10)}
EDUCATION_WEIGHTS = {"default": (8, 12, 45, 30, 4, 1), "BKPSDM": (0, 0, 10, 65, 22, 3),
                     "DPMPTSP": (3, 7, 40, 42, 7, 1)}
OCCUPATION_WEIGHTS = {"default": (8, 2, 2, 30, 25, 33), "BKPSDM": (88, 0, 0, 4, 2, 6),
                      "DPMPTSP": (3, 1, 1, 30, 55, 10)}


# ---------------------------------------------------------------------------------------------
# Saran: what citizens write, by what went wrong (or right), and what the unit answered.

COMPLAINTS = {
    "U1": ["Informasi persyaratan kurang jelas, saya harus bolak-balik karena ada berkas yang kurang.",
           "Persyaratan di website berbeda dengan yang diminta di loket. Mohon diseragamkan.",
           "Tolong daftar persyaratan ditempel di depan loket supaya kami bisa menyiapkan berkas dari rumah.",
           "Baru tahu harus membawa fotokopi legalisir setelah antre lama. Sebaiknya diumumkan sejak awal."],
    "U2": ["Alurnya membingungkan, tidak ada petunjuk harus ke meja mana dulu.",
           "Pendaftaran online sering gagal, akhirnya tetap harus datang langsung.",
           "Prosedurnya terlalu panjang, berkas diperiksa dua kali di meja yang berbeda."],
    "U3": ["Antrean sangat panjang, saya menunggu lebih dari dua jam.",
           "Nomor antrean sudah habis jam 9 pagi, padahal saya datang jam 8.",
           "Prosesnya lama sekali, dijanjikan selesai tiga hari tapi sampai seminggu belum jadi.",
           "Mohon tambah petugas di jam sibuk, antrean menumpuk sebelum istirahat siang.",
           "Sudah datang tiga kali tapi dokumen belum juga selesai."],
    "U4": ["Katanya gratis, tapi ada yang menawarkan jasa supaya cepat selesai. Mohon ditertibkan.",
           "Biaya fotokopi di dalam gedung terlalu mahal."],
    "U5": ["Hasil cetakan ada salah ketik nama, harus mengurus ulang.",
           "Dokumen yang saya terima tidak sesuai dengan yang saya ajukan."],
    "U6": ["Petugas kurang menguasai aturan, jawabannya berbeda-beda setiap kali ditanya.",
           "Petugasnya masih bingung, harus bertanya ke rekannya terus."],
    "U7": ["Petugas kurang ramah dan sibuk dengan HP saat melayani.",
           "Saya dibentak waktu bertanya. Mohon petugas lebih sabar.",
           "Petugasnya jutek, salam saya tidak dijawab."],
    "U8": ["AC di ruang tunggu mati, sangat panas dan pengap.",
           "Kursi ruang tunggu kurang, banyak yang harus berdiri.",
           "Parkir sempit dan juru parkir memungut biaya lebih.",
           "Toilet kotor dan airnya tidak mengalir.",
           "Tidak ada jalur khusus untuk lansia dan penyandang disabilitas."],
    "U9": ["Sudah pernah menyampaikan keluhan lewat kotak saran tapi tidak ada tanggapan.",
           "Nomor WhatsApp pengaduan tidak pernah dibalas."],
}
UNIT_COMPLAINTS = {
    ("DUKCAPIL", "U3"): ["Antre dari subuh untuk rekam KTP-el, baru dipanggil siang.",
                         "Kartu Keluarga yang saya urus dua minggu lalu belum juga selesai.",
                         "Cetak KK katanya tinggal tanda tangan elektronik, tapi sudah seminggu belum jadi.",
                         "Sistem SIAK offline, kami disuruh menunggu tanpa kepastian."],
    ("DUKCAPIL", "U5"): ["Blanko KTP-el habis, saya hanya diberi surat keterangan (suket).",
                         "Blanko habis lagi, disuruh kembali bulan depan."],
    ("DPMPTSP", "U2"): ["Aplikasi OSS masih membingungkan bagi pelaku UMKM seperti saya.",
                        "Harus unggah ulang dokumen PBG karena format berkasnya ditolak sistem."],
    ("PKM-AMP", "U8"): ["Ruang tunggu sempit dan panas, anak-anak jadi rewel.",
                        "Beberapa kursi di ruang tunggu pendaftaran rusak.",
                        "Tempat parkir motor penuh, kami parkir di pinggir jalan.",
                        "Kipas angin di ruang tunggu mati, mohon diperbaiki.",
                        "Toilet pasien bau dan lantainya licin."],
    ("PKM-AMP", "U3"): ["Antrean pendaftaran lama, sebaiknya ada nomor antrean online."],
}
OUTAGE_COMPLAINTS = [
    "Sistem OSS offline seharian, berkas kami tidak bisa diproses.",
    "Server perizinan error terus, sudah tiga hari saya bolak-balik.",
    "Sistem sedang gangguan tapi tidak ada pengumuman sebelumnya, kami sudah datang jauh-jauh.",
    "Pengajuan NIB tertahan karena sistem gangguan, tolong ada kepastian waktu.",
    "Petugas bilang sistem pusat sedang down, disuruh datang lagi besok.",
]
BLANKO_COMPLAINTS = UNIT_COMPLAINTS[("DUKCAPIL", "U5")] + [
    "Sudah rekam sejak bulan lalu tapi KTP-el belum dicetak karena blanko kosong.",
]
PRAISE = [
    "Petugas ramah dan cekatan, terima kasih.",
    "Pelayanan cepat, tidak sampai setengah jam sudah selesai.",
    "Petugas sabar menjelaskan persyaratan kepada orang tua saya.",
    "Sekarang jauh lebih baik daripada tahun lalu.",
    "Ruang tunggunya bersih dan nyaman.",
    "Terima kasih, pelayanannya gratis dan tidak berbelit.",
    "Pertahankan! Petugasnya sopan dan informatif.",
    "Sangat puas, semoga terus seperti ini.",
]
UNIT_PRAISE = {
    "DUKCAPIL": ["Pelayanan di Mal Pelayanan Publik sangat memudahkan, semua di satu tempat.",
                 "Layanan jemput bola untuk lansia sangat membantu keluarga kami."],
    "DPMPTSP": ["Pendampingan NIB sangat membantu usaha kecil kami.",
                "Petugas perizinan menjelaskan alur PBG dengan jelas."],
    "PKM-AMP": ["Bidan dan perawatnya ramah sekali.", "Tengah malam petugas IGD tetap sigap, terima kasih."],
    "BKPSDM": ["Berkas kenaikan pangkat diproses cepat, terima kasih."],
    "DISDIK": ["Legalisir ijazah selesai hari itu juga."],
}
#: Praise for DKP02 once the tindak lanjut on waiting times took effect.
RECOVERY_PRAISE = ["Sekarang KK bisa selesai di hari yang sama, terima kasih atas perbaikannya.",
                   "Antrean KK jauh lebih cepat dibanding beberapa bulan lalu."]
SUGGESTIONS = [
    "Sebaiknya ada layar informasi nomor antrean di ruang tunggu.",
    "Mohon disediakan pojok bermain anak.",
    "Mohon jam layanan hari Sabtu diperpanjang.",
    "Sebaiknya dokumen yang sudah jadi bisa dikirim lewat pos atau ojek daring.",
    "Tolong sediakan air minum untuk yang antre.",
    "Perlu ada petugas informasi di pintu masuk.",
]
OPENINGS = ["", "", "", "Saran saya: ", "Mohon maaf, ", "Tolong diperhatikan: "]
#: Sentence starts that stay capitalised after an opening ("Saran saya: Kartu Keluarga …").
KEEP_CAPITAL = ("Kartu Keluarga", "WhatsApp")
CLOSINGS = ["", "", "", " Terima kasih.", " Semoga ke depan lebih baik.", " Mohon ditindaklanjuti."]
FOLLOW_UP = {
    "U1": "Daftar persyaratan sudah dipasang di depan loket dan diperbarui di laman resmi.",
    "U2": "Alur layanan sudah dipasang di pintu masuk; petugas informasi membantu pemohon baru.",
    "U3": "Satu petugas ditambah pada jam sibuk (08.00–11.00) dan antrean daring dibuka.",
    "U4": "Sudah diumumkan bahwa layanan ini gratis; temuan calo diteruskan ke Satpol PP.",
    "U5": "Dokumen sudah dicetak ulang dan pemohon dihubungi.",
    "U6": "Petugas diikutkan bimbingan teknis layanan bulan ini.",
    "U7": "Sudah dibina oleh atasan langsung; terima kasih atas laporannya.",
    "U8": "Perbaikan sarana sudah diajukan dan sebagian sudah dikerjakan teknisi.",
    "U9": "Kanal pengaduan WhatsApp kini dipantau setiap hari kerja.",
    "outage": "Gangguan sistem OSS sudah pulih; pemohon yang tertunda dilayani tanpa antre ulang.",
    "blanko": "Blanko sudah diterima dari Ditjen Dukcapil; pemegang suket dapat mencetak KTP-el mulai minggu ini.",
    "praise": "Terima kasih atas apresiasinya; sudah kami sampaikan kepada petugas.",
    "suggestion": "Terima kasih, usulan ini dibahas dalam rapat evaluasi pelayanan.",
}

KIOSK_FACES = {"DKP01": (5, 9, 38, 48), "PTSP01": (3, 6, 36, 55), "PKM01": (7, 13, 42, 38)}
KIOSK_REASONS = {
    "DKP01": {"waktu_tunggu": 50, "persyaratan": 20, "keramahan": 8, "biaya": 4, "fasilitas": 10, "lainnya": 8},
    "PTSP01": {"waktu_tunggu": 30, "persyaratan": 35, "keramahan": 8, "biaya": 7, "fasilitas": 8, "lainnya": 12},
    "PKM01": {"waktu_tunggu": 35, "persyaratan": 5, "keramahan": 10, "biaya": 3, "fasilitas": 35, "lainnya": 12},
}
KIOSK_HOURLY_RATE = 3.0


# ---------------------------------------------------------------------------------------------


@dataclass
class _Loket:
    """One active loket with everything the generator needs, loaded once."""

    counter: Counter
    unit_code: str
    #: Roster rows by weekday (None: every day).
    shifts: dict[int | None, list[RosterEntry]] = field(default_factory=lambda: defaultdict(list))
    #: Officer ids in id order (OFFICER_SHIFT picks by position).
    officer_ids: list[int] = field(default_factory=list)

    def opening(self, weekday: int) -> tuple[int, int] | None:
        """Seconds after midnight when the loket opens and closes on this weekday, from the roster."""
        entries = self.shifts.get(weekday, []) + self.shifts.get(None, [])
        if not entries and not self.shifts:
            # A loket nobody is rostered at still serves citizens: the usual office hours.
            if weekday > 4:
                return None
            return 7 * 3600 + 1800, (11 * 3600 + 1800 if weekday == 4 else 15 * 3600 + 1800)
        if not entries:
            return None
        return min(_seconds(e.start_time) for e in entries), max(_seconds(e.end_time) for e in entries)

    def officers_at(self, local: datetime) -> list[int]:
        entries = self.shifts.get(local.weekday(), []) + self.shifts.get(None, [])
        return sorted({e.employee_id for e in entries if e.covers(local)})


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _load_lokets(instansi: Instansi) -> list[_Loket]:
    counters = db.session.scalars(
        select(Counter).join(Counter.unit)
        .where(Unit.instansi_id == instansi.id, Counter.active.is_(True), Unit.active.is_(True))
        .order_by(Counter.code)
    ).all()
    lokets = {c.id: _Loket(c, c.unit.code) for c in counters}
    entries = db.session.scalars(
        select(RosterEntry).join(RosterEntry.employee)
        .where(RosterEntry.counter_id.in_(list(lokets)), Employee.active.is_(True))
        .order_by(RosterEntry.employee_id, RosterEntry.id)
    ).all()
    for entry in entries:
        loket = lokets[entry.counter_id]
        loket.shifts[entry.weekday].append(entry)
        if entry.employee_id not in loket.officer_ids:
            loket.officer_ids.append(entry.employee_id)
    return list(lokets.values())


def _closed(day: date) -> bool:
    if (day.month, day.day) in HOLIDAYS:
        return True
    lebaran = IDUL_FITRI.get(day.year)
    return lebaran is not None and -2 <= (day - lebaran).days <= 3


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _ramp(day: date, start: date, end: date) -> float:
    """0 before start, 1 after end, linear in between."""
    if day <= start:
        return 0.0
    if day >= end:
        return 1.0
    return (day - start).days / (end - start).days


@lru_cache(maxsize=None)
def _is_negative(scores: tuple[int, ...]) -> bool:
    """surveys' rule, remembered: the same nine answers come back thousands of times."""
    return alerts.is_negative_skm(dict(zip(skm.UNSUR_CODES, scores)))


class _Story:
    """The dated events of the year, relative to its last day."""

    def __init__(self, last: date, days: int = DAYS):
        if days < MIN_DAYS:
            raise ValueError(f"the demo story needs at least {MIN_DAYS} days of feedback")
        self.days = days
        self.first = last - timedelta(days=days - 1)
        self.last = last
        self.outage = (last - timedelta(days=41), last - timedelta(days=28))
        self.blanko = (last - timedelta(days=200), last - timedelta(days=180))
        self.follow_up = (last - timedelta(days=90), last - timedelta(days=60))
        # A rough Tuesday and Wednesday at DKP03 (the printer broke) a week or two ago: the
        # alert it raises is still open when a new user looks.
        rough = last - timedelta(days=6)
        while rough.weekday() != 1:
            rough -= timedelta(days=1)
        self.rough = (rough, rough + timedelta(days=1))

    def in_outage(self, day: date) -> bool:
        return self.outage[0] <= day <= self.outage[1]

    def in_blanko(self, day: date) -> bool:
        return self.blanko[0] <= day <= self.blanko[1]

    def school_season(self, day: date) -> bool:
        """New school year: families need KK and akta for PPDB; Disdik mutasi siswa."""
        return (6, 15) <= (day.month, day.day) <= (7, 31)

    def volume(self, loket: _Loket, day: date) -> float:
        """Multiplier on the expected count: adoption grows over the year; seasons."""
        factor = 0.75 + 0.35 * (day - self.first).days / (self.days - 1)
        if self.school_season(day):
            factor *= {"DUKCAPIL": 1.25, "DISDIK": 2.0}.get(loket.unit_code, 1.0)
        if loket.counter.code == "PTSP02" and self.in_outage(day):
            factor *= 1.2  # people come back again and again
        return factor

    def means(self, loket: _Loket, day: date, officer_shift: dict[str, float]) -> dict[str, float]:
        means = dict(BASE_MEANS)
        for shifts in (UNIT_SHIFT.get(loket.unit_code, {}), COUNTER_SHIFT.get(loket.counter.code, {}), officer_shift):
            for code, delta in shifts.items():
                means[code] += delta
        if loket.unit_code == "DUKCAPIL":
            progress = _ramp(day, *self.follow_up)
            means["U3"] += 0.15 * progress + (0.55 * progress if loket.counter.code == "DKP02" else 0.0)
            if self.school_season(day):
                means["U3"] -= 0.10
            if loket.counter.code == "DKP01" and self.in_blanko(day):
                means["U5"] -= 0.9
        return means

    def unhappy_share(self, loket: _Loket, day: date) -> float:
        if loket.counter.code == "PTSP02" and self.in_outage(day):
            return 0.6 if day <= self.outage[0] + timedelta(days=6) else 0.5
        if loket.counter.code == "DKP03" and self.rough[0] <= day <= self.rough[1]:
            return 0.5
        return UNIT_UNHAPPY_SHARE.get(loket.unit_code, UNHAPPY_SHARE)


def _scores(rng: random.Random, means: dict[str, float], unhappy: bool) -> dict[str, int]:
    """Nine answers around the means: a mood shared by all nine, plus noise per unsur."""
    mood = rng.gauss(-1.25, 0.3) if unhappy else rng.gauss(0.0, 0.3)
    scores = {}
    for code in skm.UNSUR_CODES:
        value = means[code] + mood + rng.gauss(0.0, 0.55)
        scores[code] = 1 if value < 1.5 else 2 if value < 2.5 else 3 if value < 3.5 else 4
    return scores


def _times(rng: random.Random, opening: tuple[int, int], count: int) -> list[int]:
    """Seconds after local midnight, sorted: mornings are busy, lunch is quiet, nights are thin."""
    start, end = opening
    result = []
    if end - start >= 20 * 3600:
        cumulative = list(accumulate(ALL_DAY_HOUR_WEIGHTS))
        for _ in range(count):
            hour = bisect(cumulative, rng.random() * cumulative[-1])
            result.append(min(hour * 3600 + rng.randrange(3600), end - 1))
        return sorted(result)
    while len(result) < count:
        second = start + int((end - start) * rng.betavariate(1.4, 2.2))
        if 12 * 3600 <= second < 13 * 3600 and rng.random() < 0.5:
            continue
        result.append(second)
    return sorted(result)


def _cumulative(pairs: tuple[tuple[str, str], ...], weights: dict[str, tuple[int, ...]]):
    """(codes, cumulative weights per unit code) for rng.choices."""
    return tuple(code for code, _ in pairs), {unit: list(accumulate(w)) for unit, w in weights.items()}


PROFILE_CHOICES = (
    ("gender", *_cumulative(skm.GENDERS, GENDER_WEIGHTS)),
    ("age_range", *_cumulative(skm.AGE_RANGES, AGE_WEIGHTS)),
    ("education", *_cumulative(skm.EDUCATION, EDUCATION_WEIGHTS)),
    ("occupation", *_cumulative(skm.OCCUPATIONS, OCCUPATION_WEIGHTS)),
)
NO_PROFILE = {name: None for name, _codes, _weights in PROFILE_CHOICES}


def _profile(rng: random.Random, unit_code: str) -> dict[str, str | None]:
    if rng.random() >= PROFILE_SHARE:
        return NO_PROFILE
    profile = {}
    for name, codes, weights in PROFILE_CHOICES:
        skipped = rng.random() < 0.06
        cumulative = weights.get(unit_code, weights["default"])
        profile[name] = None if skipped else rng.choices(codes, cum_weights=cumulative)[0]
    return profile


def _comment_text(rng: random.Random, loket: _Loket, day: date, story: _Story,
                  scores: dict[str, int]) -> tuple[str, str]:
    """(text, topic) of a saran that fits the answers it comes with."""
    low = min(scores.values())
    if loket.counter.code == "PTSP02" and story.in_outage(day) and low <= 2:
        text, topic = rng.choice(OUTAGE_COMPLAINTS), "outage"
    elif loket.counter.code == "DKP01" and story.in_blanko(day) and scores["U5"] <= 2:
        text, topic = rng.choice(BLANKO_COMPLAINTS), "blanko"
    elif low <= 2:
        worst = [code for code, score in scores.items() if score == low]
        topic = rng.choice(worst)
        pool = UNIT_COMPLAINTS.get((loket.unit_code, topic), []) + COMPLAINTS[topic]
        text = rng.choice(pool)
    elif rng.random() < 0.7:
        topic = "praise"
        pool = PRAISE + UNIT_PRAISE.get(loket.unit_code, [])
        if loket.counter.code == "DKP02" and day > story.follow_up[1]:
            pool = pool + RECOVERY_PRAISE * 3
        text = rng.choice(pool)
    else:
        text, topic = rng.choice(SUGGESTIONS), "suggestion"
    if topic != "praise":
        opening = rng.choice(OPENINGS)
        if opening and not text.startswith(KEEP_CAPITAL) and not text[1].isupper():
            text = text[0].lower() + text[1:]
        text = opening + text + rng.choice(CLOSINGS)
    return text, topic


def _comment_status(rng: random.Random, days_ago: int) -> str:
    if days_ago > 60:
        weights = (5, 10, 85)
    elif days_ago > 21:
        weights = (15, 35, 50)
    else:
        weights = (60, 30, 10)
    return rng.choices(("baru", "ditindaklanjuti", "selesai"), weights=weights)[0]


def _has_responses(instansi: Instansi) -> bool:
    return db.session.scalar(select(SkmResponse.id).where(SkmResponse.instansi_id == instansi.id).limit(1)) is not None


def seed_feedback(instansi: Instansi, today: date, days: int = DAYS) -> int:
    """`days` days (a year) of responses, saran and kiosk votes up to the day before `today`, if
    the instansi has no response yet.

    Returns the number of responses written (0 when there were some already).
    """
    if _has_responses(instansi):
        return 0
    # The demo's "now": the start of `today`; nothing in it happens later.
    now = datetime.combine(today, time(0), instansi.tz).astimezone(timezone.utc)
    story = _Story(today - timedelta(days=1), days)
    rng = random.Random(SEED)
    lokets = _load_lokets(instansi)
    heads = dict(db.session.execute(
        select(Employee.unit_id, Employee.id).where(Employee.instansi_id == instansi.id,
                                                    Employee.is_unit_head.is_(True)).order_by(Employee.id.desc())
    ).all())

    rows: list[dict] = []
    comments: dict[str, dict] = {}
    day = story.first
    while day <= story.last:
        day_rows: list[dict] = []
        for loket in lokets:
            day_rows.extend(_day_of_loket(rng, instansi, loket, day, story, now, heads, comments))
        day_rows.sort(key=lambda r: r["submitted_at"])
        rows.extend(day_rows)
        day += timedelta(days=1)

    _insert_rows(SkmResponse, rows)
    _insert_comments(instansi, comments)
    for unit_id in sorted({loket.counter.unit_id for loket in lokets}):
        rebuild_rollups(unit_id)
    seed_kiosk(instansi, lokets, story, rng)
    db.session.flush()
    return len(rows)


def _day_of_loket(rng: random.Random, instansi: Instansi, loket: _Loket, day: date, story: _Story,
                  now: datetime, heads: dict[int, int], comments: dict[str, dict]) -> list[dict]:
    weekday = day.weekday()
    opening = loket.opening(weekday)
    if opening is None:
        return []
    all_day = opening[1] - opening[0] >= 20 * 3600
    if _closed(day) and not all_day:
        return []
    hours = (opening[1] - opening[0]) / 3600
    expected = HOURLY_RATE.get(loket.counter.code, DEFAULT_HOURLY_RATE) * hours * WEEKDAY_FACTOR[weekday]
    count = _poisson(rng, expected * story.volume(loket, day))
    code = loket.counter.code
    tz = instansi.tz
    serial = rng.randint(1, 5)
    unhappy_share = story.unhappy_share(loket, day)
    officer_shifts = {
        officer_id: OFFICER_SHIFT.get((code, position), {}) for position, officer_id in enumerate(loket.officer_ids)
    }
    rows = []
    for second in _times(rng, opening, count):
        local = datetime.combine(day, time(second // 3600, second // 60 % 60, second % 60), tz)
        moment = stamp(local, tz)
        on_duty = loket.officers_at(local)
        officer = rng.choice(on_duty) if on_duty else None
        scores = _scores(rng, story.means(loket, day, officer_shifts.get(officer, {})), rng.random() < unhappy_share)
        roll = rng.random()
        if roll < PAPER_SHARE:
            channel = "paper"
        elif roll < PAPER_SHARE + OFFICER_CHANNEL_SHARE and officer is not None:
            channel = "officer"
        elif roll < PAPER_SHARE + OFFICER_CHANNEL_SHARE + TICKET_SHARE and code in TICKET_COUNTERS:
            channel = "ticket"
        else:
            channel = "web"
        named = officer if officer is not None and rng.random() < NAMES_OFFICER[channel] else None
        sequence = f"{instansi.id}:{code}:{day.isoformat()}:{second}:{len(rows)}"
        ticket_code = None
        if channel == "ticket":
            ticket_code = "".join(ch for ch in sign_ticket(instansi.ticket_key, code, day, serial) if ch.isalnum())
            serial += rng.randint(1, 4)
        key = hashlib.sha256(f"cermin-demo:{channel}:{sequence}".encode()).hexdigest()
        negative = _is_negative(tuple(scores.values()))
        row = {
            "instansi_id": instansi.id, "unit_id": loket.counter.unit_id, "counter_id": loket.counter.id,
            "service_id": loket.counter.service_id, "employee_id": named, "submitted_at": moment.utc,
            "local_date": moment.local_date, "local_hour": moment.local_hour, "local_weekday": moment.local_weekday,
            "negative": negative, "channel": channel,
            "idempotency_key": None if channel == "paper" else key, "ticket_code": ticket_code,
            "import_key": key if channel == "paper" else None,
            **{column: scores[column.upper()] for column in UNSUR_COLUMNS}, **_profile(rng, loket.unit_code),
        }
        rows.append(row)
        if rng.random() < (0.25 if negative else 0.052):
            text, topic = _comment_text(rng, loket, day, story, scores)
            status = _comment_status(rng, (story.last - day).days)
            handled = status != "baru"
            updated = moment.utc + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6)) if handled else None
            comments[key] = {
                "unit_id": loket.counter.unit_id, "counter_id": loket.counter.id, "created_at": moment.utc,
                "local_date": moment.local_date, "text": text, "status": status,
                "assignee_id": heads.get(loket.counter.unit_id) if handled else None,
                "response_note": FOLLOW_UP.get(topic) if handled else None,
                "updated_at": min(updated, now) if updated else None, "purged_at": None,
            }
    return rows


def _insert_comments(instansi: Instansi, comments: dict[str, dict]) -> None:
    """Attach each saran to its response, found again by the response's unique key."""
    if not comments:
        return
    keyed = db.session.execute(
        select(SkmResponse.id, SkmResponse.idempotency_key, SkmResponse.import_key)
        .where(SkmResponse.instansi_id == instansi.id)
    ).all()
    ids = {idempotency or imported: response_id for response_id, idempotency, imported in keyed}
    rows = [{"response_id": ids[key], **comment} for key, comment in comments.items()]
    rows.sort(key=lambda r: r["response_id"])
    _insert_rows(SkmComment, rows)


def _insert_rows(model, rows: list[dict]) -> None:
    """Plain rows in bulk, straight to the driver: COPY on PostgreSQL, where executemany sends one
    statement per row and is about five times slower (13.6 s against 2.4 s for the responses);
    one prepared executemany on SQLite, the values converted by the columns' own types (a third
    of the time the ORM's bulk insert takes)."""
    if not rows:
        return
    connection = db.session.connection()
    columns = list(rows[0])
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    if dialect.name == "sqlite":
        table = model.__table__
        converters = [(c, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for c in columns]
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(statement, ([convert(row[c]) if convert else row[c] for c, convert in converters]
                                           for row in rows))
        finally:
            cursor.close()
        return
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK], execution_options=BULK)


def seed_kiosk(instansi: Instansi, lokets: list[_Loket], story: _Story, rng: random.Random) -> int:
    """A tablet at each kiosk loket, enrolled by the admin, and about three months of taps."""
    by_code = {loket.counter.code: loket for loket in lokets}
    kiosk_lokets = [by_code[code] for code in KIOSK_COUNTERS if code in by_code]
    if not kiosk_lokets:
        return 0
    enrolled = db.session.scalar(
        select(KioskDevice.id).where(KioskDevice.counter_id.in_([loket.counter.id for loket in kiosk_lokets])).limit(1)
    )
    if enrolled is not None:
        return 0
    admin = db.session.scalar(select(User.id).where(User.instansi_id == instansi.id, User.username == "admin"))
    tz = instansi.tz
    first = story.last - timedelta(days=min(KIOSK_DAYS, story.days) - 1)
    enrolled_at = datetime.combine(first - timedelta(days=3), time(8, 15), tz).astimezone(timezone.utc)
    total = 0
    for loket in kiosk_lokets:
        code = loket.counter.code
        device = KioskDevice(
            counter_id=loket.counter.id, name=f"Tablet {loket.counter.name}",
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(), enrolled_at=enrolled_at,
            enrolled_by_id=admin,
        )
        db.session.add(device)
        db.session.flush()
        faces = KIOSK_FACES.get(code, (5, 9, 38, 48))
        reasons = KIOSK_REASONS.get(code, {reason: 1 for reason in kiosk.REASON_CODES})
        votes = []
        day = first
        while day <= story.last:
            opening = loket.opening(day.weekday())
            if opening is not None and not _closed(day):
                hours = (opening[1] - opening[0]) / 3600
                count = _poisson(rng, KIOSK_HOURLY_RATE * hours * WEEKDAY_FACTOR[day.weekday()])
                for second in _times(rng, opening, count):
                    local = datetime.combine(day, time(second // 3600, second // 60 % 60, second % 60), tz)
                    moment = stamp(local, tz)
                    face = rng.choices((1, 2, 3, 4), weights=faces)[0]
                    reason = None
                    if face in kiosk.NEGATIVE_FACES and rng.random() < 0.75:
                        reason = rng.choices(list(reasons), weights=list(reasons.values()))[0]
                    votes.append({
                        "unit_id": loket.counter.unit_id, "counter_id": loket.counter.id, "device_id": device.id,
                        "face": face, "reason": reason, "submitted_at": moment.utc, "local_date": moment.local_date,
                        "local_hour": moment.local_hour, "local_weekday": moment.local_weekday,
                        "idempotency_key": None,
                    })
            day += timedelta(days=1)
        _insert_rows(KioskVote, votes)
        if votes:
            device.last_vote_at = votes[-1]["submitted_at"]
        total += len(votes)
    # The dashboards read the daily rollup, which the bulk insert above bypassed.
    rebuild_kiosk_rollup([loket.counter.id for loket in kiosk_lokets])
    return total
