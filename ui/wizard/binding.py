"""Two-way binding between editors and dotted paths in the case, through the controller.

Pages hold no state: each editor is bound to one path (``"patient.name"``,
``"medications.0.daily_dose"``).  A user edit is written with
:meth:`~ui.controller.CaseController.set_value`; any change of the case (from any editor, a
list row added or removed, a value filled in by code) reloads every editor whose shown value
differs from the model — so there is never a second copy of the truth.

The binder also keeps the *registry* path → widget that lets a finding be shown beside its
field and lets the summary jump to it (:meth:`Binder.locate`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from core import diff
from core.case import SHORT_TEXT_MAX
from core.casepath import CasePathError
from core.findings import Finding, Severity
from core.steps import STEPS
from i18n import _
from ui.wizard.progress import field_is_empty
from ui.wizard.widgets import (
    CheckRow,
    ChoiceCombo,
    DateField,
    FieldRow,
    FindingsLabel,
    NoteEdit,
    OptionalSpinBox,
    RadioGroup,
)

if TYPE_CHECKING:
    from ui.controller import CaseController

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Binding:
    path: str
    step: str
    widget: QWidget
    #: Editor → model value.
    read: Callable[[], Any]
    #: Model value → editor (the editor's own signals are not emitted).
    write: Callable[[Any], None]
    #: What the editor shows for a model value of None.
    empty: Any = None
    #: Runs before each reload (e.g. a combo whose choices depend on another field).
    before_load: Callable[[], None] | None = None
    active: bool = field(default=True)


def _adapt(widget: QWidget) -> tuple[Callable[[], Any], Callable[[Any], None], Any, Any]:
    """(read, write, empty, edited-signal) for each supported editor type."""
    if isinstance(widget, QLineEdit):
        def write_line(value: Any) -> None:
            widget.setText(str(value))
        return widget.text, write_line, "", widget.textEdited
    if isinstance(widget, QPlainTextEdit):
        def write_text(value: Any) -> None:
            blocked = widget.blockSignals(True)
            widget.setPlainText(str(value))
            widget.blockSignals(blocked)
        return widget.toPlainText, write_text, "", widget.textChanged
    if isinstance(widget, CheckRow):
        return widget.value, widget.setValue, False, widget.valueEdited
    if isinstance(widget, OptionalSpinBox):
        return widget.value_or_none, widget.set_value_or_none, None, widget.valueEdited
    if isinstance(widget, ChoiceCombo | DateField | RadioGroup):
        return widget.value, widget.setValue, None, widget.valueEdited
    raise TypeError(f"cannot bind {type(widget).__name__}")


class Binder(QObject):
    """Editors ↔ case paths, the path → widget registry, and findings beside their fields."""

    #: Findings that have no field label of their own changed (per step; see :attr:`unplaced`).
    unplaced_changed = Signal()
    #: An editor refused a value (too long, out of range); the argument is the path.
    refused = Signal(str)

    def __init__(self, controller: CaseController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._bindings: dict[str, Binding] = {}
        self._targets: dict[str, tuple[QWidget, str]] = {}
        self._labels: dict[str, FindingsLabel] = {}
        self.unplaced: dict[str, list[Finding]] = {}
        controller.changed.connect(self.reload)
        controller.findings_changed.connect(self.show_findings)

    # ---- binding -------------------------------------------------------------------------

    def bind(self, path: str, widget: QWidget, step: str, *,
             before_load: Callable[[], None] | None = None) -> Binding:
        read, write, empty, edited = _adapt(widget)
        binding = Binding(path, step, widget, read, write, empty, before_load)
        old = self._bindings.get(path)
        if old is not None:
            old.active = False
        self._bindings[path] = binding
        self.register(path, widget, step)
        edited.connect(lambda *_args: self._edited(binding))
        self._load(binding)
        return binding

    def register(self, path: str, widget: QWidget, step: str) -> None:
        """Make ``widget`` the place to go for findings about ``path`` (bound or not)."""
        self._targets[path] = (widget, step)

    def add_label(self, path: str, label: FindingsLabel) -> None:
        self._labels[path] = label

    def unbind_prefix(self, prefix: str) -> None:
        """Forget every binding, target and label at ``prefix`` or below it (rows removed)."""
        def under(path: str) -> bool:
            return path == prefix or path.startswith(prefix + ".")

        for path in [p for p in self._bindings if under(p)]:
            self._bindings.pop(path).active = False
        for path in [p for p in self._targets if under(p)]:
            del self._targets[path]
        for path in [p for p in self._labels if under(p)]:
            del self._labels[path]

    def binding(self, path: str) -> Binding | None:
        return self._bindings.get(path)

    def paths(self) -> list[str]:
        return list(self._bindings)

    # ---- model → editors ---------------------------------------------------------------

    def reload(self, _path: str = "") -> None:
        """Show the model in every editor that differs (cheap: a few µs per editor)."""
        for binding in list(self._bindings.values()):
            if binding.active:
                self._load(binding)
        self.show_findings()

    def _load(self, binding: Binding) -> None:
        if binding.before_load is not None:
            binding.before_load()
        try:
            value = self.controller.value(binding.path)
        except CasePathError:
            return  # a row that is being removed
        if value is None:
            value = binding.empty
        if binding.read() != value:
            binding.write(value)

    # ---- editors → model ---------------------------------------------------------------

    def _edited(self, binding: Binding) -> None:
        if not binding.active:
            return
        value = binding.read()
        try:
            self.controller.set_value(binding.path, value)
        except (ValueError, CasePathError) as exc:  # pydantic's ValidationError is a ValueError
            log.warning("Value refused for %s: %s", binding.path, type(exc).__name__)
            self.refused.emit(binding.path)

    # ---- registry and findings ----------------------------------------------------------

    def locate(self, path: str) -> tuple[QWidget, str] | None:
        """The widget for ``path``: itself, else the first field below it, else its parent's."""
        if path in self._targets:
            return self._targets[path]
        if path:
            prefix = path + "."
            for candidate, target in self._targets.items():
                if candidate.startswith(prefix):
                    return target
        parent = path
        while "." in parent:
            parent = parent.rsplit(".", 1)[0]
            if parent in self._targets:
                return self._targets[parent]
        return None

    def show_findings(self) -> None:
        by_field: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.controller.findings:
            by_field[finding.field].append(finding)
        case = self.controller.case
        required = {f for f in self.controller.findings
                    if f.severity is Severity.BLOCKER and field_is_empty(case, f.field)}
        for path, label in self._labels.items():
            label.set_findings(by_field.get(path, []), required)
        unplaced: dict[str, list[Finding]] = defaultdict(list)
        for path, findings in by_field.items():
            if path not in self._labels:
                for finding in findings:
                    unplaced[finding.step].append(finding)
        if unplaced != self.unplaced:
            self.unplaced = dict(unplaced)
            self.unplaced_changed.emit()


