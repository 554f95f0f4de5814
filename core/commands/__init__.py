"""Headless command-line verbs (``python main.py VERB``): one module per verb.

Each module defines ``HELP``, ``configure(parser)`` and ``run(args) -> int``.  Importing a verb
module must stay cheap: heavy libraries are imported inside ``run``.
Exit codes: 0 = done, 1 = done but the case has blockers, 2 = unreadable input or usage error.
"""
