"""Mesh control and quality: size fields at the joints, generation, element order, quality
report, physical groups and the MSH 4.1 file.

Element size: ``mesh.size`` everywhere, shrinking to the joint size inside a ball around each
joint (gmsh ``Ball`` fields combined with ``Min``) with a linear transition over
``mesh.transition``. With ``mesh.refine = "corner"`` the critical joint(s) (largest distance to
the neutral point among the joints of the model) get ``mesh.corner_joint_size`` and the others
``mesh.joint_size``; with ``"all"`` every joint gets ``corner_joint_size``.
"""

from __future__ import annotations

import os

import gmsh
import numpy as np

from ..errors import MeshError, OutputError
from .layout import Layout
from .occ import GmshSession, Realised

# gmsh element type names -> meshio cell type names
_MESHIO_NAMES = {
    "Tetrahedron 4": "tetra", "Tetrahedron 10": "tetra10",
    "Triangle 3": "triangle", "Triangle 6": "triangle6",
    "Quadrilateral 4": "quad", "Quadrilateral 9": "quad9", "Quadrilateral 8": "quad8",
}


def critical_joint_ids(layout: Layout) -> list[int]:
    """Ids of the joint(s) farthest from the neutral point among those in the model."""
    if not layout.joints:
        return []
    far = max(jp.joint.dnp for jp in layout.joints)
    return [jp.joint.id for jp in layout.joints if jp.joint.dnp >= far - 1e-9]


def set_size_fields(layout: Layout, mesh, dim: int, position) -> dict:
    """Install the background size field; returns what was used (for the metadata).

    ``position(joint_parts)`` gives the in-plane mesh coordinate(s) of a joint's axis:
    (x, y) in 3D, (s,) in 2D.
    """
    critical = set(critical_joint_ids(layout))
    fields = []
    for jp in layout.joints:
        fine = mesh.corner_joint_size if (mesh.refine == "all" or jp.joint.id in critical) else mesh.joint_size
        shape = jp.shape
        z_mid = jp.z_base + shape.height / 2
        radius = max(shape.max_radius, shape.height / 2) + fine
        f = gmsh.model.mesh.field.add("Ball")
        centre = position(jp)
        if dim == 3:
            x, y, z = centre[0], centre[1], z_mid
        else:
            x, y, z = centre[0], z_mid, 0.0
        for key, value in (("Radius", radius), ("Thickness", mesh.transition), ("VIn", fine),
                           ("VOut", mesh.size), ("XCenter", x), ("YCenter", y), ("ZCenter", z)):
            gmsh.model.mesh.field.setNumber(f, key, value)
        fields.append(f)
    if fields:
        fmin = gmsh.model.mesh.field.add("Min")
        gmsh.model.mesh.field.setNumbers(fmin, "FieldsList", fields)
        gmsh.model.mesh.field.setAsBackgroundMesh(fmin)
    return {"size": mesh.size, "joint_size": mesh.joint_size, "corner_joint_size": mesh.corner_joint_size,
            "transition": mesh.transition, "refine": mesh.refine, "critical_joints": sorted(critical)}


def add_physical_groups(realised: Realised) -> dict[str, int]:
    """Named physical groups: regions (cells) then boundaries (facets), in sorted name order."""
    tags = {}
    tag = 1
    for name in sorted(realised.regions):
        gmsh.model.addPhysicalGroup(realised.dim, sorted(realised.regions[name]), tag, name)
        tags[name] = tag
        tag += 1
    for name in sorted(realised.boundaries):
        gmsh.model.addPhysicalGroup(realised.dim - 1, sorted(realised.boundaries[name]), tag, name)
        tags[name] = tag
        tag += 1
    return tags


