"""``python main.py export-case ID --out FILE.json``: write a stored case as a case file."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import error, open_store

HELP = "skriv en lagret sak til en saksfil"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_id", metavar="ID")
    parser.add_argument("--out", required=True, type=Path, metavar="FIL.json")


def run(args: argparse.Namespace) -> int:
    from core import casefile
    from core.storage import StorageError

    store = open_store(args)
    if store is None:
        return 2
    try:
        case = store.load(args.case_id).case
    except StorageError as exc:
        error(str(exc))
        return 2
    finally:
        store.close()
    try:
        casefile.write(args.out, case)
    except OSError as exc:
        error(f"kan ikke skrive {args.out}: {exc.strerror}")
        return 2
    print(args.out)
    return 0
