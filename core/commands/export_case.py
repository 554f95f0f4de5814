"""``python main.py export-case ID --out FILE.json``: write a stored case as a case file.

Reading the case out is an access to it: it is audited as ``open``, like opening it in the
window.  The case file itself is plaintext by design (it is meant to leave the program) and is
written user-only (0600).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import error, open_data
from core.commands._options import KEY_EPILOG, data_options

HELP = "skriv en lagret sak til en saksfil (ukryptert, bare lesbar for deg; logges som åpning)"
EPILOG = KEY_EPILOG


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_id", metavar="ID")
    parser.add_argument("--out", required=True, type=Path, metavar="FIL.json")
    data_options(parser)


def run(args: argparse.Namespace) -> int:
    from core import casefile
    from core.storage import StorageError

    opened = open_data(args)
    if opened is None:
        return 2
    with opened:
        try:
            case = opened.store.open_case(args.case_id).case
        except StorageError as exc:
            error(str(exc))
            return 2
    try:
        casefile.write(args.out, case)
    except OSError as exc:
        error(f"kan ikke skrive {args.out}: {exc.strerror}")
        return 2
    print(args.out)
    return 0
