"""``python -m core.content``: check every shipped pathway and withdrawal-scale file against its
schema and record the digests of those that pass (``resources/pathways/checked.json`` and
``resources/scales/checked.json``), so the app need not load jsonschema at start-up.  Run it
after editing a pathway or scale file or a schema."""

from __future__ import annotations

import sys

from core.content.loader import ContentError, write_checked_manifest
from core.content.scales import scales_dir


def main() -> int:
    try:
        target = write_checked_manifest()
    except ContentError as exc:
        print(f"Not recorded: {exc}", file=sys.stderr)
        return 1
    print(f"Recorded {scales_dir() / 'checked.json'}")
    print(f"Recorded {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
