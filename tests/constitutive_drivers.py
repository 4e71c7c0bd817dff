"""Material-point drivers and cited parameter sets for the constitutive tests.

Parameter sets (the primary source of each, and where it was read):

* SAC305 Anand, Motalab, Cai, Suhling & Lall, ITherm 2012 (doi 10.1109/ITHERM.2012.6231522)
  and Motalab PhD dissertation, Auburn 2013, Tab. 4.1, as quoted in the CoupFE-EDA code
  (GitHub tengzhang48/CoupFE-EDA, eda_multiphysics/anand.py) [S] (h0 = 180 000 MPa, the
  dissertation value; MDPI Materials 16(14):4922, 2023, prints 18 000).
* 62Sn36Pb2Ag Anand, Cheng, Wang, Chen, Wilde & Becker, Soldering Surf. Mount Technol.
  12(2), 2000, as quoted in the same CoupFE-EDA file [S].
* SAC405 and Sn63Pb37: no Anand set with a readable, citable source was found (a search of
  the public corpora for this work found only abstracts, e.g. Rizaman, Abdullah, Yamin 2024,
  doi 10.37934/aram.113.1.162175, for SAC405), so they are not tested.
* Garofalo constants: Schubert, Dudek, Auerswald, Gollhardt, Michel, Reichl, ECTC 2003,
  Sn3.8Ag0.7Cu -- status [U] (recalled, unverified); used here only as a realistic numerical
  test case.
* Norton constants: illustrative numbers (no cited set), chosen to give solder-like rates.
* Elasticity: SAC E(T) = 76087 - 109 T[K] MPa (Kariya et al. 2001 via J.-P. Clech, NIST
  lead-free solder database, "SAC creep data analysis and modeling"), nu = 0.40 (NIST/Clech,
  "SAC properties: other"); SnPb E = 30 000 MPa (Topline Corp. "CCGA material properties"
  table) with the same nu; copper E = 120 GPa, nu = 0.36 (ANSYS Workbench Technology Showcase
  "PCB thermal-structural analysis", material table at 22 C).
"""

from __future__ import annotations

import numpy as np

from thermofatigue.materials.anand import Anand
from thermofatigue.materials.garofalo import Garofalo
from thermofatigue.materials.norton import Norton
from thermofatigue.materials.plasticity import J2Plasticity

SAC305_MOTALAB = {"s0": 21.0, "Q_over_R": 9320.0, "A": 3501.0, "xi": 4.0, "m": 0.25,
                  "h0": 180000.0, "s_hat": 30.2, "n": 0.01, "a": 1.78}
SN62PB36AG2_CHENG = {"s0": 12.41, "Q_over_R": 9400.0, "A": 4.0e6, "xi": 1.5, "m": 0.303,
                     "h0": 1378.95, "s_hat": 13.79, "n": 0.07, "a": 1.3}
GAROFALO_SCHUBERT_SAC = {"C1": 277984.0, "C2": 0.02447, "C3": 6.41, "C4": 6500.0}
NORTON_ILLUSTRATIVE = {"A": 1.0e3, "sigma_ref": 10.0, "n": 5.0, "Q_over_R": 7000.0}
COPPER_PLASTICITY = {"yield_stress": 200.0, "hardening_modulus": 1500.0}  # illustrative

SAC_CTE = 22.0e-6  # 1/K, generic SAC value (public code tables [S]); thermal tests only


def sac_youngs_modulus(T):
    """Kariya: E (MPa) = 76087 - 109 T(K)."""
    return 76087.0 - 109.0 * (np.asarray(T, dtype=float) + 273.15)


def constant(value):
    return lambda T: np.full(np.shape(T), float(value))


def linear_thermal_strain(alpha, T_ref=25.0):
    return lambda T: alpha * (np.asarray(T, dtype=float) - T_ref)


def no_thermal_strain(T):
    return np.zeros(np.shape(T))


def sac_anand(thermal_strain=no_thermal_strain, time_integration="bdf2"):
    return Anand(SAC305_MOTALAB, sac_youngs_modulus, constant(0.40), thermal_strain,
                 time_integration=time_integration)


def snpb_anand(thermal_strain=no_thermal_strain, time_integration="bdf2"):
    return Anand(SN62PB36AG2_CHENG, constant(30000.0), constant(0.40), thermal_strain,
                 time_integration=time_integration)


def sac_garofalo(thermal_strain=no_thermal_strain, time_integration="bdf2"):
    return Garofalo(GAROFALO_SCHUBERT_SAC, sac_youngs_modulus, constant(0.40), thermal_strain,
                 time_integration=time_integration)


def sac_norton(thermal_strain=no_thermal_strain, time_integration="bdf2"):
    return Norton(NORTON_ILLUSTRATIVE, sac_youngs_modulus, constant(0.40), thermal_strain,
                 time_integration=time_integration)


def copper_plasticity(thermal_strain=no_thermal_strain):
    return J2Plasticity(COPPER_PLASTICITY, constant(120000.0), constant(0.36), thermal_strain)


