"""Fatigue laws of solder joints: pure, vectorised functions of per-joint quantities.

Units inside thermofatigue: energy density per cycle in MPa (= MJ/m^3 = mJ/mm^3), lengths in
mm, lives in cycles, temperatures in C (K only inside Arrhenius terms). Every argument may be a
numpy array (one entry per joint); the functions broadcast and never loop. Constants come from
:mod:`thermofatigue.fatigue.constants`, already converted to these units (published constants
in psi and inch are converted there, on load).

Laws (each docstring gives the equation, the primary source and the units):

* :func:`darveaux_life` (with :func:`darveaux_initiation`, :func:`darveaux_growth_rate`): crack
  initiation and growth driven by the interface-layer average of the inelastic work per cycle.
  "Darveaux fatigue" here, not the Darveaux *creep* law of some FE codes.
* :func:`syed_energy_life`, :func:`syed_creep_strain_life`: Syed's accumulated creep energy and
  creep strain laws.
* :func:`coffin_manson_life`: inelastic strain range, Coffin-Manson.
* :func:`morrow_energy_life`: Morrow's energy-life power law.
* :func:`engelmaier_life`, :func:`engelmaier_exponent`, :func:`engelmaier_shear_strain`: the
  Engelmaier-Wild closed form (IPC-D-279 dwell form).
* :func:`norris_landzberg_acceleration`: test-to-field acceleration factor.

Inputs at or below zero (no inelastic work, no strain) give an infinite life, not an error: a
joint that dissipates nothing does not fail by these laws.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "darveaux_initiation",
    "darveaux_growth_rate",
    "darveaux_life",
    "syed_energy_life",
    "syed_creep_strain_life",
    "coffin_manson_life",
    "morrow_energy_life",
    "engelmaier_exponent",
    "engelmaier_life",
    "engelmaier_shear_strain",
    "norris_landzberg_acceleration",
    "KELVIN",
]

KELVIN = 273.15
"""Offset from degrees C to K (Arrhenius terms only)."""


def _positive(x) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as a float array and the mask of its strictly positive entries."""
    x = np.asarray(x, dtype=float)
    return x, x > 0.0


def _power_law(coefficient, x, exponent) -> np.ndarray:
    """``coefficient * x**exponent`` where ``x > 0``; ``inf`` where ``x <= 0`` and the exponent
    is negative (no driving force: no failure), ``0`` where it is positive."""
    x, ok = _positive(x)
    safe = np.where(ok, x, 1.0)
    value = coefficient * safe ** exponent
    at_zero = np.where(np.asarray(exponent) < 0.0, np.inf, 0.0)
    return np.where(ok, value, at_zero)


# --------------------------------------------------------------------------------------------
# Darveaux: crack initiation + crack growth
# --------------------------------------------------------------------------------------------
def darveaux_initiation(dW, K1, K2) -> np.ndarray:
    """Cycles to crack initiation, ``N0 = K1 * dW**K2``.

    R. Darveaux, "Effect of simulation methodology on solder joint crack growth correlation",
    ECTC 2000; J. Electron. Packag. 124(3):147-154, 2002 (Eq. for N0).

    ``dW``: inelastic work density per stabilised cycle, volume-averaged over the solder layer at
    the failing pad interface (MPa). ``K1`` in cycles/MPa^K2, ``K2`` < 0 (dimensionless).
    Returns cycles; ``inf`` where ``dW <= 0``.
    """
    return _power_law(K1, dW, K2)


def darveaux_growth_rate(dW, K3, K4) -> np.ndarray:
    """Crack growth rate per cycle, ``da/dN = K3 * dW**K4`` (mm/cycle).

    Darveaux, ECTC 2000 / J. Electron. Packag. 124:147 (2002). ``dW`` as in
    :func:`darveaux_initiation` (MPa); ``K3`` in mm/cycle/MPa^K4, ``K4`` > 0. ``0`` where
    ``dW <= 0``.
    """
    return _power_law(K3, dW, K4)


def darveaux_life(dW, crack_length, K1, K2, K3, K4) -> np.ndarray:
    """Characteristic life ``N = N0 + a / (da/dN)`` (cycles).

    Darveaux, ECTC 2000 / J. Electron. Packag. 124:147 (2002): cycles to initiate a crack plus
    cycles to grow it across the joint. ``crack_length`` ``a`` is the length the crack must grow
    to fail the joint, the pad (UBM) diameter at the failing interface (mm). ``dW`` (MPa) and the
    constants as in :func:`darveaux_initiation` and :func:`darveaux_growth_rate`.
    """
    n0 = darveaux_initiation(dW, K1, K2)
    rate = darveaux_growth_rate(dW, K3, K4)
    a = np.asarray(crack_length, dtype=float)
    with np.errstate(divide="ignore"):
        growth = np.where(rate > 0.0, a / np.where(rate > 0.0, rate, 1.0), np.inf)
    return n0 + growth


