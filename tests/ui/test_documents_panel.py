"""The summary page's document buttons: copy, export, record, and keep autosaving afterwards;
the export folder is remembered and an unwritable one loses nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from core.content import Pathway
from core.documents import journal_note, prescription_text, to_text
from core.storage import Store
from i18n import _
from tests.ui.wizard_helpers import example, wait_saved
from ui.wizard.documents_panel import DocumentsPanel


def test_copy_buttons_put_the_documents_on_the_clipboard(
        qtbot: QtBot, open_wizard, store: Store, pathway: Pathway) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    panel.journal_language.setCurrentIndex(panel.journal_language.findData("nn"))
    panel.copy_journal.click()
    today = window.controller.today()
    expected = to_text(journal_note(window.controller.case, pathway, "nn", today=today))
    assert QGuiApplication.clipboard().text() == expected
    assert "Vidare oppfølging" in QGuiApplication.clipboard().text()
    panel.copy_prescription.click()
    assert QGuiApplication.clipboard().text() == prescription_text(
        window.controller.case, pathway, "nn", today=today)
    copies = [e for e in store.audit_log(case.id) if e.action == "copy"]
    assert [e.details["kind"] for e in copies] == ["journal", "prescription"]
    # The preview follows the chosen written standard.
    qtbot.waitUntil(lambda: "Vidare oppfølging" in window.page("summary").preview.toPlainText(),
                    timeout=3000)


def test_export_writes_records_and_autosave_continues(
        qtbot: QtBot, open_wizard, store: Store, tmp_path: Path) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    with qtbot.waitSignal(panel.exported, timeout=20000) as signal:
        panel.export_to(tmp_path / "out")
    result = signal.args[0]
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f.path.name for f in result.files)
    assert any(n.startswith("samtykke-") for n in names)
    revisions = store.list_exports(case.id)
    assert len(revisions) == 1
    assert {d.sha256 for d in revisions[0].documents} == {f.sha256 for f in result.files}
    # Exported, or the course status it is in today (the example's first dose is in 2021).
    from core.course import lifecycle
    from core.course_summary import oslo_today

    exported = case.model_copy(update={"status": "exported"})
    assert window.controller.case.status == lifecycle.status_on(exported, oslo_today())
    assert "PDF" in panel.status.text()
    # Typing after the export saves without a version conflict.
    window.controller.set_value("journal_addition", "Etter eksport: ringte TSB.")
    wait_saved(qtbot, window)
    assert window.controller.last_error is None
    assert store.load(case.id).case.journal_addition == "Etter eksport: ringte TSB."


def test_export_refuses_consent_and_plan_with_blockers(
        qtbot: QtBot, open_wizard, tmp_path: Path) -> None:
    window = open_wizard(example("vilkar-ikke-oppfylt"), step="summary")
    panel = window.page("summary").documents
    with qtbot.waitSignal(panel.exported, timeout=20000):
        panel.export_to(tmp_path / "out")
    names = [p.name for p in (tmp_path / "out").iterdir()]
    assert names and not any(n.startswith(("samtykke", "behandlingsplan")) for n in names)
    assert "blokkerende" in panel.status.text()


def test_the_export_folder_is_remembered_and_offered_next_time(
        qtbot: QtBot, open_wizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_wizard(example(), step="summary")
    panel = window.page("summary").documents
    remembered: list[Path] = []
    panel.remember_folder = remembered.append
    target = tmp_path / "eksport"
    with qtbot.waitSignal(panel.exported, timeout=20000):
        panel.export_to(target)
    assert remembered == [target]

    offered: list[str] = []

    def fake_dialog(parent: object, title: str, start: str) -> str:
        offered.append(start)
        return ""  # cancelled

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", fake_dialog)
    panel.choose_and_export()
    assert offered == [str(target)]
    # A remembered folder that has gone since is replaced by its nearest existing parent.
    panel.export_dir = str(target / "slettet" / "mappe")
    panel.choose_and_export()
    assert offered[-1] == str(target)


def test_the_panel_takes_the_folder_and_the_remember_callback(
        qtbot: QtBot, open_wizard, tmp_path: Path) -> None:
    window = open_wizard(example(), step="summary")
    remembered: list[Path] = []
    panel = DocumentsPanel(window.controller, initial_folder=tmp_path,
                           remember_folder=remembered.append)
    qtbot.addWidget(panel)
    assert panel.export_dir == str(tmp_path)
    with qtbot.waitSignal(panel.exported, timeout=20000):
        panel.export_to(tmp_path / "ny")
    assert remembered == [tmp_path / "ny"]


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder nobody can write to: read-only, or (for root, who ignores modes) under a file."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder\n", encoding="utf-8")
        return blocker / "documents"
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return folder


def test_an_unwritable_folder_gives_a_clear_message_and_loses_nothing(
        qtbot: QtBot, open_wizard, store: Store, tmp_path: Path) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    remembered: list[Path] = []
    panel.remember_folder = remembered.append
    panel.export_dir = str(tmp_path)
    window.controller.set_value("journal_addition", "Skrevet rett før eksport.")
    target = unwritable_folder(tmp_path)
    try:
        with qtbot.waitSignal(panel.export_failed, timeout=20000) as failed:
            panel.export_to(target)
        reason = failed.args[0]
        assert reason in (_("you do not have permission to write in that folder"),
                          _("part of the path is a file, not a folder"))
        assert panel.status.text() == _(
            "The documents could not be written to {folder}: {reason}. The case is saved and "
            "nothing is lost; choose another folder.").format(folder=str(target), reason=reason)
        assert panel.export_button.isEnabled()
        assert remembered == [] and panel.export_dir == str(tmp_path)
        assert store.list_exports(case.id) == []
        # What was typed is stored; a second try elsewhere works.
        assert store.load(case.id).case.journal_addition == "Skrevet rett før eksport."
        with qtbot.waitSignal(panel.exported, timeout=20000):
            panel.export_to(tmp_path / "ok")
        assert len(store.list_exports(case.id)) == 1
        assert remembered == [tmp_path / "ok"]
    finally:
        if target.exists():
            target.chmod(stat.S_IRWXU)


def test_the_consent_choices_are_the_case_s_own(
        qtbot: QtBot, open_wizard, store: Store) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    panel.english_copy.setChecked(True)
    panel.consent_language.setCurrentIndex(panel.consent_language.findData("nn"))
    consent = window.controller.case.consent
    assert consent.english_reading_copy and consent.form_language == "nn"
    wait_saved(qtbot, window)
    assert store.load(case.id).case.consent.form_language == "nn"
    # …and a change made elsewhere (the consent step) shows here.
    window.controller.set_value("consent.form_language", "nb")
    window.controller.set_value("consent.english_reading_copy", False)
    assert panel.consent_language.currentData() == "nb"
    assert not panel.english_copy.isChecked()
