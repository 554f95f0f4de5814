"""``python main.py export CASE.json --out DIR``: the case's documents as PDF and text files.

Exit 0 = everything written; 1 = the case has blockers, so only the journal note (and the
prescription text) were written and consent and plan were refused; 2 = the case file cannot be
read, its pathway is not installed, or the files could not be written.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from core.commands._common import error, read_case_and_pathway
from i18n import _, ngettext

HELP = ("lag dokumentene (PDF og tekst) for en saksfil (exit 0 = alt skrevet, 1 = blokkerende "
        "funn, 2 = feil)")


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


def run(args: argparse.Namespace) -> int:
    from core.documents.export import export_documents
    from core.paths import user_data_dir
    from core.settings import load_settings

    loaded = read_case_and_pathway(args.case_file)
    if loaded is None:
        return 2
    case, pathway = loaded
    language = args.document_language
    if language is None:
        language = load_settings(user_data_dir(getattr(args, "data_dir", None))).document_language
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
    if result.refused:
        for finding in result.blockers:
            error(f"{finding.code}: {finding.message}")
        error(ngettext(
            "Consent and treatment plan were not made: the case has {n} blocker.",
            "Consent and treatment plan were not made: the case has {n} blockers.",
            len(result.blockers)).format(n=len(result.blockers)))
        return 1
    return 0
