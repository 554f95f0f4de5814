"""Two doctors on one case, and a server that stops answering — seen from the wizard.

The other doctor is a second :class:`Store` on the same database file (another workstation).
Dialogs are answered through their buttons and keys while they are modal (``ModalAnswerer``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from core.content.pathway import Pathway
from core.diff import differences
from core.storage import CaseNotFound, ConnectionLost, Store
from i18n import _
from tests.ui.wizard_helpers import ModalAnswerer, OpenWizard, blank_case, wait_saved
from ui.controller import CaseController, Conflict, ConflictChoice
from ui.wizard.banners import ConnectionBanner
from ui.wizard.binding import labels_from
from ui.wizard.conflict_dialog import ConflictDialog, conflict_message
from ui.wizard.window import WizardWindow

DOCTOR_A = ("Lege Anna Testesen", "9100001")
DOCTOR_B = ("Lege Bjørn Prøvesen", "9100002")


@pytest.fixture
def other(store: Store, tmp_path: Path) -> Iterator[Store]:
    """Doctor B's workstation: its own Store on the same database file."""
    assert store.sqlite_path is not None
    second = Store.open(f"sqlite:///{store.sqlite_path}", data_dir=tmp_path / "b")
    second.set_actor(*DOCTOR_B)
    yield second
    second.close()


@pytest.fixture(autouse=True)
def _never_hang_on_close(open_wizard: OpenWizard) -> Iterator[None]:
    """Torn down before the windows close: a test that failed half-way must not leave a window
    whose closing waits on a modal question nobody answers."""
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, WizardWindow):
            widget.controller.resolve_conflict = lambda _conflict: "later"
            widget.controller.dirty = False


def line(window: WizardWindow, path: str) -> QLineEdit:
    binding = window.binder.binding(path)
    assert binding is not None and isinstance(binding.widget, QLineEdit), path
    return binding.widget


def _open_as_a(open_wizard: OpenWizard, store: Store, pathway: Pathway) -> WizardWindow:
    store.set_actor(*DOCTOR_A)
    window = open_wizard(blank_case(pathway))
    window.controller.field_label = labels_from(window.binder)  # the wiring the window gets
    return window


def _b_renames_the_patient(other: Store, case_id: str) -> None:
    stored = other.load(case_id)
    stored.case.patient.name = "Testa Testesen"
    other.save(stored.case, expected_version=stored.version)


def _answer(qtbot: QtBot, handler: Any) -> ModalAnswerer:
    return ModalAnswerer({ConflictDialog: handler})


def test_conflict_dialog_shows_what_changed_and_reload_keeps_my_version_as_a_copy(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, other: Store,
        pathway: Pathway) -> None:
    window = _open_as_a(open_wizard, store, pathway)
    case_id = window.controller.case.id
    _b_renames_the_patient(other, case_id)
    seen: dict[str, Any] = {}

    def reload(dialog: ConflictDialog) -> None:
        rows = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(),
                                                 dialog.table.item(r, 2).text())
                for r in range(dialog.table.rowCount())}
        seen["rows"], seen["message"] = rows, dialog.message.text()
        qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)

    answerer = _answer(qtbot, reload)
    qtbot.keyClicks(line(window, "patient.phone"), "99887766")
    qtbot.waitUntil(lambda: answerer.answered == ["ConflictDialog"], timeout=5000)
    answerer.stop()

    assert DOCTOR_B[0] in seen["message"]
    name_label = next(label for label in seen["rows"] if "Testa Testesen" in seen["rows"][label][0])
    assert seen["rows"][name_label] == ("Testa Testesen", "–")
    assert name_label.startswith(_("Patient and doctor"))
    assert ("–", "99887766") in seen["rows"].values()

    controller = window.controller
    assert not controller.dirty and controller.case.id == case_id
    assert line(window, "patient.name").text() == "Testa Testesen"   # the saved version shows
    assert line(window, "patient.phone").text() == ""
    assert store.load(case_id).case.patient.name == "Testa Testesen"  # B's save untouched
    assert controller.version == store.load(case_id).version
    kept = store.load(controller.kept_copy_id or "")                  # A's typing is kept
    assert kept.case.patient.phone == "99887766" and kept.case.patient.name == ""
    assert kept.owner is not None and kept.owner.hpr == DOCTOR_A[1]


