"""``python main.py import CASE.json``: store a case file as a draft and print its id."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import error, open_store

HELP = "lagre en saksfil som utkast og skriv ut id-en"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_file", metavar="SAK.json", type=Path)


def run(args: argparse.Namespace) -> int:
    from core import casefile
    from core.storage import StorageError

    try:
        case = casefile.read(args.case_file)
    except casefile.CaseFileError as exc:
        error(f"{args.case_file}: {exc}")
        return 2
    store = open_store(args)
    if store is None:
        return 2
    try:
        store.import_case(case)
    except StorageError as exc:
        error(str(exc))
        return 2
    finally:
        store.close()
    print(case.id)
    return 0
