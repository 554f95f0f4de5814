"""Pure-Python gettext layer shared by core and ui (never imports Qt).

Source strings (msgids) are English; catalogs for Norwegian bokmål (``nb``), nynorsk (``nn``)
and English (``en``) live in ``i18n/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo``
by the set-up scripts.  Two kinds of language exist side by side:

* the **UI language**, process-wide, set once with :func:`set_language` and used by ``_``;
* a **document language** per case (consent in the patient's written standard, journal in the
  doctor's), obtained with :func:`translator` and passed explicitly to document builders.

For tests and development there is also a *pseudo language*, :data:`PSEUDO_LANGUAGE`
(``xx-long``): every string becomes the English msgid with accented letters, about 40 % longer
words and brackets (``[Ørdér ænd …]``).  It needs no catalog, is never offered to users, and
shows two things on screen: text that is cut off (Norwegian compounds are long) and text that
never went through gettext (it is the only text without brackets).
"""

from __future__ import annotations

import gettext as _gettext
import math
import re
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

PseudoLanguage = Literal["xx-long"]
#: The pseudo language for layout tests (never a user choice; see :func:`pseudo`).
PSEUDO_LANGUAGE: Final[PseudoLanguage] = "xx-long"
#: How much longer the pseudo language makes every word.
PSEUDO_EXPANSION: Final[float] = 0.4

# Kept as they are: format placeholders ({name}, {{, %(name)s, %s, Qt's %1), markup tags,
# entities, escaped ampersands.  Everything else is "text" and is stretched.
_PSEUDO_KEEP = re.compile(
    r"\{\{|\}\}|\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd%]|%\d+|<[^>]*>|&[a-z]+;|&&")
_PSEUDO_LETTERS = str.maketrans("aeoAEOiIuU", "åéøÅÉØïÏüÜ")
_PSEUDO_PAD = "æøåÆØÅ"


def _stretch_words(text: str) -> str:
    def longer(match: re.Match[str]) -> str:
        word = match.group(0)
        extra = math.ceil(len(word) * PSEUDO_EXPANSION)
        return word.translate(_PSEUDO_LETTERS) + (_PSEUDO_PAD * extra)[:extra]

    return re.sub(r"(?:&?[^\W\d_])+", longer, text)


def pseudo(message: str) -> str:
    """``"Save {name}"`` → ``"[Såvéæø {name}]"``: same placeholders, about 40 % longer words.

    Mnemonic ampersands stay in front of their (accented) letter; tabs and line breaks stay.
    """
    if not message:
        return message
    parts: list[str] = []
    position = 0
    for match in _PSEUDO_KEEP.finditer(message):
        parts.append(_stretch_words(message[position:match.start()]))
        parts.append(match.group(0))
        position = match.end()
    parts.append(_stretch_words(message[position:]))
    return "[" + "".join(parts) + "]"


class _PseudoTranslations(_gettext.NullTranslations):
    """Answers every lookup with :func:`pseudo` of the English msgid (no catalog needed)."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)


class Translator:
    """The gettext functions for one language, bound to the compiled catalog.

    The pseudo language is a ``Translator`` whose :attr:`language` is ``"en"`` (dates, numbers
    and pathway texts follow English) and whose :attr:`pseudo` flag is set.
    """

    def __init__(self, language: Language, *, pseudo: bool = False) -> None:
        self.language: Language = language
        self.locale: str = BABEL_LOCALE[language]
        self.pseudo: bool = pseudo
        self._t: _gettext.NullTranslations = _PseudoTranslations() if pseudo else _load(language)

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


def set_language(language: Language | PseudoLanguage) -> Translator:
    """Choose the UI language for the whole process (or the pseudo language, in tests)."""
    global _current
    _current = pseudo_translator() if language == PSEUDO_LANGUAGE else translator(language)
    return _current


def current() -> Translator:
    global _current
    if _current is None:
        _current = translator(DEFAULT_LANGUAGE)
    return _current


@cache
def translator(language: Language) -> Translator:
    return Translator(language)


@cache
def pseudo_translator() -> Translator:
    """The pseudo language (:func:`pseudo`); for layout tests and development only."""
    return Translator("en", pseudo=True)


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
    "PSEUDO_LANGUAGE",
    "Language",
    "PseudoLanguage",
    "Translator",
    "_",
    "current",
    "ngettext",
    "normalise_language",
    "pgettext",
    "pseudo",
    "pseudo_translator",
    "set_language",
    "translator",
]
