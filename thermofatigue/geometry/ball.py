"""Truncated-sphere solder joint between two parallel circular pads.

A reflowed joint is modelled as the zone of a sphere (radius ``R``) cut by two parallel planes
``h`` apart: the board-side pad plane at height 0 with wetted radius ``b`` and the die-side pad
plane at height ``h`` with wetted radius ``a``. The sphere centre sits at height ``c`` above the
board-side plane. Geometry gives

    b**2 = R**2 - c**2,   a**2 = R**2 - (h - c)**2   =>   c = (h**2 + a**2 - b**2) / (2 h)

and the volume of the zone between the planes is (a classical result, independent of ``c``)

    V = pi * h * (3 a**2 + 3 b**2 + h**2) / 6,

which rises monotonically with ``h``: a given solder volume fixes the standoff through the real
root of the depressed cubic ``h**3 + 3 (a**2 + b**2) h - 6 V / pi = 0``. Surface tension, gravity
and the package weight are neglected (the usual truncated-sphere assumption).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BallShape:
    """A truncated sphere between two pads (all lengths in mm, heights from the board-side pad).

    Attributes
    ----------
    height : standoff ``h`` between the two pad planes (solder only).
    die_radius : wetted radius ``a`` on the die-side pad (UBM, post, bump pad).
    board_radius : wetted radius ``b`` on the board-side pad (NSMD: pad; SMD: mask opening).
    sphere_radius : ``R``.
    centre_height : ``c``, sphere centre above the board-side pad plane (may lie outside [0, h]).
    """

    height: float
    die_radius: float
    board_radius: float
    sphere_radius: float
    centre_height: float

    @property
    def volume(self) -> float:
        """Solder volume between the pads (mm^3)."""
        return zone_volume(self.height, self.die_radius, self.board_radius)

    @property
    def max_radius(self) -> float:
        """Largest horizontal radius of the joint (the equator if it lies between the pads)."""
        if 0.0 <= self.centre_height <= self.height:
            return self.sphere_radius
        return max(self.die_radius, self.board_radius)

    def radius_at(self, z: float) -> float:
        """Horizontal radius of the joint at height ``z`` above the board-side pad plane."""
        return math.sqrt(max(self.sphere_radius**2 - (z - self.centre_height) ** 2, 0.0))

    def segment_volume(self, z0: float, z1: float) -> float:
        """Volume of the slice ``z0 <= z <= z1`` of the joint (heights from the board-side pad)."""
        return zone_volume(z1 - z0, self.radius_at(z1), self.radius_at(z0))

    def section_area(self, z0: float = 0.0, z1: float | None = None, offset: float = 0.0) -> float:
        """Area of the joint cut by a vertical plane at distance ``offset`` from its axis.

        The section of a sphere by a plane is a circle of radius ``sqrt(R**2 - offset**2)``;
        clipped to ``z0 <= z <= z1`` (default: the whole joint) it is a circular zone.
        """
        z1 = self.height if z1 is None else z1
        r2 = self.sphere_radius**2 - offset**2
        if r2 <= 0.0:
            return 0.0
        r = math.sqrt(r2)

        def primitive(u: float) -> float:  # integral of 2 sqrt(r^2 - u^2) du
            u = min(max(u, -r), r)
            return u * math.sqrt(max(r * r - u * u, 0.0)) + r * r * math.asin(u / r)

        return primitive(z1 - self.centre_height) - primitive(z0 - self.centre_height)


def zone_volume(height: float, radius_top: float, radius_bottom: float) -> float:
    """Volume of a spherical zone (segment between two parallel planes)."""
    return math.pi * height * (3.0 * radius_top**2 + 3.0 * radius_bottom**2 + height**2) / 6.0


def shape_from_standoff(height: float, die_radius: float, board_radius: float) -> BallShape:
    """The sphere through both pad rims with the pads ``height`` apart."""
    if height <= 0.0:
        raise ValueError("standoff must be positive")
    c = (height**2 + die_radius**2 - board_radius**2) / (2.0 * height)
    radius = math.sqrt(board_radius**2 + c**2)
    return BallShape(height, die_radius, board_radius, radius, c)


def standoff_from_volume(volume: float, die_radius: float, board_radius: float) -> float:
    """Standoff of the zone of given volume between pads of radii ``a``, ``b`` (Cardano).

    The cubic ``h**3 + p h - q = 0`` with ``p = 3 (a**2 + b**2) >= 0`` and ``q = 6 V / pi > 0``
    has exactly one real root, which is positive.
    """
    if volume <= 0.0:
        raise ValueError("volume must be positive")
    p = 3.0 * (die_radius**2 + board_radius**2)
    q = 6.0 * volume / math.pi
    disc = math.sqrt((q / 2.0) ** 2 + (p / 3.0) ** 3)
    h = math.copysign(abs(q / 2.0 + disc) ** (1.0 / 3.0), q / 2.0 + disc) + math.copysign(
        abs(q / 2.0 - disc) ** (1.0 / 3.0), q / 2.0 - disc
    )
    # one Newton step polishes the cancellation in the second cube root
    h -= (h**3 + p * h - q) / (3.0 * h**2 + p)
    return h


def shape_from_volume(volume: float, die_radius: float, board_radius: float) -> BallShape:
    """The truncated sphere of the given solder volume wetting both pads."""
    return shape_from_standoff(standoff_from_volume(volume, die_radius, board_radius), die_radius, board_radius)


def sphere_volume(diameter: float) -> float:
    """Volume of a solder sphere of the given diameter (the ball before reflow)."""
    return math.pi * diameter**3 / 6.0
