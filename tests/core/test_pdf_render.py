"""The PDF renderer, read back with pypdf: text, fonts, page chrome, QR, metadata, file writing."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.pdfbase import pdfmetrics

from core.documents.model import (
    BulletList,
    Document,
    KeyValueTable,
    Notice,
    Paragraph,
    Section,
    SignatureBlock,
    SignatureParty,
)
from core.pdf import render, write
from core.pdf.render import BOLD, MARGIN_X, PAGE_WIDTH, QR_SIZE, REGULAR

CREATED = datetime(2021, 11, 15, 9, 30, tzinfo=UTC)
NORWEGIAN = "æøå ÆØÅ"
SAMI = "ŋ š đ ž č ŧ á Ŋ Š Đ Ž Č Ŧ Á"
TRICKY_NAME = '<b>Ola & "Nordmann"</b>'
LONG_WORD = "Ø" + "x" * 1999
LONG_NOTE = "Dette er en lang merknad om oppfølging. " * 50
PAYLOAD = "rekvirent:TEST0001:consent:TEST0001-S-ABC123"
SENTENCE = ("Du får et legemiddel som demper abstinens og russug mens du er i isolasjon. "
            "Ta det bare slik legen har sagt, og aldri sammen med alkohol. ")


def make_document(**changes: Any) -> Document:
    base = Document(
        kind="consent",
        language="nb",
        title="Samtykke til midlertidig behandling",
        document_id="TEST0001-S-ABC123",
        running_header="Kari Nordmann · Samtykke",
        page_label="Side {page} av {pages}",
        author="Per Hansen",
        subject="Samtykke til behandling",
        header_fields=(("Navn", "Kari Nordmann"), ("Dato", "15. november 2021")),
        sections=(Section("Behandlingen", (Paragraph("Du får et legemiddel."),)),),
        body_size=11.0,
    )
    return dataclasses.replace(base, **changes)


def long_document(**changes: Any) -> Document:
    """A consent-like document of at least three pages, ending with a signature section."""
    body = [Section(f"Del {n}", (
        Paragraph(SENTENCE * 4),
        BulletList((SENTENCE, "Ring legen.")),
        KeyValueTable((("Dose", "16 mg per døgn"), ("Varighet", "7 dager"))),
    )) for n in range(1, 9)]
    signature = Section("Underskrift", (
        Paragraph("Jeg har lest skjemaet og sier ja til behandlingen."),
        SignatureBlock((SignatureParty("Pasient", "Kari Nordmann"),
                        SignatureParty("Lege", "Per Hansen", ("Fjellbygda legekontor",))),
                       "Dato og sted", "Underskrift"),
    ))
    return make_document(sections=(*body, signature), **changes)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def all_text(data: bytes) -> str:
    return "\n".join(pages_text(data))


# --- text --------------------------------------------------------------------------------------


def test_norwegian_and_sami_letters_round_trip() -> None:
    document = make_document(
        title=f"Samtykke {NORWEGIAN}",
        running_header=f"Áile Ŋuolja {SAMI}",
        header_fields=(("Navn", f"Áile Ŋuolja {NORWEGIAN}"),),
        sections=(Section(f"Overskrift {SAMI}", (
            Paragraph(f"Bokstaver: {NORWEGIAN} og {SAMI}."),
            KeyValueTable(((f"Nøkkel {SAMI}", f"Verdi {NORWEGIAN}"),)),
            BulletList((f"Punkt {SAMI}",)),
        )),),
    )
    text = " ".join(all_text(render(document)).split())  # table cells may wrap
    for expected in (f"Samtykke {NORWEGIAN}", f"Áile Ŋuolja {SAMI}", f"Overskrift {SAMI}",
                     f"Bokstaver: {NORWEGIAN} og {SAMI}.", f"Nøkkel {SAMI}",
                     f"Verdi {NORWEGIAN}", f"Punkt {SAMI}"):
        assert expected in text


def test_markup_characters_print_literally_everywhere() -> None:
    document = make_document(
        title=f"Samtykke {TRICKY_NAME}",
        running_header=f"{TRICKY_NAME} · Samtykke",
        header_fields=(("Navn", TRICKY_NAME),),
        notices=(Notice(f"Merk: {TRICKY_NAME}"),),
        footer_note=f"Laget for {TRICKY_NAME}",
        sections=(Section(f"Om {TRICKY_NAME}", (
            Paragraph(f"Pasient {TRICKY_NAME} sier <br/> &amp; ja."),
            BulletList((f"Punkt {TRICKY_NAME}",)),
            KeyValueTable(((TRICKY_NAME, TRICKY_NAME),)),
            SignatureBlock((SignatureParty("Pasient", TRICKY_NAME, (TRICKY_NAME,)),),
                           "Dato og sted", "Underskrift"),
        )),),
    )
    texts = pages_text(render(document))
    text = "\n".join(texts)
    assert text.count(TRICKY_NAME) >= 10
    assert "sier <br/> &amp; ja." in text
    assert all(f"{TRICKY_NAME} · Samtykke" in page for page in texts)


def test_line_breaks_in_text_are_kept() -> None:
    document = make_document(sections=(Section("Plan", (Paragraph("første linje\nandre linje"),)),))
    lines = all_text(render(document)).splitlines()
    assert "første linje" in lines
    assert "andre linje" in lines


# --- fonts -------------------------------------------------------------------------------------


def _fonts(data: bytes) -> list[DictionaryObject]:
    fonts = []
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for ref in cast(DictionaryObject, resources["/Font"].get_object()).values():
            fonts.append(cast(DictionaryObject, ref.get_object()))
    return fonts


def test_fonts_are_embedded_dejavu_and_never_helvetica() -> None:
    data = render(long_document(qr_payload=PAYLOAD,
                                notices=(Notice("Øvingsmodus"),)))
    fonts = _fonts(data)
    assert {str(font["/BaseFont"]).split("+")[-1] for font in fonts} == {"DejaVuSans",
                                                                          "DejaVuSans-Bold"}
    for font in fonts:
        assert "/FontFile2" in cast(DictionaryObject, font["/FontDescriptor"].get_object())
    assert b"Helvetica" not in data


def test_fonts_are_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    render(make_document())

    def fail(*_: object) -> None:
        raise AssertionError("fonts registered again")

    monkeypatch.setattr(pdfmetrics, "registerFont", fail)
    render(make_document())


# --- page chrome -------------------------------------------------------------------------------


def test_page_label_and_running_header_on_every_page() -> None:
    texts = pages_text(render(long_document()))
    total = len(texts)
    assert total >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Side {number} av {total}" in text
        assert "Kari Nordmann · Samtykke" in text
        assert "TEST0001-S-ABC123" in text
    assert "{page}" not in "".join(texts)


def test_page_label_in_english() -> None:
    texts = pages_text(render(long_document(language="en", page_label="Page {page} of {pages}")))
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]


def test_long_running_header_is_cut_to_fit() -> None:
    header = "Kari Nordmann · " + "svært lang tittel " * 40
    text = pages_text(render(make_document(running_header=header)))[0]
    [line] = [line for line in text.splitlines() if "svært lang tittel" in line]
    assert line.startswith("Kari Nordmann · svært lang tittel")
    assert line.endswith("…")
    assert len(line) < len(header.strip())


def test_key_column_fits_long_compound_words() -> None:
    key = "Spesialisthelsetjenesten"
    document = make_document(sections=(Section("Ansvar", (
        KeyValueTable(((key, "TSB, Avdeling for rus og avhengighet"), ("Lege", "Per Hansen"))),
    )),))
    assert key in all_text(render(document)).split()


def test_signature_section_stays_on_one_page() -> None:
    last = pages_text(render(long_document()))[-1]
    for expected in ("Underskrift", "Jeg har lest skjemaet", "Kari Nordmann", "Per Hansen",
                     "Fjellbygda legekontor", "Dato og sted"):
        assert expected in last


# --- text stays on the page --------------------------------------------------------------------


def _text_lines(data: bytes) -> list[tuple[str, float, float]]:
    """(line, x start, x end) of every text line drawn, measured with the embedded fonts."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: DictionaryObject | None,
              size: float) -> None:
        if not text.strip() or font is None:
            return
        name = BOLD if str(font["/BaseFont"]).endswith("Bold") else REGULAR
        x = cm[4] + tm[4] * cm[0]
        for line in text.splitlines():
            if line.strip():
                found.append((line, x, x + pdfmetrics.stringWidth(line.rstrip(), name, size)))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_long_words_and_notes_wrap_inside_the_margins() -> None:
    document = make_document(
        title=f"Tittel {LONG_WORD}",
        running_header=f"Kari Nordmann {LONG_WORD}",
        document_id=f"ID-{LONG_WORD}",
        header_fields=(("Lenke", "https://example.org/" + "/".join(["del"] * 400)),),
        notices=(Notice(LONG_WORD), Notice(LONG_NOTE)),
        footer_note=LONG_NOTE + LONG_WORD,
        qr_payload=PAYLOAD,
        sections=(Section(f"Overskrift {LONG_WORD}", (
            Paragraph(LONG_WORD),
            BulletList((LONG_WORD,)),
            KeyValueTable(((LONG_WORD, LONG_WORD), ("Merknad", LONG_NOTE))),
            SignatureBlock((SignatureParty("Pasient", LONG_WORD, (LONG_NOTE,)),),
                           f"Dato og sted {LONG_WORD}", "Underskrift"),
        )),),
    )
    data = render(document)
    assert 3 <= len(PdfReader(io.BytesIO(data)).pages) <= 30
    lines = _text_lines(data)
    assert sum(line.count("x") for line, _, _ in lines) > 8 * 1999  # wrapped, not dropped
    _assert_inside_margins(lines)


