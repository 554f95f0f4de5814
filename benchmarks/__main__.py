"""``python -m benchmarks [--quick] [--json FILE] [--only NAME ...]``

Prints a table (median, p99, floor, ratio, target, verdict) and writes the figures as JSON
(default ``benchmarks/results/latest.json``).  Each figure that has a floor in issue 7 gets it
measured in the same run, because absolute times drift on shared machines.
"""

from __future__ import annotations

import argparse
import contextlib
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
from typing import Any

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


#: Seconds a launched app may take to print its line before the run gives up on it.
LAUNCH_TIMEOUT = 60.0


def _first_line_time(cmd: list[str], env: dict[str, str],
                     timeout: float = LAUNCH_TIMEOUT) -> float:
    """Seconds from spawning ``cmd`` until it prints its first line (its first paint).

    A process that prints nothing in ``timeout`` seconds — one waiting in a dialog, say — is
    killed and reported, never waited for forever.
    """
    import selectors

    start = time.perf_counter()
    with subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as proc:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout)
        line = proc.stdout.readline() if ready else ""
        elapsed = time.perf_counter() - start
        try:
            proc.wait(timeout=timeout if line else 0.1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if not line:
        raise RuntimeError(f"{' '.join(cmd[1:])} printed nothing within {timeout:.0f} s "
                           f"(exit {proc.returncode}; waiting in a dialog?)")
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
                   _ms(floor.median), round(ratio, 2), "≤ 1.25 × floor", ratio <= 1.25,
                   note="main.py, empty data folder, until the start window's first paint")]


