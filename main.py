"""Rekvirent's doorway: parse arguments, then start the window or run one headless command.

``python main.py`` starts the GUI.  Headless verbs for clinics and scripting::

    python main.py check CASE.json [--json]
    python main.py import CASE.json
    python main.py list
    python main.py export-case ID --out FILE.json
    python main.py export CASE.json --out DIR [--language nb|nn]
    python main.py screenshots DIR

Every verb accepts ``--data-dir DIR`` and ``--database URL``.  Heavy libraries (SQLAlchemy,
reportlab, Qt) are imported by the verb that needs them, never here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: verb → module with ``configure(parser)`` and ``run(args) -> int``
COMMANDS: dict[str, str] = {
    "check": "core.commands.check",
    "import": "core.commands.import_case",
    "list": "core.commands.list_cases",
    "export-case": "core.commands.export_case",
    "export": "core.commands.export_documents",
    "screenshots": "ui.screenshots",
}


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On sub-commands the options must not reset what was given before the verb.
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--data-dir", metavar="DIR", default=default,
                        help="datamappe (overstyrer standardplassen og REKVIRENT_DATA_DIR)")
    parser.add_argument("--database", metavar="URL", default=default,
                        help="SQLAlchemy-URL til databasen (standard: SQLite i datamappen)")
    parser.add_argument("--language", choices=("nb", "nn", "en"), default=default,
                        help="språk i programmet (standard: innstillingene, ellers systemet)")


def build_parser(*, verbs: bool = True) -> argparse.ArgumentParser:
    """The argument parser; ``verbs=False`` leaves out the verbs (importing their modules
    costs ~17 ms, and plain ``python main.py`` starts the window without them)."""
    parser = argparse.ArgumentParser(
        prog="rekvirent",
        description="Rekvirent – dokumentasjon og samtykke ved midlertidig substitusjonsbehandling",
    )
    _common(parser, top=True)
    if not verbs:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    for verb, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sp = sub.add_parser(verb, help=module.HELP, description=module.HELP)
        _common(sp)
        module.configure(sp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    wants_verbs = any(a in COMMANDS or a in ("-h", "--help") for a in given)
    args = build_parser(verbs=wants_verbs).parse_args(given)
    if args.command is None:
        from ui.app import run

        return run(args)
    import os

    import i18n

    i18n.set_language(i18n.normalise_language(
        args.language or os.environ.get("LC_ALL") or os.environ.get("LANG")))
    module = importlib.import_module(COMMANDS[args.command])
    result: int = module.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
