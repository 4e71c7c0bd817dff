"""Ball arrays: positions, ids, distance to the neutral point and the part of each joint kept
by a symmetric model.

Convention (full array, package centred on the origin): column ``j`` runs along ``x``, row ``i``
along ``y``; ``x_j = (j - (n_columns - 1) / 2) * pitch_x``, ``y_i = (i - (n_rows - 1) / 2) *
pitch_y``; row 0 is at the smallest ``y``. The joint id is ``i * n_columns + j`` in every model
kind, so the same physical ball has the same id in a slice, quarter, octant or full model.

Model domains (symmetry planes through the package centre):

* ``full``: everything;
* ``quarter``: ``x >= 0, y >= 0`` (planes ``sym_x``: x = 0 and ``sym_y``: y = 0);
* ``octant``: ``0 <= y <= x`` (planes ``sym_y``: y = 0 and ``sym_xy``: y = x);
* ``slice2d``: a vertical plane through the centre (the array diagonal, or the outermost row
  through the corner joint), half of it (``s >= 0``, plane ``sym_x`` at s = 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MODEL_KINDS = ("slice2d", "quarter", "octant", "full")
SLICES = ("diagonal", "row")

_TOL = 1e-9


@dataclass(frozen=True)
class Joint:
    """One ball of the array (full-array coordinates, mm)."""

    id: int
    row: int
    column: int
    x: float
    y: float

    @property
    def dnp(self) -> float:
        """Distance to the neutral point (the package centre)."""
        return math.hypot(self.x, self.y)


def array_joints(rows: int, columns: int, pitch_x: float, pitch_y: float, missing=()) -> list[Joint]:
    """All populated joints of the full array, by increasing id."""
    gone = {tuple(m) for m in missing}
    joints = []
    for i in range(rows):
        for j in range(columns):
            if (i, j) in gone:
                continue
            x = (j - (columns - 1) / 2.0) * pitch_x
            y = (i - (rows - 1) / 2.0) * pitch_y
            joints.append(Joint(i * columns + j, i, j, _clean(x), _clean(y)))
    return joints


def _clean(v: float) -> float:
    """Round away binary noise so that symmetric positions compare exactly."""
    v = round(v, 12)
    return 0.0 if v == 0.0 else v


def domain_fraction(x: float, y: float, kind: str) -> float:
    """Fraction of a joint centred at (x, y) kept in a 3D model kind (0 if outside).

    A joint is axisymmetric, so a symmetry plane through its axis keeps half of it.
    """
    if kind == "full":
        return 1.0
    if kind == "quarter":
        if x < -_TOL or y < -_TOL:
            return 0.0
        return (0.5 if abs(x) <= _TOL else 1.0) * (0.5 if abs(y) <= _TOL else 1.0)
    if kind == "octant":
        if y < -_TOL or y > x + _TOL:
            return 0.0
        if abs(x) <= _TOL and abs(y) <= _TOL:
            return 0.125
        return (0.5 if abs(y) <= _TOL else 1.0) * (0.5 if abs(y - x) <= _TOL else 1.0)
    raise ValueError(f"not a 3D model kind: {kind}")


@dataclass(frozen=True)
class SliceLine:
    """The vertical plane of a 2D slice: points ``origin + s * direction`` (s >= 0 kept)."""

    origin: tuple[float, float]
    direction: tuple[float, float]

    def position(self, x: float, y: float) -> float:
        """Coordinate ``s`` of the projection of (x, y) on the line."""
        return (x - self.origin[0]) * self.direction[0] + (y - self.origin[1]) * self.direction[1]

    def offset(self, x: float, y: float) -> float:
        """Distance of (x, y) from the slice plane."""
        return abs(-(x - self.origin[0]) * self.direction[1] + (y - self.origin[1]) * self.direction[0])


def slice_line(slice_kind: str, rows: int, columns: int, pitch_x: float, pitch_y: float) -> SliceLine:
    """The slice plane: the array diagonal through the corner position (x_max, y_max), or the
    outermost row (y = y_max) through the same corner position."""
    x_max = (columns - 1) / 2.0 * pitch_x
    y_max = (rows - 1) / 2.0 * pitch_y
    if slice_kind == "diagonal":
        length = math.hypot(x_max, y_max)
        if length == 0.0:
            return SliceLine((0.0, 0.0), (1.0, 0.0))
        return SliceLine((0.0, 0.0), (x_max / length, y_max / length))
    if slice_kind == "row":
        return SliceLine((0.0, _clean(y_max)), (1.0, 0.0))
    raise ValueError(f"unknown slice {slice_kind!r}")


def joints_in_slice(joints, line: SliceLine) -> list[Joint]:
    """Joints whose axis lies in the slice plane at s >= 0 (other joints are left out)."""
    return [j for j in joints if line.offset(j.x, j.y) <= 1e-7 and line.position(j.x, j.y) >= -1e-7]


def canonical_position(row: int, column: int, rows: int, columns: int, kind: str) -> tuple[int, int]:
    """The (row, column) of the image of a ball in the domain of a symmetric model kind."""
    cr, cc = rows - 1, columns - 1  # 2 * centre index
    r = row if 2 * row >= cr else cr - row
    c = column if 2 * column >= cc else cc - column
    if kind == "octant" and (2 * r - cr) > (2 * c - cc):
        r, c = c, r
    return r, c


def symmetric_missing(missing, rows: int, columns: int, kind: str) -> tuple[int, int] | None:
    """First missing ball whose mirror image (required by the model symmetry) is populated."""
    gone = {tuple(m) for m in missing}
    for i, j in sorted(gone):
        images = {(i, columns - 1 - j), (rows - 1 - i, j), (rows - 1 - i, columns - 1 - j)}
        if kind == "octant":
            images |= {(b, a) for a, b in list(images) + [(i, j)]}
        for image in images:
            if image not in gone:
                return (i, j)
    return None
