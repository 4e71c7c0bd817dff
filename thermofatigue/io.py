"""Result files: VTU for ParaView, JSON and CSV tables, all written atomically.

Atomic means: written to a temporary file in the target directory, flushed and synced to the
disk (``fsync``), then renamed over the target (``os.replace``), so an interrupted run never
leaves a half-written result that looks complete. Checked means: a failing write (full disk
ENOSPC, quota EDQUOT, permission EACCES, read-only file system EROFS, ...) raises one
:class:`~thermofatigue.errors.OutputError` line naming the target file, removes the temporary
file and leaves any previous file of that name untouched; nothing reports success on a partial
file. Result files get the permissions of a plain ``open`` (``0666`` less the umask), not the
``0600`` of a temporary file.

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

from .errors import OutputError

# internal Voigt (xx, yy, zz, yz, xz, xy) -> ParaView (XX, YY, ZZ, XY, YZ, XZ)
_TO_PARAVIEW = [0, 1, 2, 5, 3, 4]
_VTK_QUADRATIC = {("triangle", 6): "triangle6", ("tetra", 10): "tetra10", ("quad", 9): "quad9"}


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path next to ``path``; on success sync it and rename it to ``path``.

    The body writes the temporary file (by any means: ``open``, meshio, gmsh). Any ``OSError``
    while preparing, writing, syncing or renaming becomes an :class:`OutputError` naming
    ``path``; the temporary file is removed on every failure (and on KeyboardInterrupt).
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix,
                                   dir=path.parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~current_umask())
        yield Path(tmp)
        if not os.path.isfile(tmp):
            raise OutputError(path, "the writer left no file")
        sync_file(tmp)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(path, exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def sync_file(path) -> None:
    """Flush a written file to the disk (surfaces a delayed ENOSPC/EIO as an OSError)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_directory(path) -> None:
    """Make the renames inside a directory durable (best effort: not every system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path, text: str) -> Path:
    """Write a UTF-8 text file atomically and checked."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return Path(path)


def write_bytes(path, data: bytes) -> Path:
    """Write a binary file atomically and checked."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return Path(path)


def copy_file(source, path) -> Path:
    """Copy a file atomically and checked (e.g. a built mesh into the results directory)."""
    import shutil

    with atomic_path(path) as tmp:
        shutil.copyfile(source, tmp)
    return Path(path)


def write_json(path, data) -> Path:
    """Write ``data`` as indented JSON (numpy scalars and arrays converted)."""
    return write_text(path, json.dumps(data, indent=2, default=_jsonable) + "\n")


def write_csv(path, header, rows) -> Path:
    """Write a CSV table with a header row."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
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
    return write_vtu_arrays(path, vtu_cells(disc), point_data, cell_data)


def write_vtu_arrays(path, cells, point_data: dict | None = None,
                     cell_data: dict | None = None) -> Path:
    """Write ``cells = (meshio cell type, connectivity, points)`` with nodal and element fields
    as VTU (only the points the cells use; 2D vectors padded to 3 components)."""
    import meshio

    cell_type, conn, points = cells
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
