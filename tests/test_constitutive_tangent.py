"""Consistent tangent of every model against a central finite-difference tangent."""

import numpy as np
import pytest

from constitutive_drivers import (
    SAC_CTE,
    copper_plasticity,
    fd_tangent,
    linear_thermal_strain,
    sac_anand,
    sac_garofalo,
    sac_norton,
    snpb_anand,
)
from thermofatigue.materials.j2 import isotropic_stiffness

FACTORIES = {
    "anand_sac305": lambda: sac_anand(linear_thermal_strain(SAC_CTE)),
    "anand_snpb": lambda: snpb_anand(linear_thermal_strain(24e-6)),
    "garofalo": lambda: sac_garofalo(linear_thermal_strain(SAC_CTE)),
    "norton": lambda: sac_norton(linear_thermal_strain(SAC_CTE)),
    "plasticity": lambda: copper_plasticity(linear_thermal_strain(17e-6)),
}
TEMPERATURES = np.array([-40.0, 25.0, 125.0, -40.0, 25.0, 125.0])


def loaded_state(model, strain_scale, seed=1):
    """A state with inelastic history: five multiaxial loading steps of 10 s each."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(6, 6))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    state = model.initial_state((6,))
    for _ in range(5):
        _, _, state = model.update(directions * strain_scale / 5, TEMPERATURES, TEMPERATURES,
                                   10.0, state)
    return state


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("dt, dT", [(1.0, 0.0), (100.0, 5.0), (1e-3, -3.0)])
def test_tangent_equals_finite_differences_in_inelastic_states(name, dt, dT):
    model = FACTORIES[name]()
    state = loaded_state(model, 6e-3 if name == "plasticity" else 3e-3)
    increment = np.random.default_rng(2).normal(size=(6, 6)) * 1e-3
    T_new = TEMPERATURES + dT
    _, tangent, new_state = model.update(increment, TEMPERATURES, T_new, dt, state)
    assert np.all(new_state["equivalent_inelastic_strain"] > state["equivalent_inelastic_strain"])
    reference = fd_tangent(model, increment, TEMPERATURES, T_new, dt, state, h=1e-8)
    scale = np.abs(tangent).max(axis=(-2, -1))
    error = np.abs(tangent - reference).max(axis=(-2, -1))
    assert np.all(error <= 1e-6 * scale)
    # the inelastic correction itself (D - C) is right where it is not negligible
    G, K = model.elastic_moduli(T_new)
    correction = np.abs(tangent - isotropic_stiffness(G, K)).max(axis=(-2, -1))
    visible = correction > 1e-3 * scale
    assert visible.sum() >= 3
    assert np.all(error[visible] <= 1e-4 * correction[visible])
    # symmetric (associative flow, isotropic elasticity)
    assert np.allclose(tangent, np.swapaxes(tangent, -1, -2), rtol=0, atol=1e-9 * scale.max())


@pytest.mark.parametrize("name", list(FACTORIES))
def test_tangent_is_elastic_where_no_flow(name):
    """Virgin state with a small increment (plasticity below yield) or dt = 0 (creep):
    the tangent is the elastic stiffness at T_new, and equals finite differences."""
    model = FACTORIES[name]()
    state = model.initial_state((6,))
    increment = np.random.default_rng(5).normal(size=(6, 6)) * 1e-4
    dt = 0.0 if name != "plasticity" else 10.0
    _, tangent, new_state = model.update(increment, TEMPERATURES, TEMPERATURES + 2.0, dt, state)
    G, K = model.elastic_moduli(TEMPERATURES + 2.0)
    assert np.allclose(tangent, isotropic_stiffness(G, K), rtol=1e-14, atol=0)
    assert np.all(new_state["equivalent_inelastic_strain"] == 0.0)
    reference = fd_tangent(model, increment, TEMPERATURES, TEMPERATURES + 2.0, dt, state)
    assert np.abs(tangent - reference).max() <= 1e-6 * np.abs(tangent).max()


@pytest.mark.parametrize("name", ["anand_sac305", "garofalo", "norton"])
def test_tangent_with_negligible_creep_at_low_temperature(name):
    """-40 C, small stress, short step: creep is negligible but non-zero; the tangent stays
    consistent (close to elastic)."""
    model = FACTORIES[name]()
    state = model.initial_state((1,))
    increment = np.array([[2e-4, -1e-4, 0.5e-4, 0.0, 1e-4, 0.0]])
    _, tangent, new_state = model.update(increment, -40.0, -40.0, 1e-3, state)
    reference = fd_tangent(model, increment, -40.0, -40.0, 1e-3, state)
    assert np.abs(tangent - reference).max() <= 1e-6 * np.abs(tangent).max()
    assert 0.0 < new_state["equivalent_inelastic_strain"][0] < 1e-8
