"""Result files: VTU for ParaView, JSON and CSV tables, all written atomically.

Atomic means: written to a temporary file in the target directory, flushed, then renamed over
the target (``os.replace``), so an interrupted run never leaves a half-written result that
looks complete.

Tensor output follows ParaView's convention for 6-component arrays (symmetric tensors in the
order XX, YY, ZZ, XY, YZ, XZ, tensor shear): the internal Voigt vectors (xx, yy, zz, yz, xz, xy,
engineering shear strain) are reordered and strains halved in their shear parts on output, so
ParaView's tensor filters (eigenvalues, glyphs) see the true tensors. In 2D models the z slot
is the out-of-plane component (plane strain) or the hoop component (axisymmetric).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path

import numpy as np

# internal Voigt (xx, yy, zz, yz, xz, xy) -> ParaView (XX, YY, ZZ, XY, YZ, XZ)
_TO_PARAVIEW = [0, 1, 2, 5, 3, 4]
_VTK_QUADRATIC = {("triangle", 6): "triangle6", ("tetra", 10): "tetra10", ("quad", 9): "quad9"}


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path next to ``path``; on success rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json(path, data) -> Path:
    """Write ``data`` as indented JSON (numpy scalars and arrays converted)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    return Path(path)


def write_csv(path, header, rows) -> Path:
    """Write a CSV table with a header row."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for row in rows:
                w.writerow([_csv_value(v) for v in row])
    return Path(path)


def _csv_value(v):
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.10g}"
    return v


def _jsonable(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def voigt_to_paraview(values: np.ndarray, strain: bool = False) -> np.ndarray:
    """Reorder (..., 6) Voigt vectors for ParaView; tensor shear for strains."""
    out = np.asarray(values)[..., _TO_PARAVIEW].copy()
    if strain:
        out[..., 3:] *= 0.5
    return out


def element_average(disc, q_values: np.ndarray, elements=None) -> np.ndarray:
    """Volume average over each element of a quadrature-point field ``(n, Q, ...)``."""
    w = disc.weights if elements is None else disc.weights[elements]
    wsum = w.sum(axis=1)
    return np.einsum("eq,eq...->e...", w, q_values) / wsum.reshape((-1,) + (1,) * (q_values.ndim - 2))


def vtu_cells(disc):
    """meshio cell type and connectivity (VTK node order) for a discretization.

    Quadratic triangles, tetrahedra and quads are written as quadratic VTK cells with all their
    nodes (ParaView draws the curved, quadratic field); other elements as linear cells on the
    vertices.
    """
    mesh = disc.mesh
    sdofs = disc.scalar_basis.element_dofs.T
    n_vertices_per_cell = mesh.t.shape[0]
    linear = {3: "triangle", 4: "quad" if disc.dim == 2 else "tetra", 8: "hexahedron"}
    base = linear[n_vertices_per_cell]
    quadratic = _VTK_QUADRATIC.get((base, sdofs.shape[1]))
    if quadratic:
        return quadratic, sdofs, disc.node_coordinates
    vertex_dofs = sdofs[:, :n_vertices_per_cell]
    if base == "hexahedron":  # scikit-fem hex order -> VTK
        vertex_dofs = vertex_dofs[:, [0, 3, 6, 2, 1, 5, 7, 4]]
    return base, vertex_dofs, disc.node_coordinates


def write_vtu(path, disc, point_data: dict | None = None, cell_data: dict | None = None) -> Path:
    """Write the mesh of ``disc`` with nodal (``(n_nodes, k)``) and element fields as VTU."""
    import meshio

    cell_type, conn, points = vtu_cells(disc)
    used = np.unique(conn)
    renumber = np.full(points.shape[0], -1, dtype=np.int64)
    renumber[used] = np.arange(used.size)
    pts = np.zeros((used.size, 3))
    pts[:, : points.shape[1]] = points[used]
    pdata = {}
    for name, values in (point_data or {}).items():
        v = np.asarray(values)[used]
        if v.ndim == 2 and v.shape[1] == 2:  # vectors in 3 components for ParaView
            v = np.hstack([v, np.zeros((v.shape[0], 1))])
        pdata[name] = v
    cdata = {name: [np.asarray(values)] for name, values in (cell_data or {}).items()}
    out = meshio.Mesh(pts, [(cell_type, renumber[conn])], point_data=pdata, cell_data=cdata)
    with atomic_path(path) as tmp:
        meshio.write(tmp, out, file_format="vtu")
    return Path(path)
