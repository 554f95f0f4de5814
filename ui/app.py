"""Start the GUI: window first, heavy parts (SQLAlchemy, content) right after it is painted."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import i18n
from i18n import _

if TYPE_CHECKING:
    from core import instance_lock
    from ui.idle_lock import IdleLock
    from ui.recovery_dialog import RecoveryChoice, RecoveryDialog
    from ui.start_window import StartWindow

log = logging.getLogger(__name__)
START = time.perf_counter()
#: Exit code when the GP quits at the recovery question (nothing was changed).
EXIT_RECOVERY_DECLINED = 3

QT_LOCALES = {
    "nb": QLocale(QLocale.Language.NorwegianBokmal, QLocale.Country.Norway),
    "nn": QLocale(QLocale.Language.NorwegianNynorsk, QLocale.Country.Norway),
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
}


class _FirstPaint(QObject):
    """Benchmark hook: print seconds to the first paint and quit (REKVIRENT_BENCH_FIRST_PAINT)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"{time.perf_counter() - START:.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


class _AfterFirstPaint(QObject):
    """Run ``action`` once, right after the watched window has been painted."""

    def __init__(self, action: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._action)
        return False


def run_recovery_dialog(dialog: RecoveryDialog) -> RecoveryChoice:
    """Show the recovery question modally (tests replace this to answer it)."""
    dialog.exec()
    return dialog.choice


def check_database(parent: QWidget | None, data_dir: Path,
                   database_url: str | None) -> bool:
    """The start-up integrity check, before the store opens; False when the GP quits.

    A damaged or missing database is never replaced silently: the GP chooses between the
    newest backup that verifies, an empty database (confirmed twice) and quitting.  The
    damaged files are moved aside unchanged (see :mod:`core.storage.recovery`).
    """
    from core.storage import recovery
    from ui.recovery_dialog import RecoveryChoice, RecoveryDialog

    path = recovery.database_path(data_dir, database_url)
    if path is None:  # a server database checks itself
        return True
    health = recovery.check(data_dir, db_path=path)
    if health.status == "unavailable":  # locked or unreadable: the store will say so
        log.warning("Start-up check could not read the database (%s)", health.problem)
        return True
    if not health.needs_recovery:
        return True
    log.warning("Start-up check: database %s (%s)", health.status, health.problem)
    backup = recovery.newest_verified_backup(path.parent)
    dialog = RecoveryDialog(health, backup, path.parent / recovery.DAMAGED_DIR, parent)
    choice = run_recovery_dialog(dialog)
    if choice is RecoveryChoice.QUIT:
        return False
    try:
        if choice is RecoveryChoice.RESTORE and backup is not None:
            if health.status == "damaged":
                recovery.set_aside(path)
            recovery.restore(backup, path.parent, db_path=path)
        else:
            recovery.start_empty(path)
    except recovery.RecoveryError as exc:
        QMessageBox.critical(parent, _("The database could not be recovered"), str(exc))
        return False
    return True


def start_storage(window: StartWindow, data_dir: Path, database_url: str | None) -> None:
    """After the first paint: check the database, then let the start window open it."""
    if not check_database(window, data_dir, database_url):
        QApplication.exit(EXIT_RECOVERY_DECLINED)
        return
    window.open_storage()
    if window.store is not None:
        from core.storage import StorageError, recovery

        try:
            recovery.record_pending_restore(window.store, data_dir)
        except (StorageError, ValueError) as exc:
            log.warning("The restore could not be written to the audit log (%s)",
                        type(exc).__name__)


def _excepthook(kind: type[BaseException], value: BaseException,
                tb: TracebackType | None) -> None:
    """Log where it happened (code lines only, never values) and tell the user."""
    frames = "".join(traceback.format_tb(tb))
    log.error("Unhandled %s\n%s", kind.__name__, frames)
    app = QApplication.instance()
    if app is not None:
        QMessageBox.critical(
            None, _("Unexpected error"),
            _("Rekvirent met an unexpected error ({kind}). What you typed has been saved as "
              "far as possible. Restart the program if it does not respond.").format(
                kind=kind.__name__))


