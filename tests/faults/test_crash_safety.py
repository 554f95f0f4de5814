"""Battery R1/R4/R5: SIGKILL the real save path ≥ 200 times — nothing acknowledged is lost, no
write is torn, the database always opens and passes ``integrity_check``.

The kill loop runs in its own interpreter (``python -m tests.faults.crash``): it forks, and
forking the pytest process (threads, Qt) would be unsafe.  The checks it makes are tested
here too, on states made by hand, so a verifier that could never fail would be noticed.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core import casefile
from core.storage import Store
from core.storage.recovery import DB_NAME
from tests.faults import corruption, crash

ROOT = Path(__file__).resolve().parents[2]
KILLS = 200
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash loop needs fork()")


@pytest.mark.slow
def test_kill_the_save_path_at_random_points(tmp_path: Path) -> None:
    seed = random.SystemRandom().randrange(1 << 30)
    completed = subprocess.run(
        [sys.executable, "-m", "tests.faults.crash", "--kills", str(KILLS), "--seed", str(seed),
         "--creation", "20", "--data-dir", str(tmp_path), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert completed.stdout, completed.stderr[-3000:]
    report = json.loads(completed.stdout.splitlines()[-1])
    context = f"seed {seed}: {report['problems'][:5]} {report['creation']['problems'][:3]}"
    assert report["injected"] == KILLS, context
    assert report["survived"] == KILLS, context
    assert (report["lost"], report["torn"], report["corrupt"]) == (0, 0, 0), context
    assert report["bad_backups_trusted"] == 0, context
    # The kills reached the write paths, not only the start-up.
    assert report["acknowledged"].get("save", 0) > 0, context
    assert report["acknowledged"].get("export", 0) > 0, context
    assert report["acknowledged"].get("backup", 0) > 0, context
    assert report["creation"]["stuck"] == 0, context
    assert completed.returncode == 0, context


# ---- the verifier itself can fail -------------------------------------------------------------


def _stored(tmp_path: Path, n: int) -> Store:
    store = Store.open(data_dir=tmp_path)
    store.save(crash.case_for(n))
    return store


def test_verifier_accepts_the_acknowledged_and_the_next_version(tmp_path: Path) -> None:
    _stored(tmp_path, 5).close()
    outcome, detail, state = crash._verify(tmp_path, crash.State(5, 1, 0), "idle", None, 1)
    assert (outcome, state.n) == ("survived", 5), detail
    outcome, detail, _state = crash._verify(tmp_path, crash.State(4, 1, 0), "save", None, 1)
    assert outcome == "survived", detail


def test_verifier_reports_an_older_version_as_lost(tmp_path: Path) -> None:
    _stored(tmp_path, 5).close()
    outcome, _detail, _state = crash._verify(tmp_path, crash.State(6, 1, 0), "idle", None, 1)
    assert outcome == "lost"


def test_verifier_reports_a_mixed_version_as_torn(tmp_path: Path) -> None:
    _stored(tmp_path, 5).close()
    mixed = crash.case_for(5)
    mixed.plan.taper = crash.case_for(6).plan.taper  # half of the next save
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        connection.execute("UPDATE cases SET payload = ?", (casefile.dumps(mixed),))
    outcome, _detail, _state = crash._verify(tmp_path, crash.State(5, 1, 0), "idle", None, 1)
    assert outcome == "torn"


def test_verifier_reports_a_damaged_database_as_corrupt(tmp_path: Path) -> None:
    _stored(tmp_path, 5).close()
    corruption.page_garbage(tmp_path / DB_NAME, random.Random(1))
    corruption.header_zeroed(tmp_path / DB_NAME, random.Random(1))
    outcome, _detail, _state = crash._verify(tmp_path, crash.State(5, 1, 0), "idle", None, 1)
    assert outcome == "corrupt"


def test_verifier_checks_every_export_document(tmp_path: Path) -> None:
    store = _stored(tmp_path, 5)
    store.record_export(crash.CASE_ID, crash.documents_for(1, 5))
    store.close()
    outcome, detail, state = crash._verify(tmp_path, crash.State(5, 2, 1), "idle", None, 1)
    assert (outcome, state.exports) == ("survived", 1), detail
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        connection.execute("UPDATE export_documents SET content = zeroblob(10) "
                           "WHERE kind = 'consent'")
    outcome, _detail, _state = crash._verify(tmp_path, crash.State(5, 2, 1), "idle", None, 1)
    assert outcome == "torn"
