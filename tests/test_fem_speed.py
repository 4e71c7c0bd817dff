"""Speed levers of the solver core keep their answers: the SuperLU fallback (said once)."""

import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from thermofatigue.fem import linear
from thermofatigue.fem.linear import DirectSolver, SolverFallbackWarning, make_linear_solver
from thermofatigue.fem.newton import EquilibriumSolver


def _laplacian_3d(n):
    """SPD 7-point Laplacian on an n^3 grid (plus identity): a small 3D stiffness stand-in."""
    one = sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1])
    eye = sp.identity(n)
    A = (sp.kron(sp.kron(one, eye), eye) + sp.kron(sp.kron(eye, one), eye)
         + sp.kron(sp.kron(eye, eye), one) + sp.identity(n**3))
    return sp.csr_matrix(A)


def test_superlu_fallback_is_announced_once_and_solves(monkeypatch):
    monkeypatch.setitem(sys.modules, "pypardiso", None)  # import pypardiso -> ImportError
    monkeypatch.setattr(linear, "_PARDISO", {})
    A = _laplacian_3d(6)
    b = np.arange(A.shape[0], dtype=float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solvers = [make_linear_solver("direct", A.shape[0], 3), make_linear_solver("auto", 50, 3),
                   DirectSolver("auto")]
    assert [w.category for w in caught] == [SolverFallbackWarning]
    assert "SuperLU" in str(caught[0].message) and "pypardiso" in str(caught[0].message)
    assert [s.backend for s in solvers] == ["superlu"] * 3
    solvers[0].setup(A)
    x = solvers[0].solve(b)
    np.testing.assert_allclose(A @ x, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())


def _layered_model():
    """A small 3D stack: FR-4 board (constant orthotropic moduli), polyimide (temperature-
    dependent isotropic moduli) and SAC305 with Anand's model, quadratic tetrahedra."""
    import skfem

    from thermofatigue.materials import constitutive_model
    from thermofatigue.materials.library import get_material
    from thermofatigue.mesh import TaggedMesh
    from thermofatigue.model import Model

    mesh = skfem.MeshTet.init_tensor(np.linspace(0, 1.0, 4), np.linspace(0, 1.0, 4),
                                     np.linspace(0, 0.6, 4))
    z = mesh.p[2, mesh.t].mean(axis=0)
    regions = {"board": np.flatnonzero(z < 0.2),
               "dielectric": np.flatnonzero((z > 0.2) & (z < 0.4)),
               "joint": np.flatnonzero(z > 0.4)}
    materials = {"board": constitutive_model(get_material("fr4"), "elastic", 217.0),
                 "dielectric": constitutive_model(get_material("polyimide"), "elastic", 217.0),
                 "joint": constitutive_model(get_material("sac305"), "anand", 217.0)}
    return Model(TaggedMesh(mesh, regions), "3d", materials)


def test_elastic_part_applied_unassembled_gives_the_assembled_increments():
    """Under a uniform temperature the elastic part enters Newton unassembled (constant part
    plus Lame parts of the polyimide, reduced tangent refilled on the rows they touch); the
    same increments with the temperature given as a (uniform) nodal field take the general,
    assembled path: the same Newton iterations and displacements to round-off."""
    model = _layered_model()
    assert any(not g.model.constant_stiffness for g in model.linear_groups)
    nodes = model.disc.n_nodes
    results = []
    for field in (False, True):
        # linear solves to 1e-10 (no inexact Newton): the refresh of reused factors depends on
        # measured times, the iterates must not
        solver = EquilibriumSolver(model, tolerance=1e-8, max_forcing=1e-10)
        u = np.zeros(model.disc.n_dofs)
        state = {g.pattern: model.initial_state()[g.pattern] for g in model.nonlinear_groups}
        history = []
        for T_old, T_new, dt in ((217.0, 150.0, 60.0), (150.0, 25.0, 120.0), (25.0, 25.0, 600.0),
                                 (25.0, -40.0, 60.0)):
            if field:
                T_old, T_new = np.full(nodes, T_old), np.full(nodes, T_new)
            step = solver.solve_increment(u, state, T_old, T_new, dt)
            u, state = step.u, step.state
            history.append((step.iterations, u.copy()))
        results.append(history)
    for (it_fast, u_fast), (it_ref, u_ref) in zip(*results):
        assert it_fast == it_ref
        assert np.abs(u_fast - u_ref).max() <= 1e-8 * np.abs(u_ref).max()
    assert np.abs(results[0][-1][1]).max() > 1e-4  # a real thermal deformation


def test_single_precision_factors_precondition_cg_to_the_double_answer(monkeypatch):
    """Reused PARDISO factors in single precision: one back-substitution leaves a relative
    residual of single-precision size, CG on the matrix refines it to the asked tolerance
    (against SuperLU); stale factors of an earlier matrix still precondition it."""
    pytest.importorskip("pypardiso")
    import scipy.sparse.linalg as spla

    from thermofatigue.fem.linear import PardisoCholesky

    A = _laplacian_3d(12)
    A.sort_indices()
    b = np.cos(np.arange(A.shape[0]))
    single = PardisoCholesky(single=True)
    single.factorize(A)
    x1 = single.solve(b)
    residual = np.linalg.norm(A @ x1 - b) / np.linalg.norm(b)
    assert 1e-12 < residual < 1e-4  # single precision: not exact, but close
    monkeypatch.setattr(DirectSolver, "single_precision_from", 0)
    solver = DirectSolver("pardiso", reuse_factorization=True, tol=1e-12)
    for scale in (1.0, 1.3):  # fresh factors, then factors of the first matrix reused
        B = sp.csr_matrix(A * scale)
        solver.setup(B)
        x = solver.solve(b, rtol=1e-11)
        assert solver.single and solver.iterations >= 2  # refined by CG
        reference = spla.spsolve(B.tocsc(), b)
        assert np.linalg.norm(x - reference) <= 1e-9 * np.linalg.norm(reference)
    assert solver.factorizations == 1


def test_node_block_reduction_map_equals_the_general_one():
    """The constraint-reduction map built by counting in node blocks (no sort) is the map of
    the general construction, entry for entry: symmetry planes x = 0 and the diagonal x = y
    (a rotated basis), a prescribed displacement, rigid-body modes pinned."""
    import skfem

    from thermofatigue.fem import constraints as C
    from thermofatigue.fem.assembly import Assembler
    from thermofatigue.fem.kinematics import Discretization

    mesh = skfem.MeshTet.init_tensor(*[np.linspace(0, 1.0, 4)] * 3)
    disc = Discretization(mesh, "3d", 2)
    x, y, z = disc.node_coordinates.T
    constraints = [C.NodeConstraint(np.flatnonzero(np.abs(x) < 1e-12), np.array([1.0, 0, 0])),
                   C.NodeConstraint(np.flatnonzero(np.abs(x - y) < 1e-12),
                                    np.array([1.0, -1.0, 0]) / np.sqrt(2.0)),
                   C.NodeConstraint(np.flatnonzero(np.abs(z - 1.0) < 1e-12),
                                    np.array([0, 0, 1.0]), 0.01)]
    cs = C.ConstrainedSpace(disc, constraints)
    asm = Assembler(disc)
    general = C._triple_product_map(asm.indptr, asm.indices, cs.T, cs.inactive)
    blocked = C._node_block_product_map(asm.indptr, asm.indices, cs.T, cs.inactive, 3)
    assert blocked is not None and cs.inactive.size > 0
    P_general, P_blocked = general[0].tocsr(), blocked[0].tocsr()
    P_general.sort_indices()
    P_blocked.sort_indices()
    assert (P_general != P_blocked).nnz == 0
    for a, b in zip(general[1:4], blocked[1:4]):
        assert np.array_equal(a, b)
    # the reduced matrix it gives is T^T K T with identity rows for the inactive slots
    C_iso = np.broadcast_to(np.eye(6) * 1e3 + 1e2, (disc.n_elements, disc.n_quadrature, 6, 6))
    K = asm.matrix(C_iso)
    reduced = cs.reduce_matrix(K).toarray()
    expected = (cs.T.T @ K @ cs.T).toarray()
    expected[cs.inactive, cs.inactive] = 1.0
    assert np.abs(reduced - expected).max() <= 1e-12 * np.abs(expected).max()



def test_selection_reduction_map_equals_the_general_one():
    """Axis-aligned symmetry planes, a prescribed component and pinned rigid-body modes make
    ``T`` a selection: its map (picked entries, no products) is the general map, entry for
    entry; with a rotated plane it declines."""
    import skfem

    from thermofatigue.fem import constraints as C
    from thermofatigue.fem.assembly import Assembler
    from thermofatigue.fem.kinematics import Discretization

    mesh = skfem.MeshTet.init_tensor(*[np.linspace(0, 1.0, 4)] * 3)
    disc = Discretization(mesh, "3d", 2)
    x, y, z = disc.node_coordinates.T
    planes = [C.NodeConstraint(np.flatnonzero(np.abs(x) < 1e-12), np.array([1.0, 0, 0])),
              C.NodeConstraint(np.flatnonzero(np.abs(y) < 1e-12), np.array([0, 1.0, 0])),
              C.NodeConstraint(np.flatnonzero(np.abs(z - 1.0) < 1e-12),
                               np.array([0, 0, 1.0]), 0.01)]
    asm = Assembler(disc)
    for constraints in (planes, planes[:2]):  # the second leaves z-translation to pin
        cs = C.ConstrainedSpace(disc, constraints)
        general = C._triple_product_map(asm.indptr, asm.indices, cs.T, cs.inactive)
        selection = C._selection_map(asm.indptr, asm.indices, cs.T, cs.inactive)
        assert selection is not None and cs.inactive.size > 0
        P_general, P_selection = general[0].tocsr(), selection[0].tocsr()
        P_general.sort_indices()
        assert P_general.shape == P_selection.shape
        assert (P_general != P_selection).nnz == 0
        for a, b in zip(general[1:4], selection[1:4]):
            assert np.array_equal(a, b)
        data = np.random.default_rng(1).standard_normal(asm.nnz)
        assert np.array_equal(selection[0] @ data, P_general @ data)
        # a subset's partial reduction (the solder's entries): the same rows and matrix
        subset = np.sort(np.random.default_rng(2).choice(asm.nnz, asm.nnz // 5, replace=False))
        P_sub = sp.csr_matrix(P_general.tocsc()[:, subset])
        rows = np.flatnonzero(np.diff(P_sub.indptr))
        rows_s, P_sub_s = selection[0].columns(subset)
        assert np.array_equal(rows, rows_s)
        assert abs(sp.csr_matrix(P_sub[rows]) - P_sub_s).max() == 0
    assert len(constraints) == 2 and cs.pinned.size == 1
    rotated = C.ConstrainedSpace(disc, [C.NodeConstraint(
        np.flatnonzero(np.abs(x - y) < 1e-12), np.array([1.0, -1.0, 0]) / np.sqrt(2.0))])
    assert C._selection_map(asm.indptr, asm.indices, rotated.T, rotated.inactive) is None


def _slice_energy(control, tmp_path):
    """Inelastic work density of cycle 1 in the die-side layer of the critical joint of the
    2D example slice (cool-down from 217 C, JEDEC G), at the step control ``control``."""
    from thermofatigue.case import parse_case, read_toml
    from thermofatigue.casemodel import build_model
    from thermofatigue.examples import example_path
    from thermofatigue.fem.stepping import TimeStepper
    from thermofatigue.loads import profile_from_spec

    path = example_path("wlcsp_slice2d")
    raw = read_toml(path)
    raw["output"] = {"directory": str(tmp_path), "vtu": False}
    model = build_model(parse_case(raw, source=str(path), base_dir=path.parent),
                        mesh_directory=tmp_path)
    profile = profile_from_spec({"preset": "JESD22-A104:G", "cycles": 1,
                                 "stress_free_temperature": 217.0})
    history = TimeStepper(EquilibriumSolver(model, tolerance=1e-4), profile, control).run()
    joint = max(model.tagged.metadata["joints"], key=lambda j: j["dnp"])["id"]
    (group,) = model.nonlinear_groups
    layer = model.tagged.regions[f"joint_{joint}_die_layer"]
    w = model.disc.weights[layer]
    work = history.cycles[0].dissipated[group.pattern][np.searchsorted(group.elements, layer)]
    return float(np.sum(work * w) / np.sum(w)), history.increments


@pytest.mark.slow
def test_local_error_control_brings_the_cycle_energy_towards_the_converged_value(tmp_path):
    """Backward Euler's error in the critical joint's energy per cycle is first order in the
    step (2D example slice): default steps, steps / 2 and / 4, and the embedded local-error
    control at the default steps, against the Richardson value of the refined pair. Measured
    (benchmarks/step_error.py --kind slice2d): default -2.5 %, controlled (1e-5) -0.8 %."""
    from thermofatigue.fem.stepping import StepControl

    energy = {}
    for name, control in (("default", StepControl()),
                          ("half", StepControl(max_dT=7.5, creep_tolerance=1e-3)),
                          ("quarter", StepControl(max_dT=3.75, creep_tolerance=5e-4)),
                          ("controlled", StepControl(error_tolerance=1e-5))):
        energy[name] = _slice_energy(control, tmp_path / name)
    converged = 2.0 * energy["quarter"][0] - energy["half"][0]
    error = {k: abs(v[0] / converged - 1.0) for k, v in energy.items()}
    assert error["quarter"] < error["half"] < error["default"]  # first order
    assert 0.5 < error["half"] / error["default"] * 2.0 < 1.5
    assert error["controlled"] < 0.5 * error["default"] and error["controlled"] < 0.01
    assert energy["controlled"][1] > energy["default"][1]  # more increments where needed


def test_threaded_matvec_equals_the_plain_product(monkeypatch):
    """MKL's sparse mat-vec (where MKL is loaded) gives ``A @ x`` to round-off; without it, row
    blocks of equal entry counts, one per thread, give it exactly (empty rows, a row block with
    no rows, more threads than needed); one thread where OMP_NUM_THREADS=1."""
    from thermofatigue.fem import linear

    rng = np.random.default_rng(3)
    A = sp.random(500, 400, density=0.05, format="csr", random_state=rng)
    A = sp.csr_matrix(sp.vstack([A, sp.csr_matrix((7, 400)), A[:3]]))  # empty rows, then more
    x = rng.standard_normal(400)
    expected = A @ x
    monkeypatch.setattr(linear, "PARALLEL_MATVEC_FROM", 1)
    if linear._mkl_sparse() is not None:
        y = linear.matvec(A, x)
        assert np.abs(y - expected).max() <= 1e-14 * np.abs(expected).max()
    monkeypatch.setattr(linear, "_mkl_sparse", lambda: None)
    for threads in (2, 3, 8):
        monkeypatch.setattr(linear, "matvec_threads", lambda threads=threads: threads)
        assert np.array_equal(linear.matvec(A, x), expected)
    monkeypatch.undo()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert linear.matvec_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert linear.matvec_threads() <= 2


@pytest.mark.parametrize("kind", ["3d", "plane_strain"])
def test_block_pattern_assembles_what_a_plain_sum_of_element_matrices_gives(kind):
    """The node-block CSR pattern and its scatter positions (filled block by block in int32)
    put every element-matrix entry where a COO sum of the element matrices puts it."""
    import skfem

    from thermofatigue.fem.assembly import Assembler
    from thermofatigue.fem.kinematics import Discretization

    axes = [np.linspace(0, 1.0, 4)] * (3 if kind == "3d" else 2)
    mesh = (skfem.MeshTet if kind == "3d" else skfem.MeshTri).init_tensor(*axes)
    disc = Discretization(mesh, kind, 2)
    asm = Assembler(disc)
    assert asm.scatter.dtype == np.int32
    rng = np.random.default_rng(0)
    values = rng.standard_normal((disc.n_elements, disc.n_element_dofs, disc.n_element_dofs))
    data = np.bincount(asm.scatter.ravel(), weights=values.ravel(), minlength=asm.nnz)
    dofs = disc.element_dofs
    rows = np.repeat(dofs, dofs.shape[1], axis=1).ravel()
    cols = np.tile(dofs, (1, dofs.shape[1])).ravel()
    expected = sp.coo_matrix((values.ravel(), (rows, cols)), shape=asm.shape).tocsr()
    assert abs(asm.csr(data) - expected).max() <= 1e-12 * abs(expected).max()
