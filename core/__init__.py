"""Rekvirent's pure-Python core: case model, pathway content, rules, documents and storage.

Nothing in this package imports Qt or :mod:`ui`; ``tests/test_architecture.py`` enforces it.
"""
