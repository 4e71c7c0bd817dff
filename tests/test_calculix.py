"""The CalculiX bridge (thermofatigue/validation/calculix.py) and the cross-solver cases.

Without CalculiX: the deck's node order, orientation, materials (secant CTE, Norton rate
table), increments and the .dat reader, and both cross-solver cases against their stored
CalculiX numbers. With ``ccx`` on the PATH (skipped otherwise, CI has none): the plane-strain
strip and a small Norton-creep strip solved by CalculiX, compared point by point with ours.
"""

import math
import shutil

import numpy as np
import pytest

from thermofatigue.loads import profile_from_spec
from thermofatigue.materials import constitutive_model, get_material
from thermofatigue.model import Model
from thermofatigue.validation import calculix as cx
from thermofatigue.validation import load_validation_case, run_case
from thermofatigue.validation.cross_solver import (fixed_increments, one_step_integration,
                                                   solve_strip, strip_mesh, strip_quantities)

CCX = shutil.which("ccx")
needs_ccx = pytest.mark.skipif(CCX is None, reason="CalculiX (ccx, Debian package calculix-ccx) "
                               "is not installed: the CalculiX runs are skipped")
STRIP = load_validation_case("calculix_thermoelastic_strip")


def _strip_model(kind, solder=False):
    """The case's strip; with ``solder`` the die is SAC305 with Norton creep (backward Euler)."""
    inputs = STRIP["inputs"]
    T_sf = inputs["stress_free_temperature"]
    die = constitutive_model(get_material("sac305") if solder else get_material("silicon"),
                             "norton" if solder else "elastic", T_sf, kind,
                             **(one_step_integration(constitutive_model) if solder else {}))
    board = constitutive_model(get_material("fr4"), "elastic", T_sf, kind)
    boundary = {"sym_x": "symmetry"} | ({"sym_y": "symmetry"} if kind == "3d" else {})
    model = Model(strip_mesh(kind, inputs, STRIP["mesh"][kind]), kind,
                  {"die": die, "board": board}, boundary, intorder=2)
    return model, boundary


# ------------------------------------------------------------------ the deck, without ccx
@pytest.mark.parametrize("kind", ["plane_strain", "3d"])
def test_connectivity_is_calculix_order_with_positive_jacobian(kind):
    """CPE6: corners, then edges 1-2, 2-3, 3-1; C3D10: corners, then 1-2, 2-3, 3-1, 1-4, 2-4,
    3-4 (CalculiX manual); the corners turn counter-clockwise / span a positive volume."""
    model, _ = _strip_model(kind)
    conn = cx.ccx_connectivity(model.disc)
    x = model.disc.node_coordinates[conn]                         # (E, 6|10, dim)
    pairs = ([(0, 1), (1, 2), (2, 0)] if kind != "3d"
             else [(0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)])
    corners = 3 if kind != "3d" else 4
    for k, (i, j) in enumerate(pairs):
        np.testing.assert_allclose(x[:, corners + k], 0.5 * (x[:, i] + x[:, j]), atol=1e-12)
    if kind == "3d":
        signed = np.einsum("ei,ei->e", np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]),
                           x[:, 3] - x[:, 0])
    else:
        d1, d2 = x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]
        signed = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    assert np.all(signed > 0)


def test_a_clockwise_element_is_written_turned():
    model, _ = _strip_model("plane_strain")
    disc = model.disc
    dofs = np.asarray(disc.scalar_basis.element_dofs)
    before = cx.ccx_connectivity(disc)
    dofs[[1, 2, 3, 5]] = dofs[[2, 1, 5, 3]]          # turn every element clockwise
    after = cx.ccx_connectivity(disc)
    dofs[[1, 2, 3, 5]] = dofs[[2, 1, 5, 3]]          # restore
    # turned back: the same counter-clockwise element, its edge nodes in CalculiX order
    np.testing.assert_array_equal(after, before)


def test_secant_expansion_table_reproduces_our_thermal_strain():
    """CalculiX's ``alpha(T) (T - ZERO)`` with ZERO = the stress-free temperature equals our
    integrated thermal strain at the table points (silicon's temperature-dependent CTE, FR-4's
    orthotropic CTE with its jump at Tg)."""
    for name in ("silicon", "fr4"):
        model = constitutive_model(get_material(name), "elastic", 217.0, "plane_strain")
        T = cx.temperature_grid(-40.0, 217.0, 1.0, exact=[180.0])
        card = cx.expansion_card(model, T, 217.0)
        rows = np.array([[float(v) for v in r.split(",")] for r in card[1:]])
        alpha, T_rows = rows[:, :-1], rows[:, -1]
        ours = np.asarray(model.thermal_strain_vector(T_rows))[:, :3]
        if alpha.shape[1] == 1:
            alpha = np.repeat(alpha, 3, axis=1)
        np.testing.assert_allclose(alpha * (T_rows - 217.0)[:, None], ours, rtol=1e-11,
                                   atol=1e-16)
        assert "ZERO=2.17" in card[0]


