"""The course of treatment after the consultation (see ``docs/course.md``).

``model`` holds the data (``Course`` is ``Case.course``); ``doses`` and ``taper`` the dose
arithmetic; ``lifecycle`` the case status the course implies; ``timeline`` the day-by-day view
and status line; ``entries`` quick entry; ``entryfile`` reading a follow-up entry file.

This package's ``__init__`` imports nothing: :mod:`core.case` imports :mod:`core.course.model`,
and the other modules import :mod:`core.case`.
"""
