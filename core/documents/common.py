"""What every document builder needs: the case, its pathway, the language and shared facts.

Document text is written as English msgids and translated into the *document* language (not
the UI language) through :func:`i18n.translator`; facts come from the case and the pathway's
own nb/nn/en texts.  Nothing here knows about PDF or Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from core.case import Case, Medication
from core.content.pathway import Combination, Pathway, Text
from core.documents import fmt
from core.documents.model import DocumentKind, Notice, kv
from core.findings import Finding, Severity
from core.identity import IdentityKind, check, compact
from core.rules import Deviation, deviations, evaluate, relevance
from i18n import Language, Translator, translator

#: One letter per document kind in the document id ("K3F9A2C1-S-4B7E10").
_KIND_LETTER: dict[DocumentKind, str] = {
    "journal": "J", "consent": "S", "plan": "B", "prescription": "R",
    # the course (issue 16): oppfølgingsark, kontaktkort, nedtrapping, avslutning,
    # follow-up entry, dose decision
    "followup_sheet": "O", "contact_card": "K", "taper_plan": "N", "end_note": "A",
    "followup_note": "F", "decision_note": "D",
}


@dataclass
class DocContext:
    case: Case
    pathway: Pathway
    language: Language
    today: date
    t: Translator = field(init=False)
    _findings: list[Finding] | None = field(default=None, init=False, repr=False)
    _deviations: list[Deviation] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.t = translator(self.language)

    # ---- translation --------------------------------------------------------------------

    def _(self, message: str) -> str:
        return self.t.gettext(message)

    def text(self, value: Text) -> str:
        return value.get(self.language)

    # ---- shared facts -------------------------------------------------------------------

    @property
    def findings(self) -> list[Finding]:
        if self._findings is None:
            # The consultation's rules only: a course blocker (an entry, a dose decision) must
            # neither block the consent nor appear as an open point in the first journal note.
            self._findings = evaluate(self.case, self.pathway, today=self.today,
                                      language=self.language, scope="consultation")
        return self._findings

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCKER]

    @property
    def deviations(self) -> list[Deviation]:
        if self._deviations is None:
            self._deviations = deviations(self.case, self.pathway, today=self.today,
                                          language=self.language)
        return self._deviations

    def date(self, day: date | None) -> str:
        return fmt.long_date(day, self.language)

    def date_time(self, moment: datetime | None) -> str:
        return fmt.date_time(moment, self.language)

    def medication_line(self, medication: Medication) -> str:
        return fmt.medication_line(medication, self.pathway, self.language,
                                   per_day=self._("{dose} per day"))

    def medication_period(self, medication: Medication) -> str:
        """``15. november 2021 til 7. desember 2021``, ``fra 15. november 2021`` or ""."""
        if medication.start_date and medication.planned_end:
            return self._("{start} to {end}").format(start=self.date(medication.start_date),
                                                     end=self.date(medication.planned_end))
        if medication.start_date:
            return self._("from {start}").format(start=self.date(medication.start_date))
        return ""

    def drug_name(self, medication: Medication) -> str:
        return fmt.drug_name(medication, self.pathway, self.language)

    def drug_running_name(self, medication: Medication) -> str:
        """The drug's name for the middle of a sentence (``buprenorfin``; a product name the
        doctor typed stays as typed)."""
        return fmt.drug_name(medication, self.pathway, self.language, running=True)

    @property
    def consultation_day(self) -> dt.date:
        """The day age and childbearing age are judged on (see :mod:`core.rules.relevance`)."""
        return relevance.consultation_day(self.case, self.today)

    def combinations(self) -> list[tuple[Combination, str]]:
        """Each dangerous combination this patient has, with its names for running text
        (``buprenorfin og alkohol``)."""
        return [(combination, fmt.join_names(
                    [name.running(self.language) for name in
                     relevance.combination_names(self.case, self.pathway, combination)],
                    self._("and")))
                for combination in relevance.combinations(self.case, self.pathway)]

    def substance_name(self, substance_id: str, *, running: bool = False) -> str:
        """The substance group's name (``running``: as inside a sentence, ``opioider``)."""
        substance = self.pathway.substance(substance_id)
        if substance is None:
            return substance_id
        return substance.name.running(self.language) if running else self.text(substance.name)

    def quarantine_word(self) -> str:
        """"isolering" or "karantene" (lower case, for running text)."""
        kind = self.case.conditions.quarantine.kind
        if kind == "isolation":
            return self._("isolation")
        if kind == "quarantine":
            return self._("quarantine")
        return self._("quarantine or isolation")

    def identity_label(self) -> str:
        result = check(self.case.patient.identity_number, today=self.today)
        return {
            IdentityKind.D_NUMMER: self._("D number"),
            IdentityKind.H_NUMMER: self._("H number"),
            IdentityKind.FH_NUMMER: self._("FH number"),
        }.get(result.kind, self._("National identity number")) if result.kind else self._(
            "National identity number")

    def identity_number(self) -> str:
        """``150885 10025``: the number as printed on documents (grouped, not masked)."""
        digits = compact(self.case.patient.identity_number)
        if len(digits) == 11 and digits.isdigit():
            return f"{digits[:6]} {digits[6:]}"
        return self.case.patient.identity_number.strip()

    def patient_line(self) -> str:
        """Name and number for running headers."""
        name = self.case.patient.name.strip() or self._("(name missing)")
        number = self.identity_number()
        return f"{name} – {number}" if number else name

    def running_header(self, kind_label: str) -> str:
        return f"{self.patient_line()} · {kind_label}"

    def prescriber_line(self) -> str:
        prescriber = self.case.prescriber
        if prescriber.hpr_number.strip():
            return self._("{name}, HPR number {hpr}").format(
                name=prescriber.name.strip(), hpr=prescriber.hpr_number.strip())
        return prescriber.name.strip()

    def header_rows(self, patient_label: str, doctor_label: str) -> tuple[tuple[str, str], ...]:
        """The key–value rows under a PDF's title: patient, number, stay, doctor, date."""
        case = self.case
        return kv(
            (patient_label, case.patient.name.strip()),
            (self.identity_label(), self.identity_number()),
            (self._("Staying at"), case.patient.stay_location.strip()),
            (doctor_label, self.prescriber_line()),
            (self._("Date"), self.date(case.consultation.date)),
        ).rows

    def document_id(self, kind: DocumentKind) -> str:
        """Stable for the same case content: the preview and the export carry the same id."""
        digest = hashlib.sha256(
            self.case.model_dump_json(exclude={"updated_at", "status"}).encode()
            + kind.encode() + self.language.encode()
        ).hexdigest()[:6].upper()
        return f"{self.case.id[:8].upper()}-{_KIND_LETTER[kind]}-{digest}"

    def qr_payload(self, kind: DocumentKind) -> str:
        """What the QR code on a paper document carries: the document id, no patient data.

        Upper-case letters, digits and ``-`` only, so the code uses QR's compact
        alphanumeric mode (a small symbol that is quick to draw and to scan).  The id starts
        with the case id's first eight digits and is recorded with every export, which is how a
        scanned, signed paper is matched to its case.
        """
        return self.document_id(kind)

    def page_label(self) -> str:
        return self._("Page {page} of {pages}")

    def exercise_notice(self) -> Notice | None:
        if not self.case.consultation.exercise_mode:
            return None
        return Notice(self._("EXERCISE – not a real prescription decision. Do not use for "
                             "treatment."))

    def footer(self) -> str:
        return self._("Made with Rekvirent under the guidance \u201c{title}\u201d, version "
                      "{version}.").format(title=self.text(self.pathway.title),
                                           version=self.pathway.version)

    def legal_reference(self) -> str:
        """The provision in force on the consultation day (a pathway may have several)."""
        return self.text(self.pathway.legal_basis.reference_on(self.case.consultation.date))

    def plan_end_date(self) -> dt.date | None:
        return self.case.conditions.quarantine.expected_end

    def contact_text(self) -> str:
        """Whom the patient calls, with the number, as one phrase."""
        plan = self.case.plan
        name, phone = plan.patient_contact_name.strip(), plan.patient_contact_phone.strip()
        if name and phone:
            return self._("{name} on {phone}").format(name=name, phone=phone)
        return name or phone


def context(case: Case, pathway: Pathway, language: str, today: date | None = None) -> DocContext:
    lang: Language = language if language in ("nb", "nn", "en") else "nb"  # type: ignore[assignment]
    return DocContext(case, pathway, lang, today or date.today())


def yes_no_unknown(ctx: DocContext, value: str) -> str:
    return {"yes": ctx._("yes"), "no": ctx._("no")}.get(value, "")
