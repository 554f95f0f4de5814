"""A clinic's PostgreSQL server going away in the middle of an edit, and password logins.

These tests stop and start a server, so they run a PRIVATE throwaway cluster
(``scripts/pg-test-server.sh start/halt/resume/stop`` in a temporary folder), never the shared
test server the rest of the storage suite uses.  Without PostgreSQL binaries they are skipped,
unless the suite itself was given a server (``REKVIRENT_TEST_POSTGRES_URL`` or
``REKVIRENT_REQUIRE_POSTGRES=1``, as in CI): then a missing cluster is a failure.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import keyring
import pytest

from core import credentials
from core.case import Case, Consultation, Patient
from core.storage import ConnectionLost, LoginRefused, Store
from tests.memory_keyring import MemoryKeyring

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "pg-test-server.sh"
SECRET = "Klinikk-Passord-ÆØÅ-0815"


def _have_binaries() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _suite_needs_postgres() -> bool:
    return bool(os.environ.get("REKVIRENT_TEST_POSTGRES_URL")) or (
        os.environ.get("REKVIRENT_REQUIRE_POSTGRES") == "1")


@dataclass
class Cluster:
    folder: Path
    base_url: str
    password: str | None = None

    def run(self, action: str, stdin: str | None = None) -> None:
        subprocess.run(["bash", str(SCRIPT), action, str(self.folder)], input=stdin,
                       text=True, check=True, capture_output=True, timeout=60)

    @property
    def url(self) -> str:
        if self.password is None:
            return self.base_url
        return self.base_url.replace("rekvirent@", f"rekvirent:{self.password}@")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not _have_binaries() and not _suite_needs_postgres():
        pytest.skip("no PostgreSQL binaries (and the suite runs without PostgreSQL)")
    folder = Path(tempfile.mkdtemp(prefix="rekvirent-pg-restart-"))
    started = subprocess.run(["bash", str(SCRIPT), "start", str(folder)], text=True,
                             capture_output=True, timeout=120)
    if started.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"private PostgreSQL cluster did not start: {started.stderr[-500:]}")
    made = Cluster(folder, started.stdout.strip())
    try:
        yield made
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(folder)], capture_output=True,
                       timeout=60)


def _case() -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name="Testa Testesen", identity_number="15888510025"),
                consultation=Consultation(date=date(2021, 11, 15)))


def test_a_server_restart_in_the_middle_of_an_edit_loses_nothing(cluster: Cluster,
                                                                 tmp_path: Path) -> None:
    store = Store.open(cluster.url, data_dir=tmp_path)
    try:
        store.set_actor("Lege Anna Testesen", "9100001")
        case = _case()
        version = store.save(case, step="patient")
        case.notes = "skrevet mens tjeneren var borte"
        case.plan.daily_follow_up = "Daglig oppfølging hjemme"
        typed = case.model_copy(deep=True)

        cluster.run("halt")
        try:
            with pytest.raises(ConnectionLost):
                store.save(case, step="plan", expected_version=version)
            with pytest.raises(ConnectionLost):
                store.list()
            assert case == typed  # the window's copy is untouched
        finally:
            cluster.run("resume")

        version = store.save(case, step="plan", expected_version=version)
        assert version == 2
    finally:
        store.close()
    reopened = Store.open(cluster.url, data_dir=tmp_path)
    try:
        stored = reopened.load(case.id)
        assert stored.case == typed
        assert (stored.version, stored.step) == (2, "plan")
    finally:
        reopened.close()


def test_pooled_connections_survive_a_restart_without_an_error(cluster: Cluster,
                                                               tmp_path: Path) -> None:
    """After the server came back, the first save just works: stale pooled connections are
    noticed before use (``pool_pre_ping``) instead of failing the GP's save."""
    store = Store.open(cluster.url, data_dir=tmp_path)
    try:
        case = _case()
        store.save(case)
        store.load(case.id)  # leaves a connection in the pool
        cluster.run("halt")
        cluster.run("resume")
        case.notes = "etter omstart"
        assert store.save(case, expected_version=1) == 2
        assert store.load(case.id).case.notes == "etter omstart"
    finally:
        store.close()


def test_a_password_login_never_shows_the_password(
        cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Runs last in this module: from here on the private server wants a password."""
    cluster.run("require-password", stdin=SECRET + "\n")
    cluster.password = SECRET
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements are logged too
    seen: list[str] = []

    with pytest.raises(LoginRefused) as missing:
        Store.open(cluster.base_url, data_dir=tmp_path)
    seen.append(f"{missing.value!s} {missing.value!r}")
    wrong = cluster.base_url.replace("rekvirent@", f"rekvirent:{SECRET}-feil@")
    with pytest.raises(LoginRefused) as refused:
        Store.open(wrong, data_dir=tmp_path)
    seen.append(f"{refused.value!s} {refused.value!r} {refused.value.__context__!r}")

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        credentials.save_password(cluster.base_url, SECRET)
        url = credentials.connect_url(cluster.base_url)
        store = Store.open(url, data_dir=tmp_path)
        try:
            case = _case()
            store.save(case)
            assert store.load(case.id).case == case
            seen.append(repr(store.engine) + str(store.engine.url) + repr(url))
        finally:
            store.close()
    finally:
        keyring.set_keyring(previous)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    everything = "\n".join(seen) + caplog.text
    assert SECRET not in everything
    assert "INSERT INTO cases" in caplog.text  # the statement log was on: it was checked
