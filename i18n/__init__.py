"""Pure-Python gettext layer shared by core and ui (never imports Qt).

Source strings (msgids) are English; catalogs for Norwegian bokmål (``nb``), nynorsk (``nn``)
and English (``en``) live in ``i18n/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo``
by the set-up scripts.  Two kinds of language exist side by side:

* the **UI language**, process-wide, set once with :func:`set_language` and used by ``_``;
* a **document language** per case (consent in the patient's written standard, journal in the
  doctor's), obtained with :func:`translator` and passed explicitly to document builders.
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from pathlib import Path
from typing import Final, Literal

Language = Literal["nb", "nn", "en"]

LANGUAGES: Final[tuple[Language, ...]] = ("nb", "nn", "en")
DEFAULT_LANGUAGE: Final[Language] = "nb"
LOCALE_DIR: Final[Path] = Path(__file__).resolve().parent
DOMAIN: Final[str] = "messages"

#: Babel / CLDR locale identifiers for each language.
BABEL_LOCALE: Final[dict[Language, str]] = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


class Translator:
    """The gettext functions for one language, bound to the compiled catalog."""

    def __init__(self, language: Language) -> None:
        self.language: Language = language
        self.locale: str = BABEL_LOCALE[language]
        self._t: _gettext.NullTranslations = _load(language)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._t.pgettext(context, message)

    @property
    def has_catalog(self) -> bool:
        """False when the compiled catalog is missing (strings then fall back to English)."""
        return type(self._t) is not _gettext.NullTranslations


@cache
def _load(language: Language) -> _gettext.NullTranslations:
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def normalise_language(value: str | None) -> Language:
    """Map an OS locale name or user setting (``nb_NO.UTF-8``, ``no``, ``nn``…) to a language."""
    if not value:
        return DEFAULT_LANGUAGE
    code = value.replace("-", "_").split(".")[0].split("_")[0].lower()
    if code in ("nn",):
        return "nn"
    if code in ("en",):
        return "en"
    return DEFAULT_LANGUAGE  # nb, no and everything else: Norwegian first


_current: Translator | None = None


def set_language(language: Language) -> Translator:
    """Choose the UI language for the whole process."""
    global _current
    _current = translator(language)
    return _current


def current() -> Translator:
    global _current
    if _current is None:
        _current = translator(DEFAULT_LANGUAGE)
    return _current


@cache
def translator(language: Language) -> Translator:
    return Translator(language)


def _(message: str) -> str:
    """Translate ``message`` into the UI language."""
    return current().gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return current().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return current().pgettext(context, message)


__all__ = [
    "BABEL_LOCALE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Language",
    "Translator",
    "_",
    "current",
    "ngettext",
    "normalise_language",
    "pgettext",
    "set_language",
    "translator",
]
