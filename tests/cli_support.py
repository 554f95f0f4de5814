"""Running the command line in tests: in-process through ``main.main`` or as a subprocess,
with a passphrase file, without a terminal and (unless a test installs one) without a keyring.

The scrypt cost of new key files is lowered for the in-process runs (``keys.DEFAULT_KDF`` is
looked up when a key is made); a subprocess makes real key files.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import main
from core import keys
from core.keys import KdfParams
from tests.memory_keyring import no_keyring_installed

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"
PASSPHRASE = "rolig elg speiler fjorden"


def passphrase_file(folder: Path, passphrase: str = PASSPHRASE, *, mode: int = 0o600,
                    name: str = "passfrase.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(passphrase + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def all_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes); empty when it does not exist."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """``main.main`` with stdin that is not a terminal; ``run`` returns exit code and output."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.passphrase_file = passphrase_file(root / "secret")
        self._capsys = capsys

    def data(self, *, passphrase: bool = True) -> list[str]:
        """``--data-dir`` (and ``--passphrase-file``) for a data verb."""
        args = ["--data-dir", str(self.data_dir)]
        if passphrase:
            args += ["--passphrase-file", str(self.passphrase_file)]
        return args

    def run(self, *args: str | Path) -> Result:
        self._capsys.readouterr()
        code = main.main([str(a) for a in args])
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """A command line on a machine without a keyring, run from a script (no terminal)."""
    monkeypatch.setattr(keys, "DEFAULT_KDF", KdfParams.for_tests())
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    with no_keyring_installed():
        yield Cli(tmp_path, capsys)


def run_subprocess(*args: str | Path, env: dict[str, str] | None = None,
                   stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` with stdin not a terminal and keyring's ``fail`` backend (no
    keyring, whatever this machine has)."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("REKVIRENT_", "PYTHON_KEYRING"))}
    environment.update({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                        "LANG": "nb_NO.UTF-8", "QT_QPA_PLATFORM": "offscreen"})
    environment.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, env=environment, cwd=ROOT,
                          stdin=stdin, check=False, timeout=120)
