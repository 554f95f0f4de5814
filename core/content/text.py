"""A user-visible text of the content in bokmål, nynorsk and English.

The leaf of :mod:`core.content`: the pathway, the course content and the scales all hold
:class:`Text`, so it lives below them (``core.content.pathway`` re-exports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """One user-visible text in the three languages; falls back to bokmål."""

    nb: str
    nn: str = ""
    en: str = ""

    def get(self, language: str) -> str:
        value = getattr(self, language, "") if language in ("nb", "nn", "en") else ""
        return value or self.nb

    @classmethod
    def from_json(cls, data: Mapping[str, str] | None) -> Text:
        if not data:
            return cls("")
        return cls(nb=data.get("nb", ""), nn=data.get("nn", ""), en=data.get("en", ""))

    def __bool__(self) -> bool:
        return bool(self.nb)

    def running(self, language: str) -> str:
        """The text as it stands inside a sentence (see :func:`running_text`)."""
        return running_text(self.get(language))


def running_text(name: str) -> str:
    """A pathway name as it stands inside a sentence: ``Buprenorfin`` → ``buprenorfin``.

    Generic drug names and substance groups are common nouns in Norwegian (and English), so
    they are written in lower case mid-sentence; the pathway spells them as they start a line.
    Abbreviations (``GHB``, ``LAR``) keep their capitals.  Product names typed by the doctor
    never pass through here.
    """
    if len(name) >= 2 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name
