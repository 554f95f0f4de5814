"""import / list / export-case through main.main, against a temporary data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import casefile
from core.case import Case, Consultation, Patient
from tests.cli_support import Cli


def _case_file(tmp_path: Path, name: str = "Åse Syntetisk Testesen") -> tuple[Case, Path]:
    import datetime

    case = Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number="03829210001"),
                consultation=Consultation(date=datetime.date(2021, 11, 15)))
    path = tmp_path / "sak.json"
    casefile.write(path, case)
    return case, path


def test_import_list_export_round_trip(tmp_path: Path, cli: Cli) -> None:
    case, path = _case_file(tmp_path)
    imported = cli.run("import", path, *cli.data())
    assert imported.code == 0, imported.err
    assert imported.out.strip() == case.id
    listed = cli.run("list", *cli.data())
    assert listed.code == 0
    assert "Åse Syntetisk Testesen" in listed.out
    assert "038292 *****" in listed.out
    assert "03829210001" not in listed.out
    assert "15.11.2021" in listed.out
    assert case.id in cli.run("list", "--search", "ÅSE", *cli.data()).out
    assert "Ingen utkast" in cli.run("list", "--search", "nobody", *cli.data()).out
    target = tmp_path / "ut.json"
    assert cli.run("export-case", case.id, "--out", target, *cli.data()).code == 0
    assert casefile.read(target) == case


def test_database_option(tmp_path: Path, cli: Cli) -> None:
    _, path = _case_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert cli.run("import", path, "--database", url, *cli.data()).code == 0
    assert (tmp_path / "other.sqlite3").exists()
    assert (cli.data_dir / "key.json").exists()  # the key stays in the data folder
    assert not (cli.data_dir / "rekvirent.sqlite3").exists()


@pytest.mark.parametrize("content", ["{", '{"format": "rekvirent-case"}', "[]", ""])
def test_import_of_a_broken_file_exits_2_without_traceback(
        tmp_path: Path, cli: Cli, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = cli.run("import", path, *cli.data())
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "bad.json" in result.err
    assert not cli.data_dir.exists()  # refused before the store was opened


def test_import_names_the_bad_field(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "rekvirent-case", "format_version": 1,
                                "case": {"patient": {"name": ["x"]}}}), encoding="utf-8")
    result = cli.run("import", path, *cli.data())
    assert result.code == 2
    assert "case.patient.name" in result.err


def test_export_of_unknown_id(tmp_path: Path, cli: Cli) -> None:
    result = cli.run("export-case", "0" * 32, "--out", tmp_path / "x.json", *cli.data())
    assert result.code == 2
    assert "Fant ingen sak" in result.err
    assert not (tmp_path / "x.json").exists()
