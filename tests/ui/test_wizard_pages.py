"""The step pages: live findings beside fields, deviations, lists, summary links, layout."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QScrollBar
from pytestqt.qtbot import QtBot

from core.case import Medication
from core.content.pathway import Pathway
from core.steps import STEP_IDS
from i18n import _
from tests.ui.wizard_helpers import ROOT, OpenWizard, blank_case, example
from ui.wizard.steps.consent import ConsentPage
from ui.wizard.steps.medication import MedicationPage, MedicationRow
from ui.wizard.steps.summary import SummaryPage
from ui.wizard.widgets import (
    CheckRow,
    ChoiceCombo,
    FindingLink,
    OptionalSpinBox,
    RadioGroup,
    wrapping_label,
)
from ui.wizard.window import WizardWindow


def editor(window: WizardWindow, path: str) -> object:
    binding = window.binder.binding(path)
    assert binding is not None, path
    return binding.widget


def medication_row(window: WizardWindow, index: int = 0) -> MedicationRow:
    page = window.page("medication")
    assert isinstance(page, MedicationPage)
    rows = page.medications.rows[index].findChildren(MedicationRow)
    assert rows
    return rows[0]


def test_dose_above_range_shows_a_finding_and_the_justification(
        qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="medication")
    row = medication_row(window)
    assert "8–16\u00a0mg" in row.dose.hint.text()  # type: ignore[union-attr]
    assert row.deviation.isHidden()
    dose = editor(window, "medications.0.daily_dose")
    assert isinstance(dose, QLineEdit)
    dose.selectAll()
    qtbot.keyClicks(dose, "24")
    assert window.controller.case.medications[0].daily_dose == "24"
    assert [f.code for f in row.dose_deviation.findings] == ["DOSE_ABOVE_RANGE"]
    assert row.dose_deviation.isVisibleTo(window)
    assert "24" in row.dose_deviation.findings[0].message
    assert row.deviation.isVisibleTo(window)
    # Justify: the blocker becomes a warning shown at the dose itself.
    justification = editor(window, "medications.0.deviation_justification")
    assert isinstance(justification, QPlainTextEdit)
    qtbot.keyClicks(justification, "Høy toleranse etter lang bruk; avtalt økning.")
    agreed = editor(window, "medications.0.deviation_agreed_by")
    assert isinstance(agreed, QLineEdit)
    qtbot.keyClicks(agreed, "Overlege Åse Spesialist")
    dose_label = window.binder._labels["medications.0.daily_dose"]
    assert [f.code for f in dose_label.findings] == ["DOSE_ABOVE_RANGE"]
    assert dose_label.findings[0].severity.value == "warning"
    assert not row.dose_deviation.findings
    assert row.deviation.isVisibleTo(window)  # stays: something is written in it


def test_drug_choice_changes_formulations_and_consent_items(
        qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="medication")
    drug = editor(window, "medications.0.drug")
    assert isinstance(drug, ChoiceCombo)
    formulation = editor(window, "medications.0.formulation")
    assert isinstance(formulation, ChoiceCombo)
    drug.setFocus()
    index = drug._values.index("methadone")
    drug.setCurrentIndex(index)
    drug.activated.emit(index)
    assert window.controller.case.medications[0].drug == "methadone"
    assert {"oral_solution", "tablet"} <= set(formulation._values)
    row = medication_row(window)
    assert [f.code for f in row.drug_deviation.findings] == ["EXCEPTION_DRUG"]
    consent = window.page("consent")
    assert isinstance(consent, ConsentPage)
    assert "K5" in consent.items.shown


def test_medication_rows_can_be_added(qtbot: QtBot, open_wizard: OpenWizard,
                                      pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway), step="medication")
    page = window.page("medication")
    assert isinstance(page, MedicationPage)
    qtbot.mouseClick(page.medications.add_button, Qt.MouseButton.LeftButton)
    assert window.controller.case.medications == [Medication()]
    drug = editor(window, "medications.0.drug")
    assert isinstance(drug, ChoiceCombo)
    qtbot.waitUntil(drug.hasFocus, timeout=2000)
    dose = editor(window, "medications.0.daily_dose")
    assert isinstance(dose, QLineEdit)
    qtbot.keyClicks(dose, "7,5 mg")
    assert window.controller.case.medications[0].daily_dose == "7,5 mg"


def test_spin_boxes_have_a_not_measured_state(qtbot: QtBot, open_wizard: OpenWizard,
                                              pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway), step="findings")
    rate = editor(window, "findings.respiratory_rate")
    assert isinstance(rate, OptionalSpinBox)
    assert rate.text() == _("Not measured")
    rate.setFocus()
    qtbot.keyClicks(rate, "8")
    assert window.controller.case.findings.respiratory_rate == 8
    label = window.binder._labels["findings.respiratory_rate"]
    assert [f.code for f in label.findings] == ["RESPIRATORY_RATE_LOW"]
    rate.lineEdit().selectAll()
    qtbot.keyClick(rate, Qt.Key.Key_Backspace)
    assert window.controller.case.findings.respiratory_rate is None
    assert not label.findings


def test_radio_answers_and_extra_risk_points(qtbot: QtBot, open_wizard: OpenWizard,
                                             pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway), step="risk")
    group = editor(window, "risk.R1.assessment")
    assert isinstance(group, RadioGroup)
    high = group.buttons()[2]
    qtbot.mouseClick(high, Qt.MouseButton.LeftButton)
    assert window.controller.case.risk["R1"].assessment == "high"
    note_label = window.binder._labels["risk.R1.note"]
    assert [f.code for f in note_label.findings] == ["RISK_HIGH_WITHOUT_NOTE"]
    note = editor(window, "risk.R1.note")
    assert isinstance(note, QPlainTextEdit)
    qtbot.keyClicks(note, "Svært uklar; tett oppfølging to ganger daglig.")
    assert not note_label.findings


def test_measures_and_consent_items_are_bound(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="measures")
    chosen = editor(window, "measures.T1.chosen")
    assert isinstance(chosen, CheckRow)
    assert chosen.value()
    qtbot.mouseClick(chosen.label, Qt.MouseButton.LeftButton)
    assert not window.controller.case.measures["T1"].chosen
    assert window.navigator.states["measures"].value == "warnings"
    window.navigator.setCurrentRow(STEP_IDS.index("consent"))
    explained = editor(window, "consent.items_explained.K3")
    assert isinstance(explained, CheckRow)
    qtbot.mouseClick(explained.box, Qt.MouseButton.LeftButton)
    assert window.controller.case.consent.items_explained["K3"] is False


def test_summary_links_focus_the_field(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    case = example()
    case.medications[0].daily_dose = "40"
    case.plan.patient_contact_phone = ""
    window = open_wizard(case, step="summary")
    page = window.page("summary")
    assert isinstance(page, SummaryPage)
    fields = {link.finding.field: link for link in page.links}
    assert "medications.0.deviation_justification" in fields
    link = fields["plan.patient_contact_phone"]
    assert isinstance(link, FindingLink)
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert window.current_step == "plan"
    target = editor(window, "plan.patient_contact_phone")
    qtbot.waitUntil(lambda: target.hasFocus(), timeout=2000)  # type: ignore[attr-defined]

    window.navigator.setCurrentRow(STEP_IDS.index("summary"))
    link = next(x for x in page.links if x.finding.field.endswith("deviation_justification"))
    link.setFocus()
    qtbot.keyClick(link, Qt.Key.Key_Return)
    assert window.current_step == "medication"
    justification = editor(window, "medications.0.deviation_justification")
    qtbot.waitUntil(lambda: justification.hasFocus(), timeout=2000)  # type: ignore[attr-defined]


def test_summary_shows_the_journal_preview(open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="summary")
    page = window.page("summary")
    assert isinstance(page, SummaryPage)
    text = page.preview.toPlainText()
    assert text.strip()
    assert page.preview.isReadOnly()
    assert page.export_buttons.objectName() == "export_buttons"
    if "not available" not in text and "ikke tilgjengelig" not in text:
        assert "Kari Syntetisk Testesen" in text


def test_validity_banner(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="patient")
    assert window.banner.isHidden()  # 15.11.2021 is inside the validity
    exercise = editor(window, "consultation.exercise_mode")
    assert isinstance(exercise, CheckRow)
    qtbot.mouseClick(exercise.box, Qt.MouseButton.LeftButton)
    assert window.banner.isVisible()
    qtbot.mouseClick(exercise.box, Qt.MouseButton.LeftButton)
    assert window.banner.isHidden()
    window.controller.set_value("consultation.date", date(2022, 1, 5))
    assert window.banner.isVisible()
    assert "2022" in window.banner.label.text()
    window.navigator.setCurrentRow(4)
    assert window.banner.isVisible()  # on every step


def _assert_fits(window: WizardWindow, width: int, height: int) -> None:
    window.resize(width, height)
    minimum = window.minimumSizeHint()
    assert minimum.width() <= width and minimum.height() <= height, minimum
    for index, step in enumerate(STEP_IDS):
        window.show_step(index, save=False)
        QApplication.processEvents()
        page = window.page(step)
        needed = page.content.minimumSizeHint().width()
        assert needed <= page.viewport().width(), (step, needed, page.viewport().width())
        bar = page.horizontalScrollBar()
        assert isinstance(bar, QScrollBar)
        assert not bar.isVisible(), step


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (910, 512)])
def test_nothing_clips_at_1366x768_and_at_150_percent(
        open_wizard: OpenWizard, width: int, height: int) -> None:
    """910×512 logical pixels is what 1366×768 offers at 150 % scaling."""
    window = open_wizard(example(), step="patient")
    _assert_fits(window, width, height)


def test_long_names_and_notes_do_not_break_the_layout(open_wizard: OpenWizard) -> None:
    case = example()
    case.patient.name = "Åse-Øydis Ærligsen-Prøvestadmoen " * 20
    case.patient.stay_location = "Karantenehotellet" * 100
    case.risk["R1"].note = ("Langt notat med mange ord om kognitiv funksjon. " * 50)[:2000]
    case.plan.daily_follow_up = "x" * 2000
    window = open_wizard(case, step="patient")
    _assert_fits(window, 910, 512)


def test_screenshots_of_every_step(open_wizard: OpenWizard, tmp_path: Path) -> None:
    from ui.wizard.screenshots import grab_steps

    window = open_wizard(example(), step="patient")
    files = grab_steps(window, tmp_path, size=(1366, 768))
    assert len(files) == len(STEP_IDS)
    assert all(f.stat().st_size > 10_000 for f in files)


def test_at_150_percent_scaling_in_a_fresh_process(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from ui.wizard.screenshots import main\n"
        f"sys.exit(main([{str(tmp_path)!r}, '--check']))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="1.5")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(tmp_path.glob("*.png"))) == len(STEP_IDS)


def test_wrapping_labels_wrap() -> None:
    label = wrapping_label("ord " * 200)
    assert label.wordWrap() and label.sizePolicy().hasHeightForWidth()
