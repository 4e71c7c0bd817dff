"""Element count and memory of a spec's mesh, estimated before gmsh starts.

Element density follows the mesh-size field the builders install (:mod:`.meshing`): ``h(x)``
is ``mesh.size`` away from the joints and shrinks to the joint size inside a ball around each
joint, with a linear transition over ``mesh.transition`` (gmsh ``Ball`` fields under ``Min``).
A solid of thickness ``t`` meshed at size ``h`` holds about ``t / h^3`` elements per unit area
where it is thick (``t > h``, a 3D tetrahedral mesh) and ``1 / h^2`` where it is thin (one layer
of flat elements); in a 2D slice ``t / h^2`` and ``1 / h`` per unit length. Hence

    N  =  a_d * sum over the layout's primitives of  integral over their footprint of
          max(t, h) / h^(d)  dA          (d = 3 for 3D kinds, 2 for the slice)

with one constant per dimension, ``a_3`` and ``a_2``, fitted [C] to the meshes gmsh builds for
the four families in every kind at coarse sizes (``tests/test_integrity_bounds.py`` checks the
estimate within a factor of 2 of the built meshes). Overlaps between primitives and holes are
ignored (they change a few per cent).
"""

from __future__ import annotations

import math

import numpy as np

from .layout import BallSegment, Box, Cylinder, Frustum

#: Elements per unit of the size-field integral [C], fitted to built meshes (see module doc).
ELEMENTS_PER_CELL_3D = 9.1
ELEMENTS_PER_CELL_2D = 3.3
#: Memory budget per element (bytes) by (dimension, order) [C], for the refusal of huge models
#: only: PARDISO factors of quadratic tetrahedra take 1.9 GB at 200 k unknowns (measured in
#: fem/linear.py), about 48 k elements at ~4.2 unknowns per element, i.e. ~40 kB per element;
#: linear elements carry ~7x fewer unknowns per element, 2D models far smaller factors.
BYTES_PER_ELEMENT = {(3, 2): 40_000, (3, 1): 6_000, (2, 2): 4_000, (2, 1): 1_500}

_GRID = 64  # grid points per in-plane direction of a large primitive


def estimate_elements(spec, kind: str | None = None) -> int:
    """Estimated number of elements gmsh will make for ``spec`` built as ``kind``."""
    from .build import model_joints
    from .families import build_layout
    from .spec import load_spec

    spec = load_spec(spec)
    kind = spec.mesh.kind if kind is None else kind
    joints, line, _ = model_joints(spec, kind)
    layout = build_layout(spec, joints)
    field = SizeField(layout, spec.mesh, line)
    if kind == "slice2d":
        total = sum(_slice_integral(p, field, line) for p in layout.primitives)
        return int(math.ceil(ELEMENTS_PER_CELL_2D * total))
    total = sum(_volume_integral(p, field, kind) for p in layout.primitives)
    return int(math.ceil(ELEMENTS_PER_CELL_3D * total))


def estimate_memory(n_elements: int, dim: int, order: int) -> float:
    """A memory budget in bytes for a model of ``n_elements`` (see :data:`BYTES_PER_ELEMENT`)."""
    return float(n_elements) * BYTES_PER_ELEMENT[(dim, order)]


class SizeField:
    """The builders' size field: ``h(points)`` for points ``(n, 3)`` (3D) or ``(n, 2)`` in the
    slice plane ``(s, z)``."""

    def __init__(self, layout, mesh, line=None):
        from .meshing import critical_joint_ids

        critical = set(critical_joint_ids(layout))
        centres, fine, radius = [], [], []
        for jp in layout.joints:
            f = mesh.corner_joint_size if (mesh.refine == "all" or jp.joint.id in critical) \
                else mesh.joint_size
            z = jp.z_base + jp.shape.height / 2
            xy = (jp.joint.x, jp.joint.y) if line is None else (line.position(jp.joint.x,
                                                                              jp.joint.y),)
            centres.append((*xy, z))
            fine.append(f)
            radius.append(max(jp.shape.max_radius, jp.shape.height / 2) + f)
        self.centres = np.asarray(centres, dtype=float).reshape(-1, 2 if line else 3)
        self.fine = np.asarray(fine, dtype=float)
        self.radius = np.asarray(radius, dtype=float)
        self.size = mesh.size
        self.transition = mesh.transition
        self._tree = None
        if len(self.centres):
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.centres)

    def __call__(self, points) -> np.ndarray:
        points = np.asarray(points, dtype=float)
        h = np.full(points.shape[0], self.size)
        if self._tree is None:
            return h
        k = min(8, len(self.centres))
        r, j = self._tree.query(points, k=k)
        r, j = r.reshape(len(points), k), j.reshape(len(points), k)
        fine, radius = self.fine[j], self.radius[j]
        ramp = fine + (self.size - fine) * np.clip((r - radius) / self.transition, 0.0, 1.0)
        return np.minimum(h, ramp.min(axis=1))


