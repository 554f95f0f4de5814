"""Idle lock: hide patient data when nobody has used the program for a while.

An application-wide event filter notes every key press, click, wheel turn, touch and real
mouse movement.  When ``minutes`` pass without any, the lock first asks every open case to save
(the *save hooks*), then covers every visible top-level window: the window's own widgets are
hidden and an opaque :class:`LockOverlay` ("Rekvirent er låst", "Lås opp") takes the whole
window and the keyboard focus.  Hidden widgets cannot be reached by Tab, shortcuts or screen
readers; input that still finds its way to them (the filter sees it first) is dropped.

Unlocking in passphrase mode calls ``verify()`` (helper "crypt"'s ``ui/unlock_dialog.py``, or
anything that returns True for the right passphrase); in keyring mode (``verify=None``) the
click on "Lås opp" is the confirmation.  Nothing is closed or discarded by the lock: a case
whose save failed stays in its window and is saved again on the next change.

The clock and the check interval are injectable, so tests simulate ten idle minutes without
waiting for them.  The default clock keeps counting while the computer sleeps (a laptop closed
at lunch is locked when it is opened again).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from i18n import _, ngettext

log = logging.getLogger(__name__)

SaveHook = Callable[[], object]
Verify = Callable[[], bool]
Clock = Callable[[], float]

DEFAULT_MINUTES = 10
#: How often the idle time is looked at; the lock comes at most this much late.
DEFAULT_CHECK_INTERVAL_MS = 5_000
#: Width of the overlay's text column (pixels).
TEXT_WIDTH = 560

_T = QEvent.Type
#: What counts as the user being there.
ACTIVITY_EVENTS = frozenset({
    _T.KeyPress, _T.KeyRelease, _T.MouseButtonPress, _T.MouseButtonRelease,
    _T.MouseButtonDblClick, _T.MouseMove, _T.Wheel, _T.TouchBegin, _T.TouchUpdate,
    _T.TouchEnd, _T.TabletPress, _T.TabletMove, _T.TabletRelease, _T.NativeGesture,
    _T.InputMethod,
})
#: Input that must not reach a covered window's hidden widgets while locked.
BLOCKED_WHILE_LOCKED = ACTIVITY_EVENTS | frozenset({
    _T.Shortcut, _T.ShortcutOverride, _T.ContextMenu, _T.DragEnter, _T.DragMove, _T.Drop,
    _T.HoverEnter, _T.HoverMove, _T.Enter, _T.WhatsThis, _T.ToolTip,
})
_NOT_COVERED = (Qt.WindowType.Popup, Qt.WindowType.ToolTip, Qt.WindowType.SplashScreen)


class SuspendAwareClock:
    """Seconds that never go backwards yet include time the computer slept.

    ``time.monotonic`` stops during suspend on Linux and macOS; the wall clock does not, but
    can be set back.  Each reading advances by the larger of the two steps (never less than 0),
    so a wall-clock jump forward only makes the lock come early — the safe direction.
    """

    def __init__(self, monotonic: Clock = time.monotonic, wall: Clock = time.time) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._last_monotonic = monotonic()
        self._last_wall = wall()
        self._value = 0.0

    def __call__(self) -> float:
        monotonic, wall = self._monotonic(), self._wall()
        self._value += max(0.0, monotonic - self._last_monotonic, wall - self._last_wall)
        self._last_monotonic, self._last_wall = monotonic, wall
        return self._value


def alive(obj: QObject | None) -> bool:
    return obj is not None and shiboken6.isValid(obj)


class LockOverlay(QWidget):
    """Covers one window completely: opaque, on top, with the unlock button focused."""

    unlock_requested = Signal()

    def __init__(self, window: QWidget, *, minutes: int, saved: bool,
                 passphrase: bool) -> None:
        super().__init__(window)
        self.setObjectName("idle_lock_overlay")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_("Rekvirent is locked"))
        # A centred column at most TEXT_WIDTH wide; word-wrapped labels get their full
        # height only without an alignment flag in the layout.
        column = QWidget(self)
        column.setMaximumWidth(TEXT_WIDTH)
        rows = QHBoxLayout()
        rows.addStretch(1)
        rows.addWidget(column, 8)
        rows.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(rows)
        outer.addStretch(2)
        layout = QVBoxLayout(column)
        layout.setSpacing(12)
        self.title = QLabel(_("Rekvirent is locked"), column)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.title)
        sentences = [ngettext(
            "Patient data is hidden because nobody has used the program for {minutes} minute.",
            "Patient data is hidden because nobody has used the program for {minutes} minutes.",
            minutes).format(minutes=minutes)]
        sentences.append(_("Your work has been saved.") if saved else _(
            "Not everything could be saved. It is kept in the program and saved again when "
            "you unlock."))
        sentences.append(_("Unlock with your passphrase.") if passphrase else _(
            "Click “Unlock” to go on."))
        self.text = QLabel(" ".join(sentences), column)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.text)
        self.message = QLabel("", column)
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.message.setAccessibleName(_("Lock status"))
        layout.addWidget(self.message)
        self.button = QPushButton(_("&Unlock"), column)
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.setFocusProxy(self.button)
        self.button.clicked.connect(self.unlock_requested)
        self.setGeometry(window.rect())
        window.installEventFilter(self)

    def paintEvent(self, event: QPaintEvent) -> None:
        # Opaque whatever the style does with the background: nothing behind may show.
        painter = QPainter(self)
        colour = QColor(self.palette().color(self.backgroundRole()))
        colour.setAlpha(255)
        painter.fillRect(self.rect(), colour)
        painter.end()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent():
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self.setGeometry(self.parentWidget().rect())
            elif kind == QEvent.Type.ChildAdded:
                QTimer.singleShot(0, self._stay_on_top)
        return False

    def _stay_on_top(self) -> None:
        if alive(self):
            self.raise_()

    def cover(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.button.setFocus(Qt.FocusReason.OtherFocusReason)

    def detach(self) -> None:
        parent = self.parentWidget()
        if alive(parent):
            parent.removeEventFilter(self)
        self.hide()
        self.deleteLater()


class _Covered:
    """What a covered window looked like, to put it back on unlock."""

    def __init__(self, window: QWidget, overlay: LockOverlay) -> None:
        self.window = window
        self.overlay = overlay
        self.focus = window.focusWidget()
        self.hidden: list[QWidget] = []
        # Where every scroll area was, so the GP comes back to the same place.
        self.scrolled = [(area, area.horizontalScrollBar().value(),
                          area.verticalScrollBar().value())
                         for area in window.findChildren(QAbstractScrollArea)]

    def restore_scrolling(self) -> None:
        for area, x, y in self.scrolled:
            if alive(area):
                area.horizontalScrollBar().setValue(x)
                area.verticalScrollBar().setValue(y)


class IdleLock(QObject):
    """Watches input application-wide and locks after ``minutes`` without any."""

    #: True when the windows were covered, False when unlocked.
    locked_changed = Signal(bool)

    def __init__(self, app: QApplication, minutes: float = DEFAULT_MINUTES,
                 save_hooks: Iterable[SaveHook] = (), verify: Verify | None = None, *,
                 clock: Clock | None = None,
                 check_interval_ms: int = DEFAULT_CHECK_INTERVAL_MS,
                 covers: Callable[[QWidget], bool] | None = None) -> None:
        super().__init__(app)
        self.app = app
        self.minutes = float(minutes)
        #: Called, in order, before the windows are covered; a hook returning False (or
        #: raising) means "not everything saved" — the lock comes anyway.
        self.save_hooks: list[SaveHook] = list(save_hooks)
        self.verify = verify
        self.clock: Clock = clock or SuspendAwareClock()
        self.covers = covers or default_covers
        self._last_input = self.clock()
        self._last_mouse: QPointF | None = None
        self._covered: dict[int, _Covered] = {}
        self._locked = False
        self._unlocking = False
        self.timer = QTimer(self)
        self.timer.setInterval(check_interval_ms)
        self.timer.timeout.connect(self.check)

    # ---- set-up ----------------------------------------------------------------------------

    def install(self) -> IdleLock:
        self.app.installEventFilter(self)
        self.reset()
        self.timer.start()
        return self

    def uninstall(self) -> None:
        self.timer.stop()
        self.app.removeEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        """Settings changed: takes effect at the next check."""
        self.minutes = float(minutes)

    def add_save_hook(self, hook: SaveHook) -> None:
        self.save_hooks.append(hook)

    def remove_save_hook(self, hook: SaveHook) -> None:
        if hook in self.save_hooks:
            self.save_hooks.remove(hook)

    # ---- idle time -------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._locked

    def reset(self) -> None:
        """The user is here: start counting from now."""
        self._last_input = self.clock()

    def idle_seconds(self) -> float:
        return max(0.0, self.clock() - self._last_input)

    def check(self) -> bool:
        """Lock if the idle time is up; True when locked (now or before)."""
        if not self._locked and self.idle_seconds() >= self.minutes * 60:
            self.lock()
        return self._locked

    # ---- locking ---------------------------------------------------------------------------

    def lock(self) -> None:
        if self._locked:
            return
        saved = self._save_all()
        self._locked = True
        self._close_popups()
        for window in list(self.app.topLevelWidgets()):
            if self.covers(window):
                self._cover(window, saved)
        log.info("Idle lock: locked %d window(s) after %.0f idle minutes", len(self._covered),
                 self.minutes)
        self.locked_changed.emit(True)

    def _save_all(self) -> bool:
        saved = True
        for hook in list(self.save_hooks):
            try:
                if hook() is False:
                    saved = False
            except Exception as exc:  # the lock must come even when a save fails
                saved = False
                log.warning("Idle lock: a save hook failed: %s", type(exc).__name__)
        return saved

    def _close_popups(self) -> None:
        QToolTip.hideText()
        for _attempt in range(20):  # menus and combo lists can hold patient data
            popup = QApplication.activePopupWidget()
            if popup is None:
                break
            popup.close()

    def _cover(self, window: QWidget, saved: bool = True) -> None:
        if id(window) in self._covered:
            return
        overlay = LockOverlay(window, minutes=max(1, round(self.minutes)), saved=saved,
                              passphrase=self.verify is not None)
        covered = _Covered(window, overlay)
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        for child in window.findChildren(QWidget, options=direct):
            if child is not overlay and not child.isWindow() and not child.isHidden():
                covered.hidden.append(child)
                child.hide()
        self._covered[id(window)] = covered
        overlay.unlock_requested.connect(self.unlock)
        window.destroyed.connect(partial(self._forget, id(window)))
        overlay.cover()

    def _forget(self, key: int, *_args: object) -> None:
        self._covered.pop(key, None)

    def overlays(self) -> list[LockOverlay]:
        return [c.overlay for c in self._covered.values() if alive(c.overlay)]

    def is_covered(self, window: QWidget) -> bool:
        return id(window) in self._covered

    # ---- unlocking -------------------------------------------------------------------------

    def unlock(self) -> bool:
        """Ask for the passphrase (or take the click as confirmation) and uncover."""
        if not self._locked or self._unlocking:
            return not self._locked
        if self.verify is not None:
            self._unlocking = True
            try:
                ok = bool(self.verify())
            except Exception as exc:  # a broken dialog must not unlock
                log.warning("Idle lock: verification failed: %s", type(exc).__name__)
                ok = False
            finally:
                self._unlocking = False
            if not ok:
                for overlay in self.overlays():
                    overlay.message.setText(_("Still locked."))
                    overlay.button.setFocus()
                return False
        self._uncover_all()
        self._locked = False
        self.reset()
        log.info("Idle lock: unlocked")
        self.locked_changed.emit(False)
        return True

    def _uncover_all(self) -> None:
        for covered in list(self._covered.values()):
            for child in covered.hidden:
                if alive(child):
                    child.show()
            # Focus back where it was before the overlay goes: hiding the focused overlay
            # would move focus on as if by Tab, and a line edit selects all its text then.
            if alive(covered.focus) and covered.focus.isVisible():
                covered.focus.setFocus(Qt.FocusReason.OtherFocusReason)
            if alive(covered.overlay):
                covered.overlay.detach()
            covered.restore_scrolling()
            # Again once the layouts have settled (they do so after the show).
            QTimer.singleShot(0, covered.restore_scrolling)
        self._covered.clear()

    # ---- the filter ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in ACTIVITY_EVENTS and self._is_activity(event):
            self._last_input = self.clock()
        if not self._locked:
            return False
        if kind == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            # A window that appears while locked is covered too (not the unlock dialog).
            if not self._unlocking and self.covers(watched):
                QTimer.singleShot(0, lambda w=watched: self._cover_late(w))
            return False
        if kind in BLOCKED_WHILE_LOCKED:
            return self._blocked(watched)
        if kind == QEvent.Type.FocusIn and self._blocked(watched):
            QTimer.singleShot(0, partial(self._refocus, self._covered_for(watched)))
        return False

    def _refocus(self, covered: _Covered | None) -> None:
        """Focus went into a covered window's hidden part: send it back to the overlay."""
        if self._locked and covered is not None and alive(covered.overlay):
            covered.overlay.button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _cover_late(self, window: QWidget) -> None:
        if self._locked and alive(window) and window.isVisible():
            self._cover(window)

    def _is_activity(self, event: QEvent) -> bool:
        """Mouse moves count only when the pointer really moved (Qt makes up moves too)."""
        if event.type() != QEvent.Type.MouseMove:
            return True
        position: Any = getattr(event, "globalPosition", lambda: None)()
        if position is None or position == self._last_mouse:
            return False
        self._last_mouse = QPointF(position)
        return True

    def _covered_for(self, watched: QObject) -> _Covered | None:
        widget = _widget_of(watched)
        if widget is None:
            return None
        return self._covered.get(id(widget.window()))

    def _blocked(self, watched: QObject) -> bool:
        """True for input meant for a covered window's hidden part (not its overlay)."""
        widget = _widget_of(watched)
        if widget is None:
            return False
        covered = self._covered.get(id(widget.window()))
        if covered is None:
            return False
        overlay = covered.overlay
        return not (widget is overlay or overlay.isAncestorOf(widget))


def _widget_of(watched: QObject) -> QWidget | None:
    """The widget an event is for: the object itself, or the widget owning a shortcut."""
    if not isinstance(watched, QObject) or not alive(watched):
        return None
    if isinstance(watched, QWidget):
        return watched
    if watched.isWindowType():
        return None  # a QWindow: Qt passes the event on to the widget, filtered there
    parent = watched.parent()
    return parent if isinstance(parent, QWidget) else None


def default_covers(window: QWidget) -> bool:
    """Every visible top-level window except menus, tooltips and splash screens."""
    if not window.isWindow() or not window.isVisible():
        return False
    return window.windowType() not in _NOT_COVERED


def install_idle_lock(app: QApplication, minutes: float = DEFAULT_MINUTES,
                      save_hooks: Iterable[SaveHook] = (), verify: Verify | None = None,
                      **options: Any) -> IdleLock:
    """Install the idle lock on ``app`` (kept alive as the app's child) and start it."""
    return IdleLock(app, minutes, save_hooks, verify, **options).install()


__all__ = ["DEFAULT_MINUTES", "IdleLock", "LockOverlay", "SuspendAwareClock",
           "install_idle_lock"]
