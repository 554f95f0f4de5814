"""Lay out a :class:`~core.documents.model.Document` as an A4 PDF with reportlab platypus.

Why it is built this way:

* Every string in the model is plain text.  It is escaped here, right before reportlab's
  mini-markup parser sees it, so a name like ``<b>Ola & "Nordmann"</b>`` prints literally.
* DejaVu Sans is embedded because the standard Helvetica has no glyphs for Sami letters
  (ŋ š đ ž č ŧ á print as boxes).  The fonts are parsed once per process.
* The page chrome (running header, "Side 1 av 3", document id, the QR code on page 1) is drawn
  by a canvas that holds the pages back until the page count is known: one layout pass.
* Nothing that can grow is nested in a table cell that cannot split, and tables may split
  inside a row, so 2,000-character words and notes flow onto the next page instead of
  overflowing or raising reportlab's LayoutError.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache, partial
from io import BytesIO
from pathlib import Path
from typing import Any, assert_never

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
)
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.rl_config import _FUZZ

from core.casefile import write_atomic
from core.documents.model import (
    Block,
    BulletList,
    Document,
    Grid,
    KeyValueTable,
    Notice,
    PageSize,
    Paragraph,
    Section,
    SignatureBlock,
    SignatureParty,
)

FONT_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CREATOR = "Rekvirent"

#: BCP 47 tags for the PDF catalog's /Lang, which screen readers use to pick a voice.
LANG_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CONTENT_TOP = PAGE_HEIGHT - MARGIN_TOP
FRAME_HEIGHT = CONTENT_TOP - MARGIN_BOTTOM
HEADER_BASELINE = PAGE_HEIGHT - 13 * mm
FOOTER_BASELINE = 11 * mm
CHROME_SIZES = (8.0, 7.0)  # try the first, shrink to the second, then truncate
CAPTION_SIZES = (7.0, 6.0)
KEY_PADDING = 8.0  # between the key and value columns
QR_SIZE = 22 * mm
QR_GAP = 6 * mm  # between text and code: more than the quiet zone a QR reader needs
QR_CAPTION_GAP = 1.5 * mm
#: Height of the code plus the document id printed under it.
QR_BLOCK_HEIGHT = QR_SIZE + QR_CAPTION_GAP + CAPTION_SIZES[0] + 2 * mm

INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#5A5F66")
ACCENT = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#B8BEC6")
NOTICE_FILL = colors.HexColor("#FFF6DC")
NOTICE_BORDER = colors.HexColor("#D8B45A")

GRID_HEADER_FILL = colors.HexColor("#E8ECF1")


@dataclass(frozen=True)
class _Geometry:
    """A page size with its margins and the baselines of the running header and footer."""

    page_width: float
    page_height: float
    margin_x: float
    margin_top: float
    margin_bottom: float
    #: From the top of the page, and from the bottom.
    header_from_top: float
    footer_baseline: float

    @property
    def content_width(self) -> float:
        return self.page_width - 2 * self.margin_x

    @property
    def content_top(self) -> float:
        return self.page_height - self.margin_top

    @property
    def frame_height(self) -> float:
        return self.content_top - self.margin_bottom

    @property
    def header_baseline(self) -> float:
        return self.page_height - self.header_from_top


#: A4 portrait is the module's constants above; the course documents add a landscape A4 (a
#: wide table) and A5 (half an A4 sheet, the contact card) with margins in proportion.
GEOMETRIES: dict[PageSize, _Geometry] = {
    "a4": _Geometry(PAGE_WIDTH, PAGE_HEIGHT, MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, 13 * mm,
                    FOOTER_BASELINE),
    "a4_landscape": _Geometry(landscape(A4)[0], landscape(A4)[1], 15 * mm, 20 * mm, 18 * mm,
                              11 * mm, 9 * mm),
    "a5": _Geometry(A5[0], A5[1], 12 * mm, 18 * mm, 16 * mm, 9 * mm, 7.5 * mm),
}

_fonts_lock = threading.Lock()
_fonts_registered = False


def render(document: Document, *, creation_date: datetime | None = None) -> bytes:
    """The document as PDF bytes.

    With ``creation_date`` the output is byte-for-byte reproducible (reportlab's invariant mode
    plus that date in the metadata), so an archived export can be re-rendered and compared.
    """
    _register_fonts()
    buffer = BytesIO()
    page = GEOMETRIES[document.page_size]
    frame = Frame(page.margin_x, page.margin_bottom, page.content_width, page.frame_height,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    template = BaseDocTemplate(
        buffer,
        pagesize=(page.page_width, page.page_height),
        pageTemplates=[PageTemplate("page", [frame])],
        title=document.title,
        author=document.author,
        subject=document.subject,
        creator=CREATOR,
        lang=LANG_TAGS.get(document.language, document.language) or None,  # a tag passes as is
        invariant=creation_date is not None,
        initialFontName=REGULAR,  # else every page preamble references Helvetica
        initialFontSize=document.body_size,
    )
    qr = _qr_code(document.qr_payload) if document.qr_payload else None
    chrome = _Chrome(document.running_header, document.document_id, document.page_label, qr,
                     page)
    story = _story(document, _Styles.of(document), page.content_width)
    pdf_date = _pdf_date(creation_date) if creation_date is not None else None
    template.build(story, canvasmaker=partial(_ChromeCanvas, chrome=chrome, pdf_date=pdf_date))
    return buffer.getvalue()


def write(document: Document, path: str | os.PathLike[str], *,
          creation_date: datetime | None = None) -> str:
    """Render and write atomically; returns the SHA-256 hex digest of the written bytes.

    The temporary file lives next to ``path`` (so ``os.replace`` is atomic) and has a neutral
    name: nothing from the document — patient name, id — leaks into the file system.
    """
    data = render(document, creation_date=creation_date)
    write_atomic(Path(path), data)
    return hashlib.sha256(data).hexdigest()


def _register_fonts() -> None:
    """Parse and register the DejaVu TTFs once per process (parsing costs ~15 ms).

    Also switches reportlab to its production settings, once, for the whole process (core.pdf
    is Rekvirent's only reportlab user):

    * ``useA85 = 0``: page streams are Flate-compressed binary, not also ASCII85-encoded —
      a 7-bit-mail relic that makes them a quarter larger and costs ~1 ms a document in
      reportlab's pure-Python encoder.  The content is the same; the file is smaller.
    * ``shapeChecking = 0``: graphics shapes (the QR code's rectangles) skip the attribute
      type checks that reportlab's documentation recommends only while developing.
    """
    global _fonts_registered
    if _fonts_registered:
        return
    with _fonts_lock:
        if _fonts_registered:
            return
        rl_config.useA85 = 0
        rl_config.shapeChecking = 0
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        # No oblique face is shipped; <i> falls back to upright rather than to Helvetica.
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                      boldItalic=BOLD)
        _fonts_registered = True


def _escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as entities, as ``xml.sax.saxutils.escape`` does — without
    importing it: it loads ``urllib.request``, ``http.client`` and ``ssl`` (3 MiB, 8 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markup(text: str) -> str:
    """Plain text → Paragraph markup: escaped, with the text's own line breaks kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(_escape(line) for line in lines)


class _Paragraph(PdfParagraph):  # type: ignore[misc]  # reportlab has no type hints
    """reportlab's Paragraph, remembering its line breaks for the last width it was given.

    A table asks each cell for its size when it lays out the rows, again when it draws them
    and again when it splits, and a section kept together is measured before it is placed:
    the same lines broken two or three times.  The lines depend only on the width (and on
    the text and style, which do not change), so a second wrap at the same width returns the
    first result.  ``split`` may drop the lines (``del self.blPara``); then they are broken
    again.
    """

    _wrapped_width: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if availWidth == self._wrapped_width and "blPara" in self.__dict__:
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped_width = availWidth if availWidth >= _FUZZ else None
        return width, height


#: Characters that make reportlab's mini-markup parser do more than copy the text.
_MARKUP_CHARACTERS = frozenset("&<>\r\n")


def _pdf_date(moment: datetime) -> str:
    """A PDF date string (``D:20211115093000+01'00'``); naive datetimes get no offset."""
    stamp = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return stamp
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"{stamp}{'-' if minutes < 0 else '+'}{hours:02d}'{rest:02d}'"


def _qr_code(payload: str) -> _QrCode:
    """The QR code (medium error correction, QR_SIZE square) as one filled PDF path.

    The widget's encoder runs once per render (2–7 ms, more for long payloads).  Its dark runs
    are written as one path of rectangles — one fill for the whole code — instead of being
    rendered as a Drawing, where every run became a separate graphics-state block formatted
    number by number (another 2–3 ms per document).  The runs are the ones
    ``QrCodeWidget.draw()`` makes (``test_qr_path_is_the_widgets_drawing`` compares them),
    without building its shape objects (~1 ms).
    """
    widget = QrCodeWidget(payload, barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE,
                          barBorder=0)
    return _QrCode(_qr_path(widget))


def _qr_path(widget: QrCodeWidget) -> str:
    """``x y w h re`` for each horizontal run of dark modules, then one fill; as
    ``QrCodeWidget.draw()`` places them (border, centring, rows from the top)."""
    qr = widget.qr
    qr.make()
    count = qr.getModuleCount()
    border = widget.barBorder
    width, height = widget.barWidth, widget.barHeight
    side = float(min(width, height))
    box = side / (count + border * 2.0)
    offset_x = widget.x + (width - side) / 2.0
    offset_y = widget.y + (side - height) / 2.0
    rects = []
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, run in itertools.groupby(map(bool, row)):
            length = len(list(run))
            if dark:
                rects.append(f"{_num(offset_x + (c + border) * box)} "
                             f"{_num(offset_y + height - (r + border + 1) * box)} "
                             f"{_num(length * box)} {_num(box)} re")
            c += length
    return "\n".join(rects) + "\nf" if rects else ""


def _num(value: float) -> str:
    """A PDF number with five decimals, trailing zeros cut (1e-5 pt is far below a pixel)."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class _QrCode:
    """PDF path operators for the dark modules, origin at the code's bottom left corner."""

    path: str

    def draw_on(self, canvas: Canvas, x: float, y: float) -> None:
        if not self.path:
            return
        canvas.saveState()
        canvas.translate(x, y)
        canvas.setFillColor(colors.black)
        canvas.addLiteral(self.path)
        canvas.restoreState()


# --- styles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    """Paragraph styles derived from the body size, so large print scales everything."""

    size: float
    #: One key column width for every key–value table, so the columns line up down the pages.
    key_width: float
    #: The height of the page's text frame (what a flowable taller than a page is).
    frame_height: float
    title: ParagraphStyle
    #: The title narrowed to leave room for the QR code on page 1.
    title_beside_qr: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    strong: ParagraphStyle
    bullet: ParagraphStyle
    cell: ParagraphStyle
    key: ParagraphStyle
    name: ParagraphStyle
    label: ParagraphStyle
    small: ParagraphStyle
    #: id(style) → (style, the markup parser's fragment for plain text in that style); only
    #: this object's own styles, so it stays small while the object is reused.
    _plain_frags: dict[int, tuple[ParagraphStyle, Any]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, document: Document) -> _Styles:
        """The styles for a document; made once per body size and key column width."""
        page = GEOMETRIES[document.page_size]
        return _styles_for(document.body_size, _key_width(document, page.content_width),
                           page.frame_height)

    @classmethod
    def sized(cls, size: float, key_width: float,
              frame_height: float = FRAME_HEIGHT) -> _Styles:
        body = ParagraphStyle("body", fontName=REGULAR, fontSize=size, leading=size * 1.3,
                              textColor=INK, spaceAfter=size * 0.55, splitLongWords=1,
                              spaceShrinkage=0,  # the default lets lines overrun the margin
                              bulletFontName=REGULAR, bulletFontSize=size)
        cell = ParagraphStyle("cell", parent=body, spaceAfter=0)
        small = ParagraphStyle("small", parent=body, fontSize=size * 0.85,
                               leading=size * 0.85 * 1.3, textColor=MUTED)
        title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=size * 1.7,
                               leading=size * 1.7 * 1.2, textColor=ACCENT, spaceAfter=size * 0.7)
        return cls(
            size=size,
            key_width=key_width,
            frame_height=frame_height,
            title=title,
            title_beside_qr=ParagraphStyle("title-beside-qr", parent=title,
                                           rightIndent=QR_SIZE + QR_GAP),
            heading=ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=size * 1.2,
                                   leading=size * 1.2 * 1.25, textColor=ACCENT,
                                   spaceBefore=size * 1.1, spaceAfter=size * 0.45),
            body=body,
            strong=ParagraphStyle("strong", parent=body, fontName=BOLD),
            bullet=ParagraphStyle("bullet", parent=body, leftIndent=size * 1.4,
                                  bulletIndent=size * 0.4, spaceAfter=size * 0.25),
            cell=cell,
            key=ParagraphStyle("key", parent=cell, fontName=BOLD, textColor=MUTED),
            name=ParagraphStyle("name", parent=cell, fontName=BOLD),
            label=ParagraphStyle("label", parent=small, spaceAfter=0),
            small=small,
        )

    def para(self, text: str, style: ParagraphStyle, *, bullet: str | None = None) -> _Paragraph:
        """A paragraph of plain ``text`` (never markup): escaped, its own line breaks kept.

        Plain text without ``& < >`` or line breaks — most of a document — skips reportlab's
        markup parser (about 15 µs a paragraph): the parser's fragment for the style is made
        once per render and copied with the cleaned text, which is exactly the fragment the
        parser would have produced, so the PDF is the same byte for byte.
        """
        if _MARKUP_CHARACTERS.isdisjoint(text):
            cleaned = cleanBlockQuotedText(text)
            if cleaned:
                frags = [self._plain_frag(style).clone(text=cleaned)]
                textTransformFrags(frags, style)
                return _Paragraph(cleaned, style, bulletText=bullet, frags=frags)
        return _Paragraph(_markup(text), style, bulletText=bullet)

    def _plain_frag(self, style: ParagraphStyle) -> Any:
        entry = self._plain_frags.get(id(style))
        if entry is None:  # the style is kept in the entry, so its id is not reused
            [frag] = PdfParagraph("x", style).frags
            entry = self._plain_frags[id(style)] = (style, frag)
        return entry[1]

    @property
    def split_min(self) -> float:
        """Smallest piece of a table row worth putting at the bottom of a page (two lines)."""
        return self.size * 1.3 * 2


