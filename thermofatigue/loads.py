"""Temperature-cycle profiles: JEDEC / IPC presets, custom tables, the initial cool-down.

A :class:`TemperatureProfile` is a piecewise-linear temperature history ``T(t)`` (degrees C,
time in s) made of

1. an optional *cool-down* segment: a straight ramp from the stress-free temperature (e.g. the
   solder solidus after reflow, 217 C for SAC305, or room temperature) to the temperature at
   which the first cycle starts, at ``cool_down_rate`` (C/s). It heats instead of cooling when the
   stress-free temperature lies below the cycle start. Without a stress-free temperature (or when
   it equals the cycle start) there is no such segment and the history starts stress-free at
   ``T(0)``;
2. ``n_cycles`` identical cycles, each a copy of one closed cycle table ``(time_s, T_C)``.

Time ``t = 0`` is the start of the cool-down (or of cycle 0 when there is none). Cycles are
numbered from 0. Every row of the cycle table is a *breakpoint* (a corner of T(t)); a time
stepper must land on every one of them, which :meth:`TemperatureProfile.step_plan` guarantees.

Profiles come from :func:`profile_from_spec`, which takes a preset name, a CSV path or a mapping
(the ``[load]`` table of a case file). The presets, their numbers and the status of each number
([V] read in the cited source, [S] read in a secondary source quoting it, [C] computed,
[U] recalled, not verified) are listed in :data:`PRESETS` and in ``docs/profiles.md``.

JEDEC JESD22-A104 (temperature cycling; JESD22-A104C, 2005, and JESD22-A104D, 2009)
    Conditions A, B, C, G, H, K: sample-temperature extremes Ts(min) / Ts(max) are [V] (a test
    laboratory's reproduction of the condition table, raonsolution.com). Conditions I, J, L, M,
    N are **[U]** (recalled, not verified; JESD22-A104D, 2009, added five conditions [V], but
    their values were not read). Soak modes 1/2/3/4 = 1/5/10/15 min are **[U]**. The standard specifies extremes,
    soak (dwell) time and cycle rate (1-3 cycles/h for solder interconnects, [U]); the ramp is
    whatever the chamber and load produce, so ramp rate is a user choice here. Defaults of this
    module (not of the standard): 15 min dwells (soak mode 4) and 15 min ramps, i.e. a 1 h cycle
    and 6.7-14.3 C/min depending on the condition (8.3-14.3 for the verified ones).
    The standard's soak time counts the time the sample spends within a few degrees of the
    extreme (Ts(max) -5/+10..15 C, Ts(min) +5/-10 C, [V]: N. Shivan, MS thesis, Texas Tech
    University, 2012, quoting JESD22-A104); the dwell here is the flat hold at exactly the
    nominal extreme, so a chamber's measured soak is slightly longer than it.
    Tolerances on the extremes are not modelled: nominal values are used.

IPC-9701 (2002) / IPC-9701A (2006), Table 4-1 (board-level solder attachment; table not read)
    TC1 0/100, TC2 -25/100, TC3 -40/125, TC4 -55/125, TC5 -55/100 C, all **[U]** (TC1, TC3, TC4
    also [S]: the circuit-agent MCP tool description on glama.ai). **TC2 conflict**: -25/+100 C
    [U] against -25/+125 C [S, that tool description]. This module uses **-25/+100 C** (the
    reading that keeps TC1, TC2 and TC5 at the same 100 C maximum); override ``T_max`` for the
    other. Default dwell 10 min [U/S]; default ramp 10 C/min, inside the "<= 20 C/min, usually
    10-14 C/min" guidance [S] and Engelmaier's 10-20 C/min [V] (W. Engelmaier, IPC TechNet post,
    4 Mar 1999). Faster ramps are not rejected, but exceed the standard's limit.

Fields of a mapping spec (all optional except one of ``preset`` / ``table``)
    ``preset``                   preset name, e.g. ``"JESD22-A104:G"``, ``"IPC-9701:TC3"``
    ``table``                    one cycle as rows ``[time_s, T_C]`` or the path of a CSV file
    ``cycles``                   number of cycles (integer >= 1, default 3)
    ``stress_free_temperature``  C, start of the cool-down (default: none, start at the cycle)
    ``cool_down_rate``           C/s > 0 (default: the steepest ramp of the cycle)
    preset only: ``T_min``, ``T_max`` (C), ``dwell`` (s, both extremes), ``dwell_hot``,
    ``dwell_cold`` (s), ``soak_mode`` (1-4, JEDEC only, sets both dwells), ``ramp_rate``
    (C/s, both ramps) or ``ramp_time`` (s, each ramp), ``start`` (``"hot"``: the cycle begins
    with the hot dwell, default; ``"cold"``: with the cold dwell).

A cycle table must close: its last temperature must equal its first (within 1e-9 relative);
otherwise :func:`profile_from_spec` raises :class:`~thermofatigue.errors.InputError` rather than
inventing a closing segment. Add the closing row explicitly.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .errors import InputError

__all__ = [
    "TemperatureProfile",
    "Preset",
    "PRESETS",
    "JEDEC_SOAK_MODES",
    "preset_names",
    "profile_from_spec",
    "read_profile_csv",
    "DEFAULT_CYCLES",
    "ABSOLUTE_ZERO",
    "MAX_TEMPERATURE",
]

ABSOLUTE_ZERO = -273.15
"""Lowest admissible temperature (C, exclusive)."""
MAX_TEMPERATURE = 450.0
"""Highest admissible temperature (C, inclusive): well above any solder reflow peak."""
DEFAULT_CYCLES = 3
"""Default number of cycles: enough for a stabilised third cycle."""

_CLOSE_RTOL = 1e-9
_SPLIT_RTOL = 1e-12  # tolerance on the step count so that round-off never adds a step


# --------------------------------------------------------------------------------------------
# presets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A named test condition and the defaults used to build its cycle.

    ``T_min``, ``T_max`` in C; ``dwell`` in s (each extreme); exactly one of ``ramp_rate``
    (C/s) and ``ramp_time`` (s, each ramp) is set. ``status`` gives the status tag of each
    number, ``source`` the standard and clause.
    """

    name: str
    T_min: float
    T_max: float
    dwell: float
    ramp_rate: float | None
    ramp_time: float | None
    status: str
    source: str
    verified: bool

    @property
    def family(self) -> str:
        return self.name.split(":", 1)[0]


