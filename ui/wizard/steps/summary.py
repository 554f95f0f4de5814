"""Step 9 – everything still to fix or look at, grouped by step, and the journal note preview.

Each finding is a link to its field.  The preview is the same render model the export uses
(``core.documents.journal.journal_note`` → ``to_text``), imported only when the page is shown.
The documents issue adds its export buttons to :attr:`SummaryPage.export_buttons`.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from core.findings import Finding, Severity
from core.steps import STEPS
from i18n import _, ngettext
from ui.wizard import icons
from ui.wizard.formatting import ui_language
from ui.wizard.lists import chain_after
from ui.wizard.page import StepPage
from ui.wizard.widgets import FindingLink, heading, severity_word, wrapping_label

PREVIEW_DELAY_MS = 400


def journal_text(page: SummaryPage) -> str:
    """The journal note as plain text, or an explicit "not available" message."""
    try:
        from core.documents.journal import journal_note
        from core.documents.model import to_text
    except ImportError as exc:
        return _("The journal note preview is not available in this version: {reason}").format(
            reason=str(exc))
    documents = getattr(page, "documents", None)
    language = documents.language() if documents is not None else (
        ui_language() if ui_language() in ("nb", "nn") else "nb")
    controller = page.controller
    document = journal_note(controller.case, controller.pathway, language,
                            today=controller.today())
    return str(to_text(document))


class SummaryPage(StepPage):
    def build(self) -> None:
        self.links: list[FindingLink] = []
        self.status = wrapping_label("", self.content)
        self.body.addWidget(self.status)
        self.findings_box = QWidget(self.content)
        self.findings_layout = QVBoxLayout(self.findings_box)
        self.findings_layout.setContentsMargins(0, 0, 0, 0)
        self.findings_layout.setSpacing(6)
        self.body.addWidget(self.findings_box)

        addition = self.section(_("Addition to the journal note"), columns=1)
        addition.add(self.fields.text("journal_addition", _("Your own text for the journal note"),
                                      lines=3))

        preview = self.section(_("Journal note (preview)"),
                               _("This is the text that is exported. Change it by changing the "
                                 "case."), columns=1)
        self.preview = QPlainTextEdit(preview)
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview.setAccessibleName(_("Journal note (preview)"))
        self.preview.setMinimumHeight(self.fontMetrics().lineSpacing() * 24)
        self.preview.setTabChangesFocus(True)
        preview.add(self.preview)
        #: Where the documents issue puts its export buttons (journal, consent, plan, PDF).
        self.export_buttons = QHBoxLayout()
        self.export_buttons.setObjectName("export_buttons")
        preview.outer.addLayout(self.export_buttons)
        from ui.wizard.documents_panel import DocumentsPanel

        self.documents = DocumentsPanel(self.controller, preview)
        self.documents.journal_language.currentIndexChanged.connect(self.refresh_preview)
        self.export_buttons.addWidget(self.documents)

        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self.controller.findings_changed.connect(self._case_changed)

    def _case_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self._timer.start()

    def on_shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.refresh_findings()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        try:
            text = journal_text(self)
        except Exception as exc:  # a bug in the note must not take the wizard down
            text = _("The journal note could not be made: {reason}").format(
                reason=type(exc).__name__)
        if text != self.preview.toPlainText():
            position = self.preview.verticalScrollBar().value()
            self.preview.setPlainText(text)
            self.preview.verticalScrollBar().setValue(position)
        self._stale = False
        self.refresh_findings()

    def refresh_findings(self) -> None:
        findings = [f for f in self.controller.findings
                    if f.severity in (Severity.BLOCKER, Severity.WARNING)]
        blockers = sum(1 for f in findings if f.severity is Severity.BLOCKER)
        warnings = len(findings) - blockers
        sentences = []
        if blockers:
            sentences.append(ngettext(
                "{count} thing must be fixed before the consent and the treatment plan can be "
                "exported.",
                "{count} things must be fixed before the consent and the treatment plan can be "
                "exported.", blockers).format(count=blockers))
        else:
            sentences.append(_("Nothing stops the export."))
        if warnings:
            sentences.append(ngettext("{count} warning to look at.", "{count} warnings to look at.",
                                      warnings).format(count=warnings))
        self.status.setText(" ".join(sentences))
        key = [(f.step, f.code, f.field, f.message) for f in findings]
        if key == getattr(self, "_shown_key", None):
            return
        self._shown_key = key
        while self.findings_layout.count():
            item = self.findings_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.links = []
        for number, step in enumerate(STEPS, start=1):
            own = [f for f in findings if f.step == step.id]
            if not own:
                continue
            self.findings_layout.addWidget(heading(
                _("{number}. {title}").format(number=number, title=_(step.title)),
                self.findings_box, scale=1.1))
            for finding in sorted(own, key=lambda f: f.severity is not Severity.BLOCKER):
                self.findings_layout.addWidget(self._link_row(finding))
        # Links are made after the window: keep them before the journal addition for Tab.
        chain_after(self.findings_box, self.links)

    def _link_row(self, finding: Finding) -> QWidget:
        row = QWidget(self.findings_box)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(12, 0, 0, 0)
        icon = QLabel(row)
        size = self.fontMetrics().height()
        icon.setPixmap(icons.pixmap(finding.severity.value, size, self.devicePixelRatioF()))
        icon.setToolTip(severity_word(finding.severity))
        icon.setAccessibleName(severity_word(finding.severity))
        link = FindingLink(finding, row)
        link.activated.connect(self.ctx.go_to)
        self.links.append(link)
        layout.addWidget(icon)
        layout.addWidget(link, 1)
        return row