#: The floor's query: what ``Store.list`` reads for the draft list, newest first.
LIST_COLUMNS_SQL = ("SELECT id, patient_name, masked_identity, consultation_date, status, "
                    "updated_at FROM cases ORDER BY updated_at DESC")


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

    def raw_query() -> None:  # the same rows and columns the draft list reads
        conn = sqlite3.connect(db)
        try:
            conn.execute(LIST_COLUMNS_SQL).fetchall()
        finally:
            conn.close()

    raw = repeat(raw_query, runs)
    floor = floor_wizard.median + raw.median
    return [Figure(f"launch → draft list usable ({drafts:,} drafts)", _ms(app.median),
                   _ms(app.p99), runs, _ms(floor), round(app.median / floor, 2),
                   "≤ 1.0 s median", app.median <= 1.0,
                   note="main.py: start-up check, key from the keyring (the run's file "
                        "keyring), encrypted store opened, list filled")]


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
    """Build and render consent, plan and journal (warm), against the reportlab floor.

    Ours and the floor run alternately, so both see the same load on a shared machine.
    """
    import io

    from pypdf import PdfReader

    from benchmarks.timing import paired
    from core.documents import consent_form, journal_note, treatment_plan
    from core.export import export_documents
    from core.pdf import render

    case, pathway = _full_case()
    created = datetime(2021, 11, 15, tzinfo=UTC)
    builders = (consent_form, treatment_plan, journal_note)

    def export() -> None:
        for build in builders:
            render(build(case, pathway, "nb"), creation_date=created)  # type: ignore[operator]

    pages = tuple(len(PdfReader(io.BytesIO(render(
        build(case, pathway, "nb"), creation_date=created))).pages)  # type: ignore[operator]
        for build in builders)
    floor = ExportFloor(pages)
    sample, floor_sample = paired(export, floor.build, runs, warmup=2)
    ratio = sample.median / floor_sample.median
    with tempfile.TemporaryDirectory(prefix="rekvirent-bench-pdf-") as tmp:
        to_files = repeat(lambda: export_documents(case, pathway, Path(tmp),  # type: ignore[arg-type]
                                                   creation_date=created), max(3, runs // 2))
    return [Figure("export consent + plan + journal PDFs (warm)", _ms(sample.median),
                   _ms(sample.p99), runs, _ms(floor_sample.median), round(ratio, 2),
                   "≤ 400 ms and ≤ 1.5 × floor", sample.median <= 0.4 and ratio <= 1.5,
                   note=f"pages {'+'.join(map(str, pages))}; floor: the same page counts "
                        f"filled with body text and headings in the same two DejaVu faces; "
                        f"export_documents() with atomic file writes "
                        f"{_ms(to_files.median)} ms")]


def bench_course_export(runs: int) -> list[Figure]:
    """Build and render follow-up sheet + contact card + taper plan of the 10-day opioid
    course (warm), against the reportlab floor with the same page counts and page sizes."""
    import io

    from pypdf import PdfReader

    from benchmarks.timing import paired
    from core import casefile
    from core.content import load_library
    from core.documents.contact_card import contact_card
    from core.documents.followup_sheet import followup_sheet
    from core.documents.taper_plan import taper_plan
    from core.pdf import render
    from core.pdf.render import GEOMETRIES

    case = casefile.read(ROOT / "resources" / "examples" / "forlop-opioid-nedtrapping.json")
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    created = datetime(2021, 11, 15, tzinfo=UTC)
    today = datetime(2021, 11, 26, tzinfo=UTC).date()
    builders = (followup_sheet, contact_card, taper_plan)

    def export() -> None:
        for build in builders:
            render(build(case, pathway, "nb", today=today),  # type: ignore[operator]
                   creation_date=created)

    documents = [build(case, pathway, "nb", today=today)  # type: ignore[operator]
                 for build in builders]
    pages = tuple(len(PdfReader(io.BytesIO(render(d, creation_date=created))).pages)
                  for d in documents)
    sizes = tuple((GEOMETRIES[d.page_size].page_width, GEOMETRIES[d.page_size].page_height)
                  for d in documents)
    floor = ExportFloor(pages, sizes)
    sample, floor_sample = paired(export, floor.build, runs, warmup=2)
    ratio = sample.median / floor_sample.median
    return [Figure("export follow-up sheet + contact card + taper plan (warm)",
                   _ms(sample.median), _ms(sample.p99), runs, _ms(floor_sample.median),
                   round(ratio, 2), "≤ 1.5 × floor", ratio <= 1.5,
                   note=f"10-day opioid course; pages {'+'.join(map(str, pages))} "
                        f"(A4 landscape, A5, A4); floor: the same page counts and sizes "
                        f"filled with body text and headings in the same two DejaVu faces")]


def bench_in_fresh_process(name: str, *args: object) -> list[Figure]:
    """Run ``name(*args)`` in a new interpreter: the heap left by the other figures (10,000
    draft summaries, Qt) would otherwise slow the garbage collector in whichever of figure
    and floor allocates more."""
    code = (f"import json, dataclasses, benchmarks.__main__ as b; "
            f"print(json.dumps([dataclasses.asdict(f) for f in b.{name}(*{args!r})]))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.splitlines()[-1]
    return [Figure(**f) for f in json.loads(out)]


class ExportFloor:
    """Floor for the export: plain reportlab documents of the same size with the same fonts.

    Each document has as many pages as ours and is filled to the last page with body
    paragraphs in DejaVu Sans and a heading in DejaVu Sans Bold every four paragraphs (the two
    faces our documents embed; no Helvetica).  It runs with the same reportlab settings as
    our renderer (``core.pdf.render`` has set them up by then: no ASCII85 stream encoding).
    The paragraph counts are found once, before anything is timed.
    """

    TEXT = ("Du får et legemiddel som demper abstinens og russug mens du er i isolering. "
            "Ta det bare slik legen har sagt, og aldri sammen med alkohol. ") * 3

    def __init__(self, page_counts: tuple[int, ...],
                 page_sizes: tuple[tuple[float, float], ...] | None = None) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle

        from core.pdf.render import BOLD, REGULAR, _register_fonts

        _register_fonts()
        self.regular = REGULAR
        self.body = ParagraphStyle("floor-body", fontName=REGULAR, fontSize=11, leading=15)
        self.heading = ParagraphStyle("floor-heading", fontName=BOLD, fontSize=13,
                                      leading=17)
        #: The page size of each document (A4 portrait unless given: the course documents
        #: add landscape A4 and A5, and the floor uses the same sizes).
        self.sizes = list(page_sizes or [A4] * len(page_counts))
        self.paragraphs = [self._fill(pages, size)
                           for pages, size in zip(page_counts, self.sizes, strict=True)]

    def document(self, paragraphs: int, pagesize: tuple[float, float] | None = None) -> bytes:
        import io

        from reportlab.lib.pagesizes import A4
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=pagesize or A4, initialFontName=self.regular,
                                invariant=1)
        story: list[object] = []
        for i in range(paragraphs):
            if i % 4 == 0:
                story.append(Paragraph(f"Del {i // 4 + 1}", self.heading))
            story += [Paragraph(self.TEXT, self.body), Spacer(1, 6)]
        doc.build(story)
        return buffer.getvalue()

    def _pages(self, paragraphs: int, pagesize: tuple[float, float]) -> int:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(self.document(paragraphs, pagesize))).pages)

    def _fill(self, pages: int, pagesize: tuple[float, float]) -> int:
        """The most paragraphs that still make exactly ``pages`` pages."""
        count = 1
        while self._pages(count + 1, pagesize) <= pages:
            count += 1
        return count

    def build(self) -> None:
        for paragraphs, size in zip(self.paragraphs, self.sizes, strict=True):
            self.document(paragraphs, size)


