"""Step 4 – the pathway's individual risk-mapping points, plus points the doctor adds."""

from __future__ import annotations

from core.case import ExtraRiskPoint
from i18n import _
from ui.wizard.lists import ListSection
from ui.wizard.page import Section, StepPage
from ui.wizard.widgets import HelpText


class RiskPage(StepPage):
    def build(self) -> None:
        self.intro(_("Assess each point for this patient and write what you found and how the "
                     "risk is handled."))
        self.options = [(o.id, self.ctx.text(o.label))
                        for o in self.ctx.pathway.assessment_options]
        for number, point in enumerate(self.ctx.pathway.risk_points, start=1):
            title = self.ctx.text(point.title)
            section = self.section(_("{number}. {title}").format(number=number, title=title))
            if point.help:
                help_text = HelpText(self.ctx.text(point.help), title, section)
                help_text.move_button_to(section.header)
                section.add(help_text, full=True)
            section.add(self.fields.radio(f"risk.{point.id}.assessment", _("Assessment"),
                                          self.options))
            section.add(self.fields.text(f"risk.{point.id}.note", _("Note"), lines=2))

        extra = self.section(_("Other risk points"),
                             _("The list is not complete: add what matters for this patient."),
                             columns=1)
        extra.add(ListSection(
            self, "extra_risk_points", new_item=ExtraRiskPoint, build_row=self._extra_row,
            row_title=lambda i: _("Other risk point {number}").format(number=i + 1),
            add_text=_("Add &risk point"), empty_text=_("No other risk points."),
            remove_question=_("Remove {item}? What is written in it is deleted.")))

    def _extra_row(self, row: Section, path: str, index: int) -> None:
        row.add(self.fields.line(f"{path}.title", _("Title")), full=True)
        row.add(self.fields.radio(f"{path}.assessment", _("Assessment"), self.options))
        row.add(self.fields.text(f"{path}.note", _("Note"), lines=2))
