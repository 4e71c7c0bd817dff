"""Tests of thermofatigue.loads: presets, breakpoints, cool-down, step plans, validation."""

from __future__ import annotations

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.loads import (
    DEFAULT_CYCLES,
    PRESETS,
    TemperatureProfile,
    preset_names,
    profile_from_spec,
    read_profile_csv,
)

# Extremes of JESD22-A104 (test-lab reproduction of the condition table) and IPC-9701 Table 4-1
# (recalled) (written out here, independent of the module).
EXPECTED_EXTREMES = {
    "JESD22-A104:A": (-55, 85), "JESD22-A104:B": (-55, 125), "JESD22-A104:C": (-65, 150),
    "JESD22-A104:G": (-40, 125), "JESD22-A104:H": (-55, 150), "JESD22-A104:K": (0, 125),
    "JESD22-A104:I": (-40, 115), "JESD22-A104:J": (0, 100), "JESD22-A104:L": (-55, 110),
    "JESD22-A104:M": (-40, 150), "JESD22-A104:N": (-40, 85),
    "IPC-9701:TC1": (0, 100), "IPC-9701:TC2": (-25, 100), "IPC-9701:TC3": (-40, 125),
    "IPC-9701:TC4": (-55, 125), "IPC-9701:TC5": (-55, 100),
}
UNVERIFIED_JEDEC = {"I", "J", "L", "M", "N"}
TOL = 1e-12


def _profiles():
    """A few differently shaped profiles for property checks."""
    return [
        profile_from_spec("JESD22-A104:G"),
        profile_from_spec({"preset": "JESD22-A104:B", "stress_free_temperature": 217, "cycles": 2}),
        profile_from_spec({"preset": "IPC-9701:TC3", "stress_free_temperature": 25,
                           "start": "cold", "dwell_hot": 0}),
        profile_from_spec({"table": [[0, 25], [300, 125], [700, 125], [1500, -40], [1800, 25]],
                           "cycles": 4, "stress_free_temperature": 183, "cool_down_rate": 1.0}),
    ]


# ---- presets -------------------------------------------------------------------------------


def test_preset_list_is_complete():
    assert set(preset_names()) == set(EXPECTED_EXTREMES)
    for name, preset in PRESETS.items():
        cond = name.split(":")[1]
        if name.startswith("JESD22-A104"):
            assert preset.verified == (cond not in UNVERIFIED_JEDEC)
        if not preset.verified:
            assert "[U]" in preset.status


@pytest.mark.parametrize("name", sorted(EXPECTED_EXTREMES))
def test_every_preset_builds_with_table_extremes(name):
    p = profile_from_spec(name)
    lo, hi = EXPECTED_EXTREMES[name]
    assert p.T_min == lo and p.T_max == hi
    assert p.temperatures.min() == lo and p.temperatures.max() == hi
    assert p.n_cycles == DEFAULT_CYCLES
    # no cool-down by default: stress-free at the cycle start, which is the hot dwell
    assert p.cool_down_time == 0.0
    assert p.stress_free_temperature == hi == p.temperature(0.0)


@pytest.mark.parametrize("name", sorted(EXPECTED_EXTREMES))
def test_period_is_ramps_plus_dwells(name):
    p = profile_from_spec(name)
    info = p.info
    lo, hi = EXPECTED_EXTREMES[name]
    assert info["ramp_rate"] == pytest.approx((hi - lo) / info["ramp_time"])
    assert p.period == pytest.approx(info["dwell_hot"] + info["dwell_cold"] + 2 * info["ramp_time"])
    if name.startswith("JESD22"):
        assert (info["dwell_hot"], info["dwell_cold"], info["ramp_time"]) == (900, 900, 900)
        assert p.period == 3600.0
    else:
        assert (info["dwell_hot"], info["dwell_cold"]) == (600, 600)
        assert info["ramp_rate"] == pytest.approx(10 / 60)
        assert info["ramp_rate"] <= 20 / 60  # IPC-9701 ramp limit
        assert p.period == pytest.approx(1200 + 2 * (hi - lo) * 6)
    # the durations of the time spent at each temperature add up
    flat = np.diff(p.cycle_times)[np.diff(p.cycle_temperatures) == 0].sum()
    ramps = np.diff(p.cycle_times)[np.diff(p.cycle_temperatures) != 0].sum()
    assert flat == pytest.approx(info["dwell_hot"] + info["dwell_cold"])
    assert ramps == pytest.approx(2 * info["ramp_time"])


