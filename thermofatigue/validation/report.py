"""The validation table (terminal), and the JSON and Markdown reports."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import InputError

COLUMNS = ("case", "quantity", "computed", "target", "tolerance", "source", "result")


def _number(x: float) -> str:
    return f"{x:.6g}" if x != 0 else "0"


def _tolerance(outcome) -> str:
    if outcome.tolerance_kind == "relative":
        return f"{100 * outcome.tolerance:.3g} %"
    unit = f" {outcome.unit}" if outcome.unit else ""
    return f"+-{outcome.tolerance:.3g}{unit}"


def _cells(outcome) -> tuple:
    unit = f" {outcome.unit}" if outcome.unit else ""
    return (outcome.case, outcome.quantity, _number(outcome.computed) + unit,
            _number(outcome.target) + unit, _tolerance(outcome), outcome.source,
            outcome.result)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary_line(outcomes) -> str:
    """``N of M checks passed`` with the levels run, the documented discrepancies and the
    cases that failed."""
    failed = sorted({o.case for o in outcomes if not o.ok})
    levels = sorted({o.level for o in outcomes})
    line = (f"{sum(o.passed and not o.known_discrepancy for o in outcomes)} of {len(outcomes)} "
            f"checks passed ({', '.join(levels)} level{'s' if len(levels) > 1 else ''}, "
            f"{_count(len({o.case for o in outcomes}), 'case')})")
    differs = [o for o in outcomes if o.known_discrepancy and not o.passed]
    if differs:
        line += (f"; {_count(len(differs), 'check')} differ from a published result as "
                 f"documented ({', '.join(sorted({o.case for o in differs}))}: see their README)")
    if failed:
        line += f"; FAILED: {', '.join(failed)}"
    return line


def format_table(outcomes) -> str:
    """A plain-text table, one row per outcome, and the summary line."""
    rows = [COLUMNS] + [_cells(o) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines + ["", summary_line(outcomes)])


def format_markdown(outcomes) -> str:
    """The report as a Markdown table (the validation page of the docs)."""
    head = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join(" --- " for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(o)) + " |"
            for o in outcomes]
    return "\n".join(["# Validation report", "", summary_line(outcomes), "", head, rule]
                     + body) + "\n"


def prepare_report_directory(directory) -> Path:
    """Create ``directory`` if needed and check that it is writable (call it before a long
    run, so that a bad directory fails at once); InputError otherwise."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("validate", "report directory", str(directory),
                         f"a writable directory ({exc.strerror})") from None
    if not os.access(directory, os.W_OK):
        raise InputError("validate", "report directory", str(directory),
                         "a writable directory (permission denied)")
    return directory


def write_report(outcomes, directory) -> list[Path]:
    """Write ``validation.json`` (every field of every outcome) and ``validation.md`` into
    ``directory`` (created if needed); each file is written whole or not at all. Returns the
    two paths."""
    directory = prepare_report_directory(directory)
    document = {"summary": summary_line(outcomes),
                "passed": all(o.ok for o in outcomes),
                "outcomes": [o.as_dict() for o in outcomes]}
    texts = {"validation.json": json.dumps(document, indent=2) + "\n",
             "validation.md": format_markdown(outcomes)}
    paths = []
    for name, text in texts.items():
        path = directory / name
        partial = path.with_name(f".{name}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            raise InputError("validate", "report directory", str(directory),
                             f"a writable directory ({exc.strerror})") from None
        paths.append(path)
    return paths