def _in_domain(x, y, kind):
    if kind == "quarter":
        return (x >= 0.0) & (y >= 0.0)
    if kind == "octant":
        return (y >= 0.0) & (y <= x)
    return np.ones_like(x, dtype=bool)


def _footprint(p):
    """(x0, x1, y0, y1, inside(x, y), z0, z1) of a primitive."""
    if isinstance(p, Box):
        return p.x0, p.x1, p.y0, p.y1, None, p.z0, p.z1
    if isinstance(p, Cylinder):
        return (p.cx - p.radius, p.cx + p.radius, p.cy - p.radius, p.cy + p.radius,
                lambda x, y: (x - p.cx) ** 2 + (y - p.cy) ** 2 <= p.radius ** 2, p.z0, p.z1)
    if isinstance(p, BallSegment):
        r = p.shape.max_radius
        return (p.cx - r, p.cx + r, p.cy - r, p.cy + r,
                lambda x, y: (x - p.cx) ** 2 + (y - p.cy) ** 2 <= r * r, p.z0, p.z1)
    if isinstance(p, Frustum):
        hx, hy = max(p.hx0, p.hx1), max(p.hy0, p.hy1)
        return p.cx - hx, p.cx + hx, p.cy - hy, p.cy + hy, None, p.z0, p.z1
    raise TypeError(type(p))


def _volume_integral(p, field, kind) -> float:
    """``integral over the footprint (inside the model domain) of max(t, h) / h^3 dA``."""
    x0, x1, y0, y1, inside, z0, z1 = _footprint(p)
    if kind == "quarter":
        x0, y0 = max(x0, 0.0), max(y0, 0.0)
    elif kind == "octant":
        x0, y0 = max(x0, 0.0), max(y0, 0.0)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    n = _GRID if max(x1 - x0, y1 - y0) > 4 * field.size else 12
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    xs = x0 + dx * (np.arange(n) + 0.5)
    ys = y0 + dy * (np.arange(n) + 0.5)
    X, Y = (a.ravel() for a in np.meshgrid(xs, ys))
    keep = _in_domain(X, Y, kind)
    if inside is not None:
        keep &= inside(X, Y)
    X, Y = X[keep], Y[keep]
    if X.size == 0:
        return 0.0
    t = z1 - z0
    h = field(np.column_stack([X, Y, np.full(X.size, 0.5 * (z0 + z1))]))
    return float(np.sum(np.maximum(t, h) / h ** 3) * dx * dy)


def _slice_integral(p, field, line) -> float:
    """``integral along the section (s >= 0) of max(t, h) / h^2 ds``."""
    from .expected import _box_interval, _disk_interval

    if isinstance(p, (Box, Frustum)):
        x0, x1, y0, y1, _, z0, z1 = _footprint(p)
        interval = _box_interval(line, x0, x1, y0, y1)
    elif isinstance(p, Cylinder):
        interval, z0, z1 = _disk_interval(line, p.cx, p.cy, p.radius), p.z0, p.z1
    else:
        interval, z0, z1 = _disk_interval(line, p.cx, p.cy, p.shape.max_radius), p.z0, p.z1
    if interval is None or interval[1] <= max(interval[0], 0.0):
        return 0.0
    s0, s1 = max(interval[0], 0.0), interval[1]
    n = _GRID
    ds = (s1 - s0) / n
    s = s0 + ds * (np.arange(n) + 0.5)
    t = z1 - z0
    h = field(np.column_stack([s, np.full(n, 0.5 * (z0 + z1))]))
    return float(np.sum(np.maximum(t, h) / h ** 2) * ds)