def test_preset_names_are_case_insensitive():
    a = profile_from_spec("jesd22-a104:g")
    b = profile_from_spec(" JESD22-A104:G ")
    assert a.name == b.name == "JESD22-A104:G"
    np.testing.assert_array_equal(a.times, b.times)


def test_overrides():
    p = profile_from_spec({"preset": "JESD22-A104:G", "dwell_hot": 600, "dwell_cold": 300,
                           "ramp_rate": 10 / 60, "cycles": 2, "T_max": 100})
    assert p.n_cycles == 2 and p.T_max == 100 and p.T_min == -40
    np.testing.assert_allclose(p.cycle_times, [0, 600, 600 + 840, 600 + 840 + 300, 2580])
    np.testing.assert_array_equal(p.cycle_temperatures, [100, 100, -40, -40, 100])
    q = profile_from_spec({"preset": "JESD22-A104:B", "soak_mode": 2, "ramp_time": 600})
    assert q.period == 2 * 300 + 2 * 600
    r = profile_from_spec({"preset": "IPC-9701:TC2", "dwell": 0})
    assert r.cycle_times.size == 3  # zero dwells leave no flat segment
    assert r.period == pytest.approx(2 * 125 * 6)


def test_start_cold():
    p = profile_from_spec({"preset": "IPC-9701:TC1", "start": "cold"})
    np.testing.assert_array_equal(p.cycle_temperatures, [0, 0, 100, 100, 0])
    assert p.temperature(p.cycle_start(1)) == 0


# ---- evaluation ------------------------------------------------------------------------------


@pytest.mark.parametrize("p", _profiles(), ids=lambda p: p.name)
def test_temperature_hits_every_corner_exactly(p):
    bp = p.breakpoints
    assert np.all(np.diff(bp) > 0) and bp[0] == 0.0 and bp[-1] == p.t_end
    np.testing.assert_array_equal(p.temperature(bp), p.temperatures)
    for k in range(p.n_cycles):
        t0 = p.cycle_start(k)
        assert t0 in bp and p.cycle_end(k) in bp
        assert p.temperature(t0) == p.cycle_temperatures[0]
        np.testing.assert_array_equal(p.temperature(t0 + p.cycle_times), p.cycle_temperatures)
    # linear in between
    mid = 0.5 * (bp[:-1] + bp[1:])
    np.testing.assert_allclose(p.temperature(mid), 0.5 * (p.temperatures[:-1] + p.temperatures[1:]))


def test_temperature_is_vectorised_and_bounded():
    p = profile_from_spec("JESD22-A104:G")
    t = np.linspace(0, p.t_end, 12).reshape(3, 4)
    assert p.temperature(t).shape == (3, 4)
    assert np.isscalar(p.temperature(10.0)) or p.temperature(10.0).ndim == 0
    with pytest.raises(ValueError):
        p.temperature(-1.0)
    with pytest.raises(ValueError):
        p.temperature(p.t_end + 1.0)


def test_rate_and_sides():
    p = profile_from_spec({"preset": "JESD22-A104:G", "stress_free_temperature": 217})
    r = p.info["ramp_rate"]
    t0 = p.cycle_start(0)
    assert p.rate(0.5 * t0) == pytest.approx(-r)            # cool-down at the ramp rate
    assert p.rate(t0 + 450) == 0.0                          # hot dwell
    assert p.rate(t0 + 1350) == pytest.approx(-r)           # ramp down
    assert p.rate(t0 + 3150) == pytest.approx(r)            # ramp up
    assert p.rate(t0, side="left") == pytest.approx(-r)     # cool-down ends at t0
    assert p.rate(t0, side="right") == 0.0                  # the dwell starts at t0
    np.testing.assert_allclose(p.rate([0.0, p.t_end]), [-r, r])


