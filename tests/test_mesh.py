"""Mesh layer: reading tagged meshes in several formats and rejecting bad ones."""

import json

import meshio
import numpy as np
import pytest
import skfem
from skfem.io.meshio import to_meshio

from thermofatigue.errors import InputError, MeshError
from thermofatigue.mesh import check_mesh, element_volumes, from_meshio, read_mesh


def two_layer_gmsh(path, order=2):
    """Board (1 x 1 x 0.5) under a die (1 x 1 x 0.3), built with the gmsh API."""
    import gmsh

    gmsh.initialize(interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("two_layers")
        board = gmsh.model.occ.addBox(0, 0, 0, 1, 1, 0.5)
        die = gmsh.model.occ.addBox(0, 0, 0.5, 1, 1, 0.3)
        gmsh.model.occ.fragment([(3, board)], [(3, die)])
        gmsh.model.occ.synchronize()
        gmsh.model.addPhysicalGroup(3, [board], name="board")
        gmsh.model.addPhysicalGroup(3, [die], name="die")
        faces = [set(t for _, t in gmsh.model.getBoundary([(3, v)], oriented=False))
                 for v in (board, die)]
        gmsh.model.addPhysicalGroup(2, sorted(faces[0] & faces[1]), name="die_board_interface")
        bottom = [t for _, t in gmsh.model.getEntitiesInBoundingBox(-1e-6, -1e-6, -1e-6, 1.000001,
                                                                    1.000001, 1e-6, 2)]
        gmsh.model.addPhysicalGroup(2, bottom, name="board_bottom")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.35)
        gmsh.model.mesh.generate(3)
        gmsh.model.mesh.setOrder(order)
        gmsh.write(str(path))
    finally:
        gmsh.finalize()


@pytest.mark.parametrize("order", [1, 2])
def test_gmsh_two_material_mesh_named_volumes_and_interface(tmp_path, order):
    path = tmp_path / "two.msh"
    two_layer_gmsh(path, order)
    tagged = read_mesh(path)
    assert type(tagged.mesh) is (skfem.MeshTet1 if order == 1 else skfem.MeshTet2)
    assert sorted(tagged.regions) == ["board", "die"]  # gmsh:bounding_entities dropped
    volumes = tagged.region_volumes()
    assert volumes["board"] == pytest.approx(0.5, rel=1e-10)
    assert volumes["die"] == pytest.approx(0.3, rel=1e-10)
    interface = tagged.boundaries["die_board_interface"]
    z = tagged.mesh.p[2, tagged.mesh.facets[:, interface]]
    assert np.allclose(z, 0.5)
    # the interface is interior: each of its facets has an element on both sides
    assert np.all(tagged.mesh.f2t[1, interface] >= 0)
    area = 0.5 * np.linalg.norm(np.cross(
        *(tagged.mesh.p[:, tagged.mesh.facets[k, interface]]
          - tagged.mesh.p[:, tagged.mesh.facets[0, interface]] for k in (1, 2)), axis=0),
        axis=0).sum()
    assert area == pytest.approx(1.0, rel=1e-10)
    assert np.allclose(tagged.mesh.p[2, tagged.mesh.facets[:, tagged.boundaries["board_bottom"]]],
                       0.0)


SKFEM_MESHES = {
    "triangle": lambda: skfem.MeshTri.init_tensor(np.linspace(0, 2, 5), np.linspace(0, 1, 4)),
    "triangle6": lambda: skfem.MeshTri2.init_circle(2),
    "quad": lambda: skfem.MeshQuad.init_tensor(np.linspace(0, 2, 5), np.linspace(0, 1, 4)),
    "quad9": lambda: skfem.MeshQuad2.from_mesh(
        skfem.MeshQuad.init_tensor(np.linspace(0, 2, 5), np.linspace(0, 1, 4))),
    "tetra": lambda: skfem.MeshTet.init_tensor(*[np.linspace(0, 1, 3)] * 3),
    "tetra10": lambda: skfem.MeshTet2.init_ball(1),
    "hexahedron": lambda: skfem.MeshHex.init_tensor(*[np.linspace(0, 1, 3)] * 3),
    "hexahedron27": lambda: skfem.MeshHex2.from_mesh(
        skfem.MeshHex.init_tensor(*[np.linspace(0, 1, 3)] * 3)),
}


