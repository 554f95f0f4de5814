"""Test-wide set-up: offscreen Qt, no access to the user's real data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The ``cli`` fixture (the command line run from a script, without a keyring).
pytest_plugins = ["tests.cli_support"]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir; the user's real one is never touched."""
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("REKVIRENT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("REKVIRENT_DATABASE_URL", raising=False)
    return data_dir
