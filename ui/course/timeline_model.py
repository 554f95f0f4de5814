"""The course day by day as a table model: one row per :class:`~core.course.timeline.CourseDay`.

Every cell's text is made once when the days are set (a 21-day course with three entries a
day is about 150 short strings); :meth:`CourseTimelineModel.data` only looks them up, so
painting and scrolling cost nothing beyond Qt's own drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from core.course.doses import typed
from core.course.periods import local_day
from core.findings import Finding, Severity
from i18n import N_, _
from ui.wizard import icons
from ui.wizard.formatting import babel_locale, clock_time, ui_language
from ui.wizard.widgets import severity_word

if TYPE_CHECKING:
    from core.content.pathway import Pathway
    from core.course.model import DoseDecision, FollowUpEntry
    from core.course.timeline import CourseDay

Index = QModelIndex | QPersistentModelIndex

_DISPLAY = Qt.ItemDataRole.DisplayRole
#: Qt.ItemDataRole.UserRole: the row's CourseDay.
DAY_ROLE = int(Qt.ItemDataRole.UserRole)

COLUMNS = (N_("Date"), N_("Isolation day"), N_("Treatment day"), N_("Planned dose"),
           N_("Follow-ups"), N_("Decisions and taper"), N_("Findings"))
DATE, ISOLATION, TREATMENT, PLANNED, ENTRIES, DECISIONS, FINDINGS = range(len(COLUMNS))
_ORDER = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _mg(value: Decimal | None) -> str:
    return _("unreadable dose") if value is None else f"{typed(value)} mg"


class CourseTimelineModel(QAbstractTableModel):
    def __init__(self, pathway: Pathway, parent: Any = None) -> None:
        super().__init__(parent)
        self.pathway = pathway
        self.days: list[CourseDay] = []
        self._cells: list[tuple[str, ...]] = []
        self._tips: list[str] = []
        self._worst: list[Severity | None] = []
        self._icons: dict[str, QIcon] = {}
        self.today: Any = None
        self._headers = tuple(_(h) for h in COLUMNS)

    # ---- filling ---------------------------------------------------------------------

    def set_days(self, days: Sequence[CourseDay], today: Any = None) -> None:
        self.beginResetModel()
        self.days = list(days)
        self._cells = [self._row(day) for day in self.days]
        self._tips = [self._findings_tip(day.findings) for day in self.days]
        self._worst = [min((f.severity for f in day.findings if f.severity is not Severity.INFO),
                           key=_ORDER.__getitem__, default=None) for day in self.days]
        self.today = today
        self.endResetModel()

    def _drug(self, drug_id: str) -> str:
        drug = self.pathway.drug(drug_id)
        return drug.name.get(ui_language()) if drug is not None else drug_id

    def _row(self, day: CourseDay) -> tuple[str, ...]:
        from babel.dates import format_date

        date_text = str(format_date(day.day, "EEE d.M.yyyy", locale=babel_locale()))
        planned = "\n".join(f"{self._drug(d)} {_mg(v)}" for d, v in day.planned.items())
        entries = "\n".join(self._entry(e) for _i, e in day.entries)
        decisions = [self._decision(d) for _i, d in day.decisions]
        if day.taper_step_begins and day.taper_step is not None:
            decisions.append(_("Taper step {step} of {steps} begins").format(
                step=day.taper_step, steps=day.taper_steps))
        findings = [f for f in day.findings if f.severity is not Severity.INFO]
        findings.sort(key=lambda f: _ORDER[f.severity])
        finding_text = "\n".join(f.message for f in findings[:2])
        if len(findings) > 2:
            finding_text += "\n" + _("… and {count} more").format(count=len(findings) - 2)
        return (date_text,
                str(day.isolation_day) if day.isolation_day is not None else "",
                str(day.treatment_day) if day.treatment_day is not None else "",
                planned, entries, "\n".join(decisions), finding_text)

    def _entry(self, entry: FollowUpEntry) -> str:
        parts = [clock_time(entry.at)]
        if entry.observer.name:
            parts.append(entry.observer.name)
        given = [d for d in entry.doses if d.status == "given"]
        if given:
            parts.append(_("given {doses}").format(doses=", ".join(
                f"{d.dose} mg" + ("" if d.supervised is not False else " " + _("(unsupervised)"))
                for d in given)))
        elif any(d.status in ("withheld", "refused", "missed") for d in entry.doses):
            parts.append(_("dose not given"))
        if entry.intoxication == "signs":
            parts.append(_("signs of intoxication"))
        if entry.overdose == "signs":
            parts.append(_("signs of overdose"))
        return " · ".join(parts)

    def _decision(self, decision: DoseDecision) -> str:
        if decision.new_drug and decision.new_drug != decision.drug:
            return _("Change to {drug} {dose} mg").format(drug=self._drug(decision.new_drug),
                                                          dose=decision.new_daily_dose)
        return _("New dose: {drug} {dose} mg").format(drug=self._drug(decision.drug),
                                                      dose=decision.new_daily_dose)

    @staticmethod
    def _findings_tip(findings: Sequence[Finding]) -> str:
        return "\n".join(f"{severity_word(f.severity)}: {f.message}" for f in findings)

    def column_texts(self, column: int) -> list[str]:
        return [cells[column] for cells in self._cells]

    def lines(self, row: int) -> int:
        """The most lines any cell of ``row`` has."""
        return max((text.count("\n") + 1 for text in self._cells[row]), default=1)

    def row_of(self, day: Any) -> int | None:
        for row, course_day in enumerate(self.days):
            if course_day.day == day:
                return row
        return None

    def row_of_entry(self, entry: FollowUpEntry) -> int | None:
        return self.row_of(local_day(entry.at))

    # ---- the model -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.days)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def _icon(self, kind: str) -> QIcon:
        if kind not in self._icons:
            self._icons[kind] = icons.icon(kind)
        return self._icons[kind]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == _DISPLAY:
            return self._cells[index.row()][index.column()]
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == DAY_ROLE:
            return self.days[row]
        if column == FINDINGS:
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._tips[row] or None
            if role == Qt.ItemDataRole.DecorationRole and self._worst[row] is not None:
                worst = self._worst[row]
                assert worst is not None
                return self._icon(worst.value)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self._cells[row][column]}"
        if (role == Qt.ItemDataRole.FontRole and self.today is not None
                and self.days[row].day == self.today):
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        return None


__all__ = ["COLUMNS", "DAY_ROLE", "CourseTimelineModel"]