_JEDEC_SOURCE = "JEDEC JESD22-A104 temperature-cycling condition table (JESD22-A104C, 2005)"
_JEDEC_DEFAULTS = "dwell 15 min = soak mode 4 [U]; ramp 15 min each: thermofatigue default"
_IPC_SOURCE = "IPC-9701 (2002) / IPC-9701A (2006) Table 4-1 thermal-cycling conditions"
_IPC_DEFAULTS = "dwell 10 min [U/S]; ramp 10 C/min (<= 20 C/min [S]): thermofatigue default"

# JEDEC JESD22-A104 soak modes -> dwell (s), recalled from JESD22-A104E (2014) Tab. 2, [U]
JEDEC_SOAK_MODES = {1: 60.0, 2: 300.0, 3: 600.0, 4: 900.0}

_JEDEC = [
    # condition, Ts(min), Ts(max), verified
    ("A", -55.0, 85.0, True),
    ("B", -55.0, 125.0, True),
    ("C", -65.0, 150.0, True),
    ("G", -40.0, 125.0, True),
    ("H", -55.0, 150.0, True),
    ("K", 0.0, 125.0, True),
    ("I", -40.0, 115.0, False),
    ("J", 0.0, 100.0, False),
    ("L", -55.0, 110.0, False),
    ("M", -40.0, 150.0, False),
    ("N", -40.0, 85.0, False),
]

_IPC = [
    # condition, T_min, T_max, status of the extremes
    ("TC1", 0.0, 100.0, "[U], [S]"),
    ("TC2", -25.0, 100.0, "[U]; conflict: -25/+125 [S] (MCP tool listing), -25/+100 chosen"),
    ("TC3", -40.0, 125.0, "[U], [S]"),
    ("TC4", -55.0, 125.0, "[U], [S]"),
    ("TC5", -55.0, 100.0, "[U]"),
]


