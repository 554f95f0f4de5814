"""Rows of a list in the case (diagnoses, substance use, medications, extra points/measures).

Rows are added and removed with :meth:`~ui.controller.CaseController.mutate`; the section
rebuilds its row widgets whenever the list changes shape, rebinding every field to its new
index.  Removing a row that holds anything asks first, and can be undone afterwards (a
notice with "Angre" stays until the next row is added), so nothing is lost by a slip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.case import LIST_MAX
from core.casepath import get_value
from i18n import _
from ui.wizard.page import Section
from ui.wizard.widgets import wrapping_label

if TYPE_CHECKING:
    from ui.wizard.page import StepPage

RowBuilder = Callable[[Section, str, int], None]


def is_tab_stop(widget: QWidget) -> bool:
    return widget.focusProxy() is None and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def focusable(root: QWidget) -> list[QWidget]:
    """Widgets below ``root`` that Tab stops at, in the order they were made."""
    window = root.window()
    return [w for w in root.findChildren(QWidget) if is_tab_stop(w) and w.window() is window]


def tab_stop_before(container: QWidget) -> QWidget | None:
    """The last Tab stop before ``container`` (and outside it) in the focus chain."""
    widget = container.previousInFocusChain()
    while widget is not None and widget is not container:
        if is_tab_stop(widget) and not container.isAncestorOf(widget):
            return widget
        widget = widget.previousInFocusChain()
    return None


def chain_after(container: QWidget, widgets: Iterable[QWidget]) -> None:
    """Make ``widgets`` the Tab stops right where ``container`` is, in the order given.

    Qt appends widgets made after the window to the end of its focus chain, behind the
    Back/Next buttons; parts of a page rebuilt on the fly use this to keep the reading order.
    (``QWidget.setTabOrder`` ignores a first widget that takes no focus, so the chain is
    anchored at the last real Tab stop before ``container``.)  While a page is still being
    built it is its own window and its creation order already is the reading order; walking
    its focus chain then also upsets PySide's wrappers, so nothing is done.
    """
    if not isinstance(container.window(), QMainWindow):
        return
    previous = tab_stop_before(container)
    if previous is None:
        return
    for widget in widgets:
        QWidget.setTabOrder(previous, widget)
        previous = widget


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask a yes/no question (No is the default); tests replace this function."""
    answer = QMessageBox.question(
        parent, title, text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class ListSection(QWidget):
    def __init__(self, page: StepPage, path: str, *, new_item: Callable[[], BaseModel],
                 build_row: RowBuilder, row_title: Callable[[int], str], add_text: str,
                 empty_text: str, remove_question: str, columns: int = 2) -> None:
        super().__init__(page.content)
        self.page = page
        self.path = path
        self._new_item = new_item
        self._build_row = build_row
        self._row_title = row_title
        self._remove_question = remove_question
        self._columns = columns
        self.rows: list[Section] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.findings = page.fields.findings_for(path, self)
        layout.addWidget(self.findings)
        self.empty = wrapping_label(empty_text, self)
        layout.addWidget(self.empty)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(8)
        layout.addLayout(self.rows_layout)
        self._removed: tuple[int, BaseModel] | None = None
        self.undo_notice = QFrame(self)
        self.undo_notice.setFrameShape(QFrame.Shape.StyledPanel)
        notice = QHBoxLayout(self.undo_notice)
        self.undo_label = wrapping_label("", self.undo_notice)
        self.undo_button = QPushButton(_("&Undo"), self.undo_notice)
        self.undo_button.clicked.connect(self.undo_remove)
        notice.addWidget(self.undo_label, 1)
        notice.addWidget(self.undo_button)
        self.undo_notice.hide()
        layout.addWidget(self.undo_notice)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(add_text, self)
        self.add_button.clicked.connect(self.add_row)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        page.ctx.binder.register(path, self.add_button, page.step.id)
        page.controller.changed.connect(self._changed)
        self.rebuild()

    def items(self) -> list[Any]:
        value = get_value(self.page.controller.case, self.path)
        return list(value) if isinstance(value, list) else []

    def _changed(self, path: str) -> None:
        if path in ("", self.path) or len(self.items()) != len(self.rows):
            self.rebuild()

    def rebuild(self) -> None:
        binder = self.page.ctx.binder
        for index in range(len(self.rows)):
            binder.unbind_prefix(f"{self.path}.{index}")
        for row in self.rows:
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for index in range(len(self.items())):
            row = Section(self._row_title(index), "", self, columns=self._columns)
            remove = QPushButton(_("Remove"), row)
            remove.setAccessibleName(_("Remove: {item}").format(item=self._row_title(index)))
            remove.clicked.connect(lambda _checked=False, i=index: self.remove_row(i))
            row.header.addWidget(remove)
            self._build_row(row, f"{self.path}.{index}", index)
            self.rows_layout.addWidget(row)
            self.rows.append(row)
        self.empty.setVisible(not self.rows)
        self.add_button.setEnabled(len(self.rows) < LIST_MAX)
        # Rows made after the page keep the reading order for Tab (Qt appends them last).
        chain_after(self, [*(w for row in self.rows for w in focusable(row)),
                           self.undo_button, self.add_button])
        binder.show_findings()

    def add_row(self) -> None:
        def append(case: Any) -> None:
            target = get_value(case, self.path)
            target.append(self._new_item())

        self._forget_removed()
        self.page.controller.mutate(append, self.path)
        if self.rows:
            editors = [w for w in focusable(self.rows[-1]) if not isinstance(w, QPushButton)]
            if editors:
                # New rows become visible in the next event-loop turn; focus them then.
                QTimer.singleShot(0, lambda: self._focus(editors[0]))

    def _focus(self, widget: QWidget) -> None:
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        self.page.ensureWidgetVisible(widget)

    def remove_row(self, index: int) -> None:
        items = self.items()
        if not 0 <= index < len(items):
            return
        item = items[index]
        if isinstance(item, BaseModel) and item != type(item)() and not confirm(
                self, _("Remove"), self._remove_question.format(item=self._row_title(index))):
            return

        def remove(case: Any) -> None:
            del get_value(case, self.path)[index]

        title = self._row_title(index)
        self.page.controller.mutate(remove, self.path)
        if isinstance(item, BaseModel) and item != type(item)():
            # A slip is one click away from being undone (nothing typed is lost).
            self._removed = (index, item.model_copy(deep=True))
            text = _("{item} was removed.").format(item=title)
            self.undo_label.setText(text)
            self.undo_notice.setAccessibleName(text)
            self.undo_button.setAccessibleName(_("Undo: bring {item} back").format(item=title))
            self.undo_notice.show()
            self.undo_button.setFocus()
        else:
            self._forget_removed()
            self.add_button.setFocus()

    def undo_remove(self) -> None:
        """Put the row removed last back where it was, with everything written in it."""
        if self._removed is None:
            return
        index, item = self._removed
        self._forget_removed()

        def restore(case: Any) -> None:
            target = get_value(case, self.path)
            target.insert(min(index, len(target)), item)

        self.page.controller.mutate(restore, self.path)
        row = self.rows[min(index, len(self.rows) - 1)]
        editors = [w for w in focusable(row) if not isinstance(w, QPushButton)]
        if editors:
            QTimer.singleShot(0, lambda: self._focus(editors[0]))

    def _forget_removed(self) -> None:
        self._removed = None
        self.undo_notice.hide()
