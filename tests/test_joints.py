"""Joints of a model from the mesh metadata and from the mesh alone (thermofatigue.joints).

The geometric inference is checked against what the geometry builder knows exactly (its
metadata), on coarse linear meshes built once per module, and against closed forms on structured
meshes. Tolerances are derived, not tuned:

* a linear mesh of a convex joint whose boundary nodes lie on the exact surface is inscribed in
  it (M inside E), so its centroid differs from the exact one by at most
  ``|E \\ M| r / |M| = (V_exact - V_mesh) r / V_mesh`` with ``r`` the largest distance from the
  exact centroid in the direction considered (the joint radius in the board plane);
* a polygon inscribed in a circle of diameter ``d`` with chords of at most ``h`` misses at most
  the share ``(theta - sin theta) / theta <= theta^2 / 6`` of the disc, ``theta = 2 asin(h / d)``.
"""

import math

import meshio
import numpy as np
import pytest
import skfem

from thermofatigue.errors import InputError
from thermofatigue.geometry import build_mesh
from thermofatigue.geometry.ball import shape_from_standoff
from thermofatigue.joints import INTERFACE_LAYER, find_joints
from thermofatigue.materials import constitutive_model, get_material
from thermofatigue.mesh import TaggedMesh, read_mesh
from thermofatigue.model import Model

# a 3 x 3 fan-in WLCSP, 0.4 mm pitch: coarse, linear (a few thousand tetrahedra)
SPEC = {
    "family": "wlcsp", "name": "joints_test", "passivation": {}, "dielectric": [{}, {}],
    "rdl": {}, "ubm": {"diameter": 0.208, "thickness": 0.005}, "ball": {"diameter": 0.26},
    "array": {"rows": 3, "columns": 3, "pitch": 0.4},
    "board": {"thickness": 0.5, "size_x": 1.6, "size_y": 1.6},
    "board_pad": {"diameter": 0.208, "thickness": 0.035},
    "solder_mask": {"type": "nsmd", "opening": 0.258, "thickness": 0.02},
    "mesh": {"size": 0.3, "joint_size": 0.09, "corner_joint_size": 0.09, "order": 1},
}
KINDS = {"quarter": "3d", "octant": "3d", "slice2d": "plane_strain"}


