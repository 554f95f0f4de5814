"""Printing the consent: PDF bytes from memory → QtPdf raster → QPrinter (here in PDF mode).

The printer writes a PDF file in ``tmp_path`` (a test artefact); it is read back with QtPdf and
compared page by page with the source: same count, A4, and ink in the same places.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, QSize, QSizeF, Qt, QTimer
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from core.case import Case
from core.content import Pathway
from core.documents.consent import consent_form
from core.pdf import render
from core.storage import Store
from i18n import _, pgettext
from tests.ui.wizard_helpers import example
from ui.printing import (
    PrintError,
    ask_printer,
    fitted_rect,
    new_printer,
    pdf_page_count,
    print_pdf,
)

#: Keeps the tests quick; the cap (MAX_DPI) is what a real 600/1200 dpi printer gets.
TEST_DPI = 100
A4_POINTS = (595.3, 841.9)
GRID = (16, 24)  # columns, rows of the ink map compared between source and print


def consent_bytes(case: Case, pathway: Pathway, language: str = "nb") -> bytes:
    return render(consent_form(case, pathway, language))


def pdf_printer(path: Path) -> QPrinter:
    printer = new_printer("samtykke-test")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(TEST_DPI)
    return printer


def open_pdf(path: Path) -> QPdfDocument:
    document = QPdfDocument()
    document.load(str(path))
    assert document.status() == QPdfDocument.Status.Ready
    return document


def ink_map(document: QPdfDocument, page: int) -> list[int]:
    """Average grey (0 black … 255 white) per cell of a GRID over the page."""
    points = document.pagePointSize(page)
    rendered = document.render(page, QSize(round(points.width() / 2),
                                            round(points.height() / 2)))
    # What QtPdf leaves unpainted is transparent; on paper it is white.
    image = QImage(rendered.size(), QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8).scaled(
        GRID[0], GRID[1], Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation)
    return [grey.pixelColor(x, y).value() for y in range(GRID[1]) for x in range(GRID[0])]


def source_maps(pdf: bytes, tmp_path: Path) -> list[list[int]]:
    """Ink maps of the source PDF (written to tmp_path only to read it back in the test)."""
    path = tmp_path / "source.pdf"
    path.write_bytes(pdf)
    document = open_pdf(path)
    try:
        return [ink_map(document, page) for page in range(document.pageCount())]
    finally:
        document.close()


def distance(a: list[int], b: list[int]) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def assert_same_ink(source: list[int], printed: list[int]) -> None:
    """Cells with text in the source have text in the print, blank cells stay blank."""
    inked = [i for i, value in enumerate(source) if value < 235]
    assert len(inked) > len(source) // 20, "the source page itself looks blank"
    assert all(printed[i] < 250 for i in inked), "ink missing where the source page has it"
    paper = [i for i, value in enumerate(source) if value == 255]
    assert all(printed[i] >= 250 for i in paper), "ink where the source page has none"
    assert distance(source, printed) < 4


# ---- ui.printing on its own ---------------------------------------------------------------


def test_every_page_is_printed_on_a4_with_the_ink_where_the_source_has_it(
        qtbot: QtBot, pathway: Pathway, tmp_path: Path) -> None:
    pdf = consent_bytes(example(), pathway)
    expected = pdf_page_count(pdf)
    assert expected >= 2
    printer = pdf_printer(tmp_path / "printed.pdf")
    assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
    assert print_pdf(pdf, printer) == expected

    printed = open_pdf(tmp_path / "printed.pdf")
    try:
        assert printed.pageCount() == expected
        sources = source_maps(pdf, tmp_path)
        for page in range(expected):
            size = printed.pagePointSize(page)
            assert size.width() == pytest.approx(A4_POINTS[0], abs=1.5)
            assert size.height() == pytest.approx(A4_POINTS[1], abs=1.5)
            assert_same_ink(sources[page], ink_map(printed, page))
        # Pages are not interchangeable: each printed page matches its own source best.
        for page in range(expected):
            mine = distance(sources[page], ink_map(printed, page))
            others = [distance(sources[o], ink_map(printed, page))
                      for o in range(expected) if o != page]
            assert mine < min(others)
    finally:
        printed.close()


def test_a_page_range_prints_only_those_pages_and_last_page_first_reverses(
        qtbot: QtBot, pathway: Pathway, tmp_path: Path) -> None:
    pdf = consent_bytes(example(), pathway)
    total = pdf_page_count(pdf)
    sources = source_maps(pdf, tmp_path)
    printer = pdf_printer(tmp_path / "range.pdf")
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, total)
    printer.setPageOrder(QPrinter.PageOrder.LastPageFirst)
    assert print_pdf(pdf, printer) == total - 1

    printed = open_pdf(tmp_path / "range.pdf")
    try:
        assert printed.pageCount() == total - 1
        wanted = list(reversed(range(1, total)))  # source pages (0-based) in printed order
        for position, source_page in enumerate(wanted):
            assert_same_ink(sources[source_page], ink_map(printed, position))
    finally:
        printed.close()


def test_the_page_keeps_its_aspect_ratio_on_other_paper() -> None:
    a4 = QSizeF(595.0, 842.0)
    letter = QRectF(0, 0, 612.0, 792.0)
    placed = fitted_rect(a4, letter)
    assert placed.width() / placed.height() == pytest.approx(a4.width() / a4.height())
    assert placed.height() == pytest.approx(letter.height())
    assert placed.left() == pytest.approx((letter.width() - placed.width()) / 2)
    assert letter.contains(placed)
    assert fitted_rect(a4, QRectF(10, 20, 595.0, 842.0)) == QRectF(10, 20, 595.0, 842.0)


def test_landscape_paper_centres_the_portrait_page(
        qtbot: QtBot, pathway: Pathway, tmp_path: Path) -> None:
    pdf = consent_bytes(example(), pathway)
    printer = pdf_printer(tmp_path / "landscape.pdf")
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    print_pdf(pdf, printer)
    printed = open_pdf(tmp_path / "landscape.pdf")
    try:
        cells = ink_map(printed, 0)
        columns = [min(cells[y * GRID[0] + x] for y in range(GRID[1])) for x in range(GRID[0])]
        # Blank paper on both sides of the (narrower) page, ink in the middle.
        assert columns[0] > 250 and columns[-1] > 250
        assert min(columns[GRID[0] // 3: 2 * GRID[0] // 3]) < 200
    finally:
        printed.close()


def test_bytes_that_are_not_a_pdf_are_refused(qtbot: QtBot, tmp_path: Path) -> None:
    printer = pdf_printer(tmp_path / "never.pdf")
    with pytest.raises(PrintError):
        print_pdf(b"%PDF-1.4 this is not really a PDF", printer)
    assert not (tmp_path / "never.pdf").exists()


# ---- the documents panel's "Print consent" ---------------------------------------------------


class FakeDialog:
    """Stands in for the system print dialog: checks the printer and prints to a PDF file."""

    def __init__(self, path: Path, accept: bool = True) -> None:
        self.path = path
        self.accept = accept
        self.calls: list[int] = []

    def __call__(self, printer: QPrinter, parent: QWidget | None, pages: int) -> bool:
        self.calls.append(pages)
        assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
        assert printer.pageLayout().orientation() == QPageLayout.Orientation.Portrait
        assert printer.docName().startswith("samtykke-")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.path))
        printer.setResolution(TEST_DPI)
        return self.accept


def test_print_consent_prints_the_case_consent_and_audits_it(
        qtbot: QtBot, open_wizard, store: Store, pathway: Pathway, tmp_path: Path) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    dialog = FakeDialog(tmp_path / "print.pdf")
    panel.ask_printer = dialog
    panel.consent_language.setCurrentIndex(panel.consent_language.findData("nn"))
    assert window.controller.case.consent.form_language == "nn"

    with qtbot.waitSignal(panel.printed, timeout=20000) as signal:
        panel.print_button.click()
    current = window.controller.case
    expected = render(consent_form(current, pathway, "nn", today=window.controller.today()),
                      creation_date=current.updated_at)
    pages = pdf_page_count(expected)
    assert dialog.calls == [pages]
    printed = open_pdf(tmp_path / "print.pdf")
    try:
        assert printed.pageCount() == pages
    finally:
        printed.close()
    [info] = signal.args[0]
    assert (info.kind, info.language, info.pages) == ("consent", "nn", pages)
    assert info.sha256 == hashlib.sha256(expected).hexdigest()
    entries = [e for e in store.audit_log(case.id) if e.action == "print"]
    assert len(entries) == 1
    details = entries[0].details
    assert details["kind"] == "consent" and details["language"] == "nn"
    assert details["sha256"] == info.sha256 and details["pages"] == pages
    assert details["target"] == "file"
    # Only ids, kinds and hashes: nothing of the patient in the entry.
    assert current.patient.name not in str(details)
    assert "PDF" in panel.status.text()
    # The choice is the case's own (the consent step shows the same field), and it is saved.
    assert store.load(case.id).case.consent.form_language == "nn"


def test_the_english_reading_copy_is_printed_after_the_norwegian_form(
        qtbot: QtBot, open_wizard, store: Store, pathway: Pathway, tmp_path: Path) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    panel.ask_printer = FakeDialog(tmp_path / "both.pdf")
    panel.english_copy.setChecked(True)
    assert window.controller.case.consent.english_reading_copy

    with qtbot.waitSignal(panel.printed, timeout=20000) as signal:
        panel.print_consent()
    languages = [info.language for info in signal.args[0]]
    assert languages == ["nb", "en"]
    printed = open_pdf(tmp_path / "both.pdf")
    try:
        assert printed.pageCount() == sum(info.pages for info in signal.args[0])
    finally:
        printed.close()
    entries = [e for e in store.audit_log(case.id) if e.action == "print"]
    assert [e.details["language"] for e in entries] == ["nb", "en"]


def test_blockers_stop_printing_with_the_reason(
        qtbot: QtBot, open_wizard, store: Store, tmp_path: Path) -> None:
    case = example("vilkar-ikke-oppfylt")
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    dialog = FakeDialog(tmp_path / "blocked.pdf")
    panel.ask_printer = dialog
    blockers = [f for f in window.controller.findings if f.severity.value == "blocker"]
    assert blockers

    assert panel.print_consent() is False
    assert dialog.calls == []
    assert not (tmp_path / "blocked.pdf").exists()
    text = panel.status.text()
    assert text.startswith(_("The consent cannot be printed until this is fixed: {reasons}")
                           .format(reasons=""))
    assert blockers[0].message.rstrip(".") in text
    assert not [e for e in store.audit_log(case.id) if e.action == "print"]


def test_cancelling_the_dialog_prints_and_records_nothing(
        qtbot: QtBot, open_wizard, store: Store, tmp_path: Path) -> None:
    case = example()
    window = open_wizard(case, step="summary")
    panel = window.page("summary").documents
    panel.ask_printer = FakeDialog(tmp_path / "cancelled.pdf", accept=False)
    assert panel.print_consent() is False
    assert not (tmp_path / "cancelled.pdf").exists()
    assert panel.status.text() == _("Printing was cancelled.")
    assert not [e for e in store.audit_log(case.id) if e.action == "print"]


def test_the_print_dialog_has_our_title_button_and_page_range(qtbot: QtBot) -> None:
    printer = new_printer("samtykke-test")
    seen: dict[str, object] = {}

    def answer(tries: int = 200) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QPrintDialog):
            if tries:
                QTimer.singleShot(20, lambda: answer(tries - 1))
            return
        seen["title"] = dialog.windowTitle()
        seen["buttons"] = [b.text() for box in dialog.findChildren(QDialogButtonBox)
                           for b in box.buttons()]
        seen["range"] = (dialog.minPage(), dialog.maxPage())
        dialog.reject()

    QTimer.singleShot(0, answer)
    assert ask_printer(printer, None, 3, _("Print consent")) is False
    assert seen["title"] == _("Print consent")
    assert pgettext("QPrintDialog", "&Print") in seen["buttons"]  # type: ignore[operator]
    assert seen["range"] == (1, 3)
    assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
