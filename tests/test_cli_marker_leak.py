"""Marker leak through the command line: a canary in every free-text field of a case, through
every data verb into a fresh data folder — and not one byte of it readable on disk.

Issue 14: ``main.py import`` used to store the whole case file in plaintext in a fresh folder.
Here a case with a unique marker in each of its ≈ 110 free-text fields (the walk of
:func:`tests.test_marker_leak.marked_case`) goes through ``import``, ``list``, ``list
--search``, ``export-case``, ``export --record``, ``verify`` and ``key status`` with
``--passphrase-file`` — in-process (logs captured at DEBUG, SQLAlchemy included) and once as a
subprocess — with ``TMPDIR`` pointed at a private folder.  Then every file of the data folder,
the export folder's file names, the private ``TMPDIR``, the captured logs and the subprocess's
output are searched for the marker and the identity number in UTF-8, UTF-16LE and UTF-16BE:
zero hits.  The positive controls: the marker is in the exported documents and the case file
written out (where it is meant to be), and the stored case decrypts to it.

Without a passphrase file, a terminal or a keyring the same run stops at the first verb with
exit 2, and the data folder does not exist afterwards.
"""

from __future__ import annotations

import io
import logging
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

import main
from core import casefile, keys
from core.keys import KdfParams
from core.storage import Store
from tests.cli_support import passphrase_file, run_subprocess
from tests.memory_keyring import no_keyring_installed
from tests.test_marker_leak import _needles, marked_case, marked_course_items, scan


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setenv("SQLITE_TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert Path(tempfile.gettempdir()) == folder
    return folder


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    capsys.readouterr()
    code = main.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _names_hit(folder: Path, needles: list[bytes]) -> list[str]:
    return [p.name for p in folder.rglob("*")
            if any(needle in p.name.encode("utf-8") or needle in p.name.encode("utf-16-le")
                   for needle in needles)]


def test_no_verb_leaves_the_marker_readable_anywhere(
        tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    marker = f"klimark{uuid.uuid4().hex[:10]}"
    case, fields = marked_case(marker)
    assert fields >= 100, "the example should have far more free-text fields"
    identity = case.patient.identity_number
    inputs, data_dir, export_dir = tmp_path / "inn", tmp_path / "data", tmp_path / "eksport"
    inputs.mkdir()
    entry, decision, _course_fields = marked_course_items(marker)
    case_file = inputs / "sak.json"
    casefile.write(case_file, case)  # for `export`: the consultation's documents
    with_course = case.model_copy(deep=True)
    with_course.course.dose_decisions.append(decision)  # stored as its own row by import
    course_file = inputs / "sak-med-forlop.json"
    casefile.write(course_file, with_course)
    entry_file = inputs / "oppfolging.json"
    entry_file.write_text(entry.model_dump_json(), encoding="utf-8")
    secret = passphrase_file(tmp_path / "secret")
    monkeypatch.setattr(keys, "DEFAULT_KDF", KdfParams.for_tests())
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    data = ["--data-dir", data_dir, "--passphrase-file", secret,
            "--actor-name", "Lege Lise Fiktiv", "--actor-hpr", "9999999"]
    with no_keyring_installed():
        outputs = {}
        search = case.patient.name.split()[-1]
        # export --record first: it stores the case file as it is (import semantics, which
        # replace the course items); then the case with its course and a nurse's entry.
        for verb in (["export", case_file, "--out", export_dir, "--record"],
                     ["import", course_file], ["followup", "add", case.id, "--file", entry_file],
                     ["followup", "list", case.id], ["course", case.id, "--json"],
                     ["list"], ["list", "--search", search],
                     ["export-case", case.id, "--out", inputs / "ut.json"],
                     ["verify"], ["key", "status"]):
            options = {"key": data[:2], "verify": data[:4]}.get(str(verb[0]), data)
            code, output = _run(capsys, *verb, *options)
            assert code in ((0, 1) if verb[0] == "course" else (0,)), (verb, output)
            outputs[verb[0] + " " + str(verb[1:2])] = output
    assert case.id in outputs["list ['--search']"]  # the search found it (decrypted)

    needles = _needles(marker, identity)
    # Positive controls: the marker went where it is meant to go, and it is stored.
    assert scan(export_dir, _needles(marker)), "the documents must carry the patient's text"
    assert marker.encode() in (inputs / "ut.json").read_bytes()
    store = Store.open(data_dir=data_dir, cipher=keys.unlock(data_dir, "rolig elg speiler "
                                                             "fjorden").cipher())
    try:
        assert marker in store.load(case.id).case.notes
        assert store.load(case.id).case.course.followups == [entry]
        assert store.load(case.id).case.course.dose_decisions == [decision]
        assert store.list_exports(case.id)
        assert store.verify_audit().ok
    finally:
        store.close()

    assert scan(data_dir, needles) == []
    dump = "\n".join(sqlite3.connect(data_dir / "rekvirent.sqlite3").iterdump())
    assert marker not in dump and identity not in dump  # what `sqlite3 .dump` shows
    assert _names_hit(export_dir, needles) == []
    assert scan(private_tmp, needles) == []
    logs = "\n".join([caplog.text, *(r.getMessage() for r in caplog.records)])
    assert caplog.records, "logging must have been captured"
    assert marker not in logs and identity not in logs


def test_the_subprocess_leaves_the_marker_readable_nowhere(tmp_path: Path) -> None:
    marker = f"klimark{uuid.uuid4().hex[:10]}"
    case, _fields = marked_case(marker)
    identity = case.patient.identity_number
    case_file = tmp_path / "sak.json"
    casefile.write(case_file, case)
    data_dir, export_dir, private_tmp = (tmp_path / n for n in ("data", "eksport", "tmp"))
    private_tmp.mkdir(mode=0o700)
    secret = passphrase_file(tmp_path / "secret")
    env = {"TMPDIR": str(private_tmp), "SQLITE_TMPDIR": str(private_tmp)}
    needles = _needles(marker, identity)
    for verb in (["import", case_file], ["export", case_file, "--out", export_dir, "--record"]):
        result = run_subprocess(*verb, "--data-dir", data_dir, "--passphrase-file", secret,
                                env=env)
        assert result.returncode == 0, result.stderr
        assert marker not in result.stderr and identity not in result.stderr
    assert scan(export_dir, _needles(marker))
    assert scan(data_dir, needles) == []
    assert _names_hit(export_dir, needles) == []
    assert scan(private_tmp, needles) == []


def test_without_a_passphrase_nothing_is_written_at_all(tmp_path: Path) -> None:
    marker = f"klimark{uuid.uuid4().hex[:10]}"
    case, _fields = marked_case(marker)
    case_file = tmp_path / "sak.json"
    casefile.write(case_file, case)
    data_dir, private_tmp = tmp_path / "data", tmp_path / "tmp"
    private_tmp.mkdir(mode=0o700)
    env = {"TMPDIR": str(private_tmp), "SQLITE_TMPDIR": str(private_tmp)}
    for verb in (["import", case_file], ["list"], ["export-case", case.id, "--out",
                                                   tmp_path / "ut.json"],
                 ["export", case_file, "--out", tmp_path / "eksport", "--record"], ["verify"]):
        result = run_subprocess(*verb, "--data-dir", data_dir, env=env)
        assert result.returncode == 2, (verb, result.stderr)
        assert "Traceback" not in result.stderr
        assert not data_dir.exists(), verb
    assert not (tmp_path / "eksport").exists() and not (tmp_path / "ut.json").exists()
    assert scan(private_tmp, _needles(marker, case.patient.identity_number)) == []
