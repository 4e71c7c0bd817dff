"""Temperature-dependent material properties and thermal strain.

Three property kinds, all evaluated on arrays of any shape (temperatures in degrees C):

* :class:`Constant`      -- ``p(T) = value``
* :class:`Table`         -- piecewise-linear interpolation in a table ``(T_i, p_i)``
* :class:`Polynomial`    -- ``p(T) = c0 + c1 T + c2 T^2 + ...`` with ``T`` in degrees C

Outside its data the property is **clamped**: a table holds its first/last value below/above
its end points, and a polynomial with a validity ``range = (T_min, T_max)`` holds its value at
the nearest end of that range. Clamping (rather than raising) is chosen because thermal-cycling
loads routinely touch the ends of published data; the library tables span -100..300 C so that
no JEDEC/IPC cycle or reflow cool-down reaches a clamped region. The integrals used for thermal
strain apply the same rule, so ``d eps_th / dT = alpha(T)`` holds everywhere.

A table may contain a *jump* (e.g. a laminate CTE stepping at its glass transition): the same
temperature appears twice in a row with the values just below and just above. The property is
right-continuous there (at ``T = Tg`` it takes the value above). Temperatures must otherwise
increase strictly.

Thermal strain (docs/architecture.md, "Thermal strain"):

* instantaneous CTE:  ``eps_th(T) = int_{T_ref}^{T} alpha(T') dT'``; for a table this is the exact
  integral of a piecewise-linear function (piecewise quadratic in ``T``), for a polynomial the
  exact antiderivative.
* secant CTE measured from the table's own reference temperature ``T0``:
  ``eps_th(T) = alpha_sec(T) (T - T0) - alpha_sec(T_ref) (T_ref - T0)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Constant",
    "Table",
    "Polynomial",
    "ThermalExpansion",
    "INSTANTANEOUS",
    "SECANT",
]

INSTANTANEOUS = "instantaneous"
SECANT = "secant"


def _as_float_array(T) -> np.ndarray:
    return np.asarray(T, dtype=float)


@dataclass(frozen=True)
class Constant:
    """A temperature-independent property ``p(T) = value``."""

    value: float

    def __call__(self, T) -> np.ndarray:
        T = _as_float_array(T)
        return np.full(T.shape, float(self.value))

    def antiderivative(self, T) -> np.ndarray:
        """``F(T) = value * T`` (any antiderivative serves; only differences are used)."""
        return float(self.value) * _as_float_array(T)

    def integral(self, T_from, T_to) -> np.ndarray:
        """Exact ``int_{T_from}^{T_to} p(T) dT``."""
        return self.antiderivative(T_to) - self.antiderivative(T_from)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return ()

    @property
    def is_constant(self) -> bool:
        return True


@dataclass(frozen=True)
class Table:
    """Piecewise-linear property through the points ``(T[i], values[i])``, clamped outside.

    ``T`` is non-decreasing; a temperature may appear twice in a row (a jump, right-continuous),
    never three times and never at either end. Raises ``ValueError`` otherwise (the library turns
    that into an :class:`~thermofatigue.errors.InputError` naming the field).
    """

    T: tuple[float, ...]
    values: tuple[float, ...]
    _cumulative: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        T = np.asarray(self.T, dtype=float)
        v = np.asarray(self.values, dtype=float)
        check_table(T, v)
        object.__setattr__(self, "T", tuple(T.tolist()))
        object.__setattr__(self, "values", tuple(v.tolist()))
        # exact integral of each linear segment (trapezoid), cumulated from T[0]
        segment = 0.5 * (v[1:] + v[:-1]) * np.diff(T)
        object.__setattr__(self, "_cumulative", np.concatenate([[0.0], np.cumsum(segment)]))

    def _segment(self, T: np.ndarray):
        """Index k of the segment [T_k, T_{k+1}] holding T (right-continuous at jumps)."""
        Tt = np.asarray(self.T)
        k = np.searchsorted(Tt, T, side="right") - 1
        return np.clip(k, 0, len(Tt) - 2)

    def _locate(self, T: np.ndarray):
        """For ``T`` clamped to the table: segment ``k``, ``T - T_k``, value ``v_k`` and the
        segment's slope (zero across a jump)."""
        Tt = np.asarray(self.T)
        v = np.asarray(self.values)
        Tc = np.clip(T, Tt[0], Tt[-1])
        k = self._segment(Tc)
        width = Tt[k + 1] - Tt[k]
        safe = np.where(width > 0.0, width, 1.0)
        slope = np.where(width > 0.0, (v[k + 1] - v[k]) / safe, 0.0)
        return k, Tc - Tt[k], v[k], slope

    def __call__(self, T) -> np.ndarray:
        _, d, v_k, slope = self._locate(_as_float_array(T))
        return v_k + slope * d

    def antiderivative(self, T) -> np.ndarray:
        """Exact ``F(T) = int_{T[0]}^{T} p`` with the clamping rule (linear beyond the ends)."""
        T = _as_float_array(T)
        k, d, v_k, slope = self._locate(T)
        inside = self._cumulative[k] + v_k * d + 0.5 * slope * d * d
        below = self.values[0] * np.minimum(T - self.T[0], 0.0)
        above = self.values[-1] * np.maximum(T - self.T[-1], 0.0)
        return inside + below + above

    def integral(self, T_from, T_to) -> np.ndarray:
        """Exact ``int_{T_from}^{T_to} p(T) dT`` (piecewise quadratic in the limits)."""
        return self.antiderivative(T_to) - self.antiderivative(T_from)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return tuple(self.T)

    @property
    def is_constant(self) -> bool:
        return False


