"""The pseudo language: longer, accented, bracketed text finds clipped and unmarked strings.

With :data:`i18n.PSEUDO_LANGUAGE` active every msgid is shown as ``[Løngéræø téxtæø]``: about
40 % longer, taller letters, and brackets.  The start window, every wizard step (with each
example case) and the settings dialog are built at 1366×768, and every visible label, button,
check box, radio button and group box is checked:

* **clipped** – narrower than its text needs (or, when it wraps, lower than its lines need);
* **unmarked** – visible text outside brackets that is not case data or pathway content (which
  has its own nb/nn/en texts): a string that never went through gettext.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

import i18n
from core import casefile
from core.case import Case
from core.content import load_library
from core.steps import STEP_IDS
from i18n.build import POT
from tests.json_strings import json_strings
from ui.qt_i18n import install_translator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.json"))
PATHWAYS = ROOT / "resources" / "pathways"
SIZE = (1366, 768)
# Words that are the same in every language and may stand outside brackets: units, names of
# measurements and codes, the names of the written standards (ui/wizard/documents_panel.py
# shows them as they are), month and day names from Babel's dates, the program's name.
NEUTRAL = re.compile(
    r"\b(?:mg|ms|min|kl|QTc|SpO₂|SpO2|ICD-10|LAR|TSB|Rekvirent|PDF|HPR|Bokmål|Nynorsk|"
    r"January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
LETTERS = re.compile(r"[^\W\d_]{2,}")
BRACKETED = re.compile(r"\[[^\[\]]*\]")


# ---- the pseudo transformation itself -------------------------------------------------------


def _msgids() -> list[str]:
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    ids: list[str] = []
    for message in catalog:
        if message.id:
            ids += [message.id] if isinstance(message.id, str) else list(message.id)
    return ids


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{[a-z_]*\}|%\([a-z_]+\)s|%[sd]|%\d+|&&", text))


def test_pseudo_keeps_placeholders_and_mnemonics() -> None:
    for msgid in _msgids():
        fake = i18n.pseudo(msgid)
        assert fake.startswith("[") and fake.endswith("]"), msgid
        assert _placeholders(fake) == _placeholders(msgid), msgid
        assert fake.count("&") == msgid.count("&"), msgid
        assert fake.count("\n") == msgid.count("\n") and fake.count("\t") == msgid.count("\t")


def test_pseudo_makes_text_about_forty_percent_longer() -> None:
    for msgid in _msgids():
        letters = len(re.findall(r"[^\W\d_]", re.sub(r"\{[a-z_]*\}|%\([a-z_]+\)s", "", msgid)))
        if letters >= 10:
            assert len(i18n.pseudo(msgid)) - len(msgid) >= 0.35 * letters, msgid
    assert i18n.pseudo("Save") == "[Såvéæø]"
    assert i18n.pseudo("&Next") == "[&Néxtæø]"
    assert i18n.pseudo("{count} days") == "[{count} dåysæø]"
    assert i18n.pseudo("") == ""


def test_pseudo_language_is_for_the_ui_only() -> None:
    try:
        translator = i18n.set_language(i18n.PSEUDO_LANGUAGE)
        assert translator.pseudo and translator.language == "en"
        assert i18n._("Risk mapping") == "[Rïskæø måppïngæøå]"
        assert i18n.ngettext("{n} finding", "{n} findings", 2) == i18n.pseudo("{n} findings")
        assert i18n.pgettext("QPlatformTheme", "Cancel") == i18n.pseudo("Cancel")
        # Documents keep their real language.
        assert i18n.translator("nn").gettext("Risk mapping") == "Risikokartlegging"
    finally:
        i18n.set_language("nb")
    assert i18n._("Risk mapping") == "Risikokartlegging"


# ---- screens in the pseudo language ---------------------------------------------------------


def test_the_checker_finds_clipped_and_unmarked_text(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    clipped = QLabel(i18n.pseudo("Prescribing doctor"), window)
    clipped.setGeometry(0, 0, 20, 20)
    unmarked = QLabel("Lagre endringene", window)
    unmarked.setGeometry(0, 30, 400, 20)
    content = QLabel(i18n.pseudo("Plan made with {unit}").format(unit="Rusteamet Prøvestad"),
                     window)
    content.setGeometry(0, 60, 600, 20)
    window.resize(700, 100)
    window.show()
    qtbot.waitExposed(window)
    found = problems_in(window, _pattern(["Rusteamet {place}"]), "test")
    assert len(found) == 2, found
    assert "clipped (width 20 <" in found[0]
    assert "unmarked 'Lagre endringene'" in found[1]


@pytest.fixture
def pseudo_ui(qapp: QApplication) -> Iterator[None]:
    i18n.set_language(i18n.PSEUDO_LANGUAGE)
    translator = install_translator(qapp)
    yield
    qapp.removeTranslator(translator)
    i18n.set_language("nb")


def _english_content() -> list[str]:
    """Every English pathway text (content is not gettext: it has its own translations)."""
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("en"), str):
                texts.append(value["en"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in PATHWAYS.rglob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return texts


def _pattern(texts: Iterable[str]) -> re.Pattern[str]:
    """Longest first; a ``{placeholder}`` in content matches whatever was filled in."""
    parts = []
    for text in sorted({t.strip() for t in texts if len(t.strip()) > 1}, key=len, reverse=True):
        parts.append(re.sub(r"\\\{[a-z_]+\\\}", ".+?", re.escape(text)))
    return re.compile("|".join(parts)) if parts else re.compile(r"(?!)")


def unmarked_rest(text: str, known: re.Pattern[str]) -> str:
    """What is left of ``text`` after known content and every bracketed (translated) part."""
    rest = known.sub(" ", text.replace("&", ""))
    previous = None
    while previous != rest:
        previous, rest = rest, BRACKETED.sub(" ", rest)
    rest = NEUTRAL.sub(" ", rest)
    return " ".join(LETTERS.findall(rest))


def _describe(widget: QWidget) -> str:
    chain = []
    current: QWidget | None = widget
    while current is not None and len(chain) < 4:
        chain.append(current.objectName() or type(current).__name__)
        current = current.parentWidget()
    return "/".join(reversed(chain))


def _texts(widget: QWidget) -> list[str]:
    if isinstance(widget, QLabel):
        return [widget.text()]
    if isinstance(widget, QAbstractButton):
        return [widget.text()]
    if isinstance(widget, QGroupBox):
        return [widget.title()]
    if isinstance(widget, QComboBox):
        return [widget.currentText()]
    if isinstance(widget, QLineEdit) and not widget.text():
        return [widget.placeholderText()]
    return []


def _clipped(widget: QWidget) -> str:
    """Why the widget's text does not fit ("" when it does); 1 px of rounding is allowed."""
    if isinstance(widget, QLabel) and widget.text():
        if widget.wordWrap():
            needed = widget.heightForWidth(widget.width())
            return f"height {widget.height()} < {needed}" if widget.height() + 1 < needed else ""
        needed = widget.sizeHint().width()
    elif isinstance(widget, QAbstractButton) and widget.text():
        needed = widget.sizeHint().width()
    elif isinstance(widget, QGroupBox) and widget.title():
        needed = widget.minimumSizeHint().width()
    else:
        return ""
    return f"width {widget.width()} < {needed}" if widget.width() + 1 < needed else ""


