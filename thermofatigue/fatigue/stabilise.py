"""Which cycle is stabilised, and the value it tends to when cycling stops too early.

Energy-based fatigue laws use the inelastic work of a *stabilised* cycle: the first cycles of a
thermal-cycling history still relax the reflow stresses and the work per cycle falls from cycle
to cycle. Cycles are numbered from 0, as :mod:`thermofatigue.loads` numbers them.

Rule (:func:`stabilised_cycle`): the relative change of cycle ``k`` is

    change_k = abs(v_k - v_(k-1)) / abs(v_(k-1)),      k >= 1

and the stabilised cycle is the first ``k`` with ``change_k < tolerance`` (default 2 %).

Extrapolation (:func:`extrapolate_stabilised`): when the differences ``d_k = v_k - v_(k-1)``
decay geometrically, ``d_(k+1) = r d_k`` with ``0 < r < 1``, the remaining differences sum to
``d_n (r + r^2 + ...) = d_n r / (1 - r)``, so

    v_inf = v_n + d_n r / (1 - r),      r = d_n / d_(n-1)

from the last three values. It is exact for ``v_k = A + B q^k`` (0 < q < 1) and undefined
(None) when the differences do not shrink with one sign (``r <= 0`` oscillates, ``r >= 1``
does not decay) or fewer than three values exist. Example (3D quarter model of the default
package, die-side layer, cycles 0-3): 0.0295, 0.0100, 0.0078, 0.0068 MPa give r = 0.455 and
v_inf = 0.00597 MPa, 12 % below the last cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Stabilisation", "relative_changes", "stabilised_cycle", "extrapolate_stabilised",
           "extrapolate_stabilised_all", "DEFAULT_TOLERANCE"]

DEFAULT_TOLERANCE = 0.02
"""Default relative cycle-to-cycle change below which a cycle counts as stabilised."""


@dataclass(frozen=True)
class Stabilisation:
    """Outcome of the stabilisation rule for one joint.

    ``cycle``: the first stabilised cycle, or the last cycle when none is (``converged``
    False); ``value``: the value at ``cycle``; ``change``: its relative change from the cycle
    before (None for a single cycle); ``last_change``: the change between the last two cycles;
    ``extrapolated``: :func:`extrapolate_stabilised` of all values (None when undefined).
    """

    cycle: int
    converged: bool
    value: float
    change: float | None
    last_change: float | None
    extrapolated: float | None
    tolerance: float


def relative_changes(values) -> np.ndarray:
    """``|v_k - v_(k-1)| / |v_(k-1)|`` for k = 1..n-1 along the first axis (inf where
    ``v_(k-1) = 0`` and ``v_k != 0``, 0 where both are 0)."""
    v = np.asarray(values, dtype=float)
    diff = np.abs(np.diff(v, axis=0))
    previous = np.abs(v[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        change = diff / previous
    return np.where(previous > 0.0, change, np.where(diff > 0.0, np.inf, 0.0))


def stabilised_cycle(values_per_cycle, tolerance: float = DEFAULT_TOLERANCE) -> Stabilisation:
    """Apply the stabilisation rule to one joint's values per cycle (1-D, cycle 0 first)."""
    v = np.asarray(values_per_cycle, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError("values_per_cycle must be a non-empty 1-D array over cycles")
    if not tolerance > 0.0:
        raise ValueError("tolerance must be > 0")
    changes = relative_changes(v)
    below = np.flatnonzero(changes < tolerance)
    converged = below.size > 0
    cycle = int(below[0]) + 1 if converged else v.size - 1
    return Stabilisation(
        cycle=cycle,
        converged=bool(converged),
        value=float(v[cycle]),
        change=float(changes[cycle - 1]) if cycle >= 1 else None,
        last_change=float(changes[-1]) if changes.size else None,
        extrapolated=extrapolate_stabilised(v),
        tolerance=float(tolerance),
    )


def extrapolate_stabilised_all(values) -> np.ndarray:
    """Geometric-decay extrapolation along the first axis (cycles) for every column (joints);
    NaN where it is undefined. ``values`` shape ``(n_cycles, ...)``."""
    v = np.asarray(values, dtype=float)
    if v.shape[0] < 3:
        return np.full(v.shape[1:], np.nan)
    d_last = v[-1] - v[-2]
    d_before = v[-2] - v[-3]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = d_last / d_before
        v_inf = v[-1] + d_last * r / (1.0 - r)
    ok = (d_before != 0.0) & (r > 0.0) & (r < 1.0)
    return np.where(ok, v_inf, np.nan)


def extrapolate_stabilised(values) -> float | None:
    """``v_inf = v_n + d_n r / (1 - r)`` with ``r = d_n / d_(n-1)`` from the last three values
    of a 1-D sequence; None unless ``0 < r < 1``."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError("values must be a 1-D array over cycles")
    result = extrapolate_stabilised_all(v)
    return None if np.isnan(result) else float(result)