def _build_presets() -> dict[str, Preset]:
    presets: dict[str, Preset] = {}
    for cond, lo, hi, verified in _JEDEC:
        name = f"JESD22-A104:{cond}"
        tag = "[V]" if verified else "[U] (not verified: condition added in rev. D, values recalled)"
        presets[name] = Preset(
            name, lo, hi, dwell=JEDEC_SOAK_MODES[4], ramp_rate=None, ramp_time=900.0,
            status=f"extremes {tag}; {_JEDEC_DEFAULTS}", source=_JEDEC_SOURCE, verified=verified,
        )
    for cond, lo, hi, tag in _IPC:
        name = f"IPC-9701:{cond}"
        presets[name] = Preset(
            name, lo, hi, dwell=600.0, ramp_rate=10.0 / 60.0, ramp_time=None,
            status=f"extremes {tag}; {_IPC_DEFAULTS}", source=_IPC_SOURCE, verified=False,
        )
    return presets


PRESETS: dict[str, Preset] = _build_presets()
"""All named presets, keyed by canonical name (``"JESD22-A104:G"``, ``"IPC-9701:TC1"``, ...)."""

_PRESET_LOOKUP = {name.upper(): name for name in PRESETS}


def preset_names() -> list[str]:
    """Canonical names of all presets."""
    return list(PRESETS)


# --------------------------------------------------------------------------------------------
# the profile
# --------------------------------------------------------------------------------------------


