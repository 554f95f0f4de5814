"""The wizard window: typing reaches the case and the store, reopening restores, navigation."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTableView, QWidget
from pytestqt.qtbot import QtBot

from core.content.pathway import Pathway
from core.storage import StorageError, Store
from i18n import _
from tests.ui.wizard_helpers import ROOT, OpenWizard, blank_case, example, wait_saved
from ui.wizard.progress import StepState
from ui.wizard.widgets import CheckRow, ChoiceCombo, DateField, RadioGroup
from ui.wizard.window import WizardWindow


def editor(window: WizardWindow, path: str) -> object:
    binding = window.binder.binding(path)
    assert binding is not None, path
    return binding.widget


def line(window: WizardWindow, path: str) -> QLineEdit:
    widget = editor(window, path)
    assert isinstance(widget, QLineEdit)
    return widget


def test_typing_changes_the_case_and_is_saved(qtbot: QtBot, open_wizard: OpenWizard,
                                              store: Store, pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway))
    name = line(window, "patient.name")
    qtbot.keyClicks(name, "Åse Øvelse Ærligsen")
    assert window.controller.case.patient.name == "Åse Øvelse Ærligsen"
    assert window.controller.dirty
    wait_saved(qtbot, window)
    stored = store.load(window.controller.case.id)
    assert stored.case.patient.name == "Åse Øvelse Ærligsen"
    assert window.save_label.text().startswith(_("Saved at {time}").split("{")[0])
    assert window.error_bar.isHidden()


def test_window_title_never_shows_the_patient(open_wizard: OpenWizard) -> None:
    case = example()
    window = open_wizard(case)
    title = window.windowTitle()
    assert case.patient.name not in title
    assert "Kari" not in title and case.patient.identity_number not in title
    assert title == _("Rekvirent – case")


def test_reopening_restores_fields_and_step(qtbot: QtBot, open_wizard: OpenWizard,
                                            pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway))
    qtbot.keyClicks(line(window, "patient.name"), "Ørjan Prøve Åsheim")
    date_field = editor(window, "consultation.date")
    assert isinstance(date_field, DateField)
    qtbot.keyClicks(date_field.edit, "15.11.2021")
    assert window.controller.case.consultation.date == date(2021, 11, 15)
    window.navigator.setCurrentRow(2)
    assert window.current_step == "findings"
    window.close()
    assert not window.isVisible()

    again = open_wizard()
    assert again.current_step == "findings"
    assert line(again, "patient.name").text() == "Ørjan Prøve Åsheim"
    reopened_date = editor(again, "consultation.date")
    assert isinstance(reopened_date, DateField)
    assert reopened_date.edit.text() == "15.11.2021"


def test_navigator_jumps_and_keyboard_moves(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="patient")
    assert window.current_step == "patient"
    rect = window.navigator.visualItemRect(window.navigator.item(5))
    qtbot.mouseClick(window.navigator.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert window.current_step == "medication"
    window.navigator.setFocus()
    qtbot.keyClick(window.navigator, Qt.Key.Key_Down)
    assert window.current_step == "plan"
    qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
    assert window.current_step == "medication"
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert window.current_step == "consent"
    assert window.isActiveWindow()
    qtbot.keyClick(window.next_button, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.current_step == "plan"
    assert window.back_button.text() == _("&Back")
    assert window.next_button.text() == _("&Next")


def test_step_change_saves_the_step(qtbot: QtBot, open_wizard: OpenWizard,
                                    store: Store) -> None:
    window = open_wizard(example(), step="patient")
    window.navigator.setCurrentRow(3)
    assert not window.controller.dirty
    assert store.load(window.controller.case.id).step == "risk"


def test_navigator_state_follows_the_fields(qtbot: QtBot, open_wizard: OpenWizard,
                                            pathway: Pathway) -> None:
    case = blank_case(pathway)
    window = open_wizard(case, step="findings")
    states = window.navigator.states
    assert states["patient"] is StepState.NOT_STARTED
    window.navigator.setCurrentRow(0)
    assert states["patient"] is StepState.IN_PROGRESS
    qtbot.keyClicks(line(window, "patient.name"), "Åse Øvelse Ærligsen")
    qtbot.keyClicks(line(window, "patient.identity_number"), "15888510026")  # wrong check digit
    assert states["patient"] is StepState.BLOCKED
    tooltip = window.navigator.item(0).toolTip()
    assert _("Blocked") in tooltip
    identity = line(window, "patient.identity_number")
    identity.selectAll()
    qtbot.keyClicks(identity, "15888510025")
    date_field = editor(window, "consultation.date")
    assert isinstance(date_field, DateField)
    qtbot.keyClicks(date_field.edit, "15.11.2021")
    # Only the warning about a synthetic number is left.
    assert states["patient"] is StepState.WARNINGS
    assert window.controller.case.patient.birth_date == date(1985, 8, 15)


def _pick(qtbot: QtBot, combo: ChoiceCombo, value: object) -> None:
    """Choose like the GP does with the keyboard: Home, then Down until the value shows."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _press in range(combo.count()):
        if combo.value() == value:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.value() == value


