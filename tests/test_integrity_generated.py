"""Generated hostile inputs: for each, a clean success or one clear InputError line, no traceback,
no file left behind.

A seeded generator of our own mutates valid inputs field by field and as text:

* case files (the built-in case with explicit [materials]/[boundary], and a case on the shipped
  slice mesh): a field set to a value of another type, out of range, absurd or missing; unknown
  and misspelt keys and names; truncated or non-UTF-8 text; output locations that are files,
  too long or already used. Checked as a run checks them before any work: ``load_case`` then
  ``preflight``; the inputs ``load_case`` refuses also through ``thermofatigue run`` (exit 2,
  one line on stderr, nothing written);
* geometry specs of the four families: the same field mutations plus lengths scaled by powers
  of ten, then ``load_spec``, ``expected_regions`` and ``check_bounds`` (no gmsh);
* meshes (a two-material tetrahedral block and the shipped 2D slice): coordinates NaN or moved
  through a neighbour, node indices out of range, mixed cell types and dimensions, missing,
  overlapping or misnamed regions, bad side files, truncated and corrupted files.

200 case files, 200 specs and 150 meshes run by default (about 20 s); ``-m slow`` runs ten
times as many with other seeds.
"""

import copy
import json
import math
import os
import random
import shutil
from pathlib import Path

import meshio
import numpy as np
import pytest
import skfem
from skfem.io.meshio import to_meshio

from thermofatigue.case import load_case
from thermofatigue.cli import main
from thermofatigue.errors import InputError
from thermofatigue.geometry import load_spec
from thermofatigue.geometry.expected import expected_regions
from thermofatigue.mesh import from_meshio, read_mesh
from thermofatigue.preflight import check_bounds, preflight

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "thermofatigue" / "data"
SLICE_MESH = ROOT / "meshes" / "wlcsp_0p4_slice2d.msh"
N_CASES, N_SPECS, N_MESHES = 200, 200, 150
SLOW = 10

HOSTILE = ["\n", "\x1b[2J", "\r", "\t", "ö*", "x" * 5000, "\u202e", "../../etc"]
POOL = [-1, 0, 1, 2.5, -0.3, 1e-9, 1e9, 10**18, True, False, "x", "", "auto", [], [1, "a"],
        {}, {"a": 1}, math.nan, math.inf, -math.inf, "../nowhere.msh", [[0.0, 25.0]]]


