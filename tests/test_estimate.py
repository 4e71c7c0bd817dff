"""Engelmaier closed-form estimate on the built-in default package, against a hand computation."""

import math
import time
from importlib import resources

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.estimate import cycle_parameters, estimate
from thermofatigue.geometry import load_spec
from thermofatigue.loads import profile_from_spec


@pytest.fixture(scope="module")
def default_spec():
    path = resources.files("thermofatigue").joinpath("data", "wlcsp_0p4.toml")
    return load_spec(str(path))


def test_corner_joint_by_hand(default_spec):
    """Default package (4 x 4 balls, 0.4 mm pitch, 0.26 mm balls on 0.208 mm pads), JEDEC
    JESD22-A104 condition G (-40/+125 C, 15 min dwells), SAC305 with the Engelmaier SnPb
    parameters. By hand:

    * DNP of a corner ball: 0.6 * sqrt(2) = 0.848528 mm;
    * stand-off: the truncated sphere of the ball's volume (pi d^3 / 6) between two pads of
      radius 0.104 mm solves h^3 + 3 (a^2 + b^2) h - d^3 = 0: h = 0.180386 mm;
    * CTEs at T_mean = 42.5 C: FR-4 in-plane 15.0 ppm/K (ANSYS PCB example); silicon from Okada &
      Tokumaru (1984), alpha = 3.725 [1 - exp(-5.88e-3 (315.65 - 124))] + 5.548e-4 * 315.65
      = 2.6931 ppm/K;
    * d_gamma = 0.848528 * (15.0 - 2.6931) e-6 * 165 / 0.180386 = 9.5520e-3;
    * c = -0.442 - 6e-4 * 42.5 + 0.0174 ln(1 + 360/15) = -0.411492;
    * N = 0.5 (9.5520e-3 / 0.65)^(1 / -0.411492) = 14 225 cycles.
    """
    r = estimate(default_spec, "JESD22-A104:G", "sac305")
    h = r.inputs["joint_height"]
    assert h ** 3 + 6 * 0.104 ** 2 * h - 0.26 ** 3 == pytest.approx(0.0, abs=1e-15)
    assert h == pytest.approx(0.180386, abs=1e-6)
    assert r.inputs["alpha_board"] == pytest.approx(15.0e-6, rel=1e-12)
    # the library tabulates the Okada-Tokumaru formula every 10 C (< 0.002 ppm/K off)
    assert r.inputs["alpha_component"] == pytest.approx(2.6931e-6, abs=2e-9)
    assert r.inputs["exponent_c"] == pytest.approx(-0.411492, abs=1e-6)
    c = r.critical_index
    assert r.dnp[c] == pytest.approx(0.848528, abs=1e-6)
    assert r.d_gamma[c] == pytest.approx(9.5520e-3, rel=3e-4)
    assert r.life[c] == pytest.approx(14225, rel=1e-3)


def test_every_joint_of_the_array_and_its_symmetry(default_spec):
    r = estimate(default_spec)
    assert r.joint_id.tolist() == list(range(16))
    assert r.joint_id[r.critical_index] == 0          # a corner: the lowest id among equals
    corners = [0, 3, 12, 15]
    np.testing.assert_allclose(r.life[corners], r.life[0], rtol=1e-14)
    # life falls with DNP: centre ring > edge > corner
    assert r.life[5] > r.life[1] > r.life[0]
    # d_gamma is proportional to DNP
    np.testing.assert_allclose(r.d_gamma / r.dnp, r.d_gamma[0] / r.dnp[0], rtol=1e-14)


def test_format_table_sorted_by_life(default_spec):
    r = estimate(default_spec)
    text = r.format_table()
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["joint", "row", "col"])
    rows = lines[header + 1: header + 17]
    lives = [float(line.split()[-1]) for line in rows]
    assert lives == sorted(lives)
    assert rows[0].split()[0] == "0"
    assert "critical joint: 0" in text and "[U]" in text and "JESD22-A104:G" in text
    short = r.format_table(max_rows=4)
    assert "... 12 more joints" in short


def test_a_smaller_swing_and_a_user_constant_set(default_spec):
    base = estimate(default_spec, "JESD22-A104:G")
    milder = estimate(default_spec, "IPC-9701:TC1")       # 0/100 C, 10 min dwells
    assert milder.life[0] > base.life[0]
    user = estimate(default_spec, constants={"F": 0.5})
    # half the strain range: N scales by 0.5^(1/c)
    assert user.life[0] == pytest.approx(base.life[0] * 0.5 ** (1 / base.inputs["exponent_c"]))


def test_cycle_parameters_from_any_profile():
    p = cycle_parameters(profile_from_spec("JESD22-A104:G"))
    assert p == {"T_min": -40.0, "T_max": 125.0, "delta_T": 165.0, "mean_temperature_C": 42.5,
                 "dwell_hot_minutes": 15.0, "dwell_cold_minutes": 15.0,
                 "half_cycle_dwell_minutes": 15.0}
    table = profile_from_spec({"table": [[0, 100], [600, 100], [1200, 0], [1500, 0], [2100, 100]]})
    q = cycle_parameters(table)
    assert q["dwell_hot_minutes"] == 10.0 and q["dwell_cold_minutes"] == 5.0
    assert q["half_cycle_dwell_minutes"] == 7.5


def test_a_profile_without_dwells_is_an_input_error(default_spec):
    ramps = {"table": [[0, -40], [600, 125], [1200, -40]]}
    with pytest.raises(InputError, match="dwells"):
        estimate(default_spec, ramps)


def test_well_under_a_second(default_spec):
    estimate(default_spec)  # imports done
    start = time.perf_counter()
    estimate(default_spec)
    assert time.perf_counter() - start < 0.25
