"""Norton and Garofalo creep under a constant stress: the creep rate equals the law.

Steady-state creep laws without internal variables (power law, F.H. Norton, The Creep of
Steel at High Temperatures, McGraw-Hill 1929; hyperbolic sine, F. Garofalo, "An empirical
relation defining the stress dependence of minimum creep rate in metals", Trans. Metall. Soc.
AIME 227:351-356, 1963), with von Mises flow (normality)::

    Norton:    d eps_cr / dt = A (sigma / sigma_ref)^n exp(-Q_over_R / T)
    Garofalo:  d eps_cr / dt = C1 sinh(C2 sigma)^C3 exp(-C4 / T)            (T in K)
    d eps_cr_ij / dt = 3/2 (d eps_cr / dt) s_ij / sigma     (s deviatoric, sigma von Mises)

Under a stress held constant the backward-Euler step is exact (the rate does not change over
the step), so the model's equivalent creep-strain increment over ``dt`` must equal the law
times ``dt`` to the driver's solver tolerance. The laws are written out here independently
of :mod:`thermofatigue.materials.norton` and :mod:`thermofatigue.materials.garofalo`.
"""

from __future__ import annotations

import numpy as np

from ..materials import get_material
from .material_point import ALL, isothermal_model, mixed_step
from .registry import Measurement, case_type


def law_rate(law: str, c: dict, sigma, T) -> np.ndarray:
    """Equivalent creep strain rate (1/s) of ``law`` at von Mises stress ``sigma`` and ``T``
    (C)."""
    T_K = np.asarray(T, dtype=float) + 273.15
    sigma = np.asarray(sigma, dtype=float)
    if law == "norton":
        return c["A"] * (sigma / c["sigma_ref"]) ** c["n"] * np.exp(-c["Q_over_R"] / T_K)
    return c["C1"] * np.sinh(c["C2"] * sigma) ** c["C3"] * np.exp(-c["C4"] / T_K)


def von_mises_and_deviator(stress):
    """``(sigma_vm, s)`` of Voigt stresses ``(..., 6)``."""
    s = np.array(stress, dtype=float)
    s[..., :3] -= s[..., :3].mean(axis=-1, keepdims=True)
    q = np.sqrt(1.5 * (np.sum(s[..., :3] ** 2, -1) + 2.0 * np.sum(s[..., 3:] ** 2, -1)))
    return q, s


@case_type("steady_creep")
def steady_creep_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Every stress state at every temperature held for ``level.steps`` steps of about
    ``level.creep_per_step`` creep strain: the equivalent creep rate of the last step against
    the law, and the creep strain-rate tensor against normality."""
    inputs = spec["inputs"]
    law = inputs["law"]
    constants = get_material(inputs["material"], field="inputs.material").parameters(law)
    model = isothermal_model(inputs["material"], law)
    names = list(inputs["stress_states"])
    stresses = np.array([inputs["stress_states"][k] for k in names], dtype=float)
    temperatures = np.array(inputs["temperatures"], dtype=float)
    target = np.repeat(stresses[:, None, :], len(temperatures), axis=1)      # (state, T, 6)
    T = np.broadcast_to(temperatures, target.shape[:2]).copy()
    q, s = von_mises_and_deviator(target)
    rate = law_rate(law, constants, q, T)
    dt = level["creep_per_step"] / rate
    state = model.initial_state(T.shape)
    _, state, d_eps = mixed_step(model, np.zeros(target.shape), target, ALL, T, 0.0, state)
    for _ in range(level["steps"]):
        previous = state
        _, state, d_eps = mixed_step(model, d_eps, target, ALL, T, dt, state)
    creep_rate = (state["equivalent_inelastic_strain"]
                  - previous["equivalent_inelastic_strain"]) / dt
    tensor_rate = (state["inelastic_strain"] - previous["inelastic_strain"]) / dt[..., None]
    normal = 1.5 * s / q[..., None] * np.array([1, 1, 1, 2, 2, 2])   # engineering shears
    normality = (np.abs(tensor_rate - rate[..., None] * normal).max(axis=-1) / rate).max()
    if progress:
        progress(f"  {law}: rates {np.array2string(creep_rate.ravel(), precision=4)} 1/s")
    out = [Measurement(f"creep rate, {names[i]} ({q[i, j]:.4g} MPa), {T[i, j]:g} C",
                       creep_rate[i, j], rate[i, j], "rate")
           for i in range(len(names)) for j in range(len(temperatures))]
    out.append(Measurement("max |rate tensor - 3/2 rate s / sigma| / rate", normality, 0.0,
                           "normality"))
    return out
