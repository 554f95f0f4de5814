"""import / list / export-case through main.main, against a temporary data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from core import casefile
from core.case import Case, Consultation, Patient


def _case_file(tmp_path: Path, name: str = "Åse Syntetisk Testesen") -> tuple[Case, Path]:
    import datetime

    case = Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number="03829210001"),
                consultation=Consultation(date=datetime.date(2021, 11, 15)))
    path = tmp_path / "sak.json"
    casefile.write(path, case)
    return case, path


def test_import_list_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case, path = _case_file(tmp_path)
    data = ["--data-dir", str(tmp_path / "data")]
    assert main.main(["import", str(path), *data]) == 0
    assert capsys.readouterr().out.strip() == case.id
    assert main.main(["list", *data]) == 0
    out = capsys.readouterr().out
    assert "Åse Syntetisk Testesen" in out
    assert "038292 *****" in out
    assert "03829210001" not in out
    assert "15.11.2021" in out
    assert main.main(["list", "--search", "ÅSE", *data]) == 0
    assert case.id in capsys.readouterr().out
    assert main.main(["list", "--search", "nobody", *data]) == 0
    assert "Ingen utkast" in capsys.readouterr().out
    target = tmp_path / "ut.json"
    assert main.main(["export-case", case.id, "--out", str(target), *data]) == 0
    assert casefile.read(target) == case


def test_database_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, path = _case_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert main.main(["import", str(path), "--database", url]) == 0
    assert (tmp_path / "other.sqlite3").exists()


@pytest.mark.parametrize("content", ["{", '{"format": "rekvirent-case"}', "[]", ""])
def test_import_of_a_broken_file_exits_2_without_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main.main(["import", str(path), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "bad.json" in err


def test_import_names_the_bad_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "rekvirent-case", "format_version": 1,
                                "case": {"patient": {"name": ["x"]}}}), encoding="utf-8")
    assert main.main(["import", str(path), "--data-dir", str(tmp_path)]) == 2
    assert "case.patient.name" in capsys.readouterr().err


def test_export_of_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["export-case", "0" * 32, "--out", str(tmp_path / "x.json"),
                      "--data-dir", str(tmp_path)]) == 2
    assert "Fant ingen sak" in capsys.readouterr().err
