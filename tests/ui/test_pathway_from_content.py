"""Proof that content drives the wizard and the documents: change a text in a copy of the
tapering pathway's file, and the change shows in the wizard's consent step, the plan step's
help, the consent PDF and the prescription text."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from core import casefile
from core.content import load_library
from core.documents.consent import consent_form
from core.documents.journal import prescription_text
from core.paths import resources_dir
from core.pdf.render import render
from ui.controller import CaseController
from ui.wizard.window import WizardWindow

EXAMPLE = resources_dir() / "examples" / "nedtrapping-benzodiazepin-8-uker.json"
CONSENT_TEXT = "Prøvetekst: du trapper ned i små steg sammen med legen din."
CONSENT_TITLE = "Prøvetittel for nedtrapping"
PRESCRIPTION = "Prøveresept: nedtrappingsplan med {unit} fra {date}."


def _edited_library(tmp_path: Path) -> Path:
    root = tmp_path / "pathways"
    shutil.copytree(resources_dir() / "pathways" / "nedtrappingsplan", root / "nedtrappingsplan")
    path = root / "nedtrappingsplan" / "1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    [item] = [k for k in data["consent_items"] if k["id"] == "K20"]
    item["title"]["nb"] = CONSENT_TITLE
    item["patient_text"]["nb"] = CONSENT_TEXT
    data["tapering"]["prescription_text"]["nb"] = PRESCRIPTION
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def _labels(window: WizardWindow) -> str:
    return "\n".join(label.text() for label in window.findChildren(QLabel))


def test_a_changed_text_in_the_pathway_file_shows_in_wizard_and_documents(
        qtbot: QtBot, tmp_path: Path) -> None:
    case = casefile.read(EXAMPLE)
    shipped = load_library().get("nedtrappingsplan", 1)
    edited = load_library(_edited_library(tmp_path)).get("nedtrappingsplan", 1)
    assert shipped is not None and edited is not None

    pdf = render(consent_form(case, edited, "nb"))
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert CONSENT_TEXT in flat and CONSENT_TITLE in flat
    original = render(consent_form(case, shipped, "nb"))
    flat_original = " ".join(" ".join(
        (p.extract_text() or "") for p in PdfReader(io.BytesIO(original)).pages).split())
    assert CONSENT_TEXT not in flat_original

    assert prescription_text(case, edited, "nb").startswith(
        "Prøveresept: nedtrappingsplan med TSB, Avdeling for rus og avhengighet")

    for pathway, expected in ((edited, True), (shipped, False)):
        controller = CaseController(casefile.read(EXAMPLE), pathway, None, step="consent",
                                    language="nb")
        window = WizardWindow(controller)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        labels = _labels(window)
        assert (CONSENT_TITLE in labels) is expected, labels[:2000]
        window.close()


def test_the_covid_field_is_asked_and_written_only_on_the_quarantine_pathway(
        qtbot: QtBot) -> None:
    from core.documents import journal_note, to_text

    library = load_library()
    for example, pathway_id, expected in (
            (EXAMPLE, "nedtrappingsplan", False),
            (resources_dir() / "examples" / "opioid-komplett.json", "karantene-substitusjon",
             True)):
        case = casefile.read(example)
        pathway = library.get(pathway_id, 1)
        assert pathway is not None
        window = WizardWindow(CaseController(case, pathway, None, step="findings",
                                             language="nb"))
        qtbot.addWidget(window)
        assert ("Luftveissymptomer ved covid-19" in _labels(window)) is expected
        note = str(to_text(journal_note(case, pathway, "nb")))
        assert ("Luftveissymptomer av covid-19" in note) is expected
