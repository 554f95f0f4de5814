"""Shared set-up for the wizard tests: a temporary SQLite store and windows opened on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from core import casefile
from core.case import Case, Prescriber, new_case
from core.content.pathway import Pathway
from ui.wizard.window import WizardWindow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"

OpenWizard = Callable[..., WizardWindow]


def example(name: str = "opioid-komplett") -> Case:
    return casefile.read(EXAMPLES / f"{name}.json")


def blank_case(pathway: Pathway) -> Case:
    return new_case(pathway.id, pathway.version,
                    Prescriber(name="Lege Syntetisk Prøve", hpr_number="9144889"))


def wait_saved(qtbot: QtBot, window: WizardWindow) -> None:
    qtbot.waitUntil(lambda: not window.controller.dirty, timeout=3000)
