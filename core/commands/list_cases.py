"""``python main.py list [--search TEXT]``: the drafts, newest edit first."""

from __future__ import annotations

import argparse
from zoneinfo import ZoneInfo

from core.commands._common import error, open_data
from core.commands._options import KEY_EPILOG, data_options
from i18n import current

HELP = "vis utkastene (nyeste først)"
EPILOG = KEY_EPILOG
OSLO = ZoneInfo("Europe/Oslo")
STATUS = {"draft": "utkast", "ready": "klar", "exported": "eksportert",
          "in_treatment": "i behandling", "tapering": "nedtrapping", "completed": "fullført",
          "stopped": "avbrutt"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--search", default="", metavar="TEKST",
                        help="navn, fødselsnummer eller dato")
    data_options(parser)


def run(args: argparse.Namespace) -> int:
    from core.course_summary import oslo_today
    from core.storage import StorageError

    opened = open_data(args)
    if opened is None:
        return 2
    with opened:
        try:
            drafts = opened.store.list(args.search)
        except StorageError as exc:
            error(str(exc))
            return 2
    if not drafts:
        print("Ingen utkast.")
        return 0
    print(f"{'id':32}  {'pasient':30}  {'fødselsnr.':12}  {'konsult.':10}  "
          f"{'status':12}  {'sist endret':16}  forløp")
    today = oslo_today()
    for d in drafts:
        day = d.consultation_date.strftime("%d.%m.%Y") if d.consultation_date else ""
        edited = d.updated_at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
        name = d.patient_name if len(d.patient_name) <= 30 else d.patient_name[:29] + "…"
        status = d.status_on(today)
        line = d.course_line(today, current().language)
        print(f"{d.id:32}  {name:30}  {d.masked_identity:12}  {day:10}  "
              f"{STATUS.get(status, status):12}  {edited:16}  {line}".rstrip())
    return 0
