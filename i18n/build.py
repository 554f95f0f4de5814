"""Extract, update and compile the gettext catalogs with babel.

``python -m i18n.build compile`` (run by the set-up scripts) compiles every ``.po`` to ``.mo``;
``python -m i18n.build update`` re-extracts ``messages.pot`` from the code and merges it into
the catalogs.  Compiled ``.mo`` files are build output and are not committed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = LOCALE_DIR.parent
POT = LOCALE_DIR / f"{DOMAIN}.pot"
#: Pending files applied after all others whatever order they are given in: the language
#: review (``i18n/pending/lang.json``) corrects wording that other files brought in first.
REVIEW_FILES = ("lang.json",)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", *args], check=True,
                   cwd=ROOT)


def extract(output: Path = POT) -> None:
    _pybabel(
        "extract", "-F", str(LOCALE_DIR / "babel.cfg"), "-k", "N_", "-k", "pgettext:1c,2",
        # The rule engine's helpers take the English msgid as 4th (or 5th) argument.
        "-k", "blocker:4", "-k", "warning:4", "-k", "info:4", "-k", "_deviation:5",
        "--no-location", "--sort-output", "--omit-header", "-o", str(output), ".",
    )


def update() -> None:
    extract()
    for language in LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            _pybabel("update", "-i", str(POT), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", language,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-i", str(POT), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", language)


def compile_catalogs(target: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``.po`` to ``.mo`` under ``target`` (in-process: no subprocess, fast)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for language in LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        mo = target / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def merge(sources: list[Path]) -> int:
    """Fill translations from JSON files into the catalogs (after ``update`` added the msgids).

    Each file maps a msgid (``"context\x04msgid"`` for pgettext) to ``{"nb": …, "nn": …}``;
    plural entries give a list of forms per language.  English takes the msgid itself unless the
    file says otherwise.  Later files win; the review files (:data:`REVIEW_FILES`) always come
    last, so ``merge i18n/pending/*.json`` never undoes the language review.  Returns the
    number of msgids that were not found in the catalogs.
    """
    import json

    from babel.messages.pofile import read_po, write_po

    wanted: dict[str, dict[str, object]] = {}
    for source in sorted(sources, key=lambda path: path.name in REVIEW_FILES):
        wanted.update(json.loads(source.read_text(encoding="utf-8")))
    missing = 0
    for language in LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        found: set[str] = set()
        for message in catalog:
            if not message.id:
                continue
            singular = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
            key = f"{message.context}\x04{singular}" if message.context else singular
            entry = wanted.get(key)
            if entry is None:
                continue
            found.add(key)
            value: object = entry.get(language)
            if value is None and language == "en":
                value = list(message.id) if isinstance(message.id, tuple) else message.id
            if value is None:
                continue
            if isinstance(value, list) != message.pluralizable:
                # A plural given for a singular msgid (or the reverse) would corrupt the file.
                print(f"{language}: wrong plural shape for {key!r}", file=sys.stderr)
                continue
            message.string = tuple(value) if isinstance(value, list) else str(value)
            message.flags.discard("fuzzy")
        with po.open("wb") as handle:
            write_po(handle, catalog, ignore_obsolete=True,
                     include_previous=False)
        if language == LANGUAGES[0]:
            for key in sorted(set(wanted) - found):
                print(f"ikke i katalogen / not in catalog: {key!r}", file=sys.stderr)
                missing += 1
    return missing


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "compile"
    if command == "compile":
        compile_catalogs()
    elif command == "update":
        update()
    elif command == "extract":
        extract()
    elif command == "merge":
        return 1 if merge([Path(a) for a in argv[1:]]) else 0
    else:
        print("bruk: python -m i18n.build [compile|update|extract|merge FIL.json…]",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