@lru_cache(maxsize=16)
def _styles_for(size: float, key_width: float, frame_height: float) -> _Styles:
    """Styles are never changed once made, so renders with the same body size and key column
    share them (and their parsed plain-text fragments); a few sizes are kept."""
    return _Styles.sized(size, key_width, frame_height)


def _key_width(document: Document, content_width: float = CONTENT_WIDTH) -> float:
    """Wide enough for the longest word of any key, so "Spesialisthelsetjenesten" is not cut.

    Bounded to a fifth and 38 % of the text width: keys stay the narrower column.
    """
    keys = [key for key, _ in document.header_fields]
    for sec in document.sections:
        keys += [key for block in sec.blocks if isinstance(block, KeyValueTable)
                 for key, _ in block.rows]
    longest = max((pdfmetrics.stringWidth(word, BOLD, document.body_size)
                   for key in keys for word in key.split()), default=0.0)
    return float(min(max(longest + KEY_PADDING + 1, content_width * 0.2), content_width * 0.38))


def _table_style(styles: _Styles, *commands: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Common table commands; the FONT line keeps reportlab's Helvetica default out of the PDF."""
    return [("FONT", (0, 0), (-1, -1), REGULAR, styles.size),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), *commands]


# --- story ----------------------------------------------------------------------------------


