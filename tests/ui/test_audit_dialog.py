"""The start window shows a case's audit log, with the verifier's verdict."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from core.case import Case, Patient
from ui.start_window import StartWindow


def test_the_audit_log_of_the_selected_case(qtbot: QtBot, tmp_path: Path) -> None:
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    window.open_storage()
    assert window.store is not None
    window.store.set_actor("Lege Lise Fiktiv", "9144889")
    case = Case(patient=Patient(name="Åse Loggtest"))
    window.store.save(case)
    window.store.open_case(case.id)
    window.store.audit("copy", case.id, details={"kind": "journal"})
    window.refresh(select=case.id)
    assert window.audit_button.isEnabled()

    dialog = window.audit_dialog(case.id)
    assert dialog is not None
    table = dialog.table  # type: ignore[attr-defined]
    rows = [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]
    actions = [row[1] for row in rows]
    assert actions[-2:] == ["Åpnet", "Kopiert til utklippstavlen"]
    assert all(row[2] == "Lege Lise Fiktiv (9144889)" for row in rows[-2:])
    assert "Åse" not in "".join("".join(row) for row in rows)  # no patient data in the log
    assert "intakt" in dialog.status.text()  # type: ignore[attr-defined]
    window.close()
