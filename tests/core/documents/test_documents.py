"""The document builders: what each document says, in which language, and what it leaves out."""

from __future__ import annotations

import re

import pytest

from core.case import Case, ExtraMeasure, Medication, new_case
from core.content import Pathway
from core.documents import consent_form, journal_note, prescription_text, to_text, treatment_plan
from core.documents.model import (
    BulletList,
    Document,
    KeyValueTable,
    Notice,
    Paragraph,
    SignatureBlock,
)
from tests.core.documents.conftest import TODAY, load_example
from tests.core.test_pathway_texts import lix

NBSP = "\u00a0"
#: English words that must not leak into a Norwegian document (msgids left untranslated).
ENGLISH_MARKERS = re.compile(
    r"\b(the|and|patient|per day|treatment|consent|signature|findings|doctor|with|of)\b")


def _all_text(document: Document) -> str:
    return to_text(document)


def _structure_text(document: Document) -> str:
    """Only the words the builders write (headings, keys, labels), not the GP's own text."""
    parts = [document.title, document.page_label, document.subject,
             document.running_header.rsplit("·", 1)[-1],
             *(k for k, _ in document.header_fields)]
    for section in document.sections:
        parts.append(section.heading)
        for block in section.blocks:
            if isinstance(block, KeyValueTable):
                parts += [k for k, _ in block.rows]
            if isinstance(block, SignatureBlock):
                parts += [block.date_place_label, block.signature_label,
                          *(p.role for p in block.parties)]
    return "\n".join(parts)


def _body_text(document: Document) -> str:
    """The consent's running text (what the patient reads), without names and table keys."""
    parts: list[str] = []
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            elif isinstance(block, BulletList):
                parts += list(block.items)
    return " ".join(parts)


BUILDERS = {
    "journal": journal_note,
    "consent": consent_form,
    "plan": treatment_plan,
}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_example_builds_in_norwegian_without_english_leftovers(
        example: Case, pathway: Pathway, kind: str, language: str) -> None:
    document = BUILDERS[kind](example, pathway, language, today=TODAY)
    assert document.language == language
    structure = _structure_text(document)
    assert not ENGLISH_MARKERS.search(structure.lower()), structure
    assert example.patient.name in document.running_header
    for section in document.sections:
        assert section.blocks, f"empty heading {section.heading!r}"


