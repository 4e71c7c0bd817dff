"""Fatigue life of solder joints from the per-joint quantities of a cycling run.

Data flow: per-joint arrays (:class:`FatigueInputs`) in, lives per law (:class:`LifeResult`)
out. Nothing here imports the finite-element core; the laws are the pure functions of
:mod:`.laws`, the cited constants come from :mod:`.constants`, and :mod:`.stabilise` picks the
stabilised cycle. docs/fatigue.md explains each law and the constants' status.

Registry (:data:`LAWS`): which FE quantity feeds each law.

==============  =====================================  =====================================
law             per-joint input                        equation
==============  =====================================  =====================================
darveaux        dW_interface, crack_length             N0 + a / (da/dN), Darveaux 2000/2002
syed_energy     dW_interface                           (C' W)^-1, Syed 2004
syed_strain     creep_strain_per_cycle                 (C eps_acc)^-1, Syed 2004
coffin_manson   d_eps_in                               0.5 (d_eps/(2 eps_f))^(1/c)
morrow          dW_joint                               (dW / W_f)^(1/m), Morrow 1965
engelmaier      d_eps_in (as d_gamma = sqrt(3) d_eps)  Engelmaier-Wild, IPC-D-279 dwell form
==============  =====================================  =====================================

:data:`PRIMARY_LAW` (``"darveaux"``) decides the critical joint unless a case names another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from ..errors import InputError
from . import laws
from . import laws as _f  # the law functions (``laws`` is also predict_life's argument)
from .constants import (
    LAW_CONSTANTS,
    LAYER_SENSITIVE_LAWS,
    ConstantSet,
    available_sets,
    constant_warnings,
    get_constants,
)
from .stabilise import (
    DEFAULT_TOLERANCE,
    Stabilisation,
    extrapolate_stabilised,
    extrapolate_stabilised_all,
    stabilised_cycle,
)

__all__ = [
    "FatigueInputs",
    "LifeResult",
    "Law",
    "LAWS",
    "PRIMARY_LAW",
    "predict_life",
    "default_laws",
    "failing_interface",
    "acceleration_factor",
    "ConstantSet",
    "get_constants",
    "constant_warnings",
    "available_sets",
    "Stabilisation",
    "stabilised_cycle",
    "extrapolate_stabilised",
    "extrapolate_stabilised_all",
    "DEFAULT_TOLERANCE",
    "laws",
]

PRIMARY_LAW = "darveaux"
"""Law that decides the critical joint by default."""

SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class FatigueInputs:
    """Per-joint inputs, numpy arrays of equal length (one entry per joint).

    ``dW_interface``: inelastic work density per stabilised cycle averaged over the failing
    interface layer (MPa); ``crack_length``: pad/UBM diameter at that interface (mm);
    ``d_eps_in``: equivalent inelastic strain range per cycle; ``creep_strain_per_cycle``:
    equivalent inelastic (creep) strain accumulated per cycle; ``dW_joint``: inelastic work
    density per cycle averaged over the whole joint (MPa). NaN marks a value not available;
    a single value is repeated for every joint.
    """

    dW_interface: np.ndarray
    crack_length: np.ndarray
    d_eps_in: np.ndarray
    creep_strain_per_cycle: np.ndarray
    dW_joint: np.ndarray

    def __post_init__(self):
        arrays = {name: np.atleast_1d(np.asarray(getattr(self, name), dtype=float))
                  for name in self.__dataclass_fields__}
        sizes = {a.size for a in arrays.values() if a.ndim == 1}
        n = max(sizes) if sizes else 0
        for name, array in arrays.items():
            if array.ndim != 1 or array.size not in (1, n):
                raise ValueError(f"FatigueInputs.{name}: shape {array.shape}, expected ({n},) "
                                 "or one value for every joint")
            object.__setattr__(self, name, np.broadcast_to(array, (n,)).copy())

    @property
    def n_joints(self) -> int:
        return self.dW_interface.size


@dataclass(frozen=True)
class Law:
    """A registered law: the :class:`FatigueInputs` fields it reads and how to evaluate it
    (``evaluate(inputs, constant_values, cycle) -> cycles``)."""

    name: str
    inputs: tuple[str, ...]
    equation: str
    evaluate: Callable = field(repr=False)
    needs_cycle: bool = False

    @property
    def uses_interface_layer(self) -> bool:
        return self.name in LAYER_SENSITIVE_LAWS


def _engelmaier_fe(x: FatigueInputs, k: Mapping, cycle: Mapping) -> np.ndarray:
    return _f.engelmaier_life(SQRT3 * x.d_eps_in, cycle["mean_temperature_C"],
                                cycle["half_cycle_dwell_minutes"], eps_f=k["eps_f"],
                                c0=k["c0"], c1=k["c1"], c2=k["c2"])


LAWS: dict[str, Law] = {
    "darveaux": Law("darveaux", ("dW_interface", "crack_length"), "N = K1 dW^K2 + a / (K3 dW^K4)",
                    lambda x, k, _: _f.darveaux_life(x.dW_interface, x.crack_length,
                                                       k["K1"], k["K2"], k["K3"], k["K4"])),
    "syed_energy": Law("syed_energy", ("dW_interface",), "N = (C' W_acc)^-1",
                       lambda x, k, _: _f.syed_energy_life(x.dW_interface, k["C"])),
    "syed_strain": Law("syed_strain", ("creep_strain_per_cycle",), "N = (C eps_acc)^-1",
                       lambda x, k, _: _f.syed_creep_strain_life(x.creep_strain_per_cycle,
                                                                   k["C"])),
    "coffin_manson": Law("coffin_manson", ("d_eps_in",), "d_eps_in / 2 = eps_f (2N)^c",
                         lambda x, k, _: _f.coffin_manson_life(x.d_eps_in, k["eps_f"], k["c"])),
    "morrow": Law("morrow", ("dW_joint",), "dW = W_f N^m",
                  lambda x, k, _: _f.morrow_energy_life(x.dW_joint, k["W_f"], k["m"])),
    "engelmaier": Law("engelmaier", ("d_eps_in",),
                      "N = 0.5 (d_gamma / (2 eps_f))^(1/c), d_gamma = sqrt(3) d_eps_in",
                      _engelmaier_fe, needs_cycle=True),
}
"""The per-joint laws :func:`predict_life` evaluates."""


@dataclass(frozen=True)
class LifeResult:
    """Lives per law (cycles, one entry per joint), the constants used and the warnings a run
    should print. Plain data: picklable."""

    lives: dict
    constants: dict
    warnings: tuple = ()
    inputs_used: dict = field(default_factory=dict)
    primary_law: str = PRIMARY_LAW

    @property
    def laws(self) -> tuple[str, ...]:
        return tuple(self.lives)

    def critical_index(self, law: str | None = None) -> int:
        """Index of the joint with the shortest life under ``law`` (default: the primary)."""
        life = self.lives[law or self.primary_law]
        if life.size == 0 or np.all(np.isnan(life)):
            raise ValueError(f"no finite {law or self.primary_law} life to rank")
        return int(np.nanargmin(life))

    def scaled(self, factor: float) -> "LifeResult":
        """Every life multiplied by ``factor`` (e.g. a Norris-Landzberg acceleration factor,
        test cycles -> field cycles)."""
        return LifeResult({k: v * factor for k, v in self.lives.items()}, dict(self.constants),
                          self.warnings, dict(self.inputs_used), self.primary_law)


def failing_interface(dW_die, dW_board, crack_length_die, crack_length_board):
    """Per joint, the interface whose layer dissipates more inelastic work per cycle.

    Returns ``(dW_interface, crack_length, side)``: the larger of the die-side and board-side
    layer averages (MPa), the pad/UBM diameter at that side (mm), and ``side`` as an array of
    ``"die"`` / ``"board"`` (ties: ``"die"``). A larger layer energy is the usual criterion of
    Darveaux-type analyses (the crack grows through the layer that dissipates most).
    """
    die = np.asarray(dW_die, dtype=float)
    board = np.asarray(dW_board, dtype=float)
    on_board = board > die
    dW = np.where(on_board, board, die)
    a = np.where(on_board, np.asarray(crack_length_board, dtype=float),
                 np.asarray(crack_length_die, dtype=float))
    return dW, a, np.where(on_board, "board", "die")


def default_laws(solder: str) -> list[str]:
    """Registered laws that have shipped constants for ``solder``, primary law first."""
    have = {row["law"] for row in available_sets(solder=solder) if row["default"]}
    ordered = [PRIMARY_LAW] + [name for name in LAWS if name != PRIMARY_LAW]
    return [name for name in ordered if name in have]


def predict_life(inputs: FatigueInputs, laws: list[str], solder: str,
                 constants: dict | None = None, interface_layer: float | None = None,
                 source: str = "<case>", *, mean_temperature_C: float | None = None,
                 half_cycle_dwell_minutes: float | None = None,
                 primary_law: str | None = None) -> LifeResult:
    """Lives of every joint by each law in ``laws``.

    Parameters
    ----------
    inputs : per-joint :class:`FatigueInputs`.
    laws : names from :data:`LAWS`.
    solder : solder of the joints (``"sac305"``, ``"sac405"``, ``"sn63pb37"``).
    constants : the case's ``[fatigue.constants]`` table: law -> a shipped set name or a table
        of user constants (see :func:`~thermofatigue.fatigue.constants.get_constants`).
    interface_layer : thickness (mm) of the layer ``dW_interface`` was averaged over; compared
        with the calibration layer of the constants (a warning when they differ).
    source : file named in errors.
    mean_temperature_C, half_cycle_dwell_minutes : the cycle's mean temperature (C) and
        half-cycle dwell (min), needed by ``engelmaier``.
    primary_law : law deciding the critical joint (default :data:`PRIMARY_LAW` when
        requested, else the first law).

    Raises
    ------
    InputError
        For an unknown law, a law without constants for the solder, bad user constants, or
        Engelmaier without the cycle.
    """
    names = _check_laws(laws, source)
    constants = _check_constants_table(constants, source)
    cycle = {"mean_temperature_C": mean_temperature_C,
             "half_cycle_dwell_minutes": half_cycle_dwell_minutes}
    lives, used, inputs_used, warnings = {}, {}, {}, []
    for name in names:
        law = LAWS[name]
        if law.needs_cycle:
            _check_cycle(cycle, name, source)
        cs = get_constants(name, solder, overrides=constants.get(name), source=source)
        lives[name] = np.asarray(law.evaluate(inputs, cs.values, cycle), dtype=float)
        used[name] = cs
        inputs_used[name] = law.inputs
        warnings.extend(constant_warnings(cs, interface_layer if law.uses_interface_layer else None))
    primary = primary_law or (PRIMARY_LAW if PRIMARY_LAW in names else names[0])
    if primary not in names:
        raise InputError(source, "fatigue.primary_law", primary, "one of the laws: " + ", ".join(names))
    return LifeResult(lives, used, tuple(warnings), inputs_used, primary)


def acceleration_factor(solder: str, dT_test: float, dT_field: float, f_test: float,
                        f_field: float, T_max_test_C: float, T_max_field_C: float,
                        constants=None, source: str = "<case>", *,
                        dwell_test_minutes: float | None = None,
                        dwell_field_minutes: float | None = None) -> tuple[float, ConstantSet]:
    """Norris-Landzberg ``AF = N_field / N_test`` with the solder's constants (see
    :func:`~thermofatigue.fatigue.laws.norris_landzberg_acceleration`) and the set used.

    ``f_test``, ``f_field``: cycle frequencies (any common unit). Sets whose exponent m applies
    to the hot dwell (``rate_term = "hot_dwell"``, e.g. Pan et al. 2005 for SAC) use
    ``dwell_test_minutes`` and ``dwell_field_minutes`` instead (f = 1/dwell) and raise
    :class:`InputError` without them. ``constants``: a set name or user table for
    ``norris_landzberg``.
    """
    cs = get_constants("norris_landzberg", solder, overrides=constants, source=source)
    if cs.rate_term == "hot_dwell":
        for name, value in (("test", dwell_test_minutes), ("field", dwell_field_minutes)):
            if value is None or not value > 0.0:
                raise InputError(source, f"fatigue.field.dwell_{name}", value,
                                 f"the {name} hot dwell in minutes (> 0): the '{cs.name}' "
                                 "Norris-Landzberg constants scale with the hot-dwell time")
        f_test, f_field = 1.0 / dwell_test_minutes, 1.0 / dwell_field_minutes
    k = cs.values
    af = _f.norris_landzberg_acceleration(dT_test, dT_field, f_test, f_field, T_max_test_C,
                                          T_max_field_C, k["n"], k["m"], k["Ea_over_k"])
    return float(af), cs


def _check_laws(names, source) -> list[str]:
    if isinstance(names, str):
        names = [names]
    names = list(names or [])
    if not names:
        raise InputError(source, "fatigue.laws", names, "at least one of " + ", ".join(LAWS))
    for name in names:
        if name not in LAWS:
            hint = " (Norris-Landzberg is an acceleration factor, not a per-joint law)" \
                if name == "norris_landzberg" else ""
            raise InputError(source, "fatigue.laws", name, "one of " + ", ".join(LAWS) + hint)
    return list(dict.fromkeys(names))


def _check_constants_table(constants, source) -> dict:
    if constants is None:
        return {}
    if not isinstance(constants, Mapping):
        raise InputError(source, "fatigue.constants", constants, "a table: law -> constants")
    for key in constants:
        if key not in LAW_CONSTANTS:
            raise InputError(source, f"fatigue.constants.{key}", constants[key],
                             "a table named after a law: " + ", ".join(LAW_CONSTANTS))
    return dict(constants)


def _check_cycle(cycle, name, source) -> None:
    for key, value in cycle.items():
        if value is None:
            raise InputError(source, "fatigue.laws", name,
                             f"{name} needs the cycle's {key} (given by the run from its profile)")
    if not cycle["half_cycle_dwell_minutes"] > 0.0:
        raise InputError(source, "load.dwell", cycle["half_cycle_dwell_minutes"],
                         f"a dwell > 0 min at the extremes for {name} (ln(1 + 360/t_D))")
