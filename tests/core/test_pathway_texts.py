"""The shipped pathway's texts: complete in three languages, real nynorsk, plain consent."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PATHWAY = Path(__file__).resolve().parents[2] / "resources" / "pathways" / \
    "karantene-substitusjon" / "1.json"
# Bokmål forms that never belong in nynorsk, matched as whole words.
BOKMAL_WORDS = {"ikke", "hva", "hvem", "hvordan", "også", "bare", "jeg", "mye", "noen", "hvis",
                "ennå", "fortsatt", "hvorfor", "mens", "sier", "hvilken", "hvilke", "tjenesten",
                "spesialisthelsetjenesten", "primærhelsetjenesten"}
# Bokmål endings of the pathway's key words, matched anywhere in a word.
BOKMAL_PARTS = ("behandlingen", "legemidlet", "legemidlene", "isoleringen", "opplysninger")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
PLACEHOLDERS = {"K1": {"{drugs}"}, "K10": {"{end_date}"}, "K11": {"{contact}"}}
# Texts that may be left empty in all three languages.
OPTIONAL_EMPTY = {"patient_text", "exception_risk_for_patient", "note"}
MEASURES_WITHOUT_PATIENT_TEXT = {"T9", "T10", "T11", "T12"}
TITLE_MAX = 60


PATHWAYS = Path(__file__).resolve().parents[2] / "resources" / "pathways"
#: Every shipped pathway file is held to the same standard (the tapering plan included).
SHIPPED = [PATHWAYS / "karantene-substitusjon" / "1.json", PATHWAYS / "nedtrappingsplan" / "1.json"]


@pytest.fixture(autouse=True, params=SHIPPED, ids=lambda p: p.parent.name)
def _pathway_file(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Path:
    path: Path = request.param
    monkeypatch.setattr(sys.modules[__name__], "PATHWAY", path)
    return path


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATHWAY.read_text(encoding="utf-8"))
    return data


def _texts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every {nb, nn, en} object in the file, with its JSON path."""
    if isinstance(node, dict):
        if set(node) == {"nb", "nn", "en"}:
            yield path, node
            return
        for key, value in node.items():
            yield from _texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, f"{path}/{index}")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-zÆØÅæøåÉéÜü]+", text)


def lix(text: str) -> float:
    """LIX readability: words per sentence + percentage of words longer than six letters."""
    words = _words(text)
    sentences = max(1, len(re.findall(r"[.!?:]+(\s|$)", text)))
    long_words = sum(1 for w in words if len(w) > 6)
    return len(words) / sentences + 100 * long_words / max(1, len(words))


#: What the documents put for ``{names}`` in a combination's text for the patient.
SAMPLE_NAMES = {"nb": "buprenorfin og oksazepam", "nn": "buprenorfin og oksazepam",
                "en": "buprenorphine and oxazepam"}


def _combination_texts(language: str) -> list[str]:
    return [c["patient_text"][language].replace("{names}", SAMPLE_NAMES[language])
            for c in _data()["combinations"]]


def _consent_body(language: str) -> str:
    """Every paragraph the consent can print: the items and each combination's warning."""
    data = _data()
    return " ".join([*(k["patient_text"][language] for k in data["consent_items"]),
                     *_combination_texts(language)])


def test_lix_helper_on_known_text() -> None:
    assert lix("Du får en tablett. Ta den hver dag.") == pytest.approx(4 + 100 * 1 / 8)
    assert lix("Legemiddelbehandlingen gjennomføres.") == pytest.approx(2 + 100)


def test_every_text_is_written_in_all_three_languages() -> None:
    texts = list(_texts(_data()))
    assert len(texts) > 100
    for path, text in texts:
        if text["nb"] == "" and path.rsplit("/", 1)[-1] in OPTIONAL_EMPTY:
            assert text == {"nb": "", "nn": "", "en": ""}, path
            continue
        for language in ("nb", "nn", "en"):
            assert text[language].strip(), f"{path}: {language} missing"
            assert text[language].strip().upper() != "TODO", path
            assert "TODO" not in text[language], path
            assert text[language] == text[language].strip(), f"{path}: {language} padded"


def test_english_is_not_a_copy_of_the_norwegian() -> None:
    for path, text in _texts(_data()):
        if len(text["nb"].split()) > 3:
            assert text["en"] != text["nb"], path


def test_only_non_routine_measures_lack_a_patient_sentence() -> None:
    for measure in _data()["measures"]:
        empty = measure["patient_text"]["nb"] == ""
        assert empty == (measure["id"] in MEASURES_WITHOUT_PATIENT_TEXT), measure["id"]


def test_patient_sentences_of_measures_are_first_person() -> None:
    first_person = {"nb": "Jeg ", "nn": "Eg ", "en": "I "}
    for measure in _data()["measures"]:
        for language, start in first_person.items():
            sentence = measure["patient_text"][language]
            assert sentence == "" or sentence.startswith(start), (measure["id"], language)