def _story(document: Document, styles: _Styles, width: float) -> list[Flowable]:
    """Title block, notices, sections and the closing note, top to bottom."""
    story = _title_block(document, styles, width)
    story += [_notice(notice.text, styles, width) for notice in document.notices]
    for sec in document.sections:
        story += _section(sec, styles, width)
    if document.footer_note.strip():
        story.append(Spacer(1, styles.size))
        story.append(styles.para(document.footer_note, styles.small))
    return story


def _title_block(document: Document, styles: _Styles, width: float) -> list[Flowable]:
    """Title and header fields, kept left of the QR code when page 1 carries one.

    The code itself is drawn by the page chrome; here the text is narrowed and, if it is
    shorter than the code, followed by a spacer so the body starts below the code.
    """
    beside_qr = QR_SIZE + QR_GAP if document.qr_payload else 0.0
    title = styles.para(document.title,
                        styles.title_beside_qr if beside_qr else styles.title)
    block = [title, *_kv_table(document.header_fields, styles, width - beside_qr)]
    if beside_qr:
        block.append(Spacer(1, max(0.0, QR_BLOCK_HEIGHT - _stack_height(
            block, width, styles.frame_height))))
    return [*block, Spacer(1, styles.size * 0.6)]


def _section(sec: Section, styles: _Styles, width: float) -> list[Flowable]:
    """Heading and blocks; a section that is to be signed stays on one page as a whole.

    A heading starts a new page unless a few lines of its text fit under it (``keepWithNext``
    would move the whole first block, leaving half-empty pages before long paragraphs).  The
    section with a signature block is kept whole, so the statement being signed and all the
    signatures share a page.  (Only the section is wrapped: a KeepTogether nested in another
    reports an endless height and would push everything to a fresh page.)
    """
    heading = styles.para(sec.heading, styles.heading)
    story: list[Flowable] = [heading]
    if sec.new_page:
        return [PageBreak(), *story, *(f for block in sec.blocks
                                       for f in _block(block, styles, width))]
    for block in sec.blocks:
        story += _block(block, styles, width)
    if any(isinstance(block, SignatureBlock) for block in sec.blocks):
        return [KeepTogether(story)]
    min_height = styles.heading.spaceBefore + styles.heading.leading * 2 + styles.body.leading * 3
    return [CondPageBreak(min_height), *story]


