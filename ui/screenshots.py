"""``python main.py screenshots DIR``: every wizard step with an example case, and the Forløp
view with its forms for the course example, as PNG files."""

from __future__ import annotations

import argparse
import os

HELP = "lagre skjermbilder av hvert steg i veiviseren (eksempelsak) som PNG"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="MAPPE")
    parser.add_argument("--size", default="1366x768", help="vindusstørrelse, f.eks. 1366x768")
    parser.add_argument("--case", default=None, help="saksfil (standard: eksempelsaken)")


def run(args: argparse.Namespace) -> int:
    # Offscreen unless a display is asked for: the command must work on a server.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.course import screenshots as course
    from ui.wizard.screenshots import main

    language = getattr(args, "language", None) or "nb"
    argv = [str(args.directory), "--size", args.size, "--language", language]
    if args.case:
        argv += ["--case", args.case]
    result = main(argv)
    # The Forløp view and its forms (the course example; a given case only if its course began).
    course_argv = [str(args.directory), "--size", args.size, "--language", language]
    if args.case:
        course_argv += ["--case", args.case]
    course_result = course.main(course_argv)
    return result or (course_result if not args.case else 0)