class StepFields:
    """Builds bound field rows for one wizard step (label above editor, findings below)."""

    def __init__(self, binder: Binder, step: str) -> None:
        self.binder = binder
        self.step = step

    def _row(self, path: str, label: str | None, editor: QWidget, *, hint: str = "",
             before_load: Callable[[], None] | None = None, show_label: bool = True) -> FieldRow:
        row = FieldRow(label if show_label else None, editor, hint=hint)
        if label and not show_label:
            editor.setAccessibleName(label)
        self.binder.bind(path, editor, self.step, before_load=before_load)
        self.binder.add_label(path, row.findings)
        return row

    def line(self, path: str, label: str, *, placeholder: str = "", hint: str = "",
             max_length: int = SHORT_TEXT_MAX) -> FieldRow:
        editor = QLineEdit()
        editor.setMaxLength(max_length)
        if placeholder:
            editor.setPlaceholderText(placeholder)
        return self._row(path, label, editor, hint=hint)

    def text(self, path: str, label: str, *, lines: int = 3, hint: str = "",
             placeholder: str = "", show_label: bool = True) -> FieldRow:
        """Multi-line text; without a visible label, ``label`` is its accessible name."""
        editor = NoteEdit(lines)
        if placeholder:
            editor.setPlaceholderText(placeholder)
        return self._row(path, label, editor, hint=hint, show_label=show_label)

    def choice(self, path: str, label: str, choices: Sequence[tuple[object, str]] | None = None,
               *, none_label: str | None = None, none_value: object = None, hint: str = "",
               dynamic: Callable[[], Sequence[tuple[object, str]]] | None = None) -> FieldRow:
        editor = ChoiceCombo(choices or (), none_label=none_label, none_value=none_value)
        before_load = None
        if dynamic is not None:
            def before_load() -> None:
                editor.set_choices(dynamic(), none_label=none_label)
        return self._row(path, label, editor, hint=hint, before_load=before_load)

    def radio(self, path: str, label: str, choices: Sequence[tuple[object, str]], *,
              empty: object = "") -> FieldRow:
        editor = RadioGroup(choices, empty=empty)
        row = self._row(path, label, editor)
        editor.setAccessibleName(label)
        return row

    def check(self, path: str, text: str, *, hint: str = "") -> FieldRow:
        return self._row(path, None, CheckRow(text), hint=hint)

    def number(self, path: str, label: str, *, minimum: int, maximum: int, start: int,
               suffix: str = "", hint: str = "", none_text: str = "") -> FieldRow:
        editor = OptionalSpinBox(minimum, maximum, start=start, suffix=suffix,
                                 none_text=none_text or _("Not measured"))
        return self._row(path, label, editor, hint=hint)

    def date(self, path: str, label: str, *, hint: str = "") -> FieldRow:
        return self._row(path, label, DateField(), hint=hint)

    def datetime(self, path: str, label: str, *, hint: str = "") -> FieldRow:
        return self._row(path, label, DateField(with_time=True), hint=hint)

    def findings_for(self, path: str, parent: QWidget | None = None) -> FindingsLabel:
        """A findings label for a path that has no editor of its own (a list, a group)."""
        label = FindingsLabel(parent)
        self.binder.add_label(path, label)
        return label


def labels_from(binder: Binder) -> Callable[[str], str | None]:
    """Field labels as the wizard shows them (its editors' accessible names), for
    :attr:`ui.controller.CaseController.field_label`."""
    def label(path: str) -> str | None:
        binding = binder.binding(path)
        name = binding.widget.accessibleName() if binding is not None else ""
        if not name:
            return None
        step = diff.step_for(path)
        title = next((_(s.title) for s in STEPS if s.id == step), step)
        return _("{step}: {field}").format(step=title, field=name)

    return label


__all__ = ["Binder", "Binding", "StepFields", "labels_from"]
