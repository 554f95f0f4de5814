"""The shipped pathway's texts: complete in three languages, real nynorsk, plain consent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PATHWAY = Path(__file__).resolve().parents[2] / "resources" / "pathways" / \
    "karantene-substitusjon" / "1.json"
BOKMAL_ONLY = {"ikke", "hva", "hvem", "hvordan", "også", "bare", "jeg", "mye", "noen", "hvis",
               "ennå", "fortsatt", "behandlingen", "legemidlet", "hvorfor", "mens", "sier"}
PLACEHOLDERS = {"K1": {"{drugs}"}, "K10": {"{end_date}"}, "K11": {"{contact}"}}
OPTIONAL_EMPTY = {"patient_text", "exception_risk_for_patient", "note"}


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATHWAY.read_text(encoding="utf-8"))
    return data


def _texts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    if isinstance(node, dict):
        if set(node) == {"nb", "nn", "en"}:
            yield path, node
            return
        for key, value in node.items():
            yield from _texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, f"{path}/{index}")


def lix(text: str) -> float:
    """LIX readability: words per sentence + percentage of words longer than six letters."""
    words = re.findall(r"[A-Za-zÆØÅæøåÉéÜü]+", text)
    sentences = max(1, len(re.findall(r"[.!?:]+(\s|$)", text)))
    long_words = sum(1 for w in words if len(w) > 6)
    return len(words) / sentences + 100 * long_words / max(1, len(words))


def test_lix_helper_on_known_text() -> None:
    assert lix("Du får en tablett. Ta den hver dag.") == pytest.approx(4 + 100 * 1 / 8)


def test_every_text_is_written_in_all_three_languages() -> None:
    for path, text in _texts(_data()):
        if text["nb"] == "" and path.rsplit("/", 1)[-1] in OPTIONAL_EMPTY:
            assert text == {"nb": "", "nn": "", "en": ""}, path
            continue
        for language in ("nb", "nn", "en"):
            assert text[language].strip(), f"{path}: {language} missing"
            assert "TODO" not in text[language], path


def test_nynorsk_has_no_bokmal_words_and_is_its_own_text() -> None:
    same = 0
    total = 0
    for path, text in _texts(_data()):
        words = set(re.findall(r"[a-zæøå]+", text["nn"].lower()))
        assert not words & BOKMAL_ONLY, (path, words & BOKMAL_ONLY)
        if len(text["nb"].split()) > 3:
            total += 1
            same += text["nb"] == text["nn"]
    assert same <= 0.1 * total, f"{same} of {total} longer texts are identical in nb and nn"


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_consent_texts_are_plain(language: str) -> None:
    data = _data()
    body = " ".join(k["patient_text"][language] for k in data["consent_items"])
    body += " " + " ".join(m["patient_text"][language] for m in data["measures"])
    assert lix(body) <= 40, lix(body)


def test_placeholders_only_where_the_documents_fill_them() -> None:
    for item in _data()["consent_items"]:
        for language in ("nb", "nn", "en"):
            found = set(re.findall(r"\{[a-z_]+\}", item["patient_text"][language]))
            assert found == PLACEHOLDERS.get(item["id"], set()), (item["id"], language)


def test_overdose_item_names_every_depressant() -> None:
    k3 = next(k for k in _data()["consent_items"] if k["id"] == "K3")["patient_text"]["nb"]
    for word in ("alkohol", "opioider", "benzodiazepiner", "pregabalin", "GHB"):
        assert word in k3
