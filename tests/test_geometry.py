"""gmsh builders: region volumes against analytic values, joint metadata, symmetry boundaries,
interface layers, symmetry consistency between model kinds, determinism and gmsh hygiene.

Meshes are coarse (a few thousand elements) and built once per module. They are read back with
meshio (physical group names in ``cell_sets``) until ``thermofatigue.mesh.read_mesh`` exists.
"""

import json
import math
from pathlib import Path

import gmsh
import meshio
import numpy as np
import pytest

from thermofatigue.geometry import build_mesh, load_spec, model_joints
from thermofatigue.geometry import occ as occ_module

MESHES = Path(__file__).resolve().parents[1] / "meshes"

COARSE = {"size": 0.3}
SPECS = {
    "wlcsp": {
        "family": "wlcsp", "passivation": {}, "dielectric": [{}, {}], "rdl": {}, "ubm": {"opening": 0.12},
        "ball": {"diameter": 0.26}, "array": {"rows": 3, "columns": 3, "pitch": 0.4},
        "underfill": {"fillet_width": 0.2, "fillet_height": 0.1},
        "mesh": dict(COARSE, joint_size=0.09, corner_joint_size=0.065),
    },
    "cu_post_wlcsp": {
        "family": "cu_post_wlcsp", "dielectric": [{}], "rdl": {}, "post": {"diameter": 0.2, "height": 0.05},
        "backside_resin": {"thickness": 0.025}, "ball": {"diameter": 0.26},
        "array": {"rows": 3, "columns": 3, "pitch": 0.4},
        "mesh": dict(COARSE, joint_size=0.09, corner_joint_size=0.065),
    },
    "flip_chip": {
        "family": "flip_chip", "ubm": {"diameter": 0.08}, "ball": {"diameter": 0.1},
        "board_pad": {"diameter": 0.08, "thickness": 0.018},
        "solder_mask": {"type": "smd", "opening": 0.07, "thickness": 0.04},
        "array": {"rows": 4, "columns": 4, "pitch": 0.15}, "underfill": {"fillet_width": 0.15, "fillet_height": 0.15},
        "mesh": dict(COARSE, joint_size=0.035, corner_joint_size=0.025),
    },
    "fan_out": {
        "family": "fan_out", "die": {"size_x": 1.0, "size_y": 1.0, "thickness": 0.2},
        "mold": {"size_x": 2.0, "size_y": 2.0, "thickness": 0.3}, "ball": {"diameter": 0.26},
        "array": {"rows": 4, "columns": 4, "pitch": 0.4, "missing": [[1, 1], [1, 2], [2, 1], [2, 2]]},
        "mesh": dict(COARSE, joint_size=0.09, corner_joint_size=0.065),
    },
}
KINDS = ("slice2d", "quarter", "octant", "full")


# --------------------------------------------------------------------------------------------
# mesh measures (isoparametric quadrature, any order; central differences of the quadratic
# shape functions are exact)
# --------------------------------------------------------------------------------------------
def _shape_functions(cell_type):
    if cell_type in ("triangle", "triangle6"):
        def n(xi):
            l0, l1, l2 = 1 - xi[0] - xi[1], xi[0], xi[1]
            if cell_type == "triangle":
                return np.array([l0, l1, l2])
            return np.array([l0 * (2 * l0 - 1), l1 * (2 * l1 - 1), l2 * (2 * l2 - 1), 4 * l0 * l1, 4 * l1 * l2, 4 * l2 * l0])
        points = np.array([[1 / 6, 1 / 6], [2 / 3, 1 / 6], [1 / 6, 2 / 3]])
        return n, points, np.full(3, 1 / 6)
    if cell_type in ("tetra", "tetra10"):
        def n(xi):
            l = [1 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]]
            if cell_type == "tetra":
                return np.array(l)
            vert = [li * (2 * li - 1) for li in l]
            edges = [(0, 1), (1, 2), (0, 2), (0, 3), (1, 3), (2, 3)]  # VTK order (meshio)
            return np.array(vert + [4 * l[a] * l[b] for a, b in edges])
        a, b = 0.5854101966249685, 0.1381966011250105
        points = np.array([[b, b, b], [a, b, b], [b, a, b], [b, b, a]])
        return n, points, np.full(4, 1 / 24)
    if cell_type == "quad9":
        def n(xi):
            def q(t):
                return [t * (t - 1) / 2, (1 - t) * (1 + t), t * (t + 1) / 2]
            u, v = q(xi[0]), q(xi[1])
            order = [(0, 0), (2, 0), (2, 2), (0, 2), (1, 0), (2, 1), (1, 2), (0, 1), (1, 1)]
            return np.array([u[i] * v[j] for i, j in order])
        g = np.sqrt(3 / 5)
        pts, wts = [-g, 0, g], [5 / 9, 8 / 9, 5 / 9]
        points = np.array([[x, y] for x in pts for y in pts])
        return n, points, np.array([wx * wy for wx in wts for wy in wts])
    raise NotImplementedError(cell_type)


