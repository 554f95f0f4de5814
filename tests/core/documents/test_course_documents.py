"""The course documents (issue 16, part C): content from the model, nb/nn, LIX of the contact
card, refusals, file names without patient data, determinism, and ``main.py export``."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.case import Case, Medication, SubstanceUse
from core.content import Pathway
from core.course.model import FollowUpEntry, Observer
from core.documents.contact_card import contact_card
from core.documents.course_journal import decision_note, end_note, followup_note
from core.documents.followup_sheet import followup_sheet
from core.documents.journal import journal_note
from core.documents.model import Document, Grid, to_text
from core.documents.taper_plan import taper_plan
from core.export import course_documents, export_documents
from core.pdf import render
from tests.core.documents.conftest import EXAMPLES, load_example
from tests.core.documents.test_languages_all_examples import (
    _foreign_words,
    _without_free_text,
)
from tests.core.test_pathway_texts import lix

ROOT = Path(__file__).resolve().parents[3]
LATER = date(2021, 12, 20)  # after every example course has ended
FIXED = datetime(2021, 11, 15, 12, 0, tzinfo=UTC)
NBSP = "\u00a0"
COURSES = sorted(p.stem for p in EXAMPLES.glob("forlop-*.json"))
LONG_NAME = "Ola Prøve Nordmann-Åsheim Ødegård Langnavnsen Syntetisk Testesen"  # 60+ characters


def _text(document: Document) -> str:
    return to_text(document).replace(NBSP, " ")


def _body(document: Document) -> str:
    """The card's reading text: every paragraph and list item, headings left out."""
    parts: list[str] = []
    for section in document.sections:
        for block in section.blocks:
            parts += [getattr(block, "text", ""), *list(getattr(block, "items", ()))]
    return " ".join(p for p in parts if p)


def _all_course_documents(case: Case, pathway: Pathway, language: str) -> list[Document]:
    documents = [d for d, _ in course_documents(case, pathway, journal_language=language,
                                                patient_language=language, today=LATER)]
    documents += [followup_note(case, pathway, i, language, today=LATER)
                  for i in range(len(case.course.followups))]
    documents += [decision_note(case, pathway, i, language, today=LATER)
                  for i in range(len(case.course.dose_decisions))]
    return documents


def test_followup_sheet_has_one_row_per_planned_day(pathway: Pathway) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    sheet = followup_sheet(case, pathway, "nb", today=LATER)
    assert sheet.page_size == "a4_landscape"
    grid = next(b for s in sheet.sections for b in s.blocks if isinstance(b, Grid))
    days = [(row[0], row[1], row[2].replace(NBSP, " ")) for row in grid.rows]
    # 15.11 (isolation day 3) to 24.11, the last dose: 8 mg for four days, then the taper.
    assert days[0] == ("man. 15.11.", "3", "Buprenorfin/nalokson 8 mg")
    assert days[4] == ("fre. 19.11.", "–", "Buprenorfin/nalokson 6 mg")
    assert days[-1] == ("ons. 24.11.", "–", "Buprenorfin/nalokson 2 mg")
    assert len(days) == 10
    assert all(cell == "" for row in grid.rows for cell in row[3:])  # to fill in by hand
    assert grid.header[-1] == "Initialer"
    text = _text(sheet)
    for sign in pathway.course.intoxication_signs + pathway.course.overdose_signs:  # type: ignore[union-attr]
        assert sign.text.nb in text
    assert "Bli hos pasienten i 30 minutter etter dosen." in text
    assert "pust under 12 per minutt eller oksygenmetning under 94 %" in text
    assert "113 straks" in text and "Legevakt 116 117" in text
    assert "Lege Lise Fiktiv, telefon 22 00 00 00" in text
    assert "07838841230" not in text and "078388 41230" not in text  # name and birth date only
    assert "7. mars 1988" in text


def test_followup_sheet_follows_a_dose_decision(pathway: Pathway) -> None:
    case = load_example("forlop-benzodiazepin-doseokning")
    grid = next(b for s in followup_sheet(case, pathway, "nn", today=LATER).sections
                for b in s.blocks if isinstance(b, Grid))
    doses = [row[2].replace(NBSP, " ") for row in grid.rows]
    assert doses[:3] == ["Oksazepam 30 mg", "Oksazepam 30 mg", "Oksazepam 45 mg"]
    assert doses[-1] == "Oksazepam 5 mg"


