"""``python main.py verify``: is the audit log's chain whole, and is the database file sound?

Exit 0 = all intact; 1 = broken: the first broken audit entry is named, or the database's
integrity check failed, or the triggers that keep the audit log append-only are missing or
altered (``--restore-guards`` puts them back, with an entry in the log), or the start-up check
finds the database damaged, empty or missing while backups show there were data (the backup to
restore is named); 2 = the data cannot be opened (no key, wrong passphrase, the window holds
the folder, no data yet).  Nothing is changed but for ``--restore-guards``; a folder without a
key is not given one.
"""

from __future__ import annotations

import argparse

from core.commands._common import data_dir_of, error, health_refusal, open_data
from core.commands._options import passphrase_file_option
from i18n import _

HELP = ("kontroller revisjonsloggen (hashkjeden) og databasefilen (exit 0 = hel, 1 = brutt, "
        "2 = kan ikke åpnes)")
EPILOG = ("Nøkkelen hentes som for de andre kommandoene (nøkkelring, passordfrase i terminalen "
          "eller --passphrase-file). En datamappe uten nøkkel får ingen ny: kommandoen stopper "
          "med exit 2. Ingenting endres.")


def configure(parser: argparse.ArgumentParser) -> None:
    passphrase_file_option(parser)
    parser.add_argument("--restore-guards", action="store_true",
                        help="legg tilbake vernet som hindrer endring og sletting i "
                             "revisjonsloggen (databaseutløsere), hvis det mangler; "
                             "revisjonsloggen får en oppføring om det")


def run(args: argparse.Namespace) -> int:
    import os

    from sqlalchemy.exc import SQLAlchemyError

    from core.paths import DATABASE_URL_ENV
    from core.storage import StorageError

    url = getattr(args, "database", None) or os.environ.get(DATABASE_URL_ENV) or None
    refusal = health_refusal(data_dir_of(args), url)
    if refusal is not None:
        print(refusal)
        return 1
    opened = open_data(args, create=False)
    if opened is None:
        return 2
    with opened:
        store = opened.store
        try:
            verification = store.verify_audit()
        except (StorageError, SQLAlchemyError) as exc:
            error(_("The audit log cannot be read ({reason}).").format(
                reason=str(exc) if isinstance(exc, StorageError) else type(exc).__name__))
            return 2
        try:
            intact = store.integrity_ok()
        except SQLAlchemyError:
            intact = False
        on_server = store.sqlite_path is None
        try:
            guards = store.audit_guards()
            restored = store.restore_audit_guards() \
                if args.restore_guards and not guards.ok else 0
        except StorageError as exc:
            error(str(exc))
            return 2
    print(verification.message)
    if on_server:
        print(_("The database is on a server, which checks its own files."))
    elif intact:
        print(_("The database file is intact (SQLite quick_check: ok)."))
    else:
        print(_("The database file is damaged (SQLite's integrity check found errors). Keep a "
                "copy of the data folder as it is and ask the person responsible for IT; "
                "docs/storage.md describes the backups."))
    if restored:
        print(_("The guard that keeps the audit log append-only was missing ({names}); it has "
                "been put back, and the audit log says so.").format(names=", ".join(guards.broken)))
    elif not guards.ok:
        print(_("The guard that keeps the audit log append-only is missing or altered "
                "({names}): entries could be changed or deleted without the database "
                "refusing (the hash chain still shows it). Tell the person responsible for "
                "IT; put it back with: python main.py verify --restore-guards").format(
            names=", ".join(guards.broken)))
    # Exit 1 even when they were put back: what was found is what a monitoring script needs.
    return 0 if verification.ok and intact and guards.ok else 1
