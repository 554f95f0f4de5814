"""``python -m benchmarks [--quick] [--json FILE] [--only NAME ...]``

Prints a table (median, p99, floor, ratio, target, verdict) and writes the figures as JSON
(default ``benchmarks/results/latest.json``).  Each figure that has a floor in issue 7 gets it
measured in the same run, because absolute times drift on shared machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.timing import Sample, repeat

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Figure:
    name: str
    median_ms: float
    p99_ms: float
    runs: int
    floor_ms: float | None
    ratio: float | None
    target: str
    met: bool | None
    note: str = ""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


# ---------------------------------------------------------------------------------------
# Launch
# ---------------------------------------------------------------------------------------


def _first_line_time(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``cmd`` until it prints its first line (its first paint)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.wait(timeout=60)
    if not line:
        raise RuntimeError(f"{cmd} printed nothing (exit {proc.returncode})")
    return elapsed


def _launch_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", REKVIRENT_DATA_DIR=str(data_dir),
               REKVIRENT_BENCH_FIRST_PAINT="1")
    return env


def bench_launch(runs: int, data_dir: Path) -> list[Figure]:
    env = _launch_env(data_dir)
    floor = Sample([_first_line_time([sys.executable, "benchmarks/floor_wizard.py"], env)
                    for _ in range(runs)])
    app = Sample([_first_line_time([sys.executable, "main.py"], env) for _ in range(runs)])
    ratio = app.median / floor.median
    return [Figure("launch → first window painted", _ms(app.median), _ms(app.p99), runs,
                   _ms(floor.median), round(ratio, 2), "≤ 1.25 × floor", ratio <= 1.25)]


def bench_launch_with_drafts(runs: int, data_dir: Path, drafts: int) -> list[Figure]:
    """Process start → draft list filled and usable, with ``drafts`` drafts stored."""
    import sqlite3

    env = _launch_env(data_dir)
    env["REKVIRENT_BENCH_FIRST_PAINT"] = ""
    env["REKVIRENT_BENCH_LIST_READY"] = "1"
    app = Sample([_first_line_time([sys.executable, "main.py"], env) for _ in range(runs)])
    floor_wizard = Sample([_first_line_time([sys.executable, "benchmarks/floor_wizard.py"],
                                            _launch_env(data_dir)) for _ in range(runs)])
    db = data_dir / "rekvirent.sqlite3"

    def raw_query() -> None:
        with sqlite3.connect(db) as conn:
            conn.execute("SELECT * FROM cases ORDER BY updated_at DESC").fetchall()

    raw = repeat(raw_query, runs)
    floor = floor_wizard.median + raw.median
    return [Figure(f"launch → draft list usable ({drafts:,} drafts)", _ms(app.median),
                   _ms(app.p99), runs, _ms(floor), round(app.median / floor, 2),
                   "≤ 1.0 s median", app.median <= 1.0)]


# ---------------------------------------------------------------------------------------
# Core: rules, journal text, documents
# ---------------------------------------------------------------------------------------


def _full_case() -> tuple[object, object]:
    from core import casefile
    from core.content import load_library

    example = ROOT / "resources" / "examples" / "blandet-opioid-benzo-stimulant.json"
    case = casefile.read(example)
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    return case, pathway


def bench_rules(runs: int) -> list[Figure]:
    from core.rules import evaluate

    case, pathway = _full_case()
    sample = repeat(lambda: evaluate(case, pathway), runs, warmup=20)  # type: ignore[arg-type]
    return [Figure("rule engine, full mixed case", _ms(sample.median), _ms(sample.p99), runs,
                   None, None, "median ≤ 1 ms", sample.median <= 0.001)]


def bench_journal(runs: int) -> list[Figure]:
    from core.documents import journal_note
    from core.documents.model import to_text

    case, pathway = _full_case()
    sample = repeat(lambda: to_text(journal_note(case, pathway, "nb")), runs,  # type: ignore[arg-type]
                    warmup=10)
    return [Figure("journal text, full case", _ms(sample.median), _ms(sample.p99), runs,
                   None, None, "median ≤ 5 ms", sample.median <= 0.005)]


def bench_export(runs: int) -> list[Figure]:
    import io

    from pypdf import PdfReader

    from core.documents import consent_form, journal_note, treatment_plan
    from core.pdf import render

    case, pathway = _full_case()
    created = datetime(2021, 11, 15, tzinfo=UTC)
    builders = (consent_form, treatment_plan, journal_note)

    def export() -> None:
        for build in builders:
            render(build(case, pathway, "nb"), creation_date=created)  # type: ignore[operator]

    # The floor builds documents with the same number of pages as ours.
    pages = tuple(len(PdfReader(io.BytesIO(render(
        build(case, pathway, "nb"), creation_date=created))).pages)  # type: ignore[operator]
        for build in builders)
    sample = repeat(export, runs, warmup=2)
    floor = repeat(lambda: _reportlab_floor_documents(pages), runs, warmup=2)
    ratio = sample.median / floor.median
    return [Figure("export consent + plan + journal PDFs (warm)", _ms(sample.median),
                   _ms(sample.p99), runs, _ms(floor.median), round(ratio, 2),
                   "≤ 400 ms and ≤ 1.5 × floor", sample.median <= 0.4 and ratio <= 1.5)]


def _reportlab_floor_documents(page_counts: tuple[int, ...]) -> None:
    """Floor: reportlab builds three documents of similar size with the same embedded font."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    fonts = sorted((ROOT / "resources" / "fonts").glob("*.ttf"))
    if "FloorSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("FloorSans", str(fonts[0])))
    style = ParagraphStyle("body", fontName="FloorSans", fontSize=11, leading=15)
    text = ("Du får et legemiddel som demper abstinens og russug mens du er i isolering. "
            "Ta det bare slik legen har sagt, og aldri sammen med alkohol. ") * 3
    for pages in page_counts:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4)
        story = []
        for _ in range(pages * 14):
            story += [Paragraph(text, style), Spacer(1, 6)]
        doc.build(story)


