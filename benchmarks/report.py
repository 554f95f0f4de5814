"""``python -m benchmarks.report [FILE]``: the results JSON as the Markdown table of
docs/performance.md (default ``benchmarks/results/latest.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _value(number: float | None, unit: str) -> str:
    if number is None:
        return "—"
    return f"{number:,.1f} {unit}" if unit == "MiB" else f"{number:,.2f} ms"


def table(result: dict[str, object]) -> str:
    rows = ["| figure | median | p99 | floor | ratio | target | met |",
            "|---|---|---|---|---|---|---|"]
    figures = result["figures"]
    assert isinstance(figures, list)
    for f in figures:
        unit = "MiB" if "MiB" in f["note"] else "ms"
        met = {True: "yes", False: "**no**", None: "?"}[f["met"]]
        ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}"
        rows.append(f"| {f['name']} | {_value(f['median_ms'], unit)} | "
                    f"{_value(f['p99_ms'], unit)} | {_value(f['floor_ms'], unit)} | {ratio} | "
                    f"{f['target']} | {met} |")
    load = result.get("load_average", {})
    assert isinstance(load, dict)
    rows += ["", f"Load average (1, 5, 15 min) before {load.get('before')}, after "
                 f"{load.get('after')}; measured {result.get('measured_at')} – "
                 f"{result.get('finished_at')}; `{result.get('command')}`."]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else ROOT / "benchmarks" / "results" / "latest.json"
    print(table(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
