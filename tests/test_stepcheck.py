"""The time-step check (``[solver] check_steps``) against a refined-step solution."""

import pytest

from thermofatigue.case import load_case
from thermofatigue.cycling import solve_cycling
from thermofatigue.examples import example_path
from thermofatigue.fem.stepping import StepControl
from thermofatigue.report import format_result
from thermofatigue.stepcheck import extrapolate


def _slice(tmp_path, name, solver):
    return load_case(example_path("wlcsp_slice2d"), builtin=True, overrides={
        "load": {"cycles": 2}, "solver": solver,
        "output": {"directory": str(tmp_path / name), "vtu": False}})


def _critical(result):
    joint = int(result.critical["joint"])
    last = result.joints.cycle(len(result.cycles) - 1)
    return joint, float(last["dW_interface"][last["joint"] == joint][0])


def test_extrapolation_is_exact_for_an_error_of_the_stated_order():
    exact, c = 2.0, 0.3
    best, error = extrapolate(exact + c * 1.0**2, exact + c * 0.5**2, order=2)
    assert best == pytest.approx(exact, rel=1e-14)
    assert error == pytest.approx(c / exact, rel=1e-12)
    best, _ = extrapolate(exact + c, exact + c / 2.0, order=1)
    assert best == pytest.approx(exact, rel=1e-14)


def test_step_check_of_the_default_steps_against_steps_divided_by_eight(tmp_path):
    """2D example slice, 2 cycles, BDF2 at the default steps. The reference has every step
    limit divided by 8 and a tight Newton tolerance: its own error is about 1/64 of the
    default's. The true error of the default steps is within the 1 % target of issue 14, and
    the check, from the last cycle alone, reports an error within that target too and within
    1 % of the true one (measured: -0.41 % estimated, +0.23 % true on 3 cycles; the dwell and
    ramp errors have opposite signs, so the sign is not resolved below about 0.5 %)."""
    result = solve_cycling(_slice(tmp_path, "run", {"check_steps": True}),
                           workdir=tmp_path / "mesh1")
    d = StepControl()
    reference = solve_cycling(_slice(tmp_path, "ref", {
        "max_dT": d.max_dT / 8, "max_dt": d.max_dt / 8,
        "creep_tolerance": d.creep_tolerance / 8, "tolerance": 1e-6}),
        workdir=tmp_path / "mesh2")
    check = result.settings["step_check"]
    joint, energy = _critical(result)
    _, converged = _critical(reference)
    assert check["joint"] == joint and check["cycle"] == 2 and check["order"] == 2
    assert check["dW"] == pytest.approx(energy, rel=1e-12)
    true_error = energy / converged - 1.0
    assert abs(true_error) < 0.01
    assert abs(check["estimated_error"]) < 0.01
    assert abs(check["estimated_error"] - true_error) < 0.01
    assert "time-step check (cycle 2" in format_result(result)


def test_check_steps_must_be_a_boolean(tmp_path):
    from thermofatigue.errors import InputError

    with pytest.raises(InputError, match="solver.check_steps"):
        _slice(tmp_path, "bad", {"check_steps": "yes"})
