"""Anand solder model against its closed forms: the saturation stress and the transient.

Anand's flow and evolution equations (L. Anand, "Constitutive equations for hot-working of
metals", Int. J. Plasticity 1(3):213-231, 1985; solder form of G.Z. Wang, Z.N. Cheng, K. Becker
& J. Wilde, J. Electron. Packag. 123(3):247-253, 2001)::

    d eps_in / dt = A exp(-Q/(R T)) sinh(xi sigma / s)^(1/m)
    d s / d eps_in = h0 (1 - s / s*)^a,      s* = s_hat z^n,   z = (d eps_in / dt) exp(Q/(R T)) / A

At a constant inelastic strain rate ``z`` and ``s*`` are constant, the flow rule gives
``sigma = c s`` with ``c = asinh(z^m) / xi``, and (S.B. Brown, K.H. Kim & L. Anand, "An
internal variable constitutive model for hot working of metals", Int. J. Plasticity
5(2):95-130, 1989, who integrate the evolution equation at constant strain rate) for
``s0 < s*`` and ``a != 1``::

    s(eps_in) = s* - [ (s* - s0)^(1-a) + (a - 1) h0 (s*)^(-a) eps_in ]^(1/(1-a))

so the stress approaches the saturation stress ``sigma* = c s* = (s*/xi) asinh(z^m)``. The
formulas are written out here independently of :mod:`thermofatigue.materials.anand`.
"""

from __future__ import annotations

import numpy as np

from ..materials import get_material
from .material_point import UNIAXIAL_X, isothermal_model, mixed_step, shear_at_inelastic_rate
from .registry import Measurement, case_type


def anand_constants(material: str) -> dict:
    return get_material(material, field="inputs.material").parameters("anand")


def saturation(constants: dict, rate, T) -> tuple[np.ndarray, np.ndarray]:
    """``(s*, sigma*)`` (MPa) at the inelastic rate ``rate`` (1/s) and ``T`` (C)."""
    c = constants
    z = np.asarray(rate, dtype=float) / c["A"] * np.exp(c["Q_over_R"] / (np.asarray(T) + 273.15))
    s_star = c["s_hat"] * z ** c["n"]
    return s_star, s_star / c["xi"] * np.arcsinh(z ** c["m"])


def transient_stress(constants: dict, rate, T, eps_in) -> np.ndarray:
    """Brown-Kim-Anand (1989) stress (MPa) after the inelastic strain ``eps_in`` at a
    constant inelastic rate, starting from ``s = s0`` (requires ``s0 < s*``, ``a != 1``)."""
    c = constants
    s_star, sigma_star = saturation(c, rate, T)
    a = c["a"]
    gap = ((s_star - c["s0"]) ** (1.0 - a)
           + (a - 1.0) * c["h0"] * s_star ** (-a) * np.asarray(eps_in)) ** (1.0 / (1.0 - a))
    return sigma_star / s_star * (s_star - gap)


def driven_saturation_stress(model, T, rate, level: dict) -> np.ndarray:
    """Uniaxial tension at the constant total strain rates ``rate`` to the strain
    ``level.final_strain``, increments growing geometrically from ``level.first_increment``
    by ``level.growth`` up to ``level.max_increment``; the final axial stresses."""
    T = np.asarray(T, dtype=float)
    rate = np.asarray(rate, dtype=float)
    state = model.initial_state(T.shape)
    d_eps = np.zeros(T.shape + (6,))
    increment, total = level["first_increment"], 0.0
    while total < level["final_strain"]:
        d_eps[..., 0] = increment
        stress, state, d_eps = mixed_step(model, d_eps, 0.0, UNIAXIAL_X, T, increment / rate,
                                          state)
        total += increment
        increment = min(level["growth"] * increment, level["max_increment"])
    return stress[..., 0]


