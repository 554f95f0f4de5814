"""The case model: everything the GP records during one consultation.

One typed model is the single source of truth for the wizard, the rule engine, the documents,
storage and the case file.  It deliberately accepts *incomplete and even invalid* input (a
fødselsnummer with wrong check digits, a dose typed as "16 mg" or "mye"): the GP's typing is
never lost because it does not validate.  Validity is the rule engine's business
(:mod:`core.rules`), which reports findings instead of raising.

Ids of checklist points, measures, drugs, substances and consent items refer to the pathway
version recorded in :attr:`Case.pathway_id` / :attr:`Case.pathway_version`.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from core.course.model import Course
from core.fields import LIST_MAX as LIST_MAX
from core.fields import LONG_TEXT_MAX as LONG_TEXT_MAX
from core.fields import SHORT_TEXT_MAX as SHORT_TEXT_MAX
from core.fields import DocumentLanguage as DocumentLanguage
from core.fields import Id as Id
from core.fields import Language as Language
from core.fields import LongText as LongText
from core.fields import ShortText as ShortText
from core.fields import YesNoUnknown as YesNoUnknown
from core.fields import _Model as _Model
from core.fields import clean_text as clean_text
from core.fields import new_case_id as new_case_id
from core.fields import utc_now as utc_now

# --------------------------------------------------------------------------------------
# Patient, prescriber and consultation
# --------------------------------------------------------------------------------------


Sex = Literal["female", "male"]


class Patient(_Model):
    name: ShortText = ""
    #: Fødselsnummer, D-nummer, H-nummer or FH-nummer exactly as typed.
    identity_number: ShortText = ""
    birth_date: date | None = None
    #: Recorded sex; None = take it from the identity number (numbers issued before 2032
    #: carry it; FH-numbers and numbers from 2032 do not).  Used for the childbearing age.
    sex: Sex | None = None
    phone: ShortText = ""
    address: ShortText = ""
    no_fixed_abode: bool = False
    #: Where the patient stays during quarantine or isolation (hotel, flat, unit…).
    stay_location: ShortText = ""
    next_of_kin: ShortText = ""
    #: The written standard the patient prefers for the consent form.
    preferred_language: DocumentLanguage = "nb"
    interpreter_needed: bool = False
    interpreter_language: ShortText = ""


class Prescriber(_Model):
    name: ShortText = ""
    #: HPR-nummer: the doctor's id in Helsepersonellregisteret.
    hpr_number: ShortText = ""
    workplace: ShortText = ""
    municipality: ShortText = ""
    phone: ShortText = ""


ConsultationForm = Literal["physical", "video", "phone"]


class Consultation(_Model):
    date: dt.date | None = None
    place: ShortText = ""
    form: ConsultationForm | None = None
    #: Exercise/template mode: the case is not a real prescription decision, so the validity
    #: window of the legal basis is not enforced (shown on every document).
    exercise_mode: bool = False


# --------------------------------------------------------------------------------------
# The three cumulative legal conditions
# --------------------------------------------------------------------------------------

DiagnosedBy = Literal["specialist", "gp_supervised"]


class Diagnosis(_Model):
    """One ICD-10 dependence-syndrome diagnosis (F1x.2) for one substance group."""

    substance: Id = ""
    icd10: ShortText = ""
    diagnosed_by: DiagnosedBy | None = None
    diagnosed_by_name: ShortText = ""
    #: When a GP set the diagnosis: the addiction-medicine specialist who supervised.
    supervisor_name: ShortText = ""
    diagnosis_date: date | None = None


class DependenceCondition(_Model):
    """Vilkår 1 – narkotikaavhengighet."""

    diagnoses: Annotated[list[Diagnosis], Field(max_length=LIST_MAX)] = Field(default_factory=list)
    note: LongText = ""


SpecialistChannel = Literal["phone", "video", "meeting", "written"]
ServiceLevel = Literal["primary", "specialist"]


class SpecialistPlan(_Model):
    """Vilkår 2 – plan made together with the specialist service (TSB)."""

    unit: ShortText = ""
    person: ShortText = ""
    person_phone: ShortText = ""
    contacted_at: datetime | None = None
    channel: SpecialistChannel | None = None
    agreed: LongText = ""
    starts_treatment: ServiceLevel | None = None
    carries_out: ShortText = ""
    follows_up: ShortText = ""


QuarantineKind = Literal["quarantine", "isolation"]
#: Who ordered the quarantine or isolation.  ``not_ordered`` says explicitly that nobody did:
#: the patient stays at home by own choice, which does not satisfy vilkår 3 (seed 004, 4.4).
OrderedBy = Literal["municipal_doctor", "contact_tracing", "other", "not_ordered"]
_BOOL = TypeAdapter(bool)


def _deprecated_self_chosen(schema: dict[str, Any]) -> None:
    """Files written before ``ordered_by_role`` existed carry ``self_chosen``; the schema keeps
    accepting it so those files still validate (the model maps it on reading)."""
    schema["properties"]["self_chosen"] = {
        "type": "boolean", "deprecated": True,
        "description": "Format 1 before issue 18: true means ordered_by_role 'not_ordered'.",
    }


class QuarantineCondition(_Model):
    """Vilkår 3 – quarantine or isolation ordered under the covid-19 regulation."""

    model_config = ConfigDict(json_schema_extra=_deprecated_self_chosen)

    kind: QuarantineKind | None = None
    #: The provision the order rests on (covid-19-forskriften § 4 or § 7).
    legal_reference: ShortText = ""
    start: date | None = None
    expected_end: date | None = None
    #: Name of the doctor, team or authority that ordered it.
    ordered_by: ShortText = ""
    basis: ShortText = ""
    ordered_by_role: OrderedBy | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_self_chosen(cls, data: Any) -> Any:
        """Map the format-1 tick ``self_chosen`` (docs/case-format.md).

        ``true`` meant "not ordered"; ``false`` with a name in ``ordered_by`` meant that this
        person or body ordered it, which is kept as ``other`` (the old file could not say
        which kind of orderer it was).  The key itself is not kept: it is never written again.
        """
        if not isinstance(data, dict) or "self_chosen" not in data:
            return data
        data = dict(data)
        self_chosen = _BOOL.validate_python(data.pop("self_chosen"))
        if data.get("ordered_by_role") is None:
            if self_chosen:
                data["ordered_by_role"] = "not_ordered"
            elif isinstance(data.get("ordered_by"), str) and data["ordered_by"].strip():
                data["ordered_by_role"] = "other"
        return data

    @property
    def self_chosen(self) -> bool:
        """True when nobody ordered it: the patient only stays at home by own choice."""
        return self.ordered_by_role == "not_ordered"


class LegalConditions(_Model):
    dependence: DependenceCondition = Field(default_factory=DependenceCondition)
    plan: SpecialistPlan = Field(default_factory=SpecialistPlan)
    quarantine: QuarantineCondition = Field(default_factory=QuarantineCondition)
    #: The doctor confirms that only the patient's own need for health care was weighed
    #: (not infection control or third parties).
    patient_need_only: bool = False
    #: The patient has given informed consent to tapering (also beyond any isolation) — a
    #: condition of a tapering-plan pathway (condition key ``tapering_consent``).
    tapering_consent: bool = False


# --------------------------------------------------------------------------------------
# Substance use and findings
# --------------------------------------------------------------------------------------


class SubstanceUse(_Model):
    substance: Id = ""
    amount: ShortText = ""
    route: ShortText = ""
    frequency: ShortText = ""
    last_use: ShortText = ""


#: ``unknown``: asked or considered, but not known yet (e.g. no test); None: not recorded.
PregnancyStatus = Literal["not_relevant", "not_pregnant", "possible", "pregnant", "unknown"]


class ClinicalFindings(_Model):
    respiratory_rate: int | None = Field(default=None, ge=0, le=200)
    oxygen_saturation: int | None = Field(default=None, ge=0, le=100)
    pulse: int | None = Field(default=None, ge=0, le=400)
    qtc_ms: int | None = Field(default=None, ge=0, le=1000)
    intoxication_signs: ShortText = ""
    withdrawal_signs: ShortText = ""
    covid_respiratory_symptoms: YesNoUnknown = "unknown"
    lung_disease: YesNoUnknown = "unknown"
    heart_disease: YesNoUnknown = "unknown"
    reduced_general_condition: YesNoUnknown = "unknown"
    pregnancy: PregnancyStatus | None = None
    #: Ticked by the doctor; the rules also derive it from sex and age (pathway range).
    childbearing_age: bool = False
    other: LongText = ""
    #: Pustevansker (seed 004 ch. 5: a reason to consider admission).
    breathing_difficulty: YesNoUnknown = "unknown"
    #: Serious somatic or psychiatric illness that complicates treatment with the
    #: substitution drugs (seed 004 ch. 5: a reason to consider admission).
    serious_somatic_illness: YesNoUnknown = "unknown"
    serious_psychiatric_illness: YesNoUnknown = "unknown"
    #: Which illness, and how it complicates the treatment.
    comorbidity_note: LongText = ""


# --------------------------------------------------------------------------------------
# Risk mapping and measures
# --------------------------------------------------------------------------------------


class RiskAnswer(_Model):
    """The doctor's assessment of one point of the pathway's risk-mapping list."""

    #: One of the pathway's assessment option ids (e.g. ``"low"``, ``"high"``); "" = unanswered.
    assessment: Id = ""
    note: LongText = ""


class ExtraRiskPoint(_Model):
    title: ShortText = ""
    assessment: Id = ""
    note: LongText = ""


class MeasureChoice(_Model):
    chosen: bool = False
    details: LongText = ""


class ExtraMeasure(_Model):
    title: ShortText = ""
    details: LongText = ""


# --------------------------------------------------------------------------------------
# Medication
# --------------------------------------------------------------------------------------


class Medication(_Model):
    drug: Id = ""
    #: Name of a drug that is not in the pathway's table (``drug == "other"``).
    other_name: ShortText = ""
    formulation: Id = ""
    #: Daily dose in mg exactly as typed ("16", "7,5", "16 mg"); see :func:`core.dose.parse_dose`.
    daily_dose: ShortText = ""
    schedule: ShortText = ""
    start_date: date | None = None
    planned_end: date | None = None
    taper_plan: LongText = ""
    #: The patient's documented tolerance for a start dose above the suggested range.
    tolerance_note: LongText = ""
    #: Written justification for any deviation from the pathway's guidance.
    deviation_justification: LongText = ""
    #: The addiction-medicine specialist in TSB who agreed to the deviation.
    deviation_agreed_by: ShortText = ""


# --------------------------------------------------------------------------------------
# Plan, information and consent
# --------------------------------------------------------------------------------------

LarReferral = Literal["wanted", "not_wanted", "not_relevant", "already_in_lar"]


class TreatmentPlan(_Model):
    starts_by: ShortText = ""
    carried_out_by: ShortText = ""
    followed_up_by: ShortText = ""
    supervision_frequency: ShortText = ""
    supervised_by: ShortText = ""
    delivered_by: ShortText = ""
    daily_follow_up: LongText = ""
    post_dose_observation_minutes: int | None = Field(default=None, ge=0, le=1440)
    evaluation: LongText = ""
    admission_criteria: LongText = ""
    end_of_isolation: LongText = ""
    taper: LongText = ""
    patient_contact_name: ShortText = ""
    patient_contact_phone: ShortText = ""
    psychosocial_follow_up: LongText = ""
    practical_needs: LongText = ""
    lar_referral: LarReferral | None = None
    #: A tapering-plan pathway's plan (made with the specialist service): who is responsible
    #: for what — the GP, the specialist service (TSB) and the municipality.
    responsible_gp: LongText = ""
    responsible_tsb: LongText = ""
    responsible_municipality: LongText = ""
    #: How often the patient is followed up during the taper ("every week at the GP").
    follow_up_frequency: ShortText = ""
    #: What happens at relapse.
    relapse_plan: LongText = ""


ConsentCapacity = Literal["full", "reduced", "lacking"]
ConsentStatus = Literal["not_obtained", "obtained", "declined", "withdrawn"]


class Consent(_Model):
    #: Consent information item id → explained to the patient.
    items_explained: dict[Id, bool] = Field(default_factory=dict, max_length=LIST_MAX)
    capacity: ConsentCapacity | None = None
    capacity_note: LongText = ""
    interpreter_used: bool = False
    interpreter_name: ShortText = ""
    form_language: DocumentLanguage = "nb"
    #: Also print an English translation as a reading aid (the Norwegian one is signed).
    english_reading_copy: bool = False
    status: ConsentStatus = "not_obtained"
    patient_questions: LongText = ""


#: ``draft → ready → exported`` is the consultation; the rest is the course of treatment,
#: set from the course's facts by :func:`core.course.lifecycle.apply` (never back to draft).
CaseStatus = Literal["draft", "ready", "exported", "in_treatment", "tapering", "completed",
                     "stopped"]


class Case(_Model):
    """One consultation: the whole draft, from patient identity to consent."""

    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] = Field(
        default_factory=new_case_id
    )
    pathway_id: Id = ""
    pathway_version: int = Field(default=0, ge=0)
    status: CaseStatus = "draft"
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)

    patient: Patient = Field(default_factory=Patient)
    prescriber: Prescriber = Field(default_factory=Prescriber)
    consultation: Consultation = Field(default_factory=Consultation)
    conditions: LegalConditions = Field(default_factory=LegalConditions)
    substance_use: Annotated[list[SubstanceUse], Field(max_length=LIST_MAX)] = Field(
        default_factory=list
    )
    findings: ClinicalFindings = Field(default_factory=ClinicalFindings)
    risk: dict[Id, RiskAnswer] = Field(default_factory=dict, max_length=LIST_MAX)
    extra_risk_points: Annotated[list[ExtraRiskPoint], Field(max_length=LIST_MAX)] = Field(
        default_factory=list
    )
    measures: dict[Id, MeasureChoice] = Field(default_factory=dict, max_length=LIST_MAX)
    extra_measures: Annotated[list[ExtraMeasure], Field(max_length=LIST_MAX)] = Field(
        default_factory=list
    )
    medications: Annotated[list[Medication], Field(max_length=LIST_MAX)] = Field(
        default_factory=list
    )
    plan: TreatmentPlan = Field(default_factory=TreatmentPlan)
    consent: Consent = Field(default_factory=Consent)
    #: Free text the GP adds to the journal note (kept with the case, shown in the note).
    journal_addition: LongText = ""
    notes: LongText = ""
    #: The course of treatment after the consultation: follow-up entries, dose decisions,
    #: end of isolation, taper, evaluation and end (``core.course``; empty until it begins).
    course: Course = Field(default_factory=Course)

    def substances_diagnosed(self) -> list[str]:
        return [d.substance for d in self.conditions.dependence.diagnoses if d.substance]

    def touch(self) -> None:
        self.updated_at = utc_now()


def new_case(pathway_id: str, pathway_version: int, prescriber: Prescriber | None = None) -> Case:
    """A blank draft made under the given pathway version."""
    case = Case(pathway_id=pathway_id, pathway_version=pathway_version)
    if prescriber is not None:
        case.prescriber = prescriber.model_copy()
    return case


__all__ = [
    "Case",
    "ClinicalFindings",
    "Consent",
    "Consultation",
    "DependenceCondition",
    "Diagnosis",
    "ExtraMeasure",
    "ExtraRiskPoint",
    "LegalConditions",
    "MeasureChoice",
    "Medication",
    "Patient",
    "Prescriber",
    "QuarantineCondition",
    "RiskAnswer",
    "SpecialistPlan",
    "SubstanceUse",
    "TreatmentPlan",
    "new_case",
]
