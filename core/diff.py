"""Which fields differ between two versions of a case — for the edit-conflict dialog.

When two doctors edit the same draft, the second save is refused (:class:`ConflictError`) and
the GP is shown what the other saved next to what they typed.  :func:`differences` walks both
cases field by field (dotted paths as in :mod:`core.casepath`, e.g. ``patient.name``,
``medications.0.daily_dose``, ``risk.R5.note``) and returns one :class:`FieldChange` per leaf
that differs.  Bookkeeping (ids, timestamps) is ignored, and an empty value ("", None, False,
an empty list) equals a missing one, so an untouched new row or dictionary entry does not show.

:func:`label_for` names a field for people: the wizard step's title plus the pathway's own title
for risk points, measures and consent items; other fields get a readable form of their name
(the GUI passes better labels taken from its widgets when it has them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from core.steps import COURSE_STEP, STEPS
from i18n import _

if TYPE_CHECKING:
    from core.case import Case
    from core.content.pathway import Pathway

#: Top-level case fields that are bookkeeping, not the GP's input.
IGNORED: Final[frozenset[str]] = frozenset({"id", "created_at", "updated_at", "status"})

#: The wizard step where each top-level field of the case is edited.
STEP_OF_FIELD: Final[dict[str, str]] = {
    "patient": "patient",
    "prescriber": "patient",
    "consultation": "patient",
    "pathway_id": "patient",
    "pathway_version": "patient",
    "conditions": "conditions",
    "substance_use": "findings",
    "findings": "findings",
    "risk": "risk",
    "extra_risk_points": "risk",
    "measures": "measures",
    "extra_measures": "measures",
    "medications": "medication",
    "plan": "plan",
    "consent": "consent",
    "journal_addition": "summary",
    "notes": "summary",
    "course": "course",
}


#: Top-level objects the step title already names (their name is left out of labels).
_OBVIOUS: Final[frozenset[str]] = frozenset({
    "patient", "consultation", "conditions", "findings", "plan", "consent"})


@dataclass(frozen=True)
class FieldChange:
    """One field whose stored value (``theirs``) differs from the one in the window (``mine``);
    None means the field (a list row, a dictionary entry) does not exist on that side."""

    path: str
    step: str
    theirs: Any
    mine: Any


def _blank(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def _walk(path: str, theirs: Any, mine: Any, out: list[FieldChange]) -> None:
    if isinstance(theirs, dict) or isinstance(mine, dict):
        left = theirs if isinstance(theirs, dict) else {}
        right = mine if isinstance(mine, dict) else {}
        for key in list(left) + [k for k in right if k not in left]:
            _walk(f"{path}.{key}" if path else str(key), left.get(key), right.get(key), out)
        return
    if isinstance(theirs, list) or isinstance(mine, list):
        left_list = theirs if isinstance(theirs, list) else []
        right_list = mine if isinstance(mine, list) else []
        for index in range(max(len(left_list), len(right_list))):
            _walk(f"{path}.{index}",
                  left_list[index] if index < len(left_list) else None,
                  right_list[index] if index < len(right_list) else None, out)
        return
    if theirs == mine or (_blank(theirs) and _blank(mine)):
        return
    out.append(FieldChange(path, step_for(path), theirs, mine))


def differences(theirs: Case, mine: Case) -> list[FieldChange]:
    """Every field that differs between the stored case and the one in the window, in the
    order of the case model (which follows the wizard's steps)."""
    left = theirs.model_dump(mode="python")
    right = mine.model_dump(mode="python")
    changes: list[FieldChange] = []
    for key in left:
        if key not in IGNORED:
            _walk(key, left[key], right.get(key), changes)
    order = {step.id: index for index, step in enumerate(STEPS)}
    changes.sort(key=lambda change: order.get(change.step, len(order)))  # stable
    return changes


def step_for(path: str) -> str:
    """The wizard step id where the field at ``path`` is edited."""
    return STEP_OF_FIELD.get(path.split(".", 1)[0], "summary")


def _step_title(step_id: str) -> str:
    for step in (*STEPS, COURSE_STEP):
        if step.id == step_id:
            return _(step.title)
    return step_id


def _words(name: str) -> str:
    return name.replace("_", " ")


def _pathway_title(parts: list[str], pathway: Pathway | None, language: str) -> str | None:
    """The pathway's own title for risk points, measures and consent items."""
    if pathway is None or len(parts) < 2:
        return None
    head, key = parts[0], parts[1]
    if head == "risk":
        items: dict[str, Any] = {p.id: p.title for p in pathway.risk_points}
    elif head == "measures":
        items = {m.id: m.title for m in pathway.measures}
    elif head == "consent" and key == "items_explained" and len(parts) > 2:
        items = {c.id: c.title for c in pathway.consent_items}
        key = parts[2]
    else:
        return None
    title = items.get(key)
    return title.get(language) if title is not None else None


def label_for(path: str, pathway: Pathway | None = None, language: str = "nb") -> str:
    """A readable name for the field at ``path``: "<step>: <field>"."""
    parts = path.split(".")
    step = _step_title(step_for(path))
    named = _pathway_title(parts, pathway, language)
    if named is not None:
        rest = parts[3:] if parts[:2] == ["consent", "items_explained"] else parts[2:]
        field = named + (f" ({_words(rest[-1])})" if rest else "")
        return _("{step}: {field}").format(step=step, field=field)
    words: list[str] = []
    # "patient.name" under "Patient and doctor" reads better as just "name".
    for part in parts[1:] if len(parts) > 1 and parts[0] in _OBVIOUS else parts:
        if part.isdigit():
            words.append(_("row {number}").format(number=int(part) + 1))
        else:
            words.append(_words(part))
    return _("{step}: {field}").format(step=step, field=" › ".join(words))


def display_value(value: Any) -> str:
    """A value as the GP would read it (empty values as a dash)."""
    if _blank(value) and value is not False:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo("Europe/Oslo")) if value.tzinfo else value
        return local.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, dict):
        return "; ".join(f"{_words(str(k))}: {display_value(v)}" for k, v in value.items()
                         if not _blank(v))
    if isinstance(value, list):
        return "; ".join(display_value(v) for v in value)
    return str(value)
