"""The summary page's document buttons: copy the journal note or prescription text, export PDFs.

Copying and exporting use the same builders as the preview (one render model).  The export runs
in a worker thread so typing never stalls; the files are written atomically by
:func:`core.documents.export.export_documents`, then recorded in the database with their
SHA-256 hashes (and audited).  File names hold only the document kind and id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from i18n import _, ngettext

if TYPE_CHECKING:
    from core.documents.export import ExportResult
    from ui.controller import CaseController

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk"}


@dataclass
class ExportChoice:
    folder: Path
    journal_language: str
    consent_language: str
    english_copy: bool


class _ExportWorker(QObject):
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, controller: CaseController, choice: ExportChoice, today: date) -> None:
        super().__init__()
        # A copy: the GP may keep typing while the documents are made.
        self.case = controller.case.model_copy(deep=True)
        self.pathway = controller.pathway
        self.choice = choice
        self.today = today

    def run(self) -> None:
        from core.documents.export import export_documents

        try:
            result = export_documents(
                self.case, self.pathway, self.choice.folder,
                journal_language=self.choice.journal_language,
                consent_language=self.choice.consent_language,
                english_copy=self.choice.english_copy, today=self.today)
        except OSError as exc:
            self.failed.emit(exc.strerror or type(exc).__name__)
        except Exception as exc:  # reported to the GP, never a silent failure
            log.exception("Export failed for case %s", self.case.id)
            self.failed.emit(type(exc).__name__)
        else:
            self.finished.emit(result)


class DocumentsPanel(QWidget):
    """Buttons and choices under the journal preview."""

    #: Emitted after an export with the result (tests and the status bar listen).
    exported = Signal(object)

    def __init__(self, controller: CaseController, parent: QWidget | None = None, *,
                 journal_language: str = "nb", export_dir: str = "") -> None:
        super().__init__(parent)
        self.controller = controller
        self.export_dir = export_dir
        self._thread: QThread | None = None
        self._worker: _ExportWorker | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        choices = QHBoxLayout()
        self.journal_language = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.journal_language.addItem(name, code)
        self.journal_language.setCurrentIndex(max(0, self.journal_language.findData(
            journal_language)))
        self.journal_language.setAccessibleName(_("Written standard of journal note and plan"))
        label = QLabel(_("Journal note and plan in:"), self)
        label.setBuddy(self.journal_language)
        choices.addWidget(label)
        choices.addWidget(self.journal_language)
        self.english_copy = QCheckBox(_("Also an English reading copy of the consent"), self)
        self.english_copy.setChecked(controller.case.consent.english_reading_copy)
        choices.addWidget(self.english_copy)
        choices.addStretch(1)
        outer.addLayout(choices)

        buttons = QHBoxLayout()
        self.copy_journal = QPushButton(_("Copy &journal note"), self)
        self.copy_prescription = QPushButton(_("Copy p&rescription text"), self)
        self.export_button = QPushButton(_("Make &documents (PDF)…"), self)
        for button in (self.copy_journal, self.copy_prescription, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Document status"))
        outer.addWidget(self.status)

        self.copy_journal.clicked.connect(self.copy_journal_note)
        self.copy_prescription.clicked.connect(self.copy_prescription_text)
        self.export_button.clicked.connect(self.choose_and_export)

    # ---- copying ------------------------------------------------------------------------

    def language(self) -> str:
        return str(self.journal_language.currentData() or "nb")

    def _today(self) -> date:
        return self.controller.today()

    def journal_text(self) -> str:
        from core.documents import journal_note, to_text

        return str(to_text(journal_note(self.controller.case, self.controller.pathway,
                                        self.language(), today=self._today())))

    def prescription_text(self) -> str:
        from core.documents import prescription_text

        return str(prescription_text(self.controller.case, self.controller.pathway,
                                     self.language(), today=self._today()))

    def copy_journal_note(self) -> None:
        QGuiApplication.clipboard().setText(self.journal_text())
        self._audit("copy", {"kind": "journal"})
        self.status.setText(_("The journal note is on the clipboard. Paste it into the "
                              "patient's record."))

    def copy_prescription_text(self) -> None:
        QGuiApplication.clipboard().setText(self.prescription_text())
        self._audit("copy", {"kind": "prescription"})
        self.status.setText(_("The prescription text is on the clipboard. Paste it into the "
                              "e-prescription."))

    def _audit(self, action: str, details: dict[str, Any]) -> None:
        store = self.controller.store
        if store is None or not hasattr(store, "audit"):
            return
        try:
            store.audit(action, self.controller.case.id, details=details)
        except Exception as exc:  # the audit must not block the GP's work; it is logged
            log.warning("Audit entry %s for case %s failed: %s", action,
                        self.controller.case.id, type(exc).__name__)

    # ---- export -------------------------------------------------------------------------

    def choose_and_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Choose the folder for the documents"), self.export_dir or str(Path.home()))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        """Save the case first, then make the documents in a worker thread."""
        if not self.controller.save_now() and self.controller.store is not None:
            self.status.setText(_("The case could not be saved, so no documents were made. "
                                  "Fix the save problem first."))
            return
        case = self.controller.case
        choice = ExportChoice(folder, self.language(), case.consent.form_language,
                              self.english_copy.isChecked())
        self.export_button.setEnabled(False)
        self.status.setText(_("Making the documents…"))
        self._thread = QThread(self)
        self._worker = _ExportWorker(self.controller, choice, self._today())
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._done)
        self._worker.failed.connect(self._failed)
        self._worker.finished.connect(self._thread.quit)
        self._worker.failed.connect(self._thread.quit)
        self._thread.start()

    def _failed(self, reason: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(_("The documents could not be written: {reason}").format(
            reason=reason))

    def _done(self, result: ExportResult) -> None:
        self.export_button.setEnabled(True)
        self._record(result)
        written = sum(1 for f in result.files if f.path.suffix == ".pdf")
        text = ngettext("{n} PDF written to {folder}.", "{n} PDFs written to {folder}.",
                        written).format(n=written, folder=str(result.files[0].path.parent)
                                        if result.files else "")
        if result.refused:
            text += " " + _("Consent and treatment plan were not made: fix the blockers "
                            "first.")
        self.status.setText(text)
        self.exported.emit(result)

    def _record(self, result: ExportResult) -> None:
        """Keep the export (case snapshot and document hashes) and follow the new version."""
        store = self.controller.store
        if store is None or not result.files:
            return
        from core.storage import ExportedDocument

        try:
            store.record_export(self.controller.case.id, [
                ExportedDocument(f.kind, f.language, f.path.name, f.sha256, f.content)
                for f in result.files])
            stored = store.load(self.controller.case.id)
        except Exception as exc:  # the files exist; say that the record failed
            log.warning("Recording the export of case %s failed: %s", self.controller.case.id,
                        type(exc).__name__)
            self.status.setText(_("The documents were written, but the export could not be "
                                  "recorded: {reason}").format(reason=type(exc).__name__))
            return
        self.controller.version = stored.version
        self.controller.case.status = stored.case.status
