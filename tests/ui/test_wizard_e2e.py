"""A whole consultation through the UI only, from "Ny sak" to "nothing stops the export".

The test starts at the start window, answers the prescriber-profile and new-case dialogs by
typing and clicking, fills every step with Tab, typed keys, Space and arrow keys (never a
``setText``/``setValue`` on a widget, never a write to the model), checks that the summary
reports no blockers, closes everything for real, opens a new start window on the same data
directory and checks every typed field — in the database and in the reopened widgets — and
the step the GP was on.

Below it: findings that appear and disappear beside their fields as doses and vital signs
change; the navigator's step states as a case is filled; keyboard and screen-reader friction
found while driving the wizard; undo after removing a row; and the PySide6 reference leak
that aborts a long typing session on Python 3.11.

(QTest types only characters it has a key for: Æ, Ø and Å work; é and – do not, so the
typed texts avoid them.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QMessageBox,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core import keys
from core.casepath import get_value
from core.content import load_library
from core.content.pathway import Pathway
from core.findings import Severity
from core.settings import load_settings
from core.steps import STEP_IDS
from core.storage import Store
from i18n import _
from tests.ui.wizard_helpers import (
    ROOT,
    ModalAnswerer,
    OpenWizard,
    Typist,
    blank_case,
    example,
    focus_target,
)
from ui.start_window import StartWindow
from ui.wizard.dialogs import NewCaseDialog, ProfileDialog
from ui.wizard.lists import ListSection
from ui.wizard.navigator import STATE_ROLE
from ui.wizard.progress import STATE_WORDS, StepState
from ui.wizard.steps.consent import ConsentPage
from ui.wizard.steps.medication import MedicationPage, MedicationRow
from ui.wizard.steps.summary import SummaryPage
from ui.wizard.widgets import DateField, FindingItem, FindingsLabel, RadioGroup
from ui.wizard.window import WizardWindow

OSLO = ZoneInfo("Europe/Oslo")

PATIENT = "Ærlige Østmo-Åsen"
IDENTITY = "15888510025"  # synthetic (Skatteetaten's test range): a warning, never a blocker

PROFILE = {
    "name": "Lege Åsmund Ærø-Prøvesen",
    "hpr_number": "9144889",
    "workplace": "Prøvestad legesenter",
    "municipality": "Øvre Prøvestad kommune",
    "phone": "22 00 00 00",
}

#: 2,000 characters with Norwegian letters, typed key by key into "Other findings".
LONG_NOTE = ("Pasienten forteller om søvnvansker og økende uro; ærlig om bruken. " * 40)[:2000]


def _start_window(qtbot: QtBot, data_dir: Path) -> StartWindow:
    window = StartWindow(data_dir=data_dir)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_storage()
    assert window.store is not None
    return window


def _activate(qtbot: QtBot, window: WizardWindow) -> None:
    window.resize(1366, 768)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)


def _answer_profile(qtbot: QtBot) -> object:
    def answer(dialog: ProfileDialog) -> None:
        for key, text in PROFILE.items():
            edit = dialog.edits[key]
            qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
            qtbot.keyClicks(edit, text)
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    return answer


def _answer_new_case(qtbot: QtBot, seen: dict[str, object]) -> object:
    def answer(dialog: NewCaseDialog) -> None:
        # The pathway in force today (the tapering plan) is preselected; this case is the
        # quarantine pathway's, chosen with the keyboard.
        seen["preselected"] = dialog.pathway().key
        dialog.list.setFocus()
        keys = [p.key for p in dialog.pathways]
        target = keys.index(("karantene-substitusjon", 1))
        key = Qt.Key.Key_Down if target > dialog.list.currentRow() else Qt.Key.Key_Up
        while dialog.list.currentRow() != target:
            qtbot.keyClick(dialog.list, key)
        seen["pathway"] = dialog.pathway().key
        seen["exercise"] = dialog.exercise_mode()
        seen["status"] = dialog.status.text()
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    return answer


def _next_step(qtbot: QtBot, window: WizardWindow, step: str) -> None:
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert window.current_step == step
    assert not window.controller.dirty  # a step change saves at once


def _fill_patient(t: Typist, qtbot: QtBot) -> None:
    w = t.window
    t.click_into(t.widget("patient.name"))
    qtbot.keyClicks(QApplication.focusWidget(), PATIENT)
    t.typed["patient.name"] = PATIENT
    t.line("patient.identity_number", IDENTITY)
    # The birth date is filled in from the identity number (not typed).
    t.typed["patient.birth_date"] = date(1985, 8, 15)
    t.line("patient.phone", "400 00 000")
    t.line("patient.address", "Prøvevegen 1, 0000 Øvre Prøvestad")
    t.line("patient.stay_location", "Karantenehotellet i Prøvestad, rom 214")
    t.line("patient.next_of_kin", "Søster, Åse Østmo, tlf. 400 00 001")
    t.choose("patient.preferred_language", _("Norwegian Nynorsk"), "nn")
    t.line("prescriber.workplace", "Prøvestad legesenter, Åsvegen 2", replace=True)
    # The consultation took place while the 2021 rule was in force: retype the date and
    # take the case out of exercise mode.
    t.date("consultation.date", "15.11.2021", date(2021, 11, 15), replace=True)
    t.choose("consultation.form", _("In person"), "physical")
    t.line("consultation.place", "Karantenehotellet, pasientens rom")
    assert w.banner.isVisible()  # still an exercise
    t.check("consultation.exercise_mode", expected=False)
    assert w.banner.isHidden()


def _fill_conditions(t: Typist, pathway: Pathway) -> None:
    page = t.window.page("conditions")
    diagnoses = next(s for s in page.findChildren(ListSection)
                     if s.path == "conditions.dependence.diagnoses")
    t.press(diagnoses.add_button)
    t.wait_focus_on("conditions.dependence.diagnoses.0.substance")
    base = "conditions.dependence.diagnoses.0"
    opioids = pathway.substance("opioids")
    assert opioids is not None
    t.choose(f"{base}.substance", opioids.name.get("nb"), "opioids")
    t.choose(f"{base}.icd10", "F11.2", "F11.2")
    t.choose(f"{base}.diagnosed_by", _("Specialist in addiction medicine"), "specialist")
    t.line(f"{base}.diagnosed_by_name", "Overlege Øystein Spesialist")
    t.date(f"{base}.diagnosis_date", "15.11.2021", date(2021, 11, 15))
    t.text("conditions.dependence.note", "Heroinavhengighet i ti år; tidligere i LAR.")
    plan = "conditions.plan"
    t.line(f"{plan}.unit", "TSB, Avdeling for rus og avhengighet, Prøvestad sjukehus")
    t.line(f"{plan}.person", "Overlege Øystein Spesialist")
    t.line(f"{plan}.person_phone", "22 11 11 11")
    t.date(f"{plan}.contacted_at", "15.11.2021 08:30",
           datetime(2021, 11, 15, 8, 30, tzinfo=OSLO).astimezone(UTC))
    t.choose(f"{plan}.channel", _("Phone"), "phone")
    t.choose(f"{plan}.starts_treatment", _("Primary health care"), "primary")
    t.text(f"{plan}.agreed", "Midlertidig stabiliserende behandling under isoleringen.")
    t.line(f"{plan}.carries_out", "Fastlegen med kommunens rustjeneste")
    t.line(f"{plan}.follows_up", "Fastlegen daglig; TSB ved behov")
    q = "conditions.quarantine"
    t.choose(f"{q}.kind", _("Isolation"), "isolation")
    t.line(f"{q}.legal_reference", "covid-19-forskriften § 7")
    t.date(f"{q}.start", "13.11.2021", date(2021, 11, 13))
    t.date(f"{q}.expected_end", "23.11.2021", date(2021, 11, 23))
    t.choose(f"{q}.ordered_by_role", _("The municipal doctor"), "municipal_doctor")
    t.line(f"{q}.ordered_by", "Kommuneoverlegen i Øvre Prøvestad")
    t.line(f"{q}.basis", "Positiv PCR-test 12.11.2021")
    t.check("conditions.patient_need_only")


def _fill_findings(t: Typist, pathway: Pathway) -> None:
    page = t.window.page("findings")
    uses = next(s for s in page.findChildren(ListSection) if s.path == "substance_use")
    t.click_into(uses.add_button)  # the page's first stop; click it with the mouse
    t.wait_focus_on("substance_use.0.substance")
    opioids = pathway.substance("opioids")
    assert opioids is not None
    t.choose("substance_use.0.substance", opioids.name.get("nb"), "opioids")
    t.line("substance_use.0.amount", "ca. 0,5 g heroin")
    t.line("substance_use.0.route", "injeksjon")
    t.line("substance_use.0.frequency", "daglig")
    t.line("substance_use.0.last_use", "14.11.2021 kveld")
    t.number("findings.respiratory_rate", 16)
    t.number("findings.oxygen_saturation", 97)
    t.number("findings.pulse", 88)
    t.number("findings.qtc_ms", 420)
    t.text("findings.intoxication_signs", "Ingen tegn til påvirkning.")
    t.text("findings.withdrawal_signs", "Uro, gjesping og svette; økende abstinens.")
    for path in ("findings.breathing_difficulty", "findings.reduced_general_condition",
                 "findings.covid_respiratory_symptoms", "findings.lung_disease",
                 "findings.heart_disease", "findings.serious_somatic_illness",
                 "findings.serious_psychiatric_illness"):
        t.radio(path, _("No"), "no")
    t.choose("findings.pregnancy", _("Not relevant"), "not_relevant")
    t.text("findings.other", LONG_NOTE)


def _fill_risk(t: Typist, pathway: Pathway) -> None:
    labels = {o.id: o.label.get("nb") for o in pathway.assessment_options}
    for number, point in enumerate(pathway.risk_points):
        choice = "moderate" if number % 4 == 2 else "low"
        t.radio(f"risk.{point.id}.assessment", labels[choice], choice)
        t.text(f"risk.{point.id}.note", f"Vurdert {number + 1}: ærlig samtale, få tegn.")
    page = t.window.page("risk")
    extra = next(s for s in page.findChildren(ListSection) if s.path == "extra_risk_points")
    t.press(extra.add_button)
    t.wait_focus_on("extra_risk_points.0.title")
    t.line("extra_risk_points.0.title", "Hund på rommet")
    t.radio("extra_risk_points.0.assessment", labels["low"], "low")
    t.text("extra_risk_points.0.note", "Søsteren passer hunden.")


def _fill_measures(t: Typist) -> None:
    # Each measure is three stops (tick, help, details): the first two are passed by.
    t.text("measures.T3.details", "Inntak under tilsyn hver morgen kl. 09.", limit=12)
    t.check("measures.T12.chosen", expected=False, limit=30)
    page = t.window.page("measures")
    extra = next(s for s in page.findChildren(ListSection) if s.path == "extra_measures")
    t.press(extra.add_button)
    t.wait_focus_on("extra_measures.0.title")
    t.line("extra_measures.0.title", "Matlevering")
    t.text("extra_measures.0.details", "Kommunen leverer mat på døra to ganger daglig.")


def _fill_medication(t: Typist, pathway: Pathway) -> None:
    page = t.window.page("medication")
    medications = next(s for s in page.findChildren(ListSection) if s.path == "medications")
    t.click_into(medications.add_button)
    t.wait_focus_on("medications.0.drug")
    base = "medications.0"
    drug = pathway.drug("buprenorphine_naloxone")
    assert drug is not None
    t.choose(f"{base}.drug", drug.name.get("nb"), drug.id)
    # One formulation only: filled in for the GP.
    t.typed[f"{base}.formulation"] = "sublingual_tablet"
    t.line(f"{base}.daily_dose", "12")
    t.line(f"{base}.schedule", "12 mg en gang daglig under tilsyn")
    t.date(f"{base}.start_date", "15.11.2021", date(2021, 11, 15))
    t.date(f"{base}.planned_end", "07.12.2021", date(2021, 12, 7))
    t.text(f"{base}.taper_plan", "Nedtrapping etter isoleringen, se planen.")


def _fill_plan(t: Typist) -> None:
    p = "plan"
    t.line(f"{p}.starts_by", "Fastlege Åsmund Ærø-Prøvesen")
    t.line(f"{p}.carried_out_by", "Kommunens rustjeneste")
    t.line(f"{p}.followed_up_by", "Fastlegen, daglig")
    t.line(f"{p}.supervision_frequency", "Daglig kl. 09")
    t.line(f"{p}.supervised_by", "Sjukepleiar frå rustjenesta")
    t.line(f"{p}.delivered_by", "Rustjenesten henter på apoteket")
    t.number(f"{p}.post_dose_observation_minutes", 30)
    t.text(f"{p}.daily_follow_up", "Samtale før dosen om bruk siden sist.")
    t.text(f"{p}.evaluation", "Dag 3 og dag 7 sammen med TSB.")
    t.text(f"{p}.admission_criteria", "Pustebesvær, metning under 94 %.")
    t.text(f"{p}.end_of_isolation", "Gradvis nedtrapping eller overgang til LAR.")
    t.text(f"{p}.taper", "Redusere med 2-4 mg hver 2.-3. dag.")
    t.choose(f"{p}.lar_referral", _("Wants a referral to LAR"), "wanted")
    t.line(f"{p}.patient_contact_name", "Rustjenesten, vakttelefon")
    t.line(f"{p}.patient_contact_phone", "400 12 345")
    t.text(f"{p}.psychosocial_follow_up", "Rustkonsulent ringer daglig.")
    t.text(f"{p}.practical_needs", "Mat leveres til rommet; hjelp med klær.")


def _fill_consent(t: Typist) -> None:
    page = t.window.page("consent")
    assert isinstance(page, ConsentPage)
    assert "K1" in page.items.shown
    for item in list(page.items.shown):
        t.check(f"consent.items_explained.{item}")
    t.choose("consent.capacity", _("Has capacity to consent"), "full")
    t.text("consent.capacity_note", "Forstår informasjonen og kan gjengi hovudpunkta.")
    t.choose("consent.form_language", _("Norwegian Nynorsk"), "nn")
    t.check("consent.english_reading_copy")
    t.choose("consent.status", _("Obtained in writing"), "obtained")
    t.text("consent.patient_questions", "Spurte kva som skjer etter isoleringa; svart.")


def test_a_whole_case_through_the_ui_and_back_from_the_database(
        qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pathway = load_library().get("karantene-substitusjon", 1)
    assert pathway is not None
    start = _start_window(qtbot, data_dir)

    # ---- "Ny sak": the profile is asked for (first time), then the pathway ---------------
    seen: dict[str, object] = {}
    answerer = ModalAnswerer({ProfileDialog: _answer_profile(qtbot),
                              NewCaseDialog: _answer_new_case(qtbot, seen)})
    qtbot.mouseClick(start.new_button, Qt.MouseButton.LeftButton)
    answerer.stop()
    assert answerer.answered == ["ProfileDialog", "NewCaseDialog"]
    assert seen["preselected"] == ("nedtrappingsplan", 1)
    assert seen["pathway"] == pathway.key
    assert seen["exercise"] is True  # the 2021 rule has expired: preselected as an exercise
    assert "2021" in str(seen["status"])
    assert load_settings(data_dir).prescriber.name == PROFILE["name"]
    assert len(start.wizards) == 1
    window = next(iter(start.wizards.values()))
    case_id = window.controller.case.id
    _activate(qtbot, window)
    assert window.current_step == "patient"
    assert window.windowTitle() == _("Rekvirent – case")

    t = Typist(qtbot, window)
    for key, value in PROFILE.items():
        t.typed[f"prescriber.{key}"] = value  # typed into the profile dialog

    # ---- every step ---------------------------------------------------------------------
    _fill_patient(t, qtbot)
    _next_step(qtbot, window, "conditions")
    _fill_conditions(t, pathway)
    _next_step(qtbot, window, "findings")
    _fill_findings(t, pathway)
    _next_step(qtbot, window, "risk")
    _fill_risk(t, pathway)
    _next_step(qtbot, window, "measures")
    _fill_measures(t)
    _next_step(qtbot, window, "medication")
    _fill_medication(t, pathway)
    _next_step(qtbot, window, "plan")
    _fill_plan(t)
    _next_step(qtbot, window, "consent")
    _fill_consent(t)
    _next_step(qtbot, window, "summary")
    t.text("journal_addition", "Pasienten ønskjer oppfølging frå fastlegen etterpå.")

    # Everything typed reached the case.
    case = window.controller.case
    for path, value in t.typed.items():
        assert get_value(case, path) == value, path
    assert len(case.findings.other) == 2000

    # ---- the summary: nothing stops the export ------------------------------------------
    controller = window.controller
    assert not controller.has_blockers(), [
        (f.code, f.field) for f in controller.findings if f.severity is Severity.BLOCKER]
    summary = window.page("summary")
    assert isinstance(summary, SummaryPage)
    qtbot.waitUntil(lambda: summary.status.text().startswith(_("Nothing stops the export.")),
                    timeout=3000)
    assert all(link.finding.severity is not Severity.BLOCKER for link in summary.links)
    assert {link.finding.code for link in summary.links} == {
        f.code for f in controller.findings if f.severity is Severity.WARNING}
    for step in STEP_IDS[:-1]:
        assert window.navigator.states[step].value in ("complete", "warnings"), step
    assert PATIENT in summary.preview.toPlainText()

    # ---- close for real, and the start window with its store ----------------------------
    assert window.close()
    assert case_id not in start.wizards
    assert start.close()
    assert start.store is None

    key = keys.load_key(data_dir)
    assert key is not None  # the start window encrypted the data with a keyring key
    stored = Store.open(data_dir=data_dir, cipher=key.cipher())
    try:
        loaded = stored.load(case_id)
    finally:
        stored.close()
    assert loaded.step == "summary"
    for path, value in t.typed.items():
        assert get_value(loaded.case, path) == value, path

    # ---- a new start window on the same data: open the draft with the keyboard -----------
    again = _start_window(qtbot, data_dir)
    assert again.model.rowCount() == 1
    assert again.model.drafts[0].patient_name == PATIENT
    again.table.setFocus()
    qtbot.keyClick(again.table, Qt.Key.Key_Down)
    qtbot.keyClick(again.table, Qt.Key.Key_Return)
    reopened = again.wizards[case_id]
    assert reopened.current_step == "summary"
    for path, value in t.typed.items():
        binding = reopened.binder.binding(path)
        assert binding is not None, path
        assert binding.read() == value, path
    assert reopened.controller.case == loaded.case
    assert again.close()


# --------------------------------------------------------------------------------------
# Findings beside their fields, appearing and disappearing as the GP types
# --------------------------------------------------------------------------------------


def _retype(t: Typist, path: str, text: str) -> None:
    """Put the cursor in the field with the mouse, select all and type over it."""
    target = focus_target(t.widget(path))
    t.click_into(target)
    t.qtbot.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    t.qtbot.keyClicks(target, text)


def _shown_texts(label: FindingsLabel) -> list[str]:
    """What the GP reads under a field (only when the label is on screen)."""
    QApplication.processEvents()  # new items are shown by their layout a turn later
    if not label.isVisible():
        return []
    return [item.text.text() for item in label.findChildren(FindingItem) if item.isVisible()]


def test_a_dose_above_the_range_is_explained_beside_the_dose_until_it_is_fixed(
        qtbot: QtBot, open_wizard: OpenWizard) -> None:
    window = open_wizard(example(), step="medication")
    t = Typist(qtbot, window)
    page = window.page("medication")
    assert isinstance(page, MedicationPage)
    row = page.medications.rows[0].findChildren(MedicationRow)[0]
    dose = focus_target(t.widget("medications.0.daily_dose"))
    assert _shown_texts(row.dose_deviation) == []
    assert window.navigator.states["medication"] is StepState.COMPLETE

    _retype(t, "medications.0.daily_dose", "24")
    texts = _shown_texts(row.dose_deviation)
    assert len(texts) == 1 and "24" in texts[0] and "8–16" in texts[0]  # words, not a colour
    # Read out at the dose too, where the choice was made:
    assert dose.accessibleDescription() == f"{_('Must be fixed')}: {texts[0]}"
    assert row.deviation.isVisible()
    assert window.navigator.states["medication"] is StepState.IN_PROGRESS

    _retype(t, "medications.0.daily_dose", "mye")
    label = window.binder._labels["medications.0.daily_dose"]
    assert [f.code for f in label.findings] == ["DOSE_UNREADABLE"]
    assert dose.accessibleDescription().startswith(_("Must be fixed"))
    assert _shown_texts(row.dose_deviation) == []
    assert window.navigator.states["medication"] is StepState.BLOCKED

    _retype(t, "medications.0.daily_dose", "16")
    assert _shown_texts(label) == [] and _shown_texts(row.dose_deviation) == []
    assert dose.accessibleDescription() == ""
    assert row.deviation.isHidden()
    assert window.navigator.states["medication"] is StepState.COMPLETE
    assert window.controller.case.medications[0].daily_dose == "16"


def test_low_saturation_appears_and_disappears(qtbot: QtBot, open_wizard: OpenWizard,
                                               pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway), step="findings")
    t = Typist(qtbot, window)
    label = window.binder._labels["findings.oxygen_saturation"]
    spin = focus_target(t.widget("findings.oxygen_saturation"))
    assert _shown_texts(label) == []
    assert window.navigator.states["findings"] is StepState.COMPLETE

    _retype(t, "findings.oxygen_saturation", "85")
    texts = _shown_texts(label)
    assert len(texts) == 1 and "85" in texts[0] and "94" in texts[0]
    assert spin.accessibleDescription().startswith(_("Warning"))
    assert window.navigator.states["findings"] is StepState.WARNINGS
    # The same low saturation asks for the diazepam consent item once diazepam is chosen,
    # and makes the rule engine point at admission: the finding is not only beside the field.
    assert "CONSIDER_ADMISSION" in {f.code for f in window.controller.findings}

    _retype(t, "findings.oxygen_saturation", "30")
    assert [f.code for f in label.findings] == ["SATURATION_IMPLAUSIBLE"]
    assert spin.accessibleDescription().startswith(_("Must be fixed"))
    assert window.navigator.states["findings"] is StepState.BLOCKED

    _retype(t, "findings.oxygen_saturation", "97")
    assert _shown_texts(label) == [] and spin.accessibleDescription() == ""
    assert "CONSIDER_ADMISSION" not in {f.code for f in window.controller.findings}
    assert window.navigator.states["findings"] is StepState.COMPLETE
    assert window.controller.case.findings.oxygen_saturation == 97


def _state(window: WizardWindow, step: str) -> tuple[StepState, str]:
    """The state in the model and the words the navigator shows (and reads out) for it."""
    item = window.navigator.item(STEP_IDS.index(step))
    words = str(item.data(STATE_ROLE))
    state = window.navigator.states[step]
    assert words == _(STATE_WORDS[state])
    assert words in item.toolTip() and words in str(
        item.data(Qt.ItemDataRole.AccessibleTextRole))
    return state, words


def test_step_states_follow_the_typing(qtbot: QtBot, open_wizard: OpenWizard,
                                       pathway: Pathway) -> None:
    """One step through all five states: not started, in progress, has warnings, blocked,
    complete — each shown in words in the navigator."""
    window = open_wizard(blank_case(pathway), step="patient")
    t = Typist(qtbot, window)
    assert _state(window, "plan") == (StepState.NOT_STARTED, _("Not started"))

    rect = window.navigator.visualItemRect(window.navigator.item(STEP_IDS.index("plan")))
    qtbot.mouseClick(window.navigator.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_step == "plan"
    # Opened: the contact phone is required and still empty.
    assert _state(window, "plan") == (StepState.IN_PROGRESS, _("In progress"))

    t.click_into(t.widget("plan.patient_contact_name"))
    t.line("plan.patient_contact_phone", "400 12 345")
    assert _state(window, "plan") == (StepState.WARNINGS, _("Has warnings"))
    assert {f.code for f in window.controller.findings_for_step("plan")} == {
        "NO_DAILY_SUPERVISION", "NO_PLAN_AFTER_ISOLATION"}

    t.click_into(t.widget("plan.taper"))
    t.choose("plan.lar_referral", _("Already in LAR"), "already_in_lar")
    assert _state(window, "plan") == (StepState.BLOCKED, _("Blocked"))
    t.choose("plan.lar_referral", _("Wants a referral to LAR"), "wanted")
    assert _state(window, "plan") == (StepState.WARNINGS, _("Has warnings"))

    t.click_into(t.widget("plan.followed_up_by"))
    t.line("plan.supervision_frequency", "Daglig kl. 09")
    t.click_into(t.widget("plan.admission_criteria"))
    t.text("plan.end_of_isolation", "Gradvis nedtrapping.")
    assert _state(window, "plan") == (StepState.COMPLETE, _("Complete"))
    # Other steps did not move: the patient step was opened, the risk step never.
    assert _state(window, "patient")[0] is StepState.IN_PROGRESS
    assert _state(window, "risk")[0] is StepState.NOT_STARTED
    assert _state(window, "summary")[0] is StepState.IN_PROGRESS


# --------------------------------------------------------------------------------------
# Keyboard and screen-reader friction found while driving the wizard
# --------------------------------------------------------------------------------------


def test_the_widget_that_gets_focus_has_the_name(open_wizard: OpenWizard) -> None:
    """A screen reader announces the widget with the focus: a date's line edit, not the
    container around it, must carry the field's name."""
    window = open_wizard(example())
    for path in window.binder.paths():
        binding = window.binder.binding(path)
        assert binding is not None
        target = focus_target(binding.widget)
        if isinstance(binding.widget, RadioGroup):
            assert target.accessibleDescription(), path  # "Nei" of which question
            continue
        has_text = isinstance(target, QAbstractButton) and bool(target.text())
        assert target.accessibleName() or has_text, path
    date_field = window.binder.binding("consultation.date")
    assert date_field is not None and isinstance(date_field.widget, DateField)
    assert date_field.widget.edit.accessibleName() == _("Date of the consultation")


