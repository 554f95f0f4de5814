"""Step 2 – the legal basis and its three cumulative conditions, and "only the patient's need"."""

from __future__ import annotations

from core.case import Diagnosis
from i18n import _
from ui.wizard.banners import validity_period
from ui.wizard.choices import (
    DIAGNOSED_BY,
    NOT_CHOSEN,
    ORDERED_BY,
    QUARANTINE_KIND,
    SERVICE_LEVEL,
    SPECIALIST_CHANNEL,
    translated,
)
from ui.wizard.lists import ListSection
from ui.wizard.page import Section, StepPage
from ui.wizard.widgets import HelpText, wrapping_label


class ConditionsPage(StepPage):
    def build(self) -> None:
        basis = self.ctx.pathway.legal_basis
        legal = self.section(_("Legal basis"), columns=1)
        legal.add(wrapping_label(self.ctx.text(basis.title), legal))
        period = basis.period_on(self.controller.case.consultation.date)
        legal.add(wrapping_label(self.ctx.text(period.reference), legal, small=True))
        if not period.verified and period.verification:
            legal.add(HelpText(self.ctx.text(period.verification), _("Not verified"), legal))
        legal.add(wrapping_label(_("Applies: {period}.").format(period=validity_period(basis)),
                                 legal, small=True))
        if basis.summary:
            legal.add(HelpText(self.ctx.text(basis.summary), _("Legal basis"), legal))
        self.intro(_("All three conditions must be met before substitution drugs may be "
                     "prescribed under this rule."))
        for number, condition in enumerate(self.ctx.pathway.conditions, start=1):
            section = self.section(
                _("Condition {number}: {title}").format(number=number,
                                                       title=self.ctx.text(condition.title)),
                self.ctx.text(condition.explanation))
            if condition.evidence:
                section.add(wrapping_label(
                    _("Document: {evidence}").format(evidence=self.ctx.text(condition.evidence)),
                    section, small=True), full=True)
            {"dependence": self._dependence, "plan": self._plan,
             "quarantine": self._quarantine,
             "tapering_consent": self._tapering_consent}[condition.key](section)
        need = self.section(_("Only the patient's own need"), columns=1)
        need.add(wrapping_label(self.ctx.text(self.ctx.pathway.patient_need_statement), need))
        need.add(self.fields.check("conditions.patient_need_only",
                                   _("I confirm the statement above")))

    # ---- condition 1 ---------------------------------------------------------------------

    def _dependence(self, section: Section) -> None:
        diagnoses = ListSection(
            self, "conditions.dependence.diagnoses", new_item=Diagnosis,
            build_row=self._diagnosis_row,
            row_title=lambda i: _("Diagnosis {number}").format(number=i + 1),
            add_text=_("Add &diagnosis"),
            empty_text=_("No diagnosis yet. Add one for each substance to be substituted."),
            remove_question=_("Remove {item}? What is written in it is deleted."))
        section.add(diagnoses, full=True)
        section.add(self.fields.text("conditions.dependence.note",
                                     _("History and notes on the dependence"), lines=2), full=True)

    def _substances(self) -> list[tuple[object, str]]:
        return [(s.id, self.ctx.text(s.name)) for s in self.ctx.pathway.substances]

    def _diagnosis_row(self, row: Section, path: str, index: int) -> None:
        f = self.fields
        row.add(f.choice(f"{path}.substance", _("Substance"), self._substances(),
                         none_label=_(NOT_CHOSEN), none_value=""))

        def codes() -> list[tuple[object, str]]:
            diagnoses = self.controller.case.conditions.dependence.diagnoses
            chosen = diagnoses[index].substance if index < len(diagnoses) else ""
            substance = self.ctx.pathway.substance(chosen)
            return [(code, code) for code in (substance.icd10 if substance else ())]

        row.add(f.choice(f"{path}.icd10", _("ICD-10 code"), none_label=_(NOT_CHOSEN),
                         none_value="", dynamic=codes))
        row.add(f.choice(f"{path}.diagnosed_by", _("Diagnosis set by"),
                         translated(DIAGNOSED_BY), none_label=_(NOT_CHOSEN)))
        row.add(f.line(f"{path}.diagnosed_by_name", _("Name of the doctor who set it")))
        row.add(f.line(f"{path}.supervisor_name",
                       _("Supervising specialist (when a GP set the diagnosis)")))
        row.add(f.date(f"{path}.diagnosis_date", _("Date of diagnosis")))

    # ---- condition 2 ---------------------------------------------------------------------

    def _plan(self, section: Section) -> None:
        f = self.fields
        section.add(f.findings_for("conditions.plan", section), full=True)
        section.add(f.line("conditions.plan.unit", _("Unit in the specialist service (TSB)")))
        section.add(f.line("conditions.plan.person", _("Contact person")))
        section.add(f.line("conditions.plan.person_phone", _("Contact person's phone")))
        section.add(f.datetime("conditions.plan.contacted_at", _("Contacted (date and time)")))
        section.add(f.choice("conditions.plan.channel", _("How"),
                             translated(SPECIALIST_CHANNEL), none_label=_(NOT_CHOSEN)))
        section.add(f.choice("conditions.plan.starts_treatment", _("Who starts the treatment"),
                             translated(SERVICE_LEVEL), none_label=_(NOT_CHOSEN)))
        section.add(f.text("conditions.plan.agreed", _("What was agreed")), full=True)
        section.add(f.line("conditions.plan.carries_out", _("Who carries out the treatment")))
        section.add(f.line("conditions.plan.follows_up", _("Who follows up")))

    # ---- consent to tapering (a tapering-plan pathway) -----------------------------------

    def _tapering_consent(self, section: Section) -> None:
        section.add(self.fields.check(
            "conditions.tapering_consent",
            _("The patient wants to taper off and consents to the tapering plan, also beyond "
              "any quarantine or isolation")), full=True)

    # ---- condition 3 ---------------------------------------------------------------------

    def _quarantine(self, section: Section) -> None:
        f = self.fields
        section.add(f.choice("conditions.quarantine.kind", _("Quarantine or isolation"),
                             translated(QUARANTINE_KIND), none_label=_(NOT_CHOSEN)))
        references = [self.ctx.text(o.reference) for o in self.ctx.pathway.quarantine_orders]
        section.add(f.line("conditions.quarantine.legal_reference",
                           _("Provision the order rests on"),
                           placeholder=_("e.g. {references}").format(
                               references=", ".join(references))))
        section.add(f.date("conditions.quarantine.start", _("Start date")))
        section.add(f.date("conditions.quarantine.expected_end", _("Expected end")))
        section.add(f.choice("conditions.quarantine.ordered_by_role", _("Ordered by"),
                             translated(ORDERED_BY), none_label=_(NOT_CHOSEN)))
        section.add(f.line("conditions.quarantine.ordered_by",
                           _("Name of the doctor, team or authority")))
        section.add(f.line("conditions.quarantine.basis", _("Basis (e.g. positive test)")),
                    full=True)
