"""Typed view of a pathway's ``course`` section: what the follow-up is checked against.

The section is additive (version 1 of ``karantene-substitusjon`` gained it after it was
published; no saved case had seen it, see ``docs/content.md``): expected duration, which
withdrawal scale fits which substance, the lists of intoxication and overdose signs, the
numbers the course rules use, and per-drug default taper rules.  The seed gives no taper
numbers, so the rules are marked as editable suggestions and each carries its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from core.content.scales import Scale
from core.content.text import Text


@dataclass(frozen=True)
class Sign:
    id: str
    text: Text


@dataclass(frozen=True)
class ScaleChoice:
    """The scale to score withdrawal from ``substance`` on (None: none fits; see ``reason``)."""

    substance: str
    scale: Scale | None
    #: Why no scale is offered (for substances without one, e.g. stimulants).
    reason: Text


@dataclass(frozen=True)
class Reduction:
    """While the daily dose is above ``above_mg``, lower it by ``reduce_mg`` per step."""

    above_mg: Decimal
    reduce_mg: Decimal


@dataclass(frozen=True)
class TaperRule:
    """A default taper for one drug: an editable suggestion, never a prescription."""

    id: str
    drug: str
    #: Days each step lasts.
    every_days: int
    #: Tried in order; the first whose ``above_mg`` the current dose exceeds applies.
    reductions: tuple[Reduction, ...]
    #: Each step's dose is rounded to a multiple of this (the tablet or measure available).
    round_to_mg: Decimal
    #: A step that would fall below this dose stops the drug instead (0 mg).
    stop_below_mg: Decimal
    reason: Text
    editable: bool


@dataclass(frozen=True)
class CourseContent:
    #: The usual length of the stabilisation (the seed: "normalt … mellom 1-3 uker").
    expected_min_days: int
    expected_max_days: int
    duration_source: Text
    scales: tuple[ScaleChoice, ...]
    intoxication_signs: tuple[Sign, ...]
    overdose_signs: tuple[Sign, ...]
    #: The measure whose choice means the plan has intake under supervision (T3).
    supervised_intake_measure: str
    #: A dose increase needs a follow-up free of intoxication and overdose signs this close
    #: before the decision (T7: "toleranse for dosen, før evt. økning i dose").
    tolerance_window_hours: int
    #: Withdrawal scores rising over this many consecutive scored entries warn.
    rising_score_entries: int
    #: Every day of treatment needs a follow-up entry (seed 004 ch. 5: daily observation
    #: before the dose while the patient is isolated).  False where the plan sets its own
    #: frequency (a tapering plan's ``plan.follow_up_frequency``).
    daily_followup: bool
    taper_note: Text
    taper_rules: tuple[TaperRule, ...]

    @cached_property
    def _rules_by_drug(self) -> dict[str, TaperRule]:
        return {r.drug: r for r in self.taper_rules}

    def taper_rule(self, drug_id: str) -> TaperRule | None:
        return self._rules_by_drug.get(drug_id)

    def scale_choice(self, substance_id: str) -> ScaleChoice | None:
        return next((c for c in self.scales if c.substance == substance_id), None)

    def scale(self, scale_id: str, version: int | None = None) -> Scale | None:
        """A scale this pathway names, by id (and version, when given)."""
        for choice in self.scales:
            found = choice.scale
            if found is not None and found.id == scale_id and (
                    version is None or found.version == version):
                return found
        return None

    def intoxication_sign(self, sign_id: str) -> Sign | None:
        return next((s for s in self.intoxication_signs if s.id == sign_id), None)

    def overdose_sign(self, sign_id: str) -> Sign | None:
        return next((s for s in self.overdose_signs if s.id == sign_id), None)


def _text(data: Mapping[str, Any], key: str) -> Text:
    return Text.from_json(data.get(key))


def course_from_json(data: Mapping[str, Any],
                     scales: Mapping[tuple[str, int], Scale]) -> CourseContent:
    """The typed section; ``scales`` are the loaded scale files (references already checked)."""
    duration = data["expected_duration_days"]
    choices = []
    for choice in data["scales"]:
        ref = choice.get("scale")
        scale = scales.get((ref["id"], ref["version"])) if ref is not None else None
        choices.append(ScaleChoice(substance=choice["substance"], scale=scale,
                                   reason=_text(choice, "reason")))
    taper = data["taper"]
    return CourseContent(
        expected_min_days=duration["min"],
        expected_max_days=duration["max"],
        duration_source=_text(duration, "source"),
        scales=tuple(choices),
        intoxication_signs=tuple(Sign(s["id"], _text(s, "text"))
                                 for s in data["intoxication_signs"]),
        overdose_signs=tuple(Sign(s["id"], _text(s, "text")) for s in data["overdose_signs"]),
        supervised_intake_measure=data["supervised_intake_measure"],
        tolerance_window_hours=data["tolerance_window_hours"],
        rising_score_entries=data["rising_score_entries"],
        daily_followup=bool(data.get("daily_followup", True)),
        taper_note=_text(taper, "note"),
        taper_rules=tuple(
            TaperRule(
                id=r["id"], drug=r["drug"], every_days=r["every_days"],
                reductions=tuple(Reduction(Decimal(x["above_mg"]), Decimal(x["reduce_mg"]))
                                 for x in r["reductions"]),
                round_to_mg=Decimal(r["round_to_mg"]),
                stop_below_mg=Decimal(r["stop_below_mg"]),
                reason=_text(r, "reason"),
                editable=r["editable"],
            )
            for r in taper["rules"]
        ),
    )


__all__ = ["CourseContent", "Reduction", "ScaleChoice", "Sign", "TaperRule", "course_from_json"]
