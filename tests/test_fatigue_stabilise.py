"""Stabilised-cycle rule and the geometric-decay extrapolation of the stabilised value."""

import numpy as np
import pytest

from thermofatigue.fatigue.stabilise import (
    extrapolate_stabilised,
    extrapolate_stabilised_all,
    relative_changes,
    stabilised_cycle,
)


def geometric(limit, amplitude, ratio, n):
    """v_k = limit + amplitude * ratio**k, k = 0..n-1."""
    return limit + amplitude * ratio ** np.arange(n)


@pytest.mark.parametrize("limit, amplitude, ratio", [(0.006, 0.02, 0.45), (1.0, -0.5, 0.8),
                                                     (0.1, 0.05, 0.1)])
def test_extrapolation_recovers_the_limit_of_a_geometric_sequence(limit, amplitude, ratio):
    for n in (3, 4, 7):
        v = geometric(limit, amplitude, ratio, n)
        assert extrapolate_stabilised(v) == pytest.approx(limit, rel=1e-12, abs=1e-15)


def test_sequences_that_do_not_decay_have_no_extrapolation():
    assert extrapolate_stabilised([1.0, 2.0, 3.0]) is None          # r = 1: linear drift
    assert extrapolate_stabilised([1.0, 2.0, 4.0]) is None          # r = 2: growing
    assert extrapolate_stabilised([1.0, 0.5, 0.75]) is None         # r = -0.5: oscillating
    assert extrapolate_stabilised([1.0, 1.0, 1.0]) is None          # no change at all
    assert extrapolate_stabilised([1.0, 1.0, 0.9]) is None          # d_(n-1) = 0
    assert extrapolate_stabilised([1.0, 0.9]) is None               # too short


def test_the_default_package_sequence():
    """3D quarter model of the default package, die-side layer, cycles 0-3 (MPa): r = 0.4545,
    v_inf = 0.0068 - 0.0010 * 0.4545 / 0.5455 = 0.005967 [C]."""
    v = [0.0295, 0.0100, 0.0078, 0.0068]
    s = stabilised_cycle(v, tolerance=0.02)
    assert not s.converged and s.cycle == 3 and s.value == 0.0068
    assert s.last_change == pytest.approx(0.0010 / 0.0078)   # the 13 % of the issue
    assert s.extrapolated == pytest.approx(0.0068 - 0.0010 * (0.0010 / 0.0022) / (1 - 0.0010 / 0.0022))
    assert s.extrapolated == pytest.approx(0.005967, abs=1e-6)


def test_first_cycle_below_the_tolerance_is_the_stabilised_one():
    v = geometric(1.0, 1.0, 0.3, 8)   # 2, 1.3, 1.09, 1.027, 1.0081: changes 0.35, 0.16, 0.058, 0.018
    changes = relative_changes(v)
    s = stabilised_cycle(v, tolerance=0.02)
    first = int(np.flatnonzero(changes < 0.02)[0]) + 1
    assert s.converged and s.cycle == first == 4
    assert s.change == pytest.approx(changes[first - 1]) and s.change < 0.02
    assert changes[first - 2] >= 0.02
    assert s.value == v[4] and s.last_change == pytest.approx(changes[-1])
    # a looser tolerance stops earlier
    assert stabilised_cycle(v, tolerance=0.1).cycle == 3


def test_relative_change_definition_and_edge_cases():
    np.testing.assert_allclose(relative_changes([2.0, 1.0, 1.5]), [0.5, 0.5])
    assert relative_changes([0.0, 0.0]).tolist() == [0.0]
    assert relative_changes([0.0, 1.0]).tolist() == [np.inf]
    s = stabilised_cycle([0.5])
    assert s.cycle == 0 and not s.converged and s.change is None and s.last_change is None
    with pytest.raises(ValueError):
        stabilised_cycle([])
    with pytest.raises(ValueError):
        stabilised_cycle([1.0, 2.0], tolerance=0.0)


def test_extrapolation_over_many_joints_at_once():
    cycles = 5
    limits = np.array([0.006, 0.009, 0.02])
    v = np.stack([geometric(l, 0.01, r, cycles) for l, r in zip(limits, (0.4, 0.6, 0.9))], axis=1)
    v = np.column_stack([v, np.arange(cycles, dtype=float)])   # a linearly drifting joint
    result = extrapolate_stabilised_all(v)
    np.testing.assert_allclose(result[:3], limits, rtol=1e-11)
    assert np.isnan(result[3])