def _block(block: Block, styles: _Styles, width: float) -> list[Flowable]:
    """The flowables for one model block; a new block type fails mypy here until handled."""
    match block:
        case Paragraph(text=text, emphasis=emphasis):
            return [styles.para(text, styles.strong if emphasis else styles.body)]
        case BulletList(items=items):
            return [*(styles.para(item, styles.bullet, bullet="•")
                      for item in items if item.strip()), Spacer(1, styles.size * 0.3)]
        case KeyValueTable(rows=rows):
            return _kv_table(rows, styles, width)
        case Notice(text=text):
            return [_notice(text, styles, width)]
        case SignatureBlock():
            return _signatures(block, styles, width)
        case Grid():
            return [_grid(block, styles, width)]
        case _:
            assert_never(block)


def _stack_height(flowables: list[Flowable], width: float,
                  height: float = FRAME_HEIGHT) -> float:
    """Height of flowables stacked in a column, measured before the build to choose a layout."""
    return sum(float(f.wrap(width, height)[1] + f.getSpaceAfter()) for f in flowables)


#: Cell paddings of the key–value tables: (left, right) per column, then top and bottom.
KV_PADDING = ((0, KEY_PADDING), (6, 0))  # the value column keeps reportlab's default left 6
KV_TOP, KV_BOTTOM = 2.5, 3.5
KV_RULE_WIDTH = 0.4


