"""Step 5 – risk-reducing measures from the pathway, plus measures the doctor adds."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from core.case import ExtraMeasure
from i18n import _
from ui.wizard.lists import ListSection
from ui.wizard.page import Section, StepPage
from ui.wizard.widgets import HelpText


class MeasuresPage(StepPage):
    def build(self) -> None:
        self.intro(_("Choose the measures for this patient and describe how they are carried "
                     "out. The list is not complete: add your own below."))
        measures = self.section(columns=1)
        for measure in self.ctx.pathway.measures:
            title = self.ctx.text(measure.title)
            block = QWidget(measures)
            column = QVBoxLayout(block)
            column.setContentsMargins(0, 0, 0, 4)
            column.setSpacing(2)
            top = QHBoxLayout()
            top.addWidget(self.fields.check(f"measures.{measure.id}.chosen", title), 1)
            column.addLayout(top)
            texts = [self.ctx.text(measure.help)] if measure.help else []
            if measure.patient_text:
                texts.append(_("In the consent: {text}").format(
                    text=self.ctx.text(measure.patient_text)))
            if texts:
                help_text = HelpText("\n\n".join(texts), title, block)
                help_text.move_button_to(top)
                column.addWidget(help_text)
            column.addWidget(self.fields.text(
                f"measures.{measure.id}.details",
                _("How: {measure}").format(measure=title), lines=1,
                placeholder=_("How (optional)"), show_label=False))
            measures.add(block)

        extra = self.section(_("Other measures"), columns=1)
        extra.add(ListSection(
            self, "extra_measures", new_item=ExtraMeasure, build_row=self._extra_row,
            row_title=lambda i: _("Other measure {number}").format(number=i + 1),
            add_text=_("Add &measure"), empty_text=_("No other measures."),
            remove_question=_("Remove {item}? What is written in it is deleted."), columns=1))

    def _extra_row(self, row: Section, path: str, index: int) -> None:
        row.add(self.fields.line(f"{path}.title", _("Title")))
        row.add(self.fields.text(f"{path}.details", _("How"), lines=2))
