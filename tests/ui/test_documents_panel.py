"""The summary page's document buttons: copy, export, record, and keep autosaving afterwards."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from core.content import Pathway
from core.documents import journal_note, prescription_text, to_text
from core.storage import Store
from tests.ui.wizard_helpers import example, wait_saved


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
    assert window.controller.case.status == "exported"
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
