"""Issue 18: the consent and the journal note say what the source (seed 004) requires.

Ch. 5: the main overdose danger is the combination, so the consent names this patient's own
combination in plain words and the journal records that the patient was told; 4.4: the order
behind the quarantine or isolation; 2.3: the six criteria of Statens helsepersonellnemnd, one
labelled line each, "not yet" for what comes later in the course.
"""

from __future__ import annotations

import pytest

from core.case import Case, Diagnosis, Medication, SubstanceUse
from core.content import Pathway
from core.documents import consent_form, journal_note, to_text
from core.documents.model import BulletList, Document, Paragraph, Section
from tests.core.documents.conftest import TODAY, load_example
from tests.core.test_pathway_texts import lix


def _section(document: Document, heading: str) -> Section:
    return next(s for s in document.sections if s.heading == heading)


def _headings(document: Document) -> list[str]:
    return [s.heading for s in document.sections]


def _mixed_user() -> Case:
    """Issue 18, defect 1: buprenorphine + oxazepam, and alcohol every day."""
    case = load_example("opioid-komplett")
    case.medications[0].drug = "buprenorphine"
    case.medications.append(Medication(drug="oxazepam", formulation="tablet", daily_dose="30"))
    case.conditions.dependence.diagnoses.append(Diagnosis(
        substance="benzodiazepines", icd10="F13.2", diagnosed_by="specialist",
        diagnosed_by_name="Overlege Per Spesialist"))
    case.substance_use.append(SubstanceUse(substance="alcohol", amount="4–6 øl",
                                           frequency="daglig"))
    return case


# ---- 1: the combination, for the patient and in the journal ---------------------------------

@pytest.mark.parametrize(
    ("language", "heading", "first", "second"),
    [("nb", "Farlige blandinger for deg",
      "Buprenorfin og oksazepam sammen er den farligste blandingen.",
      "Buprenorfin og alkohol sammen gjør pusten svak."),
     ("nn", "Farlege blandingar for deg",
      "Buprenorfin og oksazepam saman er den farlegaste blandinga.",
      "Buprenorfin og alkohol saman gjer pusten svak.")],
)
def test_the_consent_names_this_patients_combination(pathway: Pathway, language: str,
                                                     heading: str, first: str,
                                                     second: str) -> None:
    consent = consent_form(_mixed_user(), pathway, language, today=TODAY)
    combination = _section(consent, heading)
    items = next(b for b in combination.blocks if isinstance(b, BulletList)).items
    assert len(items) == 3  # opioid + benzodiazepine, opioid + alcohol, oxazepam + alcohol
    assert items[0].startswith(first)
    assert items[1] == second
    assert "Oksazepam og alkohol" in items[2]
    # It comes right after the general overdose item, where the patient reads about danger.
    headings = _headings(consent)
    assert headings.index(heading) == headings.index("Fare for overdose") + 1


def test_no_combination_no_section(pathway: Pathway) -> None:
    consent = consent_form(load_example("opioid-komplett"), pathway, "nb", today=TODAY)
    assert "Farlige blandinger for deg" not in _headings(consent)
    assert "Farlige blandinger" not in to_text(journal_note(
        load_example("opioid-komplett"), pathway, "nb", today=TODAY))


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_consent_stays_plain_with_the_combinations(pathway: Pathway,
                                                       language: str) -> None:
    consent = consent_form(_mixed_user(), pathway, language, today=TODAY)
    parts: list[str] = []
    for section in consent.sections:
        for block in section.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            elif isinstance(block, BulletList):
                parts += list(block.items)
    assert lix(" ".join(parts)) <= 40


def test_the_journal_records_whether_the_patient_was_told(pathway: Pathway) -> None:
    case = _mixed_user()
    note = to_text(journal_note(case, pathway, "nb", today=TODAY))
    assert ("Pasienten har ennå ikke fått vite om den økte overdosefaren ved disse "
            "kombinasjonene: buprenorfin og oksazepam; buprenorfin og alkohol; oksazepam og "
            "alkohol.") in note
    case.consent.items_explained["K19"] = True
    note = to_text(journal_note(case, pathway, "nb", today=TODAY))
    assert ("Pasienten har fått vite muntlig og i samtykket om den økte overdosefaren ved "
            "disse kombinasjonene: buprenorfin og oksazepam; buprenorfin og alkohol; "
            "oksazepam og alkohol.") in note
    nn = to_text(journal_note(case, pathway, "nn", today=TODAY))
    assert "Pasienten har fått vite munnleg og i samtykket om den auka overdosefaren" in nn


def test_the_journal_gives_the_doctors_combination_texts(pathway: Pathway) -> None:
    risk = _section(journal_note(_mixed_user(), pathway, "nb", today=TODAY), "Risikokartlegging")
    lines = next(b for b in reversed(risk.blocks) if isinstance(b, BulletList)).items
    assert lines[0].startswith("Buprenorfin og oksazepam: Opioider og benzodiazepiner sammen "
                               "gir størst fare for overdose")


# ---- 2: the order in the journal ---------------------------------------------------------------