class TemperatureProfile:
    """Piecewise-linear temperature history: optional cool-down, then ``cycles`` equal cycles.

    Parameters
    ----------
    cycle_times, cycle_temperatures
        One cycle: times in s (strictly increasing; taken relative to the first) and
        temperatures in C. The cycle must close (last temperature = first).
    cycles
        Number of cycles, integer >= 1.
    stress_free_temperature
        C. When given and different from the cycle's first temperature, a straight cool-down
        segment from it to the first temperature precedes cycle 0. ``None``: no cool-down; the
        stress-free temperature is then the cycle's first temperature.
    cool_down_rate
        C/s > 0 for that segment. Default: the steepest ramp of the cycle.
    name, info
        A label (preset name, ``"table"`` or a file name) and a dict of the parameters used.
    source, prefix
        Where the numbers came from and the field prefix, for error messages.

    Raises
    ------
    InputError
        For bad numbers.
    """

    def __init__(
        self,
        cycle_times,
        cycle_temperatures,
        cycles: int = DEFAULT_CYCLES,
        stress_free_temperature: float | None = None,
        cool_down_rate: float | None = None,
        *,
        name: str = "table",
        info: Mapping[str, Any] | None = None,
        source: str | None = None,
        prefix: str = "",
    ):
        src = source if source is not None else "<profile>"
        fld = _prefixer(prefix)
        rows = _rows_from_columns(cycle_times, cycle_temperatures, src, fld("table"))
        tau, temps = _check_cycle(rows, src, fld("table"))
        n = _check_cycles(cycles, src, fld("cycles"))

        slopes = np.diff(temps) / np.diff(tau)
        steepest = float(np.max(np.abs(slopes)))
        if stress_free_temperature is None:
            if cool_down_rate is not None:
                raise InputError(src, fld("cool_down_rate"), cool_down_rate,
                                 "no cool_down_rate without a stress_free_temperature")
            t_sf = float(temps[0])
            t_cd = 0.0
            cd_rate = None
        else:
            t_sf = _check_temperature(stress_free_temperature, src, fld("stress_free_temperature"))
            if cool_down_rate is None:
                cd_rate = steepest
            else:
                cd_rate = _check_positive(cool_down_rate, src, fld("cool_down_rate"), "C/s")
            if t_sf == temps[0]:
                t_cd = 0.0
            elif cd_rate == 0.0:
                raise InputError(src, fld("cool_down_rate"), None,
                                 "a cool-down rate in C/s (the cycle is isothermal, so there is "
                                 "no ramp rate to default to)")
            else:
                t_cd = abs(t_sf - float(temps[0])) / cd_rate

        self.name = str(name)
        self.info = dict(info or {})
        self._cycle_times = tau
        self._cycle_temperatures = temps
        self._n = n
        self._period = float(tau[-1])
        self._t_sf = t_sf
        self._cool_down_rate = cd_rate
        self._starts = t_cd + np.arange(n + 1, dtype=float) * self._period

        knots = (self._starts[:-1, None] + tau[None, :-1]).ravel()
        knot_T = np.tile(temps[:-1], n)
        if t_cd > 0.0:
            knots = np.concatenate(([0.0], knots))
            knot_T = np.concatenate(([t_sf], knot_T))
        self._times = np.concatenate((knots, self._starts[-1:]))
        self._temps = np.concatenate((knot_T, temps[-1:]))
        if not np.all(np.diff(self._times) > 0.0):
            raise InputError(src, fld("table"), tau.tolist(),
                             "cycle segments long enough to stay distinct over the whole history")
        self._slopes = np.diff(self._temps) / np.diff(self._times)
        for arr in (self._cycle_times, self._cycle_temperatures, self._starts, self._times,
                    self._temps, self._slopes):
            arr.flags.writeable = False

    # ---- basic quantities -----------------------------------------------------------------

    @property
    def n_cycles(self) -> int:
        """Number of cycles."""
        return self._n

    @property
    def period(self) -> float:
        """Duration of one cycle, s."""
        return self._period

    @property
    def t_end(self) -> float:
        """End of the last cycle, s."""
        return float(self._starts[-1])

    @property
    def stress_free_temperature(self) -> float:
        """Temperature at t = 0 (C), where every part is stress-free."""
        return self._t_sf

    @property
    def cool_down_rate(self) -> float | None:
        """Rate of the cool-down segment (C/s, > 0), or None when no stress-free temperature
        was given."""
        return self._cool_down_rate

    @property
    def cool_down_time(self) -> float:
        """Duration of the cool-down segment (s); 0 when there is none."""
        return float(self._starts[0])

    @property
    def T_min(self) -> float:
        """Lowest temperature of a cycle (C)."""
        return float(self._cycle_temperatures.min())

    @property
    def T_max(self) -> float:
        """Highest temperature of a cycle (C)."""
        return float(self._cycle_temperatures.max())

    @property
    def cycle_times(self) -> np.ndarray:
        """Corner times of one cycle, from 0 to ``period`` (s)."""
        return self._cycle_times

    @property
    def cycle_temperatures(self) -> np.ndarray:
        """Temperatures at :attr:`cycle_times` (C); first = last."""
        return self._cycle_temperatures

    @property
    def times(self) -> np.ndarray:
        """Knot times of the whole history (s) = :attr:`breakpoints`."""
        return self._times

    @property
    def temperatures(self) -> np.ndarray:
        """Temperatures at :attr:`times` (C)."""
        return self._temps

    @property
    def breakpoints(self) -> np.ndarray:
        """All corner times, sorted and unique: t = 0, the cool-down end, every cycle start and
        end and every row of the cycle table in every cycle."""
        return self._times

    # ---- cycles -----------------------------------------------------------------------------

    def _cycle(self, k) -> int:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
            raise TypeError(f"cycle index must be an integer, got {k!r}")
        k = int(k)
        if not -self._n <= k < self._n:
            raise IndexError(f"cycle {k} out of range for {self._n} cycles (numbered from 0)")
        return k % self._n

    def cycle_start(self, k: int) -> float:
        """Start time (s) of cycle ``k`` (from 0; negative counts from the end)."""
        return float(self._starts[self._cycle(k)])

    def cycle_end(self, k: int) -> float:
        """End time (s) of cycle ``k``; equals ``cycle_start(k + 1)``."""
        return float(self._starts[self._cycle(k) + 1])

    @property
    def cycle_bounds(self) -> np.ndarray:
        """``(n_cycles, 2)`` array of [start, end] times (s)."""
        return np.stack((self._starts[:-1], self._starts[1:]), axis=1)

    def cycle_index(self, t) -> np.ndarray:
        """Cycle that contains time ``t`` (vectorised): -1 in the cool-down, a cycle's end
        belongs to the next cycle except at ``t_end``."""
        t = self._check_time(t)
        k = np.searchsorted(self._starts, t, side="right") - 1
        return np.minimum(k, self._n - 1)

    # ---- evaluation -------------------------------------------------------------------------

    def _check_time(self, t) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        tol = 1e-9 * max(self.t_end, 1.0)
        if np.any(~np.isfinite(t)) or np.any(t < -tol) or np.any(t > self.t_end + tol):
            raise ValueError(f"time outside the profile [0, {self.t_end}] s")
        return np.clip(t, 0.0, self.t_end)

    def temperature(self, t):
        """Temperature (C) at time(s) ``t`` (s), vectorised; exact at every breakpoint."""
        return np.interp(self._check_time(t), self._times, self._temps)

    def rate(self, t, side: str = "right"):
        """dT/dt (C/s) at time(s) ``t``, vectorised. At a breakpoint ``side="right"`` gives the
        rate of the segment that starts there (the last segment at ``t_end``), ``"left"`` the
        rate of the one that ends there (the first segment at 0)."""
        if side not in ("right", "left"):
            raise ValueError("side must be 'right' or 'left'")
        t = self._check_time(t)
        i = np.searchsorted(self._times, t, side=side) - 1
        return self._slopes[np.clip(i, 0, self._slopes.size - 1)]

    # ---- time stepping ----------------------------------------------------------------------

    def segments(self) -> np.ndarray:
        """``(n, 2)`` array of [start, end] of the intervals between consecutive breakpoints.
        T(t) is linear on each; a time stepper may adapt inside one but must not cross its end."""
        return np.stack((self._times[:-1], self._times[1:]), axis=1)

    def step_plan(self, max_dt: float | None = None, max_dT: float | None = None) -> np.ndarray:
        """Step end times from 0 to ``t_end`` (s), sorted, containing every breakpoint exactly.

        Each breakpoint interval is split into the fewest equal steps such that no step is
        longer than ``max_dt`` (s) nor changes the temperature by more than ``max_dT`` (C);
        ``None`` removes that limit. Steps are ``zip(plan[:-1], plan[1:])``; the steps that end
        on a corner are those with ``np.isin(plan, profile.breakpoints)``.
        """
        bp = self._times
        length = np.diff(bp)
        n = np.ones(length.size, dtype=np.int64)
        if max_dt is not None:
            max_dt = _check_positive(max_dt, "step_plan", "max_dt", "s")
            n = np.maximum(n, np.ceil(length / max_dt * (1.0 - _SPLIT_RTOL)).astype(np.int64))
        if max_dT is not None:
            max_dT = _check_positive(max_dT, "step_plan", "max_dT", "C")
            dT = np.abs(np.diff(self._temps))
            n = np.maximum(n, np.ceil(dT / max_dT * (1.0 - _SPLIT_RTOL)).astype(np.int64))
        seg = np.repeat(np.arange(length.size), n)
        local = np.arange(seg.size) - np.repeat(np.cumsum(n) - n, n)
        steps = bp[seg] + (local / n[seg]) * length[seg]
        return np.concatenate((steps, bp[-1:]))

    # ---- export ---------------------------------------------------------------------------

    def to_spec(self) -> dict[str, Any]:
        """A mapping that :func:`profile_from_spec` turns back into this profile (the resolved
        form a case output records)."""
        spec: dict[str, Any] = {
            "table": np.column_stack((self._cycle_times, self._cycle_temperatures)).tolist(),
            "cycles": self._n,
        }
        if self._cool_down_rate is not None:
            spec["stress_free_temperature"] = self._t_sf
            spec["cool_down_rate"] = self._cool_down_rate
        return spec

    def __repr__(self) -> str:
        return (f"TemperatureProfile({self.name!r}, {self.T_min:g}..{self.T_max:g} C, "
                f"period {self._period:g} s, {self._n} cycles, "
                f"stress-free {self._t_sf:g} C, cool-down {self.cool_down_time:g} s)")


