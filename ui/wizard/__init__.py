"""The consultation wizard: one window per open case, one page per step.

Importing this package loads only Qt and the pure core (no SQLAlchemy, no reportlab); storage
is handed in by the start window, and the journal preview imports the documents lazily.
"""
