"""Mesh convergence of the die curvature of the 3D quarter WLCSP model (slow: ~4 min, 2 cores).

Runs the quick version of ``docs/die_curvature_convergence.py``: the 6 x 6, 0.4 mm-pitch WLCSP
quarter model at the mesh-size factors 1.41, 1 and 0.71 (all sizes scaled together), uniform
cool-down 125 C -> 25 C. The die-top curvature must converge monotonically (each refinement
changes it less than the one before, always in the same direction) and the two finest levels
must agree within 2 %. See the section "Mesh convergence of the die curvature (3D quarter
model)" of docs/geometry.md for the full table.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "die_curvature_convergence.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("die_curvature_convergence", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def study():
    script = _load_script()
    levels, analysis = script.run_study(script.QUICK_FACTORS, progress=lambda msg: None)
    return script, levels, analysis


@pytest.mark.slow
@pytest.mark.parametrize("key", ["kappa", "kappa_area"])
def test_die_curvature_converges_monotonically(study, key):
    """Node fit (what ``thermofatigue run`` reports) and area-weighted fit alike."""
    script, levels, _ = study
    kappa = np.array([lv[key] for lv in levels])
    assert np.all(kappa < 0.0), kappa  # cool-down of Si on FR-4: convex up (edges down)
    changes = np.diff(kappa)
    assert np.all(np.sign(changes) == np.sign(changes[0])), (key, kappa)
    assert np.all(np.abs(changes[1:]) < np.abs(changes[:-1])), (key, kappa)
    assert abs(changes[-1] / kappa[-1]) < 0.02, (key, kappa)


@pytest.mark.slow
def test_quarter_model_sees_a_square_die(study):
    """kappa_x = kappa_y on the square die (the quarter mesh itself is not symmetric about
    y = x: the fits may differ by the mesh, a little)."""
    _, levels, _ = study
    for lv in levels:
        assert abs(lv["kappa_x"] - lv["kappa_y"]) < 0.01 * abs(lv["kappa"]), lv
        assert abs(lv["kappa_area_x"] - lv["kappa_area_y"]) < 0.01 * abs(lv["kappa_area"]), lv


@pytest.mark.slow
def test_corner_joint_mean_stress_settles(study):
    """The volume average of von Mises over the corner joint changes by less than 2 % per
    level at these sizes (its maximum, at the pad-edge singularities, does not converge and is
    not tested)."""
    _, levels, _ = study
    vm = np.array([lv["corner_vm_mean"] for lv in levels])
    assert np.all(np.isfinite(vm)) and np.all(vm > 0.0)
    assert np.all(np.abs(np.diff(vm)) < 0.02 * vm[1:]), vm
    assert len({lv["corner_joint"] for lv in levels}) == 1


@pytest.mark.slow
def test_observed_order_is_reported(study):
    """Monotone convergence gives a positive observed order and an extrapolation beyond the
    finest level in the direction of the changes."""
    _, levels, analysis = study
    r = analysis["richardson"]["kappa_area"]
    assert r["p"] is not None and r["p"] > 0.0, r
    finest = levels[-1]["kappa_area"]
    assert np.sign(r["extrapolated"] - finest) == np.sign(r["changes"][-1]), r


def test_observed_order_formula():
    """Fast check of the Richardson helper on exact power laws (constant and varying ratio),
    oscillating and non-shrinking sequences."""
    order = _load_script().observed_order
    for h, p in (((2.0, 2.0 ** 0.5, 1.0), 2.0), ((2.0, 1.5, 1.0), 1.3)):
        r = order(h, [0.5 + 3.0 * x ** p for x in h])
        assert r["p"] == pytest.approx(p, rel=1e-9)
        assert r["extrapolated"] == pytest.approx(0.5, rel=1e-9)
    assert order((2.0, 1.5, 1.0), [1.0, 2.0, 1.5])["p"] is None
    assert order((2.0, 1.5, 1.0), [1.0, 1.1, 1.3])["p"] is None
