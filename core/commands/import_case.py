"""``python main.py import CASE.json``: store a case file as a draft and print its id."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import error, open_data
from core.commands._options import KEY_EPILOG, data_options

HELP = "lagre en saksfil som utkast (kryptert) og skriv ut id-en"
EPILOG = KEY_EPILOG


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_file", metavar="SAK.json", type=Path)
    data_options(parser)


def run(args: argparse.Namespace) -> int:
    from core import casefile
    from core.storage import StorageError

    try:
        case = casefile.read(args.case_file)
    except casefile.CaseFileError as exc:
        error(f"{args.case_file}: {exc}")
        return 2
    opened = open_data(args)
    if opened is None:
        return 2
    with opened:
        try:
            opened.store.import_case(case)
        except StorageError as exc:
            error(str(exc))
            return 2
    print(case.id)
    return 0
