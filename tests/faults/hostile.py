"""Hostile input (battery I1, I2, S1, X5, X6): the values, every text field, and what counts as
handled.  Used by ``tests/test_hostile_input.py`` and the scoreboard.

*Handled* means one of two things, never a third:

* **stored** — accepted, and what comes back (from the model, the case file, the database)
  equals the input, or the input after the documented normalisation (:func:`clean_text`,
  ``docs/hostile-input.md``);
* **rejected with a clear message** — pydantic's ``ValidationError`` or the importer's
  ``CaseFileError``, naming the field.

Anything else (another exception, a value that comes back different) is a **crash**.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core import casefile
from core.case import Case, ExtraMeasure, ExtraRiskPoint
from core.casefile import CaseFileError
from core.casepath import CasePathError, get_value, set_value
from core.identity import IdentityError, IdentityKind, check, mask, with_check_digits

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "opioid-komplett.json"
SAMI = "Áá Čč Đđ Ŋŋ Šš Ŧŧ Žž"

#: name → value.  Chosen to hit every class in the battery; the long ones are built lazily.
HOSTILE: dict[str, str] = {
    "control characters": "a\x01\x02\x07\x08\x0b\x0c\x1b[31mb\x7f\x85\x9bc",
    "NUL": "før\x00etter",
    "lone surrogates": "a\ud800b\udfffc",
    "bidi overrides": "Ola \u202eNordmann\u202c og \u2066x\u2069 \u200fslutt",
    "zero-width characters": "O\u200bl\u200ca\u200d\u2060\ufeff",
    "emoji": "😀 👨\u200d👩\u200d👧 🇳🇴 ❤️",
    "Sami letters": SAMI,
    "Sami letters decomposed (NFD)": unicodedata.normalize("NFD", SAMI),
    "Norwegian letters": "Æ Ø Å æ ø å",
    "right-to-left text": "مرحبا שלום",
    "SQL injection": "Robert'); DROP TABLE cases;-- ' OR '1'='1 \"; DELETE FROM audit_log;--",
    "reportlab markup": ('<font color=red>rød</font> & <b>fet</b> ]]> <img src="/etc/passwd"/> '
                         '<para>&amp;</para> [[[x]]] <br/>'),
    "path-like names": r"../../x CON nul.pdf a:b trailing. \\server\share",
    "line breaks of every kind": "linje1\r\nlinje2\rlinje3\u2028linje4\u2029linje5",
    "format placeholders": "{patient} %s %(name)s {0} {{",
    "10,000-character name": "N" * 10_000,
    "1 MB note": "x" * 1_000_000,
    "2,000 characters (short-field limit)": "Š" * 2_000,
    "100,000 characters (long-field limit)": "ŋ " * 50_000,
}

_DROP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (not tab, newline), DEL, C1
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
    "\u200b\u2060\ufeff]"  # zero-width space, word joiner, BOM
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The documented normalisation of free text (``docs/hostile-input.md``): reference
    implementation.  Line breaks become ``\\n``; controls, bidi overrides and invisible
    zero-width characters are removed (ZWJ/ZWNJ stay: emoji and some scripts need them);
    lone surrogates become U+FFFD; the result is NFC."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", _DROP.sub("", text))


def _repair_surrogates(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


# ---- the fields ---------------------------------------------------------------------------------


def full_example() -> Case:
    """The complete example, with one entry in every list, so every text field exists."""
    case = casefile.read(EXAMPLE)
    case.extra_risk_points.append(ExtraRiskPoint(title="Ekstra", assessment="low", note="x"))
    case.extra_measures.append(ExtraMeasure(title="Tiltak", details="y"))
    return case


def string_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths (``casepath`` syntax) of every ``str`` field in a case."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            path = f"{prefix}{name}"
            if isinstance(value, str):
                yield path
            else:
                yield from string_paths(value, path + ".")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from string_paths(value, f"{prefix}{index}.")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from string_paths(value, f"{prefix}{key}.")


def free_text_paths(case: Case) -> list[str]:
    """Text fields the GP types into (not ids, codes or choices from a list)."""
    closed = ("id", "pathway_id", "status", "substance", "drug", "formulation",
              "assessment", "icd10")
    result = []
    for path in string_paths(case):
        if path.rsplit(".", 1)[-1] in closed:
            continue
        probe = case.model_copy(deep=True)
        try:
            set_value(probe, path, "Prøve")
        except (ValidationError, CasePathError):
            continue  # a Literal choice
        result.append(path)
    return result


# ---- outcomes -------------------------------------------------------------------------------


@dataclass
class Tally:
    tried: int = 0
    stored_verbatim: int = 0
    stored_normalised: int = 0
    clear_errors: int = 0
    crashes: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: str, detail: str = "") -> None:
        self.tried += 1
        if outcome == "verbatim":
            self.stored_verbatim += 1
        elif outcome == "normalised":
            self.stored_normalised += 1
        elif outcome == "rejected":
            self.clear_errors += 1
        else:
            self.crashes += 1
            self.problems.append(detail)

    def merge(self, other: Tally) -> None:
        self.tried += other.tried
        self.stored_verbatim += other.stored_verbatim
        self.stored_normalised += other.stored_normalised
        self.clear_errors += other.clear_errors
        self.crashes += other.crashes
        self.problems.extend(other.problems)


def judge_stored(sent: str, got: Any) -> str:
    if got == sent:
        return "verbatim"
    if got in (clean_text(sent), _repair_surrogates(sent)):
        return "normalised"
    return "crash"


def _loc_matches(loc: tuple[Any, ...], path: str) -> bool:
    return ".".join(str(part) for part in loc).startswith(path)


def try_model(case: Case, path: str, value: str) -> tuple[str, str]:
    """Type ``value`` into the field at ``path`` (as the wizard does, via ``set_value``)."""
    try:
        set_value(case, path, value)
    except ValidationError as exc:
        first = exc.errors()[0]
        if _loc_matches(tuple(first["loc"]), path.rsplit(".", 1)[-1]) and first["msg"]:
            return "rejected", ""
        return "crash", f"model {path}: unclear error {first}"
    except Exception as exc:
        return "crash", f"model {path}: {type(exc).__name__}"
    outcome = judge_stored(value, get_value(case, path))
    return outcome, "" if outcome != "crash" else f"model {path}: changed on the way in"


def _set_json(document: dict[str, Any], path: str, value: str) -> None:
    node: Any = document
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[keys[-1]] = value


def try_importer(document: dict[str, Any], path: str, value: str) -> tuple[str, str]:
    """Read a case file that has ``value`` in the field at ``path``."""
    copy = json.loads(json.dumps(document))
    _set_json(copy["case"], path, value)
    text = json.dumps(copy, ensure_ascii=True)  # lone surrogates as \\ud800 escapes
    try:
        case = casefile.loads(text)
    except CaseFileError as exc:
        if exc.field.startswith(f"case.{path}") and exc.message:
            return "rejected", ""
        return "crash", f"import {path}: error names {exc.field!r}"
    except Exception as exc:
        return "crash", f"import {path}: {type(exc).__name__}"
    outcome = judge_stored(value, get_value(case, path))
    return outcome, "" if outcome != "crash" else f"import {path}: changed on the way in"


# ---- identity numbers -----------------------------------------------------------------------

TODAY = date(2026, 11, 22)


def _number(first_nine: str) -> str:
    number = with_check_digits(first_nine)
    assert number is not None, first_nine
    return number


def _with_first_remainder(first_nine: str, remainder: int) -> str | None:
    """A number whose first check sum leaves ``remainder`` (1–3: only the 2032 rule takes it),
    with a correct second check digit."""
    weights1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    weights2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    total = sum(w * int(d) for w, d in zip(weights1, first_nine, strict=True))
    k1 = (remainder - total) % 11
    if k1 == 10:
        return None
    ten = first_nine + str(k1)
    k2 = (11 - sum(w * int(d) for w, d in zip(weights2, ten, strict=True)) % 11) % 11
    return None if k2 == 10 else ten + str(k2)


@dataclass(frozen=True)
class IdentityCase:
    label: str
    number: str
    valid: bool
    kind: IdentityKind | None = None
    synthetic: bool = False
    rule_2032: bool = False
    error: IdentityError | None = None


def identity_table() -> list[IdentityCase]:
    """Every kind of number, valid and broken (synthetic persons only)."""
    tenor = "15888510025"  # Skatteetaten's Tenor (synthetic), month + 80
    table = [
        IdentityCase("ordinary fødselsnummer (Skatteetaten vector)", "30108299920", True,
                     IdentityKind.FODSELSNUMMER),
        IdentityCase("synthetic +80 (Tenor)", tenor, True, IdentityKind.FODSELSNUMMER,
                     synthetic=True),
        IdentityCase("synthetic +65", _number("157385" + "123"), True,
                     IdentityKind.FODSELSNUMMER, synthetic=True),
        IdentityCase("D-nummer", _number("551085" + "123"), True, IdentityKind.D_NUMMER),
        IdentityCase("D-nummer with month + 40 (NAV synthetic)", "55507608360", True,
                     IdentityKind.D_NUMMER, synthetic=True),
        IdentityCase("synthetic D-nummer +80", "55888510019", True, IdentityKind.D_NUMMER,
                     synthetic=True),
        IdentityCase("H-nummer (month + 40)", _number("154885" + "120"), True,
                     IdentityKind.H_NUMMER),
        IdentityCase("FH-nummer", next(n for n in (with_check_digits(f"8{i:08d}")
                                                   for i in range(1, 200)) if n), True,
                     IdentityKind.FH_NUMMER),
        IdentityCase("2032 rule (Skatteetaten vector)", "30108299939", True,
                     IdentityKind.FODSELSNUMMER, rule_2032=True),
        IdentityCase("typed with spaces and a hyphen", "158885 100-25", True,
                     IdentityKind.FODSELSNUMMER, synthetic=True),
        IdentityCase("typed with a no-break space", "158885\u00a010025", True,
                     IdentityKind.FODSELSNUMMER, synthetic=True),
        IdentityCase("wrong first check digit", tenor[:9] + "3" + tenor[10], False,
                     error=IdentityError.CHECKSUM),
        IdentityCase("wrong second check digit", tenor[:10] + "6", False,
                     error=IdentityError.CHECKSUM),
        IdentityCase("ten digits", tenor[:10], False, error=IdentityError.LENGTH),
        IdentityCase("twelve digits", tenor + "0", False, error=IdentityError.LENGTH),
        IdentityCase("empty", "", False, error=IdentityError.EMPTY),
        IdentityCase("only spaces", "   ", False, error=IdentityError.EMPTY),
        IdentityCase("letters", "15o8851oo25", False, error=IdentityError.NOT_DIGITS),
        IdentityCase("Arabic-Indic digits", "١٥٨٨٨٥١٠٠٢٥", False,
                     error=IdentityError.NOT_DIGITS),
        IdentityCase("full-width digits", "１５８８８５１００２５", False,
                     error=IdentityError.NOT_DIGITS),
        IdentityCase("Devanagari digits", "१५८८८५१००२५", False, error=IdentityError.NOT_DIGITS),
        IdentityCase("superscript digits", "¹⁵⁸⁸⁸⁵¹⁰⁰²⁵", False,
                     error=IdentityError.NOT_DIGITS),
        IdentityCase("zero-width space inside", "158885\u200b10025", False,
                     error=IdentityError.NOT_DIGITS),
        IdentityCase("NUL inside", "158885\x0010025", False, error=IdentityError.NOT_DIGITS),
        IdentityCase("SQL injection", "1' OR '1'='1", False, error=IdentityError.NOT_DIGITS),
        IdentityCase("10,000 digits", "1" * 10_000, False, error=IdentityError.LENGTH),
        IdentityCase("all zeros", "00000000000", False, error=IdentityError.DATE),
        IdentityCase("31 February", _number("310285" + "123"), False,
                     error=IdentityError.DATE),
        IdentityCase("born after today", _number("011226" + "512"), False,
                     error=IdentityError.FUTURE),
    ]
    for remainder in (1, 2, 3):
        number = next(n for n in (_with_first_remainder(f"150885{i:03d}", remainder)
                                  for i in range(100, 400)) if n)
        table.append(IdentityCase(f"2032 rule, first remainder {remainder}", number, True,
                                  IdentityKind.FODSELSNUMMER, rule_2032=True))
    d_2032 = next(n for n in (_with_first_remainder(f"550885{i:03d}", 2)
                              for i in range(100, 400)) if n)
    table.append(IdentityCase("2032 rule on a D-nummer", d_2032, True, IdentityKind.D_NUMMER,
                              rule_2032=True))
    broken = next(n for n in (_with_first_remainder(f"150885{i:03d}", 4)
                              for i in range(100, 400)) if n)
    table.append(IdentityCase("first remainder 4 (no rule takes it)", broken, False,
                              error=IdentityError.CHECKSUM))
    return table


def judge_identity(row: IdentityCase) -> tuple[str, str]:
    try:
        result = check(row.number, today=TODAY)
        masked = mask(row.number)
    except Exception as exc:
        return "crash", f"identity {row.label}: {type(exc).__name__}"
    if len(masked) > 32:
        return "crash", f"identity {row.label}: masked form too long for the list"
    if row.valid:
        ok = (result.valid and result.kind is row.kind and result.synthetic == row.synthetic
              and result.rule_2032 == row.rule_2032)
        return ("verbatim", "") if ok else ("crash", f"identity {row.label}: {result}")
    if result.errors == (row.error,):
        return "rejected", ""
    return "crash", f"identity {row.label}: expected {row.error}, got {result.errors}"


# ---- whole cases: store and documents -------------------------------------------------------

#: Values a field can hold (the others are refused by the model, which the battery checks).
STORABLE = [name for name in HOSTILE
            if name not in ("lone surrogates", "1 MB note", "10,000-character name")]
#: Values rendered into every document (the longest note has its own, slower test).
PDF_VALUES = [name for name in STORABLE if name != "100,000 characters (long-field limit)"]


def hostile_case(value: str, base: Case | None = None) -> Case:
    """The example with ``value`` in every free-text field that takes it."""
    case = (base or full_example()).model_copy(deep=True)
    for path in free_text_paths(case):
        # Too long for this field: refused, and the old value kept.
        with contextlib.suppress(ValueError):
            set_value(case, path, value)
    return case


def store_round_trip(store: Any, value: str) -> tuple[str, str]:
    """Save a hostile case, load it back, compare every free-text field."""
    case = hostile_case(value)
    try:
        store.save(case)
        stored = store.load(case.id).case
    except Exception as exc:
        from core.storage import StorageError

        if isinstance(exc, StorageError):
            return "rejected", ""
        return "crash", f"store: {type(exc).__name__}"
    for path in free_text_paths(case):
        if judge_stored(get_value(case, path), get_value(stored, path)) == "crash":
            return "crash", f"store {path}: changed on the way"
    return ("verbatim" if stored == case else "normalised"), ""


def render_all(value: str, out_dir: Path) -> tuple[str, str]:
    """Export the journal (as the app does) and render every document; nothing may fail."""
    import io

    import pypdf

    from core.content import load_library
    from core.export import build_documents, export_documents
    from core.pdf import render

    case = hostile_case(value)
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    assert pathway is not None
    try:
        export_documents(case, pathway, out_dir)
        texts = []
        for document in build_documents(case, pathway):
            reader = pypdf.PdfReader(io.BytesIO(render(document)))
            texts.append(unicodedata.normalize(
                "NFC", "\n".join(page.extract_text() for page in reader.pages)))
    except Exception as exc:
        return "crash", f"pdf: {type(exc).__name__}"
    letters = SAMI.replace(" ", "")
    wanted = SAMI in unicodedata.normalize("NFC", value)
    if wanted and not all(letter in text for letter in letters for text in texts):
        return "crash", "pdf: Sami letters missing from the text"
    return "verbatim", ""


# ---- the battery in one call (for the scoreboard) -------------------------------------------


def run_battery(workdir: Path | None = None) -> dict[str, Tally]:
    """Model, importer, identity numbers and — with ``workdir`` — the SQLite store and PDFs."""
    base = full_example()
    document = casefile.to_document(base)
    paths = list(string_paths(base))
    model, importer, identity = Tally(), Tally(), Tally()
    for value in HOSTILE.values():
        for path in paths:
            model.add(*try_model(base.model_copy(deep=True), path, value))
            importer.add(*try_importer(document, path, value))
    for row in identity_table():
        identity.add(*judge_identity(row))
    tallies = {"model fields": model, "case-file importer": importer,
               "identity numbers": identity}
    if workdir is not None:
        from core.storage import Store

        stored, rendered = Tally(), Tally()
        store = Store.open(data_dir=workdir / "store")
        try:
            for name in STORABLE:
                stored.add(*store_round_trip(store, HOSTILE[name]))
        finally:
            store.close()
        for index, name in enumerate(PDF_VALUES):
            rendered.add(*render_all(HOSTILE[name], workdir / f"pdf-{index}"))
        tallies["store (SQLite)"] = stored
        tallies["documents (PDF)"] = rendered
    return tallies
