"""Appraisal periods and the merge: every figure of one employee computed by hand."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import func, select

from portal import clock
from portal.appraisal import evaluation, merge as merging
from portal.appraisal.audit import audit_log
from portal.appraisal.errors import AppraisalError
from portal.appraisal.merge import MergeSummary, merge
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord, AuditEntry
from portal.appraisal.overview import development_of, explanation_of
from portal.appraisal.periods import create_period, period_weights, update_period
from portal.messages import say_template
from surveys.appraisal import Component
from tests.conftest import examples
from tests.portal.appraisal_helpers import (
    BACK, FRONT, NOON_UTC, citizen_responses, make_period, record_of, released_cycle,
)

D = Decimal


def staff_answers(org, rekan_scores=(4, 4, 3)):
    """diri 5, atasan 5, rekan of staff[0] as given (by rater), everyone else 4."""
    peers = {s.id: score for s, score in zip(org.staff[1:], rekan_scores)}

    def answer(invitation):
        if invitation.reviewee_id != org.staff[0].id:
            return 4
        if invitation.rater_group in ("diri", "atasan"):
            return 5
        return peers[invitation.rater_id]
    return answer


@pytest.fixture
def evidence(org, db):
    """staff[0]: 12 citizen responses (U6 six 4s and six 3s, U7 all 3), atasan 5, 3 rekan (4, 4, 3), diri 5."""
    citizen_responses(org.counter, org.staff[0], [4] * 6 + [3] * 6, [3] * 12)
    return released_cycle(org, staff_answers(org))


def test_one_employee_by_hand(org, db, evidence):
    period = make_period(org, [evidence])
    summary = merge(period)
    assert summary == MergeSummary(created=7)
    record = record_of(period, org.staff[0])
    # Citizen: NRR U6 = 42/12 = 3.5, U7 = 36/12 = 3; officer IKM 3.25 × 25 = 81.25 (as shown)
    # → (81.25 − 25) / 75 × 100 = 75.00.
    assert (record.citizen_n, record.citizen_ikm, record.citizen_score) == (12, D("81.25"), D("75.00"))
    # Its 95% margin: x = 87.5 six times and 75 six times, s² = 12 × 6.25² / 11 = 42.614, s/√12 = 1.8845,
    # t(0.975; 11) = 2.2010 → 4.1477 → 4.15.
    assert record.citizen_margin == D("4.15")
    # 360 on 1–5: atasan 5 → 100; rekan 11/3 → (11/3−1)/4×100 = 66.67 as shown; self 5 → 100, shown only.
    assert (record.atasan_n, record.atasan_score) == (1, D("100.00"))
    assert (record.rekan_n, record.rekan_score) == (3, D("66.67"))
    assert (record.bawahan_n, record.bawahan_score) == (0, None)
    assert (record.self_n, record.self_score, record.weight_self) == (1, D("100.00"), None)
    # Bawahan (10) has no data: 30/40/20 over 90 are 33.333…, 44.444…, 22.222… (99.99 shown); the
    # last hundredth goes to the largest remainder, atasan's 4000/90 (.44 against .33 and .22).
    assert record.weight_citizen == D("33.33")
    assert record.weight_atasan == D("44.45")
    assert record.weight_rekan == D("22.22")
    assert record.weight_bawahan is None
    # From the shown parts: (75.00×33.33 + 100.00×44.45 + 66.67×22.22) / 100 = 84.2616 → 84.26
    # (the unrounded parts gave 84.259…, shown 84.26 too).
    assert record.composite == D("84.26")
    assert record.rating_perilaku_suggested == "Di Atas Ekspektasi"
    assert record.status == "draft" and record.predikat is None
    lines = [say_template(t, p) for t, p in explanation_of(record)]
    assert any("12 tanggapan" in line and "75.00 dari 100" in line for line in lines)
    # No bawahan at all reads like a hidden group: how many answered is never said.
    assert any("Bawahan tidak disertakan: belum ada tanggapan yang mencapai ambang anonimitas" in line
               for line in lines)
    assert any("Bobot Masyarakat menjadi 33.33% (semula 30.00%)" in line for line in lines)
    assert any("Di Atas Ekspektasi" in line for line in lines)
    assert "Diri sendiri" not in " ".join(lines) or any("tidak dihitung" in line for line in lines)


def test_rekan_under_threshold_is_left_out_and_never_shown(org, db):
    citizen_responses(org.counter, org.staff[0], [4] * 6 + [3] * 6, [3] * 12)
    cycle = released_cycle(org, staff_answers(org),
                           skip=lambda inv: inv.reviewee_id == org.staff[0].id and inv.rater_id == org.staff[3].id)
    period = make_period(org, [cycle])
    merge(period)
    record = record_of(period, org.staff[0])
    # Hidden: no score, no weight, and no count either.
    assert (record.rekan_n, record.rekan_score, record.weight_rekan) == (0, None, None)
    # 30 and 40 over 70: 42.857… and 57.142…, shown 42.86 and 57.14 (the larger remainder, .857, gets
    # the missing hundredth); (75.00×42.86 + 100.00×57.14)/100 = 89.285 → 89.29.
    assert (record.weight_citizen, record.weight_atasan) == (D("42.86"), D("57.14"))
    assert record.composite == D("89.29")
    lines = [say_template(t, p) for t, p in explanation_of(record)]
    assert any("Rekan kerja tidak disertakan: belum ada tanggapan yang mencapai ambang anonimitas" in line
               for line in lines)
    assert " 2 tanggapan" not in " ".join(lines) and " 2 tanggapan" not in record.explanation


def test_each_cycle_group_counts_only_where_it_met_its_own_cycles_threshold(org, db, factory):
    first = released_cycle(org, staff_answers(org), name="Triwulan I")
    second = released_cycle(org, lambda inv: 1 if inv.rater_group == "rekan" else 4, name="Triwulan II",
                            threshold=7)
    period = make_period(org, [first, second])
    merge(period)
    record = record_of(period, org.staff[0])
    # The second cycle's three peers are hidden in their own cycle (it promised seven): their 1s
    # count nowhere, not even pooled with the first cycle's three, which count alone.
    assert (record.rekan_n, record.rekan_score) == (3, D("66.67"))
    # Atasan pooled over two responses: 5 and 4 → 4.5 → 87.5.
    assert (record.atasan_n, record.atasan_score) == (2, D("87.50"))


def test_citizen_under_minimum_is_left_out(org, db, evidence):
    period = make_period(org, [evidence], min_citizen_n=13)
    merge(period)
    record = record_of(period, org.staff[0])
    assert (record.citizen_n, record.citizen_score, record.weight_citizen) == (12, D("75.00"), None)
    # atasan 40 and rekan 20 over 60: 66.67 and 33.33; (100.00×66.67 + 66.67×33.33)/100 = 88.8911 → 88.89.
    assert (record.weight_atasan, record.weight_rekan) == (D("66.67"), D("33.33"))
    assert record.composite == D("88.89")
    lines = [say_template(t, p) for t, p in explanation_of(record)]
    assert any("Masyarakat tidak disertakan: hanya 12 tanggapan, minimal 13" in line for line in lines)


def test_citizen_outside_the_dates_does_not_count(org, db, evidence):
    period = make_period(org, [evidence], citizen_from=date(2026, 4, 1))
    merge(period)
    assert record_of(period, org.staff[0]).citizen_n == 0


def test_officer_unsur_u3_joins_the_mean(org, db, evidence):
    period = make_period(org, [evidence], officer_unsur=("U3", "U6", "U7"))
    merge(period)
    # NRR U3 = 3, U6 = 3.5, U7 = 3 → 19/6 on 1–4, IKM 25 × 19/6 = 79.1666… shown 79.17; from the shown
    # IKM (79.17 − 25) / 75 × 100 = 72.2266… → 72.23 (the exact 19/6 gave 72.222…, 72.22).
    assert record_of(period, org.staff[0]).citizen_score == D("72.23")


def test_self_counts_only_when_weighted(org, db, evidence):
    weights = {"citizen": 30, "atasan": 40, "rekan": 10, "bawahan": 10, "self": 10}
    period = make_period(org, [evidence], front=weights)
    merge(period)
    record = record_of(period, org.staff[0])
    # Bawahan missing: 30/40/10/10 over 90 shown 33.33, 44.45 (the largest remainder), 11.11, 11.11;
    # (75.00×33.33 + 100.00×44.45 + 66.67×11.11 + 100.00×11.11)/100 = 87.9645 → 87.96.
    assert record.weight_self == D("11.11")
    assert record.composite == D("87.96")


def test_back_office_weights_ignore_citizens(org, db, evidence):
    period = make_period(org, [evidence])
    merge(period)
    boss = record_of(period, org.supervisor)
    # The supervisor (back office): atasan (head) 4 → 75, bawahan four 4s → 75, no rekan.
    assert boss.job_group == "back_office"
    assert (boss.bawahan_n, boss.bawahan_score) == (4, D("75.00"))
    assert boss.weight_citizen is None and boss.weight_rekan is None
    # 50 and 20 over 70: 71.428… and 28.571…, shown 71.43 (remainder .857) and 28.57.
    assert (boss.weight_atasan, boss.weight_bawahan) == (D("71.43"), D("28.57"))
    assert boss.composite == D("75.00")
    assert boss.rating_perilaku_suggested == "Sesuai Ekspektasi"


def test_no_evidence_means_no_suggestion(org, db):
    period = make_period(org)
    merge(period)
    record = record_of(period, org.staff[1])
    assert record.composite is None and record.rating_perilaku_suggested is None
    assert all(getattr(record, f"weight_{c}") is None for c in ("citizen", "atasan", "rekan", "bawahan", "self"))
    lines = [say_template(t, p) for t, p in explanation_of(record)]
    assert any("belum dapat dihitung" in line for line in lines)


@pytest.mark.parametrize("u6_twos, expected", [(2, "Di Atas Ekspektasi"), (8, "Sesuai Ekspektasi")])
def test_default_thresholds_at_the_boundaries(org, db, u6_twos, expected):
    """Citizen 50 + atasan 50 (5 → 100). Ten responses with U6 = U7: eight 3s and two 2s → 2.8 → 60,
    so the composite is (60 + 100)/2 = 80 exactly: Di Atas. Two 3s and eight 2s → 2.2 → 40 → 70."""
    scores = [3] * (10 - u6_twos) + [2] * u6_twos
    citizen_responses(org.counter, org.staff[0], scores, scores)
    cycle = released_cycle(org, lambda inv: 5 if inv.rater_group == "atasan" else None)
    period = make_period(org, [cycle], front={"citizen": 50, "atasan": 50})
    merge(period)
    record = record_of(period, org.staff[0])
    composite = {2: D("80.000"), 8: D("70.000")}[u6_twos]
    assert record.composite == composite
    assert record.rating_perilaku_suggested == expected


@pytest.mark.parametrize("above, meets, expected", [
    (D(75), D(60), "Di Atas Ekspektasi"),
    (D("75.01"), D(60), "Sesuai Ekspektasi"),
    (D(90), D(75), "Sesuai Ekspektasi"),
    (D(90), D("75.01"), "Di Bawah Ekspektasi"),
])
def test_period_thresholds_decide_at_the_boundary(org, db, above, meets, expected):
    cycle = released_cycle(org, lambda inv: 4 if inv.rater_group == "atasan" else None)
    period = make_period(org, [cycle], front={"atasan": 100}, thresholds=(above, meets))
    merge(period)
    record = record_of(period, org.staff[0])
    assert record.composite == D("75.000")
    assert record.rating_perilaku_suggested == expected


def test_sixty_exactly_meets_expectations(org, db):
    citizen_responses(org.counter, org.staff[0], [2] * 4 + [1] * 6, [3] * 4 + [1] * 6)
    # U6 = 14/10, U7 = 18/10 → 1.6 → 20; composite 0.5×20 + 0.5×100 = 60.
    cycle = released_cycle(org, lambda inv: 5 if inv.rater_group == "atasan" else None)
    period = make_period(org, [cycle], front={"citizen": 50, "atasan": 50})
    merge(period)
    record = record_of(period, org.staff[0])
    assert (record.citizen_score, record.composite) == (D("20.000"), D("60.000"))
    assert record.rating_perilaku_suggested == "Sesuai Ekspektasi"


def test_development_areas_from_others_and_citizens(org, db, rate_limits):
    rate_limits()  # forty answers in twenty minutes at one loket: about the comparison, not the rate rule
    citizen_responses(org.counter, org.staff[0], [4] * 10, [2] * 10)
    # A peer at the same layanan (the same loket): ten (4, 4) and ten (3, 3), taking turns as
    # honest citizens would (no long run of one answer, which the integrity rules would hold).
    citizen_responses(org.counter, org.staff[1], [4, 3] * 10, [4, 3] * 10)
    weak = {"BERORIENTASI_PELAYANAN": 5, "AKUNTABEL": 5, "KOMPETEN": 2, "HARMONIS": 5, "LOYAL": 5, "ADAPTIF": 3,
            "KOLABORATIF": 5}
    cycle = released_cycle(org, lambda inv: weak if inv.reviewee_id == org.staff[0].id and inv.rater_group != "diri"
                           else 1 if inv.rater_group == "diri" else 4)
    period = make_period(org, [cycle])
    merge(period)
    development = development_of(record_of(period, org.staff[0]))
    assert [v["code"] for v in development["values"]] == ["KOMPETEN", "ADAPTIF"]
    # Not the two lowest unsur, but those reliably below the peers: U7, 2.00 against 3.50 (Welch: the
    # peers' s² = 5 / 19 = 0.2632, V = 0 + 0.2632 / 20, √V = 0.1147, df = 19, t = 2.0930, upper end
    # −1.50 + 0.2401 = −1.26, under zero). U6 (4.00 against 3.50) is above the peers, so no area.
    assert [u["code"] for u in development["unsur"]] == ["U7"]
    assert development["unsur"][0]["name"] == "Perilaku Pelaksana (sopan dan ramah)"
    assert {k: development["unsur"][0][k] for k in ("mean", "peers", "upper")} == {
        "mean": "2.00", "peers": "3.50", "upper": "-1.26"}


def test_no_development_area_without_enough_answers_or_peers(org, db, rate_limits):
    """Below the period's minimum n (10) at the layanan, or alone there, nobody is flagged."""
    rate_limits()  # about the comparison, not the rate rule
    citizen_responses(org.counter, org.staff[0], [4] * 9, [1] * 9)
    citizen_responses(org.counter, org.staff[1], [4] * 20, [4] * 10 + [3] * 10)
    citizen_responses(org.counter, org.staff[2], [1] * 12, [1] * 12)
    period = make_period(org, [released_cycle(org, lambda inv: 4)])
    merge(period)
    assert development_of(record_of(period, org.staff[0]))["unsur"] == []  # 9 answers, under 10
    # staff[2] is well below the others on both unsur, but has no spread at all: the peers' spread
    # still decides, and both are reliably below.
    assert [u["code"] for u in development_of(record_of(period, org.staff[2]))["unsur"]] == ["U6", "U7"]


