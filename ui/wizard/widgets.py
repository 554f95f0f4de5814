"""The wizard's input widgets and the small parts every field is made of.

Every editor that the binding layer cannot take from Qt as it is (a date that may be empty, a
number that may be "not measured", a choice that may be "not chosen") lives here and offers
the same three things: ``value()``, ``setValue(v)`` and a ``valueEdited`` signal emitted only
when the *user* changed it.  Labels wrap instead of clipping, and no width is fixed in pixels,
so long Norwegian words fit at 150 % scaling.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QMargins, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from core.findings import Finding, Severity
from i18n import _
from ui.wizard import icons
from ui.wizard.formatting import format_date, format_datetime, parse_date, parse_datetime


def severity_word(severity: Severity) -> str:
    words = {
        Severity.BLOCKER: _("Must be fixed"),
        Severity.WARNING: _("Warning"),
        Severity.INFO: _("Information"),
    }
    return words[severity]


def strip_mnemonic(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def wrapping_policy(horizontal: QSizePolicy.Policy = QSizePolicy.Policy.Preferred) -> QSizePolicy:
    """A size policy for wrapped text: its height follows its width (setSizePolicy would
    otherwise drop the height-for-width flag that QLabel.setWordWrap sets)."""
    policy = QSizePolicy(horizontal, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    return policy


def wrapping_label(text: str = "", parent: QWidget | None = None, *, small: bool = False,
                   selectable: bool = False) -> QLabel:
    """A plain-text label that wraps and never forces its full width on the layout."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    if small:
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 0.92)
        label.setFont(font)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def heading(text: str, parent: QWidget | None = None, *, scale: float = 1.35) -> QLabel:
    label = wrapping_label(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def _ignore_wheel_unless_focused(widget: QWidget, event: QWheelEvent) -> bool:
    """Scrolling the page must never change a value the GP did not click into."""
    if not widget.hasFocus():
        event.ignore()
        return True
    return False


# --------------------------------------------------------------------------------------
# Editors
# --------------------------------------------------------------------------------------


class NoteEdit(QPlainTextEdit):
    """Multi-line text that grows with its content (up to a limit) and lets Tab move on."""

    def __init__(self, lines: int = 3, max_lines: int = 14, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines = lines
        self._max_lines = max(lines, max_lines)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _height_for(self, lines: int) -> int:
        margins = self.contentsMargins()
        doc_margin = int(self.document().documentMargin() * 2)
        return (lines * self.fontMetrics().lineSpacing() + doc_margin + margins.top()
                + margins.bottom() + 4)

    def _fit(self, *_args: Any) -> None:
        used = int(self.document().documentLayout().documentSize().height())
        lines = min(self._max_lines, max(self._lines, used))
        height = self._height_for(lines)
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height_for(self._lines))

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self._height_for(self._lines))


