"""The core/Qt wall: core and i18n must import without loading Qt or ui."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        if ".migrations." in info.name:  # run by Alembic only, not importable alone
            continue
        names.append(info.name)
    return names


def test_core_and_i18n_never_load_qt_or_ui() -> None:
    modules = _modules("core") + _modules("i18n")
    assert "core.case" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "roots = ('PySide6', 'shiboken6', 'ui')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "", f"core/i18n loaded Qt or ui: {result.stdout}"
