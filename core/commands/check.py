"""`python main.py check` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
import sys

HELP = "check"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs="*")


def run(args: argparse.Namespace) -> int:
    print("not implemented yet", file=sys.stderr)
    return 2