def cell_measures(points, cells, cell_type):
    """Volume (3D) or area (2D) of every cell."""
    n, qp, qw = _shape_functions(cell_type)
    dim = qp.shape[1]
    x = points[cells][:, :, :dim]  # (cells, nodes, dim)
    h = 1e-4
    total = np.zeros(len(cells))
    for p, w in zip(qp, qw):
        grad = np.array([(n(p + h * e) - n(p - h * e)) / (2 * h) for e in np.eye(dim)])  # (dim, nodes)
        jac = np.einsum("cnd,kn->cdk", x, grad)
        total += w * np.abs(np.linalg.det(jac))
    return total


def region_measure(mesh, name):
    blocks = mesh.cell_sets_dict[name]
    total = 0.0
    for cell_type, index in blocks.items():
        cells = np.concatenate([c.data for c in mesh.cells if c.type == cell_type])
        total += cell_measures(mesh.points, cells[index], cell_type).sum()
    return total


def region_points(mesh, name):
    idx = set()
    for cell_type, index in mesh.cell_sets_dict[name].items():
        cells = np.concatenate([c.data for c in mesh.cells if c.type == cell_type])
        idx.update(np.unique(cells[index]).tolist())
    return mesh.points[sorted(idx)]


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build (once) and read back a mesh per (family, kind)."""
    cache = {}
    folder = tmp_path_factory.mktemp("meshes")

    def get(family, kind):
        if (family, kind) not in cache:
            spec = load_spec(SPECS[family], source=f"{family}.toml")
            result = build_mesh(spec, kind=kind, path=str(folder / f"{family}_{kind}.msh"), verbose=False)
            cache[family, kind] = (spec, result, meshio.read(result.path))
        return cache[family, kind]

    return get


def _slice_extent(spec, metadata, half_x, half_y):
    """Length along the (half) slice inside a centred rectangle."""
    dx, dy = metadata["slice"]["direction"]
    ox, oy = metadata["slice"]["origin"]
    bounds = []
    for o, d, hw in ((ox, dx, half_x), (oy, dy, half_y)):
        if abs(d) > 1e-14:
            bounds.append((hw - o) / d)
    return min(bounds)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", list(SPECS))
def test_region_volumes_match_analytic(built, family, kind):
    spec, result, mesh = built(family, kind)
    meta = result.metadata
    fraction = {"quarter": 0.25, "octant": 0.125, "full": 1.0}
    die, board = spec.die, spec.board
    if kind == "slice2d":
        die_expected = die.thickness * _slice_extent(spec, meta, die.size_x / 2, die.size_y / 2)
        board_expected = board.thickness * _slice_extent(spec, meta, board.size_x / 2, board.size_y / 2)
    else:
        die_expected = die.size_x * die.size_y * die.thickness * fraction[kind]
        board_expected = board.size_x * board.size_y * board.thickness * fraction[kind]
    assert region_measure(mesh, "die") == pytest.approx(die_expected, rel=0.01)
    assert region_measure(mesh, "board") == pytest.approx(board_expected, rel=0.01)
    shape = spec.ball.shape
    t = spec.ball.interface_layer
    assert meta["joints"], "the model holds joints"
    for joint in meta["joints"]:
        name = joint["region"]
        if kind == "slice2d":
            whole = shape.section_area() * joint["fraction"]
            die_layer = shape.section_area(shape.height - t, shape.height) * joint["fraction"]
        else:
            whole = shape.volume * joint["fraction"]
            die_layer = shape.segment_volume(shape.height - t, shape.height) * joint["fraction"]
        union = sum(region_measure(mesh, name + suffix) for suffix in ("", "_die_layer", "_board_layer"))
        assert union == pytest.approx(whole, rel=0.01), name
        # a coarse 0.025 mm layer may hold a few straightened (not curved) P2 elements at its rim
        assert region_measure(mesh, name + "_die_layer") == pytest.approx(die_layer, rel=0.03), name


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", ["wlcsp", "fan_out"])
def test_every_cell_in_exactly_one_region_and_one_cell_type(built, family, kind):
    _, result, mesh = built(family, kind)
    cell_type = result.metadata["cell_type"]
    assert cell_type == ("triangle6" if kind == "slice2d" else "tetra10")
    n_cells = sum(len(c.data) for c in mesh.cells if c.type == cell_type)
    owner = np.zeros(n_cells, dtype=int)
    offsets = np.cumsum([0] + [len(c.data) for c in mesh.cells if c.type == cell_type])
    blocks = [k for k, c in enumerate(mesh.cells) if c.type == cell_type]
    for name, sets in mesh.cell_sets.items():
        if name.startswith("gmsh:"):
            continue
        for block_pos, k in enumerate(blocks):
            index = np.asarray(sets[k], dtype=int)
            owner[offsets[block_pos] + index] += 1
    assert np.all(owner == 1)
    assert result.metadata["mesh_quality"]["elements"] == n_cells
    assert result.metadata["mesh_quality"]["inverted_elements"] == 0


def test_joint_metadata_matches_the_depopulated_array(built):
    spec, result, _ = built("fan_out", "full")
    joints = result.metadata["joints"]
    a = spec.array
    assert len(joints) == a.rows * a.columns - len(a.missing) == 12
    for j in joints:
        assert j["id"] == j["row"] * a.columns + j["column"]
        assert (j["row"], j["column"]) not in a.missing
        assert j["x"] == pytest.approx((j["column"] - 1.5) * a.pitch_x)
        assert j["y"] == pytest.approx((j["row"] - 1.5) * a.pitch_y)
        assert j["dnp"] == pytest.approx(math.hypot(j["x"], j["y"]))
        assert j["region"] == f"joint_{j['id']}"
    critical = {j["id"] for j in joints if j["critical"]}
    assert critical == {0, 3, 12, 15}  # the four corners
    # the JSON side file holds the same
    on_disk = json.loads(Path(result.metadata_path).read_text())
    assert on_disk["joints"] == joints
    assert result.metadata_path == result.path[:-4] + ".json"


def test_slice_metadata_gives_position_along_the_slice(built):
    spec, result, _ = built("wlcsp", "slice2d")
    joints = result.metadata["joints"]
    assert [j["id"] for j in joints] == [4, 8]  # centre (half) and corner of a 3 x 3 array on the diagonal
    assert joints[0]["s"] == 0.0 and joints[0]["fraction"] == 0.5
    assert joints[1]["s"] == pytest.approx(0.4 * math.sqrt(2))


@pytest.mark.parametrize("kind,planes", [("quarter", ("sym_x", "sym_y")), ("octant", ("sym_y", "sym_xy")),
                                         ("slice2d", ("sym_x",)), ("full", ())])
def test_symmetry_boundaries_lie_on_their_planes(built, kind, planes):
    spec, result, mesh = built("wlcsp", kind)
    names = set(result.metadata["boundaries"])
    assert {"sym_x", "sym_y", "sym_xy"} & names == set(planes)
    assert "board_bottom" in names
    for plane in planes:
        p = region_points(mesh, plane)
        assert len(p) > 10
        distance = {"sym_x": p[:, 0], "sym_y": p[:, 1], "sym_xy": (p[:, 0] - p[:, 1]) / math.sqrt(2)}[plane]
        assert np.abs(distance).max() < 1e-9
    bottom = region_points(mesh, "board_bottom")
    vertical = bottom[:, 1] if kind == "slice2d" else bottom[:, 2]
    assert np.allclose(vertical, -spec.board.thickness)


@pytest.mark.parametrize("family,kind", [("wlcsp", "octant"), ("wlcsp", "slice2d"), ("cu_post_wlcsp", "quarter"),
                                         ("flip_chip", "quarter")])
def test_interface_layers_have_the_requested_thickness(built, family, kind):
    spec, result, mesh = built(family, kind)
    axis = 1 if kind == "slice2d" else 2
    t = spec.ball.interface_layer
    base = result.metadata["ball"]["board_pad_plane_z"]
    top = base + spec.ball.shape.height
    for j in result.metadata["joints"]:
        die_layer = region_points(mesh, j["die_layer"])[:, axis]
        board_layer = region_points(mesh, j["board_layer"])[:, axis]
        assert die_layer.max() - die_layer.min() == pytest.approx(t, abs=1e-9)
        assert board_layer.max() - board_layer.min() == pytest.approx(t, abs=1e-9)
        assert die_layer.max() == pytest.approx(top, abs=1e-9)
        assert board_layer.min() == pytest.approx(base, abs=1e-9)
        # the pad interfaces are named facet sets of that joint
        assert f"die_pad_interface_{j['id']}" in result.metadata["boundaries"]
        assert f"board_pad_interface_{j['id']}" in result.metadata["boundaries"]


@pytest.mark.parametrize("family", ["wlcsp", "fan_out"])
def test_octant_and_full_give_the_same_joints_by_symmetry(built, family):
    spec, full, _ = built(family, "full")
    _, octant, _ = built(family, "octant")
    _, quarter, _ = built(family, "quarter")
    a = spec.array
    octant_ids = {j["id"] for j in octant.joints}
    quarter_ids = {j["id"] for j in quarter.joints}

    def image(j, kind):
        from thermofatigue.geometry.array import canonical_position
        r, c = canonical_position(j["row"], j["column"], a.rows, a.columns, kind)
        return r * a.columns + c

    assert {image(j, "octant") for j in full.joints} == octant_ids
    assert {image(j, "quarter") for j in full.joints} == quarter_ids
    by_id = {j["id"]: j for j in full.joints}
    for j in octant.joints:  # same physical ball: same id, position and dnp in every kind
        assert (by_id[j["id"]]["x"], by_id[j["id"]]["y"], by_id[j["id"]]["dnp"]) == (j["x"], j["y"], j["dnp"])
    # and the same total solder: octant x 8 == quarter x 4 == full
    total = {k: sum(j["fraction"] for j in r.joints) for k, r in (("full", full), ("octant", octant), ("quarter", quarter))}
    assert total["octant"] * 8 == pytest.approx(total["full"])
    assert total["quarter"] * 4 == pytest.approx(total["full"])


@pytest.mark.parametrize("kind", ["slice2d", "octant"])
def test_meshing_twice_gives_identical_meshes(tmp_path, kind):
    spec = load_spec(SPECS["wlcsp"])
    first = build_mesh(spec, kind=kind, path=str(tmp_path / "a.msh"), verbose=False)
    second = build_mesh(spec, kind=kind, path=str(tmp_path / "b.msh"), verbose=False)
    ma, mb = meshio.read(first.path), meshio.read(second.path)
    assert len(ma.points) == len(mb.points)
    assert [(c.type, len(c.data)) for c in ma.cells] == [(c.type, len(c.data)) for c in mb.cells]
    assert sorted(ma.cell_sets) == sorted(mb.cell_sets)
    for ca, cb in zip(ma.cells, mb.cells):
        assert np.array_equal(ca.data, cb.data)
    # bit-identical unless gmsh's elastic high-order optimiser had to run (it varies ~1e-11)
    assert np.allclose(ma.points, mb.points, rtol=0, atol=1e-9)
    assert first.metadata["mesh_quality"]["elements"] == second.metadata["mesh_quality"]["elements"]


def test_order_one_and_quads(tmp_path):
    spec = load_spec(SPECS["wlcsp"])
    linear = build_mesh(spec, kind="octant", order=1, path=str(tmp_path / "o1.msh"), verbose=False)
    assert linear.metadata["cell_type"] == "tetra"
    quads = build_mesh(dict(SPECS["wlcsp"], mesh=dict(SPECS["wlcsp"]["mesh"], cell_2d="quad")), kind="slice2d",
                       path=str(tmp_path / "q.msh"), verbose=False)
    assert quads.metadata["cell_type"] == "quad9"
    mesh = meshio.read(quads.path)
    assert {c.type for c in mesh.cells} == {"quad9", "line3"}
    joint = quads.metadata["joints"][-1]
    shape = spec.ball.shape
    union = sum(region_measure(mesh, joint["region"] + s) for s in ("", "_die_layer", "_board_layer"))
    assert union == pytest.approx(shape.section_area(), rel=0.01)


def test_refine_corner_makes_the_critical_joint_finest(built, tmp_path):
    spec, result, mesh = built("wlcsp", "quarter")
    counts = {j["id"]: sum(len(v) for v in mesh.cell_sets_dict[j["region"]].values()) for j in result.joints}
    critical = [j["id"] for j in result.joints if j["critical"]]
    assert critical == [8]
    assert counts[8] > max(c for i, c in counts.items() if i != 8)
    alike = build_mesh(spec, kind="quarter", refine="all", path=str(tmp_path / "all.msh"), verbose=False)
    assert alike.metadata["mesh_size"]["refine"] == "all"
    assert alike.metadata["mesh_quality"]["elements"] > result.metadata["mesh_quality"]["elements"]


def test_quality_report_is_printed_and_stored(tmp_path, capsys):
    result = build_mesh(SPECS["flip_chip"], kind="slice2d", path=str(tmp_path / "fc.msh"))
    line = capsys.readouterr().out
    q = result.metadata["mesh_quality"]
    assert "fc.msh" in line and str(q["elements"]) in line
    assert 0 < q["min_quality"] <= q["mean_quality"] <= q["max_quality"] <= 1.0
    assert len(q["worst_element"]["location"]) == 2
    assert q["worst_element"]["region"] in result.metadata["regions"]


def test_gmsh_state_never_leaks(tmp_path, monkeypatch):
    assert not gmsh.isInitialized()
    build_mesh(SPECS["flip_chip"], kind="slice2d", path=str(tmp_path / "a.msh"), verbose=False)
    assert not gmsh.isInitialized()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(occ_module, "find_boundaries", broken)
    monkeypatch.setattr("thermofatigue.geometry.build.find_boundaries", broken)
    with pytest.raises(RuntimeError, match="boom"):
        build_mesh(SPECS["flip_chip"], kind="slice2d", path=str(tmp_path / "b.msh"), verbose=False)
    assert not gmsh.isInitialized()
    assert not (tmp_path / "b.msh").exists()


def test_a_caller_owned_gmsh_is_left_as_it_was(tmp_path):
    gmsh.initialize(interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("mine")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 7.0)
        models = gmsh.model.list()
        build_mesh(SPECS["flip_chip"], kind="slice2d", path=str(tmp_path / "a.msh"), verbose=False)
        assert gmsh.isInitialized()
        assert gmsh.model.list() == models
        assert gmsh.model.getCurrent() == "mine"
        assert gmsh.option.getNumber("Mesh.MeshSizeMax") == 7.0
    finally:
        gmsh.finalize()


@pytest.mark.parametrize("stem,kind", [("wlcsp_0p4_slice2d", "slice2d"), ("wlcsp_0p4_octant", "octant")])
def test_shipped_meshes_are_consistent_with_their_specs(stem, kind):
    msh, toml, side = (MESHES / f"{stem}{ext}" for ext in (".msh", ".toml", ".json"))
    assert msh.exists() and toml.exists() and side.exists()
    meta = json.loads(side.read_text())
    spec = load_spec(toml)
    assert meta["kind"] == kind and meta["family"] == "wlcsp"
    assert spec.array.pitch_x == 0.4
    joints, _, _ = model_joints(spec, kind)
    assert [j["id"] for j in meta["joints"]] == [j.id for j in joints]
    mesh = meshio.read(msh)
    cells = sum(len(c.data) for c in mesh.cells if c.type == meta["cell_type"])
    assert cells == meta["mesh_quality"]["elements"] < 20000
    for j in meta["joints"]:
        assert j["region"] in mesh.cell_sets


def test_row_slice_board_layers_and_given_standoff(tmp_path):
    data = dict(SPECS["wlcsp"], mesh=dict(SPECS["wlcsp"]["mesh"], slice="row"),
                ball={"diameter": 0.26, "standoff": 0.15},
                board={"layers": [{"name": "cu_top", "thickness": 0.035}, {"name": "core", "thickness": 0.93},
                                  {"name": "cu_bottom", "thickness": 0.035}]})
    spec = load_spec(data)
    assert spec.board.thickness == pytest.approx(1.0)
    assert spec.ball.shape.height == 0.15
    result = build_mesh(spec, kind="slice2d", path=str(tmp_path / "row.msh"), verbose=False)
    mesh = meshio.read(result.path)
    # the outermost row of a 3 x 3 array holds joints 6, 7, 8; the half slice (x >= 0) keeps 7 (x = 0, half) and 8
    assert [j["id"] for j in result.joints] == [7, 8]
    assert [j["s"] for j in result.joints] == [0.0, pytest.approx(0.4)]
    half_width = spec.board.size_x / 2
    for layer in spec.board.layers:
        assert region_measure(mesh, f"board_{layer.name}") == pytest.approx(half_width * layer.thickness, rel=1e-6)
    bottom = region_points(mesh, "board_bottom")
    assert np.allclose(bottom[:, 1], -1.0)
    shape = spec.ball.shape
    union = sum(region_measure(mesh, "joint_8" + s) for s in ("", "_die_layer", "_board_layer"))
    assert union == pytest.approx(shape.section_area(), rel=0.01)


# --------------------------------------------------------------------------------------------
# the thermo-elastic solver runs on every family and model kind
# --------------------------------------------------------------------------------------------
def thermoelastic_on_every_kind(built, family, order_3d):
    """Read each built mesh with read_mesh, give its regions the default materials and its
    symmetry surfaces symmetry conditions, cool from 125 C to 25 C: the solve converges, the
    symmetry planes carry no normal displacement and the joints see mismatch stress."""
    from thermofatigue.fem.newton import EquilibriumSolver
    from thermofatigue.geometry.regions import default_boundary, default_materials
    from thermofatigue.materials import constitutive_model, get_material
    from thermofatigue.mesh import read_mesh
    from thermofatigue.model import Model
    from thermofatigue.postprocess import von_mises

    for kind in KINDS:
        _, result, _ = built(family, kind)
        tagged = read_mesh(result.path)
        fe_kind = "generalized_plane_strain" if kind == "slice2d" else "3d"
        materials = {p: constitutive_model(get_material(name), "elastic", 125.0, fe_kind)
                     for p, name in default_materials(tagged.regions).items()}
        boundary = default_boundary(tagged.boundaries)
        model = Model(tagged, fe_kind, materials, boundary,
                      order=2 if kind == "slice2d" else order_3d)
        solver = EquilibriumSolver(model, linear="direct")
        step = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, 125.0, 25.0, 0.0)
        assert step.converged and step.iterations == 1
        u = step.u
        assert np.all(np.isfinite(u))
        dim = model.disc.dim
        nodal = model.disc.nodal_values(u)
        for name in boundary:
            nodes = np.unique(model.disc.scalar_basis.get_dofs(tagged.boundaries[name]).flatten())
            x = model.disc.node_coordinates[nodes]
            normal = np.linalg.svd(x - x.mean(axis=0))[2][-1]
            assert np.abs(nodal[nodes] @ normal).max() < 1e-12, (family, kind, name)
        fields = solver.group_fields(u, model.temperature_at_quadrature(25.0), {},
                                     model.initial_state())
        joint_stress = von_mises(fields["joint_*"]["stress"])
        assert 1.0 < joint_stress.max() < 1e4, (family, kind)


@pytest.mark.parametrize("family", list(SPECS))
def test_thermoelastic_solve_on_every_model_kind(built, family):
    """Every family and kind; the 3D kinds with linear elements here (a direct solve of the
    quadratic full models, ~100 k unknowns, takes minutes without PARDISO: slow test below)."""
    thermoelastic_on_every_kind(built, family, order_3d=1)


@pytest.mark.slow
@pytest.mark.parametrize("family", list(SPECS))
def test_thermoelastic_solve_on_every_model_kind_quadratic(built, family):
    thermoelastic_on_every_kind(built, family, order_3d=2)