# --------------------------------------------------------------------------------------------
# spec parsing
# --------------------------------------------------------------------------------------------

_COMMON_FIELDS = ("preset", "table", "cycles", "stress_free_temperature", "cool_down_rate")
_PRESET_FIELDS = ("T_min", "T_max", "dwell", "dwell_hot", "dwell_cold", "soak_mode",
                  "ramp_rate", "ramp_time", "start")


def profile_from_spec(
    spec,
    source: str | os.PathLike | None = None,
    *,
    prefix: str = "",
    base_dir: str | os.PathLike | None = None,
) -> TemperatureProfile:
    """Build a :class:`TemperatureProfile` from a preset name, a CSV path or a mapping.

    ``spec`` is
      * a preset name (case-insensitive), e.g. ``"JESD22-A104:G"``, with all its defaults and
        :data:`DEFAULT_CYCLES` cycles, no cool-down;
      * a path ending in ``.csv``: one cycle, see :func:`read_profile_csv`;
      * a mapping with ``preset`` or ``table`` and the fields listed in the module docstring;
      * a :class:`TemperatureProfile`, returned as it is.

    ``source`` names the file the spec came from (for error messages), ``prefix`` the table it
    sits in (``"load"`` makes fields read ``load.cycles``), ``base_dir`` the directory relative
    CSV paths are resolved against (default: the current directory).
    """
    if isinstance(spec, TemperatureProfile):
        return spec
    src = str(source) if source is not None else "<profile>"
    fld = _prefixer(prefix)
    if isinstance(spec, (str, os.PathLike)):
        spec = {"preset": spec} if not _looks_like_csv(spec) else {"table": spec}
    if not isinstance(spec, Mapping):
        raise InputError(src, fld("profile") if not prefix else prefix, spec,
                         "a preset name, a CSV path or a table of fields")
    unknown = [key for key in spec if key not in _COMMON_FIELDS + _PRESET_FIELDS]
    if unknown:
        raise InputError(src, fld(str(unknown[0])), spec[unknown[0]],
                         "a known field: " + ", ".join(_COMMON_FIELDS + _PRESET_FIELDS))
    has_preset = spec.get("preset") is not None
    has_table = spec.get("table") is not None
    if has_preset == has_table:
        raise InputError(src, fld("preset"), spec.get("preset"),
                         "exactly one of 'preset' (a name) or 'table' (rows or a CSV path)")

    common = dict(
        cycles=spec.get("cycles", DEFAULT_CYCLES),
        stress_free_temperature=spec.get("stress_free_temperature"),
        cool_down_rate=spec.get("cool_down_rate"),
    )
    if has_preset:
        tau, temps, name, info = _preset_cycle(spec, src, fld)
        return TemperatureProfile(tau, temps, **common, name=name, info=info, source=src,
                                  prefix=prefix)

    extra = [key for key in _PRESET_FIELDS if key in spec]
    if extra:
        raise InputError(src, fld(extra[0]), spec[extra[0]],
                         "no preset parameter with 'table' (write the cycle into the table)")
    table = spec["table"]
    if isinstance(table, (str, os.PathLike)):
        path = Path(table)
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        rows, lines = _read_csv(path, src, fld("table"))
        # check here so that errors name the file and its line numbers
        _check_cycle(rows, path, lambda i, j: f"line {lines[i]} ({_COLUMNS[j]})")
        return TemperatureProfile(rows[:, 0], rows[:, 1], **common, name=path.name,
                                  info={"table": str(path)}, source=src, prefix=prefix)
    rows = _rows_from_table(table, src, fld("table"))
    return TemperatureProfile(rows[:, 0], rows[:, 1], **common, name="table",
                              info={"table": "inline"}, source=src, prefix=prefix)