# ---------------------------------------------------------------------------------------
# Storage: autosave and search with many drafts
# ---------------------------------------------------------------------------------------


def synthetic_identity(i: int) -> str:
    """A valid *synthetic* fødselsnummer (month + 80, as in Skatteetaten's Tenor test data):
    never a real person's number, yet with correct check digits so the drafts look real."""
    from datetime import date, timedelta

    birth = date(1950, 1, 1) + timedelta(days=(i * 37) % 18_000)
    stem = f"{birth.day:02d}{birth.month + 80:02d}{birth.year % 100:02d}"
    for individual in range(i % 500, i % 500 + 500):
        digits = [int(c) for c in f"{stem}{individual % 500:03d}"]
        k1 = 11 - sum(w * d for w, d in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), digits,
                                                strict=True)) % 11
        k1 = 0 if k1 == 11 else k1
        if k1 == 10:
            continue
        k2 = 11 - sum(w * d for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), [*digits, k1],
                                                strict=True)) % 11
        k2 = 0 if k2 == 11 else k2
        if k2 != 10:
            return "".join(map(str, digits)) + f"{k1}{k2}"
    raise AssertionError("no valid individual number")  # pragma: no cover


def make_drafts(data_dir: Path, count: int) -> None:
    """Fill a database with ``count`` synthetic drafts (once per run), as the app opens it.

    Names, synthetic identity numbers and consultation dates vary, so searches match a
    realistic share of the drafts rather than all or none.
    """
    from datetime import date, timedelta

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
            case.patient.identity_number = synthetic_identity(i)
            case.consultation.date = date(2021, 1, 1) + timedelta(days=i % 1500)
            case.status = "exported" if i % 7 == 0 else "draft"
            store.save(case)
    finally:
        store.close()


def prepare_folders(app_dir: Path, full_dir: Path, drafts: int) -> str:
    """``drafts`` synthetic drafts in ``app_dir``, encrypted with a keyring key as the app
    leaves them, and a copy in ``full_dir`` for the in-process figures; returns how they are
    stored."""
    import shutil

    from benchmarks.storage import encryption_off, open_bench_store

    make_drafts(app_dir, drafts)
    if encryption_off():  # the in-process figures without encryption, the app as it is
        full_dir.mkdir()
        make_drafts(full_dir, drafts)
    store, encryption = open_bench_store(app_dir)
    store.close()
    if not encryption_off():
        shutil.copytree(app_dir, full_dir)
    return encryption