def test_norton_rate_table_is_arrhenius_over_sigma_ref_to_the_n_and_dense_enough():
    """A_ccx(T) = A exp(-Q/(R T_K)) / sigma_ref^n at every row, and linear interpolation
    between rows errs by less than 1e-4 relative (the docstring's promise)."""
    sac = get_material("sac305")
    norton = constitutive_model(sac, "norton", 217.0, "plane_strain")
    p = sac.parameters("norton")
    h = cx.arrhenius_spacing(p["Q_over_R"], -40.0, 217.0)
    T = cx.temperature_grid(-40.0, 217.0, h)
    rows = np.array([[float(v) for v in r.split(",")] for r in cx.norton_card(norton, T)[1:]])
    exact = lambda t: p["A"] * np.exp(-p["Q_over_R"] / (t + 273.15)) / p["sigma_ref"] ** p["n"]
    np.testing.assert_allclose(rows[:, 0], exact(rows[:, 3]), rtol=1e-11)
    assert np.all(rows[:, 1] == p["n"]) and np.all(rows[:, 2] == 0.0)
    # the rate at sigma_ref: ours (from the model) equals CalculiX's A_ccx sigma_ref^n
    rate = norton.creep_rate(np.array(p["sigma_ref"]), np.array(25.0))
    assert math.isclose(float(rate), float(exact(25.0)) * p["sigma_ref"] ** p["n"], rel_tol=1e-12)
    fine = np.linspace(-40.0, 217.0, 20001)
    interpolated = np.interp(fine, rows[:, 3], rows[:, 0])
    assert np.max(np.abs(interpolated / exact(fine) - 1.0)) < 1e-4


def test_increments_become_steps_of_equal_increments_split_at_corners():
    steps = cx.increment_steps([1.0, 2.0, 3.0, 5.0, 7.0, 8.0], breaks=[3.0, 7.0])
    assert [(s.dt, s.n, s.t_end) for s in steps] == [(1.0, 3, 3.0), (2.0, 2, 7.0), (1.0, 1, 8.0)]


def test_fixed_increments_land_on_every_corner_of_the_profile():
    profile = profile_from_spec({"preset": "JESD22-A104:G", "cycles": 2,
                                 "stress_free_temperature": 217.0})
    times = fixed_increments(profile, 150.0)
    assert set(np.round(profile.breakpoints[1:], 6)) <= set(np.round(times, 6))
    assert np.all(np.diff(np.concatenate([[0.0], times])) <= 150.0 + 1e-9)


def test_deck_has_the_model_boundary_and_materials(tmp_path):
    model, boundary = _strip_model("plane_strain")
    deck = cx.write_deck(tmp_path / "strip.inp", model, boundary, 125.0, temperature=-40.0)
    text = deck.path.read_text()
    assert text.count("*MATERIAL") == 2 and "TYPE=ORTHO" in text and "CPE6" in text
    nodes_on_axis = np.flatnonzero(np.isclose(model.disc.node_coordinates[:, 0], 0.0))
    bc = text.split("*BOUNDARY\n")[1].split("*STEP")[0].strip().splitlines()
    fixed_x = {int(r.split(",")[0]) - 1 for r in bc if r.split(",")[1].strip() == "1"}
    assert fixed_x == set(nodes_on_axis)
    assert len(bc) == nodes_on_axis.size + model.constraints.pinned.size


def test_dat_reader_reads_nodes_and_integration_points(tmp_path):
    dat = tmp_path / "job.dat"
    dat.write_text(
        "\n displacements (vx,vy,vz) for set NALL and time  0.1000000E+01\n\n"
        "         1  1.000000E-03 -2.000000E-03  0.000000E+00\n"
        "         2  3.000000E-03  4.000000E-03  0.000000E+00\n"
        "\n equivalent plastic strain (elem, integ.pnt.,pe)for set G8 and time  0.2500000E+03\n\n"
        "         7   1  1.500000E-02\n         7   2  2.500000E-02\n")
    blocks = cx.read_dat(dat)
    assert [(b["name"], b["set"], b["time"]) for b in blocks] == [("U", "NALL", 1.0),
                                                                  ("PEEQ", "G8", 250.0)]
    np.testing.assert_array_equal(blocks[1]["ids"], [[7, 1], [7, 2]])
    np.testing.assert_allclose(blocks[0]["values"][:, 1], [-2e-3, 4e-3])


def test_voigt_conversion_of_calculix_components():
    """CalculiX prints xx, yy, zz, xy, xz, yz with tensor shear strains."""
    ccx = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(cx.to_voigt_stress(ccx), [1, 2, 3, 6, 5, 4])
    np.testing.assert_array_equal(cx.to_voigt_strain(ccx), [1, 2, 3, 12, 10, 8])


def test_both_codes_reduce_to_the_same_numbers_through_one_function():
    """strip_quantities of our own fields is what the case compares (a consistency check of
    the reduction: the warpage is the die-top displacement difference)."""
    model, _, q, _ = solve_strip(STRIP["inputs"], "plane_strain", STRIP["mesh"]["plane_strain"])
    assert q["warpage"] > 0 and q["die_sxx"] < 0 < q["board_sxx"]
    assert q["die_von_mises_max"] > q["die_von_mises"] > 0


