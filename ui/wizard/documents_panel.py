"""The summary page's document buttons: copy the journal note or prescription text, export PDFs,
print the consent.

Copying, exporting and printing use the same builders as the preview (one render model).  The
export runs in a worker thread so typing never stalls; the files are written atomically by
:func:`core.export.export_documents`, then recorded in the database with their
SHA-256 hashes (and audited).  File names hold only the document kind and id.  The folder of the
last successful export is offered next time (:attr:`DocumentsPanel.remember_folder` keeps it in
the settings).

Printing builds the consent PDF in memory and hands it to :mod:`ui.printing` — no file is
written — and records a ``print`` entry in the audit log with the document's id, kind,
language and SHA-256.  Like the export, the consent is refused while the rules report blockers.
"""

from __future__ import annotations

import errno
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.findings import Severity
from i18n import N_, _, ngettext

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from core.export import ExportResult
    from ui.controller import CaseController

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"nb": N_("Norwegian Bokmål"), "nn": N_("Norwegian Nynorsk")}

#: Shows the print dialog for a printer and a page count; True means "print".  Replaceable so
#: tests (and a future print preview) never block on a modal dialog.
AskPrinter = Callable[["QPrinter", "QWidget | None", int], bool]


def _system_print_dialog(printer: QPrinter, parent: QWidget | None, pages: int) -> bool:
    """The platform's print dialog.  Qt's print support and QtPdf load only when printing
    (about 2 MiB and 20 ms that a session without printing never pays)."""
    from ui.printing import ask_printer

    return ask_printer(printer, parent, pages, _("Print consent"))


@dataclass
class ExportChoice:
    folder: Path
    journal_language: str
    consent_language: str
    english_copy: bool


@dataclass(frozen=True)
class PrintedDocument:
    """One document of a print job, as recorded in the audit log (no clinical text)."""

    kind: str
    language: str
    document_id: str
    sha256: str
    pages: int


#: Export threads and their workers, kept alive until the thread has ended.
_RUNNING: dict[QThread, _ExportWorker] = {}


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
        from core.export import export_documents

        try:
            result = export_documents(
                self.case, self.pathway, self.choice.folder,
                journal_language=self.choice.journal_language,
                consent_language=self.choice.consent_language,
                english_copy=self.choice.english_copy, today=self.today)
        except OSError as exc:
            log.warning("Export of case %s failed: %s (errno %s)", self.case.id,
                        type(exc).__name__, exc.errno)
            self.failed.emit(write_problem(exc))
        except Exception as exc:  # reported to the GP, never a silent failure
            log.exception("Export failed for case %s", self.case.id)
            self.failed.emit(type(exc).__name__)
        else:
            self.finished.emit(result)


def write_problem(exc: OSError) -> str:
    """Why a folder could not be written, in words (the system's text is often English)."""
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return _("you do not have permission to write in that folder")
    if exc.errno == errno.EROFS:
        return _("the folder is on a read-only disk")
    if exc.errno == errno.ENOSPC:
        return _("the disk is full")
    if isinstance(exc, NotADirectoryError | FileExistsError) or exc.errno in (
            errno.ENOTDIR, errno.EEXIST):
        return _("part of the path is a file, not a folder")
    if isinstance(exc, FileNotFoundError):
        return _("the folder does not exist")
    return exc.strerror or type(exc).__name__


def existing_folder(folder: str | Path | None) -> Path:
    """``folder`` if it still exists, else its nearest existing parent, else the home folder."""
    if folder:
        candidate = Path(folder).expanduser()
        for path in (candidate, *candidate.parents):
            try:
                if path.is_dir():
                    return path
            except OSError:
                continue
    return Path.home()