def bench_storage(runs: int, data_dir: Path, drafts: int) -> list[Figure]:
    """Autosave: one ``Store.save`` of an edited case (serialise, encrypt if on, commit)."""
    import sqlite3

    from benchmarks.storage import open_bench_store
    from core import casefile

    store, encryption = open_bench_store(data_dir)
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

    from datetime import UTC, datetime, timedelta

    from core.course.model import DoseGiven, FollowUpEntry, Observer

    first_entry = datetime(2021, 11, 15, 8, tzinfo=UTC)

    def followup() -> None:  # a nurse's routine entry: one sealed row, audited
        state["n"] += 1
        store.course.add(case.id, FollowUpEntry(
            at=first_entry + timedelta(hours=8 * state["n"]),
            observer=Observer(name="Sykepleier Siri Prøve", role="nurse"), form="home_visit",
            doses=[DoseGiven(drug="buprenorphine_naloxone", dose="16", status="given",
                             supervised=True)],
            intoxication="none", overdose="none", adherence="kept", observation_minutes=30,
            note="Rolig, ingen tegn til rus."))

    entry = repeat(followup, runs * 10, warmup=5)
    payload = casefile.dumps(case)
    conn = sqlite3.connect(data_dir / "floor.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, payload TEXT)")

    def raw_commit() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", ("x", payload))
        conn.execute("COMMIT")

    floor = repeat(raw_commit, runs * 10, warmup=5)
    search = repeat(lambda: store.list("kari"), runs, warmup=1)
    store.close()
    conn.close()
    return [
        Figure(f"field edit → autosave committed ({drafts:,} drafts)", _ms(save.median),
               _ms(save.p99), len(save.values), _ms(floor.median),
               round(save.median / floor.median, 2), "p99 ≤ 5 ms", save.p99 <= 0.005,
               note=f"encryption: {encryption}; floor p99 {_ms(floor.p99)} ms "
                    f"(raw WAL commit, synchronous=FULL); store.list('kari') alone "
                    f"{_ms(search.median)} ms"),
        Figure(f"follow-up entry saved ({drafts:,} drafts)", _ms(entry.median),
               _ms(entry.p99), len(entry.values), _ms(floor.median),
               round(entry.median / floor.median, 2), "p99 ≤ 5 ms", entry.p99 <= 0.005,
               note=f"encryption: {encryption}; store.course.add: one sealed row and its "
                    f"audit entry in one transaction; floor as above"),
    ]


# ---------------------------------------------------------------------------------------
# UI: search, switching steps, stalls, memory
# ---------------------------------------------------------------------------------------


