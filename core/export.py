"""Write the documents of one case to a folder: PDFs, the journal text and the prescription text,
and — for a case whose course has begun — the course documents (follow-up sheet, contact card,
taper plan, end note).

File names carry the document kind and id only — never a patient's name or number — and every
file is written atomically (temporary file, fsync, rename), so a crash or a full disk leaves
either the old file or the new one.  Consent and treatment plan are refused while the rule
engine reports blockers; the journal note is always written, because it documents the decision
even when treatment is not started.

This module sits above both :mod:`core.documents` (the builders and the render model) and
:mod:`core.pdf` (the renderer): the render model goes down to the PDF renderer, never back, so
the step that needs both lives here and not in ``core/documents/``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from core.case import Case
from core.casefile import write_atomic
from core.content.pathway import Pathway
from core.documents.consent import consent_form
from core.documents.journal import journal_note, prescription_text
from core.documents.model import Document, DocumentKind, to_text
from core.documents.treatment_plan import treatment_plan
from core.findings import Finding, Severity
from core.paths import ensure_private_dir

#: File-name stems per kind (ASCII, the same in bokmål and nynorsk).
STEMS: dict[DocumentKind, str] = {
    "journal": "journalnotat",
    "consent": "samtykke",
    "plan": "behandlingsplan",
    "prescription": "resepttekst",
    "followup_sheet": "oppfolgingsark",
    "contact_card": "kontaktkort",
    "taper_plan": "nedtrappingsplan",
    "end_note": "sluttnotat",
    "followup_note": "oppfolgingsnotat",
    "decision_note": "dosevedtak",
}

#: The case statuses in which the course documents exist (the case has been exported).
_COURSE_STATUSES = frozenset({"exported", "in_treatment", "tapering", "completed", "stopped"})


@dataclass(frozen=True)
class ExportedFile:
    kind: DocumentKind
    language: str
    path: Path
    sha256: str
    content: bytes


@dataclass(frozen=True)
class ExportResult:
    files: list[ExportedFile]
    #: Kinds not written because of blockers (consent and plan).
    refused: list[DocumentKind]
    blockers: list[Finding]
    #: Course documents not written, with the blockers that stopped each.
    course_refused: dict[DocumentKind, list[Finding]] = field(default_factory=dict)


def build_documents(case: Case, pathway: Pathway, *, journal_language: str = "nb",
                    consent_language: str | None = None, english_copy: bool | None = None,
                    today: date | None = None) -> list[Document]:
    """Every document of a case in the languages chosen (journal and plan share one)."""
    documents = [
        journal_note(case, pathway, journal_language, today=today),
        consent_form(case, pathway, consent_language or case.consent.form_language, today=today),
        treatment_plan(case, pathway, journal_language, today=today),
    ]
    if english_copy if english_copy is not None else case.consent.english_reading_copy:
        documents.append(consent_form(case, pathway, "en", today=today))
    return documents


def file_name(document: Document, suffix: str, day: date | None = None) -> str:
    """``samtykke-2021-11-15-0A0A0A0A-S-2CF742.pdf``: kind, consultation date, document id."""
    stem = STEMS[document.kind]
    if document.kind == "consent" and document.language == "en":
        stem += "-engelsk"
    when = f"{day.isoformat()}-" if day else ""
    return f"{stem}-{when}{document.document_id}.{suffix}"


def course_documents(case: Case, pathway: Pathway, *, journal_language: str = "nb",
                     patient_language: str | None = None,
                     today: date | None = None) -> list[tuple[Document, date | None]]:
    """The course documents this case has, each with the day its file name carries.

    The follow-up sheet and contact card once the case is exported or its course has begun
    (the day of the first dose); the taper plan when taper steps are set (its first step);
    the end note when the course has an end (the end date).  Staff documents follow the
    journal's written standard, the patient's ones (card, taper plan) the consent's.
    """
    from core.course.doses import treatment_start
    from core.course.lifecycle import course_begun
    from core.documents.contact_card import contact_card
    from core.documents.course_journal import end_note
    from core.documents.followup_sheet import followup_sheet
    from core.documents.taper_plan import taper_plan

    if case.status not in _COURSE_STATUSES and not course_begun(case):
        return []
    patient = patient_language or case.consent.form_language
    start = treatment_start(case) or case.consultation.date
    out: list[tuple[Document, date | None]] = [
        (followup_sheet(case, pathway, journal_language, today=today), start),
        (contact_card(case, pathway, patient, today=today), start),
    ]
    steps = [s.from_date for s in case.course.taper.steps if s.from_date is not None]
    if case.course.taper.steps:
        out.append((taper_plan(case, pathway, patient, today=today),
                    min(steps) if steps else start))
    if case.course.end.kind is not None:
        out.append((end_note(case, pathway, journal_language, today=today),
                    case.course.end.ended_on or start))
    return out


def course_refusals(case: Case, pathway: Pathway, kinds: list[DocumentKind], *,
                    consultation_blockers: list[Finding], today: date | None = None,
                    language: str = "nb") -> dict[DocumentKind, list[Finding]]:
    """Which course documents must not be handed out, and the blockers that say why.

    Sheet and card carry the doses and the plan, so they are refused with the consent and
    plan (consultation blockers) and while a dose decision or the taper has a blocker (the
    doses printed would not be agreed ones).  The taper plan is refused while the taper has a
    blocker (a step that raises a dose, no zero step, dates missing…).  The end note is a
    journal note: it is always written and lists what is not settled.
    """
    from core.rules import evaluate

    course = [f for f in evaluate(case, pathway, today=today, language=language,
                                  scope="course") if f.severity is Severity.BLOCKER]
    doses = [f for f in course if f.field.startswith(("course.dose_decisions", "course.taper"))]
    taper = [f for f in course if f.field.startswith("course.taper")]
    refused: dict[DocumentKind, list[Finding]] = {}
    for kind in kinds:
        reasons = {"followup_sheet": consultation_blockers + doses,
                   "contact_card": consultation_blockers + doses,
                   "taper_plan": taper}.get(kind, [])
        if reasons:
            refused[kind] = reasons
    return refused


def export_documents(case: Case, pathway: Pathway, out_dir: Path, *,
                     journal_language: str = "nb", consent_language: str | None = None,
                     english_copy: bool | None = None, today: date | None = None,
                     creation_date: datetime | None = None) -> ExportResult:
    """Render and write the documents; returns what was written with SHA-256 hashes."""
    from core.pdf import render
    from core.rules import evaluate

    findings = evaluate(case, pathway, today=today, language=journal_language,
                        scope="consultation")
    blockers = [f for f in findings if f.severity is Severity.BLOCKER]
    if not out_dir.is_dir():  # a folder made here is user-only; one the GP chose stays as it is
        ensure_private_dir(out_dir)
    files: list[ExportedFile] = []
    refused: list[DocumentKind] = []
    documents = build_documents(case, pathway, journal_language=journal_language,
                                consent_language=consent_language, english_copy=english_copy,
                                today=today)
    for document in documents:
        if blockers and document.kind in ("consent", "plan"):
            if document.kind not in refused:
                refused.append(document.kind)
            continue
        day = case.consultation.date
        files.append(_write(out_dir / file_name(document, "pdf", day), document,
                            render(document, creation_date=creation_date)))
        if document.kind == "journal":
            files.append(_write(out_dir / file_name(document, "txt", day), document,
                                to_text(document).encode("utf-8")))
            text = prescription_text(case, pathway, journal_language, today=today)
            name = file_name(document, "txt", day).replace(STEMS["journal"], STEMS["prescription"],
                                                          1).replace("-J-", "-R-")
            files.append(ExportedFile("prescription", document.language, out_dir / name,
                                      *_store(out_dir / name, (text + "\n").encode("utf-8"))))
    course = course_documents(case, pathway, journal_language=journal_language,
                              patient_language=consent_language, today=today)
    course_refused = course_refusals(case, pathway, [d.kind for d, _ in course],
                                     consultation_blockers=blockers, today=today,
                                     language=journal_language)
    for document, day in course:
        if document.kind in course_refused:
            continue
        files.append(_write(out_dir / file_name(document, "pdf", day), document,
                            render(document, creation_date=creation_date)))
        if document.kind == "end_note":
            files.append(_write(out_dir / file_name(document, "txt", day), document,
                                to_text(document).encode("utf-8")))
    return ExportResult(files, refused, blockers, course_refused)


def _store(path: Path, content: bytes) -> tuple[str, bytes]:
    write_atomic(path, content)
    return hashlib.sha256(content).hexdigest(), content


def _write(path: Path, document: Document, content: bytes) -> ExportedFile:
    return ExportedFile(document.kind, document.language, path, *_store(path, content))
