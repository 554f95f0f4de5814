"""The PDF fonts are subsets of DejaVu Sans (``scripts/subset_fonts.py``): every character the
product itself writes, and every letter a Norwegian or Sami name can have, must be in them."""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFont

from core.documents.model import Paragraph, Section
from core.pdf import render
from core.pdf.render import FONT_DIR
from tests.core.test_pdf_render import make_document
from tests.json_strings import json_strings

ROOT = Path(__file__).resolve().parents[2]
#: Letters of names in Folkeregisteret's Latin alphabet (Norwegian, Sami, and common European
#: names) and the symbols a GP writes in a note.
NAMES_AND_SYMBOLS = ("ÆØÅæøå ÁáČčĐđŊŋŠšŦŧŽž ÄäÖöÜüÏïÉéÈèÊêÇçÑñŁłŃńŚśŹźŻżĆćĘęĄąŐőŰűĞğİıŞş"
                     "ŘřŮůĚěŇňŤťĎďĽľĹĺÕõÃãÂâÎîÔôÛûØøÞþÐðßœŒ"
                     " –—…«»‘’“”„§±×÷≤≥≈≠→←↑↓✓✔☐☑☒°µ€%‰½¼¾²³½•·")


@cache
def _cmap(file_name: str) -> frozenset[int]:
    return frozenset(TTFont("probe", str(FONT_DIR / file_name)).face.charToGlyph)


def _product_texts() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "resources").glob("**/*.json")):
        for text in json_strings(json.loads(path.read_text(encoding="utf-8"))):
            yield path.relative_to(ROOT).as_posix(), text
    for path in sorted((ROOT / "i18n").glob("*/LC_MESSAGES/*.po")):
        with path.open("rb") as file:
            catalog = read_po(file)
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in (*strings, *(message.id if isinstance(message.id, tuple)
                                     else (message.id,))):
                if text:
                    yield path.relative_to(ROOT).as_posix(), text


def _printable(text: str) -> set[str]:
    return {c for c in text if unicodedata.category(c)[0] not in "CZ" or c == " "}


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_every_character_of_the_shipped_texts_is_in_the_font(font: str) -> None:
    missing: dict[str, set[str]] = {}
    texts = list(_product_texts())
    assert len(texts) > 500  # pathway, examples, schemas and the three catalogs were read
    for source, text in [*texts, ("names and symbols", NAMES_AND_SYMBOLS)]:
        absent = {c for c in _printable(text) if ord(c) not in _cmap(font) and c != " "}
        if absent:
            missing.setdefault(source, set()).update(absent)
    assert not missing, f"characters missing from {font}: {missing}"


def test_the_subset_leaves_out_what_it_says_and_keeps_the_rest() -> None:
    """A check that this is the subset (and the test above can fail): Georgian, Hebrew and
    Braille are gone, Greek and Cyrillic stay."""
    cmap = _cmap("DejaVuSans.ttf")
    assert ord("ა") not in cmap and ord("א") not in cmap and ord("⠁") not in cmap
    assert {ord(c) for c in "ΑΩαω АЯая ЁёЇї"} <= cmap
    assert 2500 < len(cmap) < 3500


def test_a_character_outside_the_fonts_prints_as_a_box_not_an_error() -> None:
    name = "Nino ნინო Beridze"
    document = make_document(running_header=name, header_fields=(("Navn", name),),
                             sections=(Section("Pasient", (Paragraph(name),)),))
    text = PdfReader(io.BytesIO(render(document))).pages[0].extract_text()
    assert "Nino" in text and "Beridze" in text
