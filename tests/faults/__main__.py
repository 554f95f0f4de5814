"""The fault scoreboard: ``python -m tests.faults`` (see docs/faults.md).

Runs the crash loop (SIGKILL at random points of save, export and backup), the corruption
matrix with recovery, disk full / read-only / locked, the hostile-input battery, a canary
leak scan (also through the command line on a fresh folder) and the audit tamper cases, then
prints one block of figures.  Exit code 0 when
every target is met: every fault survived, 0 lost, 0 torn, 0 corrupt, 0 crashes, 0 leaks
(with a data key), every detectable tamper case detected.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from core.storage import Store, recovery
from core.storage.recovery import DB_NAME
from tests.faults import cli, conditions, corruption, crash, hostile, leaks, tamper


def _crash(args: argparse.Namespace, workdir: Path) -> tuple[list[str], bool]:
    lines, ok = [], True
    runs = [("plain", args.kills, None)]
    if args.encrypted_kills:
        from core.crypto import FieldCipher

        runs.append(("with a data key", args.encrypted_kills, FieldCipher.generate()))
    for label, kills, cipher in runs:
        if not kills:
            continue
        report = crash.run_crash_loop(kills, workdir / f"crash-{label[:5]}", seed=args.seed,
                                      cipher=cipher)
        lines.append(f"R1 kill -9 ({label}): {report.line()}")
        ok &= (report.survived == report.injected and report.lost == report.torn
               == report.corrupt == report.bad_backups_trusted == 0)
        lines.extend(f"    ! {problem}" for problem in report.problems[:5])
    if args.creation:
        creation = crash.run_creation_kills(args.creation, workdir / "creation",
                                            seed=args.seed)
        lines.append(f"R5 {creation.line()}")
        ok &= creation.stuck == 0
    return lines, ok


def _corruption(args: argparse.Namespace, workdir: Path) -> tuple[list[str], bool]:
    injected = detected = quarantined = restored = crashes = 0
    problems: list[str] = []
    for seed in range(args.seeds):
        for kind in corruption.KINDS:
            injected += 1
            data_dir = workdir / f"damage-{seed}-{kind.damage.__name__}"
            try:
                ids = corruption.prepare(kind, data_dir, seed=seed)
                pieces = {p.name: p.read_bytes() for p in data_dir.iterdir()
                          if p.is_file() and p.name.startswith(DB_NAME)
                          and not p.name.endswith("-shm")}
                health = recovery.check(data_dir)
                if health.status == kind.status and (kind.problem in ("*", health.problem)):
                    detected += 1
                else:
                    problems.append(f"{kind.name}: check said {health.status} {health.problem}")
                    continue
                if health.status == "damaged":
                    moved = recovery.set_aside(data_dir / DB_NAME)
                    kept = {p.name.replace(moved.stem, "rekvirent"): p.read_bytes()
                            for p in moved.parent.iterdir() if not p.name.endswith("-shm")}
                    quarantined += kept == pieces
                else:
                    quarantined += 1  # nothing there to move
                backup = recovery.newest_verified_backup(data_dir)
                if backup is not None:
                    recovery.restore(backup, data_dir)
                    store = Store.open(data_dir=data_dir)
                    try:
                        recovery.record_pending_restore(store, data_dir)
                        restored += ids[0] in {d.id for d in store.list()}
                    finally:
                        store.close()
            except Exception as exc:
                crashes += 1
                problems.append(f"{kind.name}: {type(exc).__name__}: {exc}")
    flips = flips_detected = flips_harmless = flip_crashes = 0
    for seed in range(args.seeds):
        for count in (1, 10, 100):
            flips += 1
            data_dir = workdir / f"flips-{seed}-{count}"
            try:
                corruption.populated(data_dir)
                corruption.flip_bytes(data_dir / DB_NAME, count, random.Random(seed * 7 + count))
                health = recovery.check(data_dir)
                if health.needs_recovery:
                    flips_detected += 1
                else:
                    Store.open(data_dir=data_dir).close()
                    flips_harmless += 1
            except Exception as exc:
                flip_crashes += 1
                problems.append(f"{count} byte flips: {type(exc).__name__}: {exc}")
    lines = [
        f"D1 corrupt-DB cases {len(corruption.KINDS)} kinds x {args.seeds} seeds: "
        f"{detected}/{injected} detected, {quarantined} moved aside unchanged, "
        f"{restored} restored from a verified backup, {crashes} crashes",
        f"D1 random byte flips (1/10/100) x {args.seeds} seeds: {flips_detected}/{flips} "
        f"detected, {flips_harmless} invisible to SQLite and the store still opens, "
        f"{flip_crashes} crashes",
    ]
    lines.extend(f"    ! {problem}" for problem in problems[:5])
    return lines, detected == injected and crashes == 0 and flip_crashes == 0


def _conditions(workdir: Path) -> tuple[list[str], bool]:
    results = []
    for index, scenario in enumerate(conditions.SCENARIOS):
        folder = workdir / f"condition-{index}"
        folder.mkdir(parents=True)
        results.append(scenario(folder))
    ran = [r for r in results if not r.skipped]
    handled = [r for r in ran if r.handled]
    named = [r for r in ran if r.names_problem]
    lines = [f"F1-F5 disk full / read-only / locked: {len(ran)} injected, {len(handled)} clear "
             f"errors with data intact and a later save, {len(named)} messages name the "
             f"problem, {sum(r.crashed for r in ran)} crashes"]
    for result in results:
        state = "skipped: " + result.skipped if result.skipped else (
            ("ok" if result.handled else "NOT HANDLED")
            + ("" if result.names_problem else f", message does not name it: {result.message!r}"))
        lines.append(f"    {result.name}: {state}")
    return lines, len(handled) == len(ran)


def _hostile(workdir: Path) -> tuple[list[str], bool]:
    tallies = hostile.run_battery(workdir)
    total = hostile.Tally()
    lines = []
    for name, tally in tallies.items():
        total.merge(tally)
        lines.append(f"    {name}: {tally.tried} tried, {tally.stored_verbatim} stored verbatim, "
                     f"{tally.stored_normalised} normalised, {tally.clear_errors} refused "
                     f"clearly, {tally.crashes} crashes")
    head = (f"I1/I2 bad inputs {total.tried} tried: {total.clear_errors} clear errors, "
            f"{total.stored_verbatim + total.stored_normalised} stored, "
            f"{total.crashes} crashes")
    problems = [f"    ! {p}" for p in total.problems[:5]]
    return [head, *lines, *problems], total.crashes == 0


def _leaks(workdir: Path) -> tuple[list[str], bool]:
    lines, ok = [], True
    for encrypted in (False, True):
        report = leaks.scan(workdir / f"leak-{int(encrypted)}", encrypted=encrypted)
        label = "with a data key" if encrypted else "without a data key"
        lines.append(f"S2/S6 canary ({label}): {report.files_scanned} files scanned, "
                     f"{len(report.leaks)} hits outside the exports "
                     f"({report.exported_with_marker} in exported documents, as intended)")
        lines.extend(f"    - {leak}" for leak in report.leaks[:6])
        if encrypted:
            ok = not report.leaks
    fresh = cli.scan(workdir / "cli-fresh")
    lines.append(fresh.line())
    lines.extend(f"    ! {problem}" for problem in [*fresh.plaintext, *fresh.verbs_failed,
                                                    *fresh.refused_left][:6])
    emptied = cli.emptied_database(workdir / "cli-emptied")
    lines.append(emptied.line())
    lines.extend(f"    ! {problem}" for problem in [*emptied.started_over,
                                                    *emptied.unnamed][:6])
    return lines, ok and fresh.met and emptied.met


def _tamper(workdir: Path) -> tuple[list[str], bool]:
    original = tamper.audited_store(workdir / "audited")
    detectable = [case for case in tamper.CASES if case.detectable]
    found = 0
    missed: list[str] = []
    for case in tamper.CASES:
        detected, _message = tamper.tamper_copy(original, workdir / "tamper", case)
        if case.detectable:
            found += detected
            if not detected:
                missed.append(case.name)
    refused, attempts = tamper.guards_refuse(original, workdir / "guards")
    undetectable = [case.name for case in tamper.CASES if not case.detectable]
    lines = [f"A3 audit tamper cases: {found}/{len(detectable)} detected; A2 guards refused "
             f"{refused}/{attempts} changes; by design not detectable without an outside "
             f"anchor: {', '.join(undetectable)}"]
    lines.extend(f"    ! missed: {name}" for name in missed)
    return lines, found == len(detectable) and refused == attempts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLs, plain store")
    parser.add_argument("--encrypted-kills", type=int, default=100,
                        help="SIGKILLs with field encryption on (0: skip)")
    parser.add_argument("--creation", type=int, default=30,
                        help="SIGKILLs during the very first start (0: skip)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per corruption kind")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    # The app's warnings (backup skipped, database moved aside…) are expected here by the
    # hundred; the figures are the output.
    logging.getLogger().addHandler(logging.NullHandler())
    started = time.perf_counter()
    sections: list[tuple[str, list[str], bool]] = []
    with tempfile.TemporaryDirectory(prefix="rekvirent-faults-") as tmp:
        workdir = Path(tmp)
        # The crash loop forks: run it first, before anything else could start a thread.
        for title, run in (("Faults", lambda: _crash(args, workdir)),
                           ("Corruption", lambda: _corruption(args, workdir)),
                           ("Conditions", lambda: _conditions(workdir)),
                           ("Inputs", lambda: _hostile(workdir)),
                           ("Leaks", lambda: _leaks(workdir)),
                           ("Audit", lambda: _tamper(workdir))):
            lines, ok = run()
            sections.append((title, lines, ok))
    print(f"Rekvirent fault scoreboard (seed {args.seed})")
    for title, lines, ok in sections:
        print(f"{title + ':':<12}{'met' if ok else 'NOT MET'}")
        for line in lines:
            print(f"  {line}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if all(ok for _title, _lines, ok in sections) else 1


if __name__ == "__main__":
    sys.exit(main())
