"""The Qt face of one open case: the model, its findings, and debounced autosave.

Wizard pages hold no state of their own: they read from :attr:`CaseController.case` and write
through :meth:`set_value` / :meth:`mutate`.  Every change re-runs the rule engine (well under a
millisecond) and arms a single-shot timer; when the GP pauses, the case is saved in one
transaction.  A failed save keeps the case in memory, marks it dirty, reports the error and
retries on the next change or on :meth:`save_now` — what the GP typed is never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.case import Case
from core.casepath import get_value, set_value
from core.findings import Finding, Severity

if TYPE_CHECKING:
    from core.content.pathway import Pathway
    from core.storage import Store

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 700


class CaseController(QObject):
    #: A field changed; the argument is its dotted path ("" when the whole case changed).
    changed = Signal(str)
    findings_changed = Signal()
    #: Saved, dirty or failed: read :attr:`dirty`, :attr:`last_saved_at`, :attr:`last_error`.
    save_state_changed = Signal()

    def __init__(
        self,
        case: Case,
        pathway: Pathway,
        store: Store | None = None,
        *,
        version: int | None = None,
        step: str | None = None,
        language: str = "nb",
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.case = case
        self.pathway = pathway
        self.store = store
        self.version = version
        self.step = step
        self.language = language
        self._today = today
        self.findings: list[Finding] = []
        self.dirty = False
        self.last_saved_at: datetime | None = None
        self.last_error: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self.evaluate()

    # ---- reading -------------------------------------------------------------------------

    def value(self, path: str) -> Any:
        return get_value(self.case, path)

    def today(self) -> date:
        """The date the rules (and the previews) treat as today."""
        return self._today()

    def findings_for(self, prefix: str) -> list[Finding]:
        """Findings whose field is ``prefix`` or lies below it."""
        return [
            f for f in self.findings
            if f.field == prefix or f.field.startswith(prefix + ".")
        ]

    def findings_for_step(self, step: str) -> list[Finding]:
        return [f for f in self.findings if f.step == step]

    def has_blockers(self) -> bool:
        return any(f.severity is Severity.BLOCKER for f in self.findings)

    # ---- writing -------------------------------------------------------------------------

    def set_value(self, path: str, value: Any) -> None:
        if get_value(self.case, path) == value:
            return
        set_value(self.case, path, value)
        self._after_change(path)

    def mutate(self, change: Callable[[Case], None], path: str = "") -> None:
        """Apply a structural change (add/remove a list entry) and announce it."""
        change(self.case)
        self._after_change(path)

    def set_step(self, step: str) -> None:
        """Remember the step the GP is on, and save now (step change is a natural pause)."""
        if step != self.step:
            self.step = step
            self.dirty = True
        self.save_now()

    def _after_change(self, path: str) -> None:
        self.case.touch()
        self.dirty = True
        self.evaluate()
        self.changed.emit(path)
        self.save_state_changed.emit()
        self._timer.start()

    def evaluate(self) -> None:
        try:
            from core.rules import evaluate
        except ImportError:  # pragma: no cover - only while the rule engine is missing
            self.findings = []
        else:
            self.findings = evaluate(self.case, self.pathway, today=self._today(),
                                     language=self.language)
        self.findings_changed.emit()

    # ---- saving --------------------------------------------------------------------------

    def attach_store(self, store: Store, version: int | None = None) -> None:
        """Storage opens after the window shows; unsaved changes are saved as soon as it is here."""
        self.store = store
        if version is not None:
            self.version = version
        if self.dirty:
            self.save_now()

    def save_now(self) -> bool:
        """Save if dirty; True when everything is safely stored."""
        self._timer.stop()
        if not self.dirty:
            return True
        if self.store is None:
            return False
        try:
            self.version = self.store.save(self.case, step=self.step,
                                           expected_version=self.version)
        except Exception as exc:  # any failure must reach the GP, never crash the window
            self.last_error = type(exc).__name__ + (f": {exc}" if str(exc) else "")
            log.warning("Saving case %s failed: %s", self.case.id, type(exc).__name__)
            self.save_state_changed.emit()
            return False
        self.dirty = False
        self.last_error = None
        self.last_saved_at = datetime.now(UTC)
        self.save_state_changed.emit()
        return True
