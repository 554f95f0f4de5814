"""Msgids of Qt's built-in strings that we translate (Qt has no bokmål/nynorsk catalogs).

Never called at run time: babel extracts these ``pgettext`` calls into the catalogs, and
:class:`ui.qt_i18n.GettextTranslator` looks them up by (context, source).
"""

from __future__ import annotations

from i18n import pgettext

QT_STRINGS = (
    pgettext("QLineEdit", "&Undo"),
    pgettext("QLineEdit", "&Redo"),
    pgettext("QLineEdit", "Cu&t"),
    pgettext("QLineEdit", "&Copy"),
    pgettext("QLineEdit", "&Paste"),
    pgettext("QLineEdit", "Delete"),
    pgettext("QLineEdit", "Select All"),
    pgettext("QWidgetTextControl", "&Undo"),
    pgettext("QWidgetTextControl", "&Redo"),
    pgettext("QWidgetTextControl", "Cu&t"),
    pgettext("QWidgetTextControl", "&Copy"),
    pgettext("QWidgetTextControl", "&Paste"),
    pgettext("QWidgetTextControl", "Delete"),
    pgettext("QWidgetTextControl", "Select All"),
    pgettext("QPlatformTheme", "OK"),
    pgettext("QPlatformTheme", "Cancel"),
    pgettext("QPlatformTheme", "&Yes"),
    pgettext("QPlatformTheme", "&No"),
    pgettext("QPlatformTheme", "Close"),
    pgettext("QPlatformTheme", "Save"),
    pgettext("QPlatformTheme", "Discard"),
    pgettext("QPlatformTheme", "Retry"),
)