def elastic_model(tagged, kind):
    """A linear-order model with one elastic material everywhere (joints only need the mesh,
    the material groups and the quadrature)."""
    sac = constitutive_model(get_material("sac305"), "elastic", 25.0, kind)
    return Model(tagged, kind, {"*": sac}, order=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("joints")
    return {kind: build_mesh(SPEC, kind=kind, path=str(directory / f"{kind}.msh"), verbose=False)
            for kind in KINDS}


@pytest.fixture(scope="module")
def models(built):
    return {kind: elastic_model(read_mesh(b.path), KINDS[kind]) for kind, b in built.items()}


def exact_joint_measure(metadata, fraction):
    """Exact volume (3D) or area (2D) of the part of a joint in the model."""
    ball = metadata["ball"]
    if metadata["dimension"] == 3:
        return fraction * ball["volume"]
    shape = shape_from_standoff(ball["standoff"], ball["die_pad_radius"],
                                ball["board_pad_radius"])
    return fraction * shape.section_area()


def centroid_bound(joint, metadata):
    """Largest distance of the mesh centroid from the exact axis (module docstring)."""
    exact = exact_joint_measure(metadata, joint.fraction)
    mesh_measure = joint.whole.volume
    assert mesh_measure < exact  # inscribed
    return (exact - mesh_measure) / mesh_measure * metadata["ball"]["max_radius"]


def longest_edge(tagged, elements):
    """Longest edge of the given elements."""
    mesh = tagged.mesh
    t = mesh.t[:, elements]
    c = t.shape[0]
    pairs = [(a, b) for a in range(c) for b in range(a + 1, c)]
    return max(float(np.linalg.norm(mesh.p[:, t[a]] - mesh.p[:, t[b]], axis=0).max())
               for a, b in pairs)


def global_elements(model, volume):
    """Global element indices of a JointVolume."""
    group = next(g for g in model.groups if g.pattern == volume.group)
    return np.sort(group.elements[volume.local])


# --------------------------------------------------------------------------------------------
# (a) measured from the mesh == what the builder knows
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_metadata_path_gives_the_builders_joints(models, built, kind):
    meta = {j["id"]: j for j in built[kind].metadata["joints"]}
    joints = find_joints(models[kind])
    assert [j.id for j in joints] == sorted(meta)
    for j in joints:
        m = meta[j.id]
        assert j.source == "metadata" and j.info["layers"] == "tagged"
        assert (j.row, j.column, j.dnp, j.fraction) == (m["row"], m["column"], m["dnp"],
                                                        m["fraction"])
        expected = (m["x"], m["y"]) if kind != "slice2d" else (m["s"], 0.0)
        assert j.position == expected
        assert j.die_pad_diameter == pytest.approx(0.208, rel=1e-12)
        assert j.interface_layer == INTERFACE_LAYER
        assert j.die_layer.volume > 0 and j.board_layer.volume > 0


@pytest.mark.parametrize("kind", list(KINDS))
def test_geometry_reproduces_the_metadata(models, built, kind):
    """Forced to measure (metadata and layer tags ignored), the joints come out as the builder
    made them: ids, rows and columns, fractions (1/4 and 1/8 at the model centre, 1/2 on one
    symmetry plane), positions and DNP within the inscribed-mesh bound, pad diameters to
    round-off (the rim nodes lie on the pad circle), and interface layers that are exactly the
    tagged layers (the mesh conforms to the layer planes)."""
    model = models[kind]
    metadata = built[kind].metadata
    tagged_joints = {j.id: j for j in find_joints(model)}
    joints = find_joints(model, use_metadata=False)
    assert [j.id for j in joints] == sorted(tagged_joints)
    dim = metadata["dimension"]
    for j in joints:
        ref = tagged_joints[j.id]
        assert j.source == "geometry" and j.info["layers"] == "geometry"
        assert j.fraction == pytest.approx(ref.fraction, abs=1e-12)
        if dim == 3:
            assert (j.row, j.column) == (ref.row, ref.column)
        else:  # a slice has no rows; on the diagonal the index along it is the column
            assert j.row is None and j.column == ref.column
        bound = centroid_bound(j, metadata)
        assert np.linalg.norm(np.subtract(j.position, ref.position)) <= bound
        assert abs(j.dnp - ref.dnp) <= bound  # the neutral point is exact: the planes' origin
        for side in ("die", "board"):
            d = getattr(j, f"{side}_pad_diameter")
            assert d == pytest.approx(2 * metadata["ball"][f"{side}_pad_radius"], rel=1e-6)
            layer, ref_layer = getattr(j, f"{side}_layer"), getattr(ref, f"{side}_layer")
            assert np.array_equal(global_elements(model, layer), global_elements(model, ref_layer))
            assert layer.volume == pytest.approx(ref_layer.volume, rel=1e-12)
        # whole joint: the same elements as joint + tagged layers
        assert np.array_equal(global_elements(model, j.whole), global_elements(model, ref.whole))


@pytest.mark.parametrize("kind", list(KINDS))
def test_equivalent_pad_diameter_of_the_contact_area(models, built, kind):
    """sqrt(4 A / (pi f)) of the meshed contact area: below the pad diameter by no more than the
    chord error of the mesh (3D); the contact length over the fraction, exactly, in 2D."""
    model = models[kind]
    for j in find_joints(model, use_metadata=False):
        elements = global_elements(model, j.whole)
        h = longest_edge(model.tagged, elements)
        for side in ("die", "board"):
            d = getattr(j, f"{side}_pad_diameter")
            d_eq = j.info[f"{side}_pad_equivalent_diameter"]
            if kind == "slice2d":
                assert d_eq == pytest.approx(d, rel=1e-9)
                continue
            theta = 2 * math.asin(min(h / d, 1.0))
            assert d * math.sqrt(1 - theta**2 / 6) <= d_eq <= d * (1 + 1e-9)


# --------------------------------------------------------------------------------------------
# (b) a plain Gmsh mesh and a CalculiX (Abaqus .inp) mesh: joint regions, nothing else
# --------------------------------------------------------------------------------------------
def plain_mesh(source, path, fmt):
    """The gmsh mesh ``source`` rewritten without side file, its layer regions merged into the
    joints and only the symmetry planes (and the board bottom) kept as boundaries."""
    raw = meshio.read(source)
    physical_dim = {int(v[0]): int(v[1]) for v in raw.field_data.values()}
    dim = max(physical_dim.values())
    merged = {int(v[0]): name.replace("_die_layer", "").replace("_board_layer", "")
              for name, v in raw.field_data.items()}
    keep = sorted({merged[t] for t, d in physical_dim.items() if d == dim - 1
                   and (merged[t].startswith("sym") or merged[t] == "board_bottom")})
    volume_type = facet_type = None
    volume_cells, volume_tags, facet_cells, facet_tags = [], [], [], []
    for block, physical in zip(raw.cells, raw.cell_data["gmsh:physical"]):
        d = physical_dim[int(physical[0])]
        if d == dim:
            volume_type = block.type
            volume_cells.append(block.data)
            volume_tags.append(physical)
        elif d == dim - 1 and {merged[int(t)] for t in physical} <= set(keep):
            facet_type = block.type
            facet_cells.append(block.data)
            facet_tags.append(physical)
    cells = np.concatenate(volume_cells)
    region_tag = np.concatenate(volume_tags)
    names = sorted({merged[int(t)] for t in region_tag})
    if fmt == "msh":
        new_tag = {name: k + 1 for k, name in enumerate(names + keep)}
        physical = [np.array([new_tag[merged[int(t)]] for t in region_tag])]
        blocks = [(volume_type, cells)]
        for data, t in zip(facet_cells, facet_tags):
            blocks.append((facet_type, data))
            physical.append(np.array([new_tag[merged[int(x)]] for x in t]))
        field_data = {name: np.array([tag, dim if name in names else dim - 1])
                      for name, tag in new_tag.items()}
        mesh = meshio.Mesh(raw.points, blocks, cell_data={
            "gmsh:physical": physical, "gmsh:geometrical": [p.copy() for p in physical]},
            field_data=field_data)
        meshio.write(path, mesh, file_format="gmsh22", binary=False)
    else:  # CalculiX / Abaqus: element sets for the regions, node sets for the boundaries
        owner = np.array([merged[int(t)] for t in region_tag])
        cell_sets = {name: [np.flatnonzero(owner == name)] for name in names}
        point_sets = {}
        for data, t in zip(facet_cells, facet_tags):
            name = merged[int(t[0])]
            point_sets[name] = np.union1d(point_sets.get(name, []), data.ravel()).astype(int)
        mesh = meshio.Mesh(raw.points, [(volume_type, cells)], cell_sets=cell_sets,
                           point_sets=point_sets)
        meshio.write(path, mesh, file_format="abaqus")
    return path


@pytest.mark.parametrize("fmt", ["msh", "inp"])
@pytest.mark.parametrize("kind", ["quarter", "slice2d"])
def test_plain_mesh_without_side_file(built, models, tmp_path, kind, fmt):
    """A user's mesh with joint regions and no side file: the joints, their positions, rows
    and columns, pads and interface layers are found from the mesh and agree with the builder's
    (the layers to round-off in volume, the mesh conforming to the layer planes)."""
    path = plain_mesh(built[kind].path, str(tmp_path / f"plain.{fmt}"), fmt)
    assert not (tmp_path / "plain.json").exists()
    tagged = read_mesh(path)
    assert not any(r.endswith("_layer") for r in tagged.regions)
    assert tagged.metadata == {}
    assert any(b.startswith("sym") for b in tagged.boundaries)
    model = elastic_model(tagged, KINDS[kind])
    joints = find_joints(model)
    reference = {j.id: j for j in find_joints(models[kind])}
    metadata = built[kind].metadata
    assert [j.id for j in joints] == sorted(reference)
    for j in joints:
        ref = reference[j.id]
        assert j.source == "geometry" and j.interface_layer == INTERFACE_LAYER
        assert j.fraction == pytest.approx(ref.fraction, abs=1e-12)
        assert j.column == ref.column and j.row == (ref.row if kind != "slice2d" else None)
        bound = centroid_bound(j, metadata)
        assert np.linalg.norm(np.subtract(j.position, ref.position)) <= bound
        assert abs(j.dnp - ref.dnp) <= bound
        assert j.die_pad_diameter == pytest.approx(ref.die_pad_diameter, rel=1e-6)
        assert j.board_pad_diameter == pytest.approx(ref.board_pad_diameter, rel=1e-6)
        assert j.whole.volume == pytest.approx(ref.whole.volume, rel=1e-12)
        assert j.die_layer.volume == pytest.approx(ref.die_layer.volume, rel=1e-12)
        assert j.board_layer.volume == pytest.approx(ref.board_layer.volume, rel=1e-12)
        # what the per-joint tables print needs no metadata
        assert isinstance(j.info["dnp"], float) and isinstance(j.info["row"], (int, type(None)))


# --------------------------------------------------------------------------------------------
# (c) averages over a layer: exact for a linear field
# --------------------------------------------------------------------------------------------
def linear_field(model, a=1.0, b=(2.0, -3.0, 5.0)):
    """f = a + b . x at every quadrature point (n_elements, Q) and the function itself."""
    dim = model.disc.dim
    b = np.asarray(b[:dim])
    return a + model.disc.points @ b, (lambda x: a + np.asarray(x) @ b)


def polyhedral_centroid(tagged, elements):
    """Centroid of linear simplices from their vertices: volume |det| / d!, centroid the vertex
    mean (independent of the quadrature)."""
    p = tagged.mesh.p[:, tagged.mesh.t[:, elements]]            # (dim, dim + 1, n)
    edges = (p[:, 1:] - p[:, :1]).transpose(2, 0, 1)            # (n, dim, dim)
    volume = np.abs(np.linalg.det(edges)) / math.factorial(p.shape[0])
    return (p.mean(axis=1) * volume).sum(axis=1) / volume.sum()


def test_layer_average_of_a_linear_field_on_a_gmsh_joint(models, built):
    """On the quarter model (curved joints, linear tetrahedra): the layer average of a linear
    field equals its value at the layer centroid computed from the tetrahedra alone; for the
    uncut joint that centroid lies within the inscribed-mesh bound of the closed-form centroid
    of the spherical-zone layer, z = int z A(z) dz / int A(z) dz, A = pi (R^2 - (z - c)^2)."""
    model = models["quarter"]
    metadata = built["quarter"].metadata
    f_q, f = linear_field(model)
    ball = metadata["ball"]
    R, c, h = ball["sphere_radius"], ball["centre_height"], ball["standoff"]
    z0, t = ball["board_pad_plane_z"], INTERFACE_LAYER
    for j in find_joints(model, use_metadata=False):
        group = next(g for g in model.groups if g.pattern == j.whole.group)
        values = f_q[group.elements]
        for side, (lo, hi) in (("die", (h - t, h)), ("board", (0.0, t))):
            layer = getattr(j, f"{side}_layer")
            elements = global_elements(model, layer)
            centroid = polyhedral_centroid(model.tagged, elements)
            assert layer.average(values) == pytest.approx(f(centroid), rel=1e-12, abs=1e-13)
            if j.fraction < 1.0:
                continue
            u = np.array([lo, hi]) - c      # heights from the sphere centre

            def moment(k):
                return np.diff(R**2 * u**(k + 1) / (k + 1) - u**(k + 3) / (k + 3))[0]

            exact_volume = math.pi * moment(0)
            z_exact = z0 + c + moment(1) / moment(0)
            assert np.linalg.norm(centroid[:2] - np.array(j.position)) <= \
                (exact_volume - layer.volume) / layer.volume * ball["max_radius"]
            assert abs(centroid[2] - z_exact) <= (exact_volume - layer.volume) / layer.volume * t


def array_mesh(cls, centres, side=0.2, size=0.05, dim=3, die=True):
    """Structured mesh of an array of square (3D) or straight (2D) joints of width ``side``
    between a board (normal coordinate < 0.05) and a die (> 0.15), underfill between them
    (``die`` False: no die, the joints reach the free top at 0.2)."""
    centres = np.atleast_2d(centres)
    lines = []
    for axis in range(dim - 1):
        c = centres[:, axis]
        lo, hi = c.min() - side, c.max() + side
        ticks = np.concatenate([np.arange(lo, hi + 1e-9, size), c - side / 2, c + side / 2])
        lines.append(np.unique(np.round(ticks, 12)))
    lines.append(np.linspace(0.0, 0.2, 9))
    mesh = cls.init_tensor(*lines)
    x = mesh.p[:, mesh.t].mean(axis=1)
    up = x[dim - 1]
    top = 0.15 if die else 0.2
    region = np.where(up < 0.05, "board", np.where(up > top, "die", "underfill")).astype(object)
    for k, c in enumerate(centres):
        inside = np.all(np.abs(x[: dim - 1] - c[:, None]) < side / 2, axis=0) & \
            (up > 0.05) & (up < top)
        region[inside] = f"joint_{k}"
    regions = {name: np.flatnonzero(region == name) for name in np.unique(region)}
    return TaggedMesh(mesh, regions)


@pytest.mark.parametrize("cls", [skfem.MeshTet, skfem.MeshHex, skfem.MeshTri, skfem.MeshQuad])
def test_layer_average_of_a_linear_field_is_exact(cls):
    """Square joints (0.2 mm, 0.1 mm high) between flat pads: the die layer is the slab within
    0.025 mm of the die, centroid (x_j, y_j, 0.1375), and the board layer (x_j, y_j, 0.0625);
    the volume average of f = 1 + 2x - 3y + 5z over each is f there, to round-off."""
    dim = 3 if cls in (skfem.MeshTet, skfem.MeshHex) else 2
    centres = [[0.3, 0.1], [0.7, 0.1], [0.3, 0.5], [0.7, 0.5], [0.3, 0.9], [0.7, 0.9]]
    centres = np.array(centres)[:, : dim - 1]
    if dim == 2:
        centres = np.unique(centres, axis=0)
    tagged = array_mesh(cls, centres, dim=dim)
    model = elastic_model(tagged, "3d" if dim == 3 else "plane_strain")
    f_q, f = linear_field(model)
    joints = find_joints(model)
    assert len(joints) == len(centres)
    for j in joints:
        c = centres[j.id]
        group = next(g for g in model.groups if g.pattern == j.whole.group)
        values = f_q[group.elements]
        for volume, height in ((j.die_layer, 0.1375), (j.board_layer, 0.0625), (j.whole, 0.1)):
            point = np.append(c, height)
            assert volume.average(values) == pytest.approx(f(point), rel=1e-13, abs=1e-13)
        assert j.die_layer.volume == pytest.approx(0.2 ** (dim - 1) * 0.025, rel=1e-12)
        # the contact face is the whole square (segment): equivalent diameter from its area
        d_eq = math.sqrt(4 * 0.04 / math.pi) if dim == 3 else 0.2
        assert j.info["die_pad_equivalent_diameter"] == pytest.approx(d_eq, rel=1e-12)
        assert j.info["board_pad_equivalent_diameter"] == pytest.approx(d_eq, rel=1e-12)


def test_full_array_without_symmetry_planes():
    """No symmetry planes: the neutral point is the centroid of the joint array (here (0.5,
    0.5), away from the origin), rows and columns count from the smallest y and x, every joint
    is whole."""
    centres = np.array([[0.3, 0.1], [0.7, 0.1], [0.3, 0.5], [0.7, 0.5], [0.3, 0.9], [0.7, 0.9]])
    model = elastic_model(array_mesh(skfem.MeshTet, centres), "3d")
    joints = find_joints(model)
    for j in joints:
        c = centres[j.id]
        assert j.position == pytest.approx(tuple(c), abs=1e-12)
        assert j.dnp == pytest.approx(math.hypot(c[0] - 0.5, c[1] - 0.5), abs=1e-12)
        assert (j.row, j.column) == (j.id // 2, j.id % 2)
        assert j.fraction == 1.0 and j.source == "geometry"


def test_layers_at_another_thickness_are_found_geometrically(models):
    """Asking for a layer thickness the tags were not made with: the tagged layers are not used,
    the layers are found at the asked thickness and say so."""
    model = models["quarter"]
    tagged = {j.id: j for j in find_joints(model)}
    for j in find_joints(model, interface_layer=0.05):
        assert j.interface_layer == 0.05 and j.info["layers"] == "geometry"
        assert j.source == "metadata"  # positions still from the metadata
        assert j.die_layer.volume > tagged[j.id].die_layer.volume


@pytest.mark.parametrize("thickness", [-0.01, 0.0, 0.1, "thin"])
def test_bad_interface_layer(models, thickness):
    """Not a positive thickness, or one that would make the two layers overlap (the standoff
    is 0.18 mm): one clear input error."""
    with pytest.raises(InputError, match="interface_layer"):
        find_joints(models["quarter"], interface_layer=thickness)


def test_model_without_joints():
    mesh = skfem.MeshTet.init_tensor(np.linspace(0, 1, 3), np.linspace(0, 1, 3),
                                     np.linspace(0, 1, 3))
    tagged = TaggedMesh(mesh, {"die": np.arange(mesh.t.shape[1])})
    assert find_joints(elastic_model(tagged, "3d")) == []


# --------------------------------------------------------------------------------------------
# a cycling run on a plain Gmsh mesh
# --------------------------------------------------------------------------------------------
CASE = """
title = "plain gmsh slice, no side file"
[model]
mesh = "plain.msh"
kind = "plane_strain"
order = 1
[materials]
{materials}
[boundary]
sym_x = "symmetry"
[load]
preset = "JESD22-A104:G"
cycles = 1
stress_free_temperature = 217.0
[output]
directory = "out"
"""


def test_cycling_run_on_a_plain_gmsh_mesh(built, models, tmp_path, capsys):
    """A creep run on a Gmsh mesh with joint regions and no side file (the run that used to
    solve and then fail formatting a missing DNP) reports every joint's life with the position,
    DNP, pad diameters and interface layers found from the mesh."""
    from thermofatigue.cli import main
    from thermofatigue.resultio import load_result

    plain_mesh(built["slice2d"].path, str(tmp_path / "plain.msh"), "msh")
    from test_cli import GOOD_MATERIALS

    (tmp_path / "case.toml").write_text(CASE.format(materials=GOOD_MATERIALS))
    capsys.readouterr()
    code = main(["run", "-q", "--no-plots", str(tmp_path / "case.toml")])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = load_result(tmp_path / "out")
    table = result.joints.cycle(1)
    reference = {j.id: j for j in find_joints(models["slice2d"])}
    assert sorted(table["joint"]) == sorted(reference)
    for row in table.rows():
        ref = reference[row["joint"]]
        bound = centroid_bound(ref, built["slice2d"].metadata)
        assert row["dnp"] == pytest.approx(ref.dnp, abs=bound)
        assert row["die_pad_diameter"] == pytest.approx(0.208, rel=1e-6)
        assert row["interface_layer"] == INTERFACE_LAYER
        assert row["dW_die_layer"] > 0 and row["dW_board_layer"] > 0
    life = result.life
    assert np.all(life.life("darveaux") > 0)
    # Darveaux's crack length is the pad diameter of that joint at its failing interface
    assert np.allclose(life["crack_length"], 0.208, rtol=1e-6)
    critical = result.critical
    assert critical["dnp"] == pytest.approx(max(table["dnp"]))  # the corner joint, found
    assert (tmp_path / "out" / "summary.json").is_file()


@pytest.mark.parametrize("key,value", [("fraction", "half"), ("fraction", 2.0), ("row", 1.5),
                                       ("dnp", None)])
def test_bad_metadata_record(built, key, value):
    """A side file with a joint field of the wrong type: one input error naming it."""
    tagged = read_mesh(built["quarter"].path)
    tagged.metadata["joints"][0][key] = value
    with pytest.raises(InputError, match=f"joints\\[joint_4\\]\\.{key}"):
        find_joints(elastic_model(tagged, "3d"))


def test_symmetry_planes_named_otherwise(built):
    """A quarter model whose symmetry planes are not named sym_*: without being told, no plane
    is known, the fractions come from the joint volumes (1/4, 1/2, 1); told their names, the
    joints are those of the sym_* model."""
    tagged = read_mesh(built["quarter"].path)
    reference = {j.id: j for j in find_joints(elastic_model(tagged, "3d"), use_metadata=False)}
    tagged.boundaries["left"] = tagged.boundaries.pop("sym_x")
    tagged.boundaries["front"] = tagged.boundaries.pop("sym_y")
    model = elastic_model(tagged, "3d")
    by_volume = find_joints(model, use_metadata=False)
    assert [j.fraction for j in by_volume] == [reference[j.id].fraction for j in by_volume]
    told = find_joints(model, use_metadata=False, symmetry=["left", "front"])
    for j in told:
        ref = reference[j.id]
        assert (j.row, j.column, j.fraction) == (ref.row, ref.column, ref.fraction)
        assert j.position == pytest.approx(ref.position, abs=1e-12)
        assert j.dnp == pytest.approx(ref.dnp, abs=1e-12)
        assert j.die_pad_diameter == pytest.approx(ref.die_pad_diameter, rel=1e-12)


# families with other joint surroundings: underfill around the joints and solder-mask-defined
# board pads (flip chip: wetted radii 0.04 / 0.035 mm), a depopulated array (fan-out: the centre
# 2 x 2 missing), a Cu post under the joint; the WLCSP with an underfill fillet is the slowest
FAMILIES = {
    "flip_chip": {
        "family": "flip_chip", "ubm": {"diameter": 0.08}, "ball": {"diameter": 0.1},
        "board_pad": {"diameter": 0.08, "thickness": 0.018},
        "solder_mask": {"type": "smd", "opening": 0.07, "thickness": 0.04},
        "array": {"rows": 4, "columns": 4, "pitch": 0.15},
        "underfill": {"fillet_width": 0.15, "fillet_height": 0.15},
        "mesh": {"size": 0.3, "joint_size": 0.035, "corner_joint_size": 0.025, "order": 1},
    },
    "fan_out": {
        "family": "fan_out", "die": {"size_x": 1.0, "size_y": 1.0, "thickness": 0.2},
        "mold": {"size_x": 2.0, "size_y": 2.0, "thickness": 0.3}, "ball": {"diameter": 0.26},
        "array": {"rows": 4, "columns": 4, "pitch": 0.4,
                  "missing": [[1, 1], [1, 2], [2, 1], [2, 2]]},
        "mesh": {"size": 0.3, "joint_size": 0.09, "corner_joint_size": 0.065, "order": 1},
    },
    "cu_post_wlcsp": {
        "family": "cu_post_wlcsp", "dielectric": [{}], "rdl": {},
        "post": {"diameter": 0.2, "height": 0.05}, "backside_resin": {"thickness": 0.025},
        "ball": {"diameter": 0.26}, "array": {"rows": 3, "columns": 3, "pitch": 0.4},
        "mesh": {"size": 0.3, "joint_size": 0.09, "corner_joint_size": 0.065, "order": 1},
    },
    "wlcsp_underfill": dict(SPEC, underfill={"fillet_width": 0.08, "fillet_height": 0.1}),
}
SLOW = pytest.mark.slow


@pytest.mark.parametrize("family", ["flip_chip", "fan_out",
                                    pytest.param("cu_post_wlcsp", marks=SLOW),
                                    pytest.param("wlcsp_underfill", marks=SLOW)])
def test_geometry_reproduces_the_metadata_of_other_families(tmp_path, family):
    """Quarter models of the other package families: measured joints == the builder's."""
    b = build_mesh(FAMILIES[family], kind="quarter", path=str(tmp_path / "q.msh"), verbose=False)
    model = elastic_model(read_mesh(b.path), "3d")
    reference = {j.id: j for j in find_joints(model)}
    for j in find_joints(model, use_metadata=False):
        ref = reference[j.id]
        assert (j.row, j.column, j.fraction) == (ref.row, ref.column, ref.fraction)
        bound = centroid_bound(j, b.metadata)
        assert np.linalg.norm(np.subtract(j.position, ref.position)) <= bound
        assert j.die_pad_diameter == pytest.approx(ref.die_pad_diameter, rel=1e-6)
        assert j.board_pad_diameter == pytest.approx(ref.board_pad_diameter, rel=1e-6)
        for side in ("die_layer", "board_layer"):
            assert np.array_equal(global_elements(model, getattr(j, side)),
                                  global_elements(model, getattr(ref, side)))


def test_joint_with_a_free_top():
    """A joint with nothing above it has no die-side pad or layer (None, not a guess); its
    board side is found as before."""
    centres = np.array([[0.3, 0.1], [0.7, 0.1]])
    model = elastic_model(array_mesh(skfem.MeshTet, centres, die=False), "3d")
    f_q, f = linear_field(model)
    for j in find_joints(model):
        assert j.die_layer is None and j.die_pad_diameter is None
        assert j.info["die_plane"] is None
        values = f_q[next(g for g in model.groups if g.pattern == j.board_layer.group).elements]
        point = np.append(centres[j.id], 0.0625)
        assert j.board_layer.average(values) == pytest.approx(f(point), rel=1e-13)


def test_tagged_layers_without_side_file(built):
    """Layer regions in a mesh without side file are used as tagged, their thickness measured
    (0.025 mm, the builder's); asked for another thickness, they are found at it."""
    tagged = read_mesh(built["quarter"].path)
    tagged.metadata = {}
    model = elastic_model(tagged, "3d")
    for j in find_joints(model):
        assert j.source == "geometry" and j.info["layers"] == "tagged"
        assert j.interface_layer == pytest.approx(INTERFACE_LAYER, rel=1e-9)
    for j in find_joints(model, interface_layer=0.04):
        assert j.info["layers"] == "geometry" and j.interface_layer == 0.04