def _tab_from(qtbot: QtBot, start: QWidget, presses: int) -> list[QWidget]:
    start.setFocus(Qt.FocusReason.TabFocusReason)
    reached = []
    for _press in range(presses):
        current = QApplication.focusWidget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None
        reached.append(focused)
    return reached


def test_tab_leaves_a_new_list_row_for_the_next_field(qtbot: QtBot, open_wizard: OpenWizard,
                                                      pathway: Pathway) -> None:
    """Rows added while the window is open come after the fields above them and before the
    add button and the field below — not after the Back/Next buttons."""
    window = open_wizard(blank_case(pathway), step="conditions")
    t = Typist(qtbot, window)
    diagnoses = next(s for s in window.page("conditions").findChildren(ListSection)
                     if s.path == "conditions.dependence.diagnoses")
    qtbot.mouseClick(diagnoses.add_button, Qt.MouseButton.LeftButton)
    t.wait_focus_on("conditions.dependence.diagnoses.0.substance")
    last = focus_target(t.widget("conditions.dependence.diagnoses.0.diagnosis_date"))
    note = focus_target(t.widget("conditions.dependence.note"))
    assert _tab_from(qtbot, last, 2) == [diagnoses.add_button, note]
    first = focus_target(t.widget("conditions.dependence.diagnoses.0.substance"))
    remove = diagnoses.rows[0].findChildren(QPushButton)[0]
    assert _tab_from(qtbot, remove, 1) == [first]


