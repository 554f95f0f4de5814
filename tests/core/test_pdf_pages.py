"""Page sizes and the fill-in grid of the course documents (issue 16), and that the A4 portrait
documents made before them are byte for byte what they were."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from core.documents.model import Grid, PageSize, Paragraph, Section, to_text
from core.pdf import render
from core.pdf.render import GEOMETRIES
from tests.core.test_pdf_render import (
    CREATED,
    LONG_WORD,
    _text_lines,
    long_document,
    make_document,
)

#: SHA-256 of two renderer test documents as rendered on main before page sizes and grids
#: existed (reportlab 4, DejaVu subsets of the repository).  A change here means every
#: archived export would re-render differently: make it only on purpose.
GOLDEN = {
    "short": "abb26d80862d863ac38709e4d1d09bf99f1d5262a4bb25a30a44cee31bb0a62c",
    "long_with_qr": "ba64107aa0840be04529f86f8d6e3f205d2396af3ba7e4c6091384461f4b8c5b",
}


def test_a4_portrait_documents_are_unchanged_byte_for_byte() -> None:
    short = render(make_document(), creation_date=CREATED)
    long = render(long_document(qr_payload="TEST0001-S-ABC123"), creation_date=CREATED)
    assert hashlib.sha256(short).hexdigest() == GOLDEN["short"]
    assert hashlib.sha256(long).hexdigest() == GOLDEN["long_with_qr"]


def _grid(rows: int = 30) -> Grid:
    return Grid(("Dato", "Dag", "Planlagt dose", "Gitt kl.", "Signatur"),
                tuple((f"{d + 1}.11.", str(d + 1), "Buprenorfin/nalokson 8 mg", "", "")
                      for d in range(rows)),
                widths=(1.2, 0.6, 2.5, 1, 1), write_lines=1.6)


@pytest.mark.parametrize(("size", "expected"), [
    ("a4", (595, 842)), ("a4_landscape", (842, 595)), ("a5", (420, 595))])
def test_page_sizes(size: PageSize, expected: tuple[int, int]) -> None:
    data = render(make_document(page_size=size, sections=(Section("Tabell", (_grid(),)),)),
                  creation_date=CREATED)
    pages = PdfReader(io.BytesIO(data)).pages
    for page in pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == expected
    text = pages[-1].extract_text()
    assert f"Side {len(pages)} av {len(pages)}" in text


@pytest.mark.parametrize("size", ["a4_landscape", "a5"])
def test_grid_stays_inside_the_margins_and_repeats_its_header(size: PageSize) -> None:
    rows = (*_grid(60).rows, ("30.11.", "30", LONG_WORD, "", ""))
    document = make_document(page_size=size, sections=(
        Section("Tabell", (Paragraph("Fyll ut hver dag."), Grid(_grid().header, rows,
                                                                 _grid().widths, 1.6))),))
    data = render(document, creation_date=CREATED)
    reader = PdfReader(io.BytesIO(data))
    geometry = GEOMETRIES[size]
    assert len(reader.pages) > 1
    for line, start, end in _text_lines(data):
        assert start >= geometry.margin_x - 0.5, line
        assert end <= geometry.page_width - geometry.margin_x + 0.5, line
    for page in reader.pages:
        assert "Planlagt dose" in page.extract_text()  # the header row on every page


def test_grid_in_text_marks_the_fields_to_fill_in() -> None:
    document = make_document(sections=(Section("Tabell", (_grid(2),)),))
    text = to_text(document)
    assert "Dato | Dag | Planlagt dose | Gitt kl. | Signatur" in text
    assert "1.11. | 1 | Buprenorfin/nalokson 8 mg | … | …" in text


def test_same_grid_document_gives_identical_bytes() -> None:
    document = make_document(page_size="a4_landscape", sections=(Section("T", (_grid(),)),))
    assert render(document, creation_date=CREATED) == render(document, creation_date=CREATED)
