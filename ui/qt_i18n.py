"""Qt's own strings (context menus, dialog buttons, file and print dialogs) through gettext.

Qt ships no bokmål or nynorsk translation of its widgets, so a QTranslator backed by
:func:`i18n.pgettext` answers for them; the msgids are listed in :mod:`ui.qt_strings`.

A string we do not translate must be answered with ``None`` (a *null* QString): Qt takes an
empty but non-null answer as a real translation and shows an empty button or menu item.
(PySide6 6.12 drops a reference to ``None`` on each lookup; :mod:`ui._pyside_guard` covers
that for the whole application.)
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

import i18n


class GettextTranslator(QTranslator):
    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        if not source:
            return None
        translated = i18n.pgettext(context, source)
        return translated if translated != source else None

    def isEmpty(self) -> bool:
        return False


_installed: list[GettextTranslator] = []


def install_translator(app: QCoreApplication) -> GettextTranslator:
    translator = GettextTranslator(app)
    app.installTranslator(translator)
    _installed.append(translator)  # keep a Python reference for the app's lifetime
    return translator