class DocumentsPanel(QWidget):
    """Buttons and choices under the journal preview."""

    #: Emitted after an export with the result (tests and the status bar listen).
    exported = Signal(object)
    #: Emitted when an export could not be written, with the reason shown to the GP.
    export_failed = Signal(str)
    #: Emitted after a print job was handed to the printer: a list of PrintedDocument.
    printed = Signal(object)

    def __init__(self, controller: CaseController, parent: QWidget | None = None, *,
                 journal_language: str = "nb", export_dir: str = "",
                 initial_folder: str | Path | None = None,
                 remember_folder: Callable[[Path], None] | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        #: The folder offered first when choosing where to export (the last one used).
        self.export_dir = str(initial_folder) if initial_folder else export_dir
        #: Called with the folder after a successful export, to keep it in the settings.
        self.remember_folder = remember_folder
        #: The print dialog (see :data:`AskPrinter`).
        self.ask_printer: AskPrinter = _system_print_dialog
        self._thread: QThread | None = None
        self._worker: _ExportWorker | None = None
        self._export_folder: Path | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        # Two short rows of choices and two of buttons: the page must fit a 1366×768 screen
        # at 150 % scaling (tests/ui/test_wizard_pages.py).
        choices = QGridLayout()
        choices.setColumnStretch(3, 1)
        self.journal_language = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.journal_language.addItem(_(name), code)
        self.journal_language.setCurrentIndex(max(0, self.journal_language.findData(
            journal_language)))
        self.journal_language.setAccessibleName(_("Written standard of journal note and plan"))
        label = QLabel(_("Journal note and plan in:"), self)
        label.setBuddy(self.journal_language)
        choices.addWidget(label, 0, 0)
        choices.addWidget(self.journal_language, 0, 1)
        # The consent's written standard and the English copy are the case's own choices (the
        # consent step shows them too): export and print both follow them.
        self.consent_language = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.consent_language.addItem(_(name), code)
        self.consent_language.setAccessibleName(_("Written standard of the consent"))
        consent_label = QLabel(_("Consent in:"), self)
        consent_label.setBuddy(self.consent_language)
        choices.addWidget(consent_label, 1, 0)
        choices.addWidget(self.consent_language, 1, 1)
        self.english_copy = QCheckBox(_("Also an English reading copy of the consent"), self)
        self.english_copy.setToolTip(_("The English text is a translation to help the patient "
                                       "read; the patient signs the Norwegian form."))
        choices.addWidget(self.english_copy, 1, 2)
        outer.addLayout(choices)
        self._show_consent_choices()

        self.copy_journal = QPushButton(_("Copy &journal note"), self)
        self.copy_prescription = QPushButton(_("Copy p&rescription text"), self)
        self.export_button = QPushButton(_("Make &documents (PDF)…"), self)
        self.print_button = QPushButton(_("&Print consent…"), self)
        self.print_button.setToolTip(_("Print the consent for the patient to sign, straight "
                                       "from the program (no file is saved)."))
        buttons = QGridLayout()
        buttons.setColumnStretch(2, 1)
        buttons.addWidget(self.copy_journal, 0, 0)
        buttons.addWidget(self.copy_prescription, 0, 1)
        buttons.addWidget(self.export_button, 1, 0)
        buttons.addWidget(self.print_button, 1, 1)
        outer.addLayout(buttons)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Document status"))
        outer.addWidget(self.status)

        self.copy_journal.clicked.connect(self.copy_journal_note)
        self.copy_prescription.clicked.connect(self.copy_prescription_text)
        self.export_button.clicked.connect(self.choose_and_export)
        self.print_button.clicked.connect(self.print_consent)
        self.consent_language.currentIndexChanged.connect(self._consent_language_chosen)
        self.english_copy.toggled.connect(self._english_copy_chosen)
        controller.changed.connect(self._case_changed)

    # ---- the consent's choices (kept in the case) ------------------------------------------

    def _show_consent_choices(self) -> None:
        consent = self.controller.case.consent
        for widget in (self.consent_language, self.english_copy):
            widget.blockSignals(True)
        index = self.consent_language.findData(consent.form_language)
        self.consent_language.setCurrentIndex(max(0, index))
        self.english_copy.setChecked(consent.english_reading_copy)
        for widget in (self.consent_language, self.english_copy):
            widget.blockSignals(False)

    def _case_changed(self, path: str) -> None:
        if path in ("", "consent", "consent.form_language", "consent.english_reading_copy"):
            self._show_consent_choices()

    def _consent_language_chosen(self) -> None:
        code = self.consent_language.currentData()
        if code:
            self.controller.set_value("consent.form_language", str(code))

    def _english_copy_chosen(self, checked: bool) -> None:
        self.controller.set_value("consent.english_reading_copy", bool(checked))

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

    # ---- printing -----------------------------------------------------------------------

    def _blocker_text(self) -> str | None:
        blockers = [f for f in self.controller.findings if f.severity is Severity.BLOCKER]
        if not blockers:
            return None
        return " ".join(f.message.rstrip(".") + "." for f in blockers)

    def consent_documents(self) -> list[tuple[PrintedDocument, bytes]]:
        """The consent (and the English reading copy when chosen) as PDF bytes, in memory.

        Rendered with the case's last change as creation date, so the same saved case gives
        the same bytes: the SHA-256 in the audit log can be checked against a re-render.
        """
        from core.documents.consent import consent_form
        from core.pdf import render
        from ui.printing import pdf_page_count

        case = self.controller.case
        languages = [case.consent.form_language]
        if case.consent.english_reading_copy:
            languages.append("en")
        made = []
        for language in languages:
            document = consent_form(case, self.controller.pathway, language,
                                    today=self._today())
            data = render(document, creation_date=case.updated_at)
            made.append((PrintedDocument("consent", language, document.document_id,
                                         hashlib.sha256(data).hexdigest(),
                                         pdf_page_count(data)), data))
        return made

    def print_consent(self) -> bool:
        """Check, build, ask for a printer, print and audit; True when pages were sent."""
        from ui.printing import PrintError, new_printer, print_pdfs

        if not self.controller.save_now() and self.controller.store is not None:
            self.status.setText(_("The case could not be saved, so nothing was printed. Fix "
                                  "the save problem first."))
            return False
        reasons = self._blocker_text()
        if reasons is not None:
            self.status.setText(_("The consent cannot be printed until this is fixed: "
                                  "{reasons}").format(reasons=reasons))
            return False
        try:
            documents = self.consent_documents()
        except Exception as exc:  # a bug in a builder must not take the wizard down
            log.exception("Building the consent of case %s for printing failed",
                          self.controller.case.id)
            self.status.setText(_("The consent could not be made: {reason}").format(
                reason=type(exc).__name__))
            return False
        first = documents[0][0]
        printer = new_printer(f"samtykke-{first.document_id}")
        total = sum(info.pages for info, _data in documents)
        if not self.ask_printer(printer, self.window(), total):
            self.status.setText(_("Printing was cancelled."))
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            pages = print_pdfs([data for _info, data in documents], printer)
        except PrintError as exc:
            self.status.setText(_("The consent could not be printed: {reason}").format(
                reason=str(exc)))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        printed = [PrintedDocument(info.kind, info.language, info.document_id, info.sha256, n)
                   for (info, _data), n in zip(documents, pages, strict=True) if n]
        target = "file" if printer.outputFormat() == printer.OutputFormat.PdfFormat else (
            "printer")
        for info in printed:
            self._audit("print", self._print_details(info, printer.copyCount(), target))
        sent = sum(info.pages for info in printed)
        if target == "file":
            text = ngettext("The consent was printed to the PDF file you chose ({pages} page).",
                            "The consent was printed to the PDF file you chose ({pages} pages).",
                            sent)
        else:
            text = ngettext("The consent was sent to the printer ({pages} page).",
                            "The consent was sent to the printer ({pages} pages).", sent)
        self.status.setText(text.format(pages=sent))
        self.printed.emit(printed)
        return sent > 0

    @staticmethod
    def _print_details(info: PrintedDocument, copies: int, target: str) -> dict[str, Any]:
        from core.audit import DETAIL_KEYS

        details: dict[str, Any] = {"kind": info.kind, "language": info.language,
                                   "sha256": info.sha256, "pages": info.pages,
                                   "copies": copies, "target": target}
        # The audit log accepts only known keys; the document id is added once it knows it.
        if "document_id" in DETAIL_KEYS:
            details["document_id"] = info.document_id
        return details

    # ---- export -------------------------------------------------------------------------

    def choose_and_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Choose the folder for the documents"), str(existing_folder(self.export_dir)))
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
                              case.consent.english_reading_copy)
        self._export_folder = folder
        self.export_button.setEnabled(False)
        self.status.setText(_("Making the documents…"))
        # The thread is nobody's child: closing the window while the files are written must
        # not destroy a running thread (Qt aborts the program then).  Finished threads are
        # let go here, in the GUI thread, never from their own ``finished`` signal.
        for old in [t for t in _RUNNING if t.isFinished()]:
            del _RUNNING[old]
        thread = QThread()
        worker = _ExportWorker(self.controller, choice, self._today())
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(self._done)
        worker.failed.connect(self._failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        _RUNNING[thread] = worker
        self._thread, self._worker = thread, worker
        thread.start()

    def wait_for_export(self, timeout_ms: int = 30_000) -> bool:
        """Block until a running export has ended (for closing and for tests)."""
        thread = self._thread
        if thread is None or not shiboken6.isValid(thread) or not thread.isRunning():
            return True
        return bool(thread.wait(timeout_ms))

    def _failed(self, reason: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(_("The documents could not be written to {folder}: {reason}. The "
                              "case is saved and nothing is lost; choose another folder.").format(
            folder=str(self._export_folder or ""), reason=reason))
        self.export_failed.emit(reason)

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
        if result.files:
            self._remember(result.files[0].path.parent)
        self.exported.emit(result)

    def _remember(self, folder: Path) -> None:
        """Offer this folder first next time (here, and through the settings)."""
        self.export_dir = str(folder)
        if self.remember_folder is None:
            return
        try:
            self.remember_folder(folder)
        except Exception as exc:  # the documents are written; a lost preference is minor
            log.warning("Remembering the export folder failed: %s", type(exc).__name__)

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
