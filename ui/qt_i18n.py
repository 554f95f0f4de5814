"""Qt's own strings (context menus, dialog buttons) through our gettext catalogs.

Qt ships no bokmål or nynorsk translation of its widgets, so a QTranslator backed by
:func:`i18n.pgettext` answers for them; the msgids are listed in :mod:`ui.qt_strings`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

import i18n


class GettextTranslator(QTranslator):
    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        if not source:
            return ""
        translated = i18n.pgettext(context, source)
        return translated if translated != source else ""

    def isEmpty(self) -> bool:
        return False


_installed: list[GettextTranslator] = []


def install_translator(app: QCoreApplication) -> GettextTranslator:
    translator = GettextTranslator(app)
    app.installTranslator(translator)
    _installed.append(translator)  # keep a Python reference for the app's lifetime
    return translator
