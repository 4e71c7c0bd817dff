"""Structure-level viscoplastic solves: Newton convergence, locking, cycling, bad input."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import skfem

from test_cli import GOOD_MATERIALS
from thermofatigue.cli import main
from thermofatigue.fem.newton import EquilibriumSolver
from thermofatigue.materials import constitutive_model, get_material
from thermofatigue.mesh import TaggedMesh
from thermofatigue.model import Model

ROOT = Path(__file__).resolve().parent.parent
SLICE = ROOT / "meshes" / "wlcsp_0p4_slice2d.msh"


def solder_block(order, n, shear=0.002, kind="plane_strain", T=125.0):
    """A 0.3 x 0.2 mm SAC305 block (Anand), bottom fixed, top sheared by ``shear`` mm."""
    mesh = skfem.MeshTri.init_tensor(np.linspace(0, 0.3, 2 * n + 1), np.linspace(0, 0.2, n + 1))
    tagged = TaggedMesh(mesh, {"joint": np.arange(mesh.t.shape[1])},
                        {"bottom": mesh.facets_satisfying(lambda x: np.isclose(x[1], 0.0)),
                         "top": mesh.facets_satisfying(lambda x: np.isclose(x[1], 0.2))})
    sac = constitutive_model(get_material("sac305"), "anand", T, kind)
    return Model(tagged, kind, {"joint": sac},
                 {"bottom": "fixed", "top": {"u_x": shear, "u_y": 0.0}}, order=order)


def test_newton_converges_quadratically_on_an_anand_joint():
    """Residual history of a creeping, heating increment: the order of convergence estimated
    from consecutive residuals, log(r_k+1/r_k) / log(r_k/r_k-1), approaches 2."""
    model = solder_block(2, 6)
    solver = EquilibriumSolver(model, tolerance=1e-12)
    state = {"joint": model.initial_state()["joint"]}
    first = solver.solve_increment(np.zeros(model.disc.n_dofs), state, 125.0, 125.0, 10.0)
    # a second increment: 25 C of heating over 60 s while the shear is held
    second = solver.solve_increment(first.u, first.state, 125.0, 150.0, 60.0)
    r = np.array(second.residuals)
    assert second.converged and r.size >= 4, r
    rel = r / r[0]
    assert rel[-1] < 1e-10
    # the residuals with numerically meaningful size, before the last step: that one solves
    # its linear system only as far as the Newton tolerance needs (Kelley's safeguard against
    # over-solving, fem/newton.py), so it is not a Newton step of full accuracy
    useful = rel[:-1][rel[:-1] > 1e-13]
    orders = np.log(useful[2:] / useful[1:-1]) / np.log(useful[1:-1] / useful[:-2])
    assert orders[-1] > 1.7, (rel, orders)


def pressure_jumps(model, state):
    """Element-mean pressure and its rms jump across interior facets, relative to its spread."""
    p = -state["stress"][..., :3].mean(axis=-1)
    w = model.disc.weights
    pe = (p * w).sum(axis=1) / w.sum(axis=1)
    mesh = model.tagged.mesh
    pairs = mesh.f2t[:, mesh.f2t[1] >= 0]
    jump = np.sqrt(np.mean((pe[pairs[0]] - pe[pairs[1]]) ** 2))
    return jump / np.std(pe), np.ptp(pe)


def creep_held_shear(order, n):
    model = solder_block(order, n)
    solver = EquilibriumSolver(model)
    state = {"joint": model.initial_state()["joint"]}
    step = solver.solve_increment(np.zeros(model.disc.n_dofs), state, 125.0, 125.0, 1.0)
    step = solver.solve_increment(step.u, step.state, 125.0, 125.0, 1000.0)
    return model, step.state["joint"]


def test_no_volumetric_locking_with_the_default_element():
    """Creep flows at constant volume. With the default quadratic elements the pressure in a
    creeping joint is smooth: its element-to-element jumps shrink with the mesh size and its
    range converges. Linear triangles lock: a checkerboard whose jumps do not shrink and whose
    range grows with refinement."""
    jumps = {}
    for order in (1, 2):
        for n in (6, 12):
            model, state = creep_held_shear(order, n)
            assert state["equivalent_inelastic_strain"].max() > 5e-3  # creep dominates
            jumps[order, n] = pressure_jumps(model, state)
    (q6, range6), (q12, range12) = jumps[2, 6], jumps[2, 12]
    assert q12 < 0.7 * q6 and q12 < 0.4
    assert abs(range12 - range6) < 0.2 * range12
    (l6, _), (l12, _) = jumps[1, 6], jumps[1, 12]
    assert l6 > 1.5 and l12 > 1.5


# --------------------------------------------------------------------------------------------
CASE = """
title = "slice under JEDEC G"
[model]
mesh = "slice.msh"
kind = "{kind}"
[materials]
{materials}[boundary]
sym_x = "symmetry"
[load]
{load}
[solver]
{solver}
[output]
directory = "out"
"""
JEDEC_G = 'preset = "JESD22-A104:G"\ncycles = 3\nstress_free_temperature = 217.0'


def write_case(tmp_path, kind="plane_strain", joints='"sac305"', load=JEDEC_G, solver=""):
    shutil.copy(SLICE, tmp_path / "slice.msh")
    shutil.copy(SLICE.with_suffix(".json"), tmp_path / "slice.json")
    path = tmp_path / "case.toml"
    assert '"joint_*" = "sac305"' in GOOD_MATERIALS
    materials = GOOD_MATERIALS.replace('"joint_*" = "sac305"', f'"joint_*" = {joints}')
    path.write_text(CASE.format(kind=kind, materials=materials, load=load, solver=solver))
    return path


def run_cli(args, capsys):
    capsys.readouterr()
    code = main([str(a) for a in args])
    return (code,) + capsys.readouterr()


def test_plane_strain_slice_stabilises_under_three_jedec_g_cycles(tmp_path, capsys):
    from thermofatigue.resultio import load_result

    code, out, err = run_cli(["run", "-q", "--no-plots", write_case(tmp_path)], capsys)
    assert code == 0, err
    results = tmp_path / "out"
    result = load_result(results)
    last = result.joints.cycle(3)
    assert len(last) == 2 and result.stabilisation.cycles_run == 3
    # the per-cycle energy change is reported, and below 5 % by cycle 3
    assert np.all(last["dW_change"] < 0.05)
    # the critical joint is found from the lives: here the corner joint (largest DNP)
    critical = result.critical
    assert critical["dnp"] == pytest.approx(last["dnp"].max())
    assert critical["dW_interface"] > 0 and critical["N_darveaux"] > 0
    assert np.all(np.diff(result.life.life("darveaux")) >= 0)  # sorted by life
    # the files a user opens
    pvd = (results / "fields.pvd").read_text()
    assert pvd.count("<DataSet") == 3
    for k in (1, 2, 3):
        assert (results / "fields" / f"cycle_{k}.vtu").is_file()
        assert (results / "state" / f"cycle_{k}.npz").is_file()
    loop = result.hysteresis.joint(critical["joint"])
    in_cycle3 = loop["cycle"] == 3
    # a closed-ish loop: shear inelastic strain goes back and forth within the cycle
    assert np.ptp(loop["gin_xy"][in_cycle3]) > 0 and np.ptp(loop["sxy"][in_cycle3]) > 1.0
    # the energy of cycle 3 in the joint table is the growth of the accumulated work over that
    # cycle in the hysteresis record (both volume averages over the whole joint)
    row = last.select(last["joint"] == critical["joint"])
    work = loop["inelastic_work"]
    growth = work[in_cycle3][-1] - work[loop["cycle"] == 2][-1]
    assert growth == pytest.approx(float(row["dW_joint"][0]), rel=1e-9)


# --------------------------------------------------------------------------------------------
# bad input: one line, exit status 2 (input) or 3 (solve), nothing half-written
# --------------------------------------------------------------------------------------------
def expect_error(tmp_path, capsys, case, status, *fragments):
    code, out, err = run_cli(["run", "-q", case], capsys)
    lines = err.strip().splitlines()
    assert code == status, (out, err)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not (tmp_path / "out" / "summary.json").exists()
    return lines[0]


def test_unknown_profile_name(tmp_path, capsys):
    case = write_case(tmp_path, load='preset = "JESD22-A104:Z"')
    expect_error(tmp_path, capsys, case, 2, "case.toml", "load.preset", "JESD22-A104:Z",
                 "JESD22-A104:G")


def test_negative_dwell(tmp_path, capsys):
    case = write_case(tmp_path, load='preset = "IPC-9701:TC3"\ndwell = -60.0')
    expect_error(tmp_path, capsys, case, 2, "load.dwell", "-60")


def test_non_monotonic_time_column(tmp_path, capsys):
    table = "table = [[0, 25], [600, 125], [500, 125], [1200, 25]]"
    case = write_case(tmp_path, load=table)
    expect_error(tmp_path, capsys, case, 2, "load.table", "500")


@pytest.mark.parametrize("anand,field", [("{h0 = -5.0}", "h0"), ("{xi = 0.0}", "xi")])
def test_non_positive_anand_constant(tmp_path, capsys, anand, field):
    joints = f'{{material = "sac305", model = "anand", anand = {anand}}}'
    case = write_case(tmp_path, joints=joints)
    expect_error(tmp_path, capsys, case, 2, "case.toml", f"anand.{field}", "a positive number")


def test_missing_anand_constant(tmp_path, capsys):
    joints = ('{elasticity = "isotropic", E = 45000.0, nu = 0.36, '
              'cte = {value = 22e-6, kind = "secant", reference_temperature = 25.0}, '
              'anand = {s0 = 21.0, Q_over_R = 9320.0, A = 3501.0, xi = 4.0, m = 0.25, '
              'h0 = 180000.0, s_hat = 30.2, n = 0.01}, model = "anand"}')
    case = write_case(tmp_path, joints=joints)
    expect_error(tmp_path, capsys, case, 2, "case.toml", "anand.a")


def test_increment_that_cannot_converge_is_reported_with_its_saved_state(tmp_path, capsys):
    """One Newton iteration allowed, no cut-back: the first increment fails; the report names
    the time, the increment and the saved last converged state."""
    case = write_case(tmp_path, solver="max_iterations = 1\nmax_cutbacks = 0\ntolerance = 1e-12")
    line = expect_error(tmp_path, capsys, case, 3, "increment 1", "t = 0 s", "did not converge",
                        "last converged state")
    saved = tmp_path / "out" / "state" / "last_converged.npz"
    assert str(saved) in line and saved.is_file()
    with np.load(saved) as data:
        assert float(data["time"]) == 0.0 and np.all(np.isfinite(data["u"]))


def test_linear_part_under_a_uniform_temperature_equals_its_full_assembly(tmp_path):
    """The elastic part of the default case at a uniform temperature, from the once-assembled
    unit-stress loads and Lame-constant parts (T-dependent polyimide), equals the element-by-
    element assembly of the general path; so does its reduction by the constraints."""
    from thermofatigue.case import parse_case, read_toml
    from thermofatigue.casemodel import build_model
    from thermofatigue.examples import example_path

    path = example_path("wlcsp_slice2d")
    raw = read_toml(path)
    raw["output"] = {"directory": str(tmp_path), "vtu": False}
    model = build_model(parse_case(raw, source=str(path), base_dir=path.parent),
                        mesh_directory=tmp_path)
    assert any(not g.model.constant_stiffness for g in model.linear_groups)
    fast, general = EquilibriumSolver(model), EquilibriumSolver(model)
    for T in (-40.0, 25.0, 125.0):
        T_q = model.temperature_at_quadrature(T)
        data, f = fast.linear_part(T_q, T)
        data_ref, f_ref = general.linear_part(T_q + 0.0)
        assert np.abs(data - data_ref).max() <= 1e-12 * np.abs(data_ref).max()
        assert np.abs(f - f_ref).max() <= 1e-12 * np.abs(f_ref).max()
        assert np.abs(f_ref).max() > 0.0
        # and its constrained (reduced) form, from once-reduced pieces
        K_lin = model.assembler.csr(data)
        reduced = fast._reduce_linear_part(K_lin, T)
        reduced_ref = model.constraints.reduce_data(K_lin)
        assert np.abs(reduced - reduced_ref).max() <= 1e-12 * np.abs(reduced_ref).max()