# ---------------------------------------------------------------------------------------
# Storage: autosave and search with many drafts
# ---------------------------------------------------------------------------------------


def make_drafts(data_dir: Path, count: int) -> None:
    """Fill a database with ``count`` synthetic drafts (once per run)."""
    from core import casefile
    from core.storage import Store

    template = casefile.read(ROOT / "resources" / "examples" / "opioid-komplett.json")
    store = Store.open(data_dir=data_dir)
    first = ["Kari", "Ola", "Åse", "Øystein", "Ærlend", "Siri", "Nils", "Ingrid"]
    last = ["Syntetisk", "Testesen", "Prøvesen", "Fiktiv", "Dummy", "Øvelse"]
    try:
        for i in range(count):
            case = template.model_copy(deep=True)
            case.id = f"{i:032x}"
            case.patient.name = f"{first[i % 8]} {last[i % 6]} {i}"
            store.save(case)
    finally:
        store.close()


def bench_storage(runs: int, data_dir: Path, drafts: int) -> list[Figure]:
    import sqlite3

    from core import casefile
    from core.storage import Store

    store = Store.open(data_dir=data_dir)
    case = casefile.read(ROOT / "resources" / "examples" / "opioid-komplett.json")
    case.id = "f" * 32
    version = store.save(case)
    state = {"version": version, "n": 0}

    def autosave() -> None:
        state["n"] += 1
        case.notes = f"endring {state['n']}"
        case.touch()
        state["version"] = store.save(case, expected_version=state["version"])

    save = repeat(autosave, runs * 10, warmup=5)
    payload = casefile.dumps(case)
    conn = sqlite3.connect(data_dir / "floor.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, payload TEXT)")

    def raw_commit() -> None:
        conn.execute("BEGIN")
        conn.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", ("x", payload))
        conn.execute("COMMIT")

    floor = repeat(raw_commit, runs * 10, warmup=5)
    queries = ["k", "ka", "kar", "kari", "øy", "øys", "ærl", "1588", "15.11"]

    def search_all() -> None:
        for q in queries:
            store.list(q)

    search = repeat(search_all, runs, warmup=1)
    per_key = Sample([v / len(queries) for v in search.values])
    store.close()
    conn.close()
    return [
        Figure(f"field edit → autosave committed ({drafts:,} drafts)", _ms(save.median),
               _ms(save.p99), len(save.values), _ms(floor.median),
               round(save.median / floor.median, 2), "p99 ≤ 5 ms", save.p99 <= 0.005),
        Figure(f"search-as-you-type, per keystroke ({drafts:,} drafts)", _ms(per_key.median),
               _ms(per_key.p99), runs, None, None, "≤ 50 ms", per_key.p99 <= 0.05),
    ]


