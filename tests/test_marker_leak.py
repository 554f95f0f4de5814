"""Marker leak: a synthetic patient's text must end up in no file the app writes except the
intended exports.

A unique marker goes into every free-text field of a synthetic case; the workflow runs through
the store (create, autosaves, open, export of the PDFs, record_export, print/copy audit entries,
backup, reopen, search, duplicate); then every file under the data folder and a private TMPDIR,
and every captured log line (DEBUG, SQLAlchemy included), is searched for the marker in UTF-8
and UTF-16.  The marker may only be found in the export folder.

The plaintext run is the negative control: with ``cipher=None`` the same scan DOES find the
marker in the data folder — so a scanner that sees nothing, or encryption that is switched off,
cannot pass unnoticed.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from core import casefile
from core.case import Case, ExtraMeasure, ExtraRiskPoint, SubstanceUse
from core.content import load_library
from core.course.model import (
    DoseDecision,
    DoseGiven,
    FollowUpEntry,
    Observer,
    UseSinceLastIntake,
    WithdrawalScore,
)
from core.crypto import FieldCipher
from core.export import export_documents
from core.findings import Severity
from core.rules import evaluate
from core.storage import ExportedDocument, Store

EXAMPLE = Path(__file__).resolve().parent.parent / "resources" / "examples" / \
    "blandet-opioid-benzo-stimulant.json"
#: Machine-read codes and numbers: a marker there would make the case invalid (ids refer to the
#: pathway; the numbers are checked).  The identity number is searched for separately.
NOT_FREE_TEXT = {"id", "pathway_id", "substance", "drug", "formulation", "assessment",
                 "identity_number", "daily_dose", "icd10", "hpr_number"}


def _text_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        found: list[tuple[Any, ...]] = []
        for key, value in node.items():
            if isinstance(value, str):
                if key not in NOT_FREE_TEXT:
                    found.append((*path, key))
            else:
                found += _text_paths(value, (*path, key))
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _text_paths(item, (*path, i))]
    return []


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(document, path[:-1])[path[-1]] = value


def marked_case(marker: str) -> tuple[Case, int]:
    """A complete synthetic case with ``marker<n>`` appended to every free-text field (fields
    that only take codes, dates or choices refuse it and are left alone)."""
    case = casefile.read(EXAMPLE)
    case.extra_risk_points.append(ExtraRiskPoint(title="Eget risikopunkt", note="notat"))
    case.extra_measures.append(ExtraMeasure(title="Eget tiltak", details="detaljer"))
    case.substance_use.append(SubstanceUse(substance="cannabis", amount="litt"))
    base = case.model_dump(mode="json")
    chosen = []
    for n, path in enumerate(_text_paths(base)):
        trial = case.model_dump(mode="json")
        old = _get(trial, path)
        _set(trial, path, f"{old} {marker}{n:03d}".strip())
        try:
            Case.model_validate(trial)
        except ValidationError:
            continue  # a date, a choice, a status: not free text
        chosen.append((n, path))
    for n, path in chosen:
        _set(base, path, f"{_get(base, path)} {marker}{n:03d}".strip())
    return Case.model_validate(base), len(chosen)


def marked_course_items(marker: str) -> tuple[FollowUpEntry, DoseDecision, int]:
    """A follow-up entry and a dose decision with ``marker<n>`` in every free-text field (the
    same walk as :func:`marked_case`; codes, dates and choices refuse it and are left alone)."""
    entry = FollowUpEntry(
        at=datetime(2021, 11, 16, 8, tzinfo=UTC),
        observer=Observer(name="Siri Prøve", role="nurse", hpr_number=""),
        form="home_visit", doses=[DoseGiven(drug="buprenorphine", dose="16", status="given")],
        intoxication="signs", intoxication_note="sløv", overdose="none", overdose_action="-",
        withdrawal=[WithdrawalScore(scale="cows", version=1, note="lite")],
        use_since_last=[UseSinceLastIntake(substance="alcohol", used="yes", amount="2",
                                           note="øl")],
        adherence="partly", adherence_note="glemte", adverse_events="kvalme", note="rolig")
    decision = DoseDecision(decided_at=datetime(2021, 11, 17, 9, tzinfo=UTC),
                            drug="buprenorphine", new_daily_dose="20", reason="abstinens",
                            agreed_by=Observer(name="Lege Lise Fiktiv", role="gp"),
                            tsb_specialist="Dr. TSB Prøve")
    count = 0
    marked = []
    for model in (entry, decision):
        base = model.model_dump(mode="json")
        kept = []
        for n, path in enumerate(_text_paths(base)):
            trial = model.model_dump(mode="json")
            _set(trial, path, f"{_get(trial, path)} {marker}c{n:03d}".strip())
            try:
                type(model).model_validate(trial)
            except ValidationError:
                continue
            kept.append((n, path))
        for n, path in kept:
            _set(base, path, f"{_get(base, path)} {marker}c{n:03d}".strip())
        count += len(kept)
        marked.append(type(model).model_validate(base))
    return marked[0], marked[1], count  # type: ignore[return-value]


def _needles(*values: str) -> list[bytes]:
    out = []
    for value in values:
        out += [value.encode("utf-8"), value.encode("utf-16-le"), value.encode("utf-16-be")]
    return out


def scan(folder: Path, needles: list[bytes]) -> list[str]:
    """Files under ``folder`` holding any of ``needles``."""
    hits = set()
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                hits.add(str(path.relative_to(folder)))
    return sorted(hits)


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plaintext-control"])
def test_marker_is_found_only_in_the_exports(tmp_path: Path, encrypted: bool,
                                             monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    marker = f"leakmark{uuid.uuid4().hex[:10]}"
    data_dir, export_dir, private_tmp = (tmp_path / n for n in ("data", "export", "tmp"))
    for folder in (data_dir, export_dir, private_tmp):
        folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setenv("SQLITE_TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert Path(tempfile.gettempdir()) == private_tmp
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")

    case, fields = marked_case(marker)
    assert fields >= 100, "the example should have far more free-text fields"
    identity = case.patient.identity_number
    library = load_library()
    pathway = library.get(case.pathway_id, case.pathway_version)
    blockers = [f for f in evaluate(case, pathway) if f.severity is Severity.BLOCKER]
    assert blockers == [], "the consent and plan must be exported too"

    cipher = FieldCipher.generate() if encrypted else None
    store = Store.open(data_dir=data_dir, cipher=cipher)
    store.set_actor("Dr. Test Lege", "9999999")  # the doctor is logged; the patient never
    version = store.save(case, step="patient")
    for n in range(25):  # autosaves while typing
        case.notes = f"{case.notes} {marker}autosave{n}"
        case.touch()
        version = store.save(case, step="plan", expected_version=version)
    store.open_case(case.id)
    entry, decision, course_fields = marked_course_items(marker)
    assert course_fields >= 12, "every free-text field of an entry and a decision"
    store.course.add(case.id, entry)  # a nurse's entry, then corrected
    entry.note = f"{entry.note} {marker}rettet"
    store.course.update(case.id, entry, expected_version=1)
    store.course.add(case.id, decision)
    result = export_documents(case, pathway, export_dir)
    assert {f.kind for f in result.files} >= {"journal", "consent", "plan", "prescription"}
    store.record_export(case.id, [ExportedDocument(f.kind, f.language, f.path.name, f.sha256,
                                                   f.content) for f in result.files])
    store.audit("print", case.id, details={"kind": "consent"})
    store.audit("copy", case.id, details={"kind": "journal"})
    assert store.backup() is not None
    store.close()

    store = Store.open(data_dir=data_dir, cipher=cipher)  # reopen
    assert store.load(case.id).case.notes == case.notes
    assert store.load(case.id).case.course.followups == [entry]
    assert store.load(case.id).case.course.dose_decisions == [decision]
    assert [d.id for d in store.list(marker)] == [case.id]
    copy_id = store.duplicate(case.id)
    assert store.load(copy_id).case.patient.name == case.patient.name
    assert store.list_exports(case.id)[0].documents
    assert store.verify_audit().ok
    store.close()

    needles = _needles(marker, identity)
    # Positive control: the marker really went into the intended exports.
    assert scan(export_dir, _needles(marker)), "the exports must carry the patient's text"
    logs = "\n".join([caplog.text, *(r.getMessage() for r in caplog.records)])
    data_hits = scan(data_dir, needles)
    if encrypted:
        assert data_hits == []
        assert scan(private_tmp, needles) == []
        assert not [n for n in (marker, identity) if n in logs]
        assert caplog.records, "logging must have been captured"
    else:
        # Negative control: without encryption the scanner does find the patient.
        assert "rekvirent.sqlite3" in data_hits or "rekvirent.sqlite3-wal" in data_hits
        assert any(hit.startswith("backups") for hit in data_hits)
