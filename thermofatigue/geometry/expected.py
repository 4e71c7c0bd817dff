"""The region and boundary names a spec's mesh will have, known before gmsh starts.

The builders name what they make from the layout (:mod:`.families`) and the model kind
(:mod:`.occ`): a primitive gives its region to the model when any of it lies inside the model
domain (3D kinds: its in-plane bounding box is not outside the quarter/octant; ``slice2d``: the
slice plane cuts it at ``s >= 0``). Boundaries: ``board_bottom`` always; the symmetry planes of
the kind (``sym_x``, ``sym_y`` for a quarter; ``sym_y``, ``sym_xy`` for an octant; ``sym_x`` at
``s = 0`` for a slice; none for a full model); and for every joint of the model the interfaces
between its interface layers and its pads, ``die_pad_interface_<i>`` and
``board_pad_interface_<i>``. ``tests/test_integrity_names.py`` checks this against built meshes
of every family and kind.
"""

from __future__ import annotations

import math

from .array import MODEL_KINDS
from .layout import BallSegment, Box, Cylinder, Frustum

_TOL = 1e-7
_SYMMETRY_PLANES = {"quarter": ("sym_x", "sym_y"), "octant": ("sym_y", "sym_xy"), "full": (),
                    "slice2d": ("sym_x",)}


def expected_regions(spec, kind: str | None = None) -> tuple[set[str], set[str]]:
    """``(regions, boundaries)``: the names the mesh of ``spec`` built as ``kind`` will carry.

    ``spec``: a :class:`~.spec.PackageSpec`, spec file or mapping; ``kind``: one of
    ``slice2d``, ``quarter``, ``octant``, ``full`` (default: the spec's ``mesh.kind``). Raises
    the same :class:`~thermofatigue.errors.InputError` as :func:`~.build.build_mesh` for a kind
    the spec cannot be built as. No gmsh model is made.
    """
    from .build import _check_kind, model_joints
    from .families import build_layout
    from .spec import load_spec

    spec = load_spec(spec)
    kind = spec.mesh.kind if kind is None else kind
    _check_kind(spec, kind, spec.mesh.order)
    joints, line, _ = model_joints(spec, kind)
    layout = build_layout(spec, joints)
    if kind == "slice2d":
        regions = {p.region for p in layout.primitives if _in_slice(p, line)}
    else:
        regions = {p.region for p in layout.primitives if _in_domain3d(p.bbox(), kind)}
    boundaries = {"board_bottom", *_SYMMETRY_PLANES[kind]}
    for jp in layout.joints:
        if {jp.die_layer, jp.die_pad} <= regions:
            boundaries.add(f"die_pad_interface_{jp.joint.id}")
        if {jp.board_layer, jp.board_pad} <= regions:
            boundaries.add(f"board_pad_interface_{jp.joint.id}")
    return regions, boundaries


def _in_domain3d(bbox, kind: str) -> bool:
    """Whether an in-plane bounding box reaches into the domain of a 3D kind (as
    :func:`.occ._relation3d` decides what to build)."""
    x0, x1, y0, y1 = bbox
    if kind == "full":
        return True
    if kind == "quarter":
        return x1 > _TOL and y1 > _TOL
    if kind == "octant":  # 0 <= y <= x
        return x1 > _TOL and y1 > _TOL and y0 < x1 - _TOL
    raise ValueError(f"not a 3D model kind: {kind}")


def _in_slice(p, line) -> bool:
    """Whether the slice plane (``s >= 0``) cuts a primitive with a non-zero width (as
    :func:`.occ._section` builds it)."""
    if isinstance(p, Box):
        return _width(_box_interval(line, p.x0, p.x1, p.y0, p.y1)) > _TOL
    if isinstance(p, Cylinder):
        return _width(_disk_interval(line, p.cx, p.cy, p.radius)) > _TOL
    if isinstance(p, BallSegment):
        return _width(_disk_interval(line, p.cx, p.cy, p.shape.sphere_radius)) > _TOL
    if isinstance(p, Frustum):
        return _width(_box_interval(line, p.cx - max(p.hx0, p.hx1), p.cx + max(p.hx0, p.hx1),
                                    p.cy - max(p.hy0, p.hy1), p.cy + max(p.hy0, p.hy1))) > _TOL
    raise TypeError(type(p))


def _width(interval) -> float:
    if interval is None:
        return 0.0
    return interval[1] - max(interval[0], 0.0)


def _box_interval(line, x0, x1, y0, y1):
    lo, hi = -math.inf, math.inf
    for o, d, a, b in ((line.origin[0], line.direction[0], x0, x1),
                       (line.origin[1], line.direction[1], y0, y1)):
        if abs(d) < 1e-14:
            if not (a - _TOL <= o <= b + _TOL):
                return None
            continue
        s0, s1 = sorted(((a - o) / d, (b - o) / d))
        lo, hi = max(lo, s0), min(hi, s1)
    return (lo, hi) if hi > lo else None


def _disk_interval(line, cx, cy, radius):
    h = line.offset(cx, cy)
    if h >= radius:
        return None
    w = math.sqrt(radius * radius - h * h)
    s = line.position(cx, cy)
    return (s - w, s + w)


__all__ = ["MODEL_KINDS", "expected_regions"]
