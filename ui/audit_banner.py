"""The start window's banner about the audit log: a broken hash chain, or missing guards.

At each start, once the draft list is usable, :func:`check_in_background` walks the chain
(:meth:`core.storage.Store.verify_audit`) and reads the append-only triggers
(:meth:`~core.storage.Store.audit_guards`) off the UI thread — a year's log is tens of
thousands of entries.  Nothing is shown when both are whole.  A broken chain cannot be mended
(that is the point of a chain): the banner says which entry and who to tell.  Missing guards
can be put back, but only when the user asks, after being told (a missing guard is itself a
finding); the ``repair`` entry in the log records it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from i18n import _

if TYPE_CHECKING:
    from core.audit import AuditVerification
    from core.storage import Store
    from core.storage.audit_guards import GuardState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditState:
    """What the start-up check found (``failed``: the log could not be read at all)."""

    verification: AuditVerification | None
    guards: GuardState | None
    failed: bool = False

    @property
    def ok(self) -> bool:
        return (not self.failed and self.verification is not None and self.verification.ok
                and self.guards is not None and self.guards.ok)


def read_state(store: Store) -> AuditState:
    """The chain and the guards (in the calling thread)."""
    from sqlalchemy.exc import SQLAlchemyError

    from core.storage import StorageError

    try:
        return AuditState(store.verify_audit(), store.audit_guards())
    except (StorageError, SQLAlchemyError) as exc:
        log.warning("The audit log could not be checked at start (%s)", type(exc).__name__)
        return AuditState(None, None, failed=True)


class _Relay(QObject):
    done = Signal(object)


def check_in_background(store: Store, deliver: Callable[[AuditState], None],
                        parent: QObject) -> threading.Thread:
    """Read the state in a worker thread; ``deliver`` is called on ``parent``'s thread."""
    relay = _Relay(parent)
    relay.done.connect(deliver)
    relay.done.connect(relay.deleteLater)

    def work() -> None:
        relay.done.emit(read_state(store))

    worker = threading.Thread(target=work, name="rekvirent-audit-check", daemon=True)
    worker.start()
    return worker


class AuditBanner(QFrame):
    """Hidden while the log is whole; otherwise a framed warning with what to do."""

    #: The guards were put back (the window may refresh what it shows).
    guards_restored = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("auditBanner")
        self.setStyleSheet("#auditBanner { background: #fff4e5; border: 1px solid #d97706; }")
        self.setAccessibleName(_("Audit log warning"))
        layout = QHBoxLayout(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #5c2d00;")
        layout.addWidget(self.label, 1)
        self.restore_button = QPushButton(_("Put the &guard back…"), self)
        self.restore_button.clicked.connect(self._ask_and_restore)
        layout.addWidget(self.restore_button)
        self.store: Store | None = None
        self.state: AuditState | None = None
        self.hide()

    def show_state(self, state: AuditState, store: Store | None = None) -> None:
        self.state = state
        self.store = store if store is not None else self.store
        if state.ok:
            self.hide()
            return
        lines: list[str] = []
        if state.failed:
            lines.append(_("Rekvirent could not check the audit log at start. Tell the person "
                           "responsible for IT."))
        if state.verification is not None and not state.verification.ok:
            lines.append(state.verification.message + " " + _(
                "Entries from there on cannot be trusted. Keep the data folder as it is and "
                "tell the person responsible for IT."))
        guards_broken = state.guards is not None and not state.guards.ok
        if guards_broken:
            lines.append(_("The guard that stops entries in the audit log from being changed "
                           "or deleted is missing or altered. The hash chain still shows any "
                           "change; tell the person responsible for IT."))
        self.label.setText("\n".join(lines))
        self.restore_button.setVisible(guards_broken)
        self.show()

    def confirm_restore(self) -> bool:
        """Ask before putting the guards back (tests replace this to answer it)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Put the audit log's guard back"))
        box.setText(_("Put back the guard that stops the audit log from being changed or "
                      "deleted?"))
        box.setInformativeText(_(
            "Rekvirent recreates the missing database triggers and writes an entry about it "
            "in the audit log. If someone removed them on purpose, the person responsible "
            "for IT should hear about it first."))
        restore = box.addButton(_("&Put it back"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(_("&Not now"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is restore

    def _ask_and_restore(self) -> None:
        from core.storage import StorageError

        if self.store is None or not self.confirm_restore():
            return
        try:
            self.store.restore_audit_guards()
        except StorageError as exc:
            QMessageBox.warning(self, _("The guard could not be put back"), str(exc))
            return
        self.show_state(read_state(self.store))
        self.guards_restored.emit()
