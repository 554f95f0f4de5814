"""Rekvirent's benchmark suite (``python -m benchmarks``): figures with floors from the same run.

Not tests: machines here are shared and noisy, so targets are checked and reported, never
asserted in the test suite.  Each figure is measured repeatedly (median and p99) and, where
the issue defines one, divided by a *floor* measured in the same run on the same machine.
"""
