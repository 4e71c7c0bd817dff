"""Fatigue laws against worked examples of their sources, closed-form identities, monotonicity.

"[C]" marks check values computed (arithmetic only) from the cited constants; the source of each
constant set is in thermofatigue/fatigue/constants.toml and docs/references.md.
"""

import math

import numpy as np
import pytest

from thermofatigue.fatigue import laws
from thermofatigue.fatigue.constants import INCH_IN_MM, PSI_IN_MPA


# --- Darveaux ------------------------------------------------------------------------------
# SAC305 set (K1 = 37.97 cycles/MPa^K2, K2 = -2.8, K3 = 3.99e-6 m/cycle/MPa^K4 = 3.99e-3 mm,
# K4 = 2.05; public CoupFE-EDA code, primary not named) with the source's crack length
# a = 0.46 mm. Check values [C] from these constants: dW (MPa), N0, da/dN (mm/cycle), N.
DARVEAUX_SAC305 = dict(K1=37.97, K2=-2.8, K3=3.99e-3, K4=2.05)
DARVEAUX_SAC305_CHECK = [
    (0.05, 166849, 8.587e-6, 220416),
    (0.10, 23958, 3.556e-5, 36893),
    (0.20, 3440, 1.473e-4, 6564),
    (0.23, 2326, 1.961e-4, 4672),
    (0.30, 1105, 3.381e-4, 2466),
    (0.50, 264, 9.635e-4, 742),
]


@pytest.mark.parametrize("dW, n0, rate, life", DARVEAUX_SAC305_CHECK)
def test_darveaux_sac305_check_values(dW, n0, rate, life):
    k = DARVEAUX_SAC305
    # lives printed to the cycle (23 958 is 23 957.45), rates to 4 digits
    assert laws.darveaux_initiation(dW, k["K1"], k["K2"]) == pytest.approx(n0, rel=1e-4, abs=0.6)
    assert laws.darveaux_growth_rate(dW, k["K3"], k["K4"]) == pytest.approx(rate, rel=6e-4)
    assert laws.darveaux_life(dW, 0.46, **k) == pytest.approx(life, rel=1e-4, abs=0.6)


def test_darveaux_snpb_worked_example_in_native_and_converted_units():
    """Darveaux 2000 eutectic-SnPb constants with K4 = 0.99 in psi/inch (K1 = 22 400 cycles/psi^K2,
    K2 = -1.52, K3 = 5.86e-7 in/cycle/psi^K4): the CoupFE-EDA record gives N = 2780 = 1584 + 1196
    cycles for dW = 0.0394 MPa and a = 0.1 mm; [C] N0 = 1583.6, growth 1196.4, N = 2779.9."""
    K1, K2, K3, K4 = 22400.0, -1.52, 5.86e-7, 0.99
    dW_psi = 0.0394 / PSI_IN_MPA          # 5.714 psi
    a_in = 0.1 / INCH_IN_MM               # 3.937e-3 in
    n0 = laws.darveaux_initiation(dW_psi, K1, K2)
    growth = a_in / laws.darveaux_growth_rate(dW_psi, K3, K4)
    assert n0 == pytest.approx(1583.6, abs=0.1)
    assert growth == pytest.approx(1196.4, abs=0.1)
    assert laws.darveaux_life(dW_psi, a_in, K1, K2, K3, K4) == pytest.approx(2779.9, abs=0.1)
    assert round(float(n0)) == 1584 and round(float(growth)) == 1196  # the record's rounding
    # the same life from constants converted to MPa / mm by hand-derived factors
    K1_mpa = K1 * PSI_IN_MPA ** -K2
    K3_mm = K3 * INCH_IN_MM * PSI_IN_MPA ** -K4
    assert laws.darveaux_life(0.0394, 0.1, K1_mpa, K2, K3_mm, K4) == pytest.approx(2779.9, abs=0.1)


def test_darveaux_growth_term_is_linear_in_crack_length():
    k = DARVEAUX_SAC305
    n0 = laws.darveaux_initiation(0.1, k["K1"], k["K2"])
    l1 = laws.darveaux_life(0.1, 0.2, **k) - n0
    l2 = laws.darveaux_life(0.1, 0.4, **k) - n0
    assert l2 == pytest.approx(2.0 * l1, rel=1e-12)


