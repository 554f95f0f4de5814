"""Every rule, on both sides of its threshold, starting from a complete case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from core.case import Case, Diagnosis, ExtraMeasure, ExtraRiskPoint, Medication, SubstanceUse
from core.content.pathway import Pathway
from core.findings import Finding, Severity
from core.rules import evaluate

Codes = Callable[[Case], set[str]]
Findings = Callable[[Case], list[Finding]]


def _blockers(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings if f.severity is Severity.BLOCKER]


def test_complete_case_has_no_blockers(complete: Case, findings: Findings) -> None:
    assert _blockers(findings(complete)) == []


def test_empty_case_never_raises_and_blocks(pathway: Pathway) -> None:
    result = evaluate(Case(), pathway)
    assert "CONSULTATION_DATE_MISSING" in {f.code for f in result}
    assert all(f.message for f in result)


def test_every_finding_names_a_known_step(complete: Case, findings: Findings) -> None:
    from core.steps import STEP_IDS

    for f in findings(Case()) + findings(complete):
        assert f.step in STEP_IDS


# ---- patient and consultation ----------------------------------------------------------

@pytest.mark.parametrize(
    ("number", "code"),
    [("", "IDENTITY_EMPTY"), ("1588851002", "IDENTITY_LENGTH"),
     ("15888510026", "IDENTITY_CHECKSUM"), ("1588851002x", "IDENTITY_NOT_DIGITS")],
)
def test_bad_identity_numbers_block(complete: Case, codes: Codes, number: str, code: str) -> None:
    complete.patient.identity_number = number
    assert code in codes(complete)
    complete.patient.identity_number = "15888510025"
    assert code not in codes(complete)


def test_synthetic_number_warns_and_real_one_does_not(complete: Case, codes: Codes) -> None:
    assert "IDENTITY_SYNTHETIC" in codes(complete)
    complete.patient.identity_number = "15108695088"
    complete.patient.birth_date = date(1986, 10, 15)
    assert "IDENTITY_SYNTHETIC" not in codes(complete)


def test_birth_date_future_and_mismatch(complete: Case, codes: Codes) -> None:
    complete.patient.birth_date = date(2026, 11, 23)
    assert "BIRTH_DATE_FUTURE" in codes(complete)
    complete.patient.birth_date = date(2026, 11, 22) - timedelta(days=365 * 30)
    assert "BIRTH_DATE_FUTURE" not in codes(complete)
    assert "BIRTH_DATE_MISMATCH" in codes(complete)
    complete.patient.birth_date = date(1985, 8, 15)
    assert "BIRTH_DATE_MISMATCH" not in codes(complete)


def test_under_18_warns(complete: Case, codes: Codes) -> None:
    # Age on the consultation date (2021-11-15), not on the day the rules run (TODAY, 2026).
    complete.patient.identity_number = ""
    complete.patient.birth_date = date(2003, 11, 16)  # 17 on 2021-11-15, 23 on TODAY
    assert "PATIENT_UNDER_18" in codes(complete)
    complete.patient.birth_date = date(2003, 11, 15)  # 18 on the consultation date
    assert "PATIENT_UNDER_18" not in codes(complete)


def test_prescriber_hpr(complete: Case, codes: Codes) -> None:
    complete.prescriber.hpr_number = "12345"
    assert "PRESCRIBER_HPR_INVALID" in codes(complete)
    complete.prescriber.hpr_number = "123456"
    assert "PRESCRIBER_HPR_INVALID" not in codes(complete)
    complete.prescriber.hpr_number = ""
    assert "PRESCRIBER_HPR_MISSING" in codes(complete)


def test_legal_basis_validity_window(complete: Case, codes: Codes) -> None:
    complete.consultation.date = date(2021, 12, 31)
    assert "LEGAL_BASIS_NOT_IN_FORCE" not in codes(complete)
    complete.consultation.date = date(2022, 1, 1)
    assert "LEGAL_BASIS_NOT_IN_FORCE" in codes(complete)
    complete.consultation.exercise_mode = True
    assert "LEGAL_BASIS_NOT_IN_FORCE" not in codes(complete)
    assert "EXERCISE_MODE" in codes(complete)


# ---- the three conditions --------------------------------------------------------------

def test_c1_needs_a_diagnosis(complete: Case, codes: Codes) -> None:
    complete.conditions.dependence.diagnoses = []
    assert "C1_NO_DIAGNOSIS" in codes(complete)


def test_c1_alcohol_alone_does_not_qualify(complete: Case, codes: Codes) -> None:
    diagnosis = complete.conditions.dependence.diagnoses[0]
    diagnosis.substance, diagnosis.icd10 = "alcohol", "F10.2"
    result = codes(complete)
    assert {"C1_NOT_NARCOTIC", "C1_NO_NARCOTIC_DEPENDENCE", "C1_DRUG_WITHOUT_DIAGNOSIS"} <= result


def test_c1_icd10_must_match_the_substance(complete: Case, codes: Codes) -> None:
    complete.conditions.dependence.diagnoses[0].icd10 = "F13.2"
    assert "C1_ICD10_INVALID" in codes(complete)
    complete.conditions.dependence.diagnoses[0].icd10 = "F11.2"
    assert "C1_ICD10_INVALID" not in codes(complete)


def test_c1_gp_diagnosis_needs_supervisor(complete: Case, codes: Codes) -> None:
    diagnosis = complete.conditions.dependence.diagnoses[0]
    diagnosis.diagnosed_by = "gp_supervised"
    assert "C1_SUPERVISOR_MISSING" in codes(complete)
    diagnosis.supervisor_name = "Overlege Per Spesialist"
    assert "C1_SUPERVISOR_MISSING" not in codes(complete)
    diagnosis.diagnosed_by = None
    assert "C1_DIAGNOSED_BY_MISSING" in codes(complete)


def test_c1_each_substituted_substance_needs_a_diagnosis(complete: Case, codes: Codes) -> None:
    complete.medications.append(Medication(drug="oxazepam", formulation="tablet",
                                           daily_dose="30"))
    assert "C1_DRUG_WITHOUT_DIAGNOSIS" in codes(complete)
    complete.conditions.dependence.diagnoses.append(Diagnosis(
        substance="benzodiazepines", icd10="F13.2", diagnosed_by="specialist",
        diagnosed_by_name="Overlege Per Spesialist"))
    assert "C1_DRUG_WITHOUT_DIAGNOSIS" not in codes(complete)


def test_c2_plan(complete: Case, codes: Codes) -> None:
    complete.conditions.plan.agreed = ""
    assert "C2_INCOMPLETE" in codes(complete)
    complete.conditions.plan.agreed = "Avtalt"
    assert "C2_INCOMPLETE" not in codes(complete)
    complete.conditions.plan.contacted_at = datetime(2021, 11, 16, 8, 0)
    assert "C2_CONTACT_AFTER_CONSULTATION" in codes(complete)
    complete.conditions.plan.contacted_at = datetime(2021, 11, 15, 23, 0)
    assert "C2_CONTACT_AFTER_CONSULTATION" not in codes(complete)


def test_c3_dates(complete: Case, codes: Codes) -> None:
    quarantine = complete.conditions.quarantine
    quarantine.expected_end = quarantine.start
    assert "C3_END_BEFORE_START" not in codes(complete)
    quarantine.expected_end = quarantine.start - timedelta(days=1)  # type: ignore[operator]
    assert "C3_END_BEFORE_START" in codes(complete)


def test_c3_self_chosen_and_kind(complete: Case, codes: Codes) -> None:
    complete.conditions.quarantine.ordered_by_role = "not_ordered"
    assert "C3_SELF_CHOSEN" in codes(complete)
    complete.conditions.quarantine.ordered_by_role = "municipal_doctor"
    assert "C3_SELF_CHOSEN" not in codes(complete)
    complete.conditions.quarantine.kind = None
    assert "C3_KIND_MISSING" in codes(complete)


def test_consultation_outside_isolation_period(complete: Case, codes: Codes) -> None:
    complete.consultation.date = date(2021, 11, 23)  # the expected end day: inside
    assert "C3_CONSULTATION_OUTSIDE_PERIOD" not in codes(complete)
    complete.consultation.date = date(2021, 11, 24)
    assert "C3_CONSULTATION_OUTSIDE_PERIOD" in codes(complete)


def test_patient_need_only(complete: Case, codes: Codes) -> None:
    complete.conditions.patient_need_only = False
    assert "PATIENT_NEED_NOT_CONFIRMED" in codes(complete)


# ---- findings --------------------------------------------------------------------------

def test_saturation_threshold(complete: Case, codes: Codes) -> None:
    complete.findings.oxygen_saturation = 94
    assert "SATURATION_LOW" not in codes(complete)
    complete.findings.oxygen_saturation = 93
    assert {"SATURATION_LOW", "CONSIDER_ADMISSION"} <= codes(complete)
    complete.findings.oxygen_saturation = 49
    assert "SATURATION_IMPLAUSIBLE" in codes(complete)


def test_respiratory_rate_threshold(complete: Case, codes: Codes) -> None:
    complete.findings.respiratory_rate = 12
    assert "RESPIRATORY_RATE_LOW" not in codes(complete)
    complete.findings.respiratory_rate = 11
    assert "RESPIRATORY_RATE_LOW" in codes(complete)
    complete.findings.respiratory_rate = 3
    assert "RESPIRATORY_RATE_IMPLAUSIBLE" in codes(complete)
    complete.findings.respiratory_rate = 61
    assert "RESPIRATORY_RATE_IMPLAUSIBLE" in codes(complete)


def test_pulse_plausibility(complete: Case, codes: Codes) -> None:
    complete.findings.pulse = 250
    assert "PULSE_IMPLAUSIBLE" not in codes(complete)
    complete.findings.pulse = 251
    assert "PULSE_IMPLAUSIBLE" in codes(complete)


def test_qtc_threshold(complete: Case, codes: Codes) -> None:
    complete.findings.qtc_ms = 469
    assert "HEART_RISK" not in codes(complete)
    complete.findings.qtc_ms = 470
    assert "HEART_RISK" in codes(complete)


def test_lung_and_covid_symptoms(complete: Case, codes: Codes) -> None:
    assert "LUNG_RISK" not in codes(complete)
    complete.findings.covid_respiratory_symptoms = "yes"
    assert "LUNG_RISK" in codes(complete)


def test_general_condition_suggests_admission(complete: Case, codes: Codes) -> None:
    assert "CONSIDER_ADMISSION" not in codes(complete)
    complete.findings.reduced_general_condition = "yes"
    assert "CONSIDER_ADMISSION" in codes(complete)


def test_pregnancy(complete: Case, codes: Codes) -> None:
    complete.patient.sex = "male"  # keep the derived childbearing age out of this test
    complete.findings.pregnancy = "not_pregnant"
    assert "PREGNANCY" not in codes(complete)
    complete.findings.pregnancy = "possible"
    assert "PREGNANCY" in codes(complete)
    complete.findings.pregnancy = "not_pregnant"
    complete.findings.childbearing_age = True
    assert "PREGNANCY" in codes(complete)


@pytest.mark.parametrize("substance", ["alcohol", "pregabalin", "ghb"])
def test_depressant_co_use(complete: Case, codes: Codes, substance: str) -> None:
    assert "DEPRESSANT_CO_USE" not in codes(complete)
    complete.substance_use.append(SubstanceUse(substance=substance))
    assert "DEPRESSANT_CO_USE" in codes(complete)


def test_opioid_benzodiazepine_combination(complete: Case, codes: Codes) -> None:
    assert "OPIOID_BENZODIAZEPINE" not in codes(complete)
    complete.substance_use.append(SubstanceUse(substance="benzodiazepines"))
    assert "OPIOID_BENZODIAZEPINE" in codes(complete)


def test_substance_use_line_without_substance(complete: Case, codes: Codes) -> None:
    complete.substance_use.append(SubstanceUse(amount="litt"))
    assert "SUBSTANCE_USE_SUBSTANCE_MISSING" in codes(complete)


# ---- risk mapping and measures ---------------------------------------------------------

def test_required_risk_point_must_be_answered(complete: Case, codes: Codes) -> None:
    del complete.risk["R5"]
    assert "RISK_POINT_UNANSWERED" in codes(complete)
    complete.risk["R5"] = complete.risk["R4"].model_copy()
    assert "RISK_POINT_UNANSWERED" not in codes(complete)
    complete.risk["R5"].assessment = "nonsense"
    assert "RISK_POINT_UNANSWERED" in codes(complete)


def test_unclear_and_high_without_note(complete: Case, codes: Codes) -> None:
    complete.risk["R3"].assessment = "unclear"
    assert "RISK_POINT_UNCLEAR" in codes(complete)
    complete.risk["R3"].assessment = "high"
    complete.risk["R3"].note = ""
    assert "RISK_HIGH_WITHOUT_NOTE" in codes(complete)
    complete.risk["R3"].note = "Injiserer; tilsyn ved inntak."
    assert "RISK_HIGH_WITHOUT_NOTE" not in codes(complete)


def test_no_daily_supervision(complete: Case, codes: Codes) -> None:
    complete.risk["R11"].assessment = "moderate"
    assert "NO_DAILY_SUPERVISION" not in codes(complete)
    complete.risk["R11"].assessment = "high"
    assert "NO_DAILY_SUPERVISION" in codes(complete)
    complete.risk["R11"].assessment = "low"
    complete.plan.supervision_frequency = " "
    assert "NO_DAILY_SUPERVISION" in codes(complete)


def test_chaotic_living(complete: Case, codes: Codes) -> None:
    assert "CHAOTIC_LIVING" not in codes(complete)
    complete.patient.no_fixed_abode = True
    assert "CHAOTIC_LIVING" in codes(complete)


def test_extra_points_need_titles(complete: Case, codes: Codes) -> None:
    complete.extra_risk_points.append(ExtraRiskPoint(note="x"))
    complete.extra_measures.append(ExtraMeasure(details="y"))
    assert {"EXTRA_RISK_TITLE_MISSING", "EXTRA_MEASURE_TITLE_MISSING"} <= codes(complete)


def test_expected_measures(complete: Case, codes: Codes) -> None:
    complete.measures["T2"].chosen = False
    assert "MEASURE_NOT_CHOSEN" in codes(complete)


# ---- medication ------------------------------------------------------------------------

def test_dose_range_upper_edge(complete: Case, findings: Findings) -> None:
    med = complete.medications[0]  # buprenorphine/naloxone, 8–16 mg
    med.daily_dose = "16"
    assert "DOSE_ABOVE_RANGE" not in {f.code for f in findings(complete)}
    med.daily_dose = "16,5"
    result = findings(complete)
    above = [f for f in result if f.code == "DOSE_ABOVE_RANGE"]
    assert above[0].severity is Severity.BLOCKER
    assert above[0].field == "medications.0.deviation_justification"
    assert "DOSE_ABOVE_RANGE_NO_TOLERANCE" in {f.code for f in result}
    med.deviation_justification = "Høy toleranse dokumentert; 24 mg tidligere i LAR."
    med.deviation_agreed_by = "Overlege Per Spesialist"
    med.tolerance_note = "Brukte 24 mg i LAR i 2020 uten sedasjon."
    result = findings(complete)
    above = [f for f in result if f.code == "DOSE_ABOVE_RANGE"]
    assert above[0].severity is Severity.WARNING
    assert "DOSE_ABOVE_RANGE_NO_TOLERANCE" not in {f.code for f in result}
    assert _blockers(result) == []


def test_dose_below_range_is_information(complete: Case, findings: Findings) -> None:
    complete.medications[0].daily_dose = "8"
    assert "DOSE_BELOW_RANGE" not in {f.code for f in findings(complete)}
    complete.medications[0].daily_dose = "7,9"
    below = [f for f in findings(complete) if f.code == "DOSE_BELOW_RANGE"]
    assert below[0].severity is Severity.INFO


@pytest.mark.parametrize(
    ("typed", "code"),
    [("", "DOSE_MISSING"), ("mye", "DOSE_UNREADABLE"), ("-4", "DOSE_NOT_POSITIVE"),
     ("0", "DOSE_NOT_POSITIVE"), ("1000", "DOSE_IMPLAUSIBLE"), ("65", "DOSE_IMPLAUSIBLE")],
)
def test_bad_doses_block(complete: Case, codes: Codes, typed: str, code: str) -> None:
    complete.medications[0].daily_dose = typed
    assert code in codes(complete)


def test_implausible_edge(complete: Case, codes: Codes) -> None:
    complete.medications[0].daily_dose = "64"
    assert "DOSE_IMPLAUSIBLE" not in codes(complete)


def test_missing_drug_and_formulation(complete: Case, codes: Codes) -> None:
    complete.medications[0].formulation = ""
    assert "MEDICATION_FORMULATION_MISSING" in codes(complete)
    complete.medications[0].formulation = "oral_solution"  # not a formulation of this drug
    assert "MEDICATION_FORMULATION_MISSING" in codes(complete)
    complete.medications[0].drug = ""
    assert "MEDICATION_DRUG_MISSING" in codes(complete)
    complete.medications = []
    assert "NO_MEDICATION" in codes(complete)


def test_methadone_needs_justification(complete: Case, findings: Findings) -> None:
    med = complete.medications[0]
    med.drug, med.formulation, med.daily_dose = "methadone", "oral_solution", "40"
    exception = [f for f in findings(complete) if f.code == "EXCEPTION_DRUG"]
    assert exception[0].severity is Severity.BLOCKER
    med.deviation_justification = "Buprenorfin ga utløst abstinens."
    assert next(f for f in findings(complete) if f.code == "EXCEPTION_DRUG").severity is (
        Severity.BLOCKER)  # the specialist is still missing
    med.deviation_agreed_by = "Overlege Per Spesialist"
    exception = [f for f in findings(complete) if f.code == "EXCEPTION_DRUG"]
    assert exception[0].severity is Severity.WARNING


def test_diazepam_with_reduced_respiration(complete: Case, codes: Codes) -> None:
    complete.conditions.dependence.diagnoses[0].substance = "benzodiazepines"
    complete.conditions.dependence.diagnoses[0].icd10 = "F13.2"
    complete.medications = [Medication(drug="diazepam", formulation="tablet", daily_dose="20")]
    complete.findings.oxygen_saturation = 94
    assert "AVOID_WITH_REDUCED_RESPIRATION" not in codes(complete)
    complete.findings.oxygen_saturation = 93
    assert "AVOID_WITH_REDUCED_RESPIRATION" in codes(complete)
    complete.medications[0].drug = "oxazepam"
    complete.medications[0].daily_dose = "45"
    assert "AVOID_WITH_REDUCED_RESPIRATION" not in codes(complete)


def test_drug_not_in_table(complete: Case, codes: Codes) -> None:
    complete.medications[0].drug = "other"
    complete.medications[0].other_name = ""
    result = codes(complete)
    assert {"DRUG_NOT_IN_TABLE", "MEDICATION_OTHER_NAME_MISSING"} <= result


def test_medication_dates(complete: Case, codes: Codes) -> None:
    med = complete.medications[0]
    med.planned_end = med.start_date
    assert "MEDICATION_END_BEFORE_START" not in codes(complete)
    med.planned_end = med.start_date - timedelta(days=1)  # type: ignore[operator]
    assert "MEDICATION_END_BEFORE_START" in codes(complete)


# ---- plan and consent ------------------------------------------------------------------

def test_already_in_lar_blocks(complete: Case, codes: Codes) -> None:
    complete.plan.lar_referral = "already_in_lar"
    assert "ALREADY_IN_LAR" in codes(complete)


def test_contact_phone_and_after_isolation(complete: Case, codes: Codes) -> None:
    complete.plan.patient_contact_phone = ""
    assert "PATIENT_CONTACT_MISSING" in codes(complete)
    complete.plan.end_of_isolation = complete.plan.taper = ""
    assert "NO_PLAN_AFTER_ISOLATION" in codes(complete)


@pytest.mark.parametrize(
    ("capacity", "code", "severity"),
    [(None, "CAPACITY_NOT_ASSESSED", Severity.BLOCKER),
     ("lacking", "CAPACITY_LACKING", Severity.BLOCKER),
     ("reduced", "CAPACITY_REDUCED", Severity.WARNING)],
)
def test_capacity(complete: Case, findings: Findings, capacity: str | None, code: str,
                  severity: Severity) -> None:
    complete.consent.capacity = capacity  # type: ignore[assignment]
    assert any(f.code == code and f.severity is severity for f in findings(complete))


@pytest.mark.parametrize(
    ("status", "code"),
    [("not_obtained", "CONSENT_NOT_OBTAINED"), ("declined", "CONSENT_DECLINED"),
     ("withdrawn", "CONSENT_WITHDRAWN")],
)
def test_consent_status(complete: Case, codes: Codes, status: str, code: str) -> None:
    complete.consent.status = status  # type: ignore[assignment]
    assert code in codes(complete)


def test_consent_items_explained(complete: Case, codes: Codes) -> None:
    complete.consent.items_explained["K3"] = False
    assert "CONSENT_ITEMS_NOT_EXPLAINED" in codes(complete)
    complete.consent.items_explained["K3"] = True
    # K5 (methadone) does not apply here, so leaving it unexplained is fine.
    complete.consent.items_explained["K5"] = False
    assert "CONSENT_ITEMS_NOT_EXPLAINED" not in codes(complete)


def test_interpreter(complete: Case, codes: Codes) -> None:
    complete.patient.interpreter_needed = True
    assert "INTERPRETER_NOT_USED" in codes(complete)
    complete.consent.interpreter_used = True
    assert "INTERPRETER_NOT_USED" not in codes(complete)
