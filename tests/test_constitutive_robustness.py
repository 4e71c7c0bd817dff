"""Vectorisation, extreme inputs, total-form thermal strain, bad input."""

import copy

import numpy as np
import pytest

from constitutive_drivers import (
    COPPER_PLASTICITY,
    GAROFALO_SCHUBERT_SAC,
    NORTON_ILLUSTRATIVE,
    SAC305_MOTALAB,
    SAC_CTE,
    constant,
    copper_plasticity,
    fd_tangent,
    linear_thermal_strain,
    sac_anand,
    sac_garofalo,
    sac_norton,
    sac_youngs_modulus,
    snpb_anand,
)
from thermofatigue.errors import InputError
from thermofatigue.materials.anand import Anand
from thermofatigue.materials.garofalo import Garofalo
from thermofatigue.materials.j2 import von_mises
from thermofatigue.materials.norton import Norton
from thermofatigue.materials.plasticity import J2Plasticity

FACTORIES = {"anand_sac305": sac_anand, "anand_snpb": snpb_anand, "garofalo": sac_garofalo,
             "norton": sac_norton, "plasticity": copper_plasticity}
SHAPE = (5, 4)


def assert_all_finite(*arrays):
    for a in arrays:
        if isinstance(a, dict):
            assert_all_finite(*a.values())
        else:
            assert np.all(np.isfinite(a))


def mixed_inputs(seed=0):
    """(5, 4, 6) increments: zero, tiny, moderate and large, with per-point T and dt."""
    rng = np.random.default_rng(seed)
    magnitude = np.array([0.0, 1e-7, 1e-4, 2e-3, 1e-2])[:, None, None]
    increment = rng.normal(size=SHAPE + (6,)) * magnitude
    T_new = rng.uniform(-55.0, 150.0, size=SHAPE)
    dt = 10.0 ** rng.uniform(-3, 3, size=SHAPE)
    return increment, T_new, dt


