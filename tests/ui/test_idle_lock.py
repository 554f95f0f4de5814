"""Idle lock: saves, then covers every window; Tab, typing and shortcuts cannot reach the
hidden widgets; unlocking puts everything back; input resets the idle time.

The clock is a fake the tests move forward, so ten idle minutes take no time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core.storage import Store
from i18n import _
from tests.ui.wizard_helpers import example
from ui.idle_lock import IdleLock, LockOverlay, SuspendAwareClock, install_idle_lock

PATIENT = "Testa Testesen"
MINUTE = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CaseWindow(QMainWindow):
    """A window with patient data in a few kinds of widget, and a shortcut."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Rekvirent – sak")
        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.label = QLabel(PATIENT, central)
        self.name = QLineEdit(PATIENT, central)
        self.notes = QPlainTextEdit("Bruker heroin daglig.", central)
        for widget in (self.label, self.name, self.notes):
            layout.addWidget(widget)
        self.setCentralWidget(central)
        self.statusBar().showMessage(PATIENT)
        self.saves = 0
        QShortcut(QKeySequence("Ctrl+S"), self, self._save)

    def _save(self) -> None:
        self.saves += 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_lock(qtbot: QtBot, clock: FakeClock) -> Iterator[Callable[..., IdleLock]]:
    made: list[IdleLock] = []

    def make(**options: object) -> IdleLock:
        options.setdefault("clock", clock)
        options.setdefault("check_interval_ms", 3_600_000)  # the tests call check() themselves
        lock = install_idle_lock(QApplication.instance(), **options)  # type: ignore[arg-type]
        made.append(lock)
        return lock

    yield make
    for lock in made:
        if lock.locked:
            lock.verify = None
            lock.unlock()
        lock.uninstall()
        lock.deleteLater()


@pytest.fixture
def window(qtbot: QtBot) -> CaseWindow:
    shown = CaseWindow()
    qtbot.addWidget(shown)
    shown.resize(800, 600)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()
    shown.name.setFocus()
    qtbot.waitUntil(lambda: shown.name.hasFocus(), timeout=2000)
    return shown


def overlay_of(window: QWidget) -> LockOverlay:
    [overlay] = [o for o in window.findChildren(LockOverlay) if o.isVisible()]
    return overlay


def visible_outside_overlay(window: QWidget) -> list[QWidget]:
    overlay = overlay_of(window)
    return [w for w in window.findChildren(QWidget)
            if w.isVisible() and w is not overlay and not overlay.isAncestorOf(w)]


def lock_now(lock: IdleLock, clock: FakeClock) -> None:
    clock.advance(lock.minutes * MINUTE)
    assert lock.check()


