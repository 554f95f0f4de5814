"""Step 3 – current substance use and clinical findings."""

from __future__ import annotations

from core.case import SubstanceUse
from i18n import _
from ui.wizard.choices import NOT_CHOSEN, PREGNANCY, YES_NO_UNKNOWN, translated
from ui.wizard.lists import ListSection
from ui.wizard.page import Section, StepPage


class FindingsPage(StepPage):
    def build(self) -> None:
        f = self.fields
        limits = self.ctx.pathway.thresholds
        use = self.section(_("Current substance use"),
                           _("One line per substance: amount, how it is taken, how often, and "
                             "when it was last used."), columns=1)
        use.add(ListSection(
            self, "substance_use", new_item=SubstanceUse, build_row=self._use_row,
            row_title=lambda i: _("Substance {number}").format(number=i + 1),
            add_text=_("Add &substance"),
            empty_text=_("No substance use recorded yet."),
            remove_question=_("Remove {item}? What is written in it is deleted.")))

        vitals = self.section(_("Vital signs"),
                              _("Leave a value as “not measured” if it was not measured."))
        vitals.add(f.number("findings.respiratory_rate", _("Respiratory rate"), minimum=0,
                            maximum=200, start=16, suffix=_(" /min"),
                            hint=_("Below {limit} per minute counts as reduced.").format(
                                limit=limits.respiratory_rate_low)))
        vitals.add(f.number("findings.oxygen_saturation", _("Oxygen saturation"), minimum=0,
                            maximum=100, start=97, suffix=" %",
                            hint=_("Below {limit} counts as low.").format(
                                limit=f"{limits.oxygen_saturation_low}\u00a0%")))
        vitals.add(f.number("findings.pulse", _("Pulse"), minimum=0, maximum=400, start=80,
                            suffix=_(" /min")))
        vitals.add(f.number("findings.qtc_ms", _("QTc"), minimum=0, maximum=1000, start=420,
                            suffix=" ms",
                            hint=_("{limit} ms or more counts as prolonged.").format(
                                limit=limits.qtc_high_ms)))

        signs = self.section(_("Intoxication and withdrawal"))
        signs.add(f.text("findings.intoxication_signs", _("Signs of intoxication"), lines=2))
        signs.add(f.text("findings.withdrawal_signs", _("Signs of withdrawal"), lines=2))

        illness = self.section(
            _("Illness and general condition"),
            _("Breathing difficulty, reduced general condition and serious illness that "
              "complicates the treatment each call for considering admission."))
        choices = translated(YES_NO_UNKNOWN)
        illness.add(f.radio("findings.breathing_difficulty", _("Breathing difficulty"),
                            choices, empty="unknown"))
        illness.add(f.radio("findings.reduced_general_condition",
                            _("Reduced general condition"), choices, empty="unknown"))
        if self.ctx.pathway.has_condition("quarantine"):  # the covid-19 pathway only
            illness.add(f.radio("findings.covid_respiratory_symptoms",
                                _("Respiratory symptoms of COVID-19"), choices,
                                empty="unknown"))
        illness.add(f.radio("findings.lung_disease", _("Lung disease"), choices,
                            empty="unknown"))
        illness.add(f.radio("findings.heart_disease", _("Heart disease or arrhythmia"), choices,
                            empty="unknown"))
        illness.new_line()
        illness.add(f.radio("findings.serious_somatic_illness",
                            _("Serious physical illness that complicates the treatment"),
                            choices, empty="unknown"))
        illness.add(f.radio("findings.serious_psychiatric_illness",
                            _("Serious mental illness that complicates the treatment"),
                            choices, empty="unknown"))
        illness.add(f.text("findings.comorbidity_note",
                           _("Which illness, and how it complicates the treatment"), lines=2),
                    full=True)

        pregnancy = self.section(
            _("Pregnancy"),
            _("A woman aged {low}–{high} counts as of childbearing age (from sex and date of "
              "birth) until her pregnancy status is recorded.").format(
                low=self.ctx.pathway.childbearing_age.min_years,
                high=self.ctx.pathway.childbearing_age.max_years))
        pregnancy.add(f.choice("findings.pregnancy", _("Pregnancy"), translated(PREGNANCY),
                               none_label=_(NOT_CHOSEN)))
        pregnancy.add(f.check("findings.childbearing_age",
                              _("Woman of childbearing age (also outside the age range)")))
        other = self.section(_("Other findings"), columns=1)
        other.add(f.text("findings.other", _("Other findings"), lines=2))

    def _use_row(self, row: Section, path: str, index: int) -> None:
        f = self.fields
        substances = [(s.id, self.ctx.text(s.name)) for s in self.ctx.pathway.substances]
        row.add(f.choice(f"{path}.substance", _("Substance"), substances,
                         none_label=_(NOT_CHOSEN), none_value=""))
        row.add(f.line(f"{path}.amount", _("Amount")))
        row.add(f.line(f"{path}.route", _("Route (e.g. injection, smoking, tablets)")))
        row.add(f.line(f"{path}.frequency", _("How often")))
        row.add(f.line(f"{path}.last_use", _("Last use")))
