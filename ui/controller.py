"""The Qt face of one open case: the model, its findings, and debounced autosave.

Wizard pages hold no state of their own: they read from :attr:`CaseController.case` and write
through :meth:`set_value` / :meth:`mutate`.  Every change re-runs the rule engine (well under a
millisecond) and arms a single-shot timer; when the GP pauses, the case is saved in one
transaction.  A failed save keeps the case in memory, marks it dirty, reports the error and
retries on the next change or on :meth:`save_now` — what the GP typed is never dropped.

Clinic mode adds two ways a save can fail:

* **Edit conflict** — another doctor saved the case after this window loaded it
  (:class:`~core.storage.errors.ConflictError`).  The controller loads the stored version,
  lists the differences (:mod:`core.diff`) and asks :attr:`resolve_conflict` (by default the
  conflict dialog): *reload* the saved version (the GP's own version is first saved as a
  separate copy), keep the GP's version *as a copy* (a new case owned by them, which this
  window then edits), or decide *later* (nothing is written; the window keeps the GP's
  version).  Never a silent overwrite.
* **Connection lost** — the server does not answer (:class:`~core.storage.errors.ConnectionLost`).
  The case stays dirty in the window, :attr:`connection_lost` is set (the wizard shows a
  banner), and saving is retried with growing pauses (:data:`RETRY_DELAYS_S`) until it works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.case import Case, new_case_id, utc_now
from core.casepath import get_value, set_value
from core.findings import Finding, Severity
from i18n import _
from ui.conflict import Conflict, ConflictChoice, ConflictResolver

if TYPE_CHECKING:
    from core.content.pathway import Pathway
    from core.diff import FieldChange
    from core.storage import Store, StoredCase

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 700
#: Pauses between save attempts while the database server does not answer (the last repeats).
RETRY_DELAYS_S: tuple[float, ...] = (1, 2, 5, 10, 30, 60)

class CaseController(QObject):
    #: A field changed; the argument is its dotted path ("" when the whole case changed).
    changed = Signal(str)
    findings_changed = Signal()
    #: Saved, dirty or failed: read :attr:`dirty`, :attr:`last_saved_at`, :attr:`last_error`.
    save_state_changed = Signal()
    #: The server stopped or started answering: read :attr:`connection_lost`.
    connection_changed = Signal()
    #: The window now edits a different case (the GP kept their version as a copy):
    #: (old case id, new case id).
    case_replaced = Signal(str, str)

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
        resolve_conflict: ConflictResolver | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.case = case
        self.pathway = pathway
        self.store = store
        self.version = version
        #: The stored version of each follow-up entry and dose decision (item id → version):
        #: they are rows of their own (``store.course``), written by
        #: :class:`ui.course.writer.CourseWriter`, never by the case's autosave.
        self.item_versions: dict[str, int] = {}
        self.step = step
        self.language = language
        self._today = today
        self.findings: list[Finding] = []
        self.dirty = False
        self.last_saved_at: datetime | None = None
        self.last_error: str | None = None
        #: Asked what to do on an edit conflict; tests and the window may replace it.
        self.resolve_conflict: ConflictResolver = resolve_conflict or self._ask_with_dialog
        #: A better label for a field path (the wizard's own label), if the window knows one.
        self.field_label: Callable[[str], str | None] | None = None
        #: The id of the copy made of the GP's version when they reloaded after a conflict.
        self.kept_copy_id: str | None = None
        self.connection_lost = False
        self._retry_delays = tuple(retry_delays) or RETRY_DELAYS_S
        self._retry_index = 0
        self._resolving = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.save_now)
        self.evaluate()

    @classmethod
    def for_stored(cls, stored: StoredCase, pathway: Pathway, store: Store,
                   **options: Any) -> CaseController:
        """The controller of a case as the store handed it out: its version, its step and
        the versions of its course entries (written by :class:`ui.course.writer.CourseWriter`
        at those versions)."""
        options.setdefault("step", stored.step)
        controller = cls(stored.case, pathway, store, version=stored.version, **options)
        controller.item_versions = dict(stored.item_versions)
        return controller

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
        if not self.connection_lost:  # while the server is away the retry timer saves
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
        if self.store is None or self._resolving:
            return False
        from core.storage import ConflictError, ConnectionLost

        # Handled after the except blocks: Qt signals emitted while an exception is being
        # handled can fail to find their slots (PySide6 6.12), and the dialog runs from here.
        failure: Exception | None = None
        try:
            self.version = self.store.save(self.case, step=self.step,
                                           expected_version=self.version)
        except Exception as exc:  # any failure must reach the GP, never crash the window
            failure = exc
        if isinstance(failure, ConflictError):
            return self._on_conflict(failure)
        if isinstance(failure, ConnectionLost):
            self._on_connection_lost(failure)
            return False
        if failure is not None:
            self._failed(failure)
            return False
        self._saved()
        return True

    def save_explicitly(self, save: Callable[[Store, Case, int | None, str | None], int]) -> bool:
        """Save the case now through ``save(store, case, expected_version, step) -> version``
        (an audited save such as ``store.course.save_taper``); True when stored.  A conflict or
        a failure falls back to the ordinary save path (the conflict dialog, the retries)."""
        self._timer.stop()
        self.dirty = True
        if self.store is None or self._resolving:
            return False
        from core.storage import ConflictError, ConnectionLost

        try:
            self.version = save(self.store, self.case, self.version, self.step)
        except (ConflictError, ConnectionLost):
            return self.save_now()
        except Exception as exc:  # any failure must reach the GP, never crash the window
            self._failed(exc)
            return False
        self._saved()
        return True

    def _saved(self) -> None:
        self.dirty = False
        self.last_error = None
        self.last_saved_at = datetime.now(UTC)
        self._retry_timer.stop()
        self._retry_index = 0
        if self.connection_lost:
            self.connection_lost = False
            log.info("The database server answers again; case %s saved", self.case.id)
            self.connection_changed.emit()
        self.save_state_changed.emit()

    def _report(self, exc: Exception) -> None:
        """A failed store call (outside any ``except`` block: see :meth:`save_now`)."""
        from core.storage import ConnectionLost

        if isinstance(exc, ConnectionLost):
            self._on_connection_lost(exc)
        else:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self.last_error = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        log.warning("Saving case %s failed: %s", self.case.id, type(exc).__name__)
        self.save_state_changed.emit()

    # ---- connection lost -----------------------------------------------------------------

    def _on_connection_lost(self, exc: Exception) -> None:
        """Keep the case dirty, say so, and try again after the next pause of the backoff."""
        delay = self._retry_delays[min(self._retry_index, len(self._retry_delays) - 1)]
        self._retry_index += 1
        self.last_error = str(exc)
        if not self.connection_lost:
            self.connection_lost = True
            log.warning("The database server does not answer; case %s kept in the window",
                        self.case.id)
            self.connection_changed.emit()
        self._retry_timer.start(int(delay * 1000))
        self.save_state_changed.emit()

    def retry_now(self) -> bool:
        """Try to save at once (the banner's button); the backoff starts over if it fails."""
        self._retry_index = 0
        return self.save_now()

    @property
    def next_retry_in_ms(self) -> int | None:
        """Milliseconds until the next automatic attempt (None: none planned)."""
        return self._retry_timer.remainingTime() if self._retry_timer.isActive() else None

    # ---- edit conflicts ------------------------------------------------------------------

    def _on_conflict(self, exc: Exception) -> bool:
        """Someone else saved the case: show what differs and let the GP choose."""
        from core.diff import differences
        from core.storage import CaseNotFound

        assert self.store is not None
        self._resolving = True
        try:
            stored: StoredCase | None = None
            failure: Exception | None = None
            try:
                stored = self.store.load(self.case.id)
            except CaseNotFound:
                stored = None
            except Exception as exc_load:
                failure = exc_load
            if failure is not None:
                self._report(failure)
                return False
            blank = Case(id=self.case.id, pathway_id=self.case.pathway_id,
                         pathway_version=self.case.pathway_version)
            changes = differences(stored.case if stored is not None else blank, self.case)
            if stored is not None and not changes:
                # Same content (e.g. our own save went through but its answer was lost):
                # follow the stored version and save the rest (the step) on top of it.
                self.version = stored.version
                self.case.status = stored.case.status
                self._resolving = False
                return self.save_now()
            log.info("Edit conflict on case %s (%d fields differ)", self.case.id, len(changes))
            choice = self.resolve_conflict(Conflict(self.case.id, stored, changes))
            if choice == "reload" and stored is not None:
                return self._reload(stored, changes)
            if choice == "copy":
                return self._keep_as_copy()
            self.last_error = str(exc) or _("Someone else has changed this case.")
            self.save_state_changed.emit()
            return False
        finally:
            self._resolving = False

    def _save_copy_of_mine(self) -> StoredCase | None:
        """Store the window's version as a new case (owner: this doctor)."""
        from core.storage import StoredCase

        assert self.store is not None
        copy = self.case.model_copy(deep=True)
        copy.id = new_case_id()
        copy.status = "draft"
        copy.created_at = copy.updated_at = utc_now()
        failure: Exception | None = None
        try:
            version = self.store.save(copy, step=self.step)
        except Exception as exc:
            failure = exc
        if failure is not None:
            self._report(failure)
            return None
        return StoredCase(copy, version, self.step)

    def _reload(self, stored: StoredCase, changes: list[FieldChange]) -> bool:
        """Show the saved version; the GP's own version is kept as a copy first."""
        if changes:
            kept = self._save_copy_of_mine()
            if kept is None:  # could not keep the GP's version: do not replace it
                return False
            self.kept_copy_id = kept.case.id
        self.case = stored.case
        self.version = stored.version
        self.item_versions = dict(stored.item_versions)
        if stored.step:
            self.step = stored.step
        self._replaced_content()
        return True

    def _keep_as_copy(self) -> bool:
        """The GP's version becomes a new case of their own; this window edits it from now."""
        kept = self._save_copy_of_mine()
        if kept is None:
            return False
        old_id = self.case.id
        self.case = kept.case
        self.version = kept.version
        self._replaced_content()
        self.case_replaced.emit(old_id, kept.case.id)
        return True

    def _replaced_content(self) -> None:
        self.dirty = False
        self.last_error = None
        self.last_saved_at = datetime.now(UTC)
        self.evaluate()
        self.changed.emit("")
        self.save_state_changed.emit()

    def _ask_with_dialog(self, conflict: Conflict) -> ConflictChoice:
        from PySide6.QtWidgets import QApplication

        from ui.wizard.conflict_dialog import ConflictDialog

        dialog = ConflictDialog(conflict, pathway=self.pathway, label_for=self.field_label,
                                parent=QApplication.activeWindow())
        return dialog.ask()
