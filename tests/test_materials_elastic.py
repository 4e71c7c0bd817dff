"""Stiffness builders, axis maps and the thermo-elastic model (thermofatigue.materials.elastic)."""

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.materials.elastic import (
    ThermoElastic,
    check_orthotropic,
    cubic_stiffness,
    isotropic_stiffness,
    orthotropic_compliance,
    orthotropic_stiffness,
    permute_stiffness,
    permute_vector,
    rotate_stiffness,
    rotation_about_axis3,
    voigt_permutation,
)
from thermofatigue.materials.library import get_material

FR4 = dict(E1=25e3, E2=25e3, E3=8e3, G12=6e3, G13=3.5e3, G23=3.5e3, nu12=0.18, nu13=0.30, nu23=0.30)


def test_isotropic_stiffness_entries():
    E, nu = 200e3, 0.3
    C = isotropic_stiffness(E, nu)
    lam = E * nu / ((1 + nu) * (1 - 2 * nu))
    mu = E / (2 * (1 + nu))
    assert C[0, 0] == pytest.approx(lam + 2 * mu)
    assert C[0, 1] == pytest.approx(lam)
    assert C[3, 3] == pytest.approx(mu)  # engineering shear
    # uniaxial stress check: S = C^-1 gives 1/E and -nu/E
    S = np.linalg.inv(C)
    assert S[0, 0] == pytest.approx(1 / E)
    assert S[0, 1] == pytest.approx(-nu / E)


def test_isotropic_recovered_from_orthotropic():
    E, nu = 43e3, 0.4
    G = E / (2 * (1 + nu))
    C_ortho = orthotropic_stiffness(E, E, E, G, G, G, nu, nu, nu)
    np.testing.assert_allclose(C_ortho, isotropic_stiffness(E, nu), rtol=1e-12)


