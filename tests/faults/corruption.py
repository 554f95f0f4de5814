"""Ways to damage a Rekvirent database on disk (battery D1–D5), for tests and the scoreboard.

Each damage is a function ``damage(db_path, rng)`` working on the files only.  The data
folders they start from are made by :func:`populated` (a closed database with synthetic
cases and one backup copy) or :func:`populated_with_wal` (the files copied while the store was
open: committed saves still in ``-wal``, as after a crash or power cut).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import casefile
from core.case import Case
from core.storage import Store
from core.storage.recovery import DB_NAME

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"

Damage = Callable[[Path, random.Random], None]


def example_cases() -> list[Case]:
    return [casefile.read(path) for path in sorted(EXAMPLES.glob("*.json"))]


def populated(data_dir: Path) -> list[str]:
    """A closed store with the example cases and one backup copy; returns the case ids."""
    store = Store.open(data_dir=data_dir)
    cases = example_cases()
    for case in cases:
        store.save(case)
    store.backup()
    cases[0].notes = "Endret etter sikkerhetskopien."
    store.save(cases[0])
    store.close()
    return [case.id for case in cases]


def populated_with_wal(data_dir: Path) -> list[str]:
    """Like :func:`populated`, but the files are copied while the store is open (after a
    backup copy), so the latest saves are only in ``-wal`` — what a crash leaves."""
    source = data_dir.parent / f"{data_dir.name}-source"
    store = Store.open(data_dir=source)
    cases = example_cases()
    store.save(cases[0])
    store.backup()
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for case in cases[1:]:
        store.save(case)
    data_dir.mkdir(parents=True, exist_ok=True)
    for piece in source.iterdir():  # a consistent set: the store is idle
        if piece.is_dir():
            shutil.copytree(piece, data_dir / piece.name)
        else:
            shutil.copy2(piece, data_dir / piece.name)
    store.close()
    shutil.rmtree(source)
    return [case.id for case in cases]


def _rewrite(path: Path, change: Callable[[bytearray], bytes | bytearray]) -> None:
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(data)))


def _page_size(path: Path) -> int:
    header = path.read_bytes()[:18]
    size = int.from_bytes(header[16:18], "big")
    return 65536 if size == 1 else size


def empty(db: Path, _rng: random.Random) -> None:
    db.write_bytes(b"")


def truncated_100(db: Path, _rng: random.Random) -> None:
    _rewrite(db, lambda data: data[:100])


def truncated_half(db: Path, _rng: random.Random) -> None:
    _rewrite(db, lambda data: data[: len(data) // 2])


def truncated_at_page(db: Path, _rng: random.Random) -> None:
    size = _page_size(db)
    _rewrite(db, lambda data: data[: max(1, len(data) // size // 2) * size])


def header_zeroed(db: Path, _rng: random.Random) -> None:
    _rewrite(db, lambda data: bytes(100) + data[100:])


def bad_page_size(db: Path, _rng: random.Random) -> None:
    def change(data: bytearray) -> bytearray:
        data[16:18] = (768).to_bytes(2, "big")
        return data

    _rewrite(db, change)


def random_bytes(db: Path, rng: random.Random) -> None:
    db.write_bytes(rng.randbytes(max(db.stat().st_size, 4096)))


def pdf_renamed(db: Path, _rng: random.Random) -> None:
    from core.documents.model import Document, Paragraph, Section
    from core.pdf import render

    document = Document(kind="journal", language="nb", title="Ikke en database",
                        document_id="0A0A0A0A-J-000000", running_header="Prøve",
                        page_label="Side {page} av {pages}", author="Test", subject="Test",
                        sections=(Section("Tekst", (Paragraph("Dette er en PDF."),)),))
    db.write_bytes(render(document))


def text_file(db: Path, _rng: random.Random) -> None:
    db.write_text("Dette er ikke en database.\n" * 200, encoding="utf-8")


def page_garbage(db: Path, rng: random.Random) -> None:
    """Random bytes over one b-tree page in the middle of the file."""
    size = _page_size(db)
    pages = db.stat().st_size // size

    def change(data: bytearray) -> bytearray:
        page = rng.randrange(2, max(3, pages)) if pages > 2 else 1
        data[(page - 1) * size: page * size] = rng.randbytes(size)
        return data

    _rewrite(db, change)


def stale_index(db: Path, _rng: random.Random) -> None:
    """An index page from before an update written back: ``quick_check`` cannot see it."""
    connection = sqlite3.connect(db)
    root = connection.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'ix_cases_updated_at'").fetchone()[0]
    size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    old = db.read_bytes()[(root - 1) * size: root * size]
    connection = sqlite3.connect(db)
    connection.execute("UPDATE cases SET updated_at = '2030-01-01 00:00:00.000000' "
                       "WHERE rowid = (SELECT min(rowid) FROM cases)")
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()

    def change(data: bytearray) -> bytearray:
        data[(root - 1) * size: root * size] = old
        return data

    _rewrite(db, change)


def half_built_schema(db: Path, _rng: random.Random) -> None:
    """What an interrupted first start leaves when migrations are not one transaction."""
    for piece in (db, *(Path(f"{db}{s}") for s in ("-wal", "-shm"))):
        piece.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE cases (id VARCHAR(32) PRIMARY KEY, payload TEXT)")
    connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    connection.commit()
    connection.close()


def wal_missing(db: Path, _rng: random.Random) -> None:
    Path(f"{db}-wal").unlink()


def wal_truncated(db: Path, _rng: random.Random) -> None:
    _rewrite(Path(f"{db}-wal"), lambda data: data[: len(data) // 2])


def bad_wal(db: Path, rng: random.Random) -> None:
    def change(data: bytearray) -> bytearray:
        data[0:32] = rng.randbytes(32)
        return data

    _rewrite(Path(f"{db}-wal"), change)


def orphan_wal(db: Path, _rng: random.Random) -> None:
    db.unlink()


def deleted(db: Path, _rng: random.Random) -> None:
    db.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class Kind:
    name: str
    damage: Damage
    #: Which data folder it needs: "closed" (populated) or "wal" (populated_with_wal).
    start: str
    #: What check() must say: the status and problem.
    status: str
    problem: str


KINDS: tuple[Kind, ...] = (
    Kind("empty file", empty, "closed", "damaged", "empty"),
    Kind("truncated to 100 bytes", truncated_100, "closed", "damaged", "truncated"),
    Kind("truncated to half", truncated_half, "closed", "damaged", "truncated"),
    Kind("truncated at a page boundary", truncated_at_page, "closed", "damaged", "truncated"),
    Kind("header overwritten with zeros", header_zeroed, "closed", "damaged", "not_a_database"),
    Kind("impossible page size in header", bad_page_size, "closed", "damaged", "bad_header"),
    Kind("random bytes", random_bytes, "closed", "damaged", "not_a_database"),
    Kind("a PDF renamed to .sqlite3", pdf_renamed, "closed", "damaged", "not_a_database"),
    Kind("a text file", text_file, "closed", "damaged", "not_a_database"),
    Kind("garbage over a b-tree page", page_garbage, "closed", "damaged", "*"),
    Kind("stale index page", stale_index, "closed", "damaged", "integrity"),
    Kind("half-built schema", half_built_schema, "closed", "damaged", "incomplete_schema"),
    Kind("-wal deleted", wal_missing, "wal", "damaged", "wal_missing"),
    Kind("-wal cut short", wal_truncated, "wal", "damaged", "wal_truncated"),
    Kind("-wal header destroyed", bad_wal, "wal", "damaged", "bad_wal"),
    Kind("database deleted, -wal left", orphan_wal, "wal", "damaged", "orphan_wal"),
    Kind("database deleted", deleted, "closed", "missing", "missing"),
)


def prepare(kind: Kind, data_dir: Path, seed: int = 0) -> list[str]:
    """Make the starting folder for ``kind`` and damage it; returns the case ids."""
    ids = populated_with_wal(data_dir) if kind.start == "wal" else populated(data_dir)
    kind.damage(data_dir / DB_NAME, random.Random(seed))
    return ids


def flip_bytes(db: Path, count: int, rng: random.Random) -> None:
    """``count`` random single-byte changes anywhere after the header."""
    def change(data: bytearray) -> bytearray:
        for _ in range(count):
            position = rng.randrange(100, len(data))
            data[position] ^= rng.randrange(1, 256)
        return data

    _rewrite(db, change)
