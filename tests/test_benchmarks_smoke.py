"""The benchmark suite's entry points run, with tiny counts (behaviour only, never timing).

Speed is measured by ``python -m benchmarks`` (see docs/performance.md), not asserted here:
these tests only make sure every figure can still be produced after the code it drives
has changed — a renamed widget or a new Store argument breaks them, a slow machine does not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from benchmarks import __main__ as bench
from benchmarks import keyring_backend, report
from benchmarks.timing import Sample, paired, repeat
from core.identity import check


@pytest.fixture(autouse=True)
def _bench_keyring(tmp_path: Path) -> Iterator[None]:
    """The benchmarks' file keyring, as ``python -m benchmarks`` sets it up; the keyring in
    use before is put back, so no other test sees it."""
    previous = keyring_backend.use(tmp_path / "keyring.json")
    yield
    keyring_backend.restore(previous)


def test_timing_helpers() -> None:
    calls: list[str] = []
    sample = repeat(lambda: calls.append("x"), 3, warmup=2)
    assert len(calls) == 5 and len(sample.values) == 3
    assert Sample([3.0, 1.0, 2.0]).median == 2.0
    assert Sample([1.0, 2.0, 3.0]).maximum == 3.0
    order: list[str] = []
    first, second = paired(lambda: order.append("a"), lambda: order.append("b"), 2, warmup=0)
    assert order == ["a", "b", "a", "b"]
    assert len(first.values) == len(second.values) == 2


def test_generated_identity_numbers_are_valid_and_synthetic() -> None:
    numbers = {bench.synthetic_identity(i) for i in (0, 1, 2, 499, 500, 9_999)}
    assert len(numbers) == 6
    for number in numbers:
        result = check(number)
        assert result.synthetic and result.valid, number


def test_main_writes_the_table_and_json(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "latest.json"
    bench.main(["--quick", "--runs", "1", "--only", "rules", "journal", "export",
                "--json", str(target)])
    result = json.loads(target.read_text(encoding="utf-8"))
    assert result["measured_at"] and result["finished_at"]
    assert set(result["load_average"]) == {"before", "after"}
    assert result["machine"]["nproc"] and result["machine"]["python"]
    names = [f["name"] for f in result["figures"]]
    assert names == ["rule engine, full mixed case", "journal text, full case",
                     "export consent + plan + journal PDFs (warm)"]
    for figure in result["figures"]:
        assert not figure["note"].startswith("failed"), figure
        assert figure["median_ms"] > 0 and figure["met"] in (True, False)
    export = result["figures"][-1]
    assert export["floor_ms"] > 0 and export["ratio"] > 0
    assert "export consent" in capsys.readouterr().out
    markdown = report.table(result)
    assert markdown.count("\n| ") == 3 and "| export consent" in markdown


def test_export_floor_has_our_page_counts() -> None:
    import io

    from pypdf import PdfReader

    floor = bench.ExportFloor((1, 2))
    pages = [len(PdfReader(io.BytesIO(floor.document(n))).pages) for n in floor.paragraphs]
    assert pages == [1, 2]
    fonts = {str(font) for page in PdfReader(io.BytesIO(floor.document(floor.paragraphs[0])))
             .pages for font in page["/Resources"]["/Font"].values()
             for font in [font.get_object()["/BaseFont"]]}
    assert any("DejaVuSans-Bold" in f for f in fonts) and not any("Helvetica" in f
                                                                 for f in fonts)


def test_storage_figure(tmp_path: Path) -> None:
    plain, encrypted = tmp_path / "plain", tmp_path / "encrypted"
    plain.mkdir()
    assert "AES-256-GCM" in bench.prepare_folders(plain, encrypted, 4)
    assert (encrypted / "key.json").exists()
    figure, entry = bench.bench_storage(1, encrypted, 4)
    assert figure.name.startswith("field edit → autosave") and figure.runs == 10
    assert "AES-256-GCM" in figure.note
    assert entry.name.startswith("follow-up entry saved") and entry.runs == 10
    assert "AES-256-GCM" in entry.note


def test_launch_figures(tmp_path: Path) -> None:
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    bench.prepare_folders(full, tmp_path / "copy", 3)
    [first_paint] = bench.bench_launch(1, empty)
    [listed] = bench.bench_launch_with_drafts(1, full, 3)
    assert first_paint.median_ms > 0 and first_paint.floor_ms
    assert listed.median_ms > 0 and listed.floor_ms


def test_memory_figure(tmp_path: Path) -> None:
    """The session's own peak (not its parent's), on an existing database, nine steps."""
    [figure] = bench.bench_memory(tmp_path)
    assert figure.name.startswith("peak memory") and figure.floor_ms
    assert 0 < figure.floor_ms < figure.median_ms  # MiB here, in the *_ms fields
    assert "existing database" in figure.note and "9 steps visited" in figure.note
    assert "first start (creates the database)" in figure.note
    assert (tmp_path / "memory" / "key.json").exists()


def test_ui_session(qtbot: QtBot, tmp_path: Path) -> None:
    from benchmarks.ui_session import full_session, measure_session

    (tmp_path / "drafts").mkdir()
    bench.prepare_folders(tmp_path / "drafts", tmp_path / "copy", 5)
    result = measure_session(1, tmp_path / "copy", stall_rounds=1, pauses=1)
    assert result["drafts"] == 5
    assert result["search_runs"] > 0 and result["step_runs"] == 9
    assert result["autosaves"] >= 1 and result["stall_rounds"] == 1
    assert result["stall_max"] >= 0
    session = full_session(tmp_path / "session")
    assert session["files"] >= 3
