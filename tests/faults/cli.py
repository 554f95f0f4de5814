"""The command line on a fresh data folder (battery S7, issue 14): plaintext bytes found must be 0.

A case with a unique marker in every free-text field goes through every data verb — ``import``,
``list``, ``list --search``, ``export-case``, ``export --record``, ``verify``, ``key status`` —
into a fresh folder, once with ``--passphrase-file`` on a computer without a keyring and once
with a keyring; then every file of the data folder, the export folder's file names and a
private ``TMPDIR`` are searched for the marker and the identity number in UTF-8, UTF-16LE and
UTF-16BE.  Then the same first verb without a passphrase file, terminal or keyring: it must exit
2 and leave no data folder behind.

The verbs run in-process through ``main.main`` with the real scrypt cost, as a GP's script
would run them.  The full test with captured logs is ``tests/test_cli_marker_leak.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import main
from core import casefile
from tests.memory_keyring import memory_keyring_installed, no_keyring_installed
from tests.test_marker_leak import marked_case

PASSPHRASE = "rolig elg speiler fjorden"


@dataclass
class CliReport:
    verbs_run: int = 0
    verbs_failed: list[str] = field(default_factory=list)
    files_scanned: int = 0
    #: "<run>: <file> (<needle>)" for every readable marker or identity number found.
    plaintext: list[str] = field(default_factory=list)
    exported_with_marker: int = 0
    #: Exit code of the first verb without a passphrase, and what it left behind.
    refused_exit: int | None = None
    refused_left: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return (not self.plaintext and not self.verbs_failed and self.refused_exit == 2
                and not self.refused_left)

    def line(self) -> str:
        return (f"S7 CLI on a fresh folder: {self.verbs_run} verb runs, {self.files_scanned} "
                f"files scanned, plaintext bytes found: {len(self.plaintext)} "
                f"({self.exported_with_marker} exported documents carry the marker, as "
                f"intended); without a key: exit {self.refused_exit}, "
                f"{len(self.refused_left)} files created")


@contextlib.contextmanager
def _script_environment(tmp: Path) -> Iterator[None]:
    """No terminal, TMPDIR private, output swallowed."""
    saved_stdin, saved_env = sys.stdin, {k: os.environ.get(k) for k in ("TMPDIR",
                                                                          "SQLITE_TMPDIR")}
    sys.stdin = io.StringIO("")
    os.environ["TMPDIR"] = os.environ["SQLITE_TMPDIR"] = str(tmp)
    tempfile.tempdir = None
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        sys.stdin = saved_stdin
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tempfile.tempdir = None


def _hits(folder: Path, needles: dict[str, bytes], *, names_only: bool = False) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if not path.is_file():
            continue
        data = path.name.encode("utf-8") if names_only else path.read_bytes()
        found += [f"{path.relative_to(folder)} ({label})" for label, needle in needles.items()
                  if needle in data]
    return found


def scan(workdir: Path) -> CliReport:
    report = CliReport()
    marker = f"ZZKLI-{uuid.uuid4().hex[:12]}"
    case, _fields = marked_case(marker)
    needles: dict[str, bytes] = {}
    for value, label in ((marker, "marker"), (case.patient.identity_number, "identity")):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            needles[f"{label}, {encoding}"] = value.encode(encoding)
    workdir.mkdir(parents=True, exist_ok=True)
    case_file = workdir / "sak.json"
    casefile.write(case_file, case)
    secret = workdir / "passfrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    for run, keyring in (("passphrase file", False), ("keyring", True)):
        run_dir = workdir / run.replace(" ", "-")
        data_dir, export_dir, tmp = run_dir / "data", run_dir / "export", run_dir / "tmp"
        tmp.mkdir(parents=True)
        data = ["--data-dir", str(data_dir)]
        if not keyring:
            data += ["--passphrase-file", str(secret)]
        verbs = [["import", str(case_file)], ["list"],
                 ["list", "--search", case.patient.name.split()[-1]],
                 ["export-case", case.id, "--out", str(run_dir / "ut.json")],
                 ["export", str(case_file), "--out", str(export_dir), "--record"],
                 ["verify"], ["key", "status"]]
        installed = memory_keyring_installed() if keyring else no_keyring_installed()
        with installed, _script_environment(tmp):
            for verb in verbs:
                options = data[:2] if verb[0] == "key" else data
                report.verbs_run += 1
                try:
                    code = main.main([*verb, *options])
                except SystemExit as exc:
                    code = int(exc.code or 0)
                if code != 0:
                    report.verbs_failed.append(f"{run}: {' '.join(verb[:1])} exit {code}")
        for folder, names_only in ((data_dir, False), (tmp, False), (export_dir, True)):
            report.files_scanned += sum(1 for p in folder.rglob("*") if p.is_file())
            report.plaintext += [f"{run}: {hit}" for hit in _hits(folder, needles,
                                                                  names_only=names_only)]
        report.exported_with_marker += len({hit.split(" (")[0] for hit in _hits(
            export_dir, {"marker": needles["marker, utf-8"]})})
    refused = workdir / "refused" / "data"
    with no_keyring_installed(), _script_environment(workdir):
        try:
            report.refused_exit = main.main(["import", str(case_file), "--data-dir",
                                             str(refused)])
        except SystemExit as exc:
            report.refused_exit = int(exc.code or 0)
    report.refused_left = [str(p) for p in refused.parent.rglob("*")] if refused.parent.exists() \
        else []
    return report


@dataclass
class EmptiedReport:
    """Row R7: an emptied or deleted database in a folder with backups (issue 14)."""

    #: damage → (drafts the backup held, drafts listed after ``restore``)
    offered: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Runs where a verb opened the damaged folder (exit 0) instead of refusing.
    started_over: list[str] = field(default_factory=list)
    #: Runs where the refusal did not name the backup and the restore command.
    unnamed: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return (bool(self.offered) and all(held == back for held, back in self.offered.values())
                and not self.started_over and not self.unnamed)

    def line(self) -> str:
        held = sum(h for h, _b in self.offered.values())
        back = sum(b for _h, b in self.offered.values())
        return (f"R7 emptied/deleted database with backups ({', '.join(self.offered)}): "
                f"drafts offered back {back}/{held}; verbs that started over: "
                f"{len(self.started_over)}; refusals without the backup named: "
                f"{len(self.unnamed)}")


def _run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    sys.stdin = io.StringIO("")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main.main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


def emptied_database(workdir: Path, *, cases: int = 3) -> EmptiedReport:
    """Import ``cases`` drafts, take a backup as the daily rotation would, empty (truncate to
    0 bytes) or delete the database, then run ``list``, ``import`` and ``verify``: each must
    refuse and name the backup; ``restore`` must bring every draft back."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from core.case import Case
    from core.storage.backups import backup_name
    from core.storage.files import BACKUPS_DIR, DB_NAME

    report = EmptiedReport()
    workdir.mkdir(parents=True, exist_ok=True)
    secret = workdir / "passfrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    saved_stdin = sys.stdin
    try:
        for damage in ("emptied", "deleted"):
            data_dir = workdir / damage
            data = ["--data-dir", str(data_dir), "--passphrase-file", str(secret)]
            with no_keyring_installed():
                for number in range(cases):
                    case = Case()
                    case.patient.name = f"Syntetisk Pasient {number}"
                    case_file = workdir / f"{damage}-{number}.json"
                    casefile.write(case_file, case)
                    _run(["import", str(case_file), *data])
                backup = data_dir / BACKUPS_DIR / backup_name(
                    datetime.now(UTC) + timedelta(seconds=1), "daily")
                source, dest = sqlite3.connect(data_dir / DB_NAME), sqlite3.connect(backup)
                try:
                    source.backup(dest)
                finally:
                    dest.close()
                    source.close()
                if damage == "emptied":
                    with (data_dir / DB_NAME).open("r+b") as handle:
                        handle.truncate(0)
                else:
                    for piece in data_dir.glob(f"{DB_NAME}*"):
                        piece.unlink()
                for verb in (["list"], ["import", str(workdir / f"{damage}-0.json")],
                             ["verify"]):
                    code, said = _run([*verb, *data])
                    if code == 0:
                        report.started_over.append(f"{damage}: {verb[0]}")
                    elif backup.name not in said or "restore" not in said:
                        report.unnamed.append(f"{damage}: {verb[0]}")
                code, _said = _run(["restore", "--data-dir", str(data_dir)])
                listed = _run(["list", *data])[1] if code == 0 else ""
                back = sum(f"Syntetisk Pasient {n}" in listed for n in range(cases))
                report.offered[damage] = (cases, back)
    finally:
        sys.stdin = saved_stdin
    return report