def test_orthotropic_compliance_inverse_is_stiffness():
    S = orthotropic_compliance(**FR4)
    C = orthotropic_stiffness(**FR4)
    np.testing.assert_allclose(S @ C, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(C, C.T, rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(C) > 0)
    # minor Poisson ratio from symmetry: nu31 = nu13 E3 / E1
    assert -S[2, 0] * FR4["E3"] == pytest.approx(FR4["nu13"] * FR4["E3"] / FR4["E1"])


def test_orthotropic_vectorised():
    T = np.zeros((5, 4))
    args = {k: v + T for k, v in FR4.items()}
    C = orthotropic_stiffness(**args)
    assert C.shape == (5, 4, 6, 6)
    np.testing.assert_allclose(C[2, 3], orthotropic_stiffness(**FR4))


def test_orthotropic_not_positive_definite_raises():
    bad = dict(FR4, nu12=0.9, nu13=0.9, nu23=0.9)
    with pytest.raises(ValueError):
        check_orthotropic(**bad)
    with pytest.raises(ValueError):
        orthotropic_stiffness(**dict(FR4, E3=-1.0))


def test_cubic_silicon_rotated_45_degrees_matches_data():
    # G.C. Johnson, MEMSnet mems-talk 1995: C11' = C22' = 194, C12' = 35, C13' = 64, C33' = 166,
    # C44' = C55' = 80 GPa in ([110], [1-10], [001]); the values were rounded from the
    # 4-digit set, so compare within 1 GPa.
    C = cubic_stiffness(166.0, 64.0, 80.0, rotation_deg=45.0)
    assert C[0, 0] == pytest.approx(194.0, abs=1.0)
    assert C[1, 1] == pytest.approx(194.0, abs=1.0)
    assert C[0, 1] == pytest.approx(35.0, abs=1.0)
    assert C[0, 2] == pytest.approx(64.0, abs=1.0)
    assert C[1, 2] == pytest.approx(64.0, abs=1.0)
    assert C[2, 2] == pytest.approx(166.0, abs=1.0)
    assert C[3, 3] == pytest.approx(80.0, abs=1.0)
    assert C[4, 4] == pytest.approx(80.0, abs=1.0)
    assert C[5, 5] == pytest.approx((166.0 - 64.0) / 2)
    # no shear-normal coupling survives at 45 degrees
    assert np.max(np.abs(C[:3, 3:])) < 1e-12
    # the same with the 4-digit constants (Hopcroft, Nix, Kenny 2010) rounds to Johnson's numbers
    C4 = cubic_stiffness(165.7, 63.9, 79.6, rotation_deg=45.0)
    assert round(C4[0, 0]) == 194 and round(C4[0, 1]) == 35


def test_silicon_youngs_modulus_along_110_is_169_gpa():
    C = cubic_stiffness(166.0, 64.0, 80.0, rotation_deg=45.0)
    S = np.linalg.inv(C)
    assert 1.0 / S[0, 0] == pytest.approx(169.0, abs=1.0)  # E<110>, Williams 2001
    assert -S[0, 1] / S[0, 0] == pytest.approx(0.064, abs=0.005)  # nu in the (100) plane
    S100 = np.linalg.inv(cubic_stiffness(166.0, 64.0, 80.0))
    assert 1.0 / S100[0, 0] == pytest.approx(130.0, abs=1.0)  # E<100>


def test_rotation_is_orthogonal_and_reversible():
    C = orthotropic_stiffness(**FR4)
    a = rotation_about_axis3(30.0)
    np.testing.assert_allclose(a @ a.T, np.eye(3), atol=1e-15)
    back = rotate_stiffness(rotate_stiffness(C, a), a.T)
    np.testing.assert_allclose(back, C, rtol=1e-12, atol=1e-9)
    # an isotropic stiffness is invariant under any rotation
    Ciso = isotropic_stiffness(1000.0, 0.25)
    np.testing.assert_allclose(rotate_stiffness(Ciso, a), Ciso, atol=1e-9)


def test_voigt_permutation_2d_axes():
    # axes (0, 2, 1): model y holds material axis 3 (through thickness)
    perm = voigt_permutation((0, 2, 1))
    np.testing.assert_array_equal(perm, [0, 2, 1, 3, 5, 4])
    np.testing.assert_array_equal(voigt_permutation((0, 1, 2)), np.arange(6))
    C = orthotropic_stiffness(**FR4)
    Cm = permute_stiffness(C, (0, 2, 1))
    assert Cm[1, 1] == pytest.approx(C[2, 2])  # model yy is the through-thickness stiffness
    assert Cm[5, 5] == pytest.approx(FR4["G13"])  # model xy shear = material 1-3 shear
    v = np.arange(6.0)
    np.testing.assert_array_equal(permute_vector(v, (0, 2, 1)), [0, 2, 1, 3, 5, 4])
    with pytest.raises(ValueError):
        voigt_permutation((0, 0, 1))


# -- ThermoElastic -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sac305", "silicon", "fr4", "underfill", "copper"])
@pytest.mark.parametrize("axes", [(0, 1, 2), (0, 2, 1)])
def test_free_expansion_gives_zero_stress_and_tangent_is_C(name, axes):
    model = ThermoElastic(get_material(name), stress_free_temperature=217.0, axes=axes)
    assert model.nonlinear is False
    shape = (3, 4)
    state = model.initial_state(shape)
    T_new = np.linspace(-55.0, 150.0, 12).reshape(shape)
    eps_th = model.thermal_strain_vector(T_new)
    stress, tangent, new_state = model.update(eps_th, 217.0, T_new, 60.0, state)
    scale = np.max(np.abs(model.stiffness(T_new))) * np.max(np.abs(eps_th))
    assert np.max(np.abs(stress)) <= 1e-12 * scale
    np.testing.assert_allclose(tangent, model.stiffness(T_new))
    assert stress.shape == (3, 4, 6) and tangent.shape == (3, 4, 6, 6)
    # state is not modified in place
    assert np.all(state["strain"] == 0.0)
    np.testing.assert_allclose(new_state["strain"], eps_th)


def test_total_form_and_shapes():
    model = ThermoElastic(get_material("sac305"), stress_free_temperature=25.0)
    n_el, n_qp = 5, 4
    rng = np.random.default_rng(1)
    d_eps = 1e-3 * rng.standard_normal((n_el, n_qp, 6))
    T = rng.uniform(-40, 125, (n_el, n_qp))
    stress, tangent, state = model.update(d_eps, 25.0, T, 1.0, model.initial_state((n_el, n_qp)))
    expected = np.einsum("...ij,...j->...i", model.stiffness(T), d_eps - model.thermal_strain_vector(T))
    np.testing.assert_allclose(stress, expected)
    # a second step back to zero strain at the stress-free temperature gives zero stress
    stress2, _, _ = model.update(-d_eps, T, 25.0, 0.0, state)
    np.testing.assert_allclose(stress2, 0.0, atol=1e-9)


def test_temperature_dependent_modulus_is_path_independent():
    model = ThermoElastic(get_material("sac305"), stress_free_temperature=125.0)
    eps = np.array([1e-3, 0, 0, 0, 0, 2e-3])
    direct, _, _ = model.update(eps, 125.0, -40.0, 10.0, model.initial_state(()))
    state = model.initial_state(())
    for T_old, T_new in [(125.0, 60.0), (60.0, 0.0), (0.0, -40.0)]:
        stress, _, state = model.update(eps / 3, T_old, T_new, 10.0, state)
    np.testing.assert_allclose(stress, direct, rtol=1e-12)


def test_isotropic_helpers():
    model = ThermoElastic(get_material("sac305"), stress_free_temperature=25.0)
    T = np.array([-40.0, 25.0, 125.0])
    np.testing.assert_allclose(model.youngs_modulus(T), [50673.65, 43588.65, 32688.65])
    np.testing.assert_allclose(model.poissons_ratio(T), 0.40)
    np.testing.assert_allclose(model.thermal_strain(T), 22e-6 * (T - 25.0), rtol=1e-12)
    vec = model.thermal_strain_vector(T)
    np.testing.assert_allclose(vec[:, :3], np.repeat(model.thermal_strain(T)[:, None], 3, 1))
    assert np.all(vec[:, 3:] == 0.0)


def test_isotropic_helpers_refuse_anisotropic_materials():
    model = ThermoElastic(get_material("fr4"), stress_free_temperature=25.0)
    with pytest.raises(InputError, match="materials.fr4.elasticity"):
        model.youngs_modulus(25.0)
    with pytest.raises(InputError, match="materials.fr4.elasticity"):
        model.thermal_strain(25.0)


def test_orthotropic_thermal_strain_follows_axes():
    fr4 = get_material("fr4")
    m3 = ThermoElastic(fr4, stress_free_temperature=25.0, axes=(0, 1, 2))
    m2 = ThermoElastic(fr4, stress_free_temperature=25.0, axes=(0, 2, 1))
    e3 = m3.thermal_strain_vector(125.0)
    e2 = m2.thermal_strain_vector(125.0)
    assert e3[2] == pytest.approx(60e-6 * 100.0)  # through thickness = model z in 3D
    assert e2[1] == pytest.approx(60e-6 * 100.0)  # ... and model y in 2D
    assert e2[0] == pytest.approx(15e-6 * 100.0) and e2[2] == pytest.approx(15e-6 * 100.0)
    # above Tg = 180 C the z-CTE steps to 230 ppm/K (Isola 370HR)
    assert m3.thermal_strain_vector(200.0)[2] == pytest.approx(60e-6 * 155.0 + 230e-6 * 20.0)


def test_silicon_model_uses_rotated_cubic_stiffness():
    model = ThermoElastic(get_material("silicon"), stress_free_temperature=25.0)
    C = model.stiffness(np.zeros((2, 3)))
    assert C.shape == (2, 3, 6, 6)
    assert C[0, 0, 0, 0] == pytest.approx(195e3)  # (C11 + C12)/2 + C44 with 166/64/80 GPa
    # Okada-Tokumaru table: the free strain is the integral of alpha (Okada & Tokumaru 1984)
    eps = model.thermal_strain(np.array([-55.0, 125.0]))
    assert eps[0] < 0 < eps[1]