def test_blocked_then_complete(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="conditions")
    assert window.navigator.states["conditions"] is StepState.COMPLETE
    ordered_by = editor(window, "conditions.quarantine.ordered_by_role")
    assert isinstance(ordered_by, ChoiceCombo)
    _pick(qtbot, ordered_by, "not_ordered")
    assert window.controller.case.conditions.quarantine.self_chosen
    assert window.navigator.states["conditions"] is StepState.BLOCKED
    label = window.binder._labels["conditions.quarantine.ordered_by_role"]
    assert label.isVisibleTo(window) and label.findings[0].code == "C3_SELF_CHOSEN"
    _pick(qtbot, ordered_by, None)  # "not chosen": who ordered it must be recorded
    assert [f.code for f in label.findings] == ["C3_ORDER_MISSING"]
    _pick(qtbot, ordered_by, "municipal_doctor")
    assert window.navigator.states["conditions"] is StepState.COMPLETE
    assert not label.isVisibleTo(window)


def test_the_legal_reference_is_required(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="conditions")
    reference = line(window, "conditions.quarantine.legal_reference")
    assert "covid-19-forskriften § 7" in reference.placeholderText()
    reference.selectAll()
    qtbot.keyClick(reference, Qt.Key.Key_Backspace)
    label = window.binder._labels["conditions.quarantine.legal_reference"]
    assert [f.code for f in label.findings] == ["C3_LEGAL_REFERENCE_MISSING"]
    qtbot.keyClicks(reference, "covid-19-forskriften § 4")
    assert [f.code for f in label.findings] == ["C3_LEGAL_REFERENCE_MISMATCH"]
    reference.selectAll()
    qtbot.keyClicks(reference, "covid-19-forskriften § 7")
    assert not label.findings


def test_the_findings_the_seed_names_can_be_recorded(qtbot: QtBot,
                                                     open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="findings")
    case = window.controller.case
    label = window.binder._labels["findings.breathing_difficulty"]
    assert not label.findings
    group = editor(window, "findings.breathing_difficulty")
    assert isinstance(group, RadioGroup)
    yes = next(b for b in group.buttons() if b.text() == _("Yes"))
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    assert case.findings.breathing_difficulty == "yes"
    assert [f.code for f in label.findings] == ["CONSIDER_ADMISSION"]
    psychiatric = editor(window, "findings.serious_psychiatric_illness")
    assert isinstance(psychiatric, RadioGroup)
    qtbot.mouseClick(next(b for b in psychiatric.buttons() if b.text() == _("Yes")),
                     Qt.MouseButton.LeftButton)
    note = editor(window, "findings.comorbidity_note")
    assert isinstance(note, QPlainTextEdit)
    assert "COMORBIDITY_NOT_DESCRIBED" in {
        f.code for f in window.binder._labels["findings.comorbidity_note"].findings}
    qtbot.keyClicks(note, "Bipolar lidelse, manisk episode siste uke.")
    assert case.findings.comorbidity_note == "Bipolar lidelse, manisk episode siste uke."
    assert not window.binder._labels["findings.comorbidity_note"].findings
    pregnancy = editor(window, "findings.pregnancy")
    assert isinstance(pregnancy, ChoiceCombo)
    _pick(qtbot, pregnancy, "unknown")
    assert case.findings.pregnancy == "unknown"
    # Kari (36, female by her number) is of childbearing age: the status is still unknown.
    assert [f.code for f in window.binder._labels["findings.pregnancy"].findings] == [
        "PREGNANCY_STATUS_UNKNOWN"]