def test_the_journal_says_who_ordered_the_isolation(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    note = to_text(journal_note(case, pathway, "nb", today=TODAY))
    assert "pålagt av kommunelegen (Kommuneoverlegen i Prøvestad)." in note
    case.conditions.quarantine.ordered_by_role = "not_ordered"
    note = to_text(journal_note(case, pathway, "nb", today=TODAY))
    assert "pålagt av" not in note
    assert "oppfyller ikke vilkåret" in note


# ---- 3 and 4: the findings behind the rules ------------------------------------------------

def test_the_journal_shows_the_new_findings(pathway: Pathway) -> None:
    case = load_example("opioid-komplett")  # a woman of 36; pregnancy "not relevant"
    case.findings.breathing_difficulty = "yes"
    case.findings.serious_somatic_illness = "yes"
    case.findings.comorbidity_note = "KOLS med hyppige forverringer."
    case.findings.pregnancy = "unknown"
    note = to_text(journal_note(case, pathway, "nb", today=TODAY))
    for line in ("Pustevansker: ja",
                 "Alvorlig somatisk sykdom som kompliserer behandlingen: ja",
                 "Sykdom og betydning for behandlingen: KOLS med hyppige forverringer.",
                 "Graviditet: ukjent",
                 "Kvinne i fertil alder: ja (ut fra kjønn og alder)"):
        assert line in note, line


# ---- 7: the six criteria ------------------------------------------------------------------------

def _criteria(document: Document, heading: str) -> list[str]:
    section = _section(document, heading)
    return list(next(b for b in section.blocks if isinstance(b, BulletList)).items)


def test_the_journal_shows_each_criterion_of_the_board(pathway: Pathway) -> None:
    case = load_example("blandet-opioid-benzo-stimulant")
    lines = _criteria(journal_note(case, pathway, "nb", today=TODAY),
                      "Krav til forsvarlig forskrivning")
    titles = [c.title.get("nb") for c in pathway.forsvarlighet.criteria]
    assert titles == ["Klar indikasjon", "Forutgående utredning",
                      "Begrunnelse for valg av legemiddel", "Vurdering av effekt",
                      "Behandlingsplan", "Plan for nedtrapping"]
    assert [line.split(":", 1)[0] for line in lines] == titles
    indication, prior, choice, effect, plan, taper = lines
    assert "Avhengighetssyndrom F11.2 opioider, F13.2 benzodiazepiner" in indication
    assert "i isolering pålagt etter covid-19-forskriften" in indication
    assert "risikokartlegging: 13 av 13 punkter vurdert" in prior
    assert "Buprenorfin: foretrukket legemiddel for opioider i veilederen." in choice
    assert effect.startswith("Vurdering av effekt: Ikke ennå: kommer senere i forløpet. "
                             "Planlagt: Vurdering av effekt og bivirkninger dag 3")
    assert plan.startswith("Behandlingsplan: Plan laget med TSB, Avdeling for rus og "
                           "avhengighet, Prøvestad sykehus 15. november 2021; inntak under "
                           "tilsyn: Daglig kl. 09")
    assert "Redusere døgndosen med 2–4 mg" in taper


def test_not_yet_for_what_comes_later(pathway: Pathway) -> None:
    case = load_example("blandet-opioid-benzo-stimulant")
    case.plan.evaluation = case.plan.taper = case.plan.end_of_isolation = ""
    for language, heading, effect, taper in (
            ("nb", "Krav til forsvarlig forskrivning",
             "Vurdering av effekt: Ikke ennå: kommer senere i forløpet; tidspunktet er ikke "
             "planlagt ennå.",
             "Plan for nedtrapping: Ikke ennå: lages før perioden med isolering er over "
             "(23. november 2021)."),
            ("nn", "Krav til forsvarleg forskriving",
             "Vurdering av effekt: Ikkje enno: kjem seinare i forløpet; tidspunktet er ikkje "
             "planlagt enno.",
             "Plan for nedtrapping: Ikkje enno: blir laga før perioden med isolering er over "
             "(23. november 2021).")):
        lines = _criteria(journal_note(case, pathway, language, today=TODAY), heading)
        assert lines[3] == effect
        assert lines[5] == taper


def test_a_deviation_is_the_reason_given_for_the_drug(pathway: Pathway) -> None:
    case = load_example("metadon-unntak")
    choice = _criteria(journal_note(case, pathway, "nb", today=TODAY),
                       "Krav til forsvarlig forskrivning")[2]
    justification = case.medications[0].deviation_justification.strip().rstrip(".")
    assert f"Metadon: avvik fra veilederen, begrunnet: {justification}." in choice


def test_criteria_not_documented_are_said_so(pathway: Pathway) -> None:
    case = load_example("vilkar-ikke-oppfylt")
    case.conditions.dependence.diagnoses = []
    lines = _criteria(journal_note(case, pathway, "nb", today=TODAY),
                      "Krav til forsvarlig forskrivning")
    assert lines[0] == ("Klar indikasjon: Ikke dokumentert: ingen avhengighetsdiagnose (F1x.2) "
                        "er ført inn.")
    assert lines[4] == ("Behandlingsplan: Ikke dokumentert: ingen plan laget med "
                        "spesialisthelsetjenesten er ført inn.")