def test_consent_items_that_appear_keep_their_place_in_the_tab_order(
        qtbot: QtBot, open_wizard: OpenWizard) -> None:
    case = example()
    window = open_wizard(case, step="findings")
    t = Typist(qtbot, window)
    t.click_into(t.widget("findings.other"))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    t.check("findings.childbearing_age", limit=1)  # the pregnancy item K15 now applies
    window.navigator.setCurrentRow(STEP_IDS.index("consent"))
    page = window.page("consent")
    assert isinstance(page, ConsentPage)
    assert "K15" in page.items.shown
    boxes = [focus_target(t.widget(f"consent.items_explained.{item}"))
             for item in page.items.shown]
    capacity = focus_target(t.widget("consent.capacity"))
    assert _tab_from(qtbot, boxes[0], len(boxes)) == [*boxes[1:], capacity]


def test_summary_links_come_first_for_tab(qtbot: QtBot, open_wizard: OpenWizard) -> None:
    case = example()
    case.plan.patient_contact_phone = ""
    window = open_wizard(case, step="summary")
    page = window.page("summary")
    assert isinstance(page, SummaryPage)
    qtbot.waitUntil(lambda: bool(page.links) and page.links[-1].isVisible(), timeout=2000)
    addition = focus_target(t_widget(window, "journal_addition"))
    assert _tab_from(qtbot, page, len(page.links) + 1) == [*page.links, addition]