def test_sex_can_be_recorded_for_numbers_that_do_not_carry_it(
        qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example())
    sex = editor(window, "patient.sex")
    assert isinstance(sex, ChoiceCombo)
    assert sex.value() is None and sex.currentText() == _("From the identity number")
    _pick(qtbot, sex, "male")
    assert window.controller.case.patient.sex == "male"


def test_identity_number_feedback(qtbot: QtBot, open_wizard: OpenWizard,
                                  pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway))
    identity = line(window, "patient.identity_number")
    label = window.binder._labels["patient.identity_number"]
    qtbot.keyClicks(identity, "1588851002")
    assert [f.code for f in label.findings] == ["IDENTITY_LENGTH"]
    assert identity.accessibleDescription().startswith(_("Must be fixed"))
    qtbot.keyClicks(identity, "5")
    assert [f.code for f in label.findings] == ["IDENTITY_SYNTHETIC"]
    row = identity.parentWidget()
    assert "158885 *****" in row.hint.text()  # type: ignore[attr-defined]


def test_escape_discards_nothing(qtbot: QtBot, open_wizard: OpenWizard, pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway))
    name = line(window, "patient.name")
    qtbot.keyClicks(name, "Åse")
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible()
    assert window.controller.case.patient.name == "Åse"
    assert name.text() == "Åse"