def _preset_cycle(spec: Mapping, src: str, fld):
    """Resolve a preset and its overrides into one cycle table."""
    raw = spec["preset"]
    key = str(raw).strip().upper() if isinstance(raw, (str, os.PathLike)) else None
    if key not in _PRESET_LOOKUP:
        raise InputError(src, fld("preset"), raw,
                         "one of " + ", ".join(PRESETS) + " (or a table / .csv file)")
    preset = PRESETS[_PRESET_LOOKUP[key]]

    T_min = preset.T_min if spec.get("T_min") is None else \
        _check_temperature(spec["T_min"], src, fld("T_min"))
    T_max = preset.T_max if spec.get("T_max") is None else \
        _check_temperature(spec["T_max"], src, fld("T_max"))
    if not T_min < T_max:
        field = "T_min" if spec.get("T_min") is not None else "T_max"
        raise InputError(src, fld(field), spec[field], f"T_min < T_max (got {T_min} / {T_max} C)")

    dwell_hot = dwell_cold = preset.dwell
    if spec.get("soak_mode") is not None:
        if preset.family != "JESD22-A104":
            raise InputError(src, fld("soak_mode"), spec["soak_mode"],
                             "soak_mode only with a JESD22-A104 preset (use dwell)")
        clash = [k for k in ("dwell", "dwell_hot", "dwell_cold") if spec.get(k) is not None]
        if clash:
            raise InputError(src, fld(clash[0]), spec[clash[0]],
                             "either soak_mode or dwell / dwell_hot / dwell_cold, not both")
        mode = spec["soak_mode"]
        if isinstance(mode, str) and mode.strip().isdigit():
            mode = int(mode.strip())
        if (isinstance(mode, bool) or not isinstance(mode, numbers.Real)
                or float(mode) not in JEDEC_SOAK_MODES):
            raise InputError(src, fld("soak_mode"), spec["soak_mode"],
                             "soak mode 1, 2, 3 or 4 (1 / 5 / 10 / 15 min)")
        dwell_hot = dwell_cold = JEDEC_SOAK_MODES[int(mode)]
    if spec.get("dwell") is not None:
        dwell_hot = dwell_cold = _check_nonnegative(spec["dwell"], src, fld("dwell"), "s")
    if spec.get("dwell_hot") is not None:
        dwell_hot = _check_nonnegative(spec["dwell_hot"], src, fld("dwell_hot"), "s")
    if spec.get("dwell_cold") is not None:
        dwell_cold = _check_nonnegative(spec["dwell_cold"], src, fld("dwell_cold"), "s")

    span = T_max - T_min
    if spec.get("ramp_rate") is not None and spec.get("ramp_time") is not None:
        raise InputError(src, fld("ramp_time"), spec["ramp_time"],
                         "either ramp_rate or ramp_time, not both")
    if spec.get("ramp_rate") is not None:
        ramp = span / _check_positive(spec["ramp_rate"], src, fld("ramp_rate"), "C/s")
    elif spec.get("ramp_time") is not None:
        ramp = _check_positive(spec["ramp_time"], src, fld("ramp_time"), "s")
    elif preset.ramp_time is not None:
        ramp = preset.ramp_time
    else:
        ramp = span / preset.ramp_rate

    start = spec.get("start", "hot")
    if start not in ("hot", "cold"):
        raise InputError(src, fld("start"), start, "'hot' or 'cold'")
    if start == "hot":
        legs = [(dwell_hot, T_max), (ramp, T_min), (dwell_cold, T_min), (ramp, T_max)]
        first = T_max
    else:
        legs = [(dwell_cold, T_min), (ramp, T_max), (dwell_hot, T_max), (ramp, T_min)]
        first = T_min
    tau, temps, t = [0.0], [first], 0.0
    for duration, T in legs:
        if duration > 0.0:
            t += duration
            tau.append(t)
            temps.append(T)
    info = {
        "preset": preset.name, "T_min": T_min, "T_max": T_max, "dwell_hot": dwell_hot,
        "dwell_cold": dwell_cold, "ramp_time": ramp, "ramp_rate": span / ramp, "start": start,
        "status": preset.status, "source": preset.source, "verified": preset.verified,
    }
    return np.array(tau), np.array(temps), preset.name, info