def split_regions(mesh):
    """Two regions by element centre: left (x < mid) and right."""
    c = mesh.p[0, mesh.t].mean(axis=0)
    left = c < np.median(c)
    return np.where(left, 1, 2).astype(np.int32)


@pytest.mark.parametrize("cell_type", sorted(SKFEM_MESHES))
def test_vtu_with_integer_cell_data_and_name_map(tmp_path, cell_type):
    """First- and second-order triangles, quads, tetrahedra, hexahedra from VTU with integer
    cell data and a name map in the JSON side file."""
    mesh = SKFEM_MESHES[cell_type]()
    m = to_meshio(mesh)
    assert m.cells[0].type == cell_type
    tags = split_regions(mesh)
    m.cell_data = {"region": [tags]}
    path = tmp_path / "model.vtu"
    meshio.write(path, m)
    (tmp_path / "model.json").write_text(json.dumps({"region_names": {"left": 1, "right": 2},
                                                     "joints": []}))
    tagged = read_mesh(path)
    assert sorted(tagged.regions) == ["left", "right"]
    assert tagged.n_elements == mesh.t.shape[1]
    np.testing.assert_array_equal(tagged.regions["left"], np.flatnonzero(tags == 1))
    total = element_volumes(mesh).sum()
    assert sum(tagged.region_volumes().values()) == pytest.approx(total, rel=1e-12)
    assert tagged.metadata["joints"] == []


def test_abaqus_inp_element_and_node_sets(tmp_path):
    """Abaqus input: *ELSET regions and an *NSET that becomes a boundary."""
    mesh = skfem.MeshTet.init_tensor(*[np.linspace(0, 1, 3)] * 3)
    tags = split_regions(mesh)
    m = to_meshio(mesh)
    m.cell_sets = {"die": [np.flatnonzero(tags == 1)], "board": [np.flatnonzero(tags == 2)]}
    m.point_sets = {"bottom": np.flatnonzero(np.isclose(mesh.p[2], 0.0))}
    path = tmp_path / "model.inp"
    meshio.write(path, m)
    tagged = read_mesh(path)
    assert sorted(tagged.regions) == ["board", "die"]
    facets = tagged.boundaries["bottom"]
    assert facets.size == 2 * 2 * 2 and np.allclose(tagged.mesh.p[2, tagged.mesh.facets[:, facets]], 0)


def test_region_names_from_caller_for_gmsh_physical_tags(tmp_path):
    mesh = skfem.MeshTri.init_tensor(np.linspace(0, 1, 4), np.linspace(0, 1, 4))
    m = to_meshio(mesh)
    m.cell_data = {"CellEntityIds": [split_regions(mesh)]}
    path = tmp_path / "tags.vtu"
    meshio.write(path, m)
    with pytest.raises(MeshError, match="a name for every region tag"):
        read_mesh(path)
    tagged = read_mesh(path, region_names={"die": 1, "board": 2})
    assert sorted(tagged.regions) == ["board", "die"]


# --------------------------------------------------------------------------------------------
# bad meshes: one clear error each
# --------------------------------------------------------------------------------------------
def tet_meshio(tags=None):
    mesh = skfem.MeshTet.init_tensor(*[np.linspace(0, 1, 3)] * 3)
    m = to_meshio(mesh)
    m.cell_data = {"region": [split_regions(mesh) if tags is None else tags]}
    m.field_data = {"die": np.array([1, 3]), "board": np.array([2, 3])}
    return m


def test_missing_mesh_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.msh.*expected an existing mesh file"):
        read_mesh(tmp_path / "missing.msh")


def test_unreadable_mesh_file(tmp_path):
    path = tmp_path / "garbage.msh"
    path.write_text("this is not a mesh")
    with pytest.raises(InputError, match="a mesh file meshio can read"):
        read_mesh(path)


def test_mesh_without_named_regions():
    m = tet_meshio()
    m.cell_data = {}
    with pytest.raises(MeshError, match="regions = 'none'"):
        from_meshio(m, source="plain.vtu")


