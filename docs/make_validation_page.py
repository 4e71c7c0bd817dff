"""Regenerate the generated sections of docs/validation.md from the packaged cases.

    python docs/make_validation_page.py

Runs every packaged validation case at its quick level (a few seconds) and rewrites the text
between the ``<!-- cases:begin -->`` / ``<!-- cases:end -->`` markers (the case list, grouped by
kind) and between ``<!-- results:begin -->`` / ``<!-- results:end -->`` (the runner's Markdown
report). Everything else in the page is written by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

from thermofatigue.validation import (case_names, format_markdown, load_validation_case,
                                      run_validation)

PAGE = Path(__file__).resolve().parent / "validation.md"

#: case type -> group of the page; a type missing here lands in the last group, never dropped
GROUPS = {
    "Analytical finite-element solutions": (
        "free_thermal_expansion", "thermal_strain_cycle", "timoshenko_bimetal",
        "stoney_thin_film", "shear_lag_interface"),
    "Material models (material point)": (
        "anand_saturation", "anand_transient", "steady_creep", "uniaxial_plasticity"),
    "Fatigue laws": ("fatigue_law_example",),
    "Cross-solver (CalculiX)": ("calculix_thermoelastic_strip", "calculix_norton_slice"),
    "Published board-level studies": ("published_study",),
    "Convergence of the answer": ("answer_convergence",),
}
UNGROUPED = "Other cases"


def _group_of(case_type: str) -> str:
    for group, types in GROUPS.items():
        if case_type in types:
            return group
    return UNGROUPED


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def case_list(outcomes) -> str:
    """One table per group: case, what it checks, checks run, source and status."""
    checks: dict[str, int] = {}
    for o in outcomes:
        checks[o.case] = checks.get(o.case, 0) + 1
    rows: dict[str, list[str]] = {}
    for name in case_names():
        spec = load_validation_case(name)
        source = spec["source"]
        rows.setdefault(_group_of(spec["type"]), []).append(
            f"| `{name}` | {_cell(spec.get('description', ''))} | {checks.get(name, 0)} | "
            f"{_cell(source['authors'])} {source['year']} | {_cell(source['status'])} |")
    lines = []
    for group in list(GROUPS) + [UNGROUPED]:
        if group not in rows:
            continue
        lines += [f"### {group}", "",
                  "| case | what is checked | checks | source | status |",
                  "| --- | --- | --- | --- | --- |", *rows[group], ""]
    return "\n".join(lines).rstrip() + "\n"


def replace_section(text: str, tag: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {tag}:begin -->\n).*?(<!-- {tag}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{PAGE}: markers <!-- {tag}:begin/end --> not found")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> None:
    outcomes = run_validation(quick=True)
    text = PAGE.read_text(encoding="utf-8")
    text = replace_section(text, "cases", case_list(outcomes))
    report = format_markdown(outcomes).split("\n", 2)[2].lstrip("\n")   # drop the page title
    text = replace_section(text, "results", report.rstrip() + "\n")
    PAGE.write_text(text, encoding="utf-8")
    print(f"{PAGE.name}: {len(outcomes)} checks, {len(set(o.case for o in outcomes))} cases")


if __name__ == "__main__":
    main()
