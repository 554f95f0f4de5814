"""The start window's way into the wizard: new case, open, duplicate, delete, export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from core import casefile
from core.content import load_library
from core.settings import load_settings
from core.storage import Store
from tests.ui.wizard_helpers import EXAMPLES
from ui.start_window import StartWindow
from ui.wizard.dialogs import NewCaseDialog, ProfileDialog, pathway_status, start_case


def _window(qtbot: QtBot, data_dir: Path, examples: bool = True) -> StartWindow:
    if examples:
        store = Store.open(data_dir=data_dir)
        for path in sorted(EXAMPLES.glob("*.json")):
            store.save(casefile.read(path))
        store.close()
    window = StartWindow(data_dir=data_dir)
    qtbot.addWidget(window)
    window.show()
    window.open_storage()
    return window


def _select(window: StartWindow, name: str) -> None:
    row = next(i for i, d in enumerate(window.model.drafts) if d.patient_name == name)
    window.table.selectRow(row)


def test_new_case_asks_for_the_profile_once(qtbot: QtBot, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, tmp_path, examples=False)
    seen: list[str] = []

    def answer(dialog: QDialog) -> bool:
        seen.append(type(dialog).__name__)
        if isinstance(dialog, ProfileDialog):
            dialog.edits["name"].setText("Lege Åse Prøve")
            dialog.edits["hpr_number"].setText("9144889")
            dialog.edits["municipality"].setText("Prøvestad kommune")
        if isinstance(dialog, NewCaseDialog):
            # The tapering plan is in force today, so it is preselected as a real case.
            assert dialog.pathway().id == "nedtrappingsplan"
            assert not dialog.exercise_mode()
        return True

    monkeypatch.setattr(window, "run_dialog", answer)
    first = window.new_case()
    assert first is not None
    assert seen == ["ProfileDialog", "NewCaseDialog"]
    assert load_settings(tmp_path).prescriber.name == "Lege Åse Prøve"
    wizard = window.wizards[first]
    case = wizard.controller.case
    assert case.prescriber.municipality == "Prøvestad kommune"
    assert case.consultation.date == date.today()
    assert case.pathway_id == "nedtrappingsplan"
    assert not case.consultation.exercise_mode
    pathway = load_library().get("nedtrappingsplan", 1)
    assert pathway is not None
    assert case.measures.keys() == {m.id for m in pathway.measures}
    assert wizard.current_step == "patient"

    seen.clear()
    second = window.new_case()
    assert seen == ["NewCaseDialog"]
    assert second is not None and second != first
    assert window.model.rowCount() == 2
    window.close()
    assert not window.wizards


def test_pathway_dialog_shows_an_expired_legal_basis(qtbot: QtBot) -> None:
    library = load_library()
    assert library.default(date(2026, 1, 1)).id == "nedtrappingsplan"  # in force then
    pathway = library.get("karantene-substitusjon", 1)
    assert pathway is not None
    dialog = NewCaseDialog(list(library.pathways.values()), pathway, date(2026, 1, 1))
    qtbot.addWidget(dialog)
    assert dialog.pathway() is pathway
    assert dialog.status.text() == pathway_status(pathway, date(2026, 1, 1))
    assert "2021" in dialog.status.text()
    assert dialog.exercise_mode()
    in_force = NewCaseDialog([pathway], pathway, date(2021, 11, 15))
    qtbot.addWidget(in_force)
    assert not in_force.exercise_mode()


def test_open_with_enter_and_double_click(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path)
    _select(window, "Kari Syntetisk Testesen")
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert len(window.wizards) == 1
    wizard = next(iter(window.wizards.values()))
    assert wizard.controller.case.patient.name == "Kari Syntetisk Testesen"
    assert "Kari" not in wizard.windowTitle()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert len(window.wizards) == 1  # the same case is not opened twice
    _select(window, "Ola Prøve Nordmann")
    index = window.table.currentIndex()
    rect = window.table.visualRect(window.model.index(index.row(), 0))
    # (QTest only makes a double-click of a click followed by a double-click.)
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(window.wizards) == 2
    wizard.close()
    assert len(window.wizards) == 1
    window.close()


def test_duplicate_delete_and_export(qtbot: QtBot, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, tmp_path / "data")
    examples = len(list(EXAMPLES.glob("*.json")))
    _select(window, "Kari Syntetisk Testesen")
    copy = window.duplicate_selected()
    assert copy is not None
    assert window.model.rowCount() == examples + 1
    assert window.selected_id() == copy

    asked: list[str] = []
    monkeypatch.setattr(window, "confirm_delete", lambda name: asked.append(name) or False)
    assert not window.delete_selected()
    assert asked == ["Kari Syntetisk Testesen"]
    assert window.model.rowCount() == examples + 1
    monkeypatch.setattr(window, "confirm_delete", lambda name: True)
    assert window.delete_selected()
    assert window.model.rowCount() == examples

    target = tmp_path / "ut" / "sak.json"
    target.parent.mkdir()
    _select(window, "Åse Øvelse Ærligsen")
    monkeypatch.setattr(window, "ask_export_path", lambda: str(target))
    assert window.export_selected()
    assert casefile.read(target).patient.name == "Åse Øvelse Ærligsen"
    window.close()


def test_start_case_fills_what_is_known(qtbot: QtBot) -> None:
    from core.case import Prescriber

    pathway = load_library().default(date(2021, 11, 15))
    case = start_case(pathway, Prescriber(name="Lege Prøve", hpr_number="123456"),
                      today=date(2021, 11, 15))
    assert case.prescriber.name == "Lege Prøve"
    assert case.consultation.date == date(2021, 11, 15)
    assert not case.consultation.exercise_mode
    assert set(case.measures) == {m.id for m in pathway.measures}


def test_screenshots_command_writes_every_step(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from core.steps import STEPS

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "REKVIRENT_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, str(root / "main.py"), "screenshots",
                             str(tmp_path / "shots")], env=env, cwd=root, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    from ui.course.screenshots import SHOTS

    # Every wizard step, then the Forløp view and its forms for the course example.
    assert len(list((tmp_path / "shots").glob("*.png"))) == len(STEPS) + 1 + len(SHOTS)