def test_locks_after_the_idle_time_and_saves_first(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    calls: list[tuple[bool, int]] = []

    def save() -> bool:
        calls.append((lock.locked, len(window.findChildren(LockOverlay))))
        return True

    lock = make_lock(minutes=10, save_hooks=[save])
    clock.advance(10 * MINUTE - 1)
    assert lock.check() is False
    assert calls == [] and not window.findChildren(LockOverlay)

    clock.advance(1)
    assert lock.check() is True
    # The hook ran once, before anything was covered.
    assert calls == [(False, 0)]
    overlay = overlay_of(window)
    assert overlay.geometry() == window.rect()
    assert visible_outside_overlay(window) == []
    assert overlay.isAncestorOf(QApplication.focusWidget())
    assert overlay.title.text() == _("Rekvirent is locked")
    assert _("Your work has been saved.") in overlay.text.text()
    # Checking again does not save or cover twice.
    clock.advance(10 * MINUTE)
    lock.check()
    assert len(calls) == 1 and len(window.findChildren(LockOverlay)) == 1


def test_the_overlay_shows_no_patient_data_and_is_opaque(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    lock = make_lock()
    lock_now(lock, clock)
    overlay = overlay_of(window)
    texts = [w.text() for w in overlay.findChildren(QLabel)] + [overlay.button.text()]
    assert not any(PATIENT in text for text in texts)
    assert PATIENT not in window.windowTitle()
    image = window.grab().toImage()
    background = overlay.palette().color(overlay.backgroundRole())
    # Corners (where no overlay text is) show the overlay's opaque background.
    for x, y in ((2, 2), (image.width() - 3, 2), (2, image.height() - 3)):
        pixel = image.pixelColor(x, y)
        assert pixel.alpha() == 255
        assert pixel.rgb() == background.rgb()


def test_tab_typing_and_shortcuts_do_not_reach_hidden_widgets(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    qtbot.keyClick(window.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.saves == 1  # the shortcut works while unlocked
    lock = make_lock()
    lock_now(lock, clock)
    overlay = overlay_of(window)

    for _press in range(8):
        focused = QApplication.focusWidget()
        qtbot.keyClick(focused or window, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None and (focused is overlay or overlay.isAncestorOf(focused))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert overlay.isAncestorOf(QApplication.focusWidget())

    qtbot.keyClicks(window.name, "xyz")
    assert window.name.text() == PATIENT
    window.name.setFocus()  # even when something forces focus back into the window…
    qtbot.waitUntil(lambda: overlay.isAncestorOf(QApplication.focusWidget()), timeout=2000)
    qtbot.keyClick(overlay.button, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.saves == 1
    assert lock.locked


def test_the_overlay_follows_the_window_size(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    lock = make_lock()
    lock_now(lock, clock)
    window.resize(1100, 750)
    qtbot.waitUntil(lambda: overlay_of(window).geometry() == window.rect(), timeout=2000)
    window.resize(500, 400)
    qtbot.waitUntil(lambda: overlay_of(window).geometry() == window.rect(), timeout=2000)


def test_every_window_is_covered_and_a_click_unlocks_them_all(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    other = CaseWindow()
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    lock = make_lock(verify=None)
    lock_now(lock, clock)
    assert lock.is_covered(window) and lock.is_covered(other)
    assert visible_outside_overlay(other) == []

    qtbot.mouseClick(overlay_of(other).button, Qt.MouseButton.LeftButton)
    assert not lock.locked
    for shown in (window, other):
        assert not shown.findChildren(LockOverlay) or not any(
            o.isVisible() for o in shown.findChildren(LockOverlay))
        assert shown.name.isVisible() and shown.notes.isVisible()
        assert shown.name.text() == PATIENT
    assert window.statusBar().isVisible()
    assert window.name.hasFocus() or other.name.hasFocus()
    # Working again: typing reaches the fields.
    qtbot.keyClicks(window.name, "!")
    assert window.name.text() == PATIENT + "!"


def test_passphrase_mode_stays_locked_until_verify_says_yes(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    answers = [False, True]
    asked: list[bool] = []

    def verify() -> bool:
        asked.append(lock.locked)
        return answers.pop(0)

    lock = make_lock(verify=verify)
    lock_now(lock, clock)
    assert _("Unlock with your passphrase.") in overlay_of(window).text.text()
    overlay_of(window).button.click()
    assert lock.locked and asked == [True]
    assert overlay_of(window).message.text() == _("Still locked.")
    assert visible_outside_overlay(window) == []
    overlay_of(window).button.click()
    assert not lock.locked and asked == [True, True]
    assert window.name.isVisible()


def test_a_broken_verify_does_not_unlock(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    def verify() -> bool:
        raise RuntimeError("dialog broke")

    lock = make_lock(verify=verify)
    lock_now(lock, clock)
    assert lock.unlock() is False
    assert lock.locked and visible_outside_overlay(window) == []


def test_input_resets_the_idle_time(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    lock = make_lock(minutes=10)
    clock.advance(9 * MINUTE)
    qtbot.keyClicks(window.name, "a")
    clock.advance(9 * MINUTE)
    assert lock.check() is False
    qtbot.mouseClick(window.notes.viewport(), Qt.MouseButton.LeftButton)
    clock.advance(9 * MINUTE)
    assert lock.check() is False
    qtbot.mouseMove(window.notes, QPoint(5, 5))
    qtbot.mouseMove(window.notes, QPoint(40, 30))
    clock.advance(9 * MINUTE)
    assert lock.check() is False
    assert lock.idle_seconds() == pytest.approx(9 * MINUTE)
    clock.advance(1 * MINUTE)
    assert lock.check() is True


def test_after_unlocking_the_idle_time_starts_again(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    lock = make_lock(minutes=10)
    lock_now(lock, clock)
    assert lock.unlock()
    clock.advance(5 * MINUTE)
    assert lock.check() is False
    clock.advance(5 * MINUTE)
    assert lock.check() is True


def test_a_failed_save_still_locks_and_says_so(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    def broken() -> bool:
        raise OSError("disk full")

    lock = make_lock(save_hooks=[lambda: False, broken])
    lock_now(lock, clock)
    assert _("Not everything could be saved. It is kept in the program and saved again when "
             "you unlock.") in overlay_of(window).text.text()
    assert visible_outside_overlay(window) == []


def test_a_window_opened_while_locked_is_covered_too(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    lock = make_lock()
    lock_now(lock, clock)
    late = CaseWindow()
    qtbot.addWidget(late)
    late.show()
    qtbot.waitUntil(lambda: lock.is_covered(late), timeout=2000)
    assert visible_outside_overlay(late) == []
    lock.unlock()
    assert late.name.isVisible()


def test_the_timer_checks_by_itself(
        qtbot: QtBot, make_lock, clock: FakeClock, window: CaseWindow) -> None:
    lock = make_lock(check_interval_ms=10)
    clock.advance(10 * MINUTE)
    qtbot.waitUntil(lambda: lock.locked, timeout=3000)
    assert lock.is_covered(window)


def test_the_clock_counts_sleep_but_never_goes_back() -> None:
    monotonic, wall = [100.0], [5000.0]
    clock = SuspendAwareClock(lambda: monotonic[0], lambda: wall[0])
    start = clock()
    monotonic[0] += 30
    wall[0] += 30
    assert clock() - start == pytest.approx(30)
    wall[0] += 3600  # asleep: the monotonic clock stood still
    assert clock() - start == pytest.approx(3630)
    wall[0] -= 7200  # the wall clock set back
    monotonic[0] += 10
    assert clock() - start == pytest.approx(3640)


def test_the_wizard_is_saved_then_hidden(
        qtbot: QtBot, open_wizard, store: Store, make_lock, clock: FakeClock) -> None:
    case = example()
    window = open_wizard(case, step="patient")
    controller = window.controller
    lock = make_lock(save_hooks=[controller.save_now])
    controller.set_value("patient.stay_location", "Karantenehotellet, rom 9")
    assert controller.dirty
    lock_now(lock, clock)
    assert not controller.dirty
    assert store.load(case.id).case.patient.stay_location == "Karantenehotellet, rom 9"
    assert visible_outside_overlay(window) == []
    assert lock.unlock()
    assert window.stack.isVisible() and window.navigator.isVisible()


def test_unlocking_returns_to_the_same_place(
        qtbot: QtBot, open_wizard, make_lock, clock: FakeClock) -> None:
    window = open_wizard(example(), step="summary")
    page = window.page("summary")
    bar = page.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 50, timeout=3000)
    bar.setValue(bar.maximum())
    where = bar.value()
    assert where > 0
    lock = make_lock()
    lock_now(lock, clock)
    assert lock.unlock()
    qtbot.waitUntil(lambda: bar.value() == where, timeout=2000)
    qtbot.wait(50)  # late layout passes must not move it either
    assert bar.value() == where
