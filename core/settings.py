"""User settings (prescriber profile, languages, folders) as a small JSON file.

Kept in the data directory as ``settings.json``, written atomically.  A corrupt file is moved
aside (never deleted) and defaults are used, so a bad file can never stop the app.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.case import Prescriber
from core.casefile import write_atomic

log = logging.getLogger(__name__)
FILE_NAME = "settings.json"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    prescriber: Prescriber = Field(default_factory=Prescriber)
    ui_language: Literal["nb", "nn", "en"] | None = None
    document_language: Literal["nb", "nn"] = "nb"
    export_dir: str = ""
    retention_days: int = Field(default=30, ge=1, le=3650)
    idle_lock_minutes: int = Field(default=10, ge=1, le=240)
    #: Clinic mode: the PostgreSQL server's SQLAlchemy URL, e.g.
    #: ``postgresql+psycopg://rekvirent_app@db.legekontor.local/rekvirent?sslmode=verify-full``.
    #: Never a password: that lives in the OS keyring or ~/.pgpass (see core.credentials);
    #: a password found here is dropped.  "" = the local SQLite file.
    database_url: str = Field(default="", max_length=2000)

    @field_validator("database_url")
    @classmethod
    def _no_password(cls, value: str) -> str:
        from core.credentials import without_password

        return without_password(value.strip())

    @property
    def has_prescriber(self) -> bool:
        return bool(self.prescriber.name.strip() and self.prescriber.hpr_number.strip())


def load_settings(data_dir: Path) -> Settings:
    path = data_dir / FILE_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError):
        return _set_aside(path)
    try:
        return Settings.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValidationError):
        return _set_aside(path)


def _set_aside(path: Path) -> Settings:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        path.replace(target)
        log.warning("Settings file was unreadable; moved aside to %s", target.name)
    except OSError:
        log.warning("Settings file was unreadable and could not be moved aside")
    return Settings()


def save_settings(data_dir: Path, settings: Settings) -> None:
    write_atomic(data_dir / FILE_NAME, settings.model_dump_json(indent=2) + "\n")
