"""Shared helpers for the headless verbs: opening the store and printing errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from i18n import _

if TYPE_CHECKING:
    from core.case import Case
    from core.content import Pathway
    from core.storage import Store


def open_store(args: argparse.Namespace) -> Store | None:
    """The store named by ``--database``/``--data-dir``, with the data folder's key; None
    (message printed) on failure.  A passphrase key is asked for on the terminal; without a
    terminal the command stops rather than read a passphrase from anywhere else."""
    from core import keys
    from core.paths import user_data_dir
    from core.storage import StorageError, Store

    data_dir = user_data_dir(getattr(args, "data_dir", None))
    try:
        info = keys.read_key_info(data_dir)
        passphrase = None
        if info is not None and info.mode == "passphrase":
            if not sys.stdin.isatty():
                error(_("The data are protected by a passphrase; run the command in a "
                        "terminal to type it."))
                return None
            import getpass

            passphrase = getpass.getpass(_("Passphrase: "))
        key = keys.load_key(data_dir, passphrase=passphrase)
        return Store.open(getattr(args, "database", None), data_dir=data_dir,
                          cipher=key.cipher() if key is not None else None)
    except (StorageError, keys.KeyProblem) as exc:
        error(str(exc))
        return None


def error(message: str) -> None:
    print(f"rekvirent: {message}", file=sys.stderr)


def read_case_and_pathway(case_file: Path) -> tuple[Case, Pathway] | None:
    """A case file and the pathway version it was made under; None (message printed) if the
    file cannot be read or that pathway version is not installed."""
    from core import casefile
    from core.content import ContentError, load_library

    try:
        case = casefile.read(case_file)
    except casefile.CaseFileError as exc:
        error(f"{case_file}: {exc}")
        return None
    try:
        pathway = load_library().get(case.pathway_id, case.pathway_version)
    except ContentError as exc:
        error(str(exc))
        return None
    if pathway is None:
        error(f"{case_file}: case.pathway_id: forløpet {case.pathway_id!r} versjon "
              f"{case.pathway_version} er ikke installert")
        return None
    return case, pathway