def problems_in(window: QWidget, known: re.Pattern[str], where: str) -> list[str]:
    """Clipped and unmarked texts among the visible widgets of ``window``."""
    found = []
    for widget in [window, *window.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        for text in _texts(widget):
            rest = unmarked_rest(text, known) if text else ""
            if rest:
                found.append(f"{where}: unmarked {rest!r} in {_describe(widget)}: {text!r}")
        clipped = _clipped(widget)
        if clipped:
            found.append(f"{where}: clipped ({clipped}) {_describe(widget)}: "
                         f"{_texts(widget)[0]!r}")
    return found


def _settle() -> None:
    for _round in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_wizard_steps_in_pseudo_language(pseudo_ui: None, qtbot: QtBot, example: Path) -> None:
    from ui.controller import CaseController
    from ui.wizard.window import WizardWindow

    case = casefile.read(example)
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    assert pathway is not None
    controller = CaseController(case, pathway, None, step="patient", language="en")
    window = WizardWindow(controller)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    problems: list[str] = []
    for index, step in enumerate(STEP_IDS):
        window.show_step(index, save=False)
        _settle()
        known = _pattern([*_english_content(), *json_strings(json.loads(example.read_text(
            encoding="utf-8"))), *(f.message for f in controller.findings)])
        problems += problems_in(window, known, f"{example.stem}/{step}")
        page = window.page(step)
        needed = page.content.minimumSizeHint().width()
        if needed > page.viewport().width() or page.horizontalScrollBar().isVisible():
            problems.append(f"{example.stem}/{step}: page needs {needed}px, has "
                            f"{page.viewport().width()}px")
    minimum = window.minimumSizeHint()
    if minimum.width() > SIZE[0] or minimum.height() > SIZE[1]:
        problems.append(f"{example.stem}: window minimum {minimum.width()}×{minimum.height()}")
    window.close()
    assert not problems, "\n".join(problems)


def _fill(data_dir: Path) -> list[Case]:
    from core.storage import Store

    store = Store.open(data_dir=data_dir)
    cases = [casefile.read(path) for path in EXAMPLES]
    for case in cases:
        store.save(case)
    store.close()
    return cases


@pytest.fixture
def desktop_keyring() -> Iterator[None]:
    """The start window makes its key in a keyring, as on a desktop (no dialog)."""
    from tests.memory_keyring import memory_keyring_installed

    with memory_keyring_installed():
        yield


def test_start_window_in_pseudo_language(pseudo_ui: None, desktop_keyring: None, qtbot: QtBot,
                                         tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from ui.start_window import StartWindow

    cases = _fill(tmp_path)
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.open_storage()
    _settle()
    known = _pattern(s for case in cases for s in json_strings(case.model_dump(mode="json")))
    problems = problems_in(window, known, "start")
    for column in range(window.model.columnCount()):
        header = str(window.model.headerData(column, Qt.Orientation.Horizontal))
        if unmarked_rest(header, known):
            problems.append(f"start: unmarked column header {header!r}")
    window.close()
    assert not problems, "\n".join(problems)


def test_dialogs_in_pseudo_language(pseudo_ui: None, qtbot: QtBot) -> None:
    from datetime import date

    from PySide6.QtWidgets import QDialog

    from core.case import Prescriber
    from core.settings import Settings
    from ui.settings_dialog import SettingsDialog
    from ui.wizard.dialogs import NewCaseDialog, ProfileDialog

    prescriber = Prescriber(name="Lege Syntetisk Prøve", hpr_number="9144889")
    library = load_library()
    pathways = list(library.pathways.values())
    dialogs: dict[str, QDialog] = {
        "settings": SettingsDialog(Settings(prescriber=prescriber)),
        "profile": ProfileDialog(prescriber),
        "new case": NewCaseDialog(pathways, pathways[0], date(2021, 11, 15)),
    }
    known = _pattern([prescriber.name, prescriber.hpr_number, *_english_content()])
    problems: list[str] = []
    for name, dialog in dialogs.items():
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        _settle()
        problems += problems_in(dialog, known, name)
        dialog.close()
    assert not problems, "\n".join(problems)
