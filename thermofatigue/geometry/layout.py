"""Kernel-independent description of a package: named solid primitives with priorities.

A family builder (:mod:`.families`) turns a spec into a :class:`Layout`: boxes (die, board,
layers), cylinders (pads, UBM, posts, RDL pads), truncated-sphere segments (the joints and their
interface layers) and rectangular frusta (underfill with fillet), in full-package coordinates
(mm; x, y in the board plane, z up, board top at z = 0, package centred on the origin).

Primitives may overlap: where they do, the one with the higher ``priority`` owns the volume
(a UBM via plugs its dielectric opening, the die displaces the underfill fillet, a joint displaces
the solder mask). Holes (``Box.holes``) are cut out and stay empty (the NSMD gap, unless the
underfill fills it). :mod:`.occ` realises a layout in gmsh for each model kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ball import BallShape

# who owns an overlap: higher wins (ties never overlap)
PRIORITY = {
    "joint": 100,
    "metal": 90,  # board pads, UBM, posts, RDL pads
    "die": 80,
    "passivation": 75,
    "dielectric": 70,
    "resin": 65,
    "mold": 60,
    "solder_mask": 50,
    "underfill": 40,
    "board": 30,
}


@dataclass(frozen=True)
class Cylinder:
    """Vertical circular cylinder, axis at (cx, cy), from z0 to z1."""

    region: str
    priority: int
    cx: float
    cy: float
    z0: float
    z1: float
    radius: float

    def bbox(self):
        r = self.radius
        return (self.cx - r, self.cx + r, self.cy - r, self.cy + r)


@dataclass(frozen=True)
class Box:
    """Axis-aligned box, optionally with cylindrical holes through it (left empty)."""

    region: str
    priority: int
    x0: float
    x1: float
    y0: float
    y1: float
    z0: float
    z1: float
    holes: tuple[Cylinder, ...] = ()

    def bbox(self):
        return (self.x0, self.x1, self.y0, self.y1)


@dataclass(frozen=True)
class BallSegment:
    """The slice ``z_base + lo <= z <= z_base + hi`` of a truncated-sphere joint whose board-side
    pad plane is at ``z_base`` and whose axis is at (cx, cy)."""

    region: str
    priority: int
    cx: float
    cy: float
    z_base: float
    shape: BallShape
    lo: float
    hi: float

    def bbox(self):
        r = self.shape.max_radius
        return (self.cx - r, self.cx + r, self.cy - r, self.cy + r)

    @property
    def z0(self) -> float:
        return self.z_base + self.lo

    @property
    def z1(self) -> float:
        return self.z_base + self.hi


@dataclass(frozen=True)
class Frustum:
    """Rectangular frustum centred on (cx, cy): half-widths (hx0, hy0) at z0, (hx1, hy1) at z1."""

    region: str
    priority: int
    cx: float
    cy: float
    z0: float
    z1: float
    hx0: float
    hy0: float
    hx1: float
    hy1: float

    def bbox(self):
        hx, hy = max(self.hx0, self.hx1), max(self.hy0, self.hy1)
        return (self.cx - hx, self.cx + hx, self.cy - hy, self.cy + hy)


Primitive = Box | Cylinder | BallSegment | Frustum


@dataclass
class JointParts:
    """Where one joint sits and which regions touch it."""

    joint: object  # array.Joint
    z_base: float  # board-side pad plane
    shape: BallShape
    region: str
    die_layer: str
    board_layer: str
    die_pad: str  # region on the die side of the joint (ubm_<i> / post_<i>)
    board_pad: str  # pad_board_<i>


@dataclass
class Layout:
    """Primitives of a package plus the facts the mesher and the metadata need."""

    primitives: list = field(default_factory=list)
    joints: list[JointParts] = field(default_factory=list)
    z_bottom: float = 0.0  # board bottom
    z_top: float = 0.0  # top of the package
    half_extent: tuple[float, float] = (0.0, 0.0)  # board half sizes

    def add(self, primitive) -> None:
        self.primitives.append(primitive)

    @property
    def regions(self) -> list[str]:
        return sorted({p.region for p in self.primitives})
