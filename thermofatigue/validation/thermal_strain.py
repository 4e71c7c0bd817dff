"""Thermal strain of silicon over a temperature cycle, from its temperature-dependent CTE.

The CTE of silicon roughly doubles between -55 and 217 C (Y. Okada & Y. Tokumaru, "Precise
determination of lattice parameter and thermal expansion coefficient of silicon between 300
and 1500 K", J. Appl. Phys. 56(2):314-320, 1984)::

    alpha(T) = { a1 [1 - exp(-a2 (T - T1))] + a3 T } 1e-6 /K,      T in K

so the free thermal strain is its integral, in closed form::

    eps_th(T; T_ref) = F(T) - F(T_ref),
    F(T) = { a1 [T + exp(-a2 (T - T1)) / a2] + a3 T^2 / 2 } 1e-6

The library stores ``alpha`` as an *instantaneous* table every 10 C; a data sheet gives a
*secant* (mean) CTE from a reference temperature ``T0`` instead,
``alpha_sec(T) = (F(T) - F(T0)) / (T - T0)``, whose thermal strain is
``alpha_sec(T) (T - T0) - alpha_sec(T_ref) (T_ref - T0)``. Both readings of the same
expansion must give the same strain: here a free silicon block, solved by the FE core with
each, expands by ``eps_th`` at the cycle extremes.
"""

from __future__ import annotations

import numpy as np

from .free_expansion import solve_free_body
from .registry import Measurement, case_type

KELVIN = 273.15


def okada_tokumaru_strain(T, T_ref, c: dict) -> np.ndarray:
    """``int_{T_ref}^{T} alpha(T') dT'`` of the Okada-Tokumaru CTE (temperatures in C)."""
    def F(t):
        tk = np.asarray(t, dtype=float) + KELVIN
        return 1e-6 * (c["a1"] * (tk + np.exp(-c["a2"] * (tk - c["T1"])) / c["a2"])
                       + 0.5 * c["a3"] * tk ** 2)
    return F(T) - F(T_ref)


def okada_tokumaru_cte(T, c: dict) -> np.ndarray:
    """``alpha(T)`` (1/K) of the Okada-Tokumaru formula, ``T`` in C."""
    tk = np.asarray(T, dtype=float) + KELVIN
    return 1e-6 * (c["a1"] * (1.0 - np.exp(-c["a2"] * (tk - c["T1"]))) + c["a3"] * tk)


def secant_table(c: dict, T0: float, temperatures) -> dict:
    """An inline secant-CTE property (ppm/K) of the formula, measured from ``T0``."""
    T = np.asarray(temperatures, dtype=float)
    away = np.abs(T - T0) > 1e-9
    alpha = np.where(away, okada_tokumaru_strain(T, T0, c) / np.where(away, T - T0, 1.0),
                     okada_tokumaru_cte(T0, c))
    return {"kind": "secant", "reference_temperature": T0, "unit": "ppm/K",
            "T": T.tolist(), "value": (alpha * 1e6).tolist(),
            "source": "computed from Okada & Tokumaru 1984 (validation case)", "status": "[C]"}


def expansion(inputs: dict, material, T: float, level: dict, progress) -> float:
    """``du_x/dx`` of the free block of ``material`` at ``T`` (a 3D FE solve)."""
    case = inputs | {"material": material, "temperature": T}
    model, u, _, _ = solve_free_body(case, "3d", level)
    x = model.disc.node_coordinates
    slope = float(np.polyfit(x[:, 0], model.disc.nodal_values(u)[:, 0], 1)[0])
    if progress:
        progress(f"  T = {T:g} C: du_x/dx = {slope:.9e}")
    return slope


@case_type("thermal_strain_cycle")
def silicon_cte_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Free expansion of the library silicon (instantaneous table) and of the same expansion
    given as a secant table, at the cycle's extremes and over its range, against the
    integrated formula."""
    inputs = spec["inputs"]
    c = inputs["okada_tokumaru"]
    T_ref = inputs["stress_free_temperature"]
    T_low, T_high = inputs["cycle"]
    grid = np.arange(inputs["table_range"][0], inputs["table_range"][1] + 1e-9,
                     inputs["table_step"])
    secant = {"base": inputs["material"],     # an inline material, as a case file gives one
              "cte": secant_table(c, inputs["secant_reference_temperature"], grid)}
    out = []
    for label, material in (("instantaneous (library)", inputs["material"]),
                            ("secant table", secant)):
        strain = {T: expansion(inputs, material, T, level, progress) for T in (T_low, T_high)}
        for T in (T_low, T_high):
            out.append(Measurement(f"eps_th at {T:g} C, {label}", strain[T],
                                   float(okada_tokumaru_strain(T, T_ref, c)), "thermal_strain"))
        out.append(Measurement(f"eps_th range {T_low:g}..{T_high:g} C, {label}",
                               strain[T_high] - strain[T_low],
                               float(okada_tokumaru_strain(T_high, T_low, c)), "thermal_strain"))
    return out