def _ui_language(data_dir: Path) -> str | None:
    """The UI language from settings.json, read with plain json: pydantic (core.settings)
    costs ~100 ms to import and the first window must not wait for it."""
    import json

    try:
        value = json.loads((data_dir / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    language = value.get("ui_language") if isinstance(value, dict) else None
    return language if isinstance(language, str) else None


def run(args: argparse.Namespace) -> int:
    from core.paths import user_data_dir

    data_dir = user_data_dir(args.data_dir)
    language = i18n.normalise_language(
        args.language or _ui_language(data_dir) or QLocale.system().name())
    i18n.set_language(language)
    QLocale.setDefault(QT_LOCALES[language])

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Rekvirent")
    app.setOrganizationName("Rekvirent")
    from ui.qt_i18n import install_translator

    install_translator(app)
    sys.excepthook = _excepthook

    from ui.start_window import StartWindow

    window = StartWindow(data_dir=Path(data_dir), database_url=args.database)
    if os.environ.get("REKVIRENT_BENCH_FIRST_PAINT"):
        hook = _FirstPaint(window)
        window.installEventFilter(hook)
    held: list[instance_lock.InstanceLock] = []

    # The instance lock, the settings model, the integrity check, SQLAlchemy: all once the
    # window is on screen.  Before the lock only the language is read from settings.json;
    # nothing is written and the database is not opened until the lock is held.
    def after_first_paint() -> None:
        from core.settings import load_settings

        lock = take_instance_lock(Path(data_dir))
        if lock is None:
            window.close()
            app.exit(1)
            return
        held.append(lock)
        idle = _install_idle_lock(app, window, Path(data_dir),
                                  load_settings(Path(data_dir)).idle_lock_minutes)
        window.settings_saved.connect(lambda saved: idle.set_minutes(saved.idle_lock_minutes))
        start_storage(window, Path(data_dir), args.database)

    window.installEventFilter(_AfterFirstPaint(after_first_paint, window))
    window.show()
    try:
        return int(app.exec())
    finally:
        for lock in held:
            lock.release()
        from ui.settings_dialog import restart_command, restart_requested

        if held and restart_requested():  # a new UI language: start again, lock now free
            os.execv(sys.executable, [sys.executable, *restart_command(sys.argv)])


def take_instance_lock(data_dir: Path) -> instance_lock.InstanceLock | None:
    """The data folder's instance lock, kept for the whole process; None (after telling the
    user) when another Rekvirent already has the folder open."""
    from core import instance_lock

    try:
        lock = instance_lock.acquire(data_dir)
    except instance_lock.InstanceLockError as exc:
        QMessageBox.warning(None, _("Rekvirent is already open"), str(exc))
        return None
    if lock.previous is not None:
        log.info("The previous session ended without closing (crash or power loss).")
    return lock


def _install_idle_lock(app: QApplication, window: StartWindow, data_dir: Path,
                       minutes: int) -> IdleLock:
    """Hide patient data after ``minutes`` without input; every open case is saved first.

    With a passphrase key, unlocking asks for the passphrase again (and it must open this
    database's key); with a keyring key a click confirms (the computer's own login protects
    the keyring)."""
    from ui.idle_lock import install_idle_lock

    def verify() -> bool:
        if window.key_mode != "passphrase":
            return True
        from core import keys
        from ui.unlock_dialog import UnlockDialog

        dialog = UnlockDialog("unlock", lambda passphrase: keys.unlock(data_dir, passphrase))
        if not dialog.exec() or dialog.key is None:
            return False
        return window.store is None or dialog.key.key_id_hex in window.store.key_ids()

    return install_idle_lock(app, minutes, save_hooks=[window.save_open_wizards],
                             verify=verify)