@pytest.mark.parametrize("name", list(FACTORIES))
def test_vectorised_call_equals_point_by_point(name):
    model = FACTORIES[name](linear_thermal_strain(SAC_CTE))
    increment, T_new, dt = mixed_inputs()
    state = model.initial_state(SHAPE)
    # some history first, so the old stress and inelastic strain are not zero
    _, _, state = model.update(increment * 0.5, 25.0, T_new, dt, state)
    saved = copy.deepcopy(state)
    stress, tangent, new_state = model.update(increment, T_new, T_new - 3.0, dt, state)
    assert stress.shape == SHAPE + (6,) and tangent.shape == SHAPE + (6, 6)
    for key, value in saved.items():  # the input state is not modified
        assert np.array_equal(state[key], value)
        assert new_state[key].shape == value.shape
    assert_all_finite(stress, tangent, new_state)
    flowing = new_state["equivalent_inelastic_strain"] > state["equivalent_inelastic_strain"]
    assert flowing.any() and (~flowing).any()  # mixed elastic / inelastic in one call
    for i in range(SHAPE[0]):
        for j in range(SHAPE[1]):
            point_state = {k: v[i, j][None] for k, v in state.items()}
            s, D, ns = model.update(increment[i, j][None], T_new[i, j], T_new[i, j] - 3.0,
                                    dt[i, j], point_state)
            assert np.allclose(s[0], stress[i, j], rtol=1e-12, atol=1e-12)
            assert np.allclose(D[0], tangent[i, j], rtol=1e-10, atol=1e-9)
            for key in ns:
                assert np.allclose(ns[key][0], new_state[key][i, j], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_zero_increment_from_virgin_state_is_exactly_zero(name):
    model = FACTORIES[name]()
    state = model.initial_state(SHAPE)
    stress, tangent, new_state = model.update(np.zeros(SHAPE + (6,)), 25.0, 25.0, 1.0, state)
    assert np.all(stress == 0.0)
    assert np.all(new_state["equivalent_inelastic_strain"] == 0.0)
    assert_all_finite(tangent)


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("dt", [1e-30, 1e-12, 1.0, 1e12, 1e30])
@pytest.mark.parametrize("strain", [1e-3, 0.5])
def test_extreme_steps_and_stresses_give_finite_results(name, dt, strain):
    """Strain 0.5 gives a trial stress of ~2e4 MPa (where a plain sinh(xi q / s) overflows);
    no floating-point overflow, invalid operation or division by zero may occur."""
    model = FACTORIES[name]()
    direction = np.array([1.0, -0.3, 0.2, 0.5, -0.4, 0.7])
    increment = np.tile(direction * strain, (4, 1))
    T = np.array([-55.0, 25.0, 125.0, 150.0])
    state = model.initial_state((4,))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        stress, tangent, new_state = model.update(increment, T, T, dt, state)
        # then a zero increment from the loaded state with the same dt
        stress2, tangent2, new_state2 = model.update(np.zeros((4, 6)), T, T, dt, new_state)
    assert_all_finite(stress, tangent, new_state, stress2, tangent2, new_state2)
    trial = _elastic_stress(model, increment, T)
    assert np.all(von_mises(stress) <= von_mises(trial) * (1 + 1e-12))
    if name != "plasticity" and dt >= 1e30:  # an endless step relaxes the deviator
        assert np.all(von_mises(stress) < 1e-2 * von_mises(trial))
    if name != "plasticity" and dt <= 1e-30 and strain <= 1e-3:  # a vanishing step is elastic
        assert np.allclose(stress, trial, rtol=1e-9, atol=1e-9)


def _elastic_stress(model, increment, T):
    from thermofatigue.materials.j2 import elastic_trial_stress
    G, K = model.elastic_moduli(T)
    return elastic_trial_stress(increment, G, K)


def test_dt_zero_is_elastic_for_creep_and_negative_dt_is_rejected():
    model = sac_anand()
    state = model.initial_state((2,))
    increment = np.tile([2e-3, 0, 0, 0, 0, 1e-3], (2, 1))
    stress, _, new_state = model.update(increment, 25.0, 25.0, 0.0, state)
    assert np.allclose(stress, _elastic_stress(model, increment, np.array([25.0, 25.0])))
    assert np.all(new_state["equivalent_inelastic_strain"] == 0.0)
    with pytest.raises(InputError, match="dt"):
        model.update(increment, 25.0, 25.0, -1.0, state)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_free_thermal_expansion_is_stress_free(name):
    thermal = linear_thermal_strain(SAC_CTE, T_ref=217.0)
    model = FACTORIES[name](thermal)
    state = model.initial_state((3,))
    T = np.array([217.0, 217.0, 217.0])
    for T_next in (125.0, -55.0, 150.0):
        T_new = np.full(3, T_next)
        d_eps = (thermal(T_new) - thermal(T))[:, None] * np.array([1, 1, 1, 0, 0, 0.0])
        stress, _, state = model.update(d_eps, T, T_new, 600.0, state)
        assert np.allclose(stress, 0.0, atol=1e-9)
        T = T_new
    assert np.all(state["equivalent_inelastic_strain"] == 0.0)


def test_temperature_dependent_modulus_is_path_independent_in_total_form():
    """Elastic (below yield) with E(T): the stress depends on the current temperature and
    strain only, not on the temperature path (no incremental-stress drift)."""
    model = J2Plasticity(COPPER_PLASTICITY, sac_youngs_modulus, constant(0.36),
                         linear_thermal_strain(17e-6))
    strain = np.array([[4e-4, -1e-4, 0.5e-4, 1e-4, 0.0, -2e-4]])
    direct_state = model.initial_state((1,))
    direct, _, _ = model.update(strain, 25.0, -40.0, 1.0, direct_state)
    state = model.initial_state((1,))
    _, _, state = model.update(strain * 0.3, 25.0, 125.0, 1.0, state)
    _, _, state = model.update(strain * 0.5, 125.0, 60.0, 1.0, state)
    path, _, state = model.update(strain * 0.2, 60.0, -40.0, 1.0, state)
    assert np.all(state["equivalent_inelastic_strain"] == 0.0)
    assert np.allclose(path, direct, rtol=1e-13, atol=1e-12)


# ------------------------------------------------------------------------- bad input
ELASTIC = (constant(40000.0), constant(0.4), constant(0.0))


@pytest.mark.parametrize("key", list(SAC305_MOTALAB))
@pytest.mark.parametrize("bad", ["missing", 0.0, -1.0, "abc", float("nan"), True])
def test_bad_anand_constant_names_the_field(key, bad):
    params = dict(SAC305_MOTALAB)
    if bad == "missing":
        del params[key]
    else:
        params[key] = bad
    with pytest.raises(InputError) as info:
        Anand(params, *ELASTIC, source="case.toml")
    assert info.value.field == f"anand.{key}"
    assert info.value.source == "case.toml"
    assert "positive number" in str(info.value)


def test_field_prefix_and_message():
    params = dict(SAC305_MOTALAB, h0=-5.0)
    with pytest.raises(InputError) as info:
        Anand(params, *ELASTIC, source="lib.toml", field_prefix="materials.SAC305.")
    assert str(info.value) == ("lib.toml: materials.SAC305.anand.h0 = -5.0: "
                               "expected a positive number (MPa)")


@pytest.mark.parametrize("cls, params, key", [
    (Garofalo, GAROFALO_SCHUBERT_SAC, "C3"),
    (Norton, NORTON_ILLUSTRATIVE, "sigma_ref"),
    (J2Plasticity, COPPER_PLASTICITY, "yield_stress"),
])
def test_bad_constants_of_other_models(cls, params, key):
    bad = dict(params)
    del bad[key]
    with pytest.raises(InputError) as info:
        cls(bad, *ELASTIC)
    assert info.value.field == f"{cls.model_name}.{key}"
    with pytest.raises(InputError):
        cls(dict(params, **{key: -1.0}), *ELASTIC)


def test_plasticity_allows_zero_hardening_and_not_a_mapping():
    model = J2Plasticity(dict(COPPER_PLASTICITY, hardening_modulus=0.0), *ELASTIC)
    assert model.hardening_modulus == 0.0
    with pytest.raises(InputError):
        Anand([1, 2, 3], *ELASTIC)
    with pytest.raises(InputError):
        Anand(SAC305_MOTALAB, 40000.0, *ELASTIC[1:])  # modulus must be a callable


@pytest.mark.parametrize("changes", [{"a": 0.8}, {"n": 0.9}, {"a": 0.5, "n": 1.0, "m": 0.9},
                                     {"m": 0.05}], ids=["a<1", "n~1", "a<1,n=1,m~1", "m small"])
def test_anand_with_unusual_constants_stays_finite_and_consistent(changes):
    """Constants outside the fitted solder ranges (a < 1 makes |B|^(a-1) singular at s = s*,
    large n makes s* span many decades): finite results and a consistent tangent."""
    model = Anand(dict(SAC305_MOTALAB, **changes), sac_youngs_modulus, constant(0.4),
                  constant(0.0))
    T = np.array([-55.0, 25.0, 125.0, 150.0])
    direction = np.array([1.0, -0.3, 0.2, 0.5, -0.4, 0.7])
    for dt in (1e-30, 1.0, 1e30):
        for scale in (1e-6, 1e-3, 0.5):
            state = model.initial_state((4,))
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                stress, tangent, state = model.update(np.tile(direction * scale, (4, 1)), T, T,
                                                      dt, state)
                stress2, tangent2, state2 = model.update(np.zeros((4, 6)), T, T, dt, state)
            assert_all_finite(stress, tangent, state, stress2, tangent2, state2)
    state = model.initial_state((1,))
    increment = np.array([[1e-3, -2e-4, 0.0, 3e-4, 0.0, 1e-4]])
    _, tangent, _ = model.update(increment, 25.0, 25.0, 1.0, state)
    reference = fd_tangent(model, increment, 25.0, 25.0, 1.0, state)
    assert np.abs(tangent - reference).max() <= 1e-6 * np.abs(tangent).max()
