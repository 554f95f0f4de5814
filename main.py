"""Rekvirent's doorway: parse arguments, then start the window or run one headless command.

``python main.py`` starts the GUI.  Headless verbs for clinics and scripting::

    python main.py check CASE.json [--json]
    python main.py import CASE.json
    python main.py list
    python main.py export-case ID --out FILE.json
    python main.py export CASE.json --out DIR [--record]
    python main.py verify
    python main.py key status|change-passphrase|export FILE|import FILE
    python main.py followup add CASE_ID --file ENTRY.json | followup list CASE_ID [--json]
    python main.py course CASE_ID [--json]
    python main.py screenshots DIR

Every verb accepts ``--data-dir DIR`` and ``--database URL``; the verbs that open the store
also ``--passphrase-file FILE`` and ``--actor-name/--actor-hpr`` and open it exactly as the
window does (``core.opening``).  Heavy libraries (SQLAlchemy, reportlab, Qt) are imported by
the verb that needs them, never here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from core.commands._options import global_options

#: verb → module with ``configure(parser)`` and ``run(args) -> int``
COMMANDS: dict[str, str] = {
    "check": "core.commands.check",
    "import": "core.commands.import_case",
    "list": "core.commands.list_cases",
    "export-case": "core.commands.export_case",
    "export": "core.commands.export_documents",
    "verify": "core.commands.verify",
    "restore": "core.commands.restore",
    "key": "core.commands.key",
    "followup": "core.commands.followup",
    "course": "core.commands.course",
    "screenshots": "ui.screenshots",
}


def build_parser(*, verbs: bool = True) -> argparse.ArgumentParser:
    """The argument parser; ``verbs=False`` leaves out the verbs (importing their modules
    costs ~17 ms, and plain ``python main.py`` starts the window without them)."""
    # No abbreviated options: "--passphrase SECRET" must not be taken for --passphrase-file
    # (and the secret printed back as a file name that cannot be opened).
    parser = argparse.ArgumentParser(
        prog="rekvirent", allow_abbrev=False,
        description="Rekvirent – dokumentasjon og samtykke ved midlertidig substitusjonsbehandling",
    )
    global_options(parser, top=True)
    if not verbs:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    for verb, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sp = sub.add_parser(verb, help=module.HELP, description=module.HELP,
                            epilog=getattr(module, "EPILOG", None), allow_abbrev=False)
        global_options(sp)
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
