"""Validation cases (validation/*/case.toml) against their targets."""

import pytest

from thermofatigue.validation import load_validation_case, run_bimetal, run_timoshenko_case

SPEC = load_validation_case("timoshenko_bimetal")
TOLERANCE = SPEC["target"]["tolerance"]


@pytest.mark.parametrize("kind", SPEC["inputs"]["kinds"])
@pytest.mark.parametrize("t_die", SPEC["inputs"]["die_thicknesses"])
def test_timoshenko_bimetal_second_level(kind, t_die):
    """The second mesh level already meets the 1 % target (the finest level: slow test)."""
    divisions = SPEC["mesh"][kind][1]
    r = run_bimetal(SPEC["inputs"], kind, t_die, divisions)
    assert r.curvature < 0  # the die (low CTE) bows up as the board shrinks on cooling
    assert r.error < TOLERANCE, (r.curvature, r.target)


@pytest.mark.slow
def test_timoshenko_bimetal_finest_meshes():
    rows, ok = run_timoshenko_case(SPEC, quick=False)
    finest = [r for r in rows if list(r.divisions) == SPEC["mesh"][r.kind][-1]]
    assert len(finest) == len(SPEC["inputs"]["kinds"]) * len(SPEC["inputs"]["die_thicknesses"])
    assert ok and all(r.error < TOLERANCE for r in finest)


@pytest.mark.parametrize("kind", ["plane_strain", "3d"])
def test_linear_elements_lock_in_die_bending_quadratic_do_not(kind):
    """Why quadratic elements are the default: on the same mesh, linear triangles/tetrahedra
    are too stiff in bending and miss the curvature by several per cent (shear locking)."""
    divisions = SPEC["mesh"][kind][1]
    linear = run_bimetal(SPEC["inputs"], kind, 0.1, divisions, order=1)
    quadratic = run_bimetal(SPEC["inputs"], kind, 0.1, divisions, order=2)
    assert linear.error > 0.05
    assert quadratic.error < 0.2 * TOLERANCE
    assert abs(linear.curvature) < abs(quadratic.curvature)  # locking = too stiff
