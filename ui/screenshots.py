"""`python main.py screenshots DIR` (placeholder until the wizard lands)."""

from __future__ import annotations

import argparse
import sys

HELP = "screenshots"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory")


def run(args: argparse.Namespace) -> int:
    print("not implemented yet", file=sys.stderr)
    return 2
