"""Print PDFs we made in memory: rasterise each page with QtPdf onto a QPrinter.

The PDF never touches the disk here: the bytes are read by :class:`QPdfDocument` from a
:class:`QBuffer`, each page is rendered to an image at the printer's resolution (capped at
:data:`MAX_DPI`), and the image is painted onto the printer page keeping the page's aspect
ratio.  The printer is put in full-page mode because our PDFs carry their own margins: an A4
page on A4 paper lands exactly where the PDF has it.  What happens after the printer (the
operating system's spooler) is outside the program, as for any printout.

:func:`print_pdf` needs no dialog, so tests print to a ``QPrinter`` in PDF mode;
:func:`ask_printer` is the system print dialog with our own title and button text (Qt's own
labels in it are translated through :mod:`ui.qt_strings`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from i18n import _, pgettext

#: Upper limit for the raster resolution: sharper than any office laser needs, and one A4 page
#: at 600 dpi is about 140 MB of pixels while it is being drawn.
MAX_DPI = 600


class PrintError(Exception):
    """The PDF could not be read or the printer refused to start or to take a page."""


def new_printer(doc_name: str) -> QPrinter:
    """A printer set up for our documents: high resolution, A4 portrait.

    ``doc_name`` is what the print queue shows to everyone on the printer: give a document
    kind and id, never a patient's name.
    """
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDocName(doc_name)
    printer.setCreator("Rekvirent")
    return printer


def ask_printer(printer: QPrinter, parent: QWidget | None, pages: int,
                title: str | None = None) -> bool:
    """The system print dialog for ``pages`` pages; True when the user chose to print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title or pgettext("QPrintDialog", "Print"))
    option = QAbstractPrintDialog.PrintDialogOption
    dialog.setOption(option.PrintSelection, False)
    dialog.setOption(option.PrintCurrentPage, False)
    dialog.setOption(option.PrintPageRange, True)
    dialog.setMinMax(1, max(1, pages))
    dialog.setFromTo(1, max(1, pages))
    # Qt's own dialog (Linux) has a button box; native dialogs (Windows, macOS) have none and
    # use the system's language.
    for box in dialog.findChildren(QDialogButtonBox):
        button = box.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            # Qt's own word, translated by ui.qt_strings; set here too in case the translator
            # is not installed.
            button.setText(pgettext("QPrintDialog", "&Print"))
    return bool(dialog.exec() == QDialog.DialogCode.Accepted)


def pdf_page_count(pdf_bytes: bytes) -> int:
    document, buffer = _open(pdf_bytes)
    try:
        return int(document.pageCount())
    finally:
        document.close()
        buffer.close()


def fitted_rect(source: QSizeF, target: QRectF) -> QRectF:
    """The largest rectangle with ``source``'s aspect ratio inside ``target``, centred."""
    if source.width() <= 0 or source.height() <= 0:
        return QRectF(target)
    scale = min(target.width() / source.width(), target.height() / source.height())
    width, height = source.width() * scale, source.height() * scale
    return QRectF(target.x() + (target.width() - width) / 2,
                  target.y() + (target.height() - height) / 2, width, height)


def print_pdf(pdf_bytes: bytes, printer: QPrinter, *, max_dpi: int = MAX_DPI) -> int:
    """Print one PDF; returns the number of pages sent to the printer."""
    return sum(print_pdfs([pdf_bytes], printer, max_dpi=max_dpi))


def print_pdfs(documents: Sequence[bytes], printer: QPrinter, *,
               max_dpi: int = MAX_DPI) -> list[int]:
    """Print several PDFs as one job (e.g. the consent and its English reading copy).

    Honours the printer's page range (over the whole job, as the dialog numbers the pages),
    page order and — when the printer cannot make copies itself — the number of copies.
    Returns, per document, the number of its pages that were printed (once per copy).
    """
    opened = [_open(data) for data in documents]
    try:
        pages = [(index, page) for index, (document, _buffer) in enumerate(opened)
                 for page in range(document.pageCount())]
        chosen = _chosen_pages(printer, len(pages))
        sequence = [pages[number - 1] for number in chosen]
        if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
            sequence.reverse()
        copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
        if copies > 1:
            sequence = (sequence * copies if printer.collateCopies()
                        else [item for item in sequence for _copy in range(copies)])
        printed = [0] * len(documents)
        if not sequence:
            return printed
        printer.setFullPage(True)  # our PDFs have their own margins
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError(_("The printer could not be started."))
        try:
            resolution = max(1, printer.resolution())
            paper = printer.pageLayout().fullRectPixels(resolution)
            target = QRectF(0, 0, paper.width(), paper.height())
            # Render at most at max_dpi; the painter scales up to the printer's resolution.
            raster = min(1.0, max_dpi / resolution)
            for position, (index, page) in enumerate(sequence):
                if position and not printer.newPage():
                    raise PrintError(_("The printer did not accept a new page."))
                document = opened[index][0]
                place = fitted_rect(document.pagePointSize(page), target)
                size = QSize(max(1, round(place.width() * raster)),
                             max(1, round(place.height() * raster)))
                image = document.render(page, size)
                if image.isNull():
                    raise PrintError(_("A page could not be drawn for printing."))
                painter.drawImage(place, image)
                printed[index] += 1
        finally:
            painter.end()
        return printed
    finally:
        for document, buffer in opened:
            document.close()
            buffer.close()


def _chosen_pages(printer: QPrinter, total: int) -> list[int]:
    """1-based page numbers the printer's range asks for (every page unless a range is set)."""
    every = list(range(1, total + 1))
    if printer.printRange() != QPrinter.PrintRange.PageRange:
        return every
    ranges = printer.pageRanges()
    if ranges.isEmpty():
        first, last = printer.fromPage(), printer.toPage()
        if first <= 0:
            return every
        return [n for n in every if first <= n <= (last or total)]
    return [n for n in every if ranges.contains(n)]


def _open(pdf_bytes: bytes) -> tuple[QPdfDocument, QBuffer]:
    """Load PDF bytes from memory; the buffer must live as long as the document."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf_bytes))
    if not buffer.open(QIODevice.OpenModeFlag.ReadOnly):
        raise PrintError(_("The document could not be prepared for printing."))
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        document.close()
        buffer.close()
        raise PrintError(_("The document could not be prepared for printing."))
    return document, buffer


__all__ = ["MAX_DPI", "PrintError", "ask_printer", "fitted_rect",
           "new_printer", "pdf_page_count", "print_pdf", "print_pdfs"]