def _kv_table(rows: tuple[tuple[str, str], ...], styles: _Styles,
              width: float) -> list[Flowable]:
    """Keys in a narrow muted column, values wrapping in the wide one; empty → nothing."""
    if not rows:
        return []
    data = [[styles.para(key, styles.key), styles.para(value, styles.cell)]
            for key, value in rows]
    return [_KeyValueRows(data, [styles.key_width, width - styles.key_width], styles)]


def _kv_reportlab_table(data: list[list[Flowable]], col_widths: list[float],
                        styles: _Styles) -> Table:
    """The key–value rows as a reportlab Table: used when they must be split across pages."""
    (key_left, key_right), (_, value_right) = KV_PADDING
    return Table(data, colWidths=col_widths, hAlign="LEFT",
                 splitInRow=styles.split_min, spaceAfter=styles.size * 0.6,
                 style=_table_style(styles, ("LEFTPADDING", (0, 0), (0, -1), key_left),
                                    ("RIGHTPADDING", (0, 0), (0, -1), key_right),
                                    ("RIGHTPADDING", (-1, 0), (-1, -1), value_right),
                                    ("TOPPADDING", (0, 0), (-1, -1), KV_TOP),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), KV_BOTTOM),
                                    ("LINEBELOW", (0, 0), (-1, -1), KV_RULE_WIDTH, RULE)))