# --------------------------------------------------------------------------------------------
# Syed: accumulated creep energy density / creep strain
# --------------------------------------------------------------------------------------------
def syed_energy_life(W_acc, C) -> np.ndarray:
    """``N = (C' * W_acc)**-1`` (cycles).

    A. Syed, "Accumulated creep strain and energy density based thermal fatigue life prediction
    models for SnAgCu solder joints", ECTC 2004, pp. 737-746. ``W_acc``: creep (inelastic)
    energy density accumulated per stabilised cycle (MPa); ``C`` = C' in 1/MPa.
    """
    return _power_law(1.0 / np.asarray(C, dtype=float), W_acc, -1.0)


def syed_creep_strain_life(eps_acc, C) -> np.ndarray:
    """``N = (C * eps_acc)**-1`` (cycles).

    Syed, ECTC 2004 (as :func:`syed_energy_life`). ``eps_acc``: equivalent creep strain
    accumulated per stabilised cycle (dimensionless); ``C`` dimensionless.
    """
    return _power_law(1.0 / np.asarray(C, dtype=float), eps_acc, -1.0)


# --------------------------------------------------------------------------------------------
# Coffin-Manson and Morrow
# --------------------------------------------------------------------------------------------
def coffin_manson_life(d_eps_in, eps_f, c) -> np.ndarray:
    """Coffin-Manson: ``d_eps_in / 2 = eps_f * (2 N)**c`` solved for ``N``:

        N = 0.5 * (d_eps_in / (2 eps_f))**(1/c)

    L.F. Coffin, Trans. ASME 76:931-950 (1954); S.S. Manson, NACA TN 2933 (1953).
    ``d_eps_in``: equivalent inelastic strain range per stabilised cycle; ``eps_f`` fatigue
    ductility coefficient; ``c`` < 0 fatigue ductility exponent (all dimensionless). Cycles.
    """
    eps_f = np.asarray(eps_f, dtype=float)
    c = np.asarray(c, dtype=float)
    amplitude_ratio = np.asarray(d_eps_in, dtype=float) / (2.0 * eps_f)
    return 0.5 * _power_law(1.0, amplitude_ratio, 1.0 / c)


def morrow_energy_life(dW, W_f, m) -> np.ndarray:
    """Morrow's energy-life law, ``dW = W_f * N**m`` with ``m < 0``, solved for ``N``:

        N = (dW / W_f)**(1/m)

    J.D. Morrow, "Cyclic plastic strain energy and fatigue of metals", ASTM STP 378:45-87
    (1965), in the parameterisation of the COMSOL Fatigue Module (fatigue energy coefficient
    ``W_f'``, exponent ``m``, one cycle = two reversals). The power law ``N = C dW**-n`` used for
    solders (Clech, NIST solder pages) is the same law with ``n = -1/m``, ``C = W_f**(-1/m)``.
    ``dW``: inelastic work density per stabilised cycle (MPa); ``W_f`` in MPa. Cycles.
    """
    W_f = np.asarray(W_f, dtype=float)
    ratio = np.asarray(dW, dtype=float) / W_f
    return _power_law(1.0, ratio, 1.0 / np.asarray(m, dtype=float))


# --------------------------------------------------------------------------------------------
# Engelmaier (Engelmaier-Wild, IPC-D-279 dwell form)
# --------------------------------------------------------------------------------------------
def engelmaier_exponent(mean_temperature_C, half_cycle_dwell_minutes,
                        c0=-0.442, c1=-6.0e-4, c2=1.74e-2) -> np.ndarray:
    """Fatigue ductility exponent of the Engelmaier-Wild model, IPC-D-279 (dwell) form:

        c = c0 + c1 * T_sj + c2 * ln(1 + 360 / t_D)

    W. Engelmaier, "Fatigue life of leadless chip carrier solder joints during power cycling",
    IEEE Trans. CHMT 6(3):232-237 (1983); IPC-D-279 (1996). ``T_sj`` mean cyclic solder-joint
    temperature (C), ``t_D`` half-cycle dwell time (minutes, > 0). Default ``c0, c1, c2`` are the
    eutectic SnPb values -0.442, -6e-4 /C, 1.74e-2.
    """
    T_sj = np.asarray(mean_temperature_C, dtype=float)
    t_D = np.asarray(half_cycle_dwell_minutes, dtype=float)
    return c0 + c1 * T_sj + c2 * np.log1p(360.0 / t_D)


