"""Command-line options shared by the verbs (argparse only: importing this stays cheap).

The help texts are Norwegian, like the rest of ``--help``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def global_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--data-dir``, ``--database`` and ``--language``, before or after the verb."""
    # On sub-commands the options must not reset what was given before the verb.
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--data-dir", metavar="DIR", default=default,
                        help="datamappe (overstyrer standardplassen og REKVIRENT_DATA_DIR)")
    parser.add_argument("--database", metavar="URL", default=default,
                        help="SQLAlchemy-URL til databasen (standard: SQLite i datamappen)")
    parser.add_argument("--language", choices=("nb", "nn", "en"), default=default,
                        help="språk i programmet (standard: innstillingene, ellers systemet)")


PASSPHRASE_FILE_HELP = (
    "les passordfrasen til datamappens nøkkel fra FIL (for skript uten terminal). Filen må "
    "tilhøre deg og bare kunne leses av deg (chmod 600); ett linjeskift til slutt ignoreres. "
    "Uten valget spørres det i terminalen. En ny datamappe uten nøkkelring får denne "
    "passordfrasen.")


def passphrase_file_option(parser: argparse.ArgumentParser, *,
                           help: str = PASSPHRASE_FILE_HELP) -> None:
    parser.add_argument("--passphrase-file", metavar="FIL", type=Path, default=None, help=help)


def data_options(parser: argparse.ArgumentParser) -> None:
    """The options of every verb that opens the data folder's store."""
    passphrase_file_option(parser)
    parser.add_argument("--actor-name", metavar="NAVN", default=None,
                        help="legen som står i revisjonsloggen (standard: forskriveren i "
                             "innstillingene)")
    parser.add_argument("--actor-hpr", metavar="HPR", default=None,
                        help="HPR-nummeret til legen i revisjonsloggen (standard: "
                             "innstillingene)")


#: Said in the ``--help`` epilog of every data verb.
KEY_EPILOG = (
    "Pasientdata lagres alltid kryptert. Nøkkelen hentes slik programvinduet gjør det: fra "
    "nøkkelringen, eller med passordfrasen (skrevet i terminalen eller lest fra "
    "--passphrase-file). I en ny datamappe lages nøkkelen først: i nøkkelringen når maskinen "
    "har en, ellers med en passordfrase du velger (skrevet to ganger). Uten terminal, "
    "nøkkelring og --passphrase-file stopper kommandoen med exit 2 og lager ingenting. "
    "Mens Rekvirent er åpent med samme datamappe, venter ikke kommandoen: den stopper med "
    "exit 2.")
