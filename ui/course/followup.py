""""Ny oppfølging": the compact follow-up form, pre-filled so a routine day is a few keys.

A new entry starts from :func:`core.course.entries.prefill_entry` (observer and form from the
latest entry, the day's planned doses with the supervision the plan asks for, one "use since
last intake" row per substance) plus one withdrawal score row per scale that fits the case.
*No problems today* (Ctrl+R, or its mnemonic) fills the answers of a routine day
(:func:`core.course.entries.mark_routine_day`) and Ctrl+Enter saves: Ctrl+N, Ctrl+R,
Ctrl+Enter is a whole routine entry.  Every field shows its findings as the GP types, and a
wrong value (dose "abc", a score outside the scale, a time in the future) is kept as typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QWidget

from core.course.entries import mark_routine_day, prefill_entry, withdrawal_scales
from core.course.model import FollowUpEntry, WithdrawalScore
from i18n import _
from ui.course.forms import (
    CourseFormDialog,
    SignChecks,
    now_on,
    observer_roles,
    yes_no_unknown,
)
from ui.wizard.formatting import format_datetime, ui_language
from ui.wizard.widgets import ChoiceCombo, FindingsLabel, wrapping_label

if TYPE_CHECKING:
    from core.content.scales import Scale
    from ui.controller import CaseController
    from ui.course.writer import CourseWriter


def forms() -> list[tuple[object, str]]:
    return [("home_visit", _("Home visit")), ("video", _("Video")), ("phone", _("Phone")),
            ("office", _("At the office"))]


def new_entry(controller: CaseController, at: datetime | None = None) -> FollowUpEntry:
    """A new entry at ``at`` (now), pre-filled from the plan and the latest entry."""
    case, pathway = controller.case, controller.pathway
    entry = prefill_entry(case, pathway, at or now_on(controller.today()))
    for choice in withdrawal_scales(case, pathway):
        if choice.scale is not None and all(s.scale != choice.scale.id for s in entry.withdrawal):
            entry.withdrawal.append(WithdrawalScore(scale=choice.scale.id,
                                                    version=choice.scale.version))
    return entry


class FollowUpDialog(CourseFormDialog):
    """One follow-up entry: new (``index`` None) or an existing one to correct."""

    def __init__(self, controller: CaseController, writer: CourseWriter, *,
                 entry: FollowUpEntry | None = None, at: datetime | None = None,
                 parent: QWidget | None = None) -> None:
        self.is_new = entry is None
        super().__init__(controller, writer,
                         _("New follow-up") if self.is_new else _("Follow-up"), parent)
        followups = self.draft.case.course.followups
        if entry is None:
            entry = new_entry(controller, at)
            followups.append(entry)
            self.index = len(followups) - 1
            self.draft.change("course.followups")
        else:
            self.index = next(i for i, e in enumerate(followups) if e.id == entry.id)
        self.path = f"course.followups.{self.index}"
        self.language = ui_language()
        previous = [e for e in controller.case.course.followups if e.id != self.entry.id]
        if self.is_new and previous:
            latest = max(previous, key=lambda e: e.at)
            self.intro.setText(_("Filled in from the plan and the follow-up of {moment}. "
                                 "Check what you saw today.").format(
                                     moment=format_datetime(latest.at)))
            self.intro.show()
        self.routine_button = self.add_button(
            _("No &problems today"), self.mark_routine,
            tip=_("No signs of intoxication or overdose, doses given, routines kept, "
                  "withdrawal not scored (Ctrl+R)"))
        QShortcut(QKeySequence("Ctrl+R"), self, self.mark_routine)
        self._build()
        self.finish()

    @property
    def entry(self) -> FollowUpEntry:
        return self.draft.case.course.followups[self.index]

    # ---- building --------------------------------------------------------------------

    def _build(self) -> None:
        p, f = self.path, self.fields
        content = self.source.pathway.course
        who = self.section(_("When and who"), columns=3)
        who.add(f.datetime(f"{p}.at", _("T&ime (date and clock)")))
        who.add(f.choice(f"{p}.form", _("&Form"), forms(), none_label=_("Not chosen")))
        who.add(f.line(f"{p}.observer.name", _("Observed &by")))
        who.add(f.choice(f"{p}.observer.role", _("Role"), observer_roles(),
                         none_label=_("Not chosen")))
        who.add(f.line(f"{p}.observer.hpr_number", _("HPR number (health personnel)")))

        doses = self.section(_("Doses"), columns=3)
        for j, dose in enumerate(self.entry.doses):
            drug = self.source.pathway.drug(dose.drug)
            name = drug.name.get(self.language) if drug is not None else dose.drug
            doses.add(f.line(f"{p}.doses.{j}.dose",
                             _("{drug}: dose (mg)").format(drug=name)))
            doses.add(f.choice(f"{p}.doses.{j}.status", _("Given?"), [
                ("given", _("Given")), ("withheld", _("Withheld")),
                ("refused", _("Refused")), ("missed", _("Missed"))],
                none_label=_("Not recorded")))
            doses.add(f.choice(f"{p}.doses.{j}.supervised", _("Intake supervised?"),
                               [(True, _("Yes")), (False, _("No"))],
                               none_label=_("Not recorded")))
        if not self.entry.doses:
            doses.add(wrapping_label(_("No dose is planned for this day."), doses), full=True)

        before = self.section(_("Before intake"), columns=2)
        before.add(f.choice(f"{p}.intoxication", _("Signs of in&toxication?"), [
            ("none", _("None")), ("signs", _("Yes, signs")),
            ("not_assessed", _("Not assessed"))], none_label=_("Not recorded")))
        before.add(f.line(f"{p}.intoxication_note", _("Intoxication: note")))
        if content is not None:
            signs = SignChecks(self.draft, f"{p}.intoxication_signs",
                               content.intoxication_signs, self.language, before)
            before.add(signs, full=True)
            before.add(signs.findings, full=True)
        for k, score in enumerate(self.entry.withdrawal):
            self._score_rows(before, k, score)
        for k, use in enumerate(self.entry.use_since_last):
            substance = self.source.pathway.substance(use.substance)
            name = substance.name.get(self.language) if substance is not None else use.substance
            before.add(f.choice(f"{p}.use_since_last.{k}.used",
                                _("Use since last intake: {substance}").format(
                                    substance=name), yes_no_unknown(),
                                none_label=_("Not asked")))
            before.add(f.line(f"{p}.use_since_last.{k}.amount", _("Amount and when")))

        after = self.section(_("After intake"), columns=3)
        after.add(f.number(f"{p}.observation_minutes", _("Observed after intake"),
                           minimum=0, maximum=1440, start=30, suffix=" min",
                           none_text=_("Not recorded")))
        after.add(f.number(f"{p}.respiratory_rate", _("Respiratory rate"), minimum=0,
                           maximum=200, start=16, suffix=_(" /min")))
        after.add(f.number(f"{p}.oxygen_saturation", _("SpO₂"), minimum=0, maximum=100,
                           start=97, suffix=" %"))
        after.add(f.choice(f"{p}.overdose", _("Signs of &overdose?"), [
            ("none", _("None")), ("signs", _("Yes, signs")),
            ("not_observed", _("Not observed"))], none_label=_("Not recorded")))
        after.add(f.line(f"{p}.overdose_action", _("Action taken on signs of overdose")),
                  full=False)
        after.new_line()
        if content is not None:
            signs = SignChecks(self.draft, f"{p}.overdose_signs", content.overdose_signs,
                               self.language, after)
            after.add(signs, full=True)
            after.add(signs.findings, full=True)

        rest = self.section(_("Safety routines and notes"), columns=2)
        rest.add(f.choice(f"{p}.adherence", _("Safety routines &kept?"), [
            ("kept", _("Kept")), ("partly", _("Partly")), ("not_kept", _("Not kept"))],
            none_label=_("Not recorded")))
        rest.add(f.line(f"{p}.adherence_note", _("Routines: note")))
        rest.add(f.text(f"{p}.adverse_events", _("Adverse events"), lines=2))
        rest.add(f.text(f"{p}.note", _("&Note"), lines=2))

    def _score_rows(self, section: object, k: int, score: WithdrawalScore) -> None:
        from ui.wizard.page import Section

        assert isinstance(section, Section)
        p, f = f"{self.path}.withdrawal.{k}", self.fields
        scale = self._scale(score)
        name = (scale.abbreviation if scale is not None
                else (score.scale or _("Withdrawal")))
        section.add(f.check(f"{p}.not_scored", _("{scale}: not scored").format(scale=name)))
        maximum = scale.max_total if scale is not None else 1000
        section.add(f.number(f"{p}.total", _("{scale}: total score (0–{maximum})").format(
            scale=name, maximum=maximum), minimum=0, maximum=1000, start=0,
            none_text=_("No total")))
        if scale is None:
            return
        toggle = QToolButton(section)
        toggle.setText(_("Score {scale} item by item…").format(scale=name))
        toggle.setCheckable(True)
        section.add(toggle, full=True)
        grid_host = QWidget(section)
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        for n, item in enumerate(scale.items):
            label = QLabel(item.title.get(self.language), grid_host)
            combo = ChoiceCombo([(o.score, f"{o.score} – {o.label.get(self.language)}")
                                 for o in item.options], none_label=_("Not scored"))
            combo.setAccessibleName(label.text())
            label.setBuddy(combo)
            self.draft.binder.register(f"{p}.items.{item.id}", combo, "course")
            combo.valueEdited.connect(
                lambda c=combo, i=item.id: self._item_edited(k, i, c.value()))
            grid.addWidget(label, n // 2, (n % 2) * 2)
            grid.addWidget(combo, n // 2, (n % 2) * 2 + 1)
            combo.setValue(score.items.get(item.id))
        self.items_label = FindingsLabel(grid_host)
        self.draft.binder.add_label(f"{p}.items", self.items_label)
        grid.addWidget(self.items_label, len(scale.items), 0, 1, 4)
        grid_host.setVisible(bool(score.items))
        toggle.setChecked(bool(score.items))
        toggle.toggled.connect(grid_host.setVisible)
        section.add(grid_host, full=True)

    def _scale(self, score: WithdrawalScore) -> Scale | None:
        content = self.source.pathway.course
        if content is None or not score.scale:
            return None
        return content.scale(score.scale, score.version or None)

    def _item_edited(self, k: int, item: str, value: object) -> None:
        path = f"{self.path}.withdrawal.{k}.items"
        items = dict(self.draft.controller.value(path) or {})
        if value is None:
            items.pop(item, None)
        else:
            items[item] = int(str(value))
        self.draft.controller.set_value(path, items)

    # ---- actions ---------------------------------------------------------------------

    def mark_routine(self) -> None:
        """Fill the answers of a day without problems where nothing was entered yet."""
        scales = [s for s in (self._scale(w) for w in self.entry.withdrawal) if s is not None]
        routine = mark_routine_day(
            self.entry, scales=scales,
            observation_minutes=self.draft.case.plan.post_dose_observation_minutes)
        self.draft.case.course.followups[self.index] = routine
        self.draft.change(self.path)

    def commit(self) -> None:
        entry = self.entry
        if self.is_new:
            self.writer.add_entry(entry)
        else:
            self.writer.update_entry(entry)


__all__ = ["FollowUpDialog", "forms", "new_entry"]
