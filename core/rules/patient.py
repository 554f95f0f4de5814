"""Identity, birth date, consultation date and the validity window of the legal basis.

Age is judged on the consultation day (:attr:`RuleContext.consultation_day`), not on the day
the rules happen to run: a case opened a year later must still say the patient was 17.
"""

from __future__ import annotations

from core.identity import IdentityError, IdentityKind, check
from core.rules.context import RuleContext
from core.rules.relevance import age_on
from i18n import N_

_IDENTITY_MESSAGES = {
    IdentityError.EMPTY: N_("Enter the patient's national identity number or D-number."),
    IdentityError.LENGTH: N_("The identity number must have 11 digits."),
    IdentityError.NOT_DIGITS: N_("The identity number may contain only the digits 0–9."),
    IdentityError.CHECKSUM: N_("The identity number has wrong check digits. Check for a typo."),
    IdentityError.DATE: N_("The identity number does not contain a valid date of birth."),
    IdentityError.FUTURE: N_("The identity number gives a date of birth in the future."),
}


def check_patient(ctx: RuleContext) -> None:
    patient = ctx.case.patient
    if not patient.name.strip():
        ctx.blocker("PATIENT_NAME_MISSING", "patient", "patient.name",
                    "Enter the patient's name.")
    result = check(patient.identity_number, today=ctx.today)
    # A birth date after the consultation is as impossible as one in the future.
    day = min(ctx.today, ctx.consultation_day)
    if result.errors:
        error = result.errors[0]
        ctx.blocker(f"IDENTITY_{error.value.upper()}", "patient", "patient.identity_number",
                    _IDENTITY_MESSAGES[error])
    else:
        if result.synthetic:
            ctx.warning("IDENTITY_SYNTHETIC", "patient", "patient.identity_number",
                        "This is a synthetic test number. Do not use it for a real patient.")
        if result.kind is IdentityKind.H_NUMMER:
            ctx.info("IDENTITY_H_NUMBER", "patient", "patient.identity_number",
                     "H-number: an internal help number. Record the national identity number "
                     "when it becomes known.")
        if result.kind is IdentityKind.FH_NUMMER:
            ctx.info("IDENTITY_FH_NUMBER", "patient", "patient.identity_number",
                     "FH-number: a help number without date of birth. Enter the birth date.")
    born = patient.birth_date
    if born is not None:
        if born > day:
            ctx.blocker("BIRTH_DATE_FUTURE", "patient", "patient.birth_date",
                        "The date of birth is in the future or after the consultation.")
        elif result.birth_date is not None and result.birth_date != born:
            ctx.warning("BIRTH_DATE_MISMATCH", "patient", "patient.birth_date",
                        "The date of birth does not match the identity number.")
    born = born or result.birth_date
    if born is not None and born <= day and age_on(born, ctx.consultation_day) < 18:
        ctx.warning("PATIENT_UNDER_18", "patient", "patient.birth_date",
                    "The patient is under 18 on the consultation date ({age} years). Treatment "
                    "of this kind may require the patient to be of age; consider parents' "
                    "consent and involve the specialist service.",
                    age=age_on(born, ctx.consultation_day))
    if patient.interpreter_needed and not ctx.case.consent.interpreter_used:
        ctx.warning("INTERPRETER_NOT_USED", "consent", "consent.interpreter_used",
                    "The patient needs an interpreter, but no interpreter is recorded for the "
                    "information and consent.")


def check_prescriber(ctx: RuleContext) -> None:
    prescriber = ctx.case.prescriber
    if not prescriber.name.strip():
        ctx.blocker("PRESCRIBER_NAME_MISSING", "patient", "prescriber.name",
                    "Enter the prescribing doctor's name.")
    hpr = prescriber.hpr_number.strip()
    if not hpr:
        ctx.blocker("PRESCRIBER_HPR_MISSING", "patient", "prescriber.hpr_number",
                    "Enter the prescribing doctor's HPR number.")
    elif not (hpr.isascii() and hpr.isdigit() and 6 <= len(hpr) <= 9):
        ctx.blocker("PRESCRIBER_HPR_INVALID", "patient", "prescriber.hpr_number",
                    "An HPR number has 6 to 9 digits.")


def check_consultation(ctx: RuleContext) -> None:
    consultation = ctx.case.consultation
    basis = ctx.pathway.legal_basis
    if consultation.exercise_mode:
        ctx.info("EXERCISE_MODE", "patient", "consultation.exercise_mode",
                 "Exercise mode: the documents are marked as an exercise and the validity of "
                 "the legal basis is not enforced.")
    if consultation.date is None:
        ctx.blocker("CONSULTATION_DATE_MISSING", "patient", "consultation.date",
                    "Enter the date of the consultation. Until then, age and other dates are "
                    "judged as of today.")
        return
    if consultation.date > ctx.today:
        ctx.warning("CONSULTATION_DATE_FUTURE", "patient", "consultation.date",
                    "The consultation date is in the future.")
    if not basis.in_force_on(consultation.date) and not consultation.exercise_mode:
        until = basis.valid_until.isoformat() if basis.valid_until else "—"
        ctx.blocker("LEGAL_BASIS_NOT_IN_FORCE", "patient", "consultation.date",
                    "The legal basis is not in force on the consultation date (valid until "
                    "{until}). Choose a pathway in force, or mark the case as an exercise.",
                    until=until)
    if basis.status == "proposal":
        ctx.info("LEGAL_BASIS_PROPOSAL", "conditions", "",
                 "The legal basis of this pathway is a proposal from a public hearing.")
