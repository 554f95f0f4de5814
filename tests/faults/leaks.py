"""A simple canary scan (battery S2/S6) for the scoreboard: a patient with a unique marker in
every free-text field goes through the workflow; then every file the app wrote in its data
folder (database, WAL, backups, settings, locks) is searched for the marker as UTF-8 and
UTF-16LE.  The exported documents are where the marker is meant to be and are not counted.

The full leak test with every temporary file is helper "crypt"'s ``tests/test_marker_leak.py``;
this one answers the scoreboard's question quickly, with and without a data key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import casefile
from core.casepath import set_value
from core.content import load_library
from core.export import export_documents
from core.storage import ExportedDocument, Store
from tests.faults import hostile


@dataclass
class LeakReport:
    encrypted: bool
    files_scanned: int = 0
    #: Files outside the export folder that contain the marker (relative path, encoding).
    leaks: list[str] = field(default_factory=list)
    exported_with_marker: int = 0


def _contains(data: bytes, marker: str) -> list[str]:
    return [name for name, encoded in (("utf-8", marker.encode()),
                                       ("utf-16le", marker.encode("utf-16-le")))
            if encoded in data]


def scan(workdir: Path, *, encrypted: bool) -> LeakReport:
    marker = f"ZZKANARI-{uuid.uuid4().hex[:12]}"
    data_dir, export_dir = workdir / "data", workdir / "export"
    cipher: Any = None
    if encrypted:
        from core.crypto import FieldCipher

        cipher = FieldCipher.generate()
    case = hostile.full_example()
    for path in hostile.free_text_paths(case):
        set_value(case, path, f"{marker} {path}")
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    assert pathway is not None
    store = Store.open(data_dir=data_dir, **({"cipher": cipher} if cipher else {}))
    try:
        version = store.save(case, step="patient")
        case.notes = f"{marker} endret"
        store.save(case, expected_version=version)
        store.open_case(case.id)
        store.list(marker[:12])
        copy_id = store.duplicate(case.id)
        result = export_documents(case, pathway, export_dir)
        store.record_export(case.id, [ExportedDocument(f.kind, f.language, f.path.name,
                                                       f.sha256, f.content)
                                      for f in result.files])
        store.backup()
        store.delete(copy_id)  # takes a backup first
        casefile.write(export_dir / "sak.json", store.load(case.id).case)
    finally:
        store.close()
    report = LeakReport(encrypted=encrypted)
    for path in sorted(p for p in workdir.rglob("*") if p.is_file()):
        report.files_scanned += 1
        found = _contains(path.read_bytes(), marker)
        if not found:
            continue
        if export_dir in path.parents:
            report.exported_with_marker += 1
        else:
            report.leaks.extend(f"{path.relative_to(workdir)} ({encoding})"
                                for encoding in found)
    return report