def test_cycle_bounds_and_index():
    p = profile_from_spec({"preset": "IPC-9701:TC1", "cycles": 3, "stress_free_temperature": 217})
    b = p.cycle_bounds
    assert b.shape == (3, 2)
    np.testing.assert_array_equal(b[1:, 0], b[:-1, 1])
    np.testing.assert_allclose(np.diff(b, axis=1).ravel(), p.period)
    assert b[0, 0] == p.cool_down_time > 0 and b[-1, 1] == p.t_end
    assert p.cycle_start(-1) == p.cycle_start(2) and p.cycle_end(-1) == p.t_end
    with pytest.raises(IndexError):
        p.cycle_start(3)
    idx = p.cycle_index([0.0, b[0, 0], b[1, 0] - 1, b[1, 0], p.t_end])
    np.testing.assert_array_equal(idx, [-1, 0, 0, 1, 2])
    assert p.t_end == pytest.approx(p.cool_down_time + 3 * p.period)


# ---- cool-down ----------------------------------------------------------------------------------


def test_cool_down_starts_at_stress_free_temperature():
    p = profile_from_spec({"preset": "JESD22-A104:G", "stress_free_temperature": 217,
                           "cool_down_rate": 0.5})
    assert p.stress_free_temperature == 217 == p.temperature(0.0)
    assert p.cool_down_time == pytest.approx((217 - 125) / 0.5)
    assert p.temperature(p.cool_down_time) == 125
    assert p.breakpoints[1] == p.cool_down_time == p.cycle_start(0)
    assert p.rate(1.0) == pytest.approx(-0.5)


def test_cool_down_default_rate_and_heating_lead_in():
    p = profile_from_spec({"preset": "IPC-9701:TC3", "stress_free_temperature": 217})
    assert p.cool_down_rate == pytest.approx(10 / 60)
    q = profile_from_spec({"preset": "IPC-9701:TC3", "stress_free_temperature": 25})
    assert q.temperature(0.0) == 25 and q.rate(0.0) > 0      # heats to T_max first
    assert q.cool_down_time == pytest.approx(100 / (10 / 60))


def test_no_cool_down_when_stress_free_equals_cycle_start():
    p = profile_from_spec({"preset": "JESD22-A104:G", "stress_free_temperature": 125})
    assert p.cool_down_time == 0.0 and p.stress_free_temperature == 125
    np.testing.assert_array_equal(p.breakpoints, profile_from_spec("JESD22-A104:G").breakpoints)


# ---- step plan --------------------------------------------------------------------------------


@pytest.mark.parametrize("p", _profiles(), ids=lambda p: p.name)
@pytest.mark.parametrize("max_dt, max_dT", [(None, None), (60.0, None), (None, 2.0),
                                            (37.0, 3.3), (1e5, 0.7)])
def test_step_plan_lands_on_breakpoints_and_respects_limits(p, max_dt, max_dT):
    plan = p.step_plan(max_dt=max_dt, max_dT=max_dT)
    assert plan[0] == 0.0 and plan[-1] == p.t_end
    assert np.all(np.diff(plan) > 0)
    assert np.all(np.isin(p.breakpoints, plan))  # exact landing, no tolerance
    if max_dt is not None:
        assert np.diff(plan).max() <= max_dt * (1 + 1e-9)
    if max_dT is not None:
        assert np.abs(np.diff(p.temperature(plan))).max() <= max_dT * (1 + 1e-9)
    if max_dt is None and max_dT is None:
        np.testing.assert_array_equal(plan, p.breakpoints)


def test_step_plan_uses_fewest_equal_steps():
    p = profile_from_spec({"table": [[0, 0], [100, 10], [200, 10], [300, 0]], "cycles": 1})
    plan = p.step_plan(max_dt=25.0, max_dT=4.0)
    # each 100 s segment: ceil(100/25) = 4 steps (dT 2.5 <= 4)
    np.testing.assert_allclose(plan, np.arange(0, 301, 25.0))
    plan = p.step_plan(max_dT=4.0)
    # ramps: ceil(10/4) = 3 steps; dwell: 1 step
    assert plan.size == 3 + 1 + 3 + 1