def generate(session: GmshSession, dim: int, mesh) -> int:
    """Generate the mesh (one cell type) and raise it to the requested order.

    Returns the number of curved elements that had to be straightened (see
    :func:`straighten_invalid`)."""
    session.set("Mesh.MeshSizeMax", mesh.size)
    session.set("Mesh.MeshSizeMin", 0.0)
    session.set("Mesh.MeshSizeFromPoints", 0)
    session.set("Mesh.MeshSizeFromCurvature", 0)
    session.set("Mesh.MeshSizeExtendFromBoundary", 0)
    session.set("Mesh.Algorithm", 6)  # Frontal-Delaunay (2D)
    session.set("Mesh.Algorithm3D", 1)  # Delaunay
    session.set("Mesh.Optimize", 1 if mesh.optimize else 0)
    session.set("Mesh.OptimizeNetgen", 0)
    session.set("Mesh.ElementOrder", 1)
    session.set("Mesh.SecondOrderLinear", 0)  # mid-side nodes on the curved geometry
    session.set("Mesh.HighOrderOptimize", 0)
    quads = dim == 2 and mesh.cell_2d == "quad"
    session.set("Mesh.RecombineAll", 1 if quads else 0)
    session.set("Mesh.SubdivisionAlgorithm", 1 if quads else 0)
    session.set("Mesh.MeshSizeFactor", 2.0 if quads else 1.0)
    if quads:
        # blossom recombination, then one subdivision of every cell into quads (so no triangle
        # can remain); the sizes are doubled first so that the subdivided cells have them
        session.set("Mesh.RecombinationAlgorithm", 1)
        session.set("Mesh.Algorithm", 8)  # Frontal-Delaunay for quads
    try:
        # curves, then surfaces, then volumes: gmsh 4.15 crashed (SIGSEGV) on some of these
        # models when asked for generate(3) directly, never when the lower dimensions were
        # meshed first (same mesh otherwise)
        for d in range(1, dim + 1):
            gmsh.model.mesh.generate(d)
        if mesh.order == 2:
            gmsh.model.mesh.setOrder(2)
            if count_invalid(dim):
                # elastic analogy: moves interior high-order nodes so that curving the boundary
                # does not fold thin elements (fast; the full "HighOrder" optimiser is ~100x
                # slower). Only run when needed: its result varies in the 11th digit run to run.
                gmsh.model.mesh.optimize("HighOrderElastic")
    except Exception as exc:  # gmsh raises a bare Exception with its last error
        raise MeshError("gmsh", "mesh", str(exc), "a mesh gmsh can generate (try other sizes)") from None
    straightened = straighten_invalid(dim) if mesh.order == 2 else 0
    types = gmsh.model.mesh.getElementTypes(dim)
    if len(types) != 1:
        names = [gmsh.model.mesh.getElementProperties(t)[0] for t in types]
        raise MeshError("gmsh", "mesh.cell_types", names, "exactly one cell type")
    return straightened


def count_invalid(dim: int) -> int:
    """Number of cells whose (curved) scaled Jacobian is not positive somewhere."""
    etype = gmsh.model.mesh.getElementTypes(dim)[0]
    tags, _ = gmsh.model.mesh.getElementsByType(etype)
    return int(np.sum(np.asarray(gmsh.model.mesh.getElementQualities(tags, "minSJ")) <= 0.0))


def straighten_invalid(dim: int, threshold: float = 0.0, passes: int = 3) -> int:
    """Move the mid-side nodes of inverted curved elements back onto straight edges.

    Placing second-order nodes on the curved geometry (balls, pad rims) can invert a flat
    element of a thin layer. Such elements get their higher-order nodes at the position given
    by the linear interpolation of their vertices (a straight-sided element, valid whenever the
    linear element is). Returns the number of elements straightened.
    """
    etype = gmsh.model.mesh.getElementTypes(dim)[0]
    name, _, _, n_nodes, local, n_vertices = gmsh.model.mesh.getElementProperties(etype)
    local = np.asarray(local).reshape(n_nodes, -1)
    quad = "Quadrilateral" in name
    fixed = 0
    for _ in range(passes):
        tags, nodes = gmsh.model.mesh.getElementsByType(etype)
        if len(tags) == 0:
            return fixed
        sj = np.asarray(gmsh.model.mesh.getElementQualities(tags, "minSJ"))
        bad = np.nonzero(sj <= threshold)[0]
        if bad.size == 0:
            return fixed
        nodes = np.asarray(nodes).reshape(len(tags), n_nodes)
        for e in bad:
            coords = np.array([gmsh.model.mesh.getNode(int(n))[0] for n in nodes[e]])
            vertices = coords[:n_vertices]
            for k in range(n_vertices, n_nodes):
                xi = local[k]
                if quad:
                    u, v = xi[0], xi[1]
                    weights = 0.25 * np.array([(1 - u) * (1 - v), (1 + u) * (1 - v), (1 + u) * (1 + v), (1 - u) * (1 + v)])
                else:
                    weights = np.concatenate(([1.0 - xi[:dim].sum()], xi[:dim]))
                gmsh.model.mesh.setNode(int(nodes[e][k]), list(weights @ vertices), [])
            fixed += 1
    return fixed


