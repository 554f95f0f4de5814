"""The render model: one structure feeds the on-screen preview, the copied text and the PDF.

Plain text only — no markup.  The PDF layer escapes everything before reportlab sees it, so a
patient name like ``<b>&`` prints literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DocumentKind = Literal["journal", "consent", "plan", "prescription",
                       # the course of treatment (issue 16)
                       "followup_sheet", "contact_card", "taper_plan", "end_note",
                       "followup_note", "decision_note"]

#: ``a4`` portrait (every document before the course), ``a4_landscape`` (a wide table, the
#: daily follow-up sheet) or ``a5`` (half an A4 sheet: the patient's contact card).
PageSize = Literal["a4", "a4_landscape", "a5"]


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class KeyValueTable:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Notice:
    """A boxed message, e.g. the exercise-mode banner or a translation notice."""

    text: str


@dataclass(frozen=True)
class SignatureParty:
    role: str
    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignatureBlock:
    parties: tuple[SignatureParty, ...]
    date_place_label: str
    signature_label: str


@dataclass(frozen=True)
class Grid:
    """A table with a header row and columns, e.g. one row per day to fill in by hand.

    ``widths`` are the columns' shares of the text width (any positive numbers; they are
    scaled to sum to the width).  An empty cell is a field to write in: in the PDF every row
    is at least ``write_lines`` body lines high, so there is room for a pen.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    write_lines: float = 0.0


Block = Paragraph | BulletList | KeyValueTable | Notice | SignatureBlock | Grid


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]
    #: Start the section on a new page in the PDF (e.g. a table to fill in by hand).
    new_page: bool = False


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    language: str
    title: str
    document_id: str
    #: Shown in the running header of every page (e.g. patient name and identity number).
    running_header: str
    #: "Side {page} av {pages}" in the document language, with the two placeholders.
    page_label: str
    author: str
    subject: str
    header_fields: tuple[tuple[str, str], ...] = ()
    sections: tuple[Section, ...] = ()
    notices: tuple[Notice, ...] = ()
    #: Body font size in points (the consent uses large print).
    body_size: float = 10.5
    qr_payload: str = ""
    footer_note: str = field(default="")
    page_size: PageSize = "a4"


def section(heading: str, *blocks: Block | None, new_page: bool = False) -> Section | None:
    """A section with the non-empty blocks, or None when nothing is left (no empty headings)."""
    kept = tuple(b for b in blocks if b is not None and _has_content(b))
    return Section(heading, kept, new_page) if kept else None


def _has_content(block: Block) -> bool:
    match block:
        case Paragraph(text=text) | Notice(text=text):
            return bool(text.strip())
        case BulletList(items=items):
            return any(i.strip() for i in items)
        case KeyValueTable(rows=rows):
            return any(v.strip() for _, v in rows)
        case SignatureBlock():
            return True
        case Grid(rows=rows):
            return bool(rows)
    return False


def kv(*rows: tuple[str, str]) -> KeyValueTable:
    """A key–value table keeping only the rows that have a value."""
    return KeyValueTable(tuple((k, v) for k, v in rows if v and v.strip()))


def bullets(*items: str) -> BulletList:
    return BulletList(tuple(i for i in items if i and i.strip()))


def to_text(document: Document) -> str:
    """The document as plain text (what "Kopier journalnotat" puts on the clipboard)."""
    lines = [document.title, "=" * len(document.title)]
    lines += [f"{k}: {v}" for k, v in document.header_fields]
    for notice in document.notices:
        lines += ["", f"!! {notice.text}"]
    for sec in document.sections:
        lines += ["", sec.heading, "-" * len(sec.heading)]
        for block in sec.blocks:
            lines += _block_text(block)
    if document.footer_note:
        lines += ["", document.footer_note]
    return "\n".join(lines).strip() + "\n"


def _block_text(block: Block) -> list[str]:
    match block:
        case Paragraph(text=text):
            return [text]
        case Notice(text=text):
            return [f"!! {text}"]
        case BulletList(items=items):
            return [f"- {i}" for i in items if i.strip()]
        case KeyValueTable(rows=rows):
            return [f"{k}: {v}" for k, v in rows if v.strip()]
        case SignatureBlock(parties=parties, date_place_label=label, signature_label=sig):
            out: list[str] = []
            for party in parties:
                out += [f"{party.role}: {party.name}", *party.lines,
                        f"{label}: ____________________", f"{sig}: ____________________", ""]
            return out
        case Grid(header=header, rows=rows):
            return [" | ".join(header), *(" | ".join(c.strip() or "…" for c in row)
                                          for row in rows)]
    return []
