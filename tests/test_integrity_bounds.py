"""Absurd counts, durations, sizes and model sizes are refused before any work, unless forced;
the element-count estimate made before meshing agrees with what gmsh builds."""

import json
from pathlib import Path

import pytest

from thermofatigue.case import load_case
from thermofatigue.errors import InputError
from thermofatigue.geometry import build_mesh
from thermofatigue.geometry.estimate import estimate_elements
from thermofatigue.preflight import (MAX_CYCLES, MAX_ELEMENTS, check_bounds, check_cycles,
                                     preflight)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASE = ROOT / "thermofatigue" / "data" / "default_case.toml"


def case_with(tmp_path, **sections):
    return load_case(None, overrides={**sections, "output": {"directory": str(tmp_path / "o")}})


def one_line(exc, *parts):
    text = str(exc.value)
    assert "\n" not in text, text
    for part in parts:
        assert part in text, text
    return text


def test_default_case_is_within_bounds(tmp_path):
    assert preflight(case_with(tmp_path)) == []


def test_too_many_cycles_refused_then_forced(tmp_path):
    case = case_with(tmp_path, load={"cycles": 1000})
    with pytest.raises(InputError) as exc:
        check_bounds(case)
    one_line(exc, str(DEFAULT_CASE), "load.cycles = 1000", f"at most {MAX_CYCLES}", "--force")
    warnings = check_bounds(case, force=True)
    assert len(warnings) == 1 and "load.cycles" in warnings[0]


def test_cycle_count_checked_before_a_profile_is_built():
    """A billion cycles: refused from the number alone (a profile of them would not fit)."""
    with pytest.raises(InputError) as exc:
        check_cycles(10**9, "case.toml")
    one_line(exc, "case.toml: load.cycles = 1000000000")
    assert check_cycles(3, "case.toml") == []
    assert check_cycles(5000, "case.toml", force=True)[0].startswith("forced: ")
    with pytest.raises(InputError, match="even when forced"):
        check_cycles(10**9, "case.toml", force=True)


@pytest.mark.parametrize("cycles", [10**9, 1e308])
def test_billion_cycles_case_is_one_line(tmp_path, cycles):
    case = case_with(tmp_path, load={"cycles": cycles})   # parses (checked with one cycle)
    with pytest.raises(InputError) as exc:
        check_bounds(case, force=True)
    one_line(exc, "load.cycles", "even when forced")


@pytest.mark.parametrize("load, field", [
    ({"dwell": 1e15}, "load.dwell = 1000000000000000.0"),
    ({"dwell_hot": 2 * 86400.0}, "load.dwell_hot = 172800.0"),
    ({"ramp_time": 1e7}, "load.ramp_time"),
    ({"ramp_rate": 1e-9}, "load.ramp_rate = 1e-09"),
    ({"cool_down_rate": 1e-9}, "load.cool_down_rate = 1e-09"),
])
def test_durations_longer_than_a_day_refused(tmp_path, load, field):
    case = case_with(tmp_path, load=load)
    with pytest.raises(InputError) as exc:
        check_bounds(case)
    one_line(exc, field, "86400 s", "--force")
    assert check_bounds(case, force=True)


def test_table_profile_with_a_year_long_dwell(tmp_path):
    table = [[0.0, 25.0], [3.2e7, 25.0], [3.2e7 + 600, 125.0], [3.2e7 + 1200, 25.0]]
    case = case_with(tmp_path, load={"preset": None, "table": table})
    with pytest.raises(InputError) as exc:
        check_bounds(case)
    one_line(exc, "load.table")


def inline_geometry(**mesh):
    spec = json.loads(json.dumps(GEOMETRY))
    spec["mesh"].update(mesh)
    return {"model": {"geometry": spec, "kind": "3d"}}


GEOMETRY = {
    "family": "wlcsp", "die": {"size_x": 1.82, "size_y": 1.82, "thickness": 0.305},
    "passivation": {}, "dielectric": [{}, {}], "rdl": {}, "ubm": {"diameter": 0.208},
    "ball": {"diameter": 0.26}, "array": {"rows": 4, "columns": 4, "pitch": 0.4},
    "board": {"thickness": 1.0, "size_x": 3.0, "size_y": 3.0},
    "mesh": {"kind": "octant"},
}


def test_micrometre_mesh_size_refused(tmp_path):
    case = case_with(tmp_path, **inline_geometry(size=1e-5, joint_size=1e-5,
                                                 corner_joint_size=1e-5, transition=0.01))
    with pytest.raises(InputError) as exc:
        check_bounds(case)
    one_line(exc, "[model.geometry]: mesh.size = 1e-05", "at least 0.001 mm")


def test_huge_model_refused_before_meshing_then_forced(tmp_path):
    case = case_with(tmp_path, **inline_geometry(kind="full", size=0.01, joint_size=0.01,
                                                 corner_joint_size=0.01))
    with pytest.raises(InputError) as exc:
        check_bounds(case)
    text = one_line(exc, "mesh.size = 0.01", f"at most {MAX_ELEMENTS:.3g} elements", "GB")
    assert "coarsen" in text
    assert "elements" in check_bounds(case, force=True)[0]


def test_memory_budget_refused_for_a_known_element_count():
    with pytest.raises(InputError) as exc:
        check_bounds({"source": "big.msh", "elements": 900_000, "dim": 3, "order": 2})
    one_line(exc, "big.msh", "16 GB")
    assert check_bounds({"elements": 900_000, "dim": 3, "order": 1}) == []


# ----------------------------------------------------------------------------------------------
# the estimate against built meshes
# ----------------------------------------------------------------------------------------------
SLICES = {
    "wlcsp": GEOMETRY | {"mesh": {"size": 0.2, "joint_size": 0.05, "corner_joint_size": 0.03}},
    "flip_chip": {
        "family": "flip_chip", "ubm": {"diameter": 0.08}, "ball": {"diameter": 0.1},
        "board_pad": {"diameter": 0.08, "thickness": 0.018},
        "solder_mask": {"type": "smd", "opening": 0.07, "thickness": 0.04},
        "array": {"rows": 4, "columns": 4, "pitch": 0.15},
        "mesh": {"size": 0.1, "joint_size": 0.03, "corner_joint_size": 0.02},
    },
}


@pytest.mark.parametrize("family", sorted(SLICES))
def test_estimate_within_a_factor_two_of_built_slice(family, tmp_path):
    built = build_mesh(SLICES[family], kind="slice2d", path=str(tmp_path / "m.msh"),
                       verbose=False)
    actual = built.metadata["mesh_quality"]["elements"]
    assert 0.5 < estimate_elements(SLICES[family], "slice2d") / actual < 2.0


def test_estimate_within_a_factor_two_of_shipped_3d_mesh():
    meta = json.loads((ROOT / "meshes" / "wlcsp_0p4_octant.json").read_text())
    estimate = estimate_elements(ROOT / "meshes" / "wlcsp_0p4_octant.toml", "octant")
    assert 0.5 < estimate / meta["mesh_quality"]["elements"] < 2.0


def test_estimate_scales_with_size_as_a_volume_mesh():
    """Halving every size multiplies a 3D estimate by about 2^3 (thin layers less)."""
    coarse = estimate_elements(GEOMETRY | {"mesh": {"size": 0.2, "joint_size": 0.05,
                                                    "corner_joint_size": 0.04}}, "octant")
    fine = estimate_elements(GEOMETRY | {"mesh": {"size": 0.1, "joint_size": 0.025,
                                                  "corner_joint_size": 0.02}}, "octant")
    assert 4.0 < fine / coarse < 8.5
