"""Appraisal periods and records written straight into the database, as the merge would leave
them, for the export, sheet, recognition and API tests (no dependency on the merge itself)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from portal.appraisal import snapshots
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord, WeightProfile
from portal.org.models import Employee

LEFT_OUT = "Komponen %(component)s tidak disertakan: belum ada data."
RENORMALISED = "Bobot komponen yang tersisa disesuaikan agar jumlahnya tetap 100."
WEIGHT_BECAME = "Bobot %(component)s menjadi %(used)s%% (semula %(configured)s%%)."
ABOVE, MEETS, BELOW = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
CONFIRMED_AT = datetime(2026, 1, 20, 2, 0, tzinfo=timezone.utc)


def make_period(factory, instansi, name="Penilaian Kinerja Tahunan 2025", min_citizen_n=10) -> AppraisalPeriod:
    period = AppraisalPeriod(instansi_id=instansi.id, name=name, kind="tahunan", citizen_from=date(2025, 1, 1),
                             citizen_to=date(2025, 12, 31), officer_unsur="U6,U7", min_citizen_n=min_citizen_n,
                             above_threshold=Decimal(80), meets_threshold=Decimal(60))
    period.weights = [
        WeightProfile(job_group="back_office", citizen=Decimal(0), atasan=Decimal(50), rekan=Decimal(30),
                      bawahan=Decimal(20), self_weight=Decimal(0)),
        WeightProfile(job_group="front_line", citizen=Decimal(40), atasan=Decimal(30), rekan=Decimal(20),
                      bawahan=Decimal(10), self_weight=Decimal(0)),
    ]
    return factory.add(period)


def make_record(factory, period, employee: Employee, status="confirmed", **values) -> AppraisalRecord:
    values.setdefault("job_group", employee.job_group)
    values.setdefault("unit_id", employee.unit_id)
    values.setdefault("penilai_id", employee.supervisor_id)
    values.setdefault("settings_id", snapshots.current(period).id)
    if status != "draft":
        values.setdefault("rating_perilaku", values.get("rating_perilaku_suggested") or MEETS)
        values.setdefault("confirmed_at", CONFIRMED_AT)
    for key in ("explanation", "development"):
        if key in values and not isinstance(values[key], str):
            values[key] = json.dumps(values[key])
    return factory.add(AppraisalRecord(period_id=period.id, employee_id=employee.id, status=status, **values))


def full_record(factory, period, employee, status="confirmed") -> AppraisalRecord:
    """A front-line officer with no bawahan: that component is left out and the others renormalised
    (40/30/20 of 90 → 44.444/33.333/22.222)."""
    return make_record(
        factory, period, employee, status,
        citizen_score=Decimal("91.667"), citizen_n=24, atasan_score=Decimal("75"), atasan_n=1,
        rekan_score=Decimal("83.333"), rekan_n=4, bawahan_score=None, bawahan_n=0,
        self_score=Decimal("87.5"), self_n=1,
        weight_citizen=Decimal("44.444"), weight_atasan=Decimal("33.333"), weight_rekan=Decimal("22.222"),
        weight_bawahan=None, weight_self=None, composite=Decimal("84.259"),
        rating_perilaku_suggested=ABOVE, rating_perilaku=ABOVE, rating_hasil_kerja=MEETS, predikat="Baik",
        explanation=[[LEFT_OUT, {"component": "Bawahan"}], [RENORMALISED, {}],
                     [WEIGHT_BECAME, {"component": "Masyarakat", "used": "44.44", "configured": "40.00"}]],
        development={"values": ["ADAPTIF", "KOLABORATIF"], "unsur": ["U7"]},
    )


@dataclass
class Appraisals:
    period: AppraisalPeriod
    #: staff[0] (user "pegawai"): confirmed, bawahan left out
    own: AppraisalRecord
    #: staff[1]: a draft
    draft: AppraisalRecord
    #: staff[2]: finalised
    final: AppraisalRecord
    #: the supervisor's own record (not in their team)
    supervisor: AppraisalRecord
    #: an officer of DINKES, outside the supervisor's team
    other_unit: AppraisalRecord


def standard_appraisals(factory, org) -> Appraisals:
    period = make_period(factory, org.instansi)
    own = full_record(factory, period, org.staff[0])
    draft = make_record(factory, period, org.staff[1], "draft", citizen_score=Decimal("70"), citizen_n=12,
                        atasan_score=Decimal("62.5"), atasan_n=1, weight_citizen=Decimal("57.143"),
                        weight_atasan=Decimal("42.857"), composite=Decimal("66.786"),
                        rating_perilaku_suggested=MEETS, development={"values": ["ADAPTIF"], "unsur": ["U6", "U7"]})
    final = make_record(factory, period, org.staff[2], "finalised", citizen_score=Decimal("95.5"), citizen_n=30,
                        atasan_score=Decimal("87.5"), atasan_n=1, rekan_score=Decimal("90"), rekan_n=3,
                        bawahan_score=None, bawahan_n=0, weight_citizen=Decimal("44.444"),
                        weight_atasan=Decimal("33.333"), weight_rekan=Decimal("22.222"), composite=Decimal("91.611"),
                        rating_perilaku_suggested=ABOVE, rating_hasil_kerja=ABOVE, predikat="Sangat Baik",
                        finalised_at=CONFIRMED_AT)
    supervisor = make_record(factory, period, org.supervisor, "confirmed", atasan_score=Decimal("80"), atasan_n=1,
                             rekan_score=Decimal("75"), rekan_n=3, weight_atasan=Decimal("62.5"),
                             weight_rekan=Decimal("37.5"), composite=Decimal("78.125"),
                             rating_perilaku_suggested=MEETS, rating_hasil_kerja=MEETS, predikat="Baik",
                             development={"values": ["ADAPTIF"]})
    dinkes = factory.employee(org.other_unit, "Bidan Dinkes", jabatan="Bidan Terampil", job_group="front_line")
    other_unit = make_record(factory, period, dinkes, "confirmed", citizen_score=Decimal("88"), citizen_n=15,
                             weight_citizen=Decimal("100"), composite=Decimal("88"), rating_perilaku_suggested=ABOVE,
                             rating_hasil_kerja=MEETS, predikat="Baik")
    factory.db.session.commit()
    return Appraisals(period, own, draft, final, supervisor, other_unit)