def cell_type() -> tuple[str, int]:
    """meshio name and gmsh type of the (single) cell type of the current mesh."""
    dim = gmsh.model.getDimension()
    etype = gmsh.model.mesh.getElementTypes(dim)[0]
    name = gmsh.model.mesh.getElementProperties(etype)[0]
    return _MESHIO_NAMES.get(name, name), etype


def quality_report(realised: Realised) -> dict:
    """Element count, min/mean/max quality (gmsh minSICN), validity (scaled Jacobian of the
    possibly curved elements) and where the worst element is."""
    dim = realised.dim
    _, etype = cell_type()
    entity_region = {t: name for name, tags in realised.regions.items() for t in tags}
    tags_all, region_of = [], []
    for ent in sorted(entity_region):
        _, tags, _ = gmsh.model.mesh.getElements(dim, ent)
        if tags:
            tags_all.append(np.asarray(tags[0]))
            region_of.extend([entity_region[ent]] * len(tags[0]))
    element_tags = np.concatenate(tags_all)
    sicn = np.asarray(gmsh.model.mesh.getElementQualities(element_tags, "minSICN"))
    sj = np.asarray(gmsh.model.mesh.getElementQualities(element_tags, "minSJ"))
    worst = int(np.argmin(sicn))
    _, nodes, _, _ = gmsh.model.mesh.getElement(int(element_tags[worst]))
    coords = np.array([gmsh.model.mesh.getNode(int(n))[0] for n in nodes])
    n_vertices = {2: 3, 3: 4}[dim] if "Quadrilateral" not in gmsh.model.mesh.getElementProperties(etype)[0] else 4
    where = coords[:n_vertices].mean(axis=0)[:dim]
    node_tags, _, _ = gmsh.model.mesh.getNodes()
    return {
        "elements": int(element_tags.size),
        "nodes": int(len(node_tags)),
        "quality_measure": "gmsh minSICN (signed inverse condition number, 1 = ideal)",
        "min_quality": float(sicn.min()),
        "mean_quality": float(sicn.mean()),
        "max_quality": float(sicn.max()),
        "min_scaled_jacobian": float(sj.min()),
        "inverted_elements": int(np.sum(sj <= 0.0)),
        "worst_element": {"region": region_of[worst], "location": [round(float(v), 6) for v in where],
                          "quality": float(sicn[worst])},
    }


def format_quality(name: str, report: dict) -> str:
    w = report["worst_element"]
    return (f"{name}: {report['elements']} elements, {report['nodes']} nodes, quality (minSICN) "
            f"min {report['min_quality']:.3g} mean {report['mean_quality']:.3g} max {report['max_quality']:.3g}; "
            f"worst in {w['region']} at {w['location']}; inverted {report['inverted_elements']}")


def write_msh(session: GmshSession, path: str) -> None:
    """Write MSH 4.1 (ASCII, physical entities only) to ``path`` and check what gmsh wrote.

    gmsh does not report every failed write (a full disk can leave a truncated file behind a
    success), so the file must then be a complete MSH file (:func:`check_msh_file`). The caller
    writes to a temporary path and renames it (see :func:`~.build.build_mesh`).
    """
    session.set("Mesh.MshFileVersion", 4.1)
    session.set("Mesh.Binary", 0)
    session.set("Mesh.SaveAll", 0)
    try:
        gmsh.write(str(path))
    except Exception as exc:  # gmsh raises a bare Exception with its last error
        raise OutputError(path, f"gmsh: {exc}") from None
    check_msh_file(path)


def check_msh_file(path) -> None:
    """Raise :class:`OutputError` unless ``path`` is a whole ASCII MSH file: it starts with
    ``$MeshFormat``, holds an ``$Elements`` section and ends with a closed ``$End...`` line."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(64)
            fh.seek(max(0, size - 4096))
            tail = fh.read()
    except OSError as exc:
        raise OutputError(path, exc) from None
    last = tail.rstrip().rsplit(b"\n", 1)[-1].strip()
    if size == 0 or not head.startswith(b"$MeshFormat") or not last.startswith(b"$End") \
            or b"$EndElements" not in tail:
        raise OutputError(path, f"gmsh wrote an incomplete mesh file ({size} bytes; the disk "
                                f"may be full)")
