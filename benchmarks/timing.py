"""Small timing helpers: repeat, median, p99."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Sample:
    values: list[float] = field(default_factory=list)  # seconds

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p99(self) -> float:
        ordered = sorted(self.values)
        index = min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))
        return ordered[index]

    @property
    def maximum(self) -> float:
        return max(self.values)


def repeat(fn: Callable[[], object], runs: int, warmup: int = 1) -> Sample:
    for _ in range(warmup):
        fn()
    sample = Sample()
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sample.values.append(time.perf_counter() - start)
    return sample


def paired(a: Callable[[], object], b: Callable[[], object], runs: int,
           warmup: int = 1) -> tuple[Sample, Sample]:
    """Time ``a`` and ``b`` alternately, so that both see the same load (a figure and its
    floor on a machine shared with other jobs)."""
    for _ in range(warmup):
        a()
        b()
    first, second = Sample(), Sample()
    for _ in range(runs):
        for fn, sample in ((a, first), (b, second)):
            start = time.perf_counter()
            fn()
            sample.values.append(time.perf_counter() - start)
    return first, second
