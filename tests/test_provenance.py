"""Provenance stays inside the repository, and every shipped constant carries a cited source.

* No tracked file (``git ls-files``) mentions a reference file or path outside the repository:
  a citation names the primary source (authors, year, table or figure) itself.
* Every material-library property and parameter set, every fatigue-constant set and every
  constant in it has a non-empty source and a status tag [V], [S], [C] or [U].
* docs/references-materials.md is what docs/make_references.py generates from the library.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from thermofatigue.fatigue.constants import LAW_CONSTANTS, available_sets, get_constants
from thermofatigue.materials.library import PARAMETER_SECTIONS, library_data

ROOT = Path(__file__).resolve().parents[1]
STATUS_TAGS = ("[V]", "[S]", "[C]", "[U]")
#: strings that point outside the repository (reference files of the founding team, their paths)
OUTSIDE_POINTERS = ("DATA.md", "FATIGUE.md", "DESIGN.md", "REVIEW.md", "/" + "work/",
                    "shared/reference")


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    names = [n for n in listing.stdout.decode("utf-8").split("\0") if n]
    this = Path(__file__).resolve()
    return [ROOT / n for n in names if (ROOT / n).is_file() and (ROOT / n).resolve() != this]


def outside_pointers(paths, root) -> list[str]:
    """``file:[lines] 'pointer'`` for every pointer outside the repository found in ``paths``."""
    offending = []
    for path in paths:
        data = path.read_bytes()
        for pointer in OUTSIDE_POINTERS:
            if pointer.encode() in data:
                lines = data.decode("utf-8", "replace").splitlines()
                hits = [i + 1 for i, line in enumerate(lines) if pointer in line]
                offending.append(f"{path.relative_to(root)}:{hits[:5]} {pointer!r}")
    return offending


def test_no_tracked_file_points_outside_the_repository():
    files = tracked_files()
    assert len(files) > 50  # the listing really covers the repository
    offending = outside_pointers(files, ROOT)
    assert not offending, "pointers outside the repository:\n" + "\n".join(offending)


def test_the_pointer_search_finds_each_pointer_and_only_those(tmp_path):
    clean = tmp_path / "clean.toml"
    clean.write_text("thickness = 0.305  # A2 nominal, Cirrus DS992F1 Tab. 10-1 [V]\n",
                     encoding="utf-8")
    for pointer in OUTSIDE_POINTERS:
        cited = tmp_path / "cited.toml"
        cited.write_text(f"[die]\nthickness = 0.305  # A2 nominal ({pointer} 6.1)\n",
                         encoding="utf-8")
        assert outside_pointers([clean, cited], tmp_path) == [f"cited.toml:[2] {pointer!r}"]


def library_entries():
    for material, entry in library_data().items():
        for key, spec in entry.items():
            if isinstance(spec, dict):  # a property or a parameter set
                yield material, key, spec


def test_every_library_value_has_a_source_and_a_status():
    entries = list(library_entries())
    materials = {m for m, _, _ in entries}
    assert {"silicon", "copper", "fr4", "sac305", "sn63pb37"} <= materials
    assert any(key in PARAMETER_SECTIONS for _, key, _ in entries)
    for material, key, spec in entries:
        assert str(spec.get("source", "")).strip(), f"{material}.{key}: no source"
        assert spec.get("status") in STATUS_TAGS, f"{material}.{key}: status {spec.get('status')!r}"


def test_every_fatigue_constant_has_a_source_and_a_status():
    sets = available_sets()
    assert {row["law"] for row in sets} >= {"darveaux", "syed_energy", "norris_landzberg"}
    for row in sets:
        label = f"{row['law']}.{row['name']}"
        assert str(row["source"]).strip(), f"{label}: no source"
        assert row["status"] in STATUS_TAGS, f"{label}: status {row['status']!r}"
        constants = get_constants(row["law"], row["solders"][0], name=row["name"])
        assert set(constants.statuses) == set(LAW_CONSTANTS[row["law"]])
        for key, status in constants.statuses.items():
            assert status in STATUS_TAGS, f"{label}.{key}: status {status!r}"


def test_every_status_field_of_the_fatigue_constants_file_is_a_tag():
    # covers the per-set metadata too (e.g. interface_layer_status)
    text = resources.files("thermofatigue.fatigue").joinpath("constants.toml").read_text("utf-8")
    found = []

    def walk(table, where):
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{where}.{key}")
            elif key.endswith("status"):
                found.append((f"{where}.{key}", value))

    walk(tomllib.loads(text), "constants")
    assert found
    bad = [(where, value) for where, value in found if value not in STATUS_TAGS]
    assert not bad, bad


def load_reference_script():
    script = ROOT / "docs" / "make_references.py"
    if not script.exists():
        pytest.skip("docs/ not present (installed package)")
    spec = importlib.util.spec_from_file_location("make_references", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_materials_reference_page_matches_the_library():
    module = load_reference_script()
    page = ROOT / "docs" / "references-materials.md"
    assert page.read_text(encoding="utf-8") == module.render(), (
        "docs/references-materials.md is out of date: run python docs/make_references.py")


def test_materials_reference_page_has_one_row_per_library_value():
    module = load_reference_script()
    rows = module.rows(library_data())
    assert len(rows) == len(list(library_entries()))
    by_key = {(r[0], r[1]): r for r in rows}
    # a constant, a polynomial and a parameter set, with their sources and statuses
    assert by_key[("copper", "E")][2] == "130 GPa" and by_key[("copper", "E")][4] == "[V]"
    assert by_key[("sac305", "E")][2].startswith("46313.65 - 109 T MPa")
    assert "Kariya" in by_key[("sac305", "E")][3]
    anand = by_key[("sac305", "anand")]
    assert "h0 = 180000 MPa" in anand[2] and "Motalab" in anand[3] and anand[4] == "[S]"
