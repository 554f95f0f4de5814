"""The frame every step page shares: a scroll area, the step's heading, its findings, sections.

Pages are built once from the pathway and the case; afterwards they only *show* the case
(through the binder) and never keep values of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.findings import Finding
from core.steps import Step
from i18n import _
from ui.wizard.binding import Binder, StepFields
from ui.wizard.formatting import ui_language
from ui.wizard.widgets import FindingsLabel, heading, wrapping_label

if TYPE_CHECKING:
    from core.content.pathway import Pathway, Text
    from ui.controller import CaseController


@dataclass
class PageContext:
    controller: CaseController
    binder: Binder
    pathway: Pathway
    #: Show the step of a dotted path and focus its widget.
    go_to: Callable[[str], bool]

    def text(self, value: Text) -> str:
        """A pathway text in the UI language."""
        return value.get(ui_language())


class Section(QFrame):
    """A titled block of fields laid out in two columns (a row may span both)."""

    def __init__(self, title: str = "", intro: str = "", parent: QWidget | None = None,
                 *, columns: int = 2) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.outer = QVBoxLayout(self)
        self.outer.setSpacing(8)
        self.header = QHBoxLayout()
        self.title = heading(title, self, scale=1.1) if title else None
        if self.title is not None:
            self.header.addWidget(self.title, 1)
        self.outer.addLayout(self.header)
        self.intro = wrapping_label(intro, self) if intro else None
        if self.intro is not None:
            self.outer.addWidget(self.intro)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(10)
        self.columns = columns
        for column in range(columns):
            self.grid.setColumnStretch(column, 1)
        self.outer.addLayout(self.grid)
        self._row = 0
        self._column = 0

    def add(self, widget: QWidget, *, full: bool = False) -> QWidget:
        if full or self.columns == 1:
            if self._column:
                self._row += 1
            self.grid.addWidget(widget, self._row, 0, 1, self.columns, Qt.AlignmentFlag.AlignTop)
            self._row += 1
            self._column = 0
        else:
            self.grid.addWidget(widget, self._row, self._column, Qt.AlignmentFlag.AlignTop)
            self._column += 1
            if self._column >= self.columns:
                self._column = 0
                self._row += 1
        return widget

    def new_line(self) -> None:
        if self._column:
            self._row += 1
            self._column = 0


class StepPage(QScrollArea):
    """One step: heading, the step's findings that belong to no field, then its sections."""

    def __init__(self, step: Step, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.ctx = ctx
        self.fields = StepFields(ctx.binder, step.id)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.content = QWidget(self)
        self.content.setObjectName(f"page-{step.id}")
        self.body = QVBoxLayout(self.content)
        self.body.setSpacing(14)
        self.heading = heading(_(step.title), self.content, scale=1.5)
        self.body.addWidget(self.heading)
        self.panel = FindingsLabel(self.content)
        self.body.addWidget(self.panel)
        self.build()
        self.body.addStretch(1)
        self.setWidget(self.content)
        self.setAccessibleName(_(step.title))

    @property
    def controller(self) -> CaseController:
        return self.ctx.controller

    def build(self) -> None:
        """Add the step's sections to :attr:`body` (subclasses)."""

    def intro(self, text: str) -> None:
        self.body.addWidget(wrapping_label(text, self.content))

    def section(self, title: str = "", intro: str = "", *, columns: int = 2) -> Section:
        section = Section(title, intro, self.content, columns=columns)
        self.body.addWidget(section)
        return section

    def set_unplaced(self, findings: list[Finding]) -> None:
        """Findings of this step that point at no particular field on the page."""
        self.panel.set_findings(findings)

    def on_shown(self) -> None:
        """The page became the current step."""

    def on_hidden(self) -> None:
        """Another step was chosen."""
