"""Realise a :class:`~.layout.Layout` with gmsh's OpenCASCADE kernel, for one model kind.

* 3D (``quarter``, ``octant``, ``full``): each primitive becomes an OCC solid (boxes, cylinders,
  sphere zones with planar caps, ruled frusta), is clipped to the model domain when it straddles
  a symmetry plane, and all solids are fragmented together (``occ.fragment``) so that every
  interface is conformal. A fragment covered by several primitives goes to the one with the
  highest priority.
* 2D (``slice2d``): each primitive is cut analytically by the slice plane (a rectangle, a
  circular zone or a trapezoid in the (s, z) plane, s >= 0) and the resulting surfaces are
  fragmented the same way. Mesh coordinates: x = s (along the slice), y = z (up).

The gmsh state is owned by :func:`gmsh_session`, which always finalises (or, if the caller had
already initialised gmsh, removes its own model and restores the options it changed).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import gmsh

from .array import SliceLine
from .layout import BallSegment, Box, Cylinder, Frustum, Layout

TOL = 1e-7


# --------------------------------------------------------------------------------------------
# session
# --------------------------------------------------------------------------------------------
class GmshSession:
    """Option setter that remembers old values so a borrowed gmsh can be restored."""

    def __init__(self, owned: bool):
        self.owned = owned
        self._saved: dict[str, tuple[str, object]] = {}

    def set(self, name: str, value) -> None:
        if name not in self._saved and not self.owned:
            if isinstance(value, str):
                self._saved[name] = ("s", gmsh.option.getString(name))
            else:
                self._saved[name] = ("n", gmsh.option.getNumber(name))
        if isinstance(value, str):
            gmsh.option.setString(name, value)
        else:
            gmsh.option.setNumber(name, float(value))

    def restore(self) -> None:
        for name, (kind, value) in self._saved.items():
            if kind == "s":
                gmsh.option.setString(name, value)
            else:
                gmsh.option.setNumber(name, value)


@contextlib.contextmanager
def gmsh_session(model_name: str):
    """Headless, in-process gmsh for one build; nothing leaks out, even on error."""
    owned = not gmsh.isInitialized()
    if owned:
        gmsh.initialize(interruptible=False, readConfigFiles=False)
    session = GmshSession(owned)
    previous_model = None if owned else gmsh.model.getCurrent()
    try:
        session.set("General.Terminal", 0)
        session.set("General.Verbosity", 1)
        session.set("General.NumThreads", 1)  # deterministic meshes
        gmsh.model.add(model_name)
        yield session
    finally:
        if owned:
            gmsh.finalize()
        else:
            with contextlib.suppress(Exception):
                gmsh.model.setCurrent(model_name)
                gmsh.model.remove()
            session.restore()
            with contextlib.suppress(Exception):
                if previous_model:
                    gmsh.model.setCurrent(previous_model)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass
class Realised:
    """Entities of the built model, by region and boundary name."""

    dim: int
    regions: dict[str, list[int]] = field(default_factory=dict)
    boundaries: dict[str, list[int]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# 3D
# --------------------------------------------------------------------------------------------
def _relation3d(bbox, kind: str) -> str:
    """'inside', 'outside' or 'cross' of an in-plane bounding box and the model domain."""
    x0, x1, y0, y1 = bbox
    if kind == "full":
        return "inside"
    if kind == "quarter":
        if x1 <= TOL or y1 <= TOL:
            return "outside"
        return "inside" if (x0 >= -TOL and y0 >= -TOL) else "cross"
    if kind == "octant":  # 0 <= y <= x
        if x1 <= TOL or y1 <= TOL or y0 >= x1 - TOL:
            return "outside"
        return "inside" if (y0 >= -TOL and y1 <= x0 + TOL) else "cross"
    raise ValueError(kind)


def _domain3d(kind: str, reach: float, z0: float, z1: float) -> int:
    occ = gmsh.model.occ
    if kind == "quarter":
        return occ.addBox(0.0, 0.0, z0, reach, reach, z1 - z0)
    # octant: triangle (0,0)-(reach,0)-(reach,reach) extruded in z
    pts = [occ.addPoint(0, 0, z0), occ.addPoint(reach, 0, z0), occ.addPoint(reach, reach, z0)]
    lines = [occ.addLine(pts[k], pts[(k + 1) % 3]) for k in range(3)]
    surface = occ.addPlaneSurface([occ.addCurveLoop(lines)])
    out = occ.extrude([(2, surface)], 0, 0, z1 - z0)
    return next(t for d, t in out if d == 3)


def _solid(p) -> int:
    occ = gmsh.model.occ
    if isinstance(p, Box):
        tag = occ.addBox(p.x0, p.y0, p.z0, p.x1 - p.x0, p.y1 - p.y0, p.z1 - p.z0)
        if p.holes:
            tools = [(3, _solid(h)) for h in p.holes]
            out, _ = occ.cut([(3, tag)], tools)
            vols = [t for d, t in out if d == 3]
            if len(vols) != 1:
                raise RuntimeError("cutting holes split a layer")
            tag = vols[0]
        return tag
    if isinstance(p, Cylinder):
        return occ.addCylinder(p.cx, p.cy, p.z0, 0.0, 0.0, p.z1 - p.z0, p.radius)
    if isinstance(p, BallSegment):
        s = p.shape
        zc = p.z_base + s.centre_height
        r = s.sphere_radius
        a0 = math.asin(max(-1.0, min(1.0, (p.z0 - zc) / r)))
        a1 = math.asin(max(-1.0, min(1.0, (p.z1 - zc) / r)))
        return occ.addSphere(p.cx, p.cy, zc, r, -1, a0, a1)
    if isinstance(p, Frustum):
        wires = []
        for z, hx, hy in ((p.z0, p.hx0, p.hy0), (p.z1, p.hx1, p.hy1)):
            pts = [occ.addPoint(p.cx + sx * hx, p.cy + sy * hy, z)
                   for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
            lines = [occ.addLine(pts[k], pts[(k + 1) % 4]) for k in range(4)]
            wires.append(occ.addWire(lines))
        out = occ.addThruSections(wires, makeSolid=True, makeRuled=True)
        return next(t for d, t in out if d == 3)
    raise TypeError(type(p))


def realise3d(layout: Layout, kind: str) -> Realised:
    """Build, clip and fragment the solids of a 3D model kind."""
    occ = gmsh.model.occ
    reach = 2.0 * max(layout.half_extent) + 1.0
    zlo, zhi = layout.z_bottom - 1.0, layout.z_top + 1.0
    pieces: list[tuple[tuple[int, int], int]] = []  # (dimtag, primitive index)
    for index, p in enumerate(layout.primitives):
        relation = _relation3d(p.bbox(), kind)
        if relation == "outside":
            continue
        tag = _solid(p)
        if relation == "cross":
            domain = _domain3d(kind, reach, zlo, zhi)
            out, _ = occ.intersect([(3, tag)], [(3, domain)])
            for dimtag in out:
                if dimtag[0] == 3:
                    pieces.append((dimtag, index))
        else:
            pieces.append(((3, tag), index))
    return _fragment(layout, pieces, dim=3)


# --------------------------------------------------------------------------------------------
# 2D
# --------------------------------------------------------------------------------------------
def _interval_box(line: SliceLine, x0, x1, y0, y1):
    """s-interval where the slice line runs inside the rectangle [x0,x1] x [y0,y1]."""
    lo, hi = -math.inf, math.inf
    for o, d, a, b in ((line.origin[0], line.direction[0], x0, x1), (line.origin[1], line.direction[1], y0, y1)):
        if abs(d) < 1e-14:
            if not (a - TOL <= o <= b + TOL):
                return None
            continue
        s0, s1 = sorted(((a - o) / d, (b - o) / d))
        lo, hi = max(lo, s0), min(hi, s1)
    return (lo, hi) if hi > lo else None


def _interval_disk(line: SliceLine, cx, cy, r):
    h = line.offset(cx, cy)
    if h >= r:
        return None
    w = math.sqrt(r * r - h * h)
    s = line.position(cx, cy)
    return (s - w, s + w)


def _clip(interval):
    if interval is None:
        return None
    lo, hi = max(interval[0], 0.0), interval[1]
    return (lo, hi) if hi - lo > TOL else None


def _section(p, line: SliceLine):
    """The (s, z) section of a primitive, as an OCC surface tag (or None)."""
    occ = gmsh.model.occ
    if isinstance(p, Box):
        iv = _clip(_interval_box(line, p.x0, p.x1, p.y0, p.y1))
        if iv is None:
            return None
        tag = occ.addRectangle(iv[0], p.z0, 0.0, iv[1] - iv[0], p.z1 - p.z0)
        tools = []
        for h in p.holes:
            hv = _clip(_interval_disk(line, h.cx, h.cy, h.radius))
            if hv is not None:
                tools.append((2, occ.addRectangle(hv[0], h.z0, 0.0, hv[1] - hv[0], h.z1 - h.z0)))
        if tools:
            out, _ = occ.cut([(2, tag)], tools)
            return [t for d, t in out if d == 2]
        return [tag]
    if isinstance(p, Cylinder):
        iv = _clip(_interval_disk(line, p.cx, p.cy, p.radius))
        if iv is None:
            return None
        return [occ.addRectangle(iv[0], p.z0, 0.0, iv[1] - iv[0], p.z1 - p.z0)]
    if isinstance(p, BallSegment):
        s = p.shape
        h = line.offset(p.cx, p.cy)
        if h >= s.sphere_radius:
            return None
        r = math.sqrt(s.sphere_radius**2 - h * h)
        sc = line.position(p.cx, p.cy)
        iv = _clip((sc - r, sc + r))
        if iv is None:
            return None
        disk = occ.addDisk(sc, p.z_base + s.centre_height, 0.0, r, r)
        rect = occ.addRectangle(iv[0], p.z0, 0.0, iv[1] - iv[0], p.z1 - p.z0)
        out, _ = occ.intersect([(2, disk)], [(2, rect)])
        return [t for d, t in out if d == 2]
    if isinstance(p, Frustum):
        # s_max(z) for the ruled frustum: min over the in-plane axes of the distance to its face
        def s_max(z):
            f = (z - p.z0) / (p.z1 - p.z0)
            hx = p.hx0 + f * (p.hx1 - p.hx0)
            hy = p.hy0 + f * (p.hy1 - p.hy0)
            iv = _clip(_interval_box(line, p.cx - hx, p.cx + hx, p.cy - hy, p.cy + hy))
            return 0.0 if iv is None else iv[1]

        zs = [p.z0 + k * (p.z1 - p.z0) / 16 for k in range(17)]
        outline = [(s_max(z), z) for z in zs]
        # keep only the corners of the piecewise-linear outline
        corners = [outline[0]]
        for k in range(1, len(outline) - 1):
            (sa, za), (sb, zb), (sc_, zc) = corners[-1], outline[k], outline[k + 1]
            cross = (sb - sa) * (zc - za) - (zb - za) * (sc_ - sa)
            if abs(cross) > 1e-12:
                corners.append(outline[k])
        corners.append(outline[-1])
        poly = [(0.0, p.z0)] + corners + [(0.0, p.z1)]
        pts = [occ.addPoint(sx, sz, 0.0) for sx, sz in poly]
        lines = [occ.addLine(pts[k], pts[(k + 1) % len(pts)]) for k in range(len(pts))]
        return [occ.addPlaneSurface([occ.addCurveLoop(lines)])]
    raise TypeError(type(p))


def realise2d(layout: Layout, line: SliceLine) -> Realised:
    """Build the half slice (s >= 0) of a layout and fragment it."""
    pieces = []
    for index, p in enumerate(layout.primitives):
        tags = _section(p, line)
        for tag in tags or ():
            pieces.append(((2, tag), index))
    return _fragment(layout, pieces, dim=2)


# --------------------------------------------------------------------------------------------
# fragment, ownership, boundaries
# --------------------------------------------------------------------------------------------
def _fragment(layout: Layout, pieces, dim: int) -> Realised:
    occ = gmsh.model.occ
    dimtags = [dt for dt, _ in pieces]
    _, out_map = occ.fragment(dimtags, [])
    owner: dict[int, int] = {}  # entity tag -> primitive index
    for (dt, index), outs in zip(pieces, out_map):
        priority = layout.primitives[index].priority
        for d, t in outs:
            if d != dim:
                continue
            best = owner.get(t)
            if best is None or layout.primitives[best].priority < priority:
                owner[t] = index
    occ.synchronize()
    realised = Realised(dim)
    for tag in sorted(owner):
        realised.regions.setdefault(layout.primitives[owner[tag]].region, []).append(tag)
    # entities left by OCC that no primitive owns would be unlabelled: there must be none
    orphans = {t for d, t in gmsh.model.getEntities(dim)} - set(owner)
    if orphans:
        raise RuntimeError(f"fragments without a region: {sorted(orphans)}")
    return realised


def find_boundaries(realised: Realised, layout: Layout, kind: str) -> None:
    """Name the symmetry planes, the board bottom and the joint/pad interfaces."""
    dim = realised.dim
    fdim = dim - 1
    all_cells = [(dim, t) for tags in realised.regions.values() for t in tags]
    outer = sorted({t for _, t in gmsh.model.getBoundary(all_cells, combined=True, oriented=False)})
    names: dict[str, list[int]] = {}
    for t in outer:
        x0, y0, z0, x1, y1, z1 = gmsh.model.getBoundingBox(fdim, t)
        if dim == 2:
            if x1 - x0 < 1e-6 and abs(x0) < 1e-6:
                names.setdefault("sym_x", []).append(t)
            elif y1 - y0 < 1e-6 and abs(y0 - layout.z_bottom) < 1e-6:
                names.setdefault("board_bottom", []).append(t)
            continue
        if z1 - z0 < 1e-6 and abs(z0 - layout.z_bottom) < 1e-6:
            names.setdefault("board_bottom", []).append(t)
        elif kind in ("quarter",) and x1 - x0 < 1e-6 and abs(x0) < 1e-6:
            names.setdefault("sym_x", []).append(t)
        elif kind in ("quarter", "octant") and y1 - y0 < 1e-6 and abs(y0) < 1e-6:
            names.setdefault("sym_y", []).append(t)
        elif kind == "octant" and gmsh.model.getType(fdim, t) == "Plane":
            umin, umax = gmsh.model.getParametrizationBounds(fdim, t)
            mid = [(a + b) / 2 for a, b in zip(umin, umax)]
            n = gmsh.model.getNormal(t, mid)
            if abs(n[2]) < 1e-6 and abs(abs(n[0]) - abs(n[1])) < 1e-6 and n[0] * n[1] < 0:
                if abs(x0 - y0) < 1e-6 and abs(x1 - y1) < 1e-6:
                    names.setdefault("sym_xy", []).append(t)
    # interior interfaces between each joint's layers and its pads
    def facets(region):
        tags = realised.regions.get(region, [])
        if not tags:
            return set()
        return {t for _, t in gmsh.model.getBoundary([(dim, v) for v in tags], combined=False, oriented=False)}

    for jp in layout.joints:
        i = jp.joint.id
        die_if = sorted(facets(jp.die_layer) & facets(jp.die_pad))
        board_if = sorted(facets(jp.board_layer) & facets(jp.board_pad))
        if die_if:
            names[f"die_pad_interface_{i}"] = die_if
        if board_if:
            names[f"board_pad_interface_{i}"] = board_if
    realised.boundaries = names
