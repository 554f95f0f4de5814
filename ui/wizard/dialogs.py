"""Dialogs around the wizard: the prescriber profile and the choice of pathway for a new case.

Also :func:`start_case`, which fills a new case with what is known before the consultation
(the prescriber from the profile, today's date, the pathway's default measures).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.case import Case, MeasureChoice, Prescriber, new_case
from core.content.pathway import Pathway
from i18n import _
from ui.wizard.banners import validity_period
from ui.wizard.formatting import ui_language
from ui.wizard.widgets import CheckRow, FieldRow, heading, wrapping_label


def _readable_width(dialog: QDialog) -> None:
    """Wide enough for comfortable lines (relative to the font, so it scales), never wider
    than the screen."""
    width = dialog.fontMetrics().horizontalAdvance("M") * 40
    screen = dialog.screen()
    if screen is not None:
        width = min(width, int(screen.availableGeometry().width() * 0.9))
    dialog.setMinimumWidth(min(width, dialog.fontMetrics().horizontalAdvance("M") * 24))
    dialog.resize(width, dialog.heightForWidth(width) if dialog.hasHeightForWidth()
                  else dialog.sizeHint().height())


class ProfileDialog(QDialog):
    """Asked once: the prescriber's details, remembered and filled into every new case."""

    def __init__(self, prescriber: Prescriber, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Prescriber profile"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Prescriber profile"), self))
        layout.addWidget(wrapping_label(
            _("Your details are filled into every new case. They are kept on this computer "
              "and can be changed later."), self))
        labels = {
            "name": _("Doctor's name"),
            "hpr_number": _("HPR number"),
            "workplace": _("Workplace"),
            "municipality": _("Municipality"),
            "phone": _("Doctor's phone"),
        }
        self.edits: dict[str, QLineEdit] = {}
        for key in labels:
            edit = QLineEdit(str(getattr(prescriber, key)), self)
            edit.setMaxLength(200)
            self.edits[key] = edit
            layout.addWidget(FieldRow(labels[key], edit, parent=self))
        self.hpr_hint = wrapping_label(_("An HPR number has 6 to 9 digits."), self, small=True)
        layout.addWidget(self.hpr_hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        layout.addStretch(1)
        _readable_width(self)

    def prescriber(self) -> Prescriber:
        return Prescriber(**{key: edit.text().strip() for key, edit in self.edits.items()})


def pathway_status(pathway: Pathway, today: date) -> str:
    """Whether the pathway's legal basis applies today, in words."""
    basis = pathway.legal_basis
    period = validity_period(basis)
    if basis.in_force_on(today):
        text = _("In force ({period}).").format(period=period)
    elif basis.valid_until is not None and today > basis.valid_until:
        text = _("Expired: the legal basis applied {period}. A new case can only be an "
                 "exercise.").format(period=period)
    else:
        text = _("Not in force yet: the legal basis applies {period}.").format(period=period)
    if basis.status == "proposal":
        text = " ".join((text, _("The legal basis is a proposal from a public hearing.")))
    return text


class NewCaseDialog(QDialog):
    """Choose the pathway (the current version is preselected) and whether it is an exercise."""

    def __init__(self, pathways: list[Pathway], default: Pathway, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = today
        self.pathways = sorted(pathways, key=lambda p: (p.id, -p.version))
        self.setWindowTitle(_("New case"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("New case"), self))
        label = QLabel(_("&Pathway (legal basis and content version):"), self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        label.setBuddy(self.list)
        for pathway in self.pathways:
            text = _("{title} – version {version}").format(
                title=pathway.title.get(ui_language()), version=pathway.version)
            if pathway.description:
                text += "\n" + pathway.description.get(ui_language())
            if pathway.legal_basis.in_force_on(today):
                text += "\n" + _("In force on the consultation date.")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, pathway.key)
            self.list.addItem(item)
        layout.addWidget(self.list, 1)
        self.status = wrapping_label("", self)
        layout.addWidget(self.status)
        self.exercise = CheckRow(
            _("Exercise mode: a practice or template case, not a real prescription decision"),
            self)
        layout.addWidget(self.exercise)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.start_button = buttons.addButton(_("&Start the case"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._chosen)
        self.list.setCurrentRow(self.pathways.index(default) if default in self.pathways else 0)
        _readable_width(self)

    def pathway(self) -> Pathway:
        return self.pathways[max(0, self.list.currentRow())]

    def exercise_mode(self) -> bool:
        return self.exercise.value()

    def _chosen(self, row: int) -> None:
        if not 0 <= row < len(self.pathways):
            return
        pathway = self.pathways[row]
        self.status.setText(pathway_status(pathway, self.today))
        self.exercise.setValue(not pathway.legal_basis.in_force_on(self.today))


def start_case(pathway: Pathway, prescriber: Prescriber, *, today: date,
               exercise: bool = False) -> Case:
    """A new draft with what is known before the consultation starts."""
    case = new_case(pathway.id, pathway.version, prescriber)
    case.consultation.date = today
    case.consultation.exercise_mode = exercise
    case.measures = {m.id: MeasureChoice(chosen=m.default_chosen) for m in pathway.measures}
    return case
