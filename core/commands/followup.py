"""``python main.py followup add CASE_ID --file ENTRY.json`` and ``followup list CASE_ID``.

``add`` reads one follow-up entry (:mod:`core.course.entryfile`: a file that cannot be read, or
does not match the entry's shape, stops with exit 2 and a message naming the field), stores it
as its own encrypted row of the case's course (``store.course.add``: one audited transaction)
and prints its id.  Clinically odd values (an entry in the future, a dose "abc", a score
outside its scale) are stored as typed: ``course CASE_ID`` reports them at their field.
``list`` shows the case's entries and dose decisions with their versions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from core.commands._common import error, open_data
from core.commands._options import KEY_EPILOG, data_options, global_options
from i18n import _, current

HELP = "registrer en oppfølging i et forløp fra en JSON-fil, eller vis oppfølgingene"
EPILOG = KEY_EPILOG
OSLO = ZoneInfo("Europe/Oslo")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="followup_command", metavar="HANDLING", required=True)
    add = sub.add_parser(
        "add", allow_abbrev=False, epilog=KEY_EPILOG,
        help="lagre en oppfølging (kryptert) og skriv ut id-en",
        description="Les én oppfølging fra FIL (JSON, samme form som i en saksfil; se "
                    "resources/schema/followup-entry.schema.json) og lagre den i forløpet til "
                    "saken. Exit 0 = lagret (id-en skrives ut), 2 = filen kan ikke leses, "
                    "saken finnes ikke eller data kan ikke åpnes. Verdier som er faglig "
                    "gale, lagres som skrevet; «course SAK-ID» viser funnene.")
    global_options(add)
    add.add_argument("case_id", metavar="SAK-ID")
    add.add_argument("--file", metavar="FIL", type=Path, required=True,
                     help="oppfølgingen som JSON")
    data_options(add)
    listing = sub.add_parser(
        "list", allow_abbrev=False, epilog=KEY_EPILOG,
        help="vis oppfølgingene og dosevedtakene i forløpet",
        description="Vis oppfølgingene (etter tid) og dosevedtakene i forløpet til saken, med "
                    "id og versjon. Exit 0 = vist, 2 = saken finnes ikke eller data kan ikke "
                    "åpnes.")
    global_options(listing)
    listing.add_argument("case_id", metavar="SAK-ID")
    listing.add_argument("--json", action="store_true", help="skriv listen som JSON")
    data_options(listing)


def run(args: argparse.Namespace) -> int:
    if args.followup_command == "add":
        return _add(args)
    return _list(args)


def _add(args: argparse.Namespace) -> int:
    from core.course.entryfile import EntryFileError, read_entry
    from core.storage import StorageError

    try:
        entry = read_entry(args.file, language=current().language)
    except EntryFileError as exc:
        error(f"{args.file}: {exc}")
        return 2
    opened = open_data(args, create=False)
    if opened is None:
        return 2
    with opened:
        try:
            opened.store.course.add(args.case_id, entry)
        except StorageError as exc:
            error(str(exc))
            return 2
    print(entry.id)
    return 0


def _list(args: argparse.Namespace) -> int:
    from core.course.model import FollowUpEntry
    from core.storage import StorageError

    opened = open_data(args, create=False)
    if opened is None:
        return 2
    with opened:
        try:
            items = opened.store.course.list(args.case_id)
        except StorageError as exc:
            error(str(exc))
            return 2
    rows = []
    for stored in items:
        item = stored.item
        if isinstance(item, FollowUpEntry):
            at, who = item.at, item.observer.name
        else:
            at, who = item.decided_at, item.agreed_by.name or item.tsb_specialist
        rows.append({"id": item.id, "kind": stored.kind, "version": stored.version,
                     "at": at.isoformat(), "local": at.astimezone(OSLO), "who": who})
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "local"} for r in rows],
                         ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("No follow-up entries or dose decisions yet."))
        return 0
    kinds = {"followup": _("follow-up"), "dose_decision": _("dose decision")}
    for r in rows:
        print(f"{r['id']}  {r['local']:%d.%m.%Y %H:%M}  {kinds[str(r['kind'])]:14}  "
              f"v{r['version']:<3} {r['who']}")
    return 0