@case_type("anand_saturation")
def anand_saturation_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Each material's points (T, rate) driven to saturation in uniaxial tension: the stress
    against the tabulated saturation stress, and the largest departure from the closed form."""
    out = []
    for material, points in spec["inputs"]["points"].items():
        T = np.array([p[0] for p in points], dtype=float)
        rate = np.array([p[1] for p in points], dtype=float)
        table = np.array([p[2] for p in points], dtype=float)
        driven = driven_saturation_stress(isothermal_model(material), T, rate, level)
        _, closed = saturation(anand_constants(material), rate, T)
        if progress:
            progress(f"  {material}: saturation stresses {np.round(driven, 3).tolist()} MPa")
        for k in range(len(T)):
            out.append(Measurement(f"sigma* {material}, {T[k]:g} C, {rate[k]:g} /s",
                                   driven[k], table[k], "table"))
        out.append(Measurement(f"max |sigma_FE / sigma*_closed - 1|, {material}",
                               float(np.abs(driven / closed - 1.0).max()), 0.0, "closed_form"))
    return out


def constant_rate_path(model, T, rate, grid):
    """Pure shear at a constant equivalent inelastic rate through the inelastic strains
    ``grid`` (increasing, from 0); the equivalent stress after each step, ``(len(grid) - 1,)
    + T.shape``."""
    state = model.initial_state(np.shape(T))
    G = model.elastic_moduli(np.asarray(T, dtype=float))[0]
    guess = np.zeros(np.shape(T))
    stresses = []
    for k in range(1, len(grid)):
        dp = grid[k] - grid[k - 1]
        target = np.full(np.shape(T), dp)
        if k == 1:  # elastic jump to about the initial flow stress: s0 / xi asinh(z^m)
            guess = np.sqrt(3.0) * dp + 10.0 * model.s0 / G
        tau, state, gamma = shear_at_inelastic_rate(model, target, T, dp / rate, state, guess)
        ratio = (grid[k + 1] - grid[k]) / dp if k + 1 < len(grid) else 1.0
        guess = gamma * ratio
        stresses.append(np.sqrt(3.0) * tau)
    return np.array(stresses)


def log_grid(first: float, final: float, steps: int) -> np.ndarray:
    """``0`` then ``steps`` log-spaced intervals from ``first`` to ``final`` (a grid of
    ``2 steps`` intervals holds this one's points at its even indices)."""
    return np.concatenate([[0.0], np.geomspace(first, final, steps + 1)])


@case_type("anand_transient")
def anand_transient_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Each point (material, T, rate) sheared at a constant inelastic rate through a
    log-spaced inelastic-strain grid of ``level.steps`` and of ``2 level.steps`` steps, with
    both flow-rule integrations. Backward Euler is first order, so the Richardson value
    ``2 sigma_2N - sigma_N`` on the common points is second order; BDF2 (the default) is
    second order, so ``(4 sigma_2N - sigma_N) / 3`` is third. Each Richardson value is compared
    with Brown-Kim-Anand at the checkpoints and over the whole path, and the observed order of
    each plain integration's error with 1 and 2."""
    out = []
    for name, p in spec["inputs"]["points"].items():
        constants = anand_constants(p["material"])
        T = np.array(p["temperature"], dtype=float)
        coarse, fine = (log_grid(p["first_strain"], p["final_strain"], n)
                        for n in (level["steps"], 2 * level["steps"]))
        exact_coarse = transient_stress(constants, p["rate"], T, coarse[1:])
        exact_fine = transient_stress(constants, p["rate"], T, fine[1:])
        for integration, order, suffix in (("backward_euler", 1, ""), ("bdf2", 2, "_bdf2")):
            model = isothermal_model(p["material"], time_integration=integration)
            sigma_coarse = constant_rate_path(model, T, p["rate"], coarse)
            sigma_fine = constant_rate_path(model, T, p["rate"], fine)
            # fine[1:][::2] == coarse[1:]
            richardson = sigma_fine[::2] + (sigma_fine[::2] - sigma_coarse) / (2**order - 1)
            errors = [np.abs(sigma_coarse / exact_coarse - 1.0).max(),
                      np.abs(sigma_fine / exact_fine - 1.0).max()]
            label = {"backward_euler": "backward-Euler", "bdf2": "BDF2"}[integration]
            if progress:
                progress(f"  {name}: {label} stress error {errors[0]:.2e} "
                         f"({level['steps']} steps), {errors[1]:.2e} ({2 * level['steps']})")
            for eps in p["checkpoints"]:
                k = int(np.argmin(np.abs(coarse[1:] - eps)))
                out.append(Measurement(f"sigma at eps_in = {coarse[k + 1]:.3g}, {name}, {label}",
                                       float(richardson[k]), float(exact_coarse[k]),
                                       f"transient{suffix}"))
            out.append(Measurement(f"max |sigma / sigma_exact - 1| over the path, {name}, {label}",
                                   float(np.abs(richardson / exact_coarse - 1.0).max()), 0.0,
                                   f"transient_path{suffix}"))
            out.append(Measurement(f"order of the {label} error, {name}",
                                   float(np.log2(errors[0] / errors[1])), float(order),
                                   f"order{suffix}"))
    return out
