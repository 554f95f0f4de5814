"""Step 1 – patient, prescribing doctor and the consultation."""

from __future__ import annotations

from core.identity import IdentityKind, check, mask
from i18n import N_, _
from ui.wizard.choices import CONSULTATION_FORM, DOCUMENT_LANGUAGE, NOT_CHOSEN, SEX, translated
from ui.wizard.page import StepPage
from ui.wizard.widgets import FieldRow

KIND_WORDS = {
    IdentityKind.FODSELSNUMMER: N_("national identity number (fødselsnummer)"),
    IdentityKind.D_NUMMER: N_("D-number"),
    IdentityKind.H_NUMMER: N_("H-number"),
    IdentityKind.FH_NUMMER: N_("FH-number"),
}


class PatientPage(StepPage):
    def build(self) -> None:
        f = self.fields
        patient = self.section(_("Patient"))
        patient.add(f.line("patient.name", _("Name")))
        self.identity: FieldRow = f.line("patient.identity_number",
                                         _("Identity number (fødselsnummer or D-number)"),
                                         max_length=40)
        patient.add(self.identity)
        patient.add(f.date("patient.birth_date", _("Date of birth"),
                           hint=_("Filled in from the identity number when it is valid.")))
        patient.add(f.choice("patient.sex", _("Sex"), translated(SEX),
                             none_label=_("From the identity number"),
                             hint=_("Used for the childbearing age. Numbers issued from 2032 "
                                    "and FH-numbers do not carry it.")))
        patient.add(f.line("patient.phone", _("Phone")))
        patient.add(f.line("patient.address", _("Address")), full=True)
        patient.add(f.check("patient.no_fixed_abode", _("No fixed abode")), full=True)
        patient.add(f.line("patient.stay_location",
                           _("Where the patient stays during quarantine or isolation")),
                    full=True)
        patient.add(f.line("patient.next_of_kin", _("Next of kin")), full=True)
        patient.add(f.choice("patient.preferred_language",
                             _("Written language the patient prefers"),
                             translated(DOCUMENT_LANGUAGE)))
        patient.new_line()
        patient.add(f.check("patient.interpreter_needed", _("Needs an interpreter")))
        patient.add(f.line("patient.interpreter_language", _("Interpreter language")))

        doctor = self.section(_("Prescribing doctor"),
                              _("Filled in from your prescriber profile; change it here for this "
                                "case only."))
        doctor.add(f.line("prescriber.name", _("Doctor's name")))
        doctor.add(f.line("prescriber.hpr_number", _("HPR number"), max_length=20))
        doctor.add(f.line("prescriber.workplace", _("Workplace")))
        doctor.add(f.line("prescriber.municipality", _("Municipality")))
        doctor.add(f.line("prescriber.phone", _("Doctor's phone")))

        consultation = self.section(_("Consultation"))
        consultation.add(f.date("consultation.date", _("Date of the consultation")))
        consultation.add(f.choice("consultation.form", _("Form of consultation"),
                                  translated(CONSULTATION_FORM), none_label=_(NOT_CHOSEN)))
        consultation.add(f.line("consultation.place", _("Place")), full=True)
        consultation.add(f.check(
            "consultation.exercise_mode",
            _("Exercise mode: a practice or template case, not a real prescription decision")),
            full=True)

        self.controller.changed.connect(self._identity_changed)
        self._show_identity()

    def _identity_changed(self, path: str) -> None:
        if path not in ("", "patient.identity_number"):
            return
        self._show_identity()
        if path == "patient.identity_number":
            result = check(self.controller.case.patient.identity_number)
            if result.valid and result.birth_date and self.controller.case.patient.birth_date \
                    is None:
                self.controller.set_value("patient.birth_date", result.birth_date)

    def _show_identity(self) -> None:
        number = self.controller.case.patient.identity_number
        result = check(number)
        if result.valid and result.kind is not None:
            self.identity.set_hint(_("Valid {kind}. Lists and headers show it as {masked}.").format(
                kind=_(KIND_WORDS[result.kind]), masked=mask(number)))
        else:
            self.identity.set_hint(_("11 digits. Check digits are verified as you type."))