def test_merge_twice_changes_nothing(org, db, evidence):
    period = make_period(org, [evidence])
    merge(period)
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    stamps = dict(db.session.execute(select(AppraisalRecord.id, AppraisalRecord.computed_at)).all())
    again = merge(period)
    assert again == MergeSummary(unchanged=7)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries
    assert dict(db.session.execute(select(AppraisalRecord.id, AppraisalRecord.computed_at)).all()) == stamps


def test_new_evidence_updates_the_draft_with_an_audit_entry(org, db, evidence):
    period = make_period(org, [evidence])
    merge(period)
    record = record_of(period, org.staff[0])
    # An hour later, so the loket's plausible rate holds; varied, so no run of identical answers.
    citizen_responses(org.counter, org.staff[0], [1, 2] * 6, [1] * 12, when=NOON_UTC + timedelta(hours=1))
    summary = merge(period)
    assert summary == MergeSummary(updated=1, unchanged=6)
    db.session.refresh(record)
    assert record.citizen_n == 24
    entry = audit_log(record)[-1]
    assert entry.action == "merge"
    assert '"citizen_n": 12' in entry.before and '"citizen_n": 24' in entry.after
    assert "unit_id" not in entry.after


def test_citizen_evidence_sums_an_officers_rows_of_every_loket():
    """SQLite's citizen query groups by loket too: an officer's rows at several lokets, in any
    order, give the same evidence as one row per officer and layanan."""
    # (employee, service key, n, s6, s7, q6, q7, p67) with unsur U6 and U7
    per_loket = [(8, 2, 3, 9, 8, 29, 24, 25), (5, 0, 2, 6, 7, 18, 25, 21), (8, 0, 1, 4, 3, 16, 9, 12),
                 (8, 2, 2, 5, 6, 13, 18, 15), (5, 2, 4, 12, 10, 36, 26, 30)]
    merged = [(5, 0, 2, 6, 7, 18, 25, 21), (5, 2, 4, 12, 10, 36, 26, 30), (8, 0, 1, 4, 3, 16, 9, 12),
              (8, 2, 5, 14, 14, 42, 42, 40)]
    expected = ([(5, 6, 18, 17, 54, 51, 51), (8, 6, 18, 17, 58, 51, 52)],
                [(5, 2, 4, 12, 36, 10, 26), (8, 2, 5, 14, 42, 14, 42)], {2: (9, 26, 78, 24, 68)})
    assert merging.citizen_evidence(per_loket, ("U6", "U7")) == expected
    assert merging.citizen_evidence(merged, ("U6", "U7")) == expected


