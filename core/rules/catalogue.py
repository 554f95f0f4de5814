"""The catalogue of finding codes, read from the rule modules themselves (for docs/rules.md).

Reading the source keeps the documentation from drifting: ``tests/core/rules/test_catalogue``
fails when ``docs/rules.md`` differs from :func:`markdown`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

_RULES_DIR = Path(__file__).resolve().parent
_SEVERITY = {"blocker": "blocker", "warning": "warning", "info": "info",
             "_deviation": "blocker → warning when justified"}


@dataclass(frozen=True)
class CodeEntry:
    code: str
    severity: str
    step: str
    message: str


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) if not isinstance(v, ast.FormattedValue) else "…"
                       for v in node.values)
    if isinstance(node, ast.BinOp):
        return _text(node.left) + _text(node.right)
    return "…"


def entries() -> list[CodeEntry]:
    found: dict[str, CodeEntry] = {}
    for path in sorted(_RULES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = (node.func.attr if isinstance(node.func, ast.Attribute)
                    else node.func.id if isinstance(node.func, ast.Name) else "")
            if name not in _SEVERITY:
                continue
            args = node.args[1:] if name == "_deviation" else node.args
            if name == "_deviation":
                code, step = _text(args[2]), "medication"
                message = _text(args[3]) + " (+ what is recorded or still missing)"
            else:
                code, step, message = _text(args[0]), _text(args[1]), _text(args[3])
            if code == "…" or code.startswith("IDENTITY_…"):
                continue
            found.setdefault(code, CodeEntry(code, _SEVERITY[name], step,
                                             " ".join(message.split())))
    for error in ("EMPTY", "LENGTH", "NOT_DIGITS", "CHECKSUM", "DATE", "FUTURE"):
        code = f"IDENTITY_{error}"
        found[code] = CodeEntry(code, "blocker", "patient",
                                "The identity number is invalid (see core/identity.py).")
    return sorted(found.values(), key=lambda e: e.code)


def markdown() -> str:
    lines = [
        "# Finding codes",
        "",
        "Generated from `core/rules/*.py` by `core.rules.catalogue` "
        "(`python -m core.rules.catalogue > docs/rules.md`).",
        "",
        "*Blockers* stop the consent and the treatment plan from being exported; the journal "
        "note can always be exported. *Warnings* must be looked at. A deviation from the "
        "guidance (dose outside the range, methadone, diazepam with reduced respiration, a "
        "drug not in the table) is a blocker until a written justification **and** the "
        "specialist who agreed are recorded; then it stays visible as a warning. Thresholds "
        "and ranges come from the pathway file, never from code.",
        "",
        "Findings of the step `course` concern the course of treatment after the consultation "
        "(follow-up entries, dose decisions, isolation, taper, end); they appear once the "
        "course has begun. See `docs/course.md`.",
        "",
        "Which rules run depends on the case's pathway: the rules of a legal condition run only "
        "when the pathway declares that condition (`C3_*` and the quarantine plan rules "
        "`PATIENT_CONTACT_MISSING`, `NO_PLAN_AFTER_ISOLATION` only for "
        "`karantene-substitusjon`), and the `TAPERING_*` rules only for a pathway with a "
        "`tapering` section (`nedtrappingsplan`; see `docs/content.md`).",
        "",
        "| code | severity | step | message (English source; shown translated) |",
        "|---|---|---|---|",
    ]
    for e in entries():
        lines.append(f"| `{e.code}` | {e.severity} | {e.step} | {e.message} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