def test_nynorsk_is_not_bokmal(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    nb = _all_text(journal_note(case, pathway, "nb", today=TODAY))
    nn = _all_text(journal_note(case, pathway, "nn", today=TODAY))
    assert "Videre oppfølging" in nb and "Vidare oppfølging" in nn
    assert "spesialisthelsetenesta" in nn and "spesialisthelsetjenesten" not in _structure_text(
        journal_note(case, pathway, "nn", today=TODAY))


def test_an_empty_case_gives_no_empty_headings(pathway: Pathway) -> None:
    case = new_case(pathway.id, pathway.version)
    for build in BUILDERS.values():
        document = build(case, pathway, "nb", today=TODAY)
        for section in document.sections:
            assert section.blocks, section.heading
    note = journal_note(case, pathway, "nb", today=TODAY)
    headings = [s.heading for s in note.sections]
    assert "Funn" not in headings and "Risikokartlegging" not in headings
    # Open points are stated, not hidden.
    assert note.notices and "Ikke avklart" in note.notices[0].text


def test_journal_states_the_risks_found_not_every_no(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    note = journal_note(case, pathway, "nb", today=TODAY)
    risk = next(s for s in note.sections if s.heading == "Risikokartlegging")
    found = next(b for b in risk.blocks if isinstance(b, BulletList))
    assert len(found.items) == 4  # R3, R4, R5 and R10 are "noe risiko" in the example
    assert all("noe risiko" in item for item in found.items)
    low = [b for b in risk.blocks if isinstance(b, Paragraph) and b.text.startswith("Ingen eller")]
    assert len(low) == 1 and "kognitiv funksjon" in low[0].text


def test_journal_covers_section_40_content(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    case.journal_addition = "Pasienten ble fulgt til rommet etter konsultasjonen."
    text = _all_text(journal_note(case, pathway, "nb", today=TODAY))
    for expected in (
        "Bakgrunn og kontaktårsak", "Sykehistorie og rusmiddelbruk", "Funn", "Vurdering",
        "Behandling", "Samarbeid med spesialisthelsetjenesten", "Informasjon og samtykke",
        "Videre oppfølging", "Tillegg fra legen",
        "F11.2", "isolering", "Respirasjonsfrekvens 16/min", "SpO₂ 97 %",
        f"12{NBSP}mg per døgn", "Overlege Per Spesialist", "15. november 2021",
        "Pasienten har samtykkekompetanse.", "Skriftlig samtykke innhentet",
        "Pasienten ble fulgt til rommet", "HPR-nummer 9144889",
    ):
        assert expected in text, expected


def test_journal_documents_a_deviation_with_justification_and_specialist(
        pathway: Pathway) -> None:
    case = load_example("metadon-unntak")
    medication = case.medications[0]
    assert medication.deviation_justification and medication.deviation_agreed_by
    text = _all_text(journal_note(case, pathway, "nb", today=TODAY))
    assert "Avvik fra veilederen" in text
    assert medication.deviation_justification.strip()[:40] in text
    assert f"Avtalt med {medication.deviation_agreed_by.strip()}" in text


def test_dose_above_range_is_a_deviation_in_journal_and_consent(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    case.medications[0].daily_dose = "24"
    case.medications[0].tolerance_note = "Brukt 24 mg i LAR i fjor."
    case.medications[0].deviation_justification = "Høy toleranse dokumentert."
    case.medications[0].deviation_agreed_by = "Overlege Per Spesialist"
    note = _all_text(journal_note(case, pathway, "nb", today=TODAY))
    assert f"Avvik fra veilederen: 24{NBSP}mg er over foreslått døgndose (8–16{NBSP}mg)." in note
    assert "Begrunnelse: Høy toleranse dokumentert." in note
    consent = _body_text(consent_form(case, pathway, "nb", today=TODAY))
    assert "høyere dose enn vanlig" in consent


def test_prescription_text_confirms_the_conditions(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    text = prescription_text(case, pathway, "nb", today=TODAY)
    assert "§ 2-1 tredje ledd bokstav d nr. 3" in text
    assert "isolering etter covid-19-forskriften" in text
    assert "F11.2" in text
    assert "TSB, Avdeling for rus og avhengighet" in text and "15. november 2021" in text
    assert f"12{NBSP}mg per døgn" in text
    nn = prescription_text(case, pathway, "nn", today=TODAY)
    assert "covid-19-forskrifta" in nn and "mellombels" in nn


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_consent_is_plain_language(example: Case, pathway: Pathway, language: str) -> None:
    document = consent_form(example, pathway, language, today=TODAY)
    assert document.body_size >= 11
    score = lix(_body_text(document))
    assert score <= 40, f"LIX {score:.1f}"


def test_consent_says_what_the_issue_requires(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    document = consent_form(case, pathway, "nb", today=TODAY)
    text = _all_text(document)
    for expected in (
        f"buprenorfin/nalokson 12{NBSP}mg per døgn",  # drugs and daily doses
        "alkohol, andre opioider, benzodiazepiner, pregabalin eller GHB",  # overdose risk
        "Jeg tar medisinen mens helsepersonell ser på.",  # the routines the case chose
        "trekke samtykket",  # voluntary, can be withdrawn
        "23. november 2021",  # when the isolation ends
        "400 12 345",  # whom to call
    ):
        assert expected in text, expected
    signature = document.sections[-1].blocks[-1]
    assert isinstance(signature, SignatureBlock)
    assert [p.name for p in signature.parties] == [case.patient.name, case.prescriber.name]
    assert "HPR-nummer: 9144889" in signature.parties[1].lines
    assert document.qr_payload == document.document_id
    assert document.document_id.startswith(case.id[:8].upper())
    assert case.patient.name not in document.qr_payload
    assert case.patient.identity_number not in document.qr_payload


def test_consent_adds_the_extra_risk_the_doctor_accepted(pathway: Pathway) -> None:
    methadone = _all_text(consent_form(load_example("metadon-unntak"), pathway, "nb",
                                       today=TODAY))
    assert "Ekstra risiko med metadon" in methadone
    benzo = _all_text(consent_form(load_example("benzodiazepin-lav-metning"), pathway, "nb",
                                   today=TODAY))
    assert "utprøvende" in benzo.lower()
    plain = _all_text(consent_form(load_example("opioid-komplett"), pathway, "nb", today=TODAY))
    assert "metadon" not in plain.lower().replace("buprenorfin framfor metadon", "")


def test_consent_in_english_is_marked_as_a_translation(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    document = consent_form(case, pathway, "en", today=TODAY)
    assert document.language == "en"
    assert any("translation" in n.text and "Norwegian" in n.text for n in document.notices)
    assert "per day" in _all_text(document)


def test_consent_language_defaults_to_the_patients_choice(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    case.consent.form_language = "nn"
    assert consent_form(case, pathway, today=TODAY).language == "nn"


def test_document_id_is_stable_and_changes_with_the_content(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    first = consent_form(case, pathway, "nb", today=TODAY).document_id
    assert consent_form(case, pathway, "nb", today=TODAY).document_id == first
    case.medications[0].daily_dose = "14"
    assert consent_form(case, pathway, "nb", today=TODAY).document_id != first
    assert journal_note(case, pathway, "nb", today=TODAY).document_id.split("-")[1] == "J"


def test_treatment_plan_says_what_to_do_and_whom_to_call(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    text = _all_text(treatment_plan(case, pathway, "nb", today=TODAY))
    for expected in ("Ring 113", "nalokson", "Observer pasienten i 30 minutter etter inntak.",
                     "23. november 2021", "7. desember 2021", "22 11 11 11", "400 12 345",
                     "Pasienten ønsker henvisning til LAR.", "Rettsgrunnlag"):
        assert expected in text, expected


def test_user_text_is_kept_literally(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    case.patient.name = '<b>Åse & "Øyvind"</b> Ŋávdnjá'
    case.extra_measures.append(ExtraMeasure(title="Ring {contact} {0} %s"))
    case.medications.append(Medication(drug="oxazepam", formulation="tablet", daily_dose="7,5"))
    for build in BUILDERS.values():
        text = _all_text(build(case, pathway, "nb", today=TODAY))
        assert case.patient.name in text
    consent = _all_text(consent_form(case, pathway, "nb", today=TODAY))
    assert "Ring {contact} {0} %s" in consent
    assert f"7,5{NBSP}mg per døgn" in consent


def test_exercise_mode_is_on_every_document(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    case.consultation.exercise_mode = True
    for build in BUILDERS.values():
        document = build(case, pathway, "nb", today=TODAY)
        assert any(isinstance(n, Notice) and "ØVING" in n.text for n in document.notices)
    assert prescription_text(case, pathway, "nb", today=TODAY).startswith("ØVING")