class _KeyValueRows(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """Key–value rows that are laid out and drawn without reportlab's general Table machinery.

    A Table costs about 0.25 ms per key–value table beyond its cells (style commands per
    cell, row geometry, every cell measured again while drawing).  Where the rows fit, this
    flowable measures each cell once and draws exactly what
    :func:`_kv_reportlab_table` would draw — the same operators in the same order, so the
    PDF is identical byte for byte.  Where they must be split across pages, the rows become
    that Table and reportlab splits it, row by row or inside a row, as before.
    """

    def __init__(self, data: list[list[Flowable]], col_widths: list[float],
                 styles: _Styles) -> None:
        super().__init__()
        self._data = data
        self._col_widths = col_widths
        self._styles = styles
        self.hAlign = "LEFT"
        self.spaceAfter = styles.size * 0.6
        self._heights: list[float] = []
        self._cell_heights: list[list[float]] = []
        self._row_positions: list[float] = []

    def _table(self) -> Table:
        return _kv_reportlab_table(self._data, self._col_widths, self._styles)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # Row heights as reportlab's Table computes them (Table._calc_height): each cell
        # wrapped at its width less the paddings, the tallest cell plus the paddings.
        canv = getattr(self, "canv", None)
        self._heights, self._cell_heights = [], []
        for row in self._data:
            tallest, cells = 0.0, []
            for cell, cell_width, (left, right) in zip(row, self._col_widths, KV_PADDING,
                                                       strict=True):
                _, cell_height = cell.wrapOn(canv, cell_width - left - right,
                                             72000 - KV_TOP - KV_BOTTOM)
                cells.append(cell_height)
                cell_height += KV_BOTTOM + KV_TOP
                if cell_height > tallest:
                    tallest = cell_height
            self._heights.append(tallest)
            self._cell_heights.append(cells)
        # Row positions from the bottom with the same compensated sum as Table._calc_height.
        positions: list[float] = []
        height: float = 0
        c: float = 0
        for row_height in reversed(self._heights):
            positions.append(height)
            y = row_height - c
            t = height + y
            c = (t - height) - y
            height = t
        positions.append(height)
        positions.reverse()
        self._row_positions = positions
        total_width: float = 0
        for column_width in self._col_widths:
            total_width = total_width + column_width
        self.width, self.height = total_width, height
        return total_width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        pieces: list[Flowable] = self._table().splitOn(self.canv, availWidth, availHeight)
        return pieces

    def draw(self) -> None:
        # Table.draw: state saved, the cells' fill colour and font set once, each cell's
        # flowable drawn top-aligned inside its paddings, then the rules (Table._drawLines).
        canv = self.canv
        canv.saveState()
        canv.setFillColor(colors.black)
        canv.setFont(REGULAR, self._styles.size, self._styles.size * 1.2)
        positions = self._row_positions
        column_positions: list[float] = [0]
        for column_width in self._col_widths:
            column_positions.append(column_positions[-1] + column_width)
        for index, (row, cell_heights) in enumerate(zip(self._data, self._cell_heights,
                                                        strict=True)):
            bottom, row_height = positions[index + 1], self._heights[index]
            for column, (cell, height) in enumerate(zip(row, cell_heights, strict=True)):
                x = column_positions[column] + KV_PADDING[column][0]
                y = bottom + row_height - KV_TOP
                y += cell.getSpaceBefore()
                y -= cell.getSpaceBefore()
                y -= height
                cell.drawOn(canv, x, y)
        canv.saveState()
        canv.setLineCap(1)
        canv.setLineJoin(1)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(KV_RULE_WIDTH)
        for y in positions[1:]:
            canv.line(0, y, self.width, y)
        canv.restoreState()
        canv.restoreState()


def _notice(text: str, styles: _Styles, width: float) -> Table:
    """A light box that stands out from the body without shouting."""
    return Table([[styles.para(text, styles.cell)]], colWidths=[width],
                 splitInRow=styles.split_min, spaceBefore=styles.size * 0.2,
                 spaceAfter=styles.size * 0.8,
                 style=_table_style(styles, ("BACKGROUND", (0, 0), (-1, -1), NOTICE_FILL),
                                    ("BOX", (0, 0), (-1, -1), 0.75, NOTICE_BORDER),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7)))


