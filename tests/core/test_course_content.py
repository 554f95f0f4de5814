"""Course content: the withdrawal scales and the pathway's additive ``course`` section."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.content import ContentError, load_pathway_file
from core.content.scales import (
    checked_scale_digests,
    load_scale_file,
    load_scales,
    write_scale_manifest,
)
from core.paths import resources_dir
from tests.core.test_pathway_texts import BOKMAL_PARTS, BOKMAL_WORDS, _texts

SCALES = resources_dir() / "scales"
PATHWAY = resources_dir() / "pathways" / "karantene-substitusjon" / "1.json"


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# ---- the scales ------------------------------------------------------------------------------


def test_cows_as_published() -> None:
    cows = load_scales()[("cows", 1)]
    assert len(cows.items) == 11
    assert (cows.min_total, cows.max_total) == (0, 48)
    assert [(b.min, b.max) for b in cows.bands] == [(0, 4), (5, 12), (13, 24), (25, 36),
                                                   (37, 48)]
    pupils = cows.item("pupils")
    assert pupils is not None and pupils.scores == {0, 1, 2, 5}
    assert "Wesson" in cows.source.citation and cows.source.verified and cows.source.not_verified
    band = cows.band(13)
    assert band is not None and band.id == "moderate"


def test_ciwa_b_as_published() -> None:
    ciwa = load_scales()[("ciwa-b", 1)]
    # Busto et al. 1989: 22 symptoms, built into 20 items of 0–4, so 0–80.
    assert len(ciwa.items) == 20
    assert all(i.scores == {0, 1, 2, 3, 4} for i in ciwa.items)
    assert (ciwa.min_total, ciwa.max_total) == (0, 80)
    assert ciwa.rated_by == "patient_and_clinician"
    assert "Busto" in ciwa.source.citation
    assert any("22" in note for note in ciwa.source.not_verified)


def test_scale_texts_are_complete_nynorsk_and_not_copies() -> None:
    for path in sorted(SCALES.glob("*/*.json")):
        texts = list(_texts(_json(path)))
        assert len(texts) > 50
        for where, text in texts:
            for language in ("nb", "nn", "en"):
                assert text[language].strip() == text[language] and text[language], (path, where)
            words = set(re.findall(r"[a-zæøå]+", text["nn"].lower()))
            assert not words & BOKMAL_WORDS, (path, where, words & BOKMAL_WORDS)
            assert not any(part in text["nn"].lower() for part in BOKMAL_PARTS), (path, where)
            # Short labels ("Skjelving (det du ser)") may be the same in both standards; the
            # scale's name is a proper name with a gloss.
            if len(text["nb"].split()) > 4 and where != "/name":
                assert text["nn"] != text["nb"], (path, where)
            if len(text["nb"].split()) > 3:
                assert text["en"] != text["nb"], (path, where)


def test_scale_manifest_is_current() -> None:
    digests = checked_scale_digests()
    for path in sorted(SCALES.glob("*/*.json")):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in digests, (
            f"{path} changed since it was schema-checked: run python -m core.content")


def _broken_scale(tmp_path: Path, mutate: Callable[[dict[str, Any]], Any]) -> Path:
    data = _json(SCALES / "cows" / "1.json")
    mutate(data)
    path = tmp_path / "cows" / "1.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["items"][1].update(id="pulse"), "items/1/id"),
    (lambda d: d["items"][0]["options"].reverse(), "items/0/options"),
    (lambda d: d["bands"][1].update(min=6), "bands/1/min"),
    (lambda d: d["bands"].pop(), "bands"),
    (lambda d: d["items"][0]["title"].pop("nn"), "items/0/title"),
    (lambda d: d["items"][0]["options"][0].update(score=-1), "items/0/options/0/score"),
    (lambda d: d.update(version=2), "id/version"),
    (lambda d: d.update(extra=1), "(rot)"),
])
def test_broken_scales_name_file_and_field(tmp_path: Path, mutate: Any, field: str) -> None:
    path = _broken_scale(tmp_path, mutate)
    with pytest.raises(ContentError) as info:
        load_scale_file(path)
    assert info.value.field == field


def test_the_scale_manifest_refuses_a_broken_file(tmp_path: Path) -> None:
    _broken_scale(tmp_path, lambda d: d["bands"].pop())
    with pytest.raises(ContentError):
        write_scale_manifest(tmp_path)
    assert not (tmp_path / "checked.json").exists()
    shutil.rmtree(tmp_path / "cows")
    shutil.copytree(SCALES / "cows", tmp_path / "cows")
    write_scale_manifest(tmp_path)
    assert len(load_scales(tmp_path)) == 1 and checked_scale_digests(tmp_path)


# ---- the pathway's course section ------------------------------------------------------------


def test_the_course_section_as_shipped() -> None:
    pathway = load_pathway_file(PATHWAY)
    course = pathway.course
    assert course is not None
    assert (course.expected_min_days, course.expected_max_days) == (7, 21)
    assert "1–3 uker" in course.duration_source.nb
    assert course.scale("cows") is not None and course.scale("ciwa-b", 1) is not None
    opioids = course.scale_choice("opioids")
    assert opioids is not None and opioids.scale is not None and opioids.scale.id == "cows"
    assert course.supervised_intake_measure == "T3"
    assert pathway.measure("T3") is not None
    assert (course.tolerance_window_hours, course.rising_score_entries) == (24, 3)
    assert len(course.intoxication_signs) >= 5 and len(course.overdose_signs) >= 5


def test_the_section_is_additive(tmp_path: Path) -> None:
    """A pathway file without ``course`` still loads (a version may gain the section later)."""
    data = _json(PATHWAY)
    del data["course"]
    path = tmp_path / "karantene-substitusjon" / "1.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_pathway_file(path).course is None


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda c: c["scales"][0].update(scale={"id": "sows", "version": 1}), "course/scales/0/scale"),
    (lambda c: c["scales"][0].update(substance="tobacco"), "course/scales/0/substance"),
    (lambda c: c["scales"][1].update(substance="opioids"), "course/scales/1/substance"),
    (lambda c: c["overdose_signs"][1].update(id="O1"), "course/overdose_signs/1/id"),
    (lambda c: c.update(supervised_intake_measure="T99"), "course/supervised_intake_measure"),
    (lambda c: c["taper"]["rules"][0].update(drug="tramadol"), "course/taper/rules/0/drug"),
    (lambda c: c["taper"]["rules"][1].update(drug="buprenorphine"), "course/taper/rules/1/drug"),
    (lambda c: c["taper"]["rules"][0].update(round_to_mg="0"),
     "course/taper/rules/0/round_to_mg"),
    (lambda c: c["taper"]["rules"][0]["reductions"][0].update(reduce_mg="0"),
     "course/taper/rules/0/reductions/0/reduce_mg"),
    (lambda c: c["taper"]["rules"][0]["reductions"].pop(), "course/taper/rules/0/reductions"),
    (lambda c: c["expected_duration_days"].update(min=30), "course/expected_duration_days/min"),
    (lambda c: c["taper"]["rules"][0].update(every_days=0), "course/taper/rules/0/every_days"),
])
def test_a_broken_course_section_names_the_field(tmp_path: Path, mutate: Any,
                                                 field: str) -> None:
    data = _json(PATHWAY)
    mutate(data["course"])
    path = tmp_path / "karantene-substitusjon" / "1.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_pathway_file(path)
    assert info.value.field == field