def _buprenorphine_oxazepam_drinker(pathway: Pathway) -> Case:
    case = load_example("forlop-opioid-nedtrapping")
    case.medications.append(Medication(drug="oxazepam", formulation="tablet", daily_dose="30",
                                       schedule="10 mg kl. 08, 14 og 20"))
    case.substance_use.append(SubstanceUse(substance="alcohol", amount="4 øl daglig"))
    return case


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_contact_card_warns_about_this_patients_mixes(pathway: Pathway, language: str) -> None:
    card = contact_card(_buprenorphine_oxazepam_drinker(pathway), pathway, language,
                        today=LATER)
    text = _text(card)
    if language == "nb":
        assert "Buprenorfin/nalokson og oksazepam sammen er den farligste blandingen." in text
        assert "Buprenorfin/nalokson og alkohol sammen gjør pusten svak." in text
        assert ("Ikke ta andre opioider, andre benzodiazepiner, alkohol, pregabalin eller GHB "
                "sammen med medisinen din.") in text
    else:
        assert "Buprenorfin/nalokson og oksazepam saman er den farlegaste blandinga." in text
        assert "Ikkje ta andre opioid" in text
    assert "116 117" in text and "113" in text
    assert "400 12 345" in text and "22 00 00 00" in text and "22 11 11 11" in text
    assert "10 mg kl. 08, 14 og 20" in text  # the dose times
    assert card.page_size == "a5" and card.body_size >= 12


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("name", COURSES)
def test_contact_card_is_plain_language(pathway: Pathway, name: str, language: str) -> None:
    for case in (load_example(name), _buprenorphine_oxazepam_drinker(pathway)):
        score = lix(_body(contact_card(case, pathway, language, today=LATER)))
        assert score <= 40, f"LIX {score:.1f}"


def test_taper_plan_lists_the_steps_and_the_signatures(pathway: Pathway) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    plan = taper_plan(case, pathway, "nb", today=LATER)
    grid = next(b for s in plan.sections for b in s.blocks if isinstance(b, Grid))
    grid = Grid(grid.header, tuple(tuple(c.replace(NBSP, " ") for c in r) for r in grid.rows))
    assert grid.header == ("Trinn", "Fra", "Til", "Buprenorfin/nalokson")
    assert grid.rows[0] == ("1", "19. november 2021", "20. november 2021", "6 mg")
    assert grid.rows[-1] == ("4", "25. november 2021", "", "0 mg – slutt")
    text = _text(plan)
    assert case.course.taper.withdrawal_advice in text
    assert "Underskrifter" in text and "Jonas Prøve Berg" in text
    case.course.taper.patient_signs = False
    assert "Underskrifter" not in _text(taper_plan(case, pathway, "nb", today=LATER))


def test_followup_and_decision_notes_follow_the_journal_shape(pathway: Pathway) -> None:
    case = load_example("forlop-benzodiazepin-doseokning")
    note = _text(followup_note(case, pathway, 2, "nb", today=LATER))
    for expected in ("Journalnotat: oppfølging 17. november 2021", "Sykepleier Siri Testberg",
                     "Før dosen", "Hva som ble gjort", "Etter dosen", "Videre oppfølging",
                     "Abstinens (CIWA-B): 28", "Oksazepam 30 mg, gitt, inntak under tilsyn.",
                     "Observert i 30 minutter etter inntak.", "Planlagt 18. november 2021"):
        assert expected in note, expected
    decision = _text(decision_note(case, pathway, 0, "nn", today=LATER))
    assert "Oksazepam: frå 30 mg til 45 mg per døgn" in decision
    assert "Overlege Per Spesialist" in decision
    ids = {followup_note(case, pathway, i, "nb", today=LATER).document_id for i in range(3)}
    assert len(ids) == 3  # one id per entry


def test_end_note_fills_in_the_evaluation_of_effect(pathway: Pathway) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    note = _text(end_note(case, pathway, "nb", today=LATER))
    assert "Evaluering av effekt og sikkerhet" in note
    assert "Opplevde at behandlingen gjorde det mulig å holde isoleringen." in note
    assert "Vurdering av effekt: Abstinens kontrollert: ja" in note
    assert "Plan for nedtrapping: Nedtrapping i 4 trinn fra 19. november 2021." in note
    assert "Ikke ennå" not in note
    stopped = _text(end_note(load_example("forlop-avbrutt-innleggelse"), pathway, "nn",
                             today=LATER))
    assert "Avbroten: innlagd på institusjon." in stopped


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("name", COURSES)
def test_course_documents_in_bokmal_and_nynorsk(pathway: Pathway, name: str,
                                                 language: str) -> None:
    case = load_example(name)
    for document in _all_course_documents(case, pathway, language):
        text = to_text(document)
        foreign = _foreign_words(_without_free_text(text, case, pathway, language), language)
        assert not foreign, f"{document.kind} {language}: {sorted(foreign)}"
        english = {"the", "and", "patient's", "dose", "call", "signs"} & set(
            _without_free_text(text, case, pathway, language).lower().split())
        assert not english - {"dose"}, f"{document.kind}: untranslated {english}"