def read_profile_csv(path, source: str | None = None, field: str = "table") -> np.ndarray:
    """Read one cycle from a CSV file: two columns ``time_s, T_C``, comma-, semicolon- or
    whitespace-separated. Blank lines and lines starting with ``#`` are skipped; the first
    remaining line may be a header of non-numeric names. Returns an ``(n, 2)`` array (not yet
    checked for monotonic time or closure: :class:`TemperatureProfile` does that)."""
    return _read_csv(Path(path), source, field)[0]


def _read_csv(path: Path, source, field):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source if source is not None else path, field, str(path),
                         f"a readable CSV file of time_s, T_C rows ({exc.__class__.__name__})")
    rows: list[list[float]] = []
    lines: list[int] = []
    header_allowed = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        sep = r"\s*[,;]\s*" if re.search(r"[,;]", stripped) else r"\s+"
        cells = re.split(sep, stripped)
        if len(cells) > 1 and cells[-1] == "":
            cells = cells[:-1]  # tolerate a trailing separator
        values = [_float_or_none(c) for c in cells]
        if header_allowed and all(x is None for x in values):
            header_allowed = False
            continue
        header_allowed = False
        if len(cells) != 2 or any(x is None for x in values):
            raise InputError(path, f"line {lineno}", stripped, "two numbers: time_s, T_C")
        rows.append(values)
        lines.append(lineno)
    if len(rows) < 2:
        raise InputError(path, "data rows", len(rows), "at least 2 rows of time_s, T_C")
    return np.array(rows, dtype=float), lines