def test_mixed_cell_types_are_rejected():
    m = tet_meshio()
    hexes = to_meshio(skfem.MeshHex.init_tensor(*[np.linspace(2, 3, 2)] * 3))
    points = np.vstack([m.points, hexes.points])
    cells = [m.cells[0], meshio.CellBlock("hexahedron", hexes.cells[0].data + len(m.points))]
    mixed = meshio.Mesh(points, cells)
    with pytest.raises(MeshError, match="mixed types would be silently dropped"):
        from_meshio(mixed, source="mixed.vtu")


def test_inverted_element_is_named():
    """Move the centre node through the top face: the elements around it fold over."""
    m = tet_meshio()
    centre = int(np.argmin(np.linalg.norm(m.points - 0.5, axis=1)))
    m.points[centre] = [0.5, 0.5, 1.3]
    with pytest.raises(MeshError, match=r"element \d+ = 'inverted \(folded over a neighbour"):
        from_meshio(m, source="bad.vtu")


def test_node_order_alone_is_not_an_inversion():
    """A mirrored node order is a valid element (integration uses |det J|)."""
    m = tet_meshio()
    conn = m.cells[0].data.copy()
    conn[5, [0, 1]] = conn[5, [1, 0]]
    m.cells[0] = meshio.CellBlock("tetra", conn)
    tagged = from_meshio(m, source="mirrored.vtu")
    assert sum(tagged.region_volumes().values()) == pytest.approx(1.0)


def test_degenerate_element_is_named():
    m = tet_meshio()
    conn = m.cells[0].data.copy()
    conn[3, 3] = conn[3, 2]
    m.cells[0] = meshio.CellBlock("tetra", conn)
    with pytest.raises(MeshError, match=r"element 3 = 'degenerate"):
        from_meshio(m, source="bad.vtu")


def test_element_in_no_region():
    m = tet_meshio()
    m.cell_data = {}
    n = len(m.cells[0].data)
    m.cell_sets = {"die": [np.arange(n - 1)]}
    with pytest.raises(MeshError, match=rf"element {n - 1} = 'in no region"):
        from_meshio(m, source="partial.inp")


def test_element_in_two_regions():
    m = tet_meshio()
    m.cell_data = {}
    n = len(m.cells[0].data)
    m.cell_sets = {"die": [np.arange(0, n // 2 + 1)], "board": [np.arange(n // 2, n)]}
    with pytest.raises(MeshError, match=rf"element {n // 2} = \"in regions \['board', 'die'\]\""):
        from_meshio(m, source="overlap.inp")


def test_region_named_in_case_but_missing_in_mesh():
    tagged = from_meshio(tet_meshio(), source="model.vtu")
    with pytest.raises(MeshError, match=r"joint_\* = 'no such region in the mesh'"):
        check_mesh(tagged, required_regions=["die", "joint_*"])


def test_xdmf_with_integer_cell_data_and_name_map(tmp_path):
    """XDMF with inline XML data (HDF5-backed XDMF needs h5py, which meshio imports then)."""
    mesh = SKFEM_MESHES["tetra"]()
    tags = split_regions(mesh)
    points = " ".join(f"{v:.17g}" for v in mesh.p.T.ravel())
    cells = " ".join(str(v) for v in mesh.t.T.ravel())
    n, e = mesh.p.shape[1], mesh.t.shape[1]
    (tmp_path / "model.xdmf").write_text(f"""<?xml version="1.0"?>
<Xdmf Version="3.0"><Domain><Grid Name="mesh" GridType="Uniform">
<Topology TopologyType="Tetrahedron" NumberOfElements="{e}">
<DataItem Dimensions="{e} 4" NumberType="Int" Format="XML">{cells}</DataItem></Topology>
<Geometry GeometryType="XYZ"><DataItem Dimensions="{n} 3" Format="XML">{points}</DataItem></Geometry>
<Attribute Name="region" AttributeType="Scalar" Center="Cell">
<DataItem Dimensions="{e}" NumberType="Int" Format="XML">{" ".join(map(str, tags))}</DataItem>
</Attribute></Grid></Domain></Xdmf>""")
    (tmp_path / "model.json").write_text(json.dumps({"region_names": {"1": "die", "2": "board"}}))
    tagged = read_mesh(tmp_path / "model.xdmf")
    np.testing.assert_array_equal(tagged.regions["die"], np.flatnonzero(tags == 1))
    assert sum(tagged.region_volumes().values()) == pytest.approx(1.0)