def test_course_blockers_stay_out_of_the_consultation_documents(pathway: Pathway,
                                                                tmp_path: Path) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    entry = case.course.followups[1].model_copy(update={
        "overdose": "signs", "overdose_signs": ["O2"], "overdose_action": ""})
    case.course.followups[1] = entry
    note = to_text(journal_note(case, pathway, "nb", today=LATER))
    assert "COURSE" not in note and "Ikke avklart da notatet ble laget" not in note
    result = export_documents(case, pathway, tmp_path, today=LATER, creation_date=FIXED)
    assert not result.refused  # consent and plan are written
    assert "end_note" in {f.kind for f in result.files}
    end = to_text(end_note(case, pathway, "nb", today=LATER))
    assert "Ikke avklart da notatet ble laget" in end  # the course's own note lists it


def test_a_taper_step_that_raises_the_dose_refuses_the_taper_plan(pathway: Pathway,
                                                                  tmp_path: Path) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    case.course.taper.steps[1].doses["buprenorphine_naloxone"] = "10"
    result = export_documents(case, pathway, tmp_path, today=LATER, creation_date=FIXED)
    kinds = {f.kind for f in result.files}
    assert {"taper_plan", "followup_sheet", "contact_card"} <= set(result.course_refused)
    assert not kinds & {"taper_plan", "followup_sheet", "contact_card"}
    assert any(f.code == "COURSE_TAPER_STEP_INCREASES"
               for f in result.course_refused["taper_plan"])
    assert {"journal", "consent", "end_note"} <= kinds


def test_a_draft_has_no_course_documents(pathway: Pathway) -> None:
    assert course_documents(load_example("opioid-komplett"), pathway, today=LATER) == []


def test_file_names_carry_no_patient_data(pathway: Pathway, tmp_path: Path) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    case.patient.name = LONG_NAME
    result = export_documents(case, pathway, tmp_path, today=LATER, creation_date=FIXED)
    names = sorted(f.path.name for f in result.files)
    assert [n for n in names if n.startswith(("oppfolgingsark", "kontaktkort",
                                              "nedtrappingsplan", "sluttnotat"))] == [
        n for n in names if n.split("-")[0] in ("oppfolgingsark", "kontaktkort",
                                                "nedtrappingsplan", "sluttnotat")]
    assert "nedtrappingsplan-2021-11-19-1A1A1A1A-N-" in " ".join(names)
    assert "sluttnotat-2021-11-25-1A1A1A1A-A-" in " ".join(names)
    for name in names:
        for part in ("Ola", "Nordmann", "07838841230", "078388", "1988"):
            assert part not in name, name
    for file in result.files:
        assert file.path.read_bytes() == file.content


@pytest.mark.parametrize("build", [followup_sheet, contact_card, taper_plan, end_note])
def test_fixed_creation_date_gives_identical_bytes(pathway: Pathway, build: object) -> None:
    case = load_example("forlop-opioid-nedtrapping")
    case.patient.name = LONG_NAME
    document = build(case, pathway, "nn", today=LATER)  # type: ignore[operator]
    first = render(document, creation_date=FIXED)
    assert render(document, creation_date=FIXED) == first
    text = "\n".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(first)).pages)
    assert "Side 1 av" in text


@pytest.mark.parametrize("name", COURSES)
def test_main_export_writes_the_course_documents(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "main.py", "--data-dir", str(tmp_path / "data"),
                          "export", str(EXAMPLES / f"{name}.json"), "--out", str(out),
                          "--document-language", "nn"],
                         cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                              "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    stems = {p.name.split("-")[0] for p in out.iterdir()}
    assert {"oppfolgingsark", "kontaktkort", "sluttnotat"} <= stems
    if load_example(name).course.taper.steps:
        assert "nedtrappingsplan" in stems
    for line in run.stdout.splitlines():
        digest, path = line.split("  ", 1)
        assert len(digest) == 64 and Path(path).exists()


def test_main_export_refuses_a_bad_taper_and_says_why(tmp_path: Path) -> None:
    from core.casefile import write as write_case

    case = load_example("forlop-opioid-nedtrapping")
    case.course.taper.steps[1].doses["buprenorphine_naloxone"] = "10"
    path = tmp_path / "sak.json"
    write_case(path, case)
    run = subprocess.run([sys.executable, "main.py", "--data-dir", str(tmp_path / "data"),
                          "export", str(path), "--out", str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                              "HOME": str(tmp_path)})
    assert run.returncode == 1
    assert "COURSE_TAPER_STEP_INCREASES" in run.stderr
    assert "Nedtrappingsplanen ble ikke laget" in run.stderr
    assert not list((tmp_path / "out").glob("nedtrappingsplan-*"))


def test_an_entry_in_the_sheet_uses_an_observer(pathway: Pathway) -> None:
    case = load_example("forlop-avbrutt-innleggelse")
    case.course.followups.append(FollowUpEntry(
        at=datetime(2021, 11, 17, 8, tzinfo=UTC), observer=Observer(name="", role="nurse")))
    note = _text(followup_note(case, pathway, len(case.course.followups) - 1, "nb",
                               today=LATER))
    assert "(navn mangler) (sykepleier)" in note