def test_regular_document_stays_inside_the_margins() -> None:
    _assert_inside_margins(_text_lines(render(long_document(qr_payload=PAYLOAD))))


def _assert_inside_margins(lines: list[tuple[str, float, float]]) -> None:
    for line, start, end in lines:
        assert start >= MARGIN_X - 0.5, line
        assert end <= PAGE_WIDTH - MARGIN_X + 0.5, line


# --- QR code -----------------------------------------------------------------------------------


def _expected_modules(payload: str) -> tuple[int, set[tuple[int, int]]]:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(payload)
    code.make()
    count = code.getModuleCount()
    return count, {(r, c) for r in range(count) for c in range(count) if code.isDark(r, c)}


def _drawn_modules(data: bytes, page: int, count: int) -> set[tuple[int, int]]:
    """Dark QR modules read back from the rectangles in a page's content stream."""
    box = QR_SIZE / count
    cells: set[tuple[int, int]] = set()
    content = PdfReader(io.BytesIO(data)).pages[page].get_contents()
    assert content is not None
    for operands, operator in content.operations:
        if operator != b"re":
            continue
        x, y, width, height = (float(v) for v in operands)
        if abs(height - box) > 1e-3:
            continue
        row, column = round((QR_SIZE - y) / box) - 1, round(x / box)
        cells.update((row, c) for c in range(column, column + round(width / box)))
    return cells


