from __future__ import annotations

from pathlib import Path

from core.case import Prescriber
from core.settings import Settings, load_settings, save_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert settings.retention_days == 30
    assert not settings.has_prescriber


def test_round_trip(tmp_path: Path) -> None:
    settings = Settings(prescriber=Prescriber(name="Lege Syntetisk", hpr_number="9999999"),
                        ui_language="nn", export_dir="/tmp/ut")
    save_settings(tmp_path, settings)
    loaded = load_settings(tmp_path)
    assert loaded == settings
    assert loaded.has_prescriber


def test_corrupt_file_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    assert load_settings(tmp_path) == Settings()
    aside = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_text(encoding="utf-8") == "{not json"
    (tmp_path / "settings.json").write_text('{"retention_days": -5}', encoding="utf-8")
    assert load_settings(tmp_path).retention_days == 30
