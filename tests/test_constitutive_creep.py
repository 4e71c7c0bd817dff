"""Norton and Garofalo creep: steady creep rate under constant stress, relaxation vs ODE."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from constitutive_drivers import (assert_backward_euler_first_order, assert_bdf2_second_order,
                                  sac_garofalo, sac_norton,
                                  stress_controlled_step)
from test_constitutive_anand import STRAIN_DIRECTION, log_grid, relaxation
from thermofatigue.materials.j2 import von_mises

# uniaxial, pure shear and a mixed multiaxial stress state (MPa)
STRESS_STATES = np.array([
    [20.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 12.0],
    [15.0, -4.0, 3.0, 2.0, -5.0, 6.0],
])


def garofalo_formula(sigma, T_C):
    """eps_dot = C1 sinh(C2 sigma)^C3 exp(-C4/T), written out independently of the model."""
    c = sac_garofalo().constants
    return c["C1"] * np.sinh(c["C2"] * sigma) ** c["C3"] * np.exp(-c["C4"] / (T_C + 273.15))


def norton_formula(sigma, T_C):
    c = sac_norton().constants
    return c["A"] * (sigma / c["sigma_ref"]) ** c["n"] * np.exp(-c["Q_over_R"] / (T_C + 273.15))


@pytest.mark.parametrize("factory, formula", [(sac_garofalo, garofalo_formula),
                                              (sac_norton, norton_formula)],
                         ids=["garofalo", "norton"])
@pytest.mark.parametrize("T", [-40.0, 25.0, 125.0])
def test_steady_creep_rate_under_constant_stress_equals_formula(factory, formula, T):
    """Hold the stress constant (all six components prescribed): the equivalent creep strain
    rate over each step equals the law at the von Mises stress, and the creep strain rate
    tensor is 3/2 eps_dot s / q (normality)."""
    model = factory()
    n = len(STRESS_STATES)
    state = model.initial_state((n,))
    _, _, state, _ = stress_controlled_step(model, STRESS_STATES, T, T, 0.0, state)  # elastic
    q = von_mises(STRESS_STATES)
    dt = 0.02 / formula(q, T)  # about 2 % creep strain per step
    guess = None
    for _ in range(3):
        previous = state
        stress, _, state, guess = stress_controlled_step(model, STRESS_STATES, T, T, dt,
                                                         state, guess)
        rate = (state["equivalent_inelastic_strain"] - previous["equivalent_inelastic_strain"]) / dt
        assert np.allclose(rate, formula(q, T), rtol=1e-9)
        # total strain rate = creep strain rate once the stress is constant
        d_creep = state["inelastic_strain"] - previous["inelastic_strain"]
        assert np.allclose(guess, d_creep, rtol=1e-8, atol=1e-14)
        s = STRESS_STATES - STRESS_STATES[:, :3].mean(axis=1, keepdims=True) * [1, 1, 1, 0, 0, 0]
        normal = 1.5 * s / q[:, None] * np.array([1, 1, 1, 2, 2, 2])
        assert np.allclose(d_creep / dt[:, None], formula(q, T)[:, None] * normal, rtol=1e-8,
                           atol=1e-12 * formula(q, T).max())
    # and the closed-form rate methods agree with the formula
    assert np.allclose(model.creep_rate(q, T), formula(q, T), rtol=1e-12)


@pytest.mark.parametrize("integration", ["backward_euler", "bdf2"])
def test_garofalo_relaxation_matches_ode_integration(integration):
    """Hold a multiaxial strain at 125 C for 1e5 s on 50/100/200 log-spaced steps against
    Radau (rtol 1e-10): backward Euler first order (Richardson within 0.05 %), BDF2 (the
    default) second order."""
    model = sac_garofalo(time_integration=integration)
    T = 125.0
    fine = log_grid(200, 1e-4, 1e5)
    q = {N: relaxation(model, STRAIN_DIRECTION * 0.8e-3, T, fine[:: 200 // N])
         for N in (50, 100, 200)}
    G = float(model.elastic_moduli(np.array(T))[0])
    rate_factor = model.C1 * math.exp(-model.C4 / (T + 273.15))

    def rhs(_, y):
        return [-3.0 * G * rate_factor * math.sinh(model.C2 * y[0]) ** model.C3]

    sol = solve_ivp(rhs, (0.0, fine[-1]), [q[200][0]], method="Radau", t_eval=fine, rtol=1e-10,
                    atol=1e-12)
    reference = sol.y[0]
    {"backward_euler": assert_backward_euler_first_order,
     "bdf2": assert_bdf2_second_order}[integration](q, reference)
    q0 = reference[0]
    assert reference[-1] < 0.1 * q0
