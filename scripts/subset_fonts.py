"""Make the PDF fonts in ``resources/fonts`` from the full DejaVu Sans files.

    pip install fonttools   # a tool for this script only, not a dependency of Rekvirent
    python scripts/subset_fonts.py /usr/share/fonts/truetype/dejavu   # fonts-dejavu-core

reportlab parses the whole TrueType file of each font it registers and keeps its tables in
memory: the full DejaVu Sans and Sans Bold (5,900 characters each) cost 7.2 MiB and ~15 ms
at the first export.  The PDFs only ever need the scripts below — Norwegian and Sami
letters, the rest of Latin (Folkeregisteret records names in Latin letters), Greek and
Cyrillic, and the punctuation, arrows, mathematical and box symbols a note may contain —
so the shipped files keep those characters (about 2,900) with their kerning and ligatures,
and cost 3.8 MiB.  Scripts reportlab cannot set correctly anyway (right-to-left Hebrew and
Arabic need bidi and shaping) are left out.  ``tests/core/test_pdf_fonts.py`` checks that
every character of the shipped texts and catalogs is in both fonts.

The files keep their names (the DejaVu licence only restricts the names "Bitstream" and
"Vera"); the licence is ``resources/fonts/LICENSE-DejaVu.txt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Unicode blocks kept, as (first, last, what).
KEPT = (
    (0x0000, 0x036F, "Latin (Basic to Extended-B), IPA, spacing modifiers, combining marks"),
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x052F, "Cyrillic and its supplement"),
    (0x1D00, 0x1DBF, "phonetic extensions"),
    (0x1E00, 0x1FFF, "Latin Extended Additional, Greek Extended"),
    (0x2000, 0x206F, "general punctuation"),
    (0x2070, 0x20CF, "super- and subscripts, currency"),
    (0x2100, 0x218F, "letterlike symbols, number forms"),
    (0x2190, 0x21FF, "arrows"),
    (0x2200, 0x22FF, "mathematical operators"),
    (0x2300, 0x23FF, "miscellaneous technical"),
    (0x2400, 0x24FF, "control pictures, enclosed alphanumerics"),
    (0x2500, 0x25FF, "box drawing, blocks, geometric shapes"),
    (0x2600, 0x27BF, "miscellaneous symbols, dingbats (check marks, ballot boxes)"),
    (0xFB00, 0xFB06, "Latin ligatures"),
    (0xFFFD, 0xFFFD, "replacement character"),
)
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
TARGET = Path(__file__).resolve().parent.parent / "resources" / "fonts"


def subset(source: Path, target: Path) -> None:
    from fontTools import subset as ft

    options = ft.Options()
    options.layout_features = ["*"]  # kerning, ligatures, marks: the text sets as before
    options.name_IDs = ["*"]
    options.name_legacy = True
    options.name_languages = ["*"]
    options.glyph_names = True
    options.notdef_outline = True  # a missing character prints as a box, not as nothing
    options.recommended_glyphs = True
    font = ft.load_font(str(source), options)
    subsetter = ft.Subsetter(options)
    subsetter.populate(unicodes=[cp for first, last, _what in KEPT
                                 for cp in range(first, last + 1)])
    subsetter.subset(font)
    ft.save_font(font, str(target), options)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[0])
    for name in FONTS:
        subset(folder / name, TARGET / name)
        print(f"{TARGET / name}: {(TARGET / name).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
