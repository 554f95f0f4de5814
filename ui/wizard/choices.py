"""The words shown for the case model's fixed choices (``Literal`` values), as msgids.

Each table is ``(value, msgid)`` in display order; :func:`translated` turns it into the
``(value, label)`` pairs a :class:`~ui.wizard.widgets.ChoiceCombo` or radio group shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from i18n import N_, _

Choices = Sequence[tuple[object, str]]

CONSULTATION_FORM = (
    ("physical", N_("In person")),
    ("video", N_("Video")),
    ("phone", N_("Phone")),
)
DOCUMENT_LANGUAGE = (
    ("nb", N_("Norwegian Bokmål")),
    ("nn", N_("Norwegian Nynorsk")),
)
DIAGNOSED_BY = (
    ("specialist", N_("Specialist in addiction medicine")),
    ("gp_supervised", N_("GP guided by such a specialist")),
)
SPECIALIST_CHANNEL = (
    ("phone", N_("Phone")),
    ("video", N_("Video")),
    ("meeting", N_("Meeting")),
    ("written", N_("In writing")),
)
SERVICE_LEVEL = (
    ("primary", N_("Primary health care")),
    ("specialist", N_("Specialist health service")),
)
QUARANTINE_KIND = (
    ("quarantine", N_("Quarantine")),
    ("isolation", N_("Isolation")),
)
ORDERED_BY = (
    ("municipal_doctor", N_("The municipal doctor")),
    ("contact_tracing", N_("Contact tracing")),
    ("other", N_("Someone else (name below)")),
    ("not_ordered", N_("Nobody: the patient stays at home by own choice")),
)
SEX = (
    ("female", N_("Female")),
    ("male", N_("Male")),
)
YES_NO_UNKNOWN = (
    ("unknown", N_("Unknown")),
    ("yes", N_("Yes")),
    ("no", N_("No")),
)
PREGNANCY = (
    ("not_relevant", N_("Not relevant")),
    ("not_pregnant", N_("Not pregnant")),
    ("possible", N_("Possibly pregnant")),
    ("pregnant", N_("Pregnant")),
    ("unknown", N_("Unknown (not clarified yet)")),
)
LAR_REFERRAL = (
    ("wanted", N_("Wants a referral to LAR")),
    ("not_wanted", N_("Does not want LAR")),
    ("not_relevant", N_("Not relevant")),
    ("already_in_lar", N_("Already in LAR")),
)
CAPACITY = (
    ("full", N_("Has capacity to consent")),
    ("reduced", N_("Reduced capacity to consent")),
    ("lacking", N_("Lacks capacity to consent")),
)
CONSENT_STATUS = (
    ("not_obtained", N_("Not obtained yet")),
    ("obtained", N_("Obtained in writing")),
    ("declined", N_("Declined")),
    ("withdrawn", N_("Withdrawn")),
)

#: The entry that stands for "nothing chosen yet" (None in the model).
NOT_CHOSEN = N_("Not chosen")


def translated(table: Choices) -> list[tuple[object, str]]:
    return [(value, _(msgid)) for value, msgid in table]
