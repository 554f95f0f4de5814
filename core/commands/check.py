"""``python main.py check CASE.json [--json]``: the rule engine's findings for a case file.

Exit 0 = no blockers, 1 = blockers, 2 = the file cannot be read, does not match the schema,
or names a pathway version that is not installed.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from core.commands._common import read_case_and_pathway
from i18n import N_, _, current, ngettext

HELP = "kontroller en saksfil (exit 0 = ingen blokkerende funn, 1 = blokkerende, 2 = uleselig)"
SEVERITY_WORDS = {"blocker": N_("BLOCKER"), "warning": N_("WARNING"), "info": N_("INFO")}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_file", metavar="SAK.json", type=Path)
    parser.add_argument("--json", action="store_true", help="skriv funnene som JSON")


def run(args: argparse.Namespace) -> int:
    from core.findings import Severity
    from core.rules import evaluate

    loaded = read_case_and_pathway(args.case_file)
    if loaded is None:
        return 2
    case, pathway = loaded
    findings = evaluate(case, pathway, today=date.today(), language=current().language)
    if args.json:
        print(json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2))
    else:
        for f in findings:
            print(f"{_(SEVERITY_WORDS[f.severity.value]):12} {f.code:32} {f.field or '-'}: "
                  f"{f.message}")
        blockers = sum(1 for f in findings if f.severity is Severity.BLOCKER)
        print(ngettext("{n} finding", "{n} findings", len(findings)).format(n=len(findings))
              + ", " + ngettext("{n} blocker.", "{n} blockers.", blockers).format(n=blockers))
    return 1 if any(f.severity is Severity.BLOCKER for f in findings) else 0
