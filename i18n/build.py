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


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "compile"
    if command == "compile":
        compile_catalogs()
    elif command == "update":
        update()
    elif command == "extract":
        extract()
    else:
        print("bruk: python -m i18n.build [compile|update|extract]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