class ChoiceCombo(QComboBox):
    """A choice among fixed values; ``none_label`` offers "not chosen" (None or "")."""

    valueEdited = Signal()

    def __init__(self, choices: Sequence[tuple[object, str]], *, none_label: str | None = None,
                 none_value: object = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: list[object] = []
        self._none_value = none_value
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.set_choices(choices, none_label=none_label)
        self.activated.connect(lambda _index: self.valueEdited.emit())

    def set_choices(self, choices: Sequence[tuple[object, str]], *,
                    none_label: str | None = None) -> None:
        current = self.value() if self._values else self._none_value
        entries: list[tuple[object, str]] = []
        if none_label is not None:
            entries.append((self._none_value, none_label))
        entries += list(choices)
        if [v for v, _l in entries] == self._values and all(
                self.itemText(i) == label for i, (_v, label) in enumerate(entries)):
            return
        blocked = self.blockSignals(True)
        self.clear()
        self._values = [v for v, _l in entries]
        for _value, label in entries:
            self.addItem(label)
        self.blockSignals(blocked)
        self.setValue(current)

    def value(self) -> object:
        index = self.currentIndex()
        return self._values[index] if 0 <= index < len(self._values) else self._none_value

    def setValue(self, value: object) -> None:
        blocked = self.blockSignals(True)
        if value not in self._values:
            # A value from another pathway version or a hand-edited file: show it, never drop it.
            self._values.append(value)
            self.addItem(str(value))
        self.setCurrentIndex(self._values.index(value))
        self.blockSignals(blocked)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not _ignore_wheel_unless_focused(self, event):
            super().wheelEvent(event)


class OptionalSpinBox(QSpinBox):
    """A whole number that may be absent ("not measured" → None in the model)."""

    valueEdited = Signal()

    def __init__(self, minimum: int, maximum: int, *, start: int, suffix: str = "",
                 none_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._none = minimum - 1
        self._start = start
        self.setRange(self._none, maximum)
        self.setSpecialValueText(none_text)
        if suffix:
            self.setSuffix(suffix)
        self.setValue(self._none)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.valueChanged.connect(lambda _v: self.valueEdited.emit())

    def value_or_none(self) -> int | None:
        current = int(self.value())
        return None if current == self._none else current

    def set_value_or_none(self, value: int | None) -> None:
        blocked = self.blockSignals(True)
        self.setValue(self._none if value is None else value)
        self.blockSignals(blocked)

    def _bare(self, text: str) -> str:
        return text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        bare = self._bare(text)
        if bare in ("", self.specialValueText()):
            return (QValidator.State.Acceptable, text, pos)
        return super().validate(text, pos)

    def valueFromText(self, text: str) -> int:
        bare = self._bare(text)
        if bare in ("", self.specialValueText()):
            return self._none
        return int(super().valueFromText(text))

    def stepBy(self, steps: int) -> None:
        if self.value_or_none() is None and steps > 0:
            self.setValue(self._start)
        else:
            super().stepBy(steps)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.value_or_none() is None and event.text().isdigit():
            self.lineEdit().selectAll()
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not _ignore_wheel_unless_focused(self, event):
            super().wheelEvent(event)


class _CalendarButton(QToolButton):
    picked = Signal(QDate)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setArrowType(Qt.ArrowType.DownArrow)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # Typing the date is the fast way; Tab skips the calendar (a click still opens it).
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAccessibleName(_("Choose the date in a calendar"))
        self.setToolTip(_("Choose the date in a calendar"))
        self._menu = QMenu(self)
        self._calendar: QCalendarWidget | None = None
        # The calendar is made when first opened: a case has eight date fields, and eight
        # calendars (each a table view, menus and buttons) cost 2 MiB that typing never uses.
        self._menu.aboutToShow.connect(lambda: self.calendar)
        self.setMenu(self._menu)

    @property
    def calendar(self) -> QCalendarWidget:
        if self._calendar is None:
            self._calendar = QCalendarWidget(self._menu)
            self._calendar.setGridVisible(True)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(self._calendar)
            self._menu.addAction(action)
            self._calendar.clicked.connect(self._choose)
            self._calendar.activated.connect(self._choose)
        return self._calendar

    def _choose(self, day: QDate) -> None:
        self._menu.close()
        self.picked.emit(day)


class DateField(QWidget):
    """A date typed as dd.mm.åååå (or picked in a calendar); empty → None."""

    valueEdited = Signal()

    def __init__(self, parent: QWidget | None = None, *, with_time: bool = False) -> None:
        super().__init__(parent)
        self._with_time = with_time
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(_("dd.mm.yyyy hh:mm") if with_time else _("dd.mm.yyyy"))
        self.edit.setMaxLength(40)
        self.button = _CalendarButton(self)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.hint = wrapping_label(
            _("Write the date and time as dd.mm.yyyy hh:mm, for example 15.11.2021 08:30.")
            if with_time else _("Write the date as dd.mm.yyyy, for example 15.11.2021."),
            self, small=True)
        self.hint.hide()
        layout.addWidget(self.hint)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(self._edited)
        self.edit.editingFinished.connect(self._tidy)
        self.button.picked.connect(self._picked)
        self.button.pressed.connect(self._prepare_calendar)

    def setAccessibleName(self, name: str) -> None:
        """The name belongs on the line edit too: that is what gets focus and is read out."""
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    def _parse(self) -> Any:
        text = self.edit.text()
        return parse_datetime(text) if self._with_time else parse_date(text)

    def is_valid(self) -> bool:
        try:
            self._parse()
        except ValueError:
            return False
        return True

    def value(self) -> Any:
        try:
            return self._parse()
        except ValueError:
            return None

    def setValue(self, value: Any) -> None:
        text = format_datetime(value) if self._with_time else format_date(value)
        if self.edit.text() != text:
            self.edit.setText(text)
        self.hint.hide()

    def _edited(self, _text: str) -> None:
        self.hint.setVisible(not self.is_valid())
        self.valueEdited.emit()

    def _tidy(self) -> None:
        value = self.value()
        if value is not None and self.is_valid():
            self.setValue(value)

    def _prepare_calendar(self) -> None:
        value = self.value()
        day = value.date() if isinstance(value, datetime) else value
        day = day if isinstance(day, date) else date.today()
        self.button.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def _picked(self, day: QDate) -> None:
        picked = date(day.year(), day.month(), day.day())
        if self._with_time:
            current = self.value()
            clock = current.astimezone().strftime("%H:%M") if isinstance(current, datetime) else ""
            self.edit.setText(f"{format_date(picked)} {clock}".strip())
        else:
            self.edit.setText(format_date(picked))
        self._edited(self.edit.text())
        self.edit.setFocus()


class FlowLayout(QLayout):
    """Lays out items left to right and wraps to the next line when there is no room."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 12) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        width = sum(i.sizeHint().width() for i in self._items) + self._spacing * max(
            0, len(self._items) - 1)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        m: QMargins = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line > 0:
                x = area.x()
                y += line + self._spacing // 2
                line = 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


class RadioGroup(QWidget):
    """One of a few values as radio buttons that wrap; no button checked = not answered ("")."""

    valueEdited = Signal()

    def __init__(self, choices: Sequence[tuple[object, str]], *, empty: object = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty = empty
        self._buttons: list[tuple[object, QRadioButton]] = []
        layout = FlowLayout(self)
        for value, label in choices:
            button = QRadioButton(label, self)
            button.setAutoExclusive(False)
            button.clicked.connect(lambda _checked=False, v=value: self._clicked(v))
            layout.addWidget(button)
            self._buttons.append((value, button))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        if self._buttons:
            self.setFocusProxy(self._buttons[0][1])

    def buttons(self) -> list[QRadioButton]:
        return [b for _v, b in self._buttons]

    def value(self) -> object:
        for value, button in self._buttons:
            if button.isChecked():
                return value
        return self._empty

    def setValue(self, value: object) -> None:
        for option, button in self._buttons:
            blocked = button.blockSignals(True)
            button.setChecked(option == value)
            button.blockSignals(blocked)

    def _clicked(self, value: object) -> None:
        self.setValue(value)
        self.valueEdited.emit()

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        for _value, button in self._buttons:
            button.setAccessibleDescription(name)


class _ClickLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class CheckRow(QWidget):
    """A checkbox whose text wraps (QCheckBox itself never wraps and so clips long words)."""

    valueEdited = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.box = QCheckBox(self)
        self.box.setAccessibleName(strip_mnemonic(text))
        self.label = _ClickLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setText(strip_mnemonic(text))
        self.label.setWordWrap(True)
        self.label.setSizePolicy(wrapping_policy(QSizePolicy.Policy.Expanding))
        self.label.setBuddy(self.box)
        layout.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.setFocusProxy(self.box)
        self.box.toggled.connect(lambda _on: self.valueEdited.emit())
        self.label.clicked.connect(self._label_clicked)

    def _label_clicked(self) -> None:
        if self.box.isEnabled():
            self.box.setFocus(Qt.FocusReason.MouseFocusReason)
            self.box.toggle()

    def value(self) -> bool:
        return self.box.isChecked()

    def setValue(self, value: bool) -> None:
        blocked = self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(blocked)


# --------------------------------------------------------------------------------------
# Findings beside a field, and a link to a field
# --------------------------------------------------------------------------------------


def finding_word(finding: Finding, *, required: bool = False) -> str:
    return _("Required") if required else severity_word(finding.severity)


class FindingItem(QWidget):
    """Icon and message.  A blocker on a field that is simply still empty is shown calmly as
    "required" (a grey ring) — red is kept for values that are actually wrong."""

    def __init__(self, finding: Finding, parent: QWidget | None = None, *,
                 required: bool = False) -> None:
        super().__init__(parent)
        self.finding = finding
        self.required = required
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.icon = QLabel(self)
        size = self.fontMetrics().height()
        kind = "not_started" if required else finding.severity.value
        self.icon.setPixmap(icons.pixmap(kind, size, self.devicePixelRatioF()))
        word = finding_word(finding, required=required)
        self.icon.setAccessibleName(word)
        self.text = wrapping_label(finding.message, self, small=True)
        self.text.setAccessibleName(f"{word}: {finding.message}")
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.setToolTip(word)


class FindingsLabel(QWidget):
    """The rule engine's findings for one field, shown under it (hidden when there are none)."""

    def __init__(self, parent: QWidget | None = None, *, target: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        #: What a screen reader says about :attr:`target` for this label's findings.
        self.description = ""
        if target is not None:
            # Several labels may speak for one editor (the dose: its own findings and the
            # deviation shown beside it); the editor's description joins them all.
            labels: list[FindingsLabel] | None = getattr(target, "_findings_labels", None)
            if labels is None:
                labels = []
                target._findings_labels = labels  # type: ignore[attr-defined]
            labels.append(self)
        self._shown: tuple[tuple[str, str, str, bool], ...] = ()
        self.findings: list[Finding] = []
        #: Codes shown elsewhere instead (a deviation is shown beside the dose, not twice).
        self.hidden_codes: frozenset[str] = frozenset()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.hide()

    def set_findings(self, findings: Sequence[Finding],
                     required: Collection[Finding] = ()) -> None:
        """Show ``findings``; those in ``required`` only ask for an empty field to be filled."""
        findings = [f for f in findings if f.code not in self.hidden_codes]
        key = tuple((f.code, f.severity.value, f.message, f in required) for f in findings)
        if key == self._shown:
            return
        self._shown = key
        self.findings = list(findings)
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for finding in findings:
            self._layout.addWidget(FindingItem(finding, self, required=finding in required))
        self.setVisible(bool(findings))
        self.description = " ".join(
            f"{finding_word(f, required=f in required)}: {f.message}" for f in findings)
        if self.target is not None:
            labels = getattr(self.target, "_findings_labels", [self])
            self.target.setAccessibleDescription(
                " ".join(label.description for label in labels if label.description))

    def texts(self) -> list[str]:
        return [f.message for f in self.findings]


class FindingLink(QLabel):
    """A finding on the summary page: click or press Enter/Space to go to its field."""

    activated = Signal(str)

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding = finding
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(finding.message)
        self.setWordWrap(True)
        self.setSizePolicy(wrapping_policy(QSizePolicy.Policy.Expanding))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        font = self.font()
        font.setUnderline(True)
        self.setFont(font)
        self.setForegroundRole(self.palette().ColorRole.Link)
        name = _("{severity}: {message} Activate to go to the field.").format(
            severity=severity_word(finding.severity), message=finding.message)
        self.setAccessibleName(name)
        self.setToolTip(_("Go to the field"))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.finding.field)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.finding.field)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.setFrameStyle(QFrame.Shape.Box | QFrame.Shadow.Plain)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.setFrameStyle(QFrame.Shape.NoFrame)
        super().focusOutEvent(event)


# --------------------------------------------------------------------------------------
# Field rows and help
# --------------------------------------------------------------------------------------


class HelpText(QWidget):
    """A "Help" toggle with the explanation below it (also the tooltip of the toggle)."""

    def __init__(self, text: str, subject: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.button = QToolButton(self)
        self.button.setText(_("Help"))
        self.button.setCheckable(True)
        self.button.setArrowType(Qt.ArrowType.RightArrow)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setAutoRaise(True)
        self.button.setToolTip(text)
        self.button.setAccessibleName(_("Help for {subject}").format(subject=subject))
        self.text = wrapping_label(text, self, small=True)
        self.text.hide()
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.text)
        self.button.toggled.connect(self._toggle)

    def move_button_to(self, layout: QHBoxLayout) -> None:
        """Put the toggle elsewhere (e.g. beside a title); the text stays where this widget is."""
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    def _toggle(self, on: bool) -> None:
        self.text.setVisible(on)
        self.button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)


class FieldRow(QWidget):
    """Label above the editor, optional hint, and the findings for the field below it."""

    def __init__(self, label: str | None, editor: QWidget, *, hint: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.label: QLabel | None = None
        if label:
            self.label = QLabel(label, self)
            self.label.setWordWrap(True)
            self.label.setBuddy(editor)
            layout.addWidget(self.label)
            editor.setAccessibleName(strip_mnemonic(label))
        layout.addWidget(editor)
        self.hint: QLabel | None = None
        if hint:
            self.hint = wrapping_label(hint, self, small=True)
            layout.addWidget(self.hint)
        target = editor.focusProxy() or editor
        self.findings = FindingsLabel(self, target=target)
        layout.addWidget(self.findings)
        self.setFocusProxy(editor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def add_below(self, widget: QWidget) -> None:
        """Add a widget under the field's findings (e.g. findings mirrored from elsewhere)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(widget)

    def set_hint(self, text: str) -> None:
        if self.hint is None:
            self.hint = wrapping_label(text, self, small=True)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(layout.indexOf(self.findings), self.hint)
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
