"""Every example case exported in bokmål and nynorsk (and the consent in English), read back.

The PDFs are read with pypdf and checked for the language they claim: no bokmål-only words in
nynorsk documents and no nynorsk-only words in bokmål ones (the doctor's and patient's own
free text is left out: it is written in whatever the doctor wrote), dates written out by Babel
for the locale ("15. november 2021"), a decimal comma in doses, and the English consent's
notice that it is a translation.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from core.case import Case
from core.content import Pathway
from core.documents.consent import consent_form
from core.documents.journal import journal_note, prescription_text
from core.documents.model import Document, to_text
from core.documents.treatment_plan import treatment_plan
from core.export import export_documents
from core.pdf import render
from tests.core.documents.conftest import EXAMPLE_NAMES, TODAY, load_example
from tests.json_strings import json_strings

FIXED = datetime(2021, 11, 15, 12, 0, tzinfo=UTC)
WORD = re.compile(r"[a-zæøåòéA-ZÆØÅ]+")
#: Whole words that exist in one written standard only (checked in lower case).
BOKMAL_ONLY = {"ikke", "jeg", "hva", "hvordan", "hvorfor", "også", "bare", "hvis", "mye",
               "noen", "noe", "ennå", "fortsatt", "hvem", "hvor", "hver", "hvert", "fra", "ble",
               "uten", "mens", "være", "gjør", "sier", "behandlingen", "legemidlet",
               "legemidlene", "dokumentene", "isoleringen", "laget"}
NYNORSK_ONLY = {"ikkje", "eg", "kva", "korleis", "kvifor", "berre", "òg", "mykje", "noko",
                "nokon", "enno", "framleis", "kven", "frå", "medan", "vere", "utan", "vart",
                "dei", "ein", "eit", "behandlinga", "isoleringa", "legemiddelet", "dokumenta"}
NORWEGIAN_WORDS = {"ikke", "ikkje", "og", "til", "med", "du", "legen", "medisinen", "samtykke"}
NOTICE_EN = ("This English text is a translation to help you read. You sign the Norwegian "
             "form.")


def _flat(text: str) -> str:
    """One line, single spaces, ordinary spaces for Babel's no-break spaces."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _pdf_text(content: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return _flat("\n".join(page.extract_text() or "" for page in PdfReader(path).pages))


def _without_free_text(text: str, case: Case, pathway: Pathway, language: str) -> str:
    """``text`` minus what the doctor typed and the official (bokmål) title of the rule."""
    pieces = sorted({_flat(s) for s in json_strings(case.model_dump(mode="json"))
                     if s.strip()},
                    key=len, reverse=True)
    pieces.append(_flat(pathway.legal_basis.reference.get(language)))
    for piece in pieces:
        if len(piece) > 2:
            text = text.replace(piece, " ")
    return text


def _foreign_words(text: str, language: str) -> set[str]:
    words = {w.lower() for w in WORD.findall(text)}
    return words & (BOKMAL_ONLY if language == "nn" else NYNORSK_ONLY)


def _documents(case: Case, pathway: Pathway, language: str) -> dict[str, Document]:
    return {
        "journal": journal_note(case, pathway, language, today=TODAY),
        "consent": consent_form(case, pathway, language, today=TODAY),
        "plan": treatment_plan(case, pathway, language, today=TODAY),
    }


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_document_in_bokmal_and_nynorsk(tmp_path: Path, pathway: Pathway, name: str,
                                              language: str) -> None:
    case = load_example(name)
    result = export_documents(case, pathway, tmp_path / "out", journal_language=language,
                              consent_language=language, english_copy=False, today=TODAY,
                              creation_date=FIXED)
    written = {f.kind: f.content for f in result.files if f.path.suffix == ".pdf"}
    assert "journal" in written  # the journal note is always written, blockers or not
    consultation_kinds = {"journal", "consent", "plan"}  # the course's: test_course_documents
    assert (set(written) & consultation_kinds) | set(result.refused) == consultation_kinds
    documents = _documents(case, pathway, language)
    consultation = case.consultation.date
    assert consultation is not None
    day = _flat(format_date(consultation, "long", locale=f"{language}_NO"))
    assert re.fullmatch(r"\d{1,2}\. [a-z]+ \d{4}", day), day  # "15. november 2021"
    for kind, document in documents.items():
        # Refused documents (blockers) are still checked through the same renderer.
        content = written.get(kind) or render(document, creation_date=FIXED)
        text = _pdf_text(content, tmp_path, f"{kind}.pdf")
        assert _flat(document.title) in text, kind
        assert day in text, (kind, day)
        assert "Rekvirent" in text
        for source, label in ((text, "PDF"), (_flat(to_text(document)), "text")):
            foreign = _foreign_words(_without_free_text(source, case, pathway, language),
                                     language)
            assert not foreign, f"{name} {kind} {language} ({label}): {sorted(foreign)}"
    prescription = _flat(prescription_text(case, pathway, language, today=TODAY))
    assert prescription
    foreign = _foreign_words(_without_free_text(prescription, case, pathway, language), language)
    assert not foreign, f"{name} prescription {language}: {sorted(foreign)}"
    journal_txt = [f for f in result.files if f.kind == "journal" and f.path.suffix == ".txt"]
    assert journal_txt and journal_txt[0].language == language


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_consent_in_english_is_marked_as_a_translation(tmp_path: Path, pathway: Pathway,
                                                       name: str) -> None:
    case = load_example(name)
    document = consent_form(case, pathway, "en", today=TODAY)
    text = _pdf_text(render(document, creation_date=FIXED), tmp_path, "consent-en.pdf")
    assert NOTICE_EN in text
    assert "Consent to temporary treatment with medicines" in text
    consultation = case.consultation.date
    assert consultation is not None
    assert _flat(format_date(consultation, "long", locale="en_GB")) in text  # "15 November 2021"
    words = {w.lower() for w in WORD.findall(_without_free_text(text, case, pathway, "en"))}
    assert not words & NORWEGIAN_WORDS, sorted(words & NORWEGIAN_WORDS)


def test_norwegian_consent_carries_no_translation_notice(tmp_path: Path,
                                                        pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    for language in ("nb", "nn"):
        document = consent_form(case, pathway, language, today=TODAY)
        text = _pdf_text(render(document, creation_date=FIXED), tmp_path, "consent.pdf")
        assert "translation" not in text and "oversett" not in text and "omset" not in text


@pytest.mark.parametrize(("language", "expected"),
                         [("nb", "7,5 mg"), ("nn", "7,5 mg"), ("en", "7.5 mg")])
def test_doses_use_the_locale_decimal_sign(tmp_path: Path, pathway: Pathway, language: str,
                                           expected: str) -> None:
    case = load_example("opioid-komplett")
    case.medications[0].daily_dose = "7,5"
    documents = [consent_form(case, pathway, language, today=TODAY)]
    if language != "en":
        documents += [journal_note(case, pathway, language, today=TODAY),
                      treatment_plan(case, pathway, language, today=TODAY)]
        prescription = _flat(prescription_text(case, pathway, language, today=TODAY))
        assert expected in prescription
    for document in documents:
        text = _pdf_text(render(document, creation_date=FIXED), tmp_path, "dose.pdf")
        assert expected in text, (document.kind, language)
        wrong = "7.5 mg" if expected == "7,5 mg" else "7,5 mg"
        assert wrong not in text
