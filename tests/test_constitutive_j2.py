"""The shared J2 machinery: Voigt conventions, elasticity, radial return, plasticity."""

import numpy as np
import pytest

from constitutive_drivers import copper_plasticity, uniaxial_stress_step
from thermofatigue.materials.j2 import (
    asinh_of_exp,
    deviatoric,
    elastic_trial_stress,
    equivalent_strain,
    isotropic_stiffness,
    log_sinh,
    shear_and_bulk_moduli,
    von_mises,
)


def test_von_mises_uniaxial_and_pure_shear():
    assert von_mises(np.array([100.0, 0, 0, 0, 0, 0])) == pytest.approx(100.0)
    # pure shear tau: q = sqrt(3) tau, whichever shear slot holds it
    for slot in (3, 4, 5):
        s = np.zeros(6)
        s[slot] = 10.0
        assert von_mises(s) == pytest.approx(np.sqrt(3.0) * 10.0)
    # hydrostatic stress has no deviator
    assert von_mises(np.array([5.0, 5.0, 5.0, 0, 0, 0])) == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(deviatoric(np.array([5.0, 5.0, 5.0, 1, 2, 3])), [0, 0, 0, 1, 2, 3])


def test_equivalent_strain_uses_engineering_shear():
    # uniaxial incompressible strain (1, -1/2, -1/2) has equivalent strain 1
    assert equivalent_strain(np.array([1.0, -0.5, -0.5, 0, 0, 0])) == pytest.approx(1.0)
    # engineering shear gamma: equivalent strain gamma / sqrt(3)
    assert equivalent_strain(np.array([0, 0, 0, 0, 0, 0.3])) == pytest.approx(0.3 / np.sqrt(3.0))


def test_stiffness_matches_elastic_stress_and_lame_form():
    E, nu = 50000.0, 0.35
    G, K = shear_and_bulk_moduli(E, nu)
    C = isotropic_stiffness(G, K)
    lam = E * nu / ((1 + nu) * (1 - 2 * nu))
    assert C[0, 0] == pytest.approx(lam + 2 * G)
    assert C[0, 1] == pytest.approx(lam)
    assert C[5, 5] == pytest.approx(G)  # engineering shear: tau = G gamma
    eps = np.random.default_rng(3).normal(size=(4, 6)) * 1e-3
    assert np.allclose(elastic_trial_stress(eps, G, K), eps @ C.T)
    # uniaxial stress recovers E
    compliance = np.linalg.inv(C)
    assert 1.0 / compliance[0, 0] == pytest.approx(E)


def test_safe_hyperbolic_functions():
    y = np.array([-800.0, -20.0, -1.0, 0.0, 0.5, 30.0, 800.0])
    with np.errstate(over="ignore"):
        expected = np.where(y < 700, np.arcsinh(np.exp(np.minimum(y, 700))), y + np.log(2.0))
    assert np.allclose(asinh_of_exp(y), expected, rtol=1e-13, atol=0)
    x = np.array([1e-8, 1e-3, 0.3, 5.0, 40.0, 2000.0])
    with np.errstate(over="ignore"):
        ref = np.where(x < 700, np.log(np.sinh(np.minimum(x, 700))), x - np.log(2.0))
    assert np.allclose(log_sinh(x), ref, rtol=1e-13)
    assert np.all(np.isfinite(log_sinh(x)))
    assert log_sinh(np.array([0.0]))[0] == -np.inf


def test_plasticity_uniaxial_yield_and_hardening_slope():
    model = copper_plasticity()
    E, H, sy = 120000.0, model.hardening_modulus, model.yield_stress
    state = model.initial_state((1,))
    lateral = None
    strains, stresses = [], []
    total = 0.0
    for _ in range(40):
        d = 1.0e-4
        stress, tangent, state, d_eps = uniaxial_stress_step(model, np.array([d]), 25, 25, 0.0,
                                                             state, lateral)
        lateral = d_eps[:, 1:3]
        total += d
        strains.append(total)
        stresses.append(stress[0, 0])
    strains, stresses = np.array(strains), np.array(stresses)
    # linear hardening in uniaxial stress: sigma = sy + E H / (E + H) (eps - sy / E)
    plastic = strains > 2 * sy / E
    expected = sy + E * H / (E + H) * (strains[plastic] - sy / E)
    assert np.allclose(stresses[plastic], expected, rtol=1e-10)
    assert np.allclose(stresses[strains < 0.9 * sy / E], E * strains[strains < 0.9 * sy / E])
    # equivalent plastic strain = axial plastic strain
    eps_p = state["equivalent_inelastic_strain"][0]
    assert eps_p == pytest.approx(state["inelastic_strain"][0, 0])
    assert eps_p == pytest.approx(strains[-1] - stresses[-1] / E, rel=1e-10)
