"""Bad files and impossible geometry: one InputError line naming the file, field and value.

Readers (geometry specs, case files, mesh side files) that are not UTF-8, are directories or hold
wrong types; physically impossible packages; meshes mixing 2D and 3D cells; solid regions that
touch nothing.
"""

import copy
import json
from pathlib import Path

import meshio
import numpy as np
import pytest
import skfem
from skfem.io.meshio import to_meshio

from thermofatigue.case import read_toml
from thermofatigue.errors import InputError, MeshError
from thermofatigue.geometry import load_spec
from thermofatigue.mesh import from_meshio, read_mesh

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "thermofatigue" / "data" / "wlcsp_0p4.toml"
SHIPPED_MESH = ROOT / "meshes" / "wlcsp_0p4_slice2d.msh"
BASE = {  # the default package as a mapping (4 x 4 balls, 0.4 mm pitch, 0.305 mm die)
    "family": "wlcsp", "die": {"size_x": 1.82, "size_y": 1.82, "thickness": 0.305},
    "passivation": {}, "dielectric": [{}, {}], "rdl": {}, "ubm": {"diameter": 0.208},
    "ball": {"diameter": 0.26}, "array": {"rows": 4, "columns": 4, "pitch": 0.4},
    "board": {"thickness": 1.0, "size_x": 3.0, "size_y": 3.0},
}


def one_line(exc, *parts):
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text, text
    for part in parts:
        assert part in text, text
    return text


def spec_with(**changes):
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        section, _, key = dotted.partition("__")
        if key:
            data.setdefault(section, {})[key] = value
        else:
            data[section] = value
    return data


# ----------------------------------------------------------------------------------------------
# files that are not text, not files, or not of the right types
# ----------------------------------------------------------------------------------------------
def test_spec_file_not_utf8(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_bytes(SPEC_FILE.read_bytes().replace(b"wlcsp", b"wl\xe9csp", 1))
    with pytest.raises(InputError) as exc:
        load_spec(path)
    one_line(exc, str(path), "UTF-8")


def test_spec_file_is_a_directory(tmp_path):
    (tmp_path / "spec.toml").mkdir()
    with pytest.raises(InputError) as exc:
        load_spec(tmp_path / "spec.toml")
    one_line(exc, "spec.toml", "directory")


@pytest.mark.parametrize("field, value, expected", [
    ("ball__diameter", "0.26", "a finite number"),
    ("array__rows", 4.0, "an integer"),
    ("array__rows", 10**9, "an integer <= 1000"),
    ("die__thickness", 1e300, "<= 1000 mm"),
    ("array", [1, 2], "a table"),
    ("dielectric", [1], "a table"),
    ("ball__diameter", None, "a value"),
])
def test_spec_wrong_types(field, value, expected):
    with pytest.raises(InputError) as exc:
        load_spec(spec_with(**{field: value}), source="pkg.toml")
    one_line(exc, "pkg.toml", field.split("__")[-1], expected)


def test_case_file_not_utf8_and_directory(tmp_path):
    bad = tmp_path / "case.toml"
    bad.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(InputError) as exc:
        read_toml(bad)
    one_line(exc, "case.toml", "UTF-8")
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(InputError) as exc:
        read_toml(tmp_path / "dir.toml")
    one_line(exc, "dir.toml")


def copy_mesh(tmp_path):
    mesh = tmp_path / "model.msh"
    mesh.write_bytes(SHIPPED_MESH.read_bytes())
    return mesh


@pytest.mark.parametrize("content, field", [
    (b"\xff\xfe{}", "UTF-8"),
    (b"[1, 2, 3]", "a JSON object"),
    (b'{"region_names": [1, 2]}', "region_names"),
    (b'{"region_names": {"die": "one"}}', "region_names.die"),
    (b'{"joints": {"a": 1}}', "joints"),
    (b'{"joints": [{"region": 3}]}', "joints[0].region"),
    (b'{"joints": [{"region": "joint_3", "x": "left"}]}', "joints[0].x"),
    (b'{"joints": [{"region": "joint_3", "id": 1.5}]}', "joints[0].id"),
    (b"{not json", "valid JSON"),
])
def test_mesh_side_file_bad(tmp_path, content, field):
    mesh = copy_mesh(tmp_path)
    mesh.with_suffix(".json").write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_mesh(mesh)
    one_line(exc, "model.json", field)


def test_mesh_side_file_is_a_directory(tmp_path):
    mesh = copy_mesh(tmp_path)
    mesh.with_suffix(".json").mkdir()
    with pytest.raises(InputError) as exc:
        read_mesh(mesh)
    one_line(exc, "model.json", "directory")


def test_region_names_from_the_case_with_wrong_types(tmp_path):
    mesh = copy_mesh(tmp_path)
    with pytest.raises(InputError) as exc:
        read_mesh(mesh, region_names={"die": [1]})
    one_line(exc, "model.region_names.die")


# ----------------------------------------------------------------------------------------------
# physically impossible geometry
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, field, expected", [
    # a 5 mm ball on one pad under a 1.8 mm die
    ({"array": {"rows": 1, "columns": 1, "pitch": 0.4}, "ball__diameter": 5.0,
      "ubm__diameter": 0.2, "board_pad": {"diameter": 0.2}}, "ball.diameter", "lengths are in mm"),
    ({"array": {"rows": 1, "columns": 1, "pitch": 0.4}, "ball__diameter": 1.0,
      "ubm__diameter": 0.2, "board_pad": {"diameter": 0.2}, "die__size_x": 0.9},
     "die.size_x", "under the package body"),
    ({"ball__diameter": 0.45}, "ball.diameter", "fits the pitch"),
    ({"passivation": {"thickness": 10.0}}, "passivation.thickness", "thinner than the die"),
    ({"dielectric": [{"thickness": 0.4}, {}]}, "dielectric[0].thickness", "thinner than the die"),
    ({"die__thickness": 0.004}, "thickness", "thinner than the die"),
    ({"solder_mask": {"thickness": 0.05}, "board__thickness": 0.04}, "solder_mask.thickness",
     "thinner than the board"),
    ({"ubm__diameter": 0.3}, "ubm.diameter", "smaller than the ball"),
    ({"die__size_x": 1.0}, "die.size_x", "mm"),
    ({"board__size_x": 1.0}, "board.size_x", "package body"),
])
def test_impossible_geometry_is_refused(changes, field, expected):
    data = spec_with(**{k: v for k, v in changes.items() if "__" in k})
    data.update({k: v for k, v in changes.items() if "__" not in k})
    with pytest.raises(InputError) as exc:
        load_spec(data, source="pkg.toml")
    one_line(exc, "pkg.toml", field, expected)


