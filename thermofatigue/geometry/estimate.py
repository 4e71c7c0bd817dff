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


def minimum_elements(spec, kind: str | None = None) -> int:
    """A quick lower bound of :func:`estimate_elements` (the joints alone, each filled at its
    finest size), for refusing huge arrays without integrating over them."""
    from .build import model_joints
    from .spec import load_spec

    spec = load_spec(spec)
    kind = spec.mesh.kind if kind is None else kind
    joints, _, fraction = model_joints(spec, kind)
    fine = spec.mesh.joint_size if spec.mesh.refine == "corner" else spec.mesh.corner_joint_size
    if kind == "slice2d":
        area = spec.ball.shape.section_area()
        return int(ELEMENTS_PER_CELL_2D * len(joints) * 0.5 * area / fine ** 2)
    volume = spec.ball.shape.volume
    return int(ELEMENTS_PER_CELL_3D * sum(fraction.values()) * 0.5 * volume / fine ** 3)


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
        samples = [_slice_samples(p, line) for p in layout.primitives]
        power, per_cell = 2, ELEMENTS_PER_CELL_2D
    else:
        round_ = [p for p in layout.primitives if isinstance(p, (Cylinder, BallSegment))]
        samples = [_footprint_samples(p, spec.mesh.size, kind) for p in layout.primitives
                   if not isinstance(p, (Cylinder, BallSegment))]
        samples.append(_disk_samples(round_, kind))
        power, per_cell = 3, ELEMENTS_PER_CELL_3D
    samples = [s for s in samples if s is not None]
    if not samples:
        return 0
    points, thickness, weight = (np.concatenate(parts) for parts in zip(*samples))
    h = field(points)
    return int(math.ceil(per_cell * np.sum(weight * np.maximum(thickness, h) / h ** power)))


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
        # joints hashed into cells as wide as the farthest reach of a joint's field: the joints
        # that can refine a point lie in its cell or the 8 (3D: in-plane) cells around it
        self.cell = float(max(self.radius.max(initial=0.0) + self.transition, 1e-9))
        keys = np.floor(self.centres[:, :-1] / self.cell).astype(np.int64) \
            if len(self.centres) else np.zeros((0, 1), dtype=np.int64)
        self._cells: dict[tuple, list[int]] = {}
        for index, key in enumerate(map(tuple, keys)):
            self._cells.setdefault(key, []).append(index)

    def __call__(self, points) -> np.ndarray:
        points = np.asarray(points, dtype=float)
        h = np.full(points.shape[0], self.size)
        if not self._cells:
            return h
        keys = np.floor(points[:, :-1] / self.cell).astype(np.int64)
        lo = keys.min(axis=0)
        span = keys.max(axis=0) - lo + 1
        flat = np.ravel_multi_index(tuple((keys - lo).T), tuple(span))
        unique, inverse = np.unique(flat, return_inverse=True)
        cells = np.column_stack(np.unravel_index(unique, tuple(span))) + lo
        order = np.argsort(inverse, kind="stable")
        ends = np.cumsum(np.bincount(inverse, minlength=len(cells)))
        offsets = [np.array(o) for o in np.ndindex(*(3,) * keys.shape[1])]
        for k, cell in enumerate(cells):
            near = [j for o in offsets for j in self._cells.get(tuple(cell + o - 1), ())]
            if not near:
                continue
            mine = order[(ends[k - 1] if k else 0):ends[k]]
            near = np.asarray(near)
            r = np.linalg.norm(points[mine, None, :] - self.centres[None, near, :], axis=2)
            fine, radius = self.fine[near], self.radius[near]
            ramp = fine + (self.size - fine) * np.clip((r - radius) / self.transition, 0.0, 1.0)
            h[mine] = np.minimum(h[mine], ramp.min(axis=1))
        return h


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


def _footprint_samples(p, size, kind):
    """Midpoint samples of a primitive's footprint inside the model domain, at its mid-height:
    (points (n, 3), thickness (n,), area weight (n,)), or None."""
    x0, x1, y0, y1, inside, z0, z1 = _footprint(p)
    if kind in ("quarter", "octant"):
        x0, y0 = max(x0, 0.0), max(y0, 0.0)
    if x1 <= x0 or y1 <= y0:
        return None
    n = _GRID if max(x1 - x0, y1 - y0) > 4 * size else 12
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    X, Y = (a.ravel() for a in np.meshgrid(x0 + dx * (np.arange(n) + 0.5),
                                           y0 + dy * (np.arange(n) + 0.5)))
    keep = _in_domain(X, Y, kind)
    if inside is not None:
        keep &= inside(X, Y)
    if not keep.any():
        return None
    X, Y = X[keep], Y[keep]
    points = np.column_stack([X, Y, np.full(X.size, 0.5 * (z0 + z1))])
    return points, np.full(X.size, z1 - z0), np.full(X.size, dx * dy)


def _disk_samples(primitives, kind, n=12):
    """:func:`_footprint_samples` of many circular primitives (pads, posts, joints) at once."""
    if not primitives:
        return None
    cx = np.array([p.cx for p in primitives])
    cy = np.array([p.cy for p in primitives])
    r = np.array([p.radius if isinstance(p, Cylinder) else p.shape.max_radius
                  for p in primitives])
    z0 = np.array([p.z0 for p in primitives])
    z1 = np.array([p.z1 for p in primitives])
    u = (np.arange(n) + 0.5) / n * 2.0 - 1.0          # midpoints of [-1, 1]
    ux, uy = (a.ravel() for a in np.meshgrid(u, u))
    disk = ux ** 2 + uy ** 2 <= 1.0
    ux, uy = ux[disk], uy[disk]
    X = (cx[:, None] + r[:, None] * ux[None, :]).ravel()
    Y = (cy[:, None] + r[:, None] * uy[None, :]).ravel()
    keep = _in_domain(X, Y, kind)
    if not keep.any():
        return None
    Z = np.repeat(0.5 * (z0 + z1), ux.size)
    t = np.repeat(z1 - z0, ux.size)
    w = np.repeat((2.0 * r / n) ** 2, ux.size)
    return np.column_stack([X, Y, Z])[keep], t[keep], w[keep]


def _slice_samples(p, line):
    """Midpoint samples along a primitive's section by the slice plane (s >= 0), at its
    mid-height: (points (n, 2), thickness (n,), length weight (n,)), or None."""
    from .expected import _box_interval, _disk_interval

    if isinstance(p, (Box, Frustum)):
        x0, x1, y0, y1, _, z0, z1 = _footprint(p)
        interval = _box_interval(line, x0, x1, y0, y1)
    elif isinstance(p, Cylinder):
        interval, z0, z1 = _disk_interval(line, p.cx, p.cy, p.radius), p.z0, p.z1
    else:
        interval, z0, z1 = _disk_interval(line, p.cx, p.cy, p.shape.max_radius), p.z0, p.z1
    if interval is None or interval[1] <= max(interval[0], 0.0):
        return None
    s0, s1 = max(interval[0], 0.0), interval[1]
    ds = (s1 - s0) / _GRID
    s = s0 + ds * (np.arange(_GRID) + 0.5)
    points = np.column_stack([s, np.full(_GRID, 0.5 * (z0 + z1))])
    return points, np.full(_GRID, z1 - z0), np.full(_GRID, ds)