def _signatures(block: SignatureBlock, styles: _Styles, width: float) -> list[Flowable]:
    """One table row per party, so a page break falls between parties, not inside one.

    The section holding the block is kept on one page by :func:`_section`; the rows matter
    only when that section is longer than a page.  Only a party taller than a page (absurdly
    long names) may split inside its row — otherwise reportlab would raise LayoutError.
    """
    if not block.parties:
        return []
    rows = [[_party(party, block, styles)] for party in block.parties]
    tallest = max(_stack_height(cells, width, styles.frame_height) for [cells] in rows)
    split_in_row = styles.split_min if tallest > styles.frame_height else 0
    return [Table(rows, colWidths=[width], hAlign="LEFT", splitInRow=split_in_row,
                  spaceBefore=styles.size,
                  style=_table_style(styles, ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                     ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                     ("TOPPADDING", (0, 0), (-1, -1), 0),
                                     ("BOTTOMPADDING", (0, 0), (-1, -1), styles.size * 1.6)))]


def _grid(block: Grid, styles: _Styles, width: float) -> Table:
    """A ruled table with a shaded header row repeated on every page.

    Column widths are the block's shares of the text width (equal shares without them).  An
    empty body cell is a field to write in: it holds a spacer ``write_lines`` body lines high,
    so every row has room for a pen.  Rows may split across pages like any other table.
    """
    columns = len(block.header)
    shares = list(block.widths) if len(block.widths) == columns else [1.0] * columns
    total = sum(shares)
    col_widths = [width * share / total for share in shares]
    write_height = styles.body.leading * block.write_lines
    data: list[list[Flowable]] = [[styles.para(text, styles.key) for text in block.header]]
    for row in block.rows:
        cells = list(row[:columns]) + [""] * (columns - len(row))
        data.append([styles.para(text, styles.cell) if text.strip()
                     else Spacer(1, write_height) for text in cells])
    return Table(data, colWidths=col_widths, hAlign="LEFT", repeatRows=1,
                 splitInRow=styles.split_min, spaceAfter=styles.size * 0.8,
                 style=_table_style(styles, ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                                    ("BACKGROUND", (0, 0), (-1, 0), GRID_HEADER_FILL),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3)))


def _party(party: SignatureParty, block: SignatureBlock, styles: _Styles) -> list[Flowable]:
    """Role, name and detail lines, room to write, then the two lines to sign on."""
    return [styles.para(party.role, styles.label),
            styles.para(party.name, styles.name),
            *(styles.para(line, styles.cell) for line in party.lines),
            _SignLines(block.date_place_label, block.signature_label,
                       writing_space=styles.size * 3, label_size=styles.label.fontSize)]


class _SignLines(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """Two rules to write on, labelled underneath: date and place (narrow), signature (wide).

    Drawn directly rather than as a nested table, which could not split inside a table cell.
    The labels are one short line each; an absurdly long label is cut with an ellipsis.
    """

    def __init__(self, date_place_label: str, signature_label: str, *, writing_space: float,
                 label_size: float) -> None:
        super().__init__()
        self._labels = (date_place_label, signature_label)
        self._writing_space = writing_space
        self._label_size = label_size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = self._writing_space + self._label_size * 1.6
        return self.width, self.height

    def draw(self) -> None:
        date_width, gap = self.width * 0.38, self.width * 0.06
        line_y = self._label_size * 1.6
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.8)
        self.canv.setFillColor(MUTED)
        self.canv.setFont(REGULAR, self._label_size)
        for x, width, label in ((0.0, date_width, self._labels[0]),
                                (date_width + gap, self.width - date_width - gap,
                                 self._labels[1])):
            self.canv.line(x, line_y, x + width, line_y)
            self.canv.drawString(x, line_y - self._label_size * 1.25,
                                 _truncate(" ".join(label.split()), self._label_size, width))


