"""The course's dialogs besides the follow-up: dose decision, isolation, taper, evaluation.

Each edits a draft copy of the case (:class:`~ui.course.forms.CourseFormDialog`), shows the
course rules' findings at their fields as the GP types — a dose above the range without the
TSB specialist, a taper that does not reach zero — keeps what was typed, and writes through the
:class:`~ui.course.writer.CourseWriter` on *Save*.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.course.doses import doses_in_force
from core.course.model import (
    DoseDecision,
    IsolationExtension,
    TaperPlan,
    TaperStep,
)
from core.course.periods import expected_isolation_end
from core.course.taper import TaperError, suggest_taper
from core.findings import Severity
from i18n import _
from ui.course.forms import (
    CourseFormDialog,
    now_on,
    observer_roles,
    yes_no_unknown,
    yes_partly_no,
)
from ui.wizard.formatting import format_date, parse_date, ui_language
from ui.wizard.widgets import DateField, FindingsLabel, severity_word, wrapping_label

if TYPE_CHECKING:
    from ui.controller import CaseController
    from ui.course.writer import CourseWriter


def _drug_name(controller: CaseController, drug_id: str) -> str:
    drug = controller.pathway.drug(drug_id)
    return drug.name.get(ui_language()) if drug is not None else drug_id


# --------------------------------------------------------------------------------------
# Dose decision
# --------------------------------------------------------------------------------------


class DoseDecisionDialog(CourseFormDialog):
    """A new daily dose or a change of drug from a day, with the reason and who agreed."""

    def __init__(self, controller: CaseController, writer: CourseWriter, *,
                 decision: DoseDecision | None = None, parent: QWidget | None = None) -> None:
        self.is_new = decision is None
        super().__init__(controller, writer, _("Dose decision"), parent)
        decisions = self.draft.case.course.dose_decisions
        if decision is None:
            today = controller.today()
            in_force = doses_in_force(controller.case, today)
            decision = DoseDecision(
                decided_at=now_on(today),
                effective_from=today + timedelta(days=1),
                drug=next(iter(in_force), ""))
            decisions.append(decision)
            self.index = len(decisions) - 1
            self.draft.change("course.dose_decisions")
        else:
            self.index = next(i for i, d in enumerate(decisions) if d.id == decision.id)
        self.path = p = f"course.dose_decisions.{self.index}"
        content = controller.pathway.course
        self.intro.setText(_(
            "A dose increase needs a follow-up without signs of intoxication or overdose in "
            "the last {hours} hours. A dose outside the pathway's range or a change of drug "
            "needs the TSB specialist who agreed.").format(
                hours=content.tolerance_window_hours if content is not None else 24))
        self.intro.show()
        f = self.fields
        drugs = self._drugs()
        what = self.section(_("The decision"), columns=3)
        what.add(f.datetime(f"{p}.decided_at", _("&Decided at")))
        what.add(f.date(f"{p}.effective_from", _("New dose &from")))
        what.add(f.choice(f"{p}.drug", _("D&rug"), drugs, none_label=_("Not chosen")))
        what.add(f.line(f"{p}.new_daily_dose", _("New daily dose (m&g)"),
                        hint=_("0 stops the drug.")))
        what.add(f.choice(f"{p}.new_drug", _("Change to another drug"), self._all_drugs(),
                          none_label=_("No change of drug"), none_value=""))
        what.add(f.line(f"{p}.new_formulation", _("New formulation")))
        why = self.section(_("Why and who agreed"), columns=2)
        why.add(f.text(f"{p}.reason", _("&Reason"), lines=3), full=True)
        why.add(f.line(f"{p}.agreed_by.name", _("Agreed with (name)")))
        why.add(f.choice(f"{p}.agreed_by.role", _("Role"), observer_roles(),
                         none_label=_("Not chosen")))
        why.add(f.line(f"{p}.agreed_by.hpr_number", _("HPR number")))
        why.add(f.line(f"{p}.tsb_specialist", _("&TSB specialist who agreed")))
        self.finish()

    def _drugs(self) -> list[tuple[object, str]]:
        case = self.source.case
        ids = list(doses_in_force(case, self.source.today()))
        ids += [m.drug for m in case.medications if m.drug and m.drug not in ids]
        return [(d, _drug_name(self.source, d)) for d in dict.fromkeys(ids)]

    def _all_drugs(self) -> list[tuple[object, str]]:
        return [(d.id, d.name.get(ui_language())) for d in self.source.pathway.drugs]

    def commit(self) -> None:
        decision = self.draft.case.course.dose_decisions[self.index]
        if self.is_new:
            self.writer.add_decision(decision)
        else:
            self.writer.update_decision(decision)


# --------------------------------------------------------------------------------------
# End of isolation, extension
# --------------------------------------------------------------------------------------


class IsolationDialog(CourseFormDialog):
    """The day the quarantine or isolation ended, or its extensions with the new end."""

    def __init__(self, controller: CaseController, writer: CourseWriter, *,
                 parent: QWidget | None = None) -> None:
        super().__init__(controller, writer, _("End of isolation or extension"), parent)
        quarantine = controller.case.conditions.quarantine
        expected, start = quarantine.expected_end, quarantine.start
        self.intro.setText(_("Isolation or quarantine from {start}, expected to end {end} "
                             "(condition 3 of the consultation).").format(
                                 start=format_date(start) or "–",
                                 end=format_date(expected) or "–"))
        self.intro.show()
        end = self.section(_("End"), columns=2)
        end.add(self.fields.date("course.isolation.ended_on", _("The isolation &ended on"),
                                 hint=_("Leave empty while it lasts.")))
        self.extensions = self.section(_("Extensions"), columns=3)
        for k in range(len(self.draft.case.course.isolation.extensions)):
            self._extension_rows(k)
        self.add_extension_button = self.add_button(_("Add &extension"), self.add_extension)
        self.finish()

    def _extension_rows(self, k: int) -> None:
        p = f"course.isolation.extensions.{k}"
        self.extensions.add(self.fields.date(f"{p}.decided_on", _("Extension decided on")))
        self.extensions.add(self.fields.date(f"{p}.new_expected_end", _("New expected end")))
        self.extensions.add(self.fields.line(f"{p}.note", _("Note")))

    def add_extension(self) -> None:
        self.draft.case.course.isolation.extensions.append(
            IsolationExtension(decided_on=self.source.today()))
        k = len(self.draft.case.course.isolation.extensions) - 1
        self.draft.change(f"course.isolation.extensions.{k}")
        self._extension_rows(k)
        self.focus_field(f"course.isolation.extensions.{k}.new_expected_end")

    def commit(self) -> None:
        self.writer.set_isolation(self.draft.case.course.isolation)


# --------------------------------------------------------------------------------------
# Taper and continuation
# --------------------------------------------------------------------------------------


def continuation_kinds() -> list[tuple[object, str]]:
    return [("taper", _("Taper")), ("lar_referral", _("Continue in LAR (referral)")),
            ("other_plan", _("Continue under another plan"))]


class TaperDialog(CourseFormDialog):
    """The taper: suggested steps from the pathway's rules, every step editable, down to
    zero — or the course goes on in LAR or under another plan, with what was agreed."""

    def __init__(self, controller: CaseController, writer: CourseWriter, *,
                 parent: QWidget | None = None) -> None:
        super().__init__(controller, writer, _("Taper or further treatment"), parent)
        f = self.fields
        content = controller.pathway.course
        if content is not None:
            self.intro.setText(content.taper_note.get(ui_language()))
            self.intro.show()
        kind = self.section(_("After the isolation"), columns=2)
        kind.add(f.choice("course.continuation.kind", _("&Further course"),
                          continuation_kinds(), none_label=_("Not chosen")))
        kind.add(f.line("course.continuation.responsible", _("Responsible (service, person)")))
        kind.add(f.text("course.continuation.agreed", _("What was &agreed, with whom"),
                        lines=2))
        kind.add(f.date("course.continuation.referral_date", _("LAR referral sent on")))

        steps = self.section(_("Taper steps"), columns=1)
        row = QWidget(steps)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.start_field = DateField(row)
        self.start_field.setAccessibleName(_("First taper day"))
        self.start_field.setValue(self._suggested_start())
        self.suggest_button = QPushButton(_("&Suggest steps from"), row)
        self.suggest_button.setAutoDefault(False)
        self.suggest_button.clicked.connect(self.suggest)
        self.add_step_button = QPushButton(_("Add ste&p"), row)
        self.add_step_button.setAutoDefault(False)
        self.add_step_button.clicked.connect(self.add_step)
        self.remove_step_button = QPushButton(_("Re&move step"), row)
        self.remove_step_button.setAutoDefault(False)
        self.remove_step_button.clicked.connect(self.remove_step)
        line.addWidget(self.suggest_button)
        line.addWidget(self.start_field)
        line.addStretch(1)
        line.addWidget(self.add_step_button)
        line.addWidget(self.remove_step_button)
        steps.add(row)
        steps.add(wrapping_label(_("Every step can be edited: type a date or a dose and press "
                                   "Tab. The last step must be 0 mg for every drug."), steps,
                                 small=True))
        self.table = QTableWidget(steps)
        self.table.setAccessibleName(_("Taper steps"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setTabKeyNavigation(True)
        self.table.verticalHeader().setVisible(True)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.setMinimumHeight(220)
        steps.add(self.table)
        self.step_findings = FindingsLabel(steps)
        steps.add(self.step_findings)
        self.draft.binder.register("course.taper.steps", self.table, "course")

        advice = self.section(_("For the patient"), columns=2)
        advice.add(f.text("course.taper.withdrawal_advice",
                          _("What to do about &withdrawal"), lines=2))
        advice.add(f.text("course.taper.note", _("Note"), lines=2))
        advice.add(f.check("course.taper.patient_signs", _("The patient signs the taper plan")))
        self.draft.controller.findings_changed.connect(self._show_step_findings)
        self._fill_table()
        self.finish()
        self._show_step_findings()

    # ---- the steps table -------------------------------------------------------------

    def _suggested_start(self) -> date:
        case = self.source.case
        if case.course.taper.steps and case.course.taper.steps[0].from_date is not None:
            return case.course.taper.steps[0].from_date
        if case.course.isolation.ended_on is not None:
            return case.course.isolation.ended_on + timedelta(days=1)
        expected = expected_isolation_end(case)
        if expected is not None:
            return expected + timedelta(days=1)
        return self.source.today() + timedelta(days=1)

    def drugs(self) -> list[str]:
        taper = self.draft.case.course.taper
        found = [d for step in taper.steps for d in step.doses]
        if not found:
            start = self.start_field.value() or self.source.today()
            found = list(doses_in_force(self.draft.case, start - timedelta(days=1),
                                        include_taper=False))
        return list(dict.fromkeys(found))

    def _fill_table(self) -> None:
        drugs = self.drugs()
        taper = self.draft.case.course.taper
        blocked = self.table.blockSignals(True)
        self.table.clear()
        self.table.setColumnCount(1 + len(drugs))
        self.table.setRowCount(len(taper.steps))
        self.table.setHorizontalHeaderLabels(
            [_("From date")] + [_("{drug} (mg/day)").format(drug=_drug_name(self.source, d))
                                for d in drugs])
        for i, step in enumerate(taper.steps):
            self.table.setItem(i, 0, QTableWidgetItem(format_date(step.from_date)))
            for j, drug in enumerate(drugs):
                self.table.setItem(i, j + 1, QTableWidgetItem(step.doses.get(drug, "")))
        self.table.setVerticalHeaderLabels([_("Step {n}").format(n=i + 1)
                                            for i in range(len(taper.steps))])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.blockSignals(blocked)
        self._drugs = drugs

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        row, column = item.row(), item.column()
        steps = self.draft.case.course.taper.steps
        if not 0 <= row < len(steps):
            return
        text = item.text().strip()
        if column == 0:
            try:
                steps[row].from_date = parse_date(text)
            except ValueError:
                item.setToolTip(_("Write the date as dd.mm.yyyy."))
                item.setForeground(QBrush(QColor("#b00020")))
                return
            item.setToolTip("")
        else:
            drug = self._drugs[column - 1]
            steps[row].doses = {**steps[row].doses, drug: text}
        self.draft.case.course.taper.edited = True
        self.draft.change(f"course.taper.steps.{row}")

    def _show_step_findings(self) -> None:
        findings = self.draft.controller.findings_for("course.taper")
        on_steps = [f for f in findings if f.field.startswith("course.taper.steps")]
        self.step_findings.set_findings(on_steps)
        marked: dict[tuple[int, int], str] = {}
        for finding in on_steps:
            parts = finding.field.split(".")
            if len(parts) < 4 or not parts[3].isdigit():
                continue
            row = int(parts[3])
            column = 0
            if len(parts) >= 6 and parts[4] == "doses" and parts[5] in self._drugs:
                column = self._drugs.index(parts[5]) + 1
            marked[(row, column)] = f"{severity_word(finding.severity)}: {finding.message}"
            if finding.severity is Severity.INFO:
                marked.pop((row, column))
        blocked = self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is None:
                    continue
                tip = marked.get((row, column), "")
                item.setToolTip(tip)
                item.setBackground(QBrush(QColor("#fde2e1")) if tip else QBrush())
        self.table.blockSignals(blocked)

    def focus_field(self, path: str) -> bool:
        if not path.startswith("course.taper.steps"):
            return super().focus_field(path)
        parts = path.split(".")
        row = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else 0
        column = 0
        if len(parts) >= 6 and parts[5] in self._drugs:
            column = self._drugs.index(parts[5]) + 1
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.table.rowCount():
            self.table.setCurrentCell(min(row, self.table.rowCount() - 1), column)
        self.scroll.ensureWidgetVisible(self.table)
        return True

    # ---- actions ---------------------------------------------------------------------

    def suggest(self) -> None:
        """Replace the steps with the pathway's suggestion from the chosen first day."""
        start = self.start_field.value() or self._suggested_start()
        case = self.draft.case
        try:
            plan = suggest_taper(case, self.source.pathway, start)
        except TaperError as exc:
            self.step_findings.set_findings([])
            self.intro.setText(str(exc))
            return
        kept = case.course.taper
        plan.withdrawal_advice, plan.note = kept.withdrawal_advice, kept.note
        plan.patient_signs = kept.patient_signs
        case.course.taper = plan
        if case.course.continuation.kind is None:
            case.course.continuation.kind = "taper"
        self.draft.change("course.taper")
        self._fill_table()
        self._show_step_findings()

    def add_step(self) -> None:
        taper = self.draft.case.course.taper
        last = taper.steps[-1] if taper.steps else None
        start = (last.from_date + timedelta(days=1)
                 if last is not None and last.from_date is not None
                 else self.start_field.value() or self._suggested_start())
        doses = dict(last.doses) if last is not None else {d: "" for d in self.drugs()}
        taper.steps.append(TaperStep(from_date=start, doses=doses))
        taper.edited = True
        self.draft.change("course.taper.steps")
        self._fill_table()
        self.table.setFocus()
        self.table.setCurrentCell(len(taper.steps) - 1, 1 if self._drugs else 0)

    def remove_step(self) -> None:
        taper = self.draft.case.course.taper
        row = self.table.currentRow()
        if not 0 <= row < len(taper.steps):
            return
        del taper.steps[row]
        taper.edited = True
        self.draft.change("course.taper.steps")
        self._fill_table()

    def commit(self) -> None:
        case = self.draft.case
        self.writer.set_continuation(case.course.continuation,
                                     case.course.taper if case.course.taper.steps
                                     or case.course.continuation.kind == "taper"
                                     else TaperPlan())


