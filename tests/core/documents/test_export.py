"""Exporting a case's documents to a folder, and the ``export`` command's exit codes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from core.casefile import write as write_case
from core.content import Pathway
from core.export import export_documents
from tests.core.documents.conftest import EXAMPLES, TODAY, load_example

ROOT = Path(__file__).resolve().parents[3]
FIXED = datetime(2021, 11, 15, 12, 0, tzinfo=UTC)


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_export_writes_every_document_with_its_hash(tmp_path: Path, pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    result = export_documents(case, pathway, tmp_path, journal_language="nn",
                              consent_language="nb", english_copy=True, today=TODAY,
                              creation_date=FIXED)
    assert not result.refused
    kinds = sorted((f.kind, f.language, f.path.suffix) for f in result.files)
    assert kinds == [
        ("consent", "en", ".pdf"), ("consent", "nb", ".pdf"),
        ("journal", "nn", ".pdf"), ("journal", "nn", ".txt"),
        ("plan", "nn", ".pdf"), ("prescription", "nn", ".txt"),
    ]
    for file in result.files:
        assert file.path.read_bytes() == file.content
        assert hashlib.sha256(file.content).hexdigest() == file.sha256
    # No temporary files are left behind, and nothing else was written.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.path.name for f in result.files)


def test_file_names_carry_no_patient_data(tmp_path: Path, pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    result = export_documents(case, pathway, tmp_path, today=TODAY, creation_date=FIXED)
    digits = case.patient.identity_number
    for file in result.files:
        name = file.path.name.lower()
        assert digits[:6] not in name and digits not in name
        for part in case.patient.name.lower().split():
            assert part not in name
        assert name.isascii()


def test_pdf_and_text_journal_say_the_same(tmp_path: Path, pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    result = export_documents(case, pathway, tmp_path, today=TODAY, creation_date=FIXED)
    pdf = next(f for f in result.files if f.kind == "journal" and f.path.suffix == ".pdf")
    txt = next(f for f in result.files if f.kind == "journal" and f.path.suffix == ".txt")
    pdf_words = set(_pdf_text(pdf.path).split())
    for word in ("Journalnotat:", "F11.2", "Risikokartlegging", "Prøvestad", "Samarbeid"):
        assert word in txt.content.decode() and word in pdf_words, word


def test_consent_pdf_has_patient_on_every_page_and_page_numbers(
        tmp_path: Path, pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    result = export_documents(case, pathway, tmp_path, today=TODAY, creation_date=FIXED)
    consent = next(f for f in result.files if f.kind == "consent")
    reader = PdfReader(consent.path)
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        assert "Kari Syntetisk Testesen" in text
        assert "158885 10025" in text
        assert f"Side {number} av {pages}" in text
    assert reader.metadata is not None and reader.metadata.title


def test_blockers_refuse_consent_and_plan_but_keep_the_journal(
        tmp_path: Path, pathway: Pathway) -> None:
    case = load_example("vilkar-ikke-oppfylt")
    result = export_documents(case, pathway, tmp_path, today=TODAY, creation_date=FIXED)
    assert result.blockers
    assert sorted(result.refused) == ["consent", "plan"]
    assert {f.kind for f in result.files} == {"journal", "prescription"}
    journal = next(f for f in result.files if f.path.suffix == ".txt" and f.kind == "journal")
    assert "Ikke avklart" in journal.content.decode()


def test_export_is_deterministic_for_a_fixed_creation_date(
        tmp_path: Path, pathway: Pathway) -> None:
    case = load_example("opioid-komplett")
    first = export_documents(case, pathway, tmp_path / "a", today=TODAY, creation_date=FIXED)
    second = export_documents(case, pathway, tmp_path / "b", today=TODAY, creation_date=FIXED)
    assert [f.sha256 for f in first.files] == [f.sha256 for f in second.files]


def _cli(*args: str | Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REKVIRENT_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def test_cli_exit_codes(tmp_path: Path) -> None:
    ok = _cli("export", EXAMPLES / "opioid-komplett.json", "--out", tmp_path / "ok",
              "--document-language", "nn", tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert len(list((tmp_path / "ok").glob("*.pdf"))) == 3

    blocked = _cli("export", EXAMPLES / "vilkar-ikke-oppfylt.json", "--out", tmp_path / "bl",
                   tmp_path=tmp_path)
    assert blocked.returncode == 1
    assert "samtykke" not in " ".join(p.name for p in (tmp_path / "bl").iterdir())

    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert _cli("export", broken, "--out", tmp_path / "x", tmp_path=tmp_path).returncode == 2


def test_cli_exits_2_when_the_folder_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = _cli("export", EXAMPLES / "opioid-komplett.json", "--out", blocker / "sub",
                  tmp_path=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_exported_case_file_round_trip(tmp_path: Path, pathway: Pathway) -> None:
    """A case typed with hostile characters still exports (names are escaped, not markup)."""
    case = load_example("opioid-komplett")
    case.patient.name = '<b>Åse & "Øyvind"</b> Ŋávdnjá'
    path = tmp_path / "case.json"
    write_case(path, case)
    result = export_documents(case, pathway, tmp_path / "out", today=TODAY, creation_date=FIXED)
    consent = next(f for f in result.files if f.kind == "consent")
    assert '<b>Åse & "Øyvind"</b> Ŋávdnjá' in _pdf_text(consent.path)
