"""Step 7 – the treatment plan: who does what, supervision, follow-up, after the isolation."""

from __future__ import annotations

from i18n import _
from ui.wizard.choices import LAR_REFERRAL, NOT_CHOSEN, translated
from ui.wizard.page import StepPage


class PlanPage(StepPage):
    def build(self) -> None:
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

        contact = self.section(_("Contact and support for the patient"))
        contact.add(f.line("plan.patient_contact_name", _("Contact person the patient can call")))
        contact.add(f.line("plan.patient_contact_phone", _("Contact person's phone")))
        contact.add(f.text("plan.psychosocial_follow_up", _("Psychosocial follow-up"), lines=2),
                    full=True)
        contact.add(f.text("plan.practical_needs", _("Practical needs (food, housing, clothes)"),
                           lines=2), full=True)
