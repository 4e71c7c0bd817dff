"""Engelmaier closed-form life estimate from geometry, materials and profile alone (no FE).

The spreadsheet engineers already use, per joint of the full ball array:

    d_gamma = F * DNP * |alpha_board - alpha_component| * dT / h
    c       = c0 + c1 * T_mean + c2 * ln(1 + 360 / t_D)
    N_f     = 0.5 * (d_gamma / (2 eps_f))**(1/c)

(Engelmaier, IEEE Trans. CHMT 6(3), 1983; IPC-D-279, 1996; see
:mod:`thermofatigue.fatigue.laws`). Inputs, all from the package spec, the material library and
the temperature profile:

* DNP: distance of each joint from the package centre (array pitch, rows, columns);
* h: the solder stand-off between the die-side and board-side pads (truncated-sphere shape of
  the spec's ball);
* alpha: in-plane CTE of the component (silicon) and of the board (FR-4), each taken at the
  cycle's mean temperature from the material library;
* dT = T_max - T_min, T_mean = (T_max + T_min) / 2 and t_D = the half-cycle dwell, the mean of
  the hot and cold dwells in minutes (time spent at the extremes in one cycle of the profile);
* F, eps_f, c0, c1, c2: the solder's Engelmaier constant set (:mod:`thermofatigue.fatigue.constants`).

The model treats the joint as a shear spring between a rigid component and a rigid board: no
bending, no underfill, no interface layer. It is a screening number to put beside the FE life,
not a replacement for it (George, Osterman, Pecht, Microelectron. Reliab. 55:582, 2015 review
its dwell and temperature terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .fatigue.constants import ConstantSet, constant_warnings, get_constants
from .fatigue.laws import engelmaier_exponent, engelmaier_life, engelmaier_shear_strain

__all__ = ["EstimateResult", "estimate", "cycle_parameters"]

_FLAT_TOL = 1e-9  # C: a segment is a dwell when both ends sit at the extreme within this


@dataclass(frozen=True)
class EstimateResult:
    """Per-joint Engelmaier estimate (numpy arrays in joint-id order) and the inputs used.

    ``joint_id``, ``row``, ``column`` (int); ``x``, ``y``, ``dnp`` (mm); ``d_gamma`` (shear
    strain range); ``life`` (cycles, N_f 50 %). ``inputs``: every number the estimate used.
    """

    joint_id: np.ndarray
    row: np.ndarray
    column: np.ndarray
    x: np.ndarray
    y: np.ndarray
    dnp: np.ndarray
    d_gamma: np.ndarray
    life: np.ndarray
    inputs: dict
    constants: ConstantSet
    warnings: tuple = field(default=())

    @property
    def n_engelmaier(self) -> np.ndarray:
        """Alias of ``life`` (the column name of a run's joint table)."""
        return self.life

    @property
    def critical_index(self) -> int:
        """Index of the joint with the shortest life (the lowest id among equals)."""
        return int(np.argmin(self.life))

    def order(self) -> np.ndarray:
        """Joint indices sorted by life, shortest first (ties by joint id)."""
        return np.lexsort((self.joint_id, self.life))

    def format_table(self, max_rows: int | None = None) -> str:
        """The estimate as text: header with the inputs, per-joint table sorted by life
        (critical joint first), the critical joint, the constants and their warnings."""
        p = self.inputs
        lines = [
            f"Engelmaier closed-form estimate (IPC-D-279 form, no FE): {p['package']}, "
            f"{p['profile']}, solder {p['solder']}",
            f"dT = {p['delta_T']:g} C, T_mean = {p['mean_temperature_C']:g} C, half-cycle dwell "
            f"{p['half_cycle_dwell_minutes']:g} min, joint height {p['joint_height']:.4g} mm, "
            f"CTE {p['component_material']} {p['alpha_component'] * 1e6:.3g} / "
            f"{p['board_material']} {p['alpha_board'] * 1e6:.3g} ppm/K, F = {p['F']:g}",
            f"{'joint':>6} {'row':>4} {'col':>4} {'dnp mm':>8} {'d_gamma':>10} {'N_engelmaier':>13}",
        ]
        order = self.order()
        shown = order if max_rows is None else order[:max_rows]
        for i in shown:
            lines.append(f"{self.joint_id[i]:>6d} {self.row[i]:>4d} {self.column[i]:>4d} "
                         f"{self.dnp[i]:>8.4f} {self.d_gamma[i]:>10.4e} {self.life[i]:>13.4g}")
        if len(shown) < len(order):
            lines.append(f"... {len(order) - len(shown)} more joints")
        c = self.critical_index
        lines.append(f"critical joint: {self.joint_id[c]} (row {self.row[c]}, column "
                     f"{self.column[c]}, dnp {self.dnp[c]:.3f} mm): N_engelmaier = "
                     f"{self.life[c]:.4g} cycles")
        lines.append(f"constants: {self.constants.describe()}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def cycle_parameters(profile) -> dict:
    """``T_min``, ``T_max``, ``delta_T``, ``mean_temperature_C`` (C) and the hot, cold and
    half-cycle dwells (minutes) of one cycle of a :class:`~thermofatigue.loads.TemperatureProfile`.
    A dwell is the total time of the cycle's segments held at an extreme."""
    times = np.asarray(profile.cycle_times, dtype=float)
    temps = np.asarray(profile.cycle_temperatures, dtype=float)
    t_min, t_max = float(temps.min()), float(temps.max())
    durations = np.diff(times)
    start, end = temps[:-1], temps[1:]

    def held_at(level):
        flat = (np.abs(start - level) <= _FLAT_TOL) & (np.abs(end - level) <= _FLAT_TOL)
        return float(durations[flat].sum()) / 60.0

    hot, cold = held_at(t_max), held_at(t_min)
    return {"T_min": t_min, "T_max": t_max, "delta_T": t_max - t_min,
            "mean_temperature_C": 0.5 * (t_min + t_max), "dwell_hot_minutes": hot,
            "dwell_cold_minutes": cold, "half_cycle_dwell_minutes": 0.5 * (hot + cold)}


def estimate(spec, profile="JESD22-A104:G", solder: str = "sac305", *, constants=None,
             component_material: str = "silicon", board_material: str = "fr4",
             source: str = "<estimate>") -> EstimateResult:
    """Engelmaier estimate for every joint of a package.

    Parameters
    ----------
    spec : a :class:`~thermofatigue.geometry.PackageSpec`, a spec TOML path or a mapping.
    profile : a :class:`~thermofatigue.loads.TemperatureProfile`, a preset name (default
        ``"JESD22-A104:G"``), a CSV path or a ``[load]``-style mapping.
    solder : solder of the joints (selects the Engelmaier constant set).
    constants : the ``engelmaier`` constants: a set name or a user table (see
        :func:`~thermofatigue.fatigue.constants.get_constants`).
    component_material, board_material : library materials for the two CTEs.
    source : name used in error messages.

    Raises
    ------
    InputError
        For a bad spec, profile, material or constants, or a profile without dwells at its
        extremes.
    """
    from .errors import InputError
    from .geometry import load_spec
    from .loads import profile_from_spec

    spec = load_spec(spec)
    profile = profile_from_spec(profile)
    cycle = cycle_parameters(profile)
    if cycle["half_cycle_dwell_minutes"] <= 0.0:
        raise InputError(source, "load", getattr(profile, "name", "profile"),
                         "a cycle with dwells at its extremes (Engelmaier's ln(1 + 360/t_D))")
    cs = get_constants("engelmaier", solder, overrides=constants, source=source,
                       field="fatigue.constants.engelmaier")
    k = cs.values
    alpha_component = _in_plane_cte(component_material, cycle["mean_temperature_C"], source)
    alpha_board = _in_plane_cte(board_material, cycle["mean_temperature_C"], source)

    joints = spec.array.joints()
    joint_id = np.array([j.id for j in joints], dtype=int)
    x = np.array([j.x for j in joints], dtype=float)
    y = np.array([j.y for j in joints], dtype=float)
    dnp = np.hypot(x, y)
    height = float(spec.ball.shape.height)
    d_gamma = engelmaier_shear_strain(k["F"], dnp, height, alpha_board - alpha_component,
                                      cycle["delta_T"])
    life = engelmaier_life(d_gamma, cycle["mean_temperature_C"],
                           cycle["half_cycle_dwell_minutes"], eps_f=k["eps_f"], c0=k["c0"],
                           c1=k["c1"], c2=k["c2"])
    inputs = {
        "package": spec.name, "family": spec.family,
        "profile": getattr(profile, "name", "profile"), "solder": cs.solder, **cycle,
        "joint_height": height, "component_material": component_material,
        "board_material": board_material, "alpha_component": alpha_component,
        "alpha_board": alpha_board, "F": k["F"], "eps_f": k["eps_f"],
        "exponent_c": float(engelmaier_exponent(cycle["mean_temperature_C"],
                                                cycle["half_cycle_dwell_minutes"],
                                                k["c0"], k["c1"], k["c2"])),
        "model": "Engelmaier closed form (IPC-D-279)",
    }
    warnings = constant_warnings(cs) + _family_warnings(spec)
    return EstimateResult(
        joint_id=joint_id,
        row=np.array([j.row for j in joints], dtype=int),
        column=np.array([j.column for j in joints], dtype=int),
        x=x, y=y, dnp=dnp, d_gamma=d_gamma, life=np.asarray(life, dtype=float),
        inputs=inputs, constants=cs, warnings=tuple(warnings),
    )


def _in_plane_cte(name: str, temperature: float, source: str) -> float:
    """In-plane CTE (1/K) of a library material at ``temperature``: ``cte`` of an isotropic or
    cubic material, the mean of ``cte1`` and ``cte2`` of an orthotropic one."""
    from .materials import get_material

    material = get_material(name, source=source, field=f"estimate.{name}")
    props = material.properties
    if "cte" in props:
        return float(props["cte"](temperature))
    return float(0.5 * (props["cte1"](temperature) + props["cte2"](temperature)))


def _family_warnings(spec) -> list[str]:
    notes = []
    if spec.underfill is not None:
        notes.append("the package is underfilled: Engelmaier's free-joint shear model does not "
                     "apply (underfill carries the mismatch); compare with the FE result only")
    if spec.family == "fan_out":
        notes.append("fan-out package: the component CTE is that of the die; the mold body "
                     "expands more, so the estimate overstates the mismatch")
    if spec.family == "cu_post_wlcsp":
        notes.append("Cu-post WLCSP: the joint height is the solder alone; the post's compliance "
                     "is not counted")
    return notes
