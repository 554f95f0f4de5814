"""The start window's course facts: the line and status computed from them agree with
``status_line`` and ``status_on`` computed from the whole case, on every day and in every
language (the facts are what the store keeps in the sealed list summary)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from core import casefile
from core.case import Case
from core.content import load_library
from core.course.lifecycle import status_on
from core.course.model import CourseEnd, IsolationExtension, TaperStep
from core.course.timeline import status_line
from core.course_summary import CourseFacts, course_facts, facts_line, facts_status

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _variants() -> list[tuple[str, Case]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.json")):
        case = casefile.read(path)
        out.append((path.stem, case))
        for status in ("draft", "ready", "exported", "in_treatment"):
            changed = case.model_copy(deep=True)
            changed.status = status  # type: ignore[assignment]
            out.append((f"{path.stem}-{status}", changed))
        if case.course.followups or case.course.taper.steps:
            open_end = case.model_copy(deep=True)
            open_end.course.end = CourseEnd()
            out.append((f"{path.stem}-open", open_end))
            undated = case.model_copy(deep=True)
            undated.course.end = CourseEnd(kind="stopped")
            out.append((f"{path.stem}-undated-end", undated))
            quarantine = open_end.model_copy(deep=True)
            quarantine.conditions.quarantine.kind = "quarantine"
            quarantine.course.isolation.ended_on = None
            quarantine.course.isolation.extensions.append(IsolationExtension(
                decided_on=date(2021, 11, 16), new_expected_end=date(2021, 11, 22)))
            out.append((f"{path.stem}-extended-quarantine", quarantine))
            never_zero = open_end.model_copy(deep=True)
            never_zero.course.taper.steps.append(TaperStep(
                from_date=date(2021, 12, 1), doses={"buprenorphine_naloxone": "2"}))
            out.append((f"{path.stem}-never-zero", never_zero))
            no_entries = open_end.model_copy(deep=True)
            no_entries.course.followups = []
            no_entries.status = "ready"
            out.append((f"{path.stem}-ready-without-entries", no_entries))
    return out


VARIANTS = _variants()


@pytest.mark.parametrize(("name", "case"), VARIANTS, ids=[n for n, _ in VARIANTS])
def test_line_and_status_from_the_facts_agree_with_the_case(name: str, case: Case) -> None:
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    facts = course_facts(case)
    stored = CourseFacts.from_json(json.loads(json.dumps(facts.to_json())))
    assert stored == facts
    first = min([d for d in (facts.treatment_start, facts.isolation_start) if d] or
                [date(2021, 11, 10)]) - timedelta(days=3)
    for offset in range(40):
        day = first + timedelta(days=offset)
        assert facts_status(facts, day) == status_on(case, day), (name, day)
        for language in ("nb", "nn", "en"):
            assert facts_line(facts, day, language) == status_line(case, pathway, day,
                                                                   language), (name, day)


def test_the_lines_read_as_the_start_window_shows_them() -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    facts = course_facts(case)
    assert facts_line(facts, date(2021, 11, 16)) == "dag 4 av isoleringen"
    assert facts_line(facts, date(2021, 11, 20), "nn").startswith("nedtrapping")
    assert facts_line(facts, date(2021, 11, 20)) == "nedtrapping trinn 1 av 4"
    assert facts_status(facts, date(2021, 12, 1)) == "completed"


def test_the_store_may_know_better_whether_entries_exist() -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    case.status = "draft"
    case.course.followups = []
    assert not course_facts(case).has_followups
    assert course_facts(case, has_followups=True).has_followups
    assert facts_status(course_facts(case, has_followups=True), date(2021, 11, 16)) == \
        "in_treatment"


@pytest.mark.parametrize("data", [None, [], {}, {"s": "weird"}, {"s": "draft", "ts": "x"},
                                  {"s": "draft", "td": "2021-11-11"}, {"s": "draft", "c": 3}])
def test_damaged_or_old_facts_give_no_line(data: object) -> None:
    assert CourseFacts.from_json(data) is None
