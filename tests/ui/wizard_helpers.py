"""Shared set-up for the wizard tests: a temporary SQLite store, windows opened on it, and a
driver that fills the wizard the way a GP does — Tab, typed keys, Space, arrow keys, clicks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core import casefile
from core.case import Case, Prescriber, new_case
from core.content.pathway import Pathway
from ui.wizard.widgets import (
    CheckRow,
    ChoiceCombo,
    DateField,
    OptionalSpinBox,
    RadioGroup,
)
from ui.wizard.window import WizardWindow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"

OpenWizard = Callable[..., WizardWindow]


def example(name: str = "opioid-komplett") -> Case:
    return casefile.read(EXAMPLES / f"{name}.json")


def blank_case(pathway: Pathway) -> Case:
    return new_case(pathway.id, pathway.version,
                    Prescriber(name="Lege Syntetisk Prøve", hpr_number="9144889"))


def wait_saved(qtbot: QtBot, window: WizardWindow) -> None:
    qtbot.waitUntil(lambda: not window.controller.dirty, timeout=3000)


# --------------------------------------------------------------------------------------
# Modal dialogs
# --------------------------------------------------------------------------------------


class ModalAnswerer(QObject):
    """Answers modal dialogs (``exec()`` blocks the test) as they appear, through their widgets.

    A timer looks for the active modal widget; the handler registered for its type types into
    it and clicks its buttons.  A handler that fails rejects the dialog, so a broken test
    stops instead of hanging in the dialog's event loop.
    """

    def __init__(self, handlers: dict[type[QDialog], Callable[[Any], None]],
                 interval_ms: int = 20) -> None:
        super().__init__()
        self.handlers = handlers
        self.answered: list[str] = []
        self.errors: list[BaseException] = []
        self._seen: list[QDialog] = []
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or any(dialog is seen for seen in self._seen):
            return
        handler = next((h for kind, h in self.handlers.items() if isinstance(dialog, kind)),
                       None)
        if handler is None:
            return
        self._seen.append(dialog)
        self.answered.append(type(dialog).__name__)
        try:
            handler(dialog)
        except BaseException as exc:
            self.errors.append(exc)
            dialog.reject()

    def stop(self) -> None:
        self._timer.stop()
        if self.errors:
            raise self.errors[0]


# --------------------------------------------------------------------------------------
# Keyboard and mouse
# --------------------------------------------------------------------------------------


def focus_target(widget: QWidget) -> QWidget:
    """The widget that really receives focus for ``widget`` (following focus proxies)."""
    while widget.focusProxy() is not None:
        widget = widget.focusProxy()
    return widget


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__} {widget.accessibleName()!r}"


class Typist:
    """Fills bound fields of a wizard window with the keyboard, remembering what it typed.

    Every field is reached with Tab from the field before it (at most ``tab_limit`` presses:
    a field Tab cannot reach, or reaches only after a detour, fails the test), then filled
    with typed keys, Space or arrow keys.  :attr:`typed` maps each dotted path to the value
    the case must hold afterwards.
    """

    def __init__(self, qtbot: QtBot, window: WizardWindow, *, tab_limit: int = 8) -> None:
        self.qtbot = qtbot
        self.window = window
        self.tab_limit = tab_limit
        self.typed: dict[str, object] = {}
        self.tab_presses = 0

    def widget(self, path: str) -> QWidget:
        binding = self.window.binder.binding(path)
        assert binding is not None, f"no field for {path}"
        return binding.widget

    # ---- focus -------------------------------------------------------------------------

    def tab_to(self, target: QWidget, *, limit: int | None = None) -> None:
        target = focus_target(target)
        limit = limit or self.tab_limit
        visited: list[str] = []
        for _press in range(limit):
            if QApplication.focusWidget() is target:
                return
            current = QApplication.focusWidget()
            assert current is not None, "no widget has the keyboard focus"
            self.qtbot.keyClick(current, Qt.Key.Key_Tab)
            self.tab_presses += 1
            visited.append(describe(QApplication.focusWidget()))
        assert QApplication.focusWidget() is target, (
            f"Tab did not reach {describe(target)} in {limit} presses: {visited}")

    def click_into(self, widget: QWidget) -> None:
        """Put the cursor in a text field with the mouse (the first field of a page)."""
        target = focus_target(widget)
        self.window.page(self.window.current_step).ensureWidgetVisible(target)
        self.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
        assert QApplication.focusWidget() is target, describe(QApplication.focusWidget())

    # ---- fields ------------------------------------------------------------------------

    def line(self, path: str, text: str, *, replace: bool = False, expected: object = None,
             limit: int | None = None) -> None:
        """Type into a one-line field or a note (``replace`` selects what is there first)."""
        widget = self.widget(path)
        target = focus_target(widget)
        self.tab_to(target, limit=limit)
        if replace:
            self.qtbot.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.qtbot.keyClicks(target, text)
        if isinstance(widget, QLineEdit | QPlainTextEdit):
            self.typed[path] = text
        if expected is not None:
            self.typed[path] = expected

    text = line

    def date(self, path: str, text: str, expected: object, *, replace: bool = False) -> None:
        widget = self.widget(path)
        assert isinstance(widget, DateField)
        self.line(path, text, replace=replace, expected=expected)

    def number(self, path: str, value: int) -> None:
        widget = self.widget(path)
        assert isinstance(widget, OptionalSpinBox)
        self.tab_to(widget)
        self.qtbot.keyClicks(focus_target(widget), str(value))
        self.typed[path] = value

    def check(self, path: str, expected: bool = True, *, limit: int | None = None) -> None:
        """Toggle a checkbox with Space."""
        widget = self.widget(path)
        assert isinstance(widget, CheckRow)
        self.tab_to(widget.box, limit=limit)
        self.qtbot.keyClick(widget.box, Qt.Key.Key_Space)
        assert widget.box.isChecked() is expected
        self.typed[path] = expected

    def choose(self, path: str, label: str, value: object) -> None:
        """Choose in a combo box with the arrow keys (Home first, then Down until it shows)."""
        widget = self.widget(path)
        assert isinstance(widget, ChoiceCombo)
        self.tab_to(widget)
        self.qtbot.keyClick(widget, Qt.Key.Key_Home)
        for _press in range(widget.count()):
            if widget.currentText() == label:
                break
            self.qtbot.keyClick(widget, Qt.Key.Key_Down)
        assert widget.currentText() == label, (path, label, widget.currentText())
        self.typed[path] = value

    def radio(self, path: str, label: str, value: object) -> None:
        """Tab to the option and press Space."""
        widget = self.widget(path)
        assert isinstance(widget, RadioGroup)
        button = next(b for b in widget.buttons() if b.text() == label)
        self.tab_to(button)
        self.qtbot.keyClick(button, Qt.Key.Key_Space)
        assert button.isChecked()
        self.typed[path] = value

    def press(self, button: QAbstractButton) -> None:
        """Tab to a button and press Space (add a row, …)."""
        self.tab_to(button)
        self.qtbot.keyClick(button, Qt.Key.Key_Space)

    def wait_focus_on(self, path: str) -> None:
        target = focus_target(self.widget(path))
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=2000)
