"""``python main.py export CASE.json --out DIR``: the case's documents as PDF and text files.

Exit 0 = everything written; 1 = the case has blockers, so only the journal note (and the
prescription text) were written and consent and plan were refused — or a course document was
refused (a follow-up sheet or contact card with the consent, or while a dose decision or the
taper has a blocker; a taper plan while the taper has one); 2 = the case file cannot be
read, its pathway is not installed, or the files could not be written.

Without ``--record`` the data folder is only read (the document language in the settings) and
never created.  With ``--record`` the export is kept as the window keeps it: the case is stored
(as ``import`` does), and the export — the case as it was and every document with its SHA-256 —
is recorded in the encrypted store and audited; retention counts from it.  The store is opened
(key, lock) *before* any document is written.  A folder the command creates for the documents
is user-only (0700).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from core.commands._common import (
    OpenedData,
    data_dir_of,
    error,
    open_data,
    read_case_and_pathway,
)
from core.commands._options import KEY_EPILOG, data_options
from i18n import _, ngettext

if TYPE_CHECKING:
    from core.case import Case
    from core.content import Pathway

HELP = ("lag dokumentene (PDF og tekst) for en saksfil (exit 0 = alt skrevet, 1 = blokkerende "
        "funn, 2 = feil)")
EPILOG = ("Dokumentene er ukrypterte (de skal ut av programmet); en mappe kommandoen lager, "
          "kan bare leses av deg. Med --record gjelder også: " + KEY_EPILOG)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_file", metavar="SAK.json", type=Path)
    parser.add_argument("--out", metavar="MAPPE", type=Path, required=True,
                        help="mappen dokumentene skrives til")
    parser.add_argument("--document-language", choices=("nb", "nn"), default=None,
                        help="målform for journalnotat og behandlingsplan (standard: "
                             "innstillingene)")
    parser.add_argument("--consent-language", choices=("nb", "nn"), default=None,
                        help="målform for samtykket (standard: det saken har valgt)")
    parser.add_argument("--english-copy", action=argparse.BooleanOptionalAction, default=None,
                        help="lag også samtykket på engelsk som lesehjelp")
    parser.add_argument("--record", action="store_true",
                        help="lagre saken som utkast (som import) og registrer eksporten i "
                             "datamappen, kryptert og i revisjonsloggen, som programvinduet "
                             "gjør")
    data_options(parser)


def run(args: argparse.Namespace) -> int:
    loaded = read_case_and_pathway(args.case_file)
    if loaded is None:
        return 2
    if not args.record:
        return _export(args, *loaded, recorded=None)
    opened = open_data(args)
    if opened is None:
        return 2
    with opened:
        return _export(args, *loaded, recorded=opened)


def _export(args: argparse.Namespace, case: Case, pathway: Pathway, *,
            recorded: OpenedData | None) -> int:
    from core.export import export_documents
    from core.settings import load_settings
    from core.storage import ExportedDocument, StorageError

    language = args.document_language
    if language is None:
        language = load_settings(data_dir_of(args)).document_language  # read only
    if recorded is not None:
        try:
            recorded.store.import_case(case)
        except StorageError as exc:
            error(str(exc))
            return 2
    try:
        result = export_documents(case, pathway, args.out, journal_language=language,
                                  consent_language=args.consent_language,
                                  english_copy=args.english_copy, today=date.today())
    except OSError as exc:
        error(_("The documents could not be written: {reason}").format(
            reason=exc.strerror or type(exc).__name__))
        return 2
    for file in result.files:
        print(f"{file.sha256}  {file.path}")
    if recorded is not None and result.files:
        try:
            recorded.store.record_export(case.id, [
                ExportedDocument(f.kind, f.language, f.path.name, f.sha256, f.content)
                for f in result.files])
        except StorageError as exc:
            error(_("The documents were written, but the export could not be recorded: "
                    "{reason}").format(reason=str(exc)))
            return 2
    if result.refused:
        for finding in result.blockers:
            error(f"{finding.code}: {finding.message}")
        error(ngettext(
            "Consent and treatment plan were not made: the case has {n} blocker.",
            "Consent and treatment plan were not made: the case has {n} blockers.",
            len(result.blockers)).format(n=len(result.blockers)))
    names = {"followup_sheet": _("The follow-up sheet"), "contact_card": _("The contact card"),
             "taper_plan": _("The taper plan")}
    for kind, findings in result.course_refused.items():
        for finding in findings:
            if finding not in result.blockers:
                error(f"{finding.code}: {finding.message}")
        error(ngettext("{document} was not made: {n} blocker.",
                       "{document} was not made: {n} blockers.", len(findings)).format(
            document=names.get(kind, kind), n=len(findings)))
    return 1 if result.refused or result.course_refused else 0