# ----------------------------------------------------------------------------------------------
# a small TOML writer (inline tables below the top level)
# ----------------------------------------------------------------------------------------------
def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}"
                               for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(data: dict) -> str:
    lines = [f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(str(k))}]")
            lines += [f"{json.dumps(str(kk))} = {toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------
# field mutations
# ----------------------------------------------------------------------------------------------
def paths(data, prefix=()):
    for k, v in data.items():
        yield prefix + (k,)
        if isinstance(v, dict):
            yield from paths(v, prefix + (k,))
        elif isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    yield from paths(item, prefix + (k, i))


def get_parent(data, path):
    for k in path[:-1]:
        data = data[k]
    return data


def typo(name: str, rng) -> str:
    if len(name) < 2:
        return name + "x"
    i = rng.randrange(len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:] if name[i] != name[i + 1] \
        else name + "_"


def mutate_fields(data, rng, scale_lengths=False):
    """One to three field mutations of a nested table; returns (data, label)."""
    data = copy.deepcopy(data)
    labels = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        all_paths = list(paths(data))
        path = rng.choice(all_paths)
        parent = get_parent(data, path)
        key = path[-1]
        action = rng.random()
        if action < 0.45:
            parent[key] = copy.deepcopy(rng.choice(POOL))
            labels.append("value")
        elif action < 0.6 and scale_lengths and isinstance(parent[key], (int, float)) \
                and not isinstance(parent[key], bool):
            parent[key] = parent[key] * 10.0 ** rng.choice([-6, -3, -2, 1, 2, 3, 6])
            labels.append("scale")
        elif action < 0.75:
            del parent[key]
            labels.append("missing")
        elif action < 0.85 and isinstance(key, str):
            parent[typo(key, rng)] = parent.pop(key)
            labels.append("typo")
        elif action < 0.9 and isinstance(key, str):
            parent[key + rng.choice(HOSTILE)] = parent.pop(key)
            labels.append("hostile name")
        else:
            (parent if isinstance(parent, dict) else data)["unknown_key"] = 1
            labels.append("unknown")
    return data, "+".join(labels)


def mutate_text(text: str, rng) -> tuple[bytes, str]:
    raw = text.encode()
    action = rng.random()
    if action < 0.35:
        return raw[: rng.randrange(len(raw))], "truncated"
    if action < 0.6:
        i = rng.randrange(len(raw))
        return raw[:i] + bytes([rng.choice([0xff, 0xc3, 0x80, 0x00])]) + raw[i:], "bad byte"
    if action < 0.8:
        lines = text.splitlines()
        i = rng.randrange(len(lines))
        return "\n".join(lines[: i + 1] + lines[i:]).encode(), "duplicated line"
    return text.replace("]", "", 1).encode(), "broken header"


def files_in(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def assert_one_line(exc):
    text = str(exc)
    assert isinstance(exc, InputError), f"{type(exc).__name__}: {text}"
    assert text and text.isprintable() and "Traceback" not in text, repr(text)


# ----------------------------------------------------------------------------------------------
# case files
# ----------------------------------------------------------------------------------------------
_BASE_CASES = []


def base_cases():
    if not _BASE_CASES:
        _BASE_CASES.extend(_make_base_cases())
    return copy.deepcopy(_BASE_CASES)


def _make_base_cases():
    geometry = {"model": {"geometry": str(DATA / "wlcsp_0p4.toml")},
                "materials": {"die": "silicon", "board": "fr4", "joint_*": "sac305",
                              "dielectric_*": "polyimide", "passivation": "polyimide",
                              "rdl": "copper", "ubm_*": "copper", "pad_board_*": "copper",
                              "solder_mask": "solder_mask"},
                "boundary": {"sym_y": "symmetry", "sym_xy": "symmetry"},
                "load": {"preset": "JESD22-A104:G", "cycles": 3,
                         "stress_free_temperature": 217.0},
                "output": {"directory": "results"}}
    tagged = read_mesh(SLICE_MESH)
    mesh = {"model": {"mesh": str(SLICE_MESH), "kind": "generalized_plane_strain"},
            "materials": {"die": "silicon", "board": "fr4", "joint_*": "sac305",
                          "dielectric_*": "polyimide", "passivation": "polyimide",
                          "rdl": "copper", "ubm_*": "copper", "pad_board_*": "copper",
                          "solder_mask": "solder_mask"},
            "boundary": {"sym_x": "symmetry"},
            "load": {"temperature": -40.0, "stress_free_temperature": 125.0},
            "output": {"directory": "results"}}
    assert {"die", "board", "solder_mask"} <= set(tagged.regions)
    return [geometry, mesh]


def output_hazard(data, rng, folder):
    data = copy.deepcopy(data)
    kind = rng.choice(["file", "under file", "long", "foreign", "used"])
    if kind == "file":
        (folder / "taken").write_text("x")
        data["output"]["directory"] = "taken"
    elif kind == "under file":
        (folder / "taken").write_text("x")
        data["output"]["directory"] = "taken/results"
    elif kind == "long":
        data["output"]["directory"] = "r" * 300
    elif kind == "foreign":
        (folder / "mine").mkdir()
        (folder / "mine" / "thesis.tex").write_text("x")
        data["output"]["directory"] = "mine"
    else:
        (folder / "results").mkdir()
        (folder / "results" / "COMPLETE").write_text("{}")
    return data, f"output {kind}"


def generated_case(seed, folder):
    rng = random.Random(seed)
    base = rng.choice(base_cases())
    action = rng.random()
    if action < 0.05:
        data, label = base, "unchanged"
        text = to_toml(data).encode()
    elif action < 0.6:
        data, label = mutate_fields(base, rng)
        text = to_toml(data).encode()
    elif action < 0.8:
        text, label = mutate_text(to_toml(base), rng)
    else:
        data, label = output_hazard(base, rng, folder)
        text = to_toml(data).encode()
    path = folder / "case.toml"
    path.write_bytes(text)
    return path, label


def check_case(seed, tmp_path, capsys):
    path, label = generated_case(seed, tmp_path)
    before = files_in(tmp_path)
    try:
        case = load_case(path)
    except Exception as exc:  # noqa: BLE001 - the point is to see every kind of failure
        assert_one_line(exc)
        capsys.readouterr()
        code = main(["run", str(path), "-q"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and err.count("\n") == 0 and err.startswith("error: "), (label, err)
        assert files_in(tmp_path) == before, label
        return "refused by load_case"
    try:
        preflight(case)
    except Exception as exc:  # noqa: BLE001
        assert_one_line(exc)
        assert files_in(tmp_path) == before, label
        return "refused by preflight"
    assert files_in(tmp_path) == before, label
    return "accepted"


@pytest.mark.parametrize("seed", range(N_CASES))
def test_generated_case(seed, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    check_case(seed, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_CASES, N_CASES * (SLOW + 1)))
def test_generated_case_more(seed, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    check_case(seed, tmp_path, capsys)


# ----------------------------------------------------------------------------------------------
# geometry specs
# ----------------------------------------------------------------------------------------------
SPEC_BASES = [
    {"family": "wlcsp", "die": {"size_x": 1.82, "size_y": 1.82, "thickness": 0.305},
     "passivation": {"thickness": 0.001}, "dielectric": [{"thickness": 0.0075}, {}],
     "rdl": {"thickness": 0.005}, "ubm": {"diameter": 0.208, "thickness": 0.005},
     "ball": {"diameter": 0.26, "interface_layer": 0.025},
     "array": {"rows": 4, "columns": 4, "pitch": 0.4},
     "board": {"thickness": 1.0, "size_x": 3.0, "size_y": 3.0},
     "board_pad": {"diameter": 0.208, "thickness": 0.035},
     "solder_mask": {"type": "nsmd", "opening": 0.258, "thickness": 0.02},
     "mesh": {"kind": "octant", "size": 0.2, "joint_size": 0.05, "corner_joint_size": 0.03,
              "transition": 0.3}},
    {"family": "cu_post_wlcsp", "dielectric": [{}], "rdl": {},
     "post": {"diameter": 0.2, "height": 0.05}, "backside_resin": {"thickness": 0.025},
     "ball": {"diameter": 0.26}, "array": {"rows": 3, "columns": 3, "pitch": 0.4},
     "mesh": {"kind": "quarter", "size": 0.3}},
    {"family": "flip_chip", "ubm": {"diameter": 0.08}, "ball": {"diameter": 0.1},
     "board_pad": {"diameter": 0.08, "thickness": 0.018},
     "solder_mask": {"type": "smd", "opening": 0.07, "thickness": 0.04},
     "array": {"rows": 4, "columns": 4, "pitch": 0.15},
     "underfill": {"fillet_width": 0.15, "fillet_height": 0.15}, "mesh": {"kind": "slice2d"}},
    {"family": "fan_out", "die": {"size_x": 1.0, "size_y": 1.0, "thickness": 0.2},
     "mold": {"size_x": 2.0, "size_y": 2.0, "thickness": 0.3}, "ball": {"diameter": 0.26},
     "array": {"rows": 4, "columns": 4, "pitch": 0.4,
               "missing": [[1, 1], [1, 2], [2, 1], [2, 2]]}, "mesh": {"kind": "full"}},
]


def check_spec(seed, tmp_path):
    rng = random.Random(10_000 + seed)
    base = rng.choice(SPEC_BASES)
    if rng.random() < 0.8:
        data, label = mutate_fields(base, rng, scale_lengths=True)
        source = data
    else:
        text, label = mutate_text(to_toml(base), rng)
        source = tmp_path / "spec.toml"
        source.write_bytes(text)
    kind = rng.choice(["slice2d", "quarter", "octant", "full", None])

    def call():
        spec = load_spec(source, source="spec.toml")
        expected_regions(spec, kind)
        check_bounds({"source": "spec.toml", "spec": spec, "kind": kind or spec.mesh.kind})

    return outcome_of(call, tmp_path, label)


def outcome_of(call, tmp_path, label) -> str:
    """Run ``call``: it succeeds ("accepted") or raises an error of one clear line
    ("refused"); either way it leaves no file behind in ``tmp_path``."""
    before = files_in(tmp_path)
    try:
        call()
        outcome = "accepted"
    except Exception as exc:  # noqa: BLE001
        assert_one_line(exc)
        outcome = "refused"
    assert files_in(tmp_path) == before, label
    return outcome


@pytest.mark.parametrize("seed", range(N_SPECS))
def test_generated_spec(seed, tmp_path):
    check_spec(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_SPECS, N_SPECS * (SLOW + 1)))
def test_generated_spec_more(seed, tmp_path):
    check_spec(seed, tmp_path)


# ----------------------------------------------------------------------------------------------
# meshes
# ----------------------------------------------------------------------------------------------
def two_blocks():
    m = skfem.MeshTet.init_tensor(np.linspace(0, 1, 3), np.linspace(0, 1, 3),
                                  np.array([0.0, 0.25, 0.5, 0.65, 0.8]))
    raw = to_meshio(m)
    z = raw.points[raw.cells[0].data].mean(axis=1)[:, 2]
    faces = np.concatenate([raw.cells[0].data[:, c] for c in ([0, 1, 2], [0, 1, 3], [0, 2, 3],
                                                               [1, 2, 3])])
    bottom = faces[np.all(np.abs(raw.points[faces][:, :, 2]) < 1e-12, axis=1)]
    raw.cells.append(meshio.CellBlock("triangle", bottom))
    raw.cell_sets = {"board": [np.flatnonzero(z < 0.5), np.array([], dtype=int)],
                     "die": [np.flatnonzero(z > 0.5), np.array([], dtype=int)],
                     "board_bottom": [np.array([], dtype=int), np.arange(len(bottom))]}
    raw.cell_data = {}
    return raw


_SLICE = None


def slice_mesh():
    global _SLICE
    if _SLICE is None:
        _SLICE = meshio.read(SLICE_MESH)
    return copy.deepcopy(_SLICE)


def mutate_mesh(raw, rng):
    action = rng.randrange(13)
    cells = raw.cells
    solid = 0 if cells[0].type.startswith(("tetra", "triangle")) and len(cells[0].data) > 20 \
        else max(range(len(cells)), key=lambda b: len(cells[b].data))
    data = cells[solid].data
    if action == 0:
        raw.points[rng.randrange(len(raw.points)), rng.randrange(raw.points.shape[1])] = \
            rng.choice([math.nan, math.inf, 1e300])
        return "bad coordinate"
    if action == 1:
        data[rng.randrange(len(data)), 0] = rng.choice([len(raw.points) + 5, -1])
        return "index out of range"
    if action == 2:
        e = rng.randrange(len(data))
        data[e, 1] = data[e, 0]
        return "degenerate"
    if action == 3:
        n = int(np.argmin(np.linalg.norm(raw.points - raw.points.mean(axis=0), axis=1)))
        raw.points[n] = raw.points[n] + (raw.points.max(axis=0) - raw.points.min(axis=0)) * 0.9
        return "node moved through neighbours"
    if action == 4:
        extra = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float)[:, : raw.points.shape[1]]
        extra = extra + raw.points.max(axis=0) + 5.0
        base = len(raw.points)
        raw.points = np.vstack([raw.points, extra])
        kind = "line" if cells[solid].type.startswith("triangle") else "triangle"
        conn = np.array([[base, base + 1]] if kind == "line" else [[base, base + 1, base + 2]])
        raw.cells.append(meshio.CellBlock(kind, conn))
        for name in list(raw.cell_sets):
            raw.cell_sets[name] = list(raw.cell_sets[name]) + [np.array([], dtype=int)]
        raw.cell_sets["stray"] = [np.array([], dtype=int)] * (len(raw.cells) - 1) + [
            np.array([0])]
        return "mixed dimensions"
    if action == 5:
        hexes = to_meshio(skfem.MeshHex.init_tensor(*[np.linspace(5, 6, 2)] * 3)) \
            if raw.points.shape[1] == 3 and cells[solid].type == "tetra" else None
        if hexes is None:
            raw.cells.append(meshio.CellBlock("quad", np.array([[0, 1, 2, 3]])))
        else:
            base = len(raw.points)
            raw.points = np.vstack([raw.points, hexes.points])
            raw.cells.append(meshio.CellBlock("hexahedron", hexes.cells[0].data + base))
        for name in list(raw.cell_sets):
            raw.cell_sets[name] = list(raw.cell_sets[name]) + [np.array([], dtype=int)]
        return "mixed cell types"
    if action == 6 and raw.cell_sets:
        del raw.cell_sets[rng.choice(sorted(raw.cell_sets))]
        return "region removed"
    if action == 7 and raw.cell_sets:
        name = rng.choice(sorted(raw.cell_sets))
        sets = list(raw.cell_sets[name])
        sets[solid] = np.arange(len(data))
        raw.cell_sets[name] = sets
        return "overlapping regions"
    if action == 11 and raw.cell_sets:
        name = rng.choice(sorted(raw.cell_sets))
        raw.cell_sets[name + rng.choice(HOSTILE)] = raw.cell_sets.pop(name)
        return "hostile region name"
    if action == 8:
        raw.cell_sets = {}
        raw.cell_data = {"gmsh:physical": [np.full(len(c.data), 7) for c in raw.cells]}
        return "unnamed tags"
    if action == 9:
        keep = np.ones(len(data), bool)
        keep[rng.randrange(len(data))] = False
        raw.cells[solid] = meshio.CellBlock(cells[solid].type, data[keep])
        return "cell dropped from its block"
    if action == 10:
        raw.cells[solid] = meshio.CellBlock(cells[solid].type, np.vstack([data, data[:1]]))
        return "duplicated element"
    return "unchanged"


def check_mesh_input(seed, tmp_path):
    rng = random.Random(20_000 + seed)
    raw = two_blocks() if rng.random() < 0.6 else slice_mesh()
    if rng.random() < 0.75:
        label = mutate_mesh(raw, rng)
        call = lambda: from_meshio(raw, source="mesh.msh")  # noqa: E731
    else:
        path = tmp_path / "model.msh"
        shutil.copy(SLICE_MESH, path)
        blob = path.read_bytes()
        if rng.random() < 0.5:
            path.write_bytes(blob[: rng.randrange(len(blob))])
            label = "truncated file"
        else:
            side = path.with_suffix(".json")
            side.write_bytes(rng.choice([b"\xff", b"[]", b'{"joints": 3}',
                                         b'{"region_names": {"x": "y"}}', b"{"]))
            label = "bad side file"
        call = lambda: read_mesh(path)  # noqa: E731
    return outcome_of(call, tmp_path, label)


@pytest.mark.parametrize("seed", range(N_MESHES))
def test_generated_mesh(seed, tmp_path):
    check_mesh_input(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_MESHES, N_MESHES * (SLOW + 1)))
def test_generated_mesh_more(seed, tmp_path):
    check_mesh_input(seed, tmp_path)


def test_generator_classes_are_mixed(tmp_path_factory, capsys):
    """The generators make both accepted and refused inputs (not a suite of only refusals)."""
    wanted = {"case": {"accepted", "refused by load_case", "refused by preflight"},
              "spec": {"accepted", "refused"}, "mesh": {"accepted", "refused"}}
    seen = {key: set() for key in wanted}
    cwd = os.getcwd()
    for seed in range(150):
        if all(seen[k] >= wanted[k] for k in wanted):
            break
        if not seen["case"] >= wanted["case"]:
            folder = tmp_path_factory.mktemp("c")
            os.chdir(folder)
            try:
                seen["case"].add(check_case(seed, folder, capsys))
            finally:
                os.chdir(cwd)
        if not seen["spec"] >= wanted["spec"]:
            seen["spec"].add(check_spec(seed, tmp_path_factory.mktemp("s")))
        if not seen["mesh"] >= wanted["mesh"]:
            seen["mesh"].add(check_mesh_input(seed, tmp_path_factory.mktemp("m")))
    assert seen == wanted