def test_qr_encodes_exactly_the_payload_on_page_one_only() -> None:
    count, expected = _expected_modules(PAYLOAD)
    data = render(long_document(qr_payload=PAYLOAD))
    assert _drawn_modules(data, 0, count) == expected
    assert _drawn_modules(data, 1, count) == set()
    assert pages_text(data)[0].count("TEST0001-S-ABC123") == 2  # caption and footer


def test_qr_differs_for_another_payload() -> None:
    count, expected = _expected_modules(PAYLOAD)
    other = render(make_document(qr_payload=PAYLOAD.replace("ABC123", "ABC124")))
    assert _drawn_modules(other, 0, count) != expected


def test_no_qr_without_payload() -> None:
    count, _ = _expected_modules(PAYLOAD)
    data = render(make_document())
    assert _drawn_modules(data, 0, count) == set()
    assert pages_text(data)[0].count("TEST0001-S-ABC123") == 1  # footer only


def test_qr_is_encoded_once_per_render(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = qrencoder.QRCode.make

    def counting_make(self: qrencoder.QRCode, *args: Any, **kwargs: Any) -> object:
        calls.append(b"".join(d.data for d in self.dataList).decode())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(qrencoder.QRCode, "make", counting_make)
    render(long_document(qr_payload=PAYLOAD))
    assert calls == [PAYLOAD]


@pytest.mark.parametrize("payload", [PAYLOAD, "x", "rekvirent:" + "Å" * 120, "0" * 300])
@pytest.mark.parametrize("size", [QR_SIZE, 40.0])
def test_qr_path_is_the_widgets_drawing(payload: str, size: float) -> None:
    """The path is exactly the dark rectangles ``QrCodeWidget.draw()`` would draw."""
    from reportlab.graphics.shapes import Rect

    from core.pdf.render import _num, _qr_path

    def widget() -> QrCodeWidget:
        return QrCodeWidget(payload, barLevel="M", barWidth=size, barHeight=size, barBorder=0)

    drawn = [shape for shape in widget().draw().contents
             if isinstance(shape, Rect) and shape.fillColor is not None]
    expected = [f"{_num(r.x)} {_num(r.y)} {_num(r.width)} {_num(r.height)} re" for r in drawn]
    assert len(expected) > 20
    assert _qr_path(widget()) == "\n".join(expected) + "\nf"


# --- metadata and determinism ------------------------------------------------------------------


@pytest.mark.parametrize(("language", "tag"), [("nb", "nb-NO"), ("nn", "nn-NO"), ("en", "en-GB")])
def test_metadata(language: str, tag: str) -> None:
    reader = PdfReader(io.BytesIO(render(make_document(language=language),
                                         creation_date=CREATED)))
    info = reader.metadata
    assert info is not None
    assert info.title == "Samtykke til midlertidig behandling"
    assert info.author == "Per Hansen"
    assert info.subject == "Samtykke til behandling"
    assert info.creator == "Rekvirent"
    assert str(cast(DictionaryObject, reader.trailer["/Root"])["/Lang"]) == tag


def test_creation_date_is_written() -> None:
    moment = datetime(2021, 11, 15, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    info = PdfReader(io.BytesIO(render(make_document(), creation_date=moment))).metadata
    assert info is not None
    assert str(info["/CreationDate"]) == "D:20211115093000+01'00'"


def test_same_document_and_date_give_identical_bytes() -> None:
    document = long_document(qr_payload=PAYLOAD)
    first = render(document, creation_date=CREATED)
    assert render(document, creation_date=CREATED) == first
    assert render(document, creation_date=CREATED + timedelta(seconds=1)) != first
    assert render(dataclasses.replace(document, title="Annen tittel"),
                  creation_date=CREATED) != first


def test_render_is_fast_when_warm() -> None:
    document = long_document(qr_payload=PAYLOAD)
    render(document)
    best = min(_timed(lambda: render(document, creation_date=CREATED)) for _ in range(5))
    assert best < 0.15


def _timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# --- write -------------------------------------------------------------------------------------


def test_write_returns_the_sha256_of_the_file(tmp_path: Path) -> None:
    target = tmp_path / "samtykke.pdf"
    digest = write(make_document(), str(target), creation_date=CREATED)
    data = target.read_bytes()
    assert digest == hashlib.sha256(data).hexdigest()
    assert data == render(make_document(), creation_date=CREATED)
    assert os.listdir(tmp_path) == ["samtykke.pdf"]


def test_write_replaces_old_content_with_a_neutral_temp_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "eksport.pdf"
    target.write_bytes(b"old")
    sources: list[str] = []
    original = os.replace

    def spy(source: str, destination: str) -> None:
        sources.append(str(source))
        assert target.read_bytes() == b"old"  # untouched until the atomic swap
        original(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    document = make_document()
    write(document, target)
    assert target.read_bytes().startswith(b"%PDF")
    [source] = sources
    assert Path(source).parent == tmp_path
    for private in ("Kari", "Nordmann", document.document_id, "Samtykke"):
        assert private not in Path(source).name
    assert os.listdir(tmp_path) == ["eksport.pdf"]


def test_failed_write_keeps_old_content_and_leaves_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "eksport.pdf"
    target.write_bytes(b"old")

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write(make_document(), target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["eksport.pdf"]
