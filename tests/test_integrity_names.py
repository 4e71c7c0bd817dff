"""Region and boundary names known before meshing, and [materials]/[boundary] checked against
them with an error naming the case file, the field and the closest valid name.

``expected_regions`` is compared with the names of meshes gmsh actually builds: the four
families as 2D slices and a 3D octant in the default run, every family in every kind behind
``-m slow`` (about 80 s).
"""

import copy
from pathlib import Path

import pytest

from thermofatigue.case import load_case
from thermofatigue.errors import InputError
from thermofatigue.geometry import build_mesh
from thermofatigue.geometry.expected import expected_regions
from thermofatigue.mesh import read_mesh
from thermofatigue.preflight import check_names, preflight

ROOT = Path(__file__).resolve().parent.parent
COARSE = {"size": 0.3}
SPECS = {  # coarse packages of every family (as in test_geometry.py)
    "wlcsp": {
        "family": "wlcsp", "passivation": {}, "dielectric": [{}, {}], "rdl": {},
        "ubm": {"opening": 0.12}, "ball": {"diameter": 0.26},
        "array": {"rows": 3, "columns": 3, "pitch": 0.4},
        "underfill": {"fillet_width": 0.2, "fillet_height": 0.1},
        "mesh": dict(COARSE, joint_size=0.09, corner_joint_size=0.065),
    },
    "cu_post_wlcsp": {
        "family": "cu_post_wlcsp", "dielectric": [{}], "rdl": {},
        "post": {"diameter": 0.2, "height": 0.05}, "backside_resin": {"thickness": 0.025},
        "ball": {"diameter": 0.26}, "array": {"rows": 3, "columns": 3, "pitch": 0.4},
        "mesh": dict(COARSE, joint_size=0.09, corner_joint_size=0.065),
    },
    "flip_chip": {
        "family": "flip_chip", "ubm": {"diameter": 0.08}, "ball": {"diameter": 0.1},
        "board_pad": {"diameter": 0.08, "thickness": 0.018},
        "solder_mask": {"type": "smd", "opening": 0.07, "thickness": 0.04},
        "array": {"rows": 4, "columns": 4, "pitch": 0.15},
        "underfill": {"fillet_width": 0.15, "fillet_height": 0.15},
        "mesh": dict(COARSE, joint_size=0.035, corner_joint_size=0.025),
    },
    "fan_out": {
        "family": "fan_out", "die": {"size_x": 1.0, "size_y": 1.0, "thickness": 0.2},
        "mold": {"size_x": 2.0, "size_y": 2.0, "thickness": 0.3}, "ball": {"diameter": 0.26},
        "array": {"rows": 4, "columns": 4, "pitch": 0.4,
                  "missing": [[1, 1], [1, 2], [2, 1], [2, 2]]},
        "mesh": dict(COARSE, joint_size=0.09, corner_joint_size=0.065),
    },
}


def names_of_built_mesh(spec, kind, folder):
    built = build_mesh(spec, kind=kind, path=str(Path(folder) / f"{kind}.msh"), verbose=False)
    tagged = read_mesh(built.path)
    return set(tagged.regions), set(tagged.boundaries)


@pytest.mark.parametrize("family", sorted(SPECS))
def test_expected_names_match_built_slice(family, tmp_path):
    assert expected_regions(SPECS[family], "slice2d") == \
        names_of_built_mesh(SPECS[family], "slice2d", tmp_path)


def test_expected_names_match_built_octant(tmp_path):
    regions, boundaries = expected_regions(SPECS["wlcsp"], "octant")
    assert (regions, boundaries) == names_of_built_mesh(SPECS["wlcsp"], "octant", tmp_path)
    assert {"sym_y", "sym_xy", "board_bottom"} <= boundaries and "sym_x" not in boundaries
    assert {"joint_4", "joint_4_die_layer", "joint_8_board_layer", "rdl", "underfill"} <= regions


def test_expected_names_match_shipped_meshes():
    for kind in ("octant", "slice2d"):
        spec = ROOT / "meshes" / f"wlcsp_0p4_{kind}.toml"
        tagged = read_mesh(ROOT / "meshes" / f"wlcsp_0p4_{kind}.msh")
        assert expected_regions(spec, kind) == (set(tagged.regions), set(tagged.boundaries))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["quarter", "octant", "full"])
@pytest.mark.parametrize("family", sorted(SPECS))
def test_expected_names_match_every_built_kind(family, kind, tmp_path):
    assert expected_regions(SPECS[family], kind) == \
        names_of_built_mesh(SPECS[family], kind, tmp_path)


def test_expected_names_refuse_a_kind_the_spec_cannot_build():
    spec = copy.deepcopy(SPECS["fan_out"])
    spec["array"]["missing"] = [[0, 0]]
    with pytest.raises(InputError, match="array.missing"):
        expected_regions(spec, "quarter")


# ----------------------------------------------------------------------------------------------
# the case's names, before gmsh starts
# ----------------------------------------------------------------------------------------------
def checked(overrides, tmp_path):
    case = load_case(None, overrides={**overrides,
                                      "output": {"directory": str(tmp_path / "out")}})
    regions, boundaries = expected_regions(case.geometry, case.geometry_kind)
    check_names(case, regions, boundaries)
    return case


def test_default_case_names_pass(tmp_path):
    checked({}, tmp_path)


@pytest.mark.parametrize("overrides, field, closest", [
    ({"materials": {"die": "silicon", "board": "fr4", "jiont_*": "sac305"}},
     "materials.jiont_*", "joint_*"),
    ({"materials": {"dye": "silicon", "board": "fr4", "joint_*": "sac305"}},
     "materials.dye", "die"),
    ({"boundary": {"sym_xz": "symmetry"}}, "boundary.sym_xz", "sym_xy"),
    ({"boundary": {"bord_bottom": "fixed"}}, "boundary.bord_bottom", "board_bottom"),
])
def test_misspelt_names_name_the_case_file_and_closest(overrides, field, closest, tmp_path):
    with pytest.raises(InputError) as exc:
        checked(overrides, tmp_path)
    text = str(exc.value)
    assert "\n" not in text
    assert text.startswith(str(ROOT / "thermofatigue" / "data" / "default_case.toml") + ": ")
    assert f"{field} = " in text and f"closest: '{closest}'" in text
    assert ".msh" not in text  # the case file is named, not the generated mesh


def test_region_without_material_is_named(tmp_path):
    with pytest.raises(InputError) as exc:
        checked({"materials": {"die": "silicon", "joint_*": "sac305"}}, tmp_path)
    assert "materials = 'board'" in str(exc.value)


def test_preflight_refuses_before_any_file_is_written(tmp_path):
    case = load_case(None, overrides={"boundary": {"sym_q": "symmetry"},
                                      "output": {"directory": str(tmp_path / "out")}})
    with pytest.raises(InputError, match="boundary.sym_q"):
        preflight(case)
    assert list(tmp_path.iterdir()) == []