def engelmaier_life(d_gamma, mean_temperature_C, half_cycle_dwell_minutes, eps_f=0.325,
                    c0=-0.442, c1=-6.0e-4, c2=1.74e-2) -> np.ndarray:
    """Median (50 %) cycles to failure of the Engelmaier-Wild model:

        N_f(50 %) = 0.5 * (d_gamma / (2 eps_f))**(1/c)

    with ``c`` from :func:`engelmaier_exponent`. Engelmaier, IEEE Trans. CHMT 6(3) (1983);
    IPC-D-279 (1996); W. Engelmaier, *Solder Joints in Electronics: Design for Reliability*.
    ``d_gamma``: cyclic shear strain range of the joint (:func:`engelmaier_shear_strain`);
    ``eps_f`` fatigue ductility coefficient, 0.325 for eutectic SnPb (2 eps_f = 0.65; do not
    double it again). Cycles.
    """
    c = engelmaier_exponent(mean_temperature_C, half_cycle_dwell_minutes, c0, c1, c2)
    ratio = np.asarray(d_gamma, dtype=float) / (2.0 * eps_f)
    return 0.5 * _power_law(1.0, ratio, 1.0 / c)


def engelmaier_shear_strain(F, dnp, joint_height, d_alpha, d_T) -> np.ndarray:
    """Cyclic shear strain range of a joint, ``d_gamma = F * L_D * d_alpha * d_T / h``.

    Engelmaier, IEEE Trans. CHMT 6(3) (1983); IPC-D-279. ``F`` empirical factor (about
    0.5-1.5, 1 by default), ``dnp`` = ``L_D`` distance of the joint from the neutral point (mm),
    ``joint_height`` ``h`` (mm), ``d_alpha = abs(alpha_board - alpha_component)`` (1/K), ``d_T``
    cyclic temperature swing (K = C). Dimensionless.
    """
    return (np.asarray(F, dtype=float) * np.asarray(dnp, dtype=float) * np.abs(d_alpha)
            * np.asarray(d_T, dtype=float) / np.asarray(joint_height, dtype=float))


# --------------------------------------------------------------------------------------------
# Norris-Landzberg acceleration factor
# --------------------------------------------------------------------------------------------
def norris_landzberg_acceleration(dT_test, dT_field, f_test, f_field, T_max_test_C, T_max_field_C,
                                  n=1.9, m=1.0 / 3.0, Ea_over_k=1414.0) -> np.ndarray:
    """Acceleration factor ``AF = N_field / N_test`` (field cycles per test cycle):

        AF = (dT_test / dT_field)**n * (f_field / f_test)**m
             * exp[Ea/k * (1 / T_max,field - 1 / T_max,test)],   T_max in K

    K.C. Norris, A.H. Landzberg, "Reliability of controlled collapse interconnections", IBM J.
    Res. Dev. 13(3):266-271 (1969): ``N ∝ f**m * dT**-n * exp(Ea/(k T_max))``, so a slower field
    cycle (``f_field < f_test``) gives *fewer* field cycles; defaults are their eutectic-SnPb
    constants n = 1.9, m = 1/3, Ea/k = 1414 K. ``dT`` temperature swings (C), ``f`` cycle
    frequencies (any common unit, e.g. cycles/day), ``T_max`` peak temperatures (C).

    Convention for dwell-based variants (Pan et al., SMTAI 2005: the exponent applies to the
    hot dwell time, longer dwell = fewer cycles): pass ``f = 1 / dwell`` for test and field.
    Multiply a test life by ``AF`` to get the field life.
    """
    T_test = np.asarray(T_max_test_C, dtype=float) + KELVIN
    T_field = np.asarray(T_max_field_C, dtype=float) + KELVIN
    swing = (np.asarray(dT_test, dtype=float) / np.asarray(dT_field, dtype=float)) ** n
    rate = (np.asarray(f_field, dtype=float) / np.asarray(f_test, dtype=float)) ** m
    return swing * rate * np.exp(Ea_over_k * (1.0 / T_field - 1.0 / T_test))
