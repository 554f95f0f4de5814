"""Step 8 – information given to the patient, capacity to consent, and the written consent.

Only the information items that apply to this case are listed (methadone, pregnancy, an
interpreter… — :mod:`core.rules.relevance`); the list follows the case as it changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.case import Case
from core.content.pathway import Pathway
from core.rules.relevance import relevant_items
from i18n import _
from ui.wizard.choices import CAPACITY, CONSENT_STATUS, DOCUMENT_LANGUAGE, NOT_CHOSEN, translated
from ui.wizard.formatting import ui_language
from ui.wizard.lists import chain_after, focusable
from ui.wizard.page import StepPage
from ui.wizard.widgets import wrapping_label

ITEMS = "consent.items_explained"


def item_texts(case: Case, pathway: Pathway) -> dict[str, str]:
    """Each relevant item's text as the consent form prints it (names, dates and contact
    filled in) — the same function the form uses, so the two cannot drift."""
    from core.documents.consent import item_texts as printed

    language = ui_language()
    return printed(case, pathway, language if language in ("nb", "nn", "en") else "nb")


class ConsentItems(QWidget):
    def __init__(self, page: ConsentPage, parent: QWidget) -> None:
        super().__init__(parent)
        self.page = page
        self.shown: list[str] = []
        self.rows: list[QWidget] = []
        self.texts: dict[str, QLabel] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(10)
        page.controller.changed.connect(self._changed)
        self.rebuild()

    def relevant(self) -> list[str]:
        return [item.id for item in relevant_items(self.page.controller.case,
                                                   self.page.ctx.pathway)]

    def _changed(self, _path: str) -> None:
        if self.relevant() != self.shown:
            self.rebuild()
        elif self.isVisible():
            self.refresh_texts()

    def refresh_texts(self) -> None:
        for item_id, text in item_texts(self.page.controller.case,
                                        self.page.ctx.pathway).items():
            label = self.texts.get(item_id)
            if label is not None and label.text() != text:
                label.setText(text)

    def rebuild(self) -> None:
        binder = self.page.ctx.binder
        for item_id in self.shown:
            binder.unbind_prefix(f"{ITEMS}.{item_id}")
        for row in self.rows:
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        self.texts = {}
        items = relevant_items(self.page.controller.case, self.page.ctx.pathway)
        self.shown = [item.id for item in items]
        for item in items:
            row = QWidget(self)
            column = QVBoxLayout(row)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            title = self.page.ctx.text(item.title)
            column.addWidget(self.page.fields.check(
                f"{ITEMS}.{item.id}", _("Explained: {title}").format(title=title)))
            text = wrapping_label("", row, small=True)
            text.setIndent(28)
            column.addWidget(text)
            self.texts[item.id] = text
            self._layout.addWidget(row)
            self.rows.append(row)
        chain_after(self, [w for row in self.rows for w in focusable(row)])
        self.refresh_texts()
        binder.show_findings()


class ConsentPage(StepPage):
    def build(self) -> None:
        f = self.fields
        info = self.section(_("Information to the patient"),
                            _("Go through each point with the patient and tick it when it is "
                              "explained. The same text is printed in the consent form."),
                            columns=1)
        info.add(f.findings_for(ITEMS, info))
        self.items = ConsentItems(self, info)
        info.add(self.items)

        capacity = self.section(_("Capacity to consent"))
        capacity.add(f.choice("consent.capacity", _("Assessment"), translated(CAPACITY),
                              none_label=_(NOT_CHOSEN)))
        capacity.add(f.text("consent.capacity_note", _("How you assessed it"), lines=2),
                     full=True)

        interpreter = self.section(_("Interpreter"))
        interpreter.add(f.check("consent.interpreter_used", _("An interpreter was used")))
        interpreter.add(f.line("consent.interpreter_name", _("Interpreter's name")))

        form = self.section(_("Consent form"))
        form.add(f.choice("consent.form_language", _("Language of the consent form"),
                          translated(DOCUMENT_LANGUAGE)))
        form.add(f.check("consent.english_reading_copy",
                         _("Also print an English reading copy (the Norwegian one is signed)")))
        form.add(f.choice("consent.status", _("Consent"), translated(CONSENT_STATUS)))
        form.add(f.text("consent.patient_questions", _("The patient's questions and answers"),
                        lines=2), full=True)

    def on_shown(self) -> None:
        self.items.refresh_texts()
