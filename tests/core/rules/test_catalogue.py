from __future__ import annotations

from pathlib import Path

from core.rules.catalogue import entries, markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def test_docs_rules_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/rules.md is stale: python -m core.rules.catalogue > docs/rules.md")


def test_catalogue_knows_the_main_codes() -> None:
    codes = {e.code for e in entries()}
    assert {"C1_NO_DIAGNOSIS", "C3_SELF_CHOSEN", "DOSE_ABOVE_RANGE", "EXCEPTION_DRUG",
            "OPIOID_BENZODIAZEPINE", "IDENTITY_CHECKSUM", "LEGAL_BASIS_NOT_IN_FORCE"} <= codes
    assert all(e.step for e in entries())
