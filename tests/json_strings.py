"""Every string inside parsed JSON (dict values and list items, depth first), for tests that
check texts wherever they sit in a pathway file, a case or a catalog."""

from __future__ import annotations

from collections.abc import Iterator


def json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