def t_widget(window: WizardWindow, path: str) -> QWidget:
    binding = window.binder.binding(path)
    assert binding is not None, path
    return binding.widget


# --------------------------------------------------------------------------------------
# PySide6 6.12 on Python 3.11: references to None/True/False are lost on every call
# --------------------------------------------------------------------------------------

LEAK_PROBE = """
import sys
import ui  # the application package: importing it must make the leak harmless
from pathlib import Path
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication([])
import i18n
i18n.set_language("nb")
from core import casefile
from core.content import load_library
from ui.controller import CaseController
from ui.wizard.window import WizardWindow
case = casefile.read(Path("resources/examples/opioid-komplett.json"))
pathway = load_library().get(case.pathway_id, case.pathway_version)
window = WizardWindow(CaseController(case, pathway, None, step="findings"))
window.show()
binding = window.binder.binding("findings.other")
QTest.keyClicks(binding.widget, "abcdefghij" * 400)  # 4,000 typed characters
print("typed", len(case.findings.other), flush=True)
"""


def test_the_gui_survives_pyside_reference_leaks() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", LEAK_PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "typed 4000"


# --------------------------------------------------------------------------------------
# Undo after removing a row
# --------------------------------------------------------------------------------------


def test_a_removed_row_comes_back_with_undo(qtbot: QtBot, open_wizard: OpenWizard,
                                            store: Store, pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway), step="measures")
    t = Typist(qtbot, window)
    extra = next(s for s in window.page("measures").findChildren(ListSection)
                 if s.path == "extra_measures")
    qtbot.mouseClick(extra.add_button, Qt.MouseButton.LeftButton)
    t.wait_focus_on("extra_measures.0.title")
    t.line("extra_measures.0.title", "Matlevering")
    t.text("extra_measures.0.details", "Kommunen leverer mat på døra.")
    qtbot.mouseClick(extra.add_button, Qt.MouseButton.LeftButton)
    t.wait_focus_on("extra_measures.1.title")
    t.line("extra_measures.1.title", "Klesvask")
    assert extra.undo_notice.isHidden()

    def yes(box: QMessageBox) -> None:
        assert "1" in box.text()
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes),
                         Qt.MouseButton.LeftButton)

    answerer = ModalAnswerer({QMessageBox: yes})
    remove = extra.rows[0].findChildren(QPushButton)[0]
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    answerer.stop()
    assert answerer.answered == ["QMessageBox"]
    assert [m.title for m in window.controller.case.extra_measures] == ["Klesvask"]
    assert extra.undo_notice.isVisible()
    assert extra.undo_label.text() == _("{item} was removed.").format(
        item=_("Other measure {number}").format(number=1))
    # Back in the wizard (the window manager reactivates it), Space undoes at once.
    assert window.focusWidget() is extra.undo_button
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is extra.undo_button, timeout=3000)

    qtbot.keyClick(extra.undo_button, Qt.Key.Key_Space)
    assert [(m.title, m.details) for m in window.controller.case.extra_measures] == [
        ("Matlevering", "Kommunen leverer mat på døra."), ("Klesvask", "")]
    assert extra.undo_notice.isHidden()
    binding = window.binder.binding("extra_measures.0.details")
    assert binding is not None and binding.read() == "Kommunen leverer mat på døra."
    t.wait_focus_on("extra_measures.0.title")
    window.controller.save_now()
    assert [m.title for m in store.load(window.controller.case.id).case.extra_measures] == [
        "Matlevering", "Klesvask"]


def test_an_empty_row_is_removed_without_question_or_notice(
        qtbot: QtBot, open_wizard: OpenWizard, pathway: Pathway) -> None:
    window = open_wizard(blank_case(pathway), step="risk")
    extra = next(s for s in window.page("risk").findChildren(ListSection)
                 if s.path == "extra_risk_points")
    qtbot.mouseClick(extra.add_button, Qt.MouseButton.LeftButton)
    remove = extra.rows[0].findChildren(QPushButton)[0]
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)  # would block on a question
    assert window.controller.case.extra_risk_points == []
    assert extra.undo_notice.isHidden()
