"""Audit log tampering at file level (battery A2/A3): the guards refuse changes while the
triggers are in place; with them dropped, the verifier still names the first broken entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import tamper


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tamper.audited_store(tmp_path_factory.mktemp("audited"))


@pytest.mark.parametrize("case", tamper.CASES, ids=lambda case: case.name)
def test_tampering_is_detected(case: tamper.TamperCase, original: Path,
                               tmp_path: Path) -> None:
    detected, message = tamper.tamper_copy(original, tmp_path, case)
    assert detected == case.detectable, message


def test_the_untouched_copy_verifies(original: Path, tmp_path: Path) -> None:
    untouched = tamper.TamperCase("nothing", lambda _connection: None)
    detected, message = tamper.tamper_copy(original, tmp_path, untouched)
    assert not detected, message


def test_the_guards_refuse_every_change(original: Path, tmp_path: Path) -> None:
    refused, attempts = tamper.guards_refuse(original, tmp_path)
    assert refused == attempts
