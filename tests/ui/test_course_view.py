"""The Forløp view: the course day by day, follow-up by keyboard, dialogs, findings, writer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from core.case import Case
from core.content.pathway import Pathway
from core.course.model import FollowUpEntry
from core.steps import STEP_IDS
from core.storage import Store
from tests.ui.wizard_helpers import example
from ui.controller import CaseController
from ui.course.dialogs import DoseDecisionDialog, EvaluationDialog, TaperDialog
from ui.course.followup import FollowUpDialog
from ui.course.timeline_model import ENTRIES, ISOLATION, TREATMENT
from ui.course.view import CourseView
from ui.course.writer import CourseWriter
from ui.start_window import StartWindow
from ui.wizard.window import WizardWindow

TODAY = date(2021, 11, 20)
OpenCourse = Callable[..., WizardWindow]


def in_progress() -> Case:
    """The opioid example on its sixth day: entries up to yesterday, no end yet."""
    case = example("forlop-opioid-nedtrapping")
    course = case.course
    course.followups = [e for e in course.followups
                        if e.at < datetime(2021, 11, 20, tzinfo=UTC)]
    course.end = type(course.end)()
    course.evaluation = type(course.evaluation)()
    case.status = "in_treatment"
    return case


@pytest.fixture
def open_course(qtbot: QtBot, store: Store, pathway: Pathway) -> Iterator[OpenCourse]:
    windows: list[WizardWindow] = []

    def opener(case: Case, today: date = TODAY) -> WizardWindow:
        store.save(case)
        stored = store.load(case.id)
        controller = CaseController.for_stored(stored, pathway, store, today=lambda: today)
        window = WizardWindow(controller)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        assert window.course_view is not None
        # Forms are shown without blocking, so the test can type into them.
        window.course_view.run_dialog = lambda dialog: dialog.show()
        windows.append(window)
        return window

    yield opener
    for window in windows:
        if window.course_view is not None and window.course_view.dialog is not None:
            window.course_view.dialog.reject()
        window.close()


def _view(window: WizardWindow) -> CourseView:
    assert window.course_view is not None
    return window.course_view


def _texts(dialog: object, path: str) -> list[str]:
    from ui.course.forms import CourseFormDialog

    assert isinstance(dialog, CourseFormDialog)
    label = dialog.draft.binder._labels[path]
    return label.texts()


def test_an_exported_example_opens_on_the_course_view(open_course: OpenCourse) -> None:
    case = example("forlop-opioid-nedtrapping")
    window = open_course(case, date(2021, 11, 26))
    view = _view(window)
    assert window.course_tabs is not None and window.course_tabs.currentWidget() is view
    model = view.model
    assert model.rowCount() == 11  # 15.11 (first dose) to 25.11 (the zero step)
    assert model.days[0].day == date(2021, 11, 15)
    assert model.data(model.index(0, ISOLATION)) == "3"  # isolation began on 13.11
    assert model.data(model.index(0, TREATMENT)) == "1"
    assert "Siri Testberg" in model.data(model.index(0, ENTRIES))
    assert view.status.text() == "avsluttet 25.11.2021"
    assert view.patient_line.text() == "Jonas Prøve Berg, født 07.03.1988"
    assert view.documents_button.isEnabled()
    view.documents_button.click()  # the course documents are exported with the rest
    assert window.course_tabs.currentWidget() is not view
    assert window.stack.currentIndex() == STEP_IDS.index("summary")


def test_a_draft_opens_on_the_wizard_alone(open_course: OpenCourse, qtbot: QtBot,
                                           store: Store, pathway: Pathway) -> None:
    case = example("opioid-komplett")
    case.status = "draft"
    store.save(case)
    controller = CaseController(store.load(case.id).case, pathway, store)
    window = WizardWindow(controller)
    qtbot.addWidget(window)
    assert window.course_view is None and window.course_tabs is None
    window.close()


def test_a_routine_entry_by_keyboard_in_three_keystrokes(open_course: OpenCourse,
                                                         qtbot: QtBot, store: Store) -> None:
    window = open_course(in_progress())
    view = _view(window)
    before = len(window.controller.case.course.followups)
    previous = window.controller.case.course.followups[-1]
    view.table.setFocus()
    keys = 0
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    dialog = view.dialog
    assert isinstance(dialog, FollowUpDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    # Pre-filled from yesterday and from the plan (taper step 1: 6 mg from 19.11).
    assert dialog.entry.observer == previous.observer
    assert dialog.entry.form == "home_visit"
    assert [d.dose for d in dialog.entry.doses] == ["6"]
    qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # no problems
    keys += 1
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    assert keys == 3
    assert dialog.saved
    followups = window.controller.case.course.followups
    assert len(followups) == before + 1
    added = followups[-1]
    assert added.intoxication == "none" and added.overdose == "none"
    assert added.doses[0].status == "given" and added.doses[0].supervised is True
    assert not [f for f in window.controller.findings
                if f.field.startswith(f"course.followups.{before}")]
    qtbot.waitUntil(lambda: not window.controller.dirty, timeout=3000)
    assert len(store.load(window.controller.case.id).case.course.followups) == before + 1


def test_a_bad_dose_is_shown_at_its_field_and_kept(open_course: OpenCourse,
                                                   qtbot: QtBot) -> None:
    window = open_course(in_progress())
    view = _view(window)
    view.new_followup()
    dialog = view.dialog
    assert isinstance(dialog, FollowUpDialog)
    path = f"{dialog.path}.doses.0.dose"
    binding = dialog.draft.binder.binding(path)
    assert binding is not None and isinstance(binding.widget, QLineEdit)
    field = binding.widget
    field.selectAll()
    qtbot.keyClicks(field, "abc")
    assert any("milligram" in text for text in _texts(dialog, path))
    dialog.save()
    entry = window.controller.case.course.followups[-1]
    assert entry.doses[0].dose == "abc"
    assert "COURSE_DOSE_UNREADABLE" in {f.code for f in window.controller.findings
                                        if f.field == path}
    qtbot.waitUntil(lambda: any(field == path for _text, field in view.finding_items()),
                    timeout=2000)


def test_a_dose_above_the_range_without_tsb_shows_the_blocker(open_course: OpenCourse,
                                                              qtbot: QtBot) -> None:
    window = open_course(in_progress())
    view = _view(window)
    view.dose_decision()
    dialog = view.dialog
    assert isinstance(dialog, DoseDecisionDialog)
    binding = dialog.draft.binder.binding(f"{dialog.path}.new_daily_dose")
    assert binding is not None
    qtbot.keyClicks(binding.widget, "32")
    codes = {f.code for f in dialog.findings(dialog.path)}
    assert "COURSE_INCREASE_ABOVE_RANGE_NO_TSB" in codes
    tsb_path = next(f.field for f in dialog.findings(dialog.path)
                    if f.code == "COURSE_INCREASE_ABOVE_RANGE_NO_TSB")
    assert _texts(dialog, tsb_path)  # shown at its field
    tsb = dialog.draft.binder.binding(f"{dialog.path}.tsb_specialist")
    assert tsb is not None
    qtbot.keyClicks(tsb.widget, "Overlege Test TSB")
    assert "COURSE_INCREASE_ABOVE_RANGE_NO_TSB" not in {
        f.code for f in dialog.findings(dialog.path)}


def test_a_taper_ending_above_zero_is_shown(open_course: OpenCourse, qtbot: QtBot) -> None:
    window = open_course(in_progress())
    view = _view(window)
    view.taper()
    dialog = view.dialog
    assert isinstance(dialog, TaperDialog)
    assert not [f for f in dialog.step_findings.findings if f.code == "COURSE_TAPER_NEVER_ZERO"]
    last = dialog.table.rowCount() - 1
    item = dialog.table.item(last, 1)
    assert item is not None and item.text() == "0"
    item.setText("2")
    assert any(f.code == "COURSE_TAPER_NEVER_ZERO" for f in dialog.findings("course.taper"))
    assert [f for f in dialog.step_findings.findings if f.code == "COURSE_TAPER_NEVER_ZERO"]
    assert dialog.table.item(last, 1).toolTip()  # type: ignore[union-attr]


def test_the_taper_is_suggested_from_the_rules(open_course: OpenCourse) -> None:
    case = in_progress()
    case.course.taper = type(case.course.taper)()
    case.course.continuation = type(case.course.continuation)()
    window = open_course(case)
    view = _view(window)
    view.taper()
    dialog = view.dialog
    assert isinstance(dialog, TaperDialog)
    assert dialog.table.rowCount() == 0
    dialog.start_field.setValue(date(2021, 11, 22))
    dialog.suggest()
    assert dialog.table.rowCount() >= 2
    last = dialog.table.item(dialog.table.rowCount() - 1, 1)
    assert last is not None and last.text() == "0"
    dialog.save()
    assert window.controller.case.course.continuation.kind == "taper"
    assert window.controller.case.course.taper.steps[-1].doses


def test_the_evaluation_is_saved(open_course: OpenCourse, qtbot: QtBot, store: Store) -> None:
    window = open_course(in_progress())
    view = _view(window)
    view.evaluation()
    dialog = view.dialog
    assert isinstance(dialog, EvaluationDialog)
    binding = dialog.draft.binder.binding("course.evaluation.patient_view")
    assert binding is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    qtbot.keyClicks(binding.widget, "Fornøyd, ville ikke bryte isolasjonen")
    assert window.controller.case.course.evaluation.patient_view == ""  # not before Save
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    evaluation = window.controller.case.course.evaluation
    assert evaluation.patient_view == "Fornøyd, ville ikke bryte isolasjonen"
    assert evaluation.evaluated_on == TODAY
    qtbot.waitUntil(lambda: not window.controller.dirty, timeout=3000)
    stored = store.load(window.controller.case.id).case
    assert stored.course.evaluation.patient_view == evaluation.patient_view


def test_a_finding_jumps_to_its_field(open_course: OpenCourse, qtbot: QtBot) -> None:
    case = in_progress()
    entry = case.course.followups[-1]
    entry.overdose = "signs"
    entry.overdose_signs = ["O2"]
    window = open_course(case)
    view = _view(window)
    index = len(case.course.followups) - 1
    path = f"course.followups.{index}.overdose_action"
    rows = [i for i in range(view.findings.count())
            if view.findings.item(i).data(Qt.ItemDataRole.UserRole) == path]
    assert rows, view.finding_items()
    view.findings.setFocus()
    view.findings.setCurrentRow(rows[0])
    qtbot.keyClick(view.findings, Qt.Key.Key_Return)
    dialog = view.dialog
    assert isinstance(dialog, FollowUpDialog) and not dialog.is_new
    binding = dialog.draft.binder.binding(path)
    assert binding is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is binding.widget, timeout=2000)


def test_a_consultation_finding_shows_the_wizard(open_course: OpenCourse) -> None:
    window = open_course(in_progress())
    view = _view(window)
    assert view.open_field("patient.name")
    assert window.course_tabs is not None
    assert window.course_tabs.currentWidget() is not view


def _controller(store: Store, pathway: Pathway, case_id: str) -> CaseController:
    return CaseController.for_stored(store.load(case_id), pathway, store, today=lambda: TODAY)


def test_the_writer_stores_each_entry_as_its_own_row_audited(qtbot: QtBot, store: Store,
                                                             pathway: Pathway) -> None:
    case = in_progress()
    store.save(case)
    controller = _controller(store, pathway, case.id)
    writer = CourseWriter(controller)
    entry = FollowUpEntry(at=datetime(2021, 11, 20, 8, tzinfo=UTC))
    index = writer.add_entry(entry)
    assert controller.case.course.followups[index].id == entry.id
    # stored at once, before any autosave, as a row of its own
    rows = store.course.list(case.id)
    assert [row.item_id for row in rows if row.kind == "followup"].count(entry.id) == 1
    assert store.audit_log(case.id)[-1].action == "followup"
    entry.note = "rettet"
    writer.update_entry(entry)
    assert controller.item_versions[entry.id] == 2
    assert controller.save_now()
    reopened = store.load(case.id)
    assert [e.note for e in reopened.case.course.followups if e.id == entry.id] == ["rettet"]


def test_a_nurse_entry_from_another_workstation_survives_the_gps_autosave(
        qtbot: QtBot, store: Store, pathway: Pathway) -> None:
    case = in_progress()
    store.save(case)
    gp = _controller(store, pathway, case.id)
    nurse = FollowUpEntry(at=datetime(2021, 11, 20, 9, tzinfo=UTC), note="sykepleier")
    store.course.add(case.id, nurse)  # the nurse's workstation, while the GP has it open
    gp.set_value("patient.name", "Kari Endret Testesen")  # the GP edits and autosaves
    assert gp.save_now()
    mine = FollowUpEntry(at=datetime(2021, 11, 20, 10, tzinfo=UTC), note="fastlege")
    CourseWriter(gp).add_entry(mine)
    notes = {e.note for e in store.load(case.id).case.course.followups}
    assert {"sykepleier", "fastlege"} <= notes


def test_a_failed_write_keeps_the_form_open_and_the_case_unchanged(
        qtbot: QtBot, store: Store, pathway: Pathway, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.storage import StorageError

    case = in_progress()
    store.save(case)
    controller = _controller(store, pathway, case.id)
    before = len(controller.case.course.followups)

    def refused(*_args: object, **_kwargs: object) -> int:
        raise StorageError("Disken er full.")

    monkeypatch.setattr(store.course, "add", refused)
    dialog = FollowUpDialog(controller, CourseWriter(controller))
    qtbot.addWidget(dialog)
    said: list[str] = []
    dialog.save_failed = said.append  # type: ignore[method-assign]
    dialog.save()
    assert said == ["Disken er full."]
    assert not dialog.saved
    assert len(controller.case.course.followups) == before


def test_setting_the_taper_and_ending_the_course_are_audited_saves(
        qtbot: QtBot, store: Store, pathway: Pathway) -> None:
    from core.course.model import Continuation, CourseEnd, Evaluation

    case = in_progress()
    store.save(case)
    controller = _controller(store, pathway, case.id)
    writer = CourseWriter(controller)
    taper = controller.case.course.taper.model_copy(deep=True)
    assert taper.steps
    writer.set_continuation(Continuation(kind="taper"), taper)
    assert not controller.dirty
    assert store.audit_log(case.id)[-1].action == "taper"
    writer.set_evaluation(Evaluation(), CourseEnd(kind="completed", ended_on=date(2021, 11, 25)))
    assert store.audit_log(case.id)[-1].action == "complete"
    assert store.load(case.id).case.course.end.kind == "completed"


def test_start_window_status_words_and_day_line(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    for name in ("forlop-opioid-nedtrapping", "forlop-avbrutt-innleggelse", "opioid-komplett"):
        store.save(example(name))
    store.close()
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.open_storage()
    model = window.model
    rows = {model.drafts[r].id: r for r in range(model.rowCount())}
    opioid = rows[example("forlop-opioid-nedtrapping").id]
    stopped = rows[example("forlop-avbrutt-innleggelse").id]
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Forløp"
    assert model.data(model.index(opioid, 3)) == "Fullført"
    assert model.data(model.index(opioid, 4)) == "avsluttet 25.11.2021"
    assert model.data(model.index(stopped, 3)) == "Avbrutt"
    assert model.data(model.index(stopped, 4)).startswith("avbrutt ")
    window.close()


def test_course_screenshots_are_written(tmp_path: Path) -> None:
    from ui.course.screenshots import main

    assert main([str(tmp_path), "--language", "nn"]) == 0
    names = {p.name for p in tmp_path.glob("*.png")}
    assert {"course-view.png", "followup-form.png", "dose-dialog.png", "taper-dialog.png",
            "evaluation-dialog.png"} <= names
    assert all(p.stat().st_size > 10_000 for p in tmp_path.glob("*.png"))


def test_the_journal_text_of_a_day_is_copied_and_audited(open_course: OpenCourse,
                                                         store: Store) -> None:
    from PySide6.QtGui import QGuiApplication

    case = example("forlop-opioid-nedtrapping")
    window = open_course(case, date(2021, 11, 26))
    view = _view(window)
    row = next(r for r, day in enumerate(view.model.days) if day.day == date(2021, 11, 16))
    view.table.selectRow(row)
    text = view.copy_journal_text()
    assert text and QGuiApplication.clipboard().text() == text
    assert "Siri Testberg" in text  # who observed, from that day's entry
    assert "16. november 2021" in text
    assert store.audit_log(case.id)[-1].action == "copy"
    assert store.audit_log(case.id)[-1].details == {"kind": "course-journal", "count": 1}
    empty = next(r for r, day in enumerate(view.model.days) if not day.entries
                 and not day.decisions)
    view.table.selectRow(empty)
    assert view.copy_journal_text() == ""


def test_correcting_a_stored_entry_from_the_open_window_updates_its_row(
        open_course: OpenCourse, store: Store) -> None:
    """The window knows each entry's stored version, so a correction is an update, not a
    second entry (nor a conflict)."""
    case = in_progress()
    window = open_course(case)
    view = _view(window)
    entry = window.controller.case.course.followups[0].model_copy(deep=True)
    entry.note = "rettet etterpå"
    view.writer.update_entry(entry)
    rows = [row for row in store.course.list(case.id) if row.item_id == entry.id]
    assert [row.version for row in rows] == [2]
    assert store.load(case.id).case.course.followups[0].note == "rettet etterpå"