def test_merge_progress_reports_every_chunk(org, db, monkeypatch):
    monkeypatch.setattr(merging, "CHUNK", 3)
    period = make_period(org)
    seen = []
    merge(period, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert merge(period) == MergeSummary(unchanged=7)


def test_an_error_storing_a_chunk_stops_the_merge(org, db, evidence, monkeypatch):
    """A chunk that cannot be stored (on PostgreSQL, in the storing thread of a first merge) fails
    the merge; after rolling back to before it, nothing of it is left and the connection works."""
    period = make_period(org, [evidence])
    monkeypatch.setattr(merging, "CHUNK", 3)
    insert_many, calls = merging._insert_many, []

    def failing(connection, table, names, rows):
        calls.append(table.name)
        if len(calls) == 4:  # the second chunk's audit entries
            raise RuntimeError("disk full")
        insert_many(connection, table, names, rows)

    monkeypatch.setattr(merging, "_insert_many", failing)
    savepoint = db.session.begin_nested()
    with pytest.raises(RuntimeError, match="disk full"):
        merge(period)
    assert calls[:4] == ["appraisal_record", "audit_entry"] * 2
    savepoint.rollback()
    assert db.session.scalar(select(func.count(AppraisalRecord.id)).where(AppraisalRecord.period_id == period.id)) == 0
    monkeypatch.setattr(merging, "_insert_many", insert_many)
    assert merge(period) == MergeSummary(created=7)


def test_merge_refuses_unreleased_cycles(org, db):
    from datetime import timedelta

    from portal.reviews import services as reviews

    today = clock.today(org.instansi.tz)
    cycle = reviews.create_cycle(org.instansi, name="Belum", period_kind="tahunan", opens_on=today,
                                 closes_on=today + timedelta(days=5), unit_ids=[org.unit.id])
    period = make_period(org, [cycle])
    with pytest.raises(AppraisalError, match="belum dirilis"):
        merge(period)


def test_inactive_employees_get_no_record(org, db):
    org.staff[3].active = False
    period = make_period(org)
    assert merge(period).created == 6
    assert record_of(period, org.staff[3]) is None


# --- period settings ---------------------------------------------------------------------------

def test_period_is_stored_with_its_weights(org, db, evidence):
    period_id, cycle_id = make_period(org, [evidence], thresholds=(D("85.5"), D(65)), min_citizen_n=20,
                                      officer_unsur=("U7", "U3", "U6")).id, evidence.id
    db.session.commit()
    db.session.expunge_all()  # read back what the database holds, not the objects the test made
    period = db.session.get(AppraisalPeriod, period_id)
    assert period.officer_unsur == "U3,U6,U7"
    assert (period.above_threshold, period.meets_threshold, period.min_citizen_n) == (D("85.5"), D(65), 20)
    assert [c.id for c in period.cycles] == [cycle_id]
    weights = period_weights(period)
    assert weights["front_line"][Component.CITIZEN] == D(30)
    assert weights["back_office"][Component.BAWAHAN] == D(20)


@pytest.mark.parametrize("change, field", [
    ({"name": " "}, "name"),
    ({"kind": "bulanan"}, "kind"),
    ({"citizen_to": date(2025, 12, 31)}, "citizen_to"),
    ({"weights": {"front_line": {**FRONT, "citizen": 31}, "back_office": BACK}}, "weights_front_line"),
    ({"weights": {"front_line": FRONT, "back_office": {**BACK, "atasan": -10, "rekan": 90}}}, "weights_back_office"),
    ({"weights": {"front_line": FRONT}}, "weights_back_office"),
    ({"weights": {"front_line": {**FRONT, "citizen": "30.0001", "atasan": "39.9999"}, "back_office": BACK}},
     "weights_front_line"),
    ({"thresholds": (D(60), D(80))}, "above"),
    ({"thresholds": (D(101), D(60))}, "above"),
    ({"min_citizen_n": 0}, "min_citizen_n"),
    ({"officer_unsur": ["U1"]}, "officer_unsur"),
    ({"officer_unsur": []}, "officer_unsur"),
    ({"cycle_ids": [999999]}, "cycle_ids"),
])
def test_period_validation(org, db, change, field):
    arguments = dict(name="Periode", kind="tahunan", citizen_from=date(2026, 1, 1), citizen_to=date(2026, 12, 31),
                     cycle_ids=[], weights={"front_line": FRONT, "back_office": BACK},
                     thresholds=(D(80), D(60)), min_citizen_n=10, officer_unsur=["U6", "U7"])
    arguments.update(change)
    with pytest.raises(AppraisalError) as caught:
        create_period(org.instansi, **arguments)
    assert caught.value.field == field
    assert say_template(caught.value.message, caught.value.params)


def test_period_name_is_unique_and_cycles_of_another_instansi_are_refused(org, db, factory):
    make_period(org)
    with pytest.raises(AppraisalError, match="sudah dipakai"):
        make_period(org)
    other = factory.instansi("Pemerintah Kota Lain")
    unit = factory.unit(other, code="X")
    from datetime import timedelta

    from portal.reviews import services as reviews

    today = clock.today(other.tz)
    foreign = reviews.create_cycle(other, name="Lain", period_kind="tahunan", opens_on=today,
                                   closes_on=today + timedelta(days=3), unit_ids=[unit.id])
    with pytest.raises(AppraisalError) as caught:
        make_period(org, [foreign], name="Lain")
    assert caught.value.field == "cycle_ids"


def test_update_period_keeps_decided_records(org, db, evidence):
    period = make_period(org, [evidence])
    merge(period)
    update_period(period, period.name, "triwulan", period.citizen_from, period.citizen_to, [evidence.id],
                           {"front_line": {"atasan": 100}, "back_office": BACK}, (D(80), D(60)), 10, ["U6", "U7"])
    assert period.kind == "triwulan"
    summary = merge(period)
    # Every draft now points at the new settings; the four front-line staff now weigh the atasan alone.
    assert summary.updated == 7
    assert record_of(period, org.staff[0]).composite == D("100.000")
    assert {record_of(period, e).settings.version for e in org.staff} == {2}


@settings(max_examples=examples(300))
@given(st.fractions(min_value=0, max_value=100, max_denominator=10**6), st.integers(min_value=0, max_value=4))
def test_the_merge_rounds_exactly_like_the_core(value, places):
    from surveys.exact import round_half_up

    assert str(evaluation._rounded(value, places)) == str(round_half_up(value, places))


def test_records_without_evidence_hold_the_figures_the_merge_computes(org, db, evidence, factory):
    """Everyone without evidence shares one set of figures per job group; on PostgreSQL a first
    merge has the server make those records and their audit entries from it in one statement.
    Each holds exactly what the merge computes, and a second merge finds nothing to change."""
    newcomers = [factory.employee(org.unit, "Pegawai Baru", supervisor=org.supervisor, job_group="front_line"),
                 factory.employee(org.other_unit, "Analis Baru", jabatan="Analis")]
    db.session.commit()
    period = make_period(org, [evidence])
    now = clock.now()
    assert merge(period, now=now) == MergeSummary(created=9)
    rules = evaluation.MergeRules.of(period)
    for employee in newcomers:
        record = record_of(period, employee)
        computed, created = merging._merged(evaluation.evaluate(rules, employee.job_group, evaluation.Evidence()))
        stored = tuple(getattr(record, f) for f in merging.COMPUTED_FIELDS)
        assert stored == computed
        assert (record.status, record.unit_id, record.job_group, record.computed_at) == (
            "draft", employee.unit_id, employee.job_group, now)
        assert (record.penilai_id, record.atasan_penilai_id) == (
            (org.supervisor.id, org.head.id) if employee is newcomers[0] else (None, None))
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)).all()
        assert [(e.action, e.before, e.after, e.instansi_id, e.at) for e in entries] == [
            ("merge", "{}", created, org.instansi.id, now)]
    assert merge(period) == MergeSummary(unchanged=9)


def test_worker_processes_compute_the_same_records(org, db, evidence):
    period = make_period(org, [evidence])
    assert merge(period, workers=2) == MergeSummary(created=7)
    record = record_of(period, org.staff[0])
    assert (record.composite, record.weight_citizen) == (D("84.26"), D("33.33"))
    assert merge(period, workers=0) == MergeSummary(unchanged=7)
