"""``python main.py key …``: the data folder's key, for the clinic's IT person.

* ``key status`` — where the key is (keyring or passphrase), whether it can be found, and
  whether the database is encrypted with it (read only; exit 0 = in order, 1 = no key or it
  does not fit, 2 = the key file is damaged).
* ``key change-passphrase`` — re-wrap the same data key with a new passphrase (no stored
  value changes; a wrong old passphrase changes nothing).
* ``key export FILE`` — a copy of the key protected by a passphrase (for the clinic's safe,
  or for another workstation of the same clinic database).  Never overwrites a file.
* ``key import FILE`` — take such a copy into this data folder (keyring or passphrase); a key
  that does not belong to the folder's database is refused.

Passphrases come from the terminal or from ``--passphrase-file``/``--new-passphrase-file``
(files only the user can read), never from an argument or an environment variable.  The verbs
use :mod:`core.keys`; the ones that write take the instance lock like the other data verbs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import (
    CommandLinePassphrases,
    PassphraseUnavailable,
    data_dir_of,
    error,
    new_passphrase,
    take_lock,
)
from core.commands._options import global_options, passphrase_file_option
from i18n import _

HELP = ("datamappens krypteringsnøkkel: status, bytt passordfrase, eksporter og importer "
        "(for klinikkens IT)")
NEW_PASSPHRASE_HELP = ("les den nye passordfrasen fra FIL i stedet for å skrive den to ganger "
                       "i terminalen (filen må bare kunne leses av deg: chmod 600)")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="key_command", metavar="HANDLING", required=True)
    status = sub.add_parser(
        "status", allow_abbrev=False,
        help="vis hvor nøkkelen er, og om databasen er kryptert med den",
        description="Vis hvor nøkkelen er (nøkkelring eller passordfrase), om den finnes, og "
                    "om databasen er kryptert med den. Leser bare. Exit 0 = i orden, 1 = ingen "
                    "nøkkel eller den passer ikke, 2 = nøkkelfilen er skadet.")
    global_options(status)
    change = sub.add_parser(
        "change-passphrase", allow_abbrev=False,
        help="bytt passordfrasen (samme nøkkel, ingen data endres)",
        description="Bytt passordfrasen som beskytter nøkkelen. Datanøkkelen er den samme, så "
                    "ingen lagrede data endres. Feil gammel passordfrase endrer ingenting.")
    global_options(change)
    passphrase_file_option(change)
    change.add_argument("--new-passphrase-file", metavar="FIL", type=Path,
                        help=NEW_PASSPHRASE_HELP)
    export = sub.add_parser(
        "export", allow_abbrev=False,
        help="skriv en kopi av nøkkelen, beskyttet med en passordfrase",
        description="Skriv en kopi av nøkkelen til FIL, beskyttet med en passordfrase du "
                    "velger: til klinikkens safe, eller til en annen arbeidsstasjon med samme "
                    "klinikkdatabase. En fil som finnes, blir aldri overskrevet.")
    global_options(export)
    export.add_argument("file", metavar="FIL", type=Path,
                        help="filen kopien skrives til (finnes den, avbrytes det)")
    passphrase_file_option(export)
    export.add_argument("--new-passphrase-file", metavar="FIL", type=Path,
                        help="les passordfrasen som skal beskytte kopien, fra FIL (chmod 600)")
    imported = sub.add_parser(
        "import", allow_abbrev=False,
        help="ta inn en eksportert nøkkel i datamappen",
        description="Ta inn en nøkkel laget med «key export» (eller key.json fra en annen "
                    "arbeidsstasjon). Passordfrasen er den kopien ble laget med "
                    "(--passphrase-file eller terminalen). En nøkkel som ikke hører til "
                    "databasen i datamappen, avvises; ingenting endres da.")
    global_options(imported)
    imported.add_argument("file", metavar="FIL", type=Path,
                          help="nøkkelfilen som skal tas inn")
    passphrase_file_option(imported, help=(
        "les passordfrasen nøkkelfilen ble laget med, fra FIL i stedet for å skrive den i "
        "terminalen (filen må bare kunne leses av deg: chmod 600)"))
    imported.add_argument("--store", choices=("keyring", "passphrase"), default=None,
                          help="hvor nøkkelen skal ligge: i nøkkelringen, eller som key.json "
                               "beskyttet med passordfrasen (standard: nøkkelringen når "
                               "maskinen har en)")


def run(args: argparse.Namespace) -> int:
    action = {"status": _status, "change-passphrase": _change, "export": _export,
              "import": _import}[args.key_command]
    return action(args)


# ---- status --------------------------------------------------------------------------------


def _status(args: argparse.Namespace) -> int:
    from core import keys, opening
    from core.storage import recovery

    data_dir = data_dir_of(args)
    try:
        info = keys.read_key_info(data_dir)
    except keys.KeyProblem as exc:
        error(str(exc))
        return 2
    result = 0
    print(_("Data folder: {folder}").format(folder=data_dir))
    if info is None:
        result = 1
        print(_("Key: none yet. The first start of the program, or the first command that "
                "stores something, makes one."))
    elif info.mode == "keyring":
        print(_("Key: in the computer's keyring (key id {key_id}, made {created}).").format(
            key_id=info.key_id_hex, created=info.created or "?"))
        try:
            keys.load_key(data_dir)
            print(_("The key was found in the keyring."))
        except keys.KeyProblem as exc:
            result = 1
            print(str(exc))
    else:
        print(_("Key: in key.json, protected by a passphrase (key id {key_id}, made "
                "{created}).").format(key_id=info.key_id_hex, created=info.created or "?"))
    if keys.keyring_available():
        print(_("Keyring on this computer: available."))
    else:
        print(_("Keyring on this computer: not available (a new key is protected by a "
                "passphrase)."))
    database = recovery.database_path(data_dir, getattr(args, "database", None))
    if database is None:
        print(_("Database: on a server; the key is checked when it is opened."))
        return result
    ids = opening.database_key_ids(database)
    if ids is None:
        if database.exists():
            print(_("Database: {file} cannot be read.").format(file=database))
            return max(result, 1)
        print(_("Database: none yet."))
    elif not ids:
        print(_("Database: not encrypted yet; it is encrypted the next time it is opened."))
    elif info is not None and info.key_id_hex in ids:
        print(_("Database: encrypted with this key."))
    else:
        print(_("Database: encrypted with key {key_ids}, which this data folder does not "
                "have. Put back its key file, or import the key (key import FILE).").format(
                    key_ids=", ".join(ids)))
        result = 1
    return result


# ---- change-passphrase ---------------------------------------------------------------------


def _change(args: argparse.Namespace) -> int:
    from core import keys
    from core.opening import OpeningStopped, write_failed_message

    data_dir = data_dir_of(args)
    try:
        info = keys.read_key_info(data_dir)
    except keys.KeyProblem as exc:
        error(str(exc))
        return 2
    if info is None:
        error(_("This data folder has no passphrase key file."))
        return 2
    if info.mode != "passphrase":
        error(_("This data folder keeps its key in the computer's keyring; there is no "
                "passphrase to change. For a copy of the key protected by a passphrase, use "
                "«key export FILE»."))
        return 2
    try:
        lock = take_lock(data_dir)
    except OpeningStopped as exc:
        error(str(exc))
        return 2
    with lock:
        typed: list[str] = []

        def attempt(passphrase: str) -> keys.DataKey:
            key = keys.unlock(data_dir, passphrase)
            typed.append(passphrase)
            return key

        try:
            CommandLinePassphrases(args.passphrase_file)("unlock", attempt)
            new = new_passphrase(args)
            keys.change_passphrase(data_dir, typed[-1], new, kdf=keys.DEFAULT_KDF)
        except OpeningStopped as exc:
            error(str(exc))
            return 2
        except (PassphraseUnavailable, keys.KeyProblem) as exc:
            error(str(exc))
            return 2
        except OSError as exc:
            error(write_failed_message(exc))
            return 2
    print(_("The passphrase was changed. The data key is the same, so no data were changed; "
            "type the new passphrase from now on."))
    return 0


# ---- export --------------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from core import keys
    from core.opening import OpeningStopped, existing_key, key_info, write_failed_message

    data_dir = data_dir_of(args)
    target: Path = args.file
    try:
        info = key_info(data_dir)
        if info is None:
            error(_("This data folder has no key yet; there is nothing to export."))
            return 2
        if target.exists():
            error(_("{file} exists already. Choose another file name: a key file is never "
                    "overwritten.").format(file=target))
            return 2
        key = existing_key(data_dir, info, CommandLinePassphrases(args.passphrase_file))
        passphrase = new_passphrase(args)
        keys.export_key_file(key, target, passphrase, kdf=keys.DEFAULT_KDF)
    except OpeningStopped as exc:
        error(str(exc))
        return 2
    except (PassphraseUnavailable, keys.KeyProblem) as exc:
        error(str(exc))
        return 2
    except OSError as exc:
        error(write_failed_message(exc))
        return 2
    print(_("The key was written to {file}, protected by the passphrase you chose. Keep the "
            "file and the passphrase apart, each in a safe place.").format(file=target))
    return 0


# ---- import --------------------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    from core import keys, opening
    from core.opening import OpeningStopped, write_failed_message
    from core.storage import recovery

    data_dir = data_dir_of(args)
    source: Path = args.file
    wanted = args.store or ("keyring" if keys.keyring_available() else "passphrase")
    mode: keys.Mode = "keyring" if wanted == "keyring" else "passphrase"
    typed: list[str] = []

    def attempt(passphrase: str) -> keys.DataKey:
        key = keys.read_key_file(source, passphrase)
        typed.append(passphrase)
        return key

    try:
        key = CommandLinePassphrases(args.passphrase_file)("unlock", attempt)
    except OpeningStopped as exc:
        error(str(exc))
        return 2
    database = recovery.database_path(data_dir, getattr(args, "database", None))
    ids = opening.database_key_ids(database) if database is not None else None
    if ids and key.key_id_hex not in ids:
        error(_("The key in {file} does not belong to the database in this data folder (it "
                "is encrypted with key {key_ids}). Nothing was changed.").format(
                    file=source, key_ids=", ".join(ids)))
        return 2
    try:
        lock = take_lock(data_dir)
    except OpeningStopped as exc:
        error(str(exc))
        return 2
    with lock:
        try:
            before = keys.read_key_info(data_dir)
            keys.import_key_file(source, data_dir, typed[-1], mode=mode)
        except keys.KeyProblem as exc:
            error(str(exc))
            return 2
        except OSError as exc:
            error(write_failed_message(exc))
            return 2
    if before is not None:
        print(_("This data folder has this key already (key id {key_id}); nothing was "
                "changed.").format(key_id=key.key_id_hex))
    elif mode == "keyring":
        print(_("The key was imported into the computer's keyring (key id {key_id}). The data "
                "folder opens with it from now on.").format(key_id=key.key_id_hex))
    else:
        print(_("The key was imported as key.json (key id {key_id}). The data are opened with "
                "the passphrase of the key file from now on.").format(key_id=key.key_id_hex))
    return 0