def check_table(T: np.ndarray, values: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``(T, values)`` is a valid property table."""
    if T.ndim != 1 or values.ndim != 1 or T.size != values.size:
        raise ValueError("T and value must be lists of the same length")
    if T.size < 2:
        raise ValueError("a table needs at least two points")
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(values))):
        raise ValueError("table entries must be finite numbers")
    dT = np.diff(T)
    if np.any(dT < 0.0):
        raise ValueError("T must increase (non-monotonic table)")
    repeated = dT == 0.0
    if np.any(repeated[1:] & repeated[:-1]):
        raise ValueError("a temperature may appear at most twice (one jump)")
    if repeated[0] or repeated[-1]:
        raise ValueError("a jump must lie inside the table, not at its ends")


@dataclass(frozen=True)
class Polynomial:
    """``p(T) = sum_i coefficients[i] * T**i`` with ``T`` in degrees C.

    With ``valid_range = (T_min, T_max)`` the temperature is clamped to that range first (the
    property holds its end values outside). Without it the polynomial is used everywhere.
    """

    coefficients: tuple[float, ...]
    valid_range: tuple[float, float] | None = None

    def __post_init__(self):
        c = tuple(float(x) for x in self.coefficients)
        if not c or not all(np.isfinite(c)):
            raise ValueError("a polynomial needs at least one finite coefficient")
        object.__setattr__(self, "coefficients", c)
        if self.valid_range is not None:
            lo, hi = (float(x) for x in self.valid_range)
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise ValueError("range must be [T_min, T_max] with T_min < T_max")
            object.__setattr__(self, "valid_range", (lo, hi))

    def _clamp(self, T: np.ndarray) -> np.ndarray:
        if self.valid_range is None:
            return T
        return np.clip(T, *self.valid_range)

    def _poly(self, T: np.ndarray) -> np.ndarray:
        # numpy's polyval wants the highest power first
        return np.polyval(self.coefficients[::-1], T)

    def _poly_antiderivative(self, T: np.ndarray) -> np.ndarray:
        c = np.asarray(self.coefficients)
        integrated = np.concatenate([[0.0], c / np.arange(1, c.size + 1)])
        return np.polyval(integrated[::-1], T)

    def __call__(self, T) -> np.ndarray:
        return self._poly(self._clamp(_as_float_array(T)))

    def antiderivative(self, T) -> np.ndarray:
        """Exact antiderivative, continued linearly with the clamped end values."""
        T = _as_float_array(T)
        Tc = self._clamp(T)
        F = self._poly_antiderivative(Tc)
        if self.valid_range is not None:
            lo, hi = self.valid_range
            F = F + self._poly(np.float64(lo)) * np.minimum(T - lo, 0.0)
            F = F + self._poly(np.float64(hi)) * np.maximum(T - hi, 0.0)
        return F

    def integral(self, T_from, T_to) -> np.ndarray:
        return self.antiderivative(T_to) - self.antiderivative(T_from)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return tuple(self.valid_range) if self.valid_range is not None else ()

    @property
    def is_constant(self) -> bool:
        return len(self.coefficients) == 1


@dataclass(frozen=True)
class ThermalExpansion:
    """A coefficient of thermal expansion (1/K) and the thermal strain it implies.

    ``kind = "instantaneous"``: ``alpha`` is the derivative of the thermal strain,
    ``eps_th(T; T_ref) = int_{T_ref}^{T} alpha(T') dT'`` (exact for every property kind).

    ``kind = "secant"``: ``alpha`` is the mean CTE between the data's own reference temperature
    ``T0 = reference_temperature`` and ``T``, so
    ``eps_th(T; T_ref) = alpha(T) (T - T0) - alpha(T_ref) (T_ref - T0)``
    (docs/architecture.md, "Thermal strain").
    """

    alpha: Constant | Table | Polynomial
    kind: str = INSTANTANEOUS
    reference_temperature: float | None = None

    def __post_init__(self):
        if self.kind not in (INSTANTANEOUS, SECANT):
            raise ValueError(f"kind must be {INSTANTANEOUS!r} or {SECANT!r}")
        if self.kind == SECANT and self.reference_temperature is None:
            raise ValueError("a secant CTE needs its reference_temperature")

    def __call__(self, T) -> np.ndarray:
        """The stored coefficient (instantaneous or secant, as ``kind`` says) at ``T``."""
        return self.alpha(T)

    def thermal_strain(self, T, T_ref) -> np.ndarray:
        """Free thermal strain at ``T`` measured from the stress-free temperature ``T_ref``."""
        T = _as_float_array(T)
        T_ref = _as_float_array(T_ref)
        if self.kind == INSTANTANEOUS:
            return self.alpha.integral(T_ref, T)
        T0 = float(self.reference_temperature)
        return self.alpha(T) * (T - T0) - self.alpha(T_ref) * (T_ref - T0)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return self.alpha.breakpoints

    @property
    def is_constant(self) -> bool:
        return False