# ---------------------------------------------------------------------------------------
# UI: switching steps, stalls, memory
# ---------------------------------------------------------------------------------------


def bench_ui(runs: int, data_dir: Path) -> list[Figure]:
    from benchmarks.ui_session import measure_session

    result = measure_session(runs, data_dir)
    return [
        Figure("switch wizard step", _ms(result["step_median"]), _ms(result["step_p99"]),
               result["step_runs"], None, None, "≤ 50 ms", result["step_p99"] <= 0.05),
        Figure("longest UI-thread stall during export and autosave", _ms(result["stall_max"]),
               _ms(result["stall_max"]), 1, None, None, "≤ 50 ms", result["stall_max"] <= 0.05),
    ]


def bench_memory(data_dir: Path) -> list[Figure]:
    env = _launch_env(data_dir)
    env.pop("REKVIRENT_BENCH_FIRST_PAINT", None)
    code = ("import resource, sys; sys.argv=['x']; from benchmarks.ui_session import "
            "full_session; full_session(); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    app_kib = int(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=True).stdout.split()[-1])
    floor_kib = int(subprocess.run(
        [sys.executable, "-c",
         "import resource, subprocess, sys; "
         "subprocess.run([sys.executable, 'benchmarks/floor_wizard.py'], check=True, "
         "stdout=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.split()[-1])
    mib = app_kib / 1024
    return [Figure("peak memory, full session (open, fill, export)", round(mib, 1),
                   round(mib, 1), 1, round(floor_kib / 1024, 1), round(app_kib / floor_kib, 2),
                   "≤ 150 MiB", mib <= 150, note="MiB, not ms")]


# ---------------------------------------------------------------------------------------


def _print_table(figures: list[Figure]) -> None:
    header = f"{'figure':58} {'median':>10} {'p99':>10} {'floor':>10} {'ratio':>6}  target"
    print(header)
    print("-" * len(header))
    for f in figures:
        unit = "MiB" if "MiB" in f.note else "ms"
        floor = "" if f.floor_ms is None else f"{f.floor_ms:.1f}"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        verdict = {True: "ok", False: "MISSED", None: "?"}[f.met]
        print(f"{f.name:58} {f.median_ms:>8.2f}{unit:>2} {f.p99_ms:>8.2f}{unit:>2} "
              f"{floor:>10} {ratio:>6}  {f.target} [{verdict}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke check)")
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results"
                        / "latest.json")
    parser.add_argument("--only", nargs="*", default=None,
                        help="launch, list, rules, journal, export, storage, ui, memory")
    args = parser.parse_args(argv)
    runs = 5 if args.quick else 21
    drafts = 500 if args.quick else args.drafts
    selected = set(args.only or ["launch", "list", "rules", "journal", "export", "storage",
                                 "ui", "memory"])
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="rekvirent-bench-") as tmp:
        empty_dir = Path(tmp) / "empty"
        full_dir = Path(tmp) / "full"
        empty_dir.mkdir()
        full_dir.mkdir()
        if selected & {"list", "storage"}:
            print(f"Lager {drafts:,} syntetiske utkast …", file=sys.stderr)
            make_drafts(full_dir, drafts)
        steps: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("launch", lambda: bench_launch(runs, empty_dir)),
            ("list", lambda: bench_launch_with_drafts(max(5, runs // 2), full_dir, drafts)),
            ("rules", lambda: bench_rules(runs * 50)),
            ("journal", lambda: bench_journal(runs * 20)),
            ("export", lambda: bench_export(max(5, runs // 2))),
            ("storage", lambda: bench_storage(runs, full_dir, drafts)),
            ("ui", lambda: bench_ui(runs, empty_dir)),
            ("memory", lambda: bench_memory(empty_dir)),
        ]
        for name, step in steps:
            if name not in selected:
                continue
            try:
                figures += step()
            except Exception as exc:  # a missing piece is reported, not hidden
                figures.append(Figure(name, 0, 0, 0, None, None, "", None,
                                      note=f"failed: {type(exc).__name__}: {exc}"))
    _print_table(figures)
    for f in figures:
        if f.note.startswith("failed"):
            print(f"  {f.name}: {f.note}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "figures": [asdict(f) for f in figures],
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    missed = [f for f in figures if f.met is False or f.note.startswith("failed")]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
