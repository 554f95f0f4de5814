"""Issue 18: the rules say what the source (seed 004) says, in cases written from the source.

Each rule is tested on both sides: the finding is there when the fact the seed names is
recorded, and gone when it is not.  The consultation in the example is 2021-11-15; the rules
run on TODAY (2026-11-22), a day far later, so a rule judged on "today" shows up as wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from core.case import Case, Diagnosis, Medication, SubstanceUse
from core.content.pathway import Pathway
from core.findings import Finding, Severity
from core.rules import evaluate, relevance
from tests.core.rules.conftest import TODAY

Codes = Callable[[Case], set[str]]
Findings = Callable[[Case], list[Finding]]


def _finding(findings: list[Finding], code: str) -> Finding:
    return next(f for f in findings if f.code == code)


def _mixed_user(case: Case) -> Case:
    """Buprenorphine + oxazepam for a patient who drinks alcohol every day (issue 18, 1)."""
    case.medications.append(Medication(drug="oxazepam", formulation="tablet", daily_dose="30"))
    case.conditions.dependence.diagnoses.append(Diagnosis(
        substance="benzodiazepines", icd10="F13.2", diagnosed_by="specialist",
        diagnosed_by_name="Overlege Per Spesialist"))
    case.substance_use.append(SubstanceUse(substance="alcohol", amount="4–6 øl",
                                           frequency="daglig"))
    return case


# ---- 1: the combination this patient has --------------------------------------------------

def test_the_combinations_are_the_patients_own(complete: Case, pathway: Pathway) -> None:
    assert relevance.combinations(complete, pathway) == []  # buprenorphine/naloxone and heroin only
    ids = [c.id for c in relevance.combinations(_mixed_user(complete), pathway)]
    assert ids == ["opioid_benzodiazepine", "opioid_alcohol", "benzodiazepine_alcohol"]
    names = {c.id: [n.running("nb") for n in relevance.combination_names(complete, pathway, c)]
             for c in relevance.combinations(complete, pathway)}
    # What the patient is prescribed is named as the drug; what they use, as the substance.
    assert names["opioid_benzodiazepine"] == ["buprenorfin/nalokson", "oksazepam"]
    assert names["benzodiazepine_alcohol"] == ["oksazepam", "alkohol"]


def test_the_combination_item_must_be_explained(complete: Case, findings: Findings) -> None:
    assert "CONSENT_ITEMS_NOT_EXPLAINED" not in {f.code for f in findings(complete)}
    _mixed_user(complete)
    result = findings(complete)
    assert {"OPIOID_BENZODIAZEPINE", "DEPRESSANT_CO_USE"} <= {f.code for f in result}
    assert "K19" in _finding(result, "CONSENT_ITEMS_NOT_EXPLAINED").message
    complete.consent.items_explained["K19"] = True
    assert "CONSENT_ITEMS_NOT_EXPLAINED" not in {f.code for f in findings(complete)}


# ---- 2: condition 3 needs an order and its legal basis ------------------------------------

def test_no_order_and_no_legal_reference_block(complete: Case, codes: Codes) -> None:
    quarantine = complete.conditions.quarantine
    quarantine.legal_reference = ""
    quarantine.ordered_by = ""
    quarantine.ordered_by_role = None
    result = codes(complete)
    assert {"C3_ORDER_MISSING", "C3_LEGAL_REFERENCE_MISSING"} <= result
    assert "C3_SELF_CHOSEN" not in result
    quarantine.ordered_by_role = "contact_tracing"
    result = codes(complete)
    assert "C3_ORDER_MISSING" not in result
    assert "C3_ORDERED_BY_NAME_MISSING" in result
    quarantine.ordered_by = "Smittesporingsteamet i Prøvestad"
    quarantine.legal_reference = "covid-19-forskriften § 7"
    assert not {"C3_ORDER_MISSING", "C3_ORDERED_BY_NAME_MISSING",
                "C3_LEGAL_REFERENCE_MISSING"} & codes(complete)


def test_no_order_is_recorded_explicitly_and_blocks(complete: Case, codes: Codes) -> None:
    complete.conditions.quarantine.ordered_by_role = "not_ordered"
    result = codes(complete)
    assert "C3_SELF_CHOSEN" in result
    assert "C3_ORDER_MISSING" not in result


def test_the_legal_reference_must_fit_the_kind(complete: Case, findings: Findings) -> None:
    quarantine = complete.conditions.quarantine  # isolation, "covid-19-forskriften § 7"
    assert "C3_LEGAL_REFERENCE_MISMATCH" not in {f.code for f in findings(complete)}
    quarantine.legal_reference = "covid-19-forskriften § 4"
    mismatch = _finding(findings(complete), "C3_LEGAL_REFERENCE_MISMATCH")
    assert mismatch.severity is Severity.WARNING
    assert "isolering" in mismatch.message and "covid-19-forskriften § 7" in mismatch.message
    quarantine.kind = "quarantine"
    assert "C3_LEGAL_REFERENCE_MISMATCH" not in {f.code for f in findings(complete)}


def test_the_missing_reference_names_the_provision(complete: Case, findings: Findings) -> None:
    complete.conditions.quarantine.legal_reference = " "
    blocker = _finding(findings(complete), "C3_LEGAL_REFERENCE_MISSING")
    assert "covid-19-forskriften § 7" in blocker.message
    assert "§ 4" not in blocker.message  # isolation: only § 7 is suggested


# ---- 3: pregnancy and childbearing age -------------------------------------------------------

def _woman(case: Case, born: date) -> Case:
    case.patient.identity_number = ""
    case.patient.birth_date = born
    case.patient.sex = "female"
    case.findings.pregnancy = None
    case.findings.childbearing_age = False
    return case


def test_a_woman_of_27_gets_a_warning_until_her_status_is_recorded(
        complete: Case, findings: Findings) -> None:
    _woman(complete, date(1994, 6, 1))  # 27 on the consultation date
    unknown = _finding(findings(complete), "PREGNANCY_STATUS_UNKNOWN")
    assert unknown.severity is Severity.WARNING
    assert unknown.field == "findings.pregnancy"
    complete.findings.pregnancy = "unknown"
    assert "PREGNANCY_STATUS_UNKNOWN" in {f.code for f in findings(complete)}
    complete.findings.pregnancy = "not_pregnant"
    codes = {f.code for f in findings(complete)}
    assert "PREGNANCY_STATUS_UNKNOWN" not in codes
    assert "PREGNANCY" in codes  # still of childbearing age: contraception, K15
    complete.findings.pregnancy = "not_relevant"
    assert not {"PREGNANCY", "PREGNANCY_STATUS_UNKNOWN"} & {f.code for f in findings(complete)}


def test_childbearing_age_comes_from_sex_and_age_on_the_consultation_date(
        complete: Case, pathway: Pathway, codes: Codes) -> None:
    low, high = pathway.childbearing_age.min_years, pathway.childbearing_age.max_years
    consultation = date(2021, 11, 15)
    # The last day of the range: 49 on the consultation date (53 on TODAY).
    _woman(complete, date(consultation.year - high - 1, 11, 16))
    assert relevance.childbearing_age(complete, pathway)
    assert "PREGNANCY_STATUS_UNKNOWN" in codes(complete)
    _woman(complete, date(consultation.year - high - 1, 11, 15))  # 50 that day
    assert not relevance.childbearing_age(complete, pathway)
    assert "PREGNANCY_STATUS_UNKNOWN" not in codes(complete)
    _woman(complete, date(consultation.year - low, 11, 15))  # 15 that day
    assert "PREGNANCY_STATUS_UNKNOWN" in codes(complete)
    _woman(complete, date(consultation.year - low, 11, 16))  # 14 that day
    assert "PREGNANCY_STATUS_UNKNOWN" not in codes(complete)
    _woman(complete, date(1994, 6, 1))
    complete.patient.sex = "male"
    assert "PREGNANCY_STATUS_UNKNOWN" not in codes(complete)


def test_sex_is_read_from_the_identity_number_when_not_recorded(
        complete: Case, pathway: Pathway, codes: Codes) -> None:
    # Kari Syntetisk Testesen, 15888510025: ninth digit 0 (female), 36 on 2021-11-15.
    complete.findings.pregnancy = None
    assert complete.patient.sex is None
    assert relevance.childbearing_age(complete, pathway)
    assert "PREGNANCY_STATUS_UNKNOWN" in codes(complete)
    complete.patient.identity_number = "15108695088"  # ninth digit 0 too, born 1986
    complete.patient.birth_date = date(1986, 10, 15)
    assert "PREGNANCY_STATUS_UNKNOWN" in codes(complete)
    complete.patient.identity_number = "24847110771"  # ninth digit 7: male
    complete.patient.birth_date = date(1971, 4, 24)
    assert "PREGNANCY_STATUS_UNKNOWN" not in codes(complete)


def test_the_doctors_tick_still_counts(complete: Case, codes: Codes) -> None:
    _woman(complete, date(1968, 1, 1))  # 53: outside the range
    assert "PREGNANCY_STATUS_UNKNOWN" not in codes(complete)
    complete.findings.childbearing_age = True
    assert "PREGNANCY_STATUS_UNKNOWN" in codes(complete)
    complete.findings.pregnancy = "not_relevant"  # the tick says otherwise: still relevant
    assert "PREGNANCY" in codes(complete)


def test_vital_signs_alone_put_the_admission_finding_with_the_general_condition(
        complete: Case, findings: Findings) -> None:
    complete.findings.oxygen_saturation = 90
    assert _finding(findings(complete), "CONSIDER_ADMISSION").field == (
        "findings.reduced_general_condition")
    complete.risk["R7"].assessment = "high"
    assert _finding(findings(complete), "CONSIDER_ADMISSION").field == "risk.R7.assessment"


# ---- 4: consider admission on the signs the seed names --------------------------------------

@pytest.mark.parametrize(
    ("fact", "words"),
    [("breathing_difficulty", "pustevansker"),
     ("reduced_general_condition", "nedsatt allmenntilstand"),
     ("serious_somatic_illness", "somatisk sykdom som kompliserer behandlingen"),
     ("serious_psychiatric_illness", "psykisk sykdom som kompliserer behandlingen")],
)
def test_each_sign_alone_raises_consider_admission(complete: Case, findings: Findings,
                                                    fact: str, words: str) -> None:
    assert "CONSIDER_ADMISSION" not in {f.code for f in findings(complete)}
    setattr(complete.findings, fact, "unknown")
    assert "CONSIDER_ADMISSION" not in {f.code for f in findings(complete)}
    setattr(complete.findings, fact, "yes")
    admission = _finding(findings(complete), "CONSIDER_ADMISSION")
    assert admission.severity is Severity.WARNING
    assert words in admission.message
    assert admission.field == f"findings.{fact}"
    setattr(complete.findings, fact, "no")
    assert "CONSIDER_ADMISSION" not in {f.code for f in findings(complete)}


def test_breathing_difficulty_alone_is_more_than_a_lung_risk(complete: Case,
                                                             codes: Codes) -> None:
    complete.findings.breathing_difficulty = "yes"
    assert {"CONSIDER_ADMISSION"} <= codes(complete)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("respiratory_rate", 11, "lav respirasjonsfrekvens"),
     ("oxygen_saturation", 93, "lav oksygenmetning")],
)
def test_low_respiratory_rate_or_saturation_raise_it(complete: Case, findings: Findings,
                                                     field: str, value: int,
                                                     words: str) -> None:
    setattr(complete.findings, field, value + 1)
    assert "CONSIDER_ADMISSION" not in {f.code for f in findings(complete)}
    setattr(complete.findings, field, value)
    assert words in _finding(findings(complete), "CONSIDER_ADMISSION").message


def test_all_signs_present_are_named(complete: Case, findings: Findings) -> None:
    complete.findings.breathing_difficulty = "yes"
    complete.findings.oxygen_saturation = 90
    complete.risk["R9"].assessment = "high"
    message = _finding(findings(complete), "CONSIDER_ADMISSION").message
    assert message.startswith("Vurder innleggelse i institusjon (pustevansker, lav "
                              "oksygenmetning, høy risiko ved annen sykdom)")


def test_serious_illness_needs_a_description(complete: Case, codes: Codes) -> None:
    complete.findings.serious_psychiatric_illness = "yes"
    assert "COMORBIDITY_NOT_DESCRIBED" in codes(complete)
    complete.findings.comorbidity_note = "Kjent schizofreni, ustabil siste uke."
    assert "COMORBIDITY_NOT_DESCRIBED" not in codes(complete)


# ---- 5: dates are the consultation's --------------------------------------------------------

def test_age_is_judged_on_the_consultation_date(complete: Case, pathway: Pathway) -> None:
    complete.patient.identity_number = ""
    complete.patient.birth_date = date(2004, 1, 10)  # 17 at the consultation, 22 on TODAY
    result = {f.code: f for f in evaluate(complete, pathway, today=TODAY)}
    assert "PATIENT_UNDER_18" in result
    assert "(17 år)" in result["PATIENT_UNDER_18"].message
    complete.patient.birth_date = date(2003, 11, 15)  # 18 that very day
    assert "PATIENT_UNDER_18" not in {f.code for f in evaluate(complete, pathway, today=TODAY)}


def test_without_a_consultation_date_today_is_used_and_said(complete: Case,
                                                            pathway: Pathway) -> None:
    complete.consultation.date = None
    complete.patient.identity_number = ""
    complete.patient.birth_date = date(2004, 1, 10)  # 22 on TODAY
    result = {f.code: f for f in evaluate(complete, pathway, today=TODAY)}
    assert "PATIENT_UNDER_18" not in result
    assert "dagens dato" in result["CONSULTATION_DATE_MISSING"].message


def test_a_birth_date_after_the_consultation_is_impossible(complete: Case,
                                                           codes: Codes) -> None:
    complete.patient.identity_number = ""
    complete.patient.birth_date = date(2022, 3, 1)  # before TODAY, after the consultation
    assert "BIRTH_DATE_FUTURE" in codes(complete)
    complete.patient.birth_date = date(2021, 11, 15)
    assert "BIRTH_DATE_FUTURE" not in codes(complete)


# ---- 6: messages ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["-5", "-5 mg", "\u22125", "0"])
def test_a_negative_dose_is_not_positive_rather_than_unreadable(complete: Case, codes: Codes,
                                                                 typed: str) -> None:
    complete.medications[0].daily_dose = typed
    result = codes(complete)
    assert "DOSE_NOT_POSITIVE" in result
    assert "DOSE_UNREADABLE" not in result


def test_drug_names_are_lower_case_inside_a_sentence(complete: Case, pathway: Pathway) -> None:
    complete.medications[0].drug = "buprenorphine"
    complete.medications[0].daily_dose = "1000"
    for language, expected in (("nb", "1\u00a0000\u00a0mg buprenorfin per døgn"),
                               ("nn", "1\u00a0000\u00a0mg buprenorfin per døgn"),
                               ("en", "1,000\u00a0mg per day of buprenorphine")):
        result = evaluate(complete, pathway, today=TODAY, language=language)
        message = _finding(result, "DOSE_IMPLAUSIBLE").message
        assert expected in message, (language, message)


def test_a_substance_is_lower_case_mid_sentence_and_a_name_opening_one_is_capital(
        complete: Case, findings: Findings) -> None:
    complete.substance_use.append(SubstanceUse(substance="alcohol"))
    complete.substance_use.append(SubstanceUse(substance="ghb"))
    messages = [f.message for f in findings(complete) if f.code == "DEPRESSANT_CO_USE"]
    assert messages[0].startswith("Nåværende bruk av alkohol sammen")
    assert messages[1].startswith("Nåværende bruk av GHB sammen")  # an abbreviation stays
    med = complete.medications[0]
    med.drug, med.formulation, med.daily_dose = "methadone", "oral_solution", "40"
    assert _finding(findings(complete), "EXCEPTION_DRUG").message.startswith(
        "Metadon skal bare brukes unntaksvis")


def test_a_product_name_the_doctor_typed_is_kept(complete: Case, findings: Findings) -> None:
    complete.medications[0].drug = "other"
    complete.medications[0].other_name = "Subutex"
    assert _finding(findings(complete), "DRUG_NOT_IN_TABLE").message.startswith("Subutex ")
