"""Start the GUI: window first, heavy parts (SQLAlchemy, content) right after it is painted."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEvent, QLocale, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import i18n
from i18n import _

log = logging.getLogger(__name__)
START = time.perf_counter()

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


def run(args: argparse.Namespace) -> int:
    from core.paths import user_data_dir
    from core.settings import load_settings

    data_dir = user_data_dir(args.data_dir)
    settings = load_settings(data_dir)
    language = i18n.normalise_language(
        args.language or settings.ui_language or QLocale.system().name())
    i18n.set_language(language)
    QLocale.setDefault(QT_LOCALES[language])

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Rekvirent")
    app.setOrganizationName("Rekvirent")
    from ui.qt_i18n import install_translator

    install_translator(app)
    sys.excepthook = _excepthook

    from core import instance_lock

    try:
        # Kept for the whole process: a second Rekvirent on the same data is refused.
        lock = instance_lock.acquire(Path(data_dir))
    except instance_lock.InstanceLockError as exc:
        QMessageBox.warning(None, _("Rekvirent is already open"), str(exc))
        return 1
    if lock.previous is not None:
        log.info("The previous session ended without closing (crash or power loss).")

    from ui.start_window import StartWindow

    window = StartWindow(data_dir=Path(data_dir), database_url=args.database)
    if os.environ.get("REKVIRENT_BENCH_FIRST_PAINT"):
        hook = _FirstPaint(window)
        window.installEventFilter(hook)
    # The heavy parts (SQLAlchemy, Alembic) load once the window is on screen.
    window.open_storage_after_first_paint()
    window.show()
    try:
        return int(app.exec())
    finally:
        lock.release()