# --- Syed ----------------------------------------------------------------------------------
def test_syed_energy_life():
    """N = (C' W)^-1 with C' = 0.0019 1/MPa (Syed 2004, OptiStruct default): W = 0.0111 MPa
    gives 1/(0.0019 * 0.0111) = 47 415.8 cycles [C]."""
    assert laws.syed_energy_life(0.0111, 0.0019) == pytest.approx(47415.84, abs=0.01)
    assert laws.syed_energy_life(0.0111, 0.0019) * 0.0019 * 0.0111 == pytest.approx(1.0)


def test_syed_creep_strain_life():
    """N = (C eps)^-1 with C = 0.0513 (Syed 2004 via Amalu et al. 2015): eps = 0.01 per cycle
    gives 1949.3 cycles [C]."""
    assert laws.syed_creep_strain_life(0.01, 0.0513) == pytest.approx(1949.318, abs=1e-3)


# --- Coffin-Manson and Morrow --------------------------------------------------------------
def test_coffin_manson_inverts_the_strain_life_relation():
    eps_f, c = 0.325, -0.5
    d_eps = np.array([0.002, 0.01, 0.05])
    n = laws.coffin_manson_life(d_eps, eps_f, c)
    np.testing.assert_allclose(d_eps / 2.0, eps_f * (2.0 * n) ** c, rtol=1e-12)
    # [C] d_eps = 0.01, eps_f = 0.325, c = -0.5: N = 0.5 (0.01/0.65)^-2 = 2112.5
    assert n[1] == pytest.approx(2112.5, rel=1e-12)


def test_morrow_inverts_the_energy_life_relation_and_matches_the_power_law_form():
    W_f, m = 50.0, -0.7
    dW = np.array([0.01, 0.1, 1.0])
    n = laws.morrow_energy_life(dW, W_f, m)
    np.testing.assert_allclose(dW, W_f * n ** m, rtol=1e-12)
    # Clech's N = C dW^-n form: n = -1/m, C = W_f^(-1/m)
    np.testing.assert_allclose(n, W_f ** (-1.0 / m) * dW ** (1.0 / m), rtol=1e-12)


# --- Engelmaier ----------------------------------------------------------------------------
def test_engelmaier_check_value():
    """Public-code unit test of the IPC-D-279 form [S]: T_sj = 55 C, t_D = 15 min gives
    c = -0.41899; d_gamma = 0.065 with eps_f = 0.325 gives N_f(50 %) = 121.8."""
    assert laws.engelmaier_exponent(55.0, 15.0) == pytest.approx(-0.41899, abs=5e-6)
    assert laws.engelmaier_life(0.065, 55.0, 15.0) == pytest.approx(121.8, abs=0.05)


def test_engelmaier_exponent_terms():
    # c0 + c1 T + c2 ln(1 + 360/t_D), term by term
    c = laws.engelmaier_exponent(100.0, 360.0, c0=-0.4, c1=-1e-3, c2=0.02)
    assert c == pytest.approx(-0.4 - 0.1 + 0.02 * math.log(2.0), rel=1e-14)
    # a hotter mean temperature and a longer dwell both make c more negative: shorter life
    assert laws.engelmaier_life(0.01, 100.0, 15.0) < laws.engelmaier_life(0.01, 25.0, 15.0)
    assert laws.engelmaier_life(0.01, 50.0, 60.0) < laws.engelmaier_life(0.01, 50.0, 5.0)


def test_engelmaier_shear_strain():
    # F L_D d_alpha dT / h: 1 * 0.8 mm * 12e-6/K * 165 K / 0.2 mm
    assert laws.engelmaier_shear_strain(1.0, 0.8, 0.2, 12e-6, 165.0) == pytest.approx(7.92e-3)
    # the sign of the mismatch does not matter
    assert laws.engelmaier_shear_strain(1.0, 0.8, 0.2, -12e-6, 165.0) == pytest.approx(7.92e-3)


