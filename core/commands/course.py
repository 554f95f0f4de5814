"""``python main.py course CASE_ID [--json]``: the course of a stored case, day by day, and its
findings.

The timeline is :func:`core.course.timeline.timeline` and the findings are
:func:`core.rules.course.course_findings`, both for today (Europe/Oslo) in the chosen
language.  ``--json`` gives ``{"case_id", "status", "line", "days": […], "findings": […]}``:
dates ISO, doses as strings in milligrams (``"7.5"``; ``null`` = planned but unreadable),
findings with ``code``, ``severity``, ``step``, ``field``, ``message``, ``first``, ``last`` and,
for a finding about one entry or decision, its ``item_id``.

Exit 0 = no blockers, 1 = the course has blockers, 2 = the case cannot be read (not found, the
data cannot be opened, its pathway version is not installed) — like ``check``.
"""

from __future__ import annotations

import argparse
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.commands._common import error, open_data
from core.commands._options import KEY_EPILOG, data_options
from i18n import N_, _, current, ngettext

if TYPE_CHECKING:
    from core.case import Case
    from core.course.timeline import CourseDay
    from core.rules.course import DatedFinding

HELP = ("vis forløpet til en sak dag for dag med funn (exit 0 = ingen blokkerende funn, "
        "1 = blokkerende, 2 = uleselig)")
EPILOG = KEY_EPILOG
OSLO = ZoneInfo("Europe/Oslo")
SEVERITY_WORDS = {"blocker": N_("BLOCKER"), "warning": N_("WARNING"), "info": N_("INFO")}
_ITEM_FIELD = re.compile(r"^course\.(followups|dose_decisions)\.(\d+)(\.|$)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_id", metavar="SAK-ID")
    parser.add_argument("--json", action="store_true",
                        help="skriv tidslinjen og funnene som JSON")
    data_options(parser)


def _dose(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _item_id(case: Case, field: str) -> str | None:
    match = _ITEM_FIELD.match(field)
    if match is None:
        return None
    items: list[Any] = getattr(case.course, match.group(1))
    index = int(match.group(2))
    return str(items[index].id) if index < len(items) else None


def _day_json(row: CourseDay) -> dict[str, Any]:
    return {
        "day": row.day.isoformat(),
        "isolation_day": row.isolation_day,
        "treatment_day": row.treatment_day,
        "planned": {drug: _dose(dose) for drug, dose in row.planned.items()},
        "entries": [{"id": e.id, "at": e.at.isoformat(),
                     "doses": [{"drug": d.drug, "dose": d.dose, "status": d.status,
                                "supervised": d.supervised} for d in e.doses]}
                    for _index, e in row.entries],
        "decisions": [{"id": d.id, "drug": d.drug, "new_drug": d.new_drug,
                       "new_daily_dose": d.new_daily_dose} for _index, d in row.decisions],
        "taper_step": row.taper_step,
        "taper_steps": row.taper_steps,
        "taper_step_begins": row.taper_step_begins,
        "findings": [f.code for f in row.findings],
    }


def _finding_json(case: Case, dated: DatedFinding) -> dict[str, Any]:
    out: dict[str, Any] = {**dated.finding.to_json(),
                           "first": dated.first.isoformat() if dated.first else None,
                           "last": dated.last.isoformat() if dated.last else None}
    item_id = _item_id(case, dated.finding.field)
    if item_id is not None:
        out["item_id"] = item_id
    return out


def _table(rows: list[CourseDay]) -> None:
    date, isolation, day = _("Date"), _("Isol."), _("Day")
    planned, entries, findings = _("Planned (mg)"), _("Entries"), _("Findings")
    print(f"{date:10}  {isolation:>5}  {day:>4}  {planned:24}  {entries:>8}  {findings}")
    for row in rows:
        planned = ", ".join(f"{drug} {_dose(dose) or '?'}" for drug, dose in row.planned.items())
        step = (" " + _("step {step}/{steps}").format(step=row.taper_step, steps=row.taper_steps)
                if row.taper_step else "")
        times = " ".join(f"{e.at.astimezone(OSLO):%H:%M}" for _index, e in row.entries)
        print(f"{row.day:%d.%m.%Y}  {row.isolation_day or '':>5}  {row.treatment_day or '':>4}  "
              f"{(planned + step)[:24]:24}  {times or '-':>8}  "
              f"{', '.join(f.code for f in row.findings)}")


def run(args: argparse.Namespace) -> int:
    from core.content import ContentError, load_library
    from core.course.lifecycle import status_on
    from core.course.timeline import status_line, timeline
    from core.course_summary import oslo_today
    from core.findings import Severity
    from core.rules.course import course_findings
    from core.storage import StorageError

    opened = open_data(args, create=False)
    if opened is None:
        return 2
    with opened:
        try:
            case = opened.store.load(args.case_id).case
        except StorageError as exc:
            error(str(exc))
            return 2
    try:
        pathway = load_library().get(case.pathway_id, case.pathway_version)
    except ContentError as exc:
        error(str(exc))
        return 2
    if pathway is None:
        error(_("The pathway {pathway} version {version} of the case is not installed.").format(
            pathway=case.pathway_id, version=case.pathway_version))
        return 2
    language = current().language
    today = oslo_today()
    findings = course_findings(case, pathway, today=today, language=language)
    rows = timeline(case, pathway, today, language)
    blockers = sum(1 for f in findings if f.finding.severity is Severity.BLOCKER)
    if args.json:
        print(json.dumps({
            "case_id": case.id,
            "status": status_on(case, today),
            "line": status_line(case, pathway, today, language),
            "days": [_day_json(r) for r in rows],
            "findings": [_finding_json(case, f) for f in findings],
        }, ensure_ascii=False, indent=2))
    else:
        line = status_line(case, pathway, today, language)
        print(f"{case.id}  {line}".rstrip())
        if rows:
            _table(rows)
        else:
            print(_("The course has no first dose day yet."))
        for dated in findings:
            f = dated.finding
            print(f"{_(SEVERITY_WORDS[f.severity.value]):12} {f.code:32} {f.field or '-'}: "
                  f"{f.message}")
        print(ngettext("{n} finding", "{n} findings", len(findings)).format(n=len(findings))
              + ", " + ngettext("{n} blocker.", "{n} blockers.", blockers).format(n=blockers))
    return 1 if blockers else 0