def test_shipped_specs_are_plausible():
    for path in [SPEC_FILE, *sorted((ROOT / "meshes").glob("*.toml")),
                 *sorted((ROOT / "benchmarks").glob("*.toml"))]:
        load_spec(path)


# ----------------------------------------------------------------------------------------------
# meshes: mixed dimensions, loose regions
# ----------------------------------------------------------------------------------------------
def two_blocks():
    """A board (tetrahedra, [0,1]^2 x [0,0.5]) and a die ([0,1]^2 x [0.5,0.8]) sharing nodes."""
    m = skfem.MeshTet.init_tensor(np.linspace(0, 1, 3), np.linspace(0, 1, 3),
                                  np.array([0.0, 0.25, 0.5, 0.65, 0.8]))
    raw = to_meshio(m)
    centroid_z = raw.points[raw.cells[0].data].mean(axis=1)[:, 2]
    raw.cell_sets = {"board": [np.flatnonzero(centroid_z < 0.5)],
                     "die": [np.flatnonzero(centroid_z > 0.5)]}
    raw.cell_data = {}
    return raw


def test_connected_two_block_mesh_is_accepted():
    tagged = from_meshio(two_blocks(), source="ok.vtu")
    assert sorted(tagged.regions) == ["board", "die"]


def test_mesh_mixing_2d_and_3d_cells_is_named():
    raw = two_blocks()
    # a "mold" meshed with triangles only, beside the solid: not faces of any tetrahedron
    offset = len(raw.points)
    pts = np.array([[2.0, 0, 0], [3, 0, 0], [2, 1, 0], [3, 1, 0]])
    tris = np.array([[0, 1, 2], [1, 3, 2]]) + offset
    mixed = meshio.Mesh(np.vstack([raw.points, pts]),
                        [raw.cells[0], meshio.CellBlock("triangle", tris)],
                        cell_sets={"board": [raw.cell_sets["board"][0], np.array([], int)],
                                   "die": [raw.cell_sets["die"][0], np.array([], int)],
                                   "mold": [np.array([], int), np.array([0, 1])]})
    with pytest.raises(MeshError) as exc:
        from_meshio(mixed, source="mixed.msh")
    one_line(exc, "mixed.msh", "2 triangle cells", "tetra", "mixed")


def test_boundary_triangles_on_faces_are_not_mixed():
    raw = two_blocks()
    tags = raw.cells[0].data
    bottom = [f for f in (tags[:, [0, 1, 2]], tags[:, [0, 1, 3]], tags[:, [0, 2, 3]],
                          tags[:, [1, 2, 3]])]
    faces = np.concatenate(bottom)
    on_bottom = faces[np.all(np.abs(raw.points[faces][:, :, 2]) < 1e-12, axis=1)]
    raw.cells.append(meshio.CellBlock("triangle", on_bottom))
    raw.cell_sets = {"board": [raw.cell_sets["board"][0], np.array([], int)],
                     "die": [raw.cell_sets["die"][0], np.array([], int)],
                     "board_bottom": [np.array([], int), np.arange(len(on_bottom))]}
    tagged = from_meshio(raw, source="faces.msh")
    assert tagged.boundaries["board_bottom"].size == len(on_bottom)


def test_region_touching_nothing_is_named():
    raw = two_blocks()
    die = raw.cell_sets["die"][0]
    # lift the die by 0.1 mm with its own nodes: it no longer shares a node with the board
    die_nodes = np.unique(raw.cells[0].data[die])
    new_index = np.arange(len(raw.points), len(raw.points) + die_nodes.size)
    lifted = raw.points[die_nodes] + [0.0, 0.0, 0.1]
    remap = np.arange(len(raw.points))
    remap[die_nodes] = new_index
    conn = raw.cells[0].data.copy()
    conn[die] = remap[conn[die]]
    floating = meshio.Mesh(np.vstack([raw.points, lifted]), [("tetra", conn)],
                           cell_sets=raw.cell_sets)
    with pytest.raises(MeshError) as exc:
        from_meshio(floating, source="floating.vtu")
    one_line(exc, "floating.vtu", "region 'die'", "touches nothing else")


def test_shipped_meshes_are_connected():
    for mesh in sorted((ROOT / "meshes").glob("*.msh")):
        read_mesh(mesh)