# --- Norris-Landzberg ----------------------------------------------------------------------
def test_norris_landzberg_temperature_term_reproduces_the_published_factor():
    """Texas Instruments E2E worked example (thread 730473), SnPb n = 1.9: a 180 C test swing
    against a 50 C field swing accelerates by (180/50)^1.9 = 11.4."""
    af = laws.norris_landzberg_acceleration(180.0, 50.0, 1.0, 1.0, 125.0, 125.0, n=1.9)
    assert round(float(af), 1) == 11.4


def test_norris_landzberg_frequency_term_orientation():
    """Same example: frequency ratio 48 cycles/day (test) to 1 (field) with m = 0.33 has the
    magnitude (48/1)^0.33 = 3.6. Norris & Landzberg (1969): N grows with f^m, so a slower field
    cycle gives fewer field cycles: the factor divides AF (the E2E answer multiplies)."""
    af = laws.norris_landzberg_acceleration(100.0, 100.0, 48.0, 1.0, 100.0, 100.0, m=0.33)
    assert round(1.0 / float(af), 1) == 3.6
    assert af < 1.0


def test_norris_landzberg_arrhenius_term():
    """[C] T_max field 60 C against test 125 C: exp(2185 K (1/333.15 - 1/398.15)) = 2.917 (Pan
    2005 value) and 9.72 for Ea = 0.4 eV (4641.8 K): the factor-of-three disagreement of the
    two published SAC activation energies."""
    af_pan = laws.norris_landzberg_acceleration(1, 1, 1, 1, 125.0, 60.0, Ea_over_k=2185.0)
    af_ev = laws.norris_landzberg_acceleration(1, 1, 1, 1, 125.0, 60.0, Ea_over_k=4641.8)
    assert af_pan == pytest.approx(2.9175, abs=1e-4)
    assert af_ev == pytest.approx(9.724, abs=1e-3)


def test_norris_landzberg_full_snpb_factor_is_the_product_of_its_terms():
    af = laws.norris_landzberg_acceleration(165.0, 60.0, 24.0, 2.0, 125.0, 70.0)
    expected = (165 / 60) ** 1.9 * (2 / 24) ** (1 / 3) * math.exp(1414 * (1 / 343.15 - 1 / 398.15))
    assert af == pytest.approx(expected, rel=1e-13)


# --- behaviour common to all laws ----------------------------------------------------------
ENERGY_LAWS = {
    "darveaux": lambda w: laws.darveaux_life(w, 0.2, **DARVEAUX_SAC305),
    "syed_energy": lambda w: laws.syed_energy_life(w, 0.0019),
    "morrow": lambda w: laws.morrow_energy_life(w, 50.0, -0.7),
}
STRAIN_LAWS = {
    "syed_strain": lambda e: laws.syed_creep_strain_life(e, 0.0513),
    "coffin_manson": lambda e: laws.coffin_manson_life(e, 0.325, -0.5),
    "engelmaier": lambda e: laws.engelmaier_life(e, 42.5, 15.0),
}


@pytest.mark.parametrize("law", sorted(ENERGY_LAWS))
def test_life_falls_as_energy_rises(law):
    dW = np.geomspace(1e-3, 2.0, 40)
    life = ENERGY_LAWS[law](dW)
    assert life.shape == dW.shape
    assert np.all(np.diff(life) < 0.0)


@pytest.mark.parametrize("law", sorted(STRAIN_LAWS))
def test_life_falls_as_strain_rises(law):
    d_eps = np.geomspace(1e-4, 0.2, 40)
    assert np.all(np.diff(STRAIN_LAWS[law](d_eps)) < 0.0)


@pytest.mark.parametrize("law", sorted(ENERGY_LAWS) + sorted(STRAIN_LAWS))
def test_no_driving_force_means_no_failure(law):
    f = {**ENERGY_LAWS, **STRAIN_LAWS}[law]
    life = f(np.array([0.0, 0.01]))
    assert np.isinf(life[0]) and np.isfinite(life[1])


def test_laws_broadcast_over_joints_and_constants():
    dW = np.array([0.05, 0.1, 0.2])
    a = np.array([0.2, 0.25, 0.3])
    vector = laws.darveaux_life(dW, a, **DARVEAUX_SAC305)
    single = [laws.darveaux_life(w, x, **DARVEAUX_SAC305) for w, x in zip(dW, a)]
    np.testing.assert_allclose(vector, single, rtol=1e-15)