# --------------------------------------------------------------------------------------
# Evaluation and end
# --------------------------------------------------------------------------------------


def stop_reasons() -> list[tuple[object, str]]:
    return [("consent_withdrawn", _("The patient withdrew consent")),
            ("admitted", _("Admitted to an institution")), ("moved", _("Moved")),
            ("died", _("Died")), ("other", _("Other reason"))]


class EvaluationDialog(CourseFormDialog):
    """The evaluation of effect and safety (seed 5.2) and the end of the course."""

    def __init__(self, controller: CaseController, writer: CourseWriter, *,
                 parent: QWidget | None = None) -> None:
        super().__init__(controller, writer, _("Evaluation and end of the course"), parent)
        f = self.fields
        evaluation = self.draft.case.course.evaluation
        if evaluation.evaluated_on is None:
            evaluation.evaluated_on = controller.today()
            if not evaluation.evaluated_by.name:
                evaluation.evaluated_by.name = controller.case.prescriber.name
                evaluation.evaluated_by.role = "gp"
                evaluation.evaluated_by.hpr_number = controller.case.prescriber.hpr_number
            self.draft.change("course.evaluation")
        e = "course.evaluation"
        effect = self.section(_("Effect"), columns=3)
        effect.add(f.choice(f"{e}.withdrawal_controlled", _("&Withdrawal controlled?"),
                            yes_partly_no(), none_label=_("Not answered")))
        effect.add(f.choice(f"{e}.craving_controlled", _("Craving controlled?"),
                            yes_partly_no(), none_label=_("Not answered")))
        effect.add(f.choice(f"{e}.isolation_kept", _("Isolation kept?"), yes_partly_no(),
                            none_label=_("Not answered")))
        effect.add(f.text(f"{e}.effect_note", _("Effect: note"), lines=2), full=True)
        safety = self.section(_("Safety"), columns=3)
        safety.add(f.choice(f"{e}.overdose", _("Overdose?"), yes_no_unknown(),
                            none_label=_("Not answered")))
        safety.add(f.choice(f"{e}.intoxication", _("Intoxication?"), yes_no_unknown(),
                            none_label=_("Not answered")))
        safety.add(f.choice(f"{e}.leakage", _("Leakage or diversion?"), yes_no_unknown(),
                            none_label=_("Not answered")))
        safety.add(f.text(f"{e}.adverse_events", _("Adverse events"), lines=2))
        safety.add(f.text(f"{e}.safety_note", _("Safety: note"), lines=2))
        safety.new_line()
        safety.add(f.choice(f"{e}.adherence", _("Safety routines kept?"), [
            ("kept", _("Kept")), ("partly", _("Partly")), ("not_kept", _("Not kept"))],
            none_label=_("Not answered")))
        safety.add(f.text(f"{e}.adherence_note", _("Routines: note"), lines=2))
        view = self.section(_("The patient's view and what happens next"), columns=2)
        view.add(f.text(f"{e}.patient_view", _("The &patient's own view"), lines=2))
        view.add(f.text(f"{e}.next_steps", _("What happens &next"), lines=2))
        view.add(f.date(f"{e}.evaluated_on", _("Evaluated on")))
        view.add(f.line(f"{e}.evaluated_by.name", _("Evaluated by")))
        end = self.section(_("End of the course"), columns=3)
        end.add(f.choice("course.end.kind", _("The course &is"), [
            ("completed", _("Completed")), ("stopped", _("Stopped early"))],
            none_label=_("Still going on")))
        end.add(f.date("course.end.ended_on", _("Ended on")))
        end.add(f.choice("course.end.stop_reason", _("Why it was stopped"), stop_reasons(),
                         none_label=_("Not chosen")))
        end.add(f.text("course.end.note", _("End: note"), lines=2), full=True)
        self.finish()

    def commit(self) -> None:
        course = self.draft.case.course
        self.writer.set_evaluation(course.evaluation, course.end)


__all__ = ["DoseDecisionDialog", "EvaluationDialog", "IsolationDialog", "TaperDialog",
           "continuation_kinds", "stop_reasons"]