# --- page chrome ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chrome:
    """What is printed on the pages outside the frame."""

    running_header: str
    document_id: str
    page_label: str
    #: The QR code for the top right of page 1, or None.
    qr: _QrCode | None
    page: _Geometry = GEOMETRIES["a4"]

    def draw(self, canvas: Canvas, page: int, pages: int) -> None:
        """Running header over a rule; footer with the id left and "Side x av y" right.

        The running header already names the document kind, so the title is not repeated.
        """
        label = self.page_label.replace("{page}", str(page)).replace("{pages}", str(pages))
        geometry = self.page
        left, right = geometry.margin_x, geometry.page_width - geometry.margin_x
        header, footer = geometry.header_baseline, geometry.footer_baseline
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, header - 2.5 * mm, right, header - 2.5 * mm)
        canvas.line(left, footer + 4 * mm, right, footer + 4 * mm)
        _line_pair(canvas, header, self._header, left, right)
        _line_pair(canvas, footer,
                   _fit_pair(self.document_id, label, geometry.content_width, right_share=0.5),
                   left, right)
        if page == 1 and self.qr is not None:
            self._draw_qr(canvas, self.qr)
        canvas.restoreState()

    def _draw_qr(self, canvas: Canvas, qr: _QrCode) -> None:
        """The code flush with the top right of the text area, the document id under it."""
        geometry = self.page
        bottom = geometry.content_top - QR_SIZE
        right = geometry.page_width - geometry.margin_x
        qr.draw_on(canvas, right - QR_SIZE, bottom)
        _line_pair(canvas, bottom - QR_CAPTION_GAP - CAPTION_SIZES[0], self._qr_caption,
                   geometry.margin_x, right)

    @cached_property
    def _header(self) -> tuple[str, str, float]:
        """The running header fitted once: it is the same on every page."""
        return _fit_pair(self.running_header, "", self.page.content_width, right_share=0)

    @cached_property
    def _qr_caption(self) -> tuple[str, str, float]:
        return _fit_pair("", self.document_id, QR_SIZE + QR_GAP, right_share=1,
                         sizes=CAPTION_SIZES)


def _line_pair(canvas: Canvas, baseline: float, fitted: tuple[str, str, float],
               x_left: float = MARGIN_X, x_right: float = PAGE_WIDTH - MARGIN_X) -> None:
    """Left text in ink, right text muted, on one baseline between the margins."""
    left, right, size = fitted
    canvas.setFont(REGULAR, size)
    canvas.setFillColor(INK)
    canvas.drawString(x_left, baseline, left)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(x_right, baseline, right)


def _fit_pair(left: str, right: str, width: float, *, right_share: float,
              sizes: tuple[float, ...] = CHROME_SIZES) -> tuple[str, str, float]:
    """Fit two texts on one line: shrink the font step by step, then cut with an ellipsis.

    The left text (patient identification, document id) has priority; the right one gets at
    most ``right_share`` of the width.
    """
    left, right = " ".join(left.split()), " ".join(right.split())
    gap = 6 * mm if left and right else 0.0
    for size in sizes:
        right_width = min(_width(right, size), width * right_share)
        left_width = width - right_width - gap
        if _width(left, size) <= left_width and _width(right, size) <= right_width:
            return left, right, size
    return _truncate(left, size, left_width), _truncate(right, size, right_width), size


@lru_cache(maxsize=512)
def _width(text: str, size: float) -> float:
    """Width in the regular face; the page chrome asks for the same few texts on every page."""
    return float(pdfmetrics.stringWidth(text, REGULAR, size))


def _truncate(text: str, size: float, width: float) -> str:
    """The longest prefix of ``text`` that fits ``width`` with an ellipsis appended."""
    if _width(text, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # binary search: a 2,000-character header costs ~11 measurements
        middle = (low + high + 1) // 2
        if _width(text[:middle].rstrip() + "…", size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


class _ChromeCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """Holds every finished page back until ``save()``, when the page count is known.

    The classic reportlab "NumberedCanvas" recipe: a page's state is a shallow copy of the
    canvas ``__dict__``; on save each page is restored, gets its chrome and is emitted.
    """

    def __init__(self, *args: Any, chrome: _Chrome, pdf_date: str | None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_chrome = chrome
        self._held_pages: list[dict[str, Any]] = []
        if pdf_date is not None:
            self.setDateFormatter(lambda *_: pdf_date)

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._page_chrome.draw(self, number, pages)
            super().showPage()
        super().save()
