"""The Forløp view: the course of treatment after the consultation (issue 16, part D).

``view`` the day-by-day view and its place in the case window, ``timeline_model`` the table
model it paints, ``followup`` the follow-up form, ``dialogs`` the dose decision, isolation,
taper and evaluation dialogs, ``draft`` the working copy every form edits, ``writer`` the one
seam through which the course is written.
"""