def test_save_failure_shows_the_error_bar_and_retry_works(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, pathway: Pathway,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_wizard(blank_case(pathway))
    real_save = store.save

    def broken(*_args: object, **_kwargs: object) -> int:
        raise StorageError("Disken er full")

    monkeypatch.setattr(store, "save", broken)
    qtbot.keyClicks(line(window, "patient.name"), "Æsa Prøvesen")
    qtbot.waitUntil(lambda: window.error_bar.isVisible(), timeout=3000)
    assert "Disken er full" in window.error_bar.label.text()
    assert window.save_label.text() == _("Not saved")
    assert window.controller.case.patient.name == "Æsa Prøvesen"
    qtbot.mouseClick(window.error_bar.retry_button, Qt.MouseButton.LeftButton)
    assert window.error_bar.isVisible()  # still broken

    monkeypatch.setattr(store, "save", real_save)
    qtbot.mouseClick(window.error_bar.retry_button, Qt.MouseButton.LeftButton)
    assert not window.error_bar.isVisible()
    assert store.load(window.controller.case.id).case.patient.name == "Æsa Prøvesen"


def test_closing_with_a_failing_store_keeps_the_window(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, pathway: Pathway,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_wizard(blank_case(pathway))
    real_save = store.save
    monkeypatch.setattr(store, "save", lambda *a, **k: (_ for _ in ()).throw(
        StorageError("Databasen er låst")))
    asked: list[str] = []
    monkeypatch.setattr(window, "ask_unsaved", lambda reason: asked.append(reason) or "stay")
    qtbot.keyClicks(line(window, "patient.name"), "Øyvind")
    window.close()
    assert window.isVisible()
    assert asked and "låst" in asked[0]
    monkeypatch.setattr(store, "save", real_save)
    window.close()
    assert not window.isVisible()
    assert store.load(window.controller.case.id).case.patient.name == "Øyvind"


def test_diagnosis_rows_are_added_and_removed(qtbot: QtBot, open_wizard: OpenWizard,
                                              pathway: Pathway,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_wizard(blank_case(pathway), step="conditions")
    page = window.page("conditions")
    from ui.wizard import lists

    section = next(s for s in page.findChildren(lists.ListSection))
    qtbot.mouseClick(section.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(section.add_button, Qt.MouseButton.LeftButton)
    diagnoses = window.controller.case.conditions.dependence.diagnoses
    assert len(diagnoses) == 2
    name = line(window, "conditions.dependence.diagnoses.1.diagnosed_by_name")
    qtbot.keyClicks(name, "Overlege Åshild Prøve")
    assert diagnoses[1].diagnosed_by_name == "Overlege Åshild Prøve"
    monkeypatch.setattr(lists, "confirm", lambda *args: True)
    first_remove = section.rows[0].findChildren(type(section.add_button))[0]
    qtbot.mouseClick(first_remove, Qt.MouseButton.LeftButton)
    diagnoses = window.controller.case.conditions.dependence.diagnoses
    assert len(diagnoses) == 1
    assert line(window, "conditions.dependence.diagnoses.0.diagnosed_by_name").text() == (
        "Overlege Åshild Prøve")
    assert window.binder.binding("conditions.dependence.diagnoses.1.substance") is None


def test_wizard_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "import ui.wizard.window, ui.wizard.steps\n"
        "print(sorted(m for m in ('sqlalchemy', 'reportlab', 'alembic') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_tab_order_follows_the_form(qtbot: QtBot, open_wizard: OpenWizard,
                                    pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway))
    birth = editor(window, "patient.birth_date")
    assert isinstance(birth, DateField)
    sex = editor(window, "patient.sex")
    assert isinstance(sex, ChoiceCombo)
    expected = [line(window, "patient.identity_number"), birth.edit, sex,
                line(window, "patient.phone"), line(window, "patient.address")]
    line(window, "patient.name").setFocus()
    reached = []
    for _step in expected:
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert reached == expected


def test_every_editor_has_an_accessible_name(open_wizard: OpenWizard) -> None:
    window = open_wizard(example())
    for path in window.binder.paths():
        widget = editor(window, path)
        assert isinstance(widget, QWidget)
        target = widget.focusProxy() or widget
        names = {widget.accessibleName(), target.accessibleName()}
        if isinstance(widget, CheckRow):
            names.add(widget.box.accessibleName())
        assert any(names), path


def test_calendar_pick_sets_the_date(open_wizard: OpenWizard, pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway))
    field = editor(window, "conditions.quarantine.start")
    assert isinstance(field, DateField)
    field._picked(QDate(2021, 11, 13))
    assert window.controller.case.conditions.quarantine.start == date(2021, 11, 13)
    assert field.edit.text() == "13.11.2021"
    field.edit.selectAll()
    field.edit.insert("31.02.2021")  # no such day
    assert window.controller.case.conditions.quarantine.start is None
    assert not field.hint.isHidden()
    assert field.edit.text() == "31.02.2021"  # what was typed stays


def test_the_calendar_is_made_when_opened_and_picks_a_day(qtbot: QtBot, open_wizard: OpenWizard,
                                                          pathway: Pathway) -> None:
    """Clicking the arrow opens the calendar on the field's date (made only then: eight
    calendars per case would cost 2 MiB); Enter on the day after picks that day."""
    window = open_wizard(blank_case(pathway))
    window.go_to_field("conditions.quarantine.start")
    fields = window.findChildren(DateField)
    assert len(fields) >= 5 and all(f.button._calendar is None for f in fields)
    field = editor(window, "conditions.quarantine.start")
    assert isinstance(field, DateField)
    qtbot.keyClicks(field.edit, "13.11.2021")
    menu = field.button.menu()
    assert menu is not None
    qtbot.mouseClick(field.button, Qt.MouseButton.LeftButton)  # InstantPopup: menu opens
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    calendar = field.button._calendar
    assert calendar is not None and calendar.isVisible()
    assert calendar.selectedDate() == QDate(2021, 11, 13)
    assert [f for f in fields if f.button._calendar is not None] == [field]
    grid = calendar.findChild(QTableView)  # the day grid takes the keys
    assert grid is not None
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=2000)
    assert field.edit.text() == "14.11.2021"
    assert window.controller.case.conditions.quarantine.start == date(2021, 11, 14)


def test_reopening_shows_every_stored_value(open_wizard: OpenWizard) -> None:
    case = example("blandet-opioid-benzo-stimulant")
    window = open_wizard(case, step="risk")
    window.close()
    again = open_wizard()
    assert again.current_step == "risk"
    assert again.controller.case == case
    for path in again.binder.paths():
        binding = again.binder.binding(path)
        assert binding is not None
        value = again.controller.value(path)
        expected = binding.empty if value is None else value
        assert binding.read() == expected, path
