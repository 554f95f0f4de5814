"""The gettext catalogs: current, complete, consistent, compilable."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import i18n
from i18n.build import POT, ROOT, compile_catalogs, extract

PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)s|%[sd]|%\d+")  # %1: Qt's own strings
LANGS = ("nb", "nn", "en")
# Whole bokmål words that never belong in nynorsk text.
BOKMAL_ONLY = {"ikke", "hva", "hvem", "hvordan", "også", "bare", "jeg", "mye", "noen", "hvis",
               "ennå", "fortsatt", "behandlingen", "legemidlet", "mellom"} - {"mellom"}


def _catalog(language: str) -> Catalog:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    extract(output=fresh)
    with fresh.open("rb") as a, POT.open("rb") as b:
        new, old = read_po(a), read_po(b)
    assert {(m.context, str(m.id)) for m in new if m.id} == {
        (m.context, str(m.id)) for m in old if m.id}, (
        "i18n/messages.pot is stale: run python -m i18n.build update")


@pytest.mark.parametrize("language", LANGS)
def test_catalog_covers_the_template_without_fuzzy_or_empty(language: str) -> None:
    with POT.open("rb") as handle:
        template = {(m.context, str(m.id)) for m in read_po(handle) if m.id}
    catalog = _catalog(language)
    entries = {(m.context, str(m.id)): m for m in catalog if m.id}
    assert set(entries) == template
    for message in entries.values():
        assert not message.fuzzy, message.id
        assert all(_forms(message.string)), f"untranslated: {message.id!r}"


@pytest.mark.parametrize("language", LANGS)
def test_placeholders_match(language: str) -> None:
    for message in _catalog(language):
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(_forms(message.id))))
        for form in _forms(message.string):
            assert set(PLACEHOLDER.findall(form)) == wanted, (message.id, form)


@pytest.mark.parametrize("language", LANGS)
def test_babel_check_finds_nothing(language: str) -> None:
    problems = list(_catalog(language).check())
    assert problems == []


def test_nynorsk_is_not_bokmal() -> None:
    nb = {(m.context, str(m.id)): _forms(m.string) for m in _catalog("nb") if m.id}
    differing = compared = 0
    for message in _catalog("nn"):
        if not message.id:
            continue
        for form in _forms(message.string):
            words = set(re.findall(r"[a-zæøå]+", form.lower()))
            assert not words & BOKMAL_ONLY, (form, words & BOKMAL_ONLY)
        # Our own sentences (Qt's button words like "Lagre" are mostly alike in both).
        if message.context is None and all(_forms(message.string)):
            compared += 1
            differing += _forms(message.string) != nb[(None, str(message.id))]
    assert compared and differing >= 0.6 * compared


def test_compiled_catalogs_translate(tmp_path: Path) -> None:
    written = compile_catalogs(tmp_path)
    assert len(written) == 3
    nb = gettext.translation("messages", localedir=tmp_path, languages=["nb"])
    nn = gettext.translation("messages", localedir=tmp_path, languages=["nn"])
    assert nb.gettext("Risk mapping") == "Risikokartlegging"
    assert nn.gettext("Enter the daily dose.") == "Skriv inn døgndosen."
    assert nb.ngettext("{n} finding", "{n} findings", 2) == "{n} funn"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("nb_NO.UTF-8", "nb"), ("no", "nb"), ("nn_NO", "nn"), ("nn", "nn"), ("en_US", "en"),
     ("en-GB", "en"), ("de_DE", "nb"), ("C.UTF-8", "nb"), (None, "nb"), ("", "nb")],
)
def test_normalise_language(value: str | None, expected: str) -> None:
    assert i18n.normalise_language(value) == expected


def test_document_language_is_independent_of_ui_language() -> None:
    i18n.set_language("en")
    try:
        assert i18n._("Risk mapping") == "Risk mapping"
        assert i18n.translator("nn").gettext("Risk mapping") == "Risikokartlegging"
    finally:
        i18n.set_language("nb")


def test_no_translation_calls_inside_f_strings() -> None:
    """pybabel cannot see ``_()`` inside an f-string: such text would stay English."""
    pattern = re.compile(r"""\bf(["'])[^"'\n]*\{\s*(?:[\w.]*\.)?"""
                         r"""(?:_|gettext|ngettext|pgettext)\(\s*["']""")
    offenders = []
    for folder in ("core", "ui", "i18n"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, offenders