def test_consent_items_speak_to_the_patient() -> None:
    for item in _data()["consent_items"]:
        for language, word in (("nb", "du"), ("nn", "du"), ("en", "you")):
            words = {w.lower() for w in _words(item["patient_text"][language])}
            assert words & {word, "deg", "din", "ditt", "dine", "your"}, (item["id"], language)


def test_titles_are_short() -> None:
    data = _data()
    for group in ("risk_points", "measures", "consent_items"):
        for entry in data[group]:
            for language, title in entry["title"].items():
                assert len(title) <= TITLE_MAX, (entry["id"], language, title)


def test_nynorsk_has_no_bokmal_words() -> None:
    for path, text in _texts(_data()):
        nynorsk = text["nn"].lower()
        words = set(re.findall(r"[a-zæøå]+", nynorsk))
        assert not words & BOKMAL_WORDS, (path, words & BOKMAL_WORDS)
        for part in BOKMAL_PARTS:
            assert part not in nynorsk, (path, part)


def test_nynorsk_is_its_own_text() -> None:
    for path, text in _texts(_data()):
        if len(text["nb"].split()) > 3:
            assert text["nn"] != text["nb"], f"{path}: nynorsk identical to bokmål"


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_consent_texts_are_plain(language: str) -> None:
    assert lix(_consent_body(language)) <= 40


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_no_consent_paragraph_is_hard(language: str) -> None:
    for item in _data()["consent_items"]:
        assert lix(item["patient_text"][language]) <= 50, item["id"]


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_each_combination_warning_is_plain_and_names_the_combination(language: str) -> None:
    for combination in _data()["combinations"]:
        text = combination["patient_text"][language]
        assert text.startswith("{names} "), combination["id"]
        assert lix(text.replace("{names}", SAMPLE_NAMES[language])) <= 50, combination["id"]


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_patient_sentences_are_plain(language: str) -> None:
    data = _data()
    sentences = [m["patient_text"][language] for m in data["measures"]]
    sentences += [d["exception_risk_for_patient"][language] for d in data["drugs"]
                  if "exception_risk_for_patient" in d]
    assert lix(" ".join(s for s in sentences if s)) <= 40


def test_placeholders_only_where_the_documents_fill_them() -> None:
    data = _data()
    for path, text in _texts(data):
        parts = path.split("/")
        allowed: set[str] = set()
        if parts[1] == "consent_items" and parts[-1] == "patient_text":
            allowed = PLACEHOLDERS.get(data["consent_items"][int(parts[2])]["id"], set())
        if parts[1] == "combinations" and parts[-1] == "patient_text":
            allowed = {"{names}"}
        if path == "/tapering/prescription_text":
            allowed = {"{unit}", "{date}"}
        for language in ("nb", "nn", "en"):
            found = set(PLACEHOLDER.findall(text[language]))
            assert found == allowed, (path, language, found)


def test_overdose_item_names_every_depressant() -> None:
    k3 = next(k for k in _data()["consent_items"] if k["id"] == "K3")["patient_text"]
    for language, names in {
        "nb": ("alkohol", "opioider", "benzodiazepiner", "pregabalin", "GHB"),
        "nn": ("alkohol", "opioid", "benzodiazepin", "pregabalin", "GHB"),
        "en": ("alcohol", "opioids", "benzodiazepines", "pregabalin", "GHB"),
    }.items():
        for name in names:
            assert name in k3[language], (language, name)


def test_legal_summary_states_the_lapse_and_the_cumulative_conditions() -> None:
    if _data()["id"] != "karantene-substitusjon":
        pytest.skip("the lapse on 1 January 2022 is the quarantine rule's")
    summary = _data()["legal_basis"]["summary"]
    assert "1. januar 2022" in summary["nb"] and "1. januar 2022" in summary["nn"]
    assert "1 January 2022" in summary["en"]
    assert "kumulative" in summary["nb"] and "kumulative" in summary["nn"]
    assert "cumulative" in summary["en"]
    assert 3 <= len(re.findall(r"[.!?](\s|$)", summary["nb"])) <= 5


def test_tapering_summary_states_the_plan_the_consent_and_the_limit() -> None:
    data = _data()
    if "tapering" not in data:
        pytest.skip("not a tapering-plan pathway")
    summary = data["legal_basis"]["summary"]
    assert "spesialisthelsetjenesten" in summary["nb"] and "spesialisthelsetenesta" in summary["nn"]
    assert "12 måneder" in summary["nb"] and "12 månader" in summary["nn"]
    assert "Metadon" in summary["nb"] and "Metadon" in summary["nn"]
    periods = data["legal_basis"]["periods"]
    assert [p["verified"] for p in periods] == [True, False]
    assert "ikke bekreftet" in periods[-1]["reference"]["nb"]
