"""Step 7 – the treatment plan: who does what, supervision, follow-up, after the isolation."""

from __future__ import annotations

from core.course.model import TaperStep
from i18n import _
from ui.wizard.choices import LAR_REFERRAL, NOT_CHOSEN, translated
from ui.wizard.lists import ListSection
from ui.wizard.page import Section, StepPage
from ui.wizard.widgets import HelpText


class PlanPage(StepPage):
    def build(self) -> None:
        if self.ctx.pathway.tapering is not None:
            self._build_tapering()
            return
        f = self.fields
        who = self.section(_("Responsibility"))
        who.add(f.line("plan.starts_by", _("Who starts the treatment")))
        who.add(f.line("plan.carried_out_by", _("Who carries it out")))
        who.add(f.line("plan.followed_up_by", _("Who follows up")))

        daily = self.section(_("Supervised intake and daily follow-up"))
        daily.add(f.line("plan.supervision_frequency", _("How often intake is supervised"),
                         placeholder=_("e.g. daily at 09:00")))
        daily.add(f.line("plan.supervised_by", _("Supervised by")))
        daily.add(f.line("plan.delivered_by", _("Who delivers the medicine")))
        daily.add(f.number("plan.post_dose_observation_minutes",
                           _("Observation after intake"), minimum=0, maximum=1440, start=30,
                           suffix=_(" min"), none_text=_("Not set")))
        daily.add(f.text("plan.daily_follow_up", _("Daily follow-up")), full=True)
        daily.add(f.text("plan.evaluation", _("Evaluation of effect and safety (when, by whom)")),
                  full=True)
        daily.add(f.text("plan.admission_criteria", _("When to consider admission")), full=True)

        after = self.section(_("When the quarantine or isolation ends"))
        after.add(f.text("plan.end_of_isolation", _("What happens then")), full=True)
        after.add(f.text("plan.taper", _("Tapering plan")), full=True)
        after.add(f.choice("plan.lar_referral", _("Referral to LAR"), translated(LAR_REFERRAL),
                           none_label=_(NOT_CHOSEN)))

        self._contact_section(practical_needs=True)

    # ---- a tapering-plan pathway: the plan is the course's taper --------------------------

    def _build_tapering(self) -> None:
        """The tapering plan made with the specialist service: the steps from day 1 (the
        course's taper, ``course.taper.steps``), who does what, follow-up and relapse."""
        f = self.fields
        tapering = self.ctx.pathway.tapering
        assert tapering is not None
        self.intro(_("Enter the plan made with the specialist service: the start, each step "
                     "with its date and daily doses, and a last step of 0 mg. The dose is never "
                     "raised."))
        steps = self.section(_("Steps of the tapering plan"), columns=1)
        self._built_drugs = self._drugs()
        self.steps_list = ListSection(
            self, "course.taper.steps", new_item=TaperStep, build_row=self._step_row,
            row_title=lambda i: _("Step {number}").format(number=i + 1),
            add_text=_("Add &step"),
            empty_text=_("No steps yet. Add the first day's doses, then each reduction."),
            remove_question=_("Remove {item}? What is written in it is deleted."))
        steps.add(self.steps_list, full=True)
        steps.add(f.text("course.taper.withdrawal_advice",
                         _("What the patient does about withdrawal during the taper"), lines=2),
                  full=True)

        who = self.section(_("Who is responsible for what"))
        who.add(f.text("plan.responsible_gp", _("The GP"), lines=2), full=True)
        who.add(f.text("plan.responsible_tsb", _("The specialist service (TSB)"), lines=2),
                full=True)
        who.add(f.text("plan.responsible_municipality", _("The municipality"), lines=2),
                full=True)

        follow = self.section(_("Follow-up"))
        follow.add(f.line("plan.follow_up_frequency", _("How often the patient is followed up"),
                          placeholder=_("e.g. every week at the GP")))
        follow.add(f.line("plan.supervision_frequency", _("How often intake is supervised")))
        follow.add(f.line("plan.supervised_by", _("Supervised by")))
        follow.add(f.line("plan.delivered_by", _("Who delivers the medicine")))
        follow.add(f.text("plan.evaluation", _("Evaluation of effect and safety (when, by whom)")),
                   full=True)
        follow.add(f.text("plan.admission_criteria", _("When to consider admission")), full=True)

        relapse = self.section(_("At relapse"), columns=1)
        relapse.add(HelpText(self.ctx.text(tapering.relapse_hint), _("At relapse"), relapse))
        relapse.add(f.text("plan.relapse_plan", _("What happens at relapse")), full=True)
        relapse.add(f.choice("plan.lar_referral", _("Referral to LAR"), translated(LAR_REFERRAL),
                             none_label=_(NOT_CHOSEN)))

        self._contact_section(practical_needs=False)

    def _contact_section(self, *, practical_needs: bool) -> None:
        """Who the patient can call, and the psychosocial (and practical) follow-up."""
        f = self.fields
        contact = self.section(_("Contact and support for the patient"))
        contact.add(f.line("plan.patient_contact_name", _("Contact person the patient can call")))
        contact.add(f.line("plan.patient_contact_phone", _("Contact person's phone")))
        contact.add(f.text("plan.psychosocial_follow_up", _("Psychosocial follow-up"), lines=2),
                    full=True)
        if practical_needs:  # an isolated patient cannot shop or fetch things
            contact.add(f.text("plan.practical_needs",
                               _("Practical needs (food, housing, clothes)"), lines=2), full=True)

    def on_shown(self) -> None:
        """The drugs chosen on the medication step are the plan's dose fields."""
        if self.ctx.pathway.tapering is not None and self._drugs() != self._built_drugs:
            self._built_drugs = self._drugs()
            self.steps_list.rebuild()

    def _step_row(self, row: Section, path: str, index: int) -> None:
        row.add(self.fields.date(f"{path}.from_date", _("From")))
        for drug_id in self._drugs():
            drug = self.ctx.pathway.drug(drug_id)
            name = self.ctx.text(drug.name) if drug is not None else drug_id
            row.add(self.fields.line(f"{path}.doses.{drug_id}",
                                     _("{drug}, mg per day").format(drug=name)))

    def _drugs(self) -> list[str]:
        """The drugs the plan tapers: the prescribed ones, then any the steps already name."""
        case = self.controller.case
        found = [m.drug for m in case.medications if m.drug and m.drug != "other"]
        found += [d for step in case.course.taper.steps for d in step.doses]
        return list(dict.fromkeys(found))
