"""``python main.py restore [BACKUP]``: put a backup copy of the database back in place.

The command-line half of the window's recovery dialog (:mod:`core.storage.recovery`): the
current database — damaged, or healthy with ``--replace`` — is moved into ``damaged/``
unchanged (never deleted), the backup is verified, copied beside it, verified again and
renamed into place.  Without ``BACKUP`` the newest copy that verifies is used; ``--list``
shows the copies.  The ``restore`` audit entry is written the next time the store opens (by
the window or any data verb).  No key is needed: a backup is a copy of the encrypted file.
Exit 0 = restored (or listed), 2 = nothing was changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import data_dir_of, error, local_moment, take_lock
from i18n import _

HELP = ("legg tilbake en sikkerhetskopi av databasen (den nåværende flyttes til side, "
        "aldri slettes)")
EPILOG = ("Uten SIKKERHETSKOPI brukes den nyeste kopien i backups/ som lar seg kontrollere. "
          "En skadet eller manglende database flyttes til damaged/ og erstattes; en database "
          "som er i orden, erstattes bare med --replace. Ingen nøkkel trengs. Revisjonsloggen "
          "får en oppføring neste gang dataene åpnes.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("backup", nargs="?", metavar="SIKKERHETSKOPI", default=None,
                        help="filnavnet i backups/ eller stien til kopien (standard: den "
                             "nyeste som lar seg kontrollere)")
    parser.add_argument("--list", action="store_true",
                        help="vis sikkerhetskopiene, nyeste først, uten å endre noe")
    parser.add_argument("--replace", action="store_true",
                        help="erstatt også en database som er i orden (den flyttes til "
                             "damaged/)")


def _chosen(argument: str | None, data_dir: Path) -> Path | None:
    from core.storage import recovery
    from core.storage.files import BACKUPS_DIR

    if argument is None:
        newest = recovery.newest_verified_backup(data_dir)
        return newest.path if newest is not None else None
    given = Path(argument)
    in_folder = data_dir / BACKUPS_DIR / given.name
    if given.name == argument and in_folder.is_file():
        return in_folder
    return given


def _list(data_dir: Path) -> int:
    from core.storage import backups as backup_files
    from core.storage import recovery
    from core.storage.files import BACKUPS_DIR

    copies = recovery.backups(data_dir)
    if not copies:
        print(_("There are no backup copies in {folder}.").format(
            folder=data_dir / BACKUPS_DIR))
        return 0
    print(_("Backup copies, newest first:"))
    for path in copies:
        verified = recovery.verify_backup(path)
        rows = backup_files.case_rows(path) if verified is not None else None
        when = local_moment(verified.taken_at) if verified is not None else "?"
        state = (_("verifies, {count} cases").format(count=rows) if verified is not None
                 else _("does not verify"))
        print(f"  {path.name}  {when}  {state}")
    return 0


def run(args: argparse.Namespace) -> int:
    import os

    from core.opening import OpeningStopped
    from core.paths import DATABASE_URL_ENV
    from core.storage import recovery
    from core.storage.files import BACKUPS_DIR, sqlite_files

    data_dir = data_dir_of(args)
    url = getattr(args, "database", None) or os.environ.get(DATABASE_URL_ENV) or None
    db_path = recovery.database_path(data_dir, url)
    if db_path is None:
        error(_("A database on a server is restored with the server's own tools."))
        return 2
    if args.list:
        return _list(data_dir)
    source = _chosen(args.backup, data_dir)
    if source is None:
        error(_("No backup copy in {folder} verifies. Nothing was changed.").format(
            folder=data_dir / BACKUPS_DIR))
        return 2
    verified = recovery.verify_backup(source)
    if verified is None:
        error(_("The backup copy {name} cannot be verified (damaged, unfinished, or not a "
                "Rekvirent database this version knows). Nothing was changed.").format(
            name=source.name))
        return 2
    try:
        lock = take_lock(data_dir)
    except OpeningStopped as exc:
        error(str(exc))
        return 2
    try:
        health = recovery.check(data_dir, db_path=db_path)
        if health.status == "unavailable":
            error(health.message + " " + _("Nothing was changed."))
            return 2
        if health.status == "ok" and not args.replace:
            error(_("The database is in order. To replace it with the backup anyway, add "
                    "--replace (the current database is moved to damaged/, not deleted). "
                    "Nothing was changed."))
            return 2
        moved = None
        if any(piece.exists() for piece in sqlite_files(db_path)):
            moved = recovery.set_aside(db_path)
        recovery.restore(verified, data_dir, db_path=db_path)
    except recovery.RecoveryError as exc:
        error(str(exc))
        return 2
    finally:
        lock.release()
    print(_("The backup copy from {moment} is back in place ({name}).").format(
        moment=local_moment(verified.taken_at), name=verified.path.name))
    if moved is not None:
        print(_("The database it replaced is kept unchanged in {folder}.").format(
            folder=moved.parent))
    return 0