def bench_ui(runs: int, data_dir: Path, drafts: int) -> list[Figure]:
    from benchmarks.ui_session import measure_session

    r = measure_session(runs, data_dir, stall_rounds=max(2, runs // 4))
    enc = f"encryption: {r['encryption']}"
    return [
        Figure(f"search-as-you-type, per keystroke ({r['drafts']:,} drafts)",
               _ms(r["search_median"]), _ms(r["search_p99"]), r["search_runs"], None, None,
               "≤ 50 ms", r["search_p99"] <= 0.05,
               note=f"start window field → model reset → table painted, every key searched "
                    f"(no debounce); max {_ms(r['search_max'])} ms; {enc}"),
        Figure("switch wizard step", _ms(r["step_median"]), _ms(r["step_p99"]), r["step_runs"],
               None, None, "≤ 50 ms", r["step_p99"] <= 0.05,
               note=f"navigator → page painted, incl. the save on step change; max "
                    f"{_ms(r['step_max'])} ms; opening the case {_ms(r['open_case'])} ms"),
        Figure("longest UI-thread stall during export and autosave", _ms(r["stall_max"]),
               _ms(r["stall_max"]), r["stall_rounds"], None, None, "≤ 50 ms",
               r["stall_max"] <= 0.05,
               note=f"5 ms heartbeat; export {_ms(r['stall_export'])} ms (first export, "
                    f"reportlab still to import: {_ms(r['stall_export_first'])} ms), autosave "
                    f"{_ms(r['stall_autosave'])} ms ({r['autosaves']} autosaves); {enc}"),
    ]


def bench_course_view(runs: int) -> list[Figure]:
    """The Forløp view of a 21-day course with three entries a day, opened until painted (in a
    fresh process: its peak resident size is the memory figure of a session with the view)."""
    from benchmarks.course_view import measure, peak_kib

    r = measure(runs)
    view, window = r["view"], r["window"]
    code = "from benchmarks.course_view import one_session; print(one_session())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), check=True)
    peak = int(out.stdout.splitlines()[-1]) / 1024
    repeated = peak_kib() / 1024
    return [
        Figure(f"open the Forløp view ({r['rows']} days, {r['entries']} entries)",
               _ms(view.median), _ms(view.p99), len(view.values), None, None, "≤ 50 ms",
               view.median <= 0.05,
               note=f"new controller (rules) → timeline, findings → view painted at 1366×768; "
                    f"whole case window with the wizard pages {_ms(window.median)} ms"),
        Figure("peak memory, session with the Forløp view", round(peak, 1), round(peak, 1), 1,
               None, None, "≤ 150 MiB", peak <= 150,
               note="VmHWM of a fresh process that opened the case window on the 21-day "
                    "course and each of its forms once; the process that opened it "
                    f"{len(view.values) + 1} times: {repeated:.1f} MiB"),
    ]


#: Run in a fresh process: one session, then the process's own peak resident size.  Read from
#: ``VmHWM``, not ``ru_maxrss``: Linux carries ``ru_maxrss`` across ``execve``, so a child
#: started by this (large) benchmark process would report the parent's peak as its own.
MEMORY_SESSION = """
import json, resource
from benchmarks.ui_session import full_session, shutdown
r = full_session()
try:
    with open("/proc/self/status", encoding="ascii") as status:
        r["peak_kib"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    r["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(r), flush=True)
shutdown()
"""

#: Creates the data folder's database and key in a process of its own, as the first start does.
PREPARE_FOLDER = """
import sys
from pathlib import Path
from benchmarks.storage import open_bench_store
open_bench_store(Path(sys.argv[1]))[0].close()
"""


def _session_peak(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", MEMORY_SESSION], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


def bench_memory(tmp: Path) -> list[Figure]:
    """Peak resident memory of a full session in a fresh process, beside the bare wizard's.

    The figure is a working day's session: the database and key already exist (made by an
    earlier process, as on every day but the first).  The very first start, which also
    creates the database (and so loads Alembic to build the schema), is given in the note.
    """
    data_dir = tmp / "memory"
    data_dir.mkdir()
    env = _launch_env(data_dir)
    env.pop("REKVIRENT_BENCH_FIRST_PAINT", None)
    first = _session_peak(env)  # empty folder: creates the database
    subprocess.run([sys.executable, "-c", PREPARE_FOLDER, str(data_dir)], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    result = _session_peak(env)
    app_kib = int(result["peak_kib"])
    # The floor's own peak: RUSAGE_CHILDREN of a small Python that only starts it.
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
                   "≤ 150 MiB", mib <= 150,
                   note=f"MiB, not ms; existing database; {result['files']} files exported, "
                        f"{result['steps']} steps visited; first start (creates the database): "
                        f"{int(first['peak_kib']) / 1024:.1f} MiB; encryption: "
                        f"{result['encryption']}")]


# ---------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, object] = {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        import PySide6
        from PySide6 import QtCore

        info["pyside6"] = PySide6.__version__
        info["qt"] = QtCore.qVersion()
    except ImportError:
        pass
    for name in ("reportlab", "sqlalchemy", "pydantic"):
        with contextlib.suppress(ImportError, AttributeError):
            info[name] = __import__(name).__version__
    return info


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


STEPS = ("launch", "list", "ui", "storage", "rules", "journal", "export", "course_export",
         "memory", "course")


def run(selected: set[str], runs: int, drafts: int) -> list[Figure]:
    """Measure the ``selected`` figures; a step that fails is reported as a failed figure."""
    from benchmarks import keyring_backend

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="rekvirent-bench-") as tmp:
        # The app keeps its key in the OS keyring; the run's file keyring stands in for it.
        previous_keyring = keyring_backend.use(Path(tmp) / "keyring.json")
        empty_dir = Path(tmp) / "empty"
        app_dir = Path(tmp) / "full"  # opened by main.py as the app opens it
        full_dir = Path(tmp) / "full-encrypted"  # opened in-process, encrypted if supported
        empty_dir.mkdir()
        app_dir.mkdir()
        if selected & {"list", "storage", "ui"}:
            print(f"Lager {drafts:,} syntetiske utkast …", file=sys.stderr)
            print(f"  {prepare_folders(app_dir, full_dir, drafts)}", file=sys.stderr)
        steps: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("launch", lambda: bench_launch(runs, empty_dir)),
            ("list", lambda: bench_launch_with_drafts(max(5, runs // 2), app_dir, drafts)),
            # The UI session comes first in this process, so that its first export imports
            # reportlab and parses the fonts in the worker, as the app's first export does.
            ("ui", lambda: bench_ui(runs, full_dir, drafts)),
            ("storage", lambda: bench_storage(runs, full_dir, drafts)),
            ("rules", lambda: bench_rules(runs * 50)),
            ("journal", lambda: bench_journal(runs * 20)),
            ("export", lambda: bench_in_fresh_process("bench_export", max(5, runs))),
            ("course_export", lambda: bench_in_fresh_process("bench_course_export",
                                                             max(5, runs))),
            ("memory", lambda: bench_memory(Path(tmp))),
            ("course", lambda: bench_in_fresh_process("bench_course_view", runs)),
        ]
        for name, step in steps:
            if name not in selected:
                continue
            print(f"  {name} …", file=sys.stderr)
            try:
                figures += step()
            except Exception as exc:  # a missing piece is reported, not hidden
                figures.append(Figure(name, 0, 0, 0, None, None, "", None,
                                      note=f"failed: {type(exc).__name__}: {exc}"))
        keyring_backend.restore(previous_keyring)
    return figures


def compile_app() -> None:
    """Bytecode for the app's own modules, as ``scripts/setup.sh`` leaves it: measured right
    after an edit (or where ``PYTHONDONTWRITEBYTECODE`` is set, as on the machines here), the
    app would otherwise compile its changed sources in every launched process."""
    import compileall

    for folder in ("core", "ui", "i18n", "benchmarks"):
        compileall.compile_dir(ROOT / folder, quiet=1, workers=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and 500 drafts (a smoke check, not for the table)")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 21)")
    parser.add_argument("--drafts", type=int, default=None,
                        help="drafts in the database (default 10,000; 500 with --quick)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results"
                        / "latest.json")
    parser.add_argument("--only", nargs="*", default=None, choices=STEPS, metavar="NAME",
                        help=", ".join(STEPS))
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 21)
    drafts = args.drafts or (500 if args.quick else 10_000)
    selected = set(args.only or STEPS)
    compile_app()
    load_before = load_average()
    started = datetime.now(UTC)
    began = time.perf_counter()
    figures = run(selected, runs, drafts)
    load_after = load_average()
    _print_table(figures)
    for f in figures:
        if f.note:
            print(f"  {f.name}: {f.note}")
    print(f"load average before {load_before}, after {load_after} "
          f"({os.cpu_count()} CPUs); {time.perf_counter() - began:.0f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "measured_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks", *(argv if argv is not None
                                                       else sys.argv[1:])]),
        "quick": args.quick,
        "runs": runs,
        "drafts": drafts,
        "load_average": {"before": load_before, "after": load_after},
        "machine": machine(),
        "figures": [asdict(f) for f in figures],
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"JSON: {args.json}")
    missed = [f for f in figures if f.met is False or f.note.startswith("failed")]
    if "benchmarks.ui_session" in sys.modules:
        sys.modules["benchmarks.ui_session"].shutdown()
    return 1 if missed else 0


if __name__ == "__main__":
    code = main()
    # The UI session's windows are closed and Qt is shut down by then, yet after full runs
    # the interpreter's final garbage collection has crashed inside a C extension
    # ("none_dealloc").  Everything is written and closed, so leave without that pass.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