def test_segments():
    p = _profiles()[1]
    seg = p.segments()
    np.testing.assert_array_equal(seg[:, 0], p.breakpoints[:-1])
    np.testing.assert_array_equal(seg[:, 1], p.breakpoints[1:])


def test_step_plan_rejects_bad_limits():
    p = profile_from_spec("JESD22-A104:G")
    with pytest.raises(InputError, match="max_dt"):
        p.step_plan(max_dt=0.0)
    with pytest.raises(InputError, match="max_dT"):
        p.step_plan(max_dT=-1.0)


# ---- custom tables ----------------------------------------------------------------------------


def test_custom_table_round_trip(tmp_path):
    table = [[0, 25], [600, 125], [1200, 125], [2400, -40], [3000, -40], [3600, 25]]
    p = profile_from_spec({"table": table, "cycles": 2, "stress_free_temperature": 217,
                           "cool_down_rate": 2.0})
    np.testing.assert_array_equal(p.cycle_times, [row[0] for row in table])
    np.testing.assert_array_equal(p.cycle_temperatures, [row[1] for row in table])
    assert p.period == 3600 and p.n_cycles == 2
    q = profile_from_spec(p.to_spec())
    np.testing.assert_array_equal(q.times, p.times)
    np.testing.assert_array_equal(q.temperatures, p.temperatures)
    assert q.stress_free_temperature == 217 and q.cool_down_rate == 2.0

    # a preset resolves to a table that rebuilds the same profile
    r = profile_from_spec({"preset": "IPC-9701:TC4", "stress_free_temperature": 217})
    s = profile_from_spec(r.to_spec())
    np.testing.assert_array_equal(s.times, r.times)
    np.testing.assert_array_equal(s.temperatures, r.temperatures)

    # CSV: header, comment, shifted times; relative path against base_dir
    csv = tmp_path / "cycle.csv"
    lines = ["# measured chamber cycle", "time_s,T_C"]
    lines += [f"{t + 3600},{T}" for t, T in table]
    csv.write_text("\n".join(lines) + "\n")
    np.testing.assert_array_equal(read_profile_csv(csv)[:, 0], [t + 3600 for t, _ in table])
    c = profile_from_spec({"table": "cycle.csv", "cycles": 2, "stress_free_temperature": 217,
                           "cool_down_rate": 2.0}, source="case.toml", base_dir=tmp_path)
    np.testing.assert_array_equal(c.times, p.times)
    np.testing.assert_array_equal(c.temperatures, p.temperatures)
    d = profile_from_spec(str(csv))  # bare path, whitespace too
    csv.write_text("0 25\n600 125\n1200 25\n")
    e = profile_from_spec(str(csv))
    assert d.period == 3600 and e.period == 1200


def test_constructor_directly():
    p = TemperatureProfile(np.array([0.0, 10.0, 20.0]), np.array([20.0, 30.0, 20.0]), cycles=1)
    assert p.t_end == 20.0 and p.temperature(10.0) == 30.0
    with pytest.raises(InputError, match="cycles"):
        TemperatureProfile([0, 10, 20], [20, 30, 20], cycles=0)


# ---- validation ---------------------------------------------------------------------------------

