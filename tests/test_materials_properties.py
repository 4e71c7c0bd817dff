"""Temperature-dependent properties and thermal strain (thermofatigue.materials.properties)."""

import numpy as np
import pytest
from scipy.integrate import quad

from thermofatigue.materials.properties import (
    Constant,
    Polynomial,
    Table,
    ThermalExpansion,
)


def okada_tokumaru_alpha(T_C):
    """Si CTE (1/K), Okada & Tokumaru, J. Appl. Phys. 56(2):314, 1984, T in C."""
    T = np.asarray(T_C, dtype=float) + 273.15
    return (3.725 * (1.0 - np.exp(-5.88e-3 * (T - 124.0))) + 5.548e-4 * T) * 1e-6


def test_constant_keeps_shape():
    T = np.linspace(-40, 125, 24).reshape(4, 3, 2)
    p = Constant(3.0)
    assert p(T).shape == (4, 3, 2)
    assert np.all(p(T) == 3.0)
    assert p(25.0).shape == ()


def test_table_interpolates_and_clamps():
    p = Table((0.0, 100.0), (1.0, 3.0))
    assert p(50.0) == pytest.approx(2.0)
    assert p(-50.0) == pytest.approx(1.0)  # held at the first value
    assert p(500.0) == pytest.approx(3.0)  # held at the last value
    T = np.array([[-10.0, 0.0, 25.0], [100.0, 150.0, 75.0]])
    np.testing.assert_allclose(p(T), [[1.0, 1.0, 1.5], [3.0, 3.0, 2.5]])


def test_table_jump_is_right_continuous():
    p = Table((-100.0, 180.0, 180.0, 300.0), (60.0, 60.0, 230.0, 230.0))
    assert p(179.999) == pytest.approx(60.0)
    assert p(180.0) == pytest.approx(230.0)
    assert p(200.0) == pytest.approx(230.0)
    # integral across the jump: 60 * 80 + 230 * 20
    assert p.integral(100.0, 200.0) == pytest.approx(60.0 * 80.0 + 230.0 * 20.0)


@pytest.mark.parametrize(
    "T, values",
    [
        ((0.0, 10.0, 5.0), (1.0, 2.0, 3.0)),  # decreasing
        ((0.0, 10.0, 10.0, 10.0, 20.0), (1, 2, 3, 4, 5)),  # three equal temperatures
        ((0.0, 0.0, 10.0), (1.0, 2.0, 3.0)),  # jump at an end
        ((0.0,), (1.0,)),  # one point
        ((0.0, 10.0), (1.0,)),  # length mismatch
    ],
)
def test_table_rejects_bad_tables(T, values):
    with pytest.raises(ValueError):
        Table(T, values)


def test_polynomial_with_range_clamps():
    # Kariya SAC: E = 76087 - 109 T_K  ->  46313.65 - 109 T_C (Kariya et al. 2001 via Clech, NIST)
    E = Polynomial((46313.65, -109.0), (-65.0, 217.0))
    assert E(25.0) == pytest.approx(43588.65)
    assert E(-40.0) == pytest.approx(50673.65)
    assert E(300.0) == pytest.approx(E(217.0))
    assert E(-100.0) == pytest.approx(E(-65.0))


def test_polynomial_integral_matches_quad_with_clamping():
    p = Polynomial((2.0, -0.01, 3e-5), (-50.0, 150.0))
    for a, b in [(-80.0, 200.0), (0.0, 100.0), (160.0, 170.0), (-70.0, -60.0)]:
        exact, _ = quad(lambda t: float(p(t)), a, b, points=[-50.0, 150.0])
        assert p.integral(a, b) == pytest.approx(exact, rel=1e-12, abs=1e-12)


def test_constant_alpha_thermal_strain():
    cte = ThermalExpansion(Constant(17.7e-6), "instantaneous")
    T = np.array([[-55.0, 25.0], [125.0, 217.0]])
    np.testing.assert_allclose(cte.thermal_strain(T, 25.0), 17.7e-6 * (T - 25.0), rtol=1e-14)


def test_instantaneous_table_integral_matches_quad():
    T_tab = np.arange(-100.0, 301.0, 10.0)
    table = Table(tuple(T_tab), tuple(okada_tokumaru_alpha(T_tab)))
    cte = ThermalExpansion(table, "instantaneous")
    for T, T_ref in [(-65.0, 25.0), (150.0, 25.0), (217.0, -40.0), (-100.0, 300.0),
                     (-140.0, 20.0), (350.0, 123.4), (33.3, 33.3)]:
        exact, _ = quad(lambda t: float(table(t)), T_ref, T, points=list(T_tab), limit=200)
        got = float(cte.thermal_strain(T, T_ref))
        assert abs(got - exact) <= 1e-12 * max(1.0, abs(exact))
        assert got == pytest.approx(exact, rel=1e-10, abs=1e-18)


def test_instantaneous_table_integral_is_piecewise_quadratic_exact():
    table = Table((0.0, 100.0), (1e-6, 3e-6))  # alpha = 1e-6 + 2e-8 T
    cte = ThermalExpansion(table, "instantaneous")
    # int_0^T (1e-6 + 2e-8 t) dt = 1e-6 T + 1e-8 T^2
    assert cte.thermal_strain(60.0, 0.0) == pytest.approx(1e-6 * 60 + 1e-8 * 3600, rel=1e-14)


def test_thermal_strain_derivative_is_alpha():
    table = Table((-100.0, 107.7, 107.7, 300.0), (37e-6, 37e-6, 118e-6, 118e-6))
    cte = ThermalExpansion(table, "instantaneous")
    T = np.array([-150.0, -20.0, 50.0, 150.0, 350.0])
    h = 1e-3
    slope = (cte.thermal_strain(T + h, 25.0) - cte.thermal_strain(T - h, 25.0)) / (2 * h)
    np.testing.assert_allclose(slope, table(T), rtol=1e-8)


def test_secant_formula():
    # alpha_sec(T) = 10e-6 + 0.02e-6 (T - 20), measured from T0 = 20 C
    alpha = Polynomial((10e-6 - 0.4e-6, 0.02e-6))
    cte = ThermalExpansion(alpha, "secant", reference_temperature=20.0)
    T, T_ref = np.array([125.0, -40.0]), 25.0
    expected = alpha(T) * (T - 20.0) - alpha(T_ref) * (T_ref - 20.0)
    np.testing.assert_allclose(cte.thermal_strain(T, T_ref), expected, rtol=1e-14)
    assert cte.thermal_strain(T_ref, T_ref) == 0.0
    # the total strain from T0 is alpha_sec(T) (T - T0)
    assert cte.thermal_strain(100.0, 20.0) == pytest.approx(alpha(100.0) * 80.0)


def test_secant_needs_reference_temperature():
    with pytest.raises(ValueError):
        ThermalExpansion(Constant(1e-5), "secant")
    with pytest.raises(ValueError):
        ThermalExpansion(Constant(1e-5), "mean")


def test_thermal_strain_vectorised_shapes():
    cte = ThermalExpansion(Table((0.0, 100.0), (1e-6, 2e-6)), "instantaneous")
    T = np.random.default_rng(0).uniform(-60, 160, size=(7, 4))
    assert cte.thermal_strain(T, 25.0).shape == (7, 4)
    assert cte.thermal_strain(T, np.full((7, 4), 25.0)).shape == (7, 4)