# --------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------


def _prefixer(prefix: str):
    return (lambda name: f"{prefix}.{name}") if prefix else (lambda name: name)


def _looks_like_csv(spec) -> bool:
    return str(spec).strip().lower().endswith(".csv")


def _float_or_none(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _number(value, src, field, expected="a finite number") -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputError(src, field, value, expected)
    value = float(value)
    if not math.isfinite(value):
        raise InputError(src, field, value, expected)
    return value


def _check_temperature(value, src, field) -> float:
    expected = f"a temperature in C, > {ABSOLUTE_ZERO} and <= {MAX_TEMPERATURE}"
    T = _number(value, src, field, expected)
    if not ABSOLUTE_ZERO < T <= MAX_TEMPERATURE:
        raise InputError(src, field, value, expected)
    return T


def _check_positive(value, src, field, unit) -> float:
    x = _number(value, src, field, f"a number > 0 ({unit})")
    if not x > 0.0:
        raise InputError(src, field, value, f"a number > 0 ({unit})")
    return x


def _check_nonnegative(value, src, field, unit) -> float:
    x = _number(value, src, field, f"a number >= 0 ({unit})")
    if x < 0.0:
        raise InputError(src, field, value, f"a number >= 0 ({unit})")
    return x


def _check_cycles(value, src, field) -> int:
    expected = "an integer >= 1"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputError(src, field, value, expected)
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif math.isfinite(value) and float(value).is_integer():
        n = int(value)
    else:
        raise InputError(src, field, value, expected)
    if n < 1:
        raise InputError(src, field, value, expected)
    return n


def _rows_from_table(table, src, field) -> np.ndarray:
    """Check an inline table (sequence of [time_s, T_C] rows) and return an (n, 2) array."""
    if isinstance(table, np.ndarray):
        table = table.tolist()
    if isinstance(table, (str, bytes, Mapping)) or not hasattr(table, "__len__"):
        raise InputError(src, field, table, "a list of [time_s, T_C] rows")
    rows = []
    for i, row in enumerate(table):
        if isinstance(row, (str, bytes, Mapping)) or not hasattr(row, "__len__") or len(row) != 2:
            raise InputError(src, f"{field}[{i}]", row, "a row [time_s, T_C]")
        rows.append([_number(row[j], src, f"{field}[{i}][{j}]",
                             f"a finite number ({_COLUMNS[j]})")
                     for j in (0, 1)])
    if len(rows) < 2:
        raise InputError(src, field, table, "at least 2 rows [time_s, T_C]")
    return np.array(rows, dtype=float)


def _rows_from_columns(times, temps, src, field) -> np.ndarray:
    times = np.asarray(times, dtype=object).ravel().tolist()
    temps = np.asarray(temps, dtype=object).ravel().tolist()
    if len(times) != len(temps):
        raise InputError(src, field, f"{len(times)} times, {len(temps)} temperatures",
                         "as many times as temperatures")
    return _rows_from_table([[a, b] for a, b in zip(times, temps)], src, field)


_COLUMNS = ("time_s", "T_C")


def _check_cycle(rows: np.ndarray, src, name):
    """Monotonic time, sane temperatures, closure. ``name(i, j)`` is the field name of row i,
    column j. Returns (times from the first row, temperatures with the last = the first)."""
    if isinstance(name, str):
        field = name
        name = lambda i, j: f"{field}[{i}][{j}]"  # noqa: E731
    t, T = rows[:, 0], rows[:, 1]
    bad = np.flatnonzero(np.diff(t) <= 0.0)
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(src, name(i, 0), float(t[i]),
                         f"a time > {t[i - 1]:g} s (the row before): times must increase strictly")
    for i, value in enumerate(T):
        _check_temperature(float(value), src, name(i, 1))
    scale = max(1.0, abs(T[0]), abs(T[-1]))
    if abs(T[-1] - T[0]) > _CLOSE_RTOL * scale:
        n = len(T) - 1
        raise InputError(src, name(n, 1), float(T[-1]),
                         f"{T[0]:g} C = the first row's temperature (a cycle must close; "
                         "add a closing row)")
    tau = t - t[0]
    temps = T.copy()
    temps[-1] = temps[0]
    return tau, temps