G = "JESD22-A104:G"
BAD = [
    ("JESD22-A104:Z", "load.preset"),
    ({"preset": "IPC-9701:TC9"}, "load.preset"),
    ({"preset": G, "dwell_hot": -1}, "load.dwell_hot"),
    ({"preset": G, "dwell_cold": -60}, "load.dwell_cold"),
    ({"preset": G, "dwell": -5}, "load.dwell"),
    ({"preset": G, "ramp_time": -10}, "load.ramp_time"),
    ({"preset": G, "ramp_time": 0}, "load.ramp_time"),
    ({"preset": G, "ramp_rate": 0}, "load.ramp_rate"),
    ({"preset": G, "ramp_rate": -0.1}, "load.ramp_rate"),
    ({"preset": G, "ramp_rate": 0.1, "ramp_time": 600}, "load.ramp_time"),
    ({"preset": G, "soak_mode": 7}, "load.soak_mode"),
    ({"preset": G, "soak_mode": 2, "dwell": 60}, "load.dwell"),
    ({"preset": "IPC-9701:TC1", "soak_mode": 2}, "load.soak_mode"),
    ({"preset": G, "T_min": 130}, "load.T_min"),
    ({"preset": G, "T_max": 500}, "load.T_max"),
    ({"preset": G, "start": "middle"}, "load.start"),
    ({"preset": G, "cycles": 0}, "load.cycles"),
    ({"preset": G, "cycles": -2}, "load.cycles"),
    ({"preset": G, "cycles": 1.5}, "load.cycles"),
    ({"preset": G, "cycles": "3"}, "load.cycles"),
    ({"preset": G, "stress_free_temperature": 451}, "load.stress_free_temperature"),
    ({"preset": G, "stress_free_temperature": -274}, "load.stress_free_temperature"),
    ({"preset": G, "stress_free_temperature": "hot"}, "load.stress_free_temperature"),
    ({"preset": G, "stress_free_temperature": 217, "cool_down_rate": 0},
     "load.cool_down_rate"),
    ({"preset": G, "cool_down_rate": 1.0}, "load.cool_down_rate"),
    ({"preset": G, "colour": "red"}, "load.colour"),
    ({"preset": G, "table": [[0, 1], [1, 1]]}, "load.preset"),
    ({}, "load.preset"),
    ({"table": [[0, 25], [600, 125], [300, 25]]}, "load.table[2][0]"),
    ({"table": [[0, 25], [600, 125], [600, 25]]}, "load.table[2][0]"),
    ({"table": [[0, 25]]}, "load.table"),
    ({"table": []}, "load.table"),
    ({"table": [[0, 25], ["ten", 25]]}, "load.table[1][0]"),
    ({"table": [[0, 25], [10, None]]}, "load.table[1][1]"),
    ({"table": [[0, 25], [10, float("nan")]]}, "load.table[1][1]"),
    ({"table": [[0, 25], [10, 125, 3]]}, "load.table[1]"),
    ({"table": [[0, 25], [600, 125]]}, "load.table[1][1]"),          # does not close
    ({"table": [[0, 25], [600, -300], [900, 25]]}, "load.table[1][1]"),
    ({"table": [[0, 25], [600, 25]], "dwell": 10}, "load.dwell"),
    ({"table": "missing.csv"}, "load.table"),
    (42, "load"),
]


@pytest.mark.parametrize("spec, field", BAD, ids=[f for _, f in BAD])
def test_bad_input_raises_input_error_naming_the_field(spec, field, tmp_path):
    with pytest.raises(InputError) as err:
        profile_from_spec(spec, source="case.toml", prefix="load", base_dir=tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"case.toml: {field} = ")
    assert err.value.field == field


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(InputError) as err:
        profile_from_spec("JESD22-A104:Q")
    for name in PRESETS:
        assert name in str(err.value)


@pytest.mark.parametrize("text, field", [
    ("time_s,T_C\n0,25\n600,x\n", "line 3"),
    ("0,25\n600,125\n300,25\n", "line 3 (time_s)"),
    ("0,25\n600,125\n", "line 2 (T_C)"),
    ("time_s,T_C\n0,25\n", "data rows"),
    ("0,25,3\n10,25,3\n", "line 1"),
])
def test_bad_csv_names_file_and_line(tmp_path, text, field):
    csv = tmp_path / "bad.csv"
    csv.write_text(text)
    with pytest.raises(InputError) as err:
        profile_from_spec({"table": str(csv)}, source="case.toml", prefix="load")
    assert err.value.field == field
    assert str(err.value).startswith(f"{csv}: {field} = ")