def all_models():
    return {"anand_sac305": sac_anand(), "anand_snpb": snpb_anand(), "garofalo": sac_garofalo(),
            "norton": sac_norton(), "plasticity": copper_plasticity()}


# ----------------------------------------------------------------------------- drivers
def uniaxial_stress_step(model, axial_increment, T_old, T_new, dt, state, lateral_guess=None,
                         tol=1e-10, max_iterations=30):
    """One step of uniaxial stress along x: prescribe d eps_xx, solve d eps_yy, d eps_zz by
    Newton with the model's tangent so that sigma_yy = sigma_zz = 0 (shears stay zero).

    Returns ``(stress, tangent, new_state, strain_increment)``.
    """
    axial_increment = np.asarray(axial_increment, dtype=float)
    d_eps = np.zeros(axial_increment.shape + (6,))
    d_eps[..., 0] = axial_increment
    if lateral_guess is not None:
        d_eps[..., 1:3] = lateral_guess
    for _ in range(max_iterations):
        stress, tangent, new_state = model.update(d_eps, T_old, T_new, dt, state)
        residual = stress[..., 1:3]
        scale = 1.0 + np.abs(stress[..., 0])
        if np.all(np.abs(residual) <= tol * scale[..., None]):
            return stress, tangent, new_state, d_eps
        jacobian = tangent[..., 1:3, 1:3]
        d_eps[..., 1:3] -= np.linalg.solve(jacobian, residual[..., None])[..., 0]
    raise AssertionError("uniaxial driver did not converge")


def stress_controlled_step(model, target_stress, T_old, T_new, dt, state, guess=None,
                           tol=1e-10, max_iterations=40):
    """One step with the full stress prescribed: solve the 6 strain increments by Newton."""
    target_stress = np.asarray(target_stress, dtype=float)
    d_eps = np.zeros(target_stress.shape) if guess is None else np.array(guess, dtype=float)
    for _ in range(max_iterations):
        stress, tangent, new_state = model.update(d_eps, T_old, T_new, dt, state)
        residual = stress - target_stress
        if np.all(np.abs(residual) <= tol * (1.0 + np.abs(target_stress).max())):
            return stress, tangent, new_state, d_eps
        d_eps -= np.linalg.solve(tangent, residual[..., None])[..., 0]
    raise AssertionError("stress-controlled driver did not converge")


def strain_path(model, strains, temperatures, times, shape=(1,)):
    """Drive the total strain through ``strains[k]`` (shape ``shape + (6,)``) at
    ``temperatures[k]`` and ``times[k]``; returns the list of stresses and the final state."""
    state = model.initial_state(shape)
    stresses = []
    for k in range(1, len(times)):
        stress, _, state = model.update(strains[k] - strains[k - 1], temperatures[k - 1],
                                        temperatures[k], times[k] - times[k - 1], state)
        stresses.append(stress)
    return stresses, state


def fd_tangent(model, strain_increment, T_old, T_new, dt, state, h=1e-8):
    """Central finite-difference tangent d stress / d strain_increment, ``(..., 6, 6)``."""
    strain_increment = np.asarray(strain_increment, dtype=float)
    columns = []
    for j in range(6):
        e = np.zeros(6)
        e[j] = h
        plus, _, _ = model.update(strain_increment + e, T_old, T_new, dt, state)
        minus, _, _ = model.update(strain_increment - e, T_old, T_new, dt, state)
        columns.append((plus - minus) / (2.0 * h))
    return np.stack(columns, axis=-1)


def assert_bdf2_second_order(q, reference):
    """``q[N]`` as below, from BDF2 (the default integration of the rate-dependent models):
    below 0.1 % at 200 steps, the error falls about fourfold with the step (second order;
    3 to 5.5 allows for the backward-Euler first step), and the second-order Richardson value
    ``(4 q_200 - q_100) / 3`` agrees with the reference to 0.02 %."""
    q0 = reference[0]
    errors = {N: np.abs(q[N] - reference[:: 200 // N]).max() / q0 for N in q}
    assert errors[200] < 1e-3
    assert 3.0 < errors[50] / errors[100] < 5.5, errors
    assert 3.0 < errors[100] / errors[200] < 5.5, errors
    richardson = (4.0 * q[200][::2] - q[100]) / 3.0
    assert np.abs(richardson - reference[::2]).max() / q0 < 2e-4


def assert_backward_euler_first_order(q, reference):
    """``q[N]``: equivalent stress histories on N = 50, 100, 200 steps of one log-spaced grid,
    ``reference`` an accurate ODE solution on the 200-step grid. Backward Euler's error is
    below 0.5 % at 200 steps and halves with the step (first order), and the Richardson
    extrapolation ``2 q_200 - q_100`` agrees with the reference to 0.05 %."""
    q0 = reference[0]
    errors = {N: np.abs(q[N] - reference[:: 200 // N]).max() / q0 for N in q}
    assert errors[200] < 5e-3
    assert 1.8 < errors[50] / errors[100] < 2.2
    assert 1.8 < errors[100] / errors[200] < 2.2
    richardson = 2.0 * q[200][::2] - q[100]
    assert np.abs(richardson - reference[::2]).max() / q0 < 5e-4
