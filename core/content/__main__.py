"""``python -m core.content``: check every shipped pathway file against the schema and record
the digests of those that pass (``resources/pathways/checked.json``), so the app need not
load jsonschema at start-up.  Run it after editing a pathway file or the schema."""

from __future__ import annotations

import sys

from core.content.loader import ContentError, write_checked_manifest


def main() -> int:
    try:
        target = write_checked_manifest()
    except ContentError as exc:
        print(f"Not recorded: {exc}", file=sys.stderr)
        return 1
    print(f"Recorded {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