# ------------------------------------------------------------------ the cases, without ccx
@pytest.mark.parametrize("name", ["calculix_thermoelastic_strip", "calculix_norton_slice"])
def test_cross_solver_case_passes_against_the_stored_calculix_numbers(name):
    outcomes = run_case(load_validation_case(name), quick=True)
    failed = [f"{o.quantity}: {o.computed!r} vs {o.target!r}" for o in outcomes if not o.passed]
    assert outcomes and not failed, failed


def test_the_stored_targets_are_tight():
    """No tolerance is looser than the measured agreement justifies (README.md of each case)."""
    for name in ("calculix_thermoelastic_strip", "calculix_norton_slice"):
        for key, target in load_validation_case(name)["targets"].items():
            if key.startswith("mesh_"):
                assert target["tolerance"] == 0.5 and target["tolerance_kind"] == "absolute"
            else:
                assert target["tolerance"] <= 3e-6, key


# ------------------------------------------------------------------ with CalculiX
@needs_ccx
def test_calculix_strip_agrees_point_by_point(tmp_path):
    """The plane-strain strip by CalculiX: every nodal displacement and every stress at every
    integration point equal ours within CalculiX's 7 printed digits."""
    from thermofatigue.fem.newton import EquilibriumSolver
    from thermofatigue.validation.cross_solver import stress_field

    model, boundary = _strip_model("plane_strain")
    solver = EquilibriumSolver(model, tolerance=1e-10)
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, 125.0, -40.0, 0.0)
    ours = stress_field(model, solver.group_fields(result.u, model.temperature_at_quadrature(
        -40.0), result.state))
    deck = cx.write_deck(tmp_path / "strip.inp", model, boundary, 125.0, temperature=-40.0)
    blocks = cx.read_dat(cx.run_ccx(deck).dat)
    pairing = cx.match_points(model, cx.blocks_named(blocks, "COORD")[0])
    assert pairing[2] < 1e-5
    theirs = cx.to_voigt_stress(cx.ccx_to_quadrature(model, cx.blocks_named(blocks, "S")[0],
                                                     pairing))
    u = cx.nodal_displacement(model, cx.blocks_named(blocks, "U")[0])
    u_ours = model.disc.nodal_values(result.u)
    assert np.abs(u - u_ours).max() <= 1e-6 * np.abs(u_ours).max()
    assert np.abs(theirs - ours).max() <= 1e-6 * np.abs(ours).max()
    q_ccx, q_ours = strip_quantities(model, u, theirs), strip_quantities(model, u_ours, ours)
    for key in ("die_sxx", "board_sxx", "die_von_mises"):
        assert math.isclose(q_ccx[key], q_ours[key], rel_tol=1e-6), key


@needs_ccx
def test_calculix_norton_creep_agrees_at_the_same_increments(tmp_path):
    """A SAC305 layer creeping (Norton) on FR-4 through a cool-down and one JEDEC G cycle at
    fixed 300 s increments: stress and equivalent creep strain at every integration point at
    the end equal ours within 1e-5 of their largest value."""
    from thermofatigue.fem.newton import EquilibriumSolver
    from thermofatigue.fem.stepping import StepControl, TimeStepper

    model, boundary = _strip_model("plane_strain", solder=True)
    profile = profile_from_spec({"preset": "JESD22-A104:G", "cycles": 1,
                                 "stress_free_temperature": 125.0})
    times = fixed_increments(profile, 300.0)
    control = StepControl(max_dt=1e12, max_dT=1e12, creep_tolerance=1e12, first_dt=1e12,
                          min_dt=1e-9, max_cutbacks=0)
    history = TimeStepper(EquilibriumSolver(model, tolerance=1e-9), profile, control,
                          output_times=times).run()
    assert history.increments == len(times)
    state = history.state["die"]
    deck = cx.write_deck(tmp_path / "creep.inp", model, boundary, 125.0, profile=profile,
                         increments=times, print_sets=("die",), el_print=("S", "PEEQ"),
                         frequency=None, newton_tolerance=1e-9)
    blocks = cx.read_dat(cx.run_ccx(deck).dat)
    pairing = cx.match_points(model, cx.blocks_named(blocks, "COORD")[0])
    e = model.groups[0].elements
    stress = cx.to_voigt_stress(cx.ccx_to_quadrature(model, cx.blocks_named(blocks, "S")[-1],
                                                     pairing))[e]
    peeq = cx.ccx_to_quadrature(model, cx.blocks_named(blocks, "PEEQ")[-1], pairing)[e, :, 0]
    assert state["equivalent_inelastic_strain"].max() > 1e-3          # it did creep
    assert np.abs(stress - state["stress"]).max() <= 1e-5 * np.abs(state["stress"]).max()
    p = state["equivalent_inelastic_strain"]
    assert np.abs(peeq - p).max() <= 1e-5 * p.max()