def test_keep_my_version_as_a_copy_moves_the_window_to_a_new_case_of_mine(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, other: Store,
        pathway: Pathway) -> None:
    window = _open_as_a(open_wizard, store, pathway)
    original = window.controller.case.id
    _b_renames_the_patient(other, original)
    replaced: list[tuple[str, str]] = []
    window.controller.case_replaced.connect(lambda old, new: replaced.append((old, new)))

    answerer = _answer(qtbot, lambda dialog: qtbot.mouseClick(dialog.copy_button,
                                                              Qt.MouseButton.LeftButton))
    qtbot.keyClicks(line(window, "patient.phone"), "40404040")
    qtbot.waitUntil(lambda: bool(replaced), timeout=5000)
    answerer.stop()

    [(old, new)] = replaced
    assert old == original and new == window.controller.case.id != original
    copy = store.load(new)
    assert copy.case.patient.phone == "40404040"
    assert copy.owner is not None and copy.owner.name == DOCTOR_A[0]
    assert store.load(original).case.patient.phone == ""   # the other's case is as they left it
    assert store.load(original).case.patient.name == "Testa Testesen"
    assert line(window, "patient.phone").text() == "40404040"
    qtbot.keyClicks(line(window, "patient.phone"), "1")    # and editing goes on in the copy
    wait_saved(qtbot, window)
    assert store.load(new).case.patient.phone == "404040401"


def test_decide_later_writes_nothing_and_keeps_the_typing_until_the_gp_chooses(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, other: Store,
        pathway: Pathway) -> None:
    window = _open_as_a(open_wizard, store, pathway)
    case_id = window.controller.case.id
    _b_renames_the_patient(other, case_id)
    answers = ["escape", "copy"]

    def answer(dialog: ConflictDialog) -> None:
        if answers.pop(0) == "escape":
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        else:
            qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)

    answerer = _answer(qtbot, answer)
    qtbot.keyClicks(line(window, "patient.phone"), "12121212")
    qtbot.waitUntil(lambda: len(answerer.answered) == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.controller.last_error is not None, timeout=2000)
    assert window.controller.dirty
    assert line(window, "patient.phone").text() == "12121212"
    assert store.load(case_id).case.patient.phone == ""        # never a silent overwrite
    assert store.load(case_id).case.patient.name == "Testa Testesen"
    assert window.error_bar.isVisible()

    assert window.retry_save()                                  # the GP tries again: asked again
    answerer.stop()
    assert answerer.answered == ["ConflictDialog", "ConflictDialog"]
    assert store.load(window.controller.case.id).case.patient.phone == "12121212"


def test_a_case_deleted_elsewhere_can_only_be_kept_as_a_copy(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, other: Store,
        pathway: Pathway) -> None:
    window = _open_as_a(open_wizard, store, pathway)
    case_id = window.controller.case.id
    other.delete(case_id)
    states: list[bool] = []

    def answer(dialog: ConflictDialog) -> None:
        states.append(dialog.reload_button.isEnabled())
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)

    answerer = _answer(qtbot, answer)
    qtbot.keyClicks(line(window, "patient.phone"), "55555555")
    qtbot.waitUntil(lambda: window.controller.case.id != case_id, timeout=5000)
    answerer.stop()
    assert states == [False]
    with pytest.raises(CaseNotFound):
        store.load(case_id)
    assert store.load(window.controller.case.id).case.patient.phone == "55555555"


def test_the_same_content_saved_elsewhere_is_no_conflict(
        qtbot: QtBot, open_wizard: OpenWizard, store: Store, other: Store,
        pathway: Pathway) -> None:
    """E.g. our own save reached the server but its answer was lost: adopt, do not ask."""
    window = _open_as_a(open_wizard, store, pathway)
    controller = window.controller
    asked: list[Conflict] = []

    def resolver(conflict: Conflict) -> ConflictChoice:
        asked.append(conflict)
        return "later"

    controller.resolve_conflict = resolver
    qtbot.keyClicks(line(window, "patient.phone"), "22222222")
    stored = other.load(controller.case.id)
    stored.case.patient.phone = "22222222"
    other.save(stored.case, expected_version=stored.version)
    assert controller.save_now()
    assert asked == []
    assert store.load(controller.case.id).version == controller.version == 3


def test_the_dialog_names_fields_and_values_in_plain_words(qtbot: QtBot, store: Store,
                                                           pathway: Pathway) -> None:
    mine = blank_case(pathway)
    theirs = mine.model_copy(deep=True)
    theirs.plan.daily_follow_up = "x" * 1000
    theirs.conditions.patient_need_only = True
    point = pathway.risk_points[0]
    theirs.risk[point.id] = theirs.risk.get(point.id) or type(mine).model_fields[
        "risk"].annotation.__args__[1]()  # type: ignore[union-attr]
    theirs.risk[point.id].note = "Bor alene"
    store.save(theirs)
    conflict = Conflict(mine.id, store.load(mine.id), differences(theirs, mine))
    dialog = ConflictDialog(conflict, pathway=pathway)
    qtbot.addWidget(dialog)
    cells = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(),
                                              dialog.table.item(r, 2).text())
             for r in range(dialog.table.rowCount())}
    assert dialog.table.rowCount() == 3
    risk_label = next(label for label in cells if point.title.get("nb") in label)
    assert cells[risk_label] == ("Bor alene", "–")
    assert (_("Yes"), _("No")) in cells.values()
    long_cell = next(value for value, _mine in cells.values() if value.startswith("xxx"))
    assert len(long_cell) < 1000 and long_cell.endswith("…")
    assert "1 " not in dialog.summary.text() and "3" in dialog.summary.text()
    assert conflict_message(Conflict(mine.id, None, [])) != conflict_message(conflict)


# ---- connection lost ------------------------------------------------------------------------


class FlakyStore:
    """The real store behind a switch: while ``down``, every call fails like a lost server."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.down = False
        self.failed_saves = 0

    def save(self, *args: Any, **kwargs: Any) -> int:
        if self.down:
            self.failed_saves += 1
            raise ConnectionLost("The database server cannot be reached.")
        return self.store.save(*args, **kwargs)

    def load(self, case_id: str) -> Any:
        if self.down:
            raise ConnectionLost("The database server cannot be reached.")
        return self.store.load(case_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_connection_lost_keeps_the_typing_shows_the_banner_and_saves_when_back(
        qtbot: QtBot, store: Store, pathway: Pathway) -> None:
    case = blank_case(pathway)
    store.save(case, step="patient")
    flaky = FlakyStore(store)
    controller = CaseController(case, pathway, flaky, version=1,  # type: ignore[arg-type]
                                step="patient", retry_delays=(0.05, 0.1))
    window = WizardWindow(controller)
    qtbot.addWidget(window)
    banner = ConnectionBanner()
    qtbot.addWidget(banner)
    banner.attach(controller)
    window.show()
    assert banner.isHidden()

    flaky.down = True
    try:
        qtbot.keyClicks(line(window, "patient.name"), "Testa Testesen")
        qtbot.waitUntil(lambda: controller.connection_lost, timeout=3000)
        assert banner.isVisible()
        assert banner.label.text() == _(
            "The server does not answer – your changes are in the window and will be saved "
            "when the connection is back.")  # nb: "Tjeneren svarer ikke – …"
        assert controller.dirty
        qtbot.waitUntil(lambda: flaky.failed_saves >= 3, timeout=5000)   # it keeps retrying
        assert line(window, "patient.name").text() == "Testa Testesen"
        qtbot.keyClicks(line(window, "patient.phone"), "33333333")       # typing goes on
    finally:
        flaky.down = False
    qtbot.waitUntil(lambda: not controller.dirty, timeout=5000)
    assert not controller.connection_lost and banner.isHidden()
    stored = store.load(case.id).case
    assert (stored.patient.name, stored.patient.phone) == ("Testa Testesen", "33333333")


def test_try_now_retries_at_once(qtbot: QtBot, store: Store, pathway: Pathway) -> None:
    case = blank_case(pathway)
    store.save(case)
    flaky = FlakyStore(store)
    controller = CaseController(case, pathway, flaky, version=1,  # type: ignore[arg-type]
                                retry_delays=(600,))
    banner = ConnectionBanner()
    qtbot.addWidget(banner)
    banner.attach(controller)
    flaky.down = True
    controller.set_value("notes", "Notat mens tjeneren er borte")
    assert not controller.save_now() and controller.connection_lost
    flaky.down = False
    qtbot.mouseClick(banner.retry_button, Qt.MouseButton.LeftButton)
    assert not controller.dirty and not controller.connection_lost
    assert store.load(case.id).case.notes == "Notat mens tjeneren er borte"
