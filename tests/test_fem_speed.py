"""Speed levers of the solver core keep their answers: the SuperLU fallback (said once)."""

import sys
import warnings

import numpy as np
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
    regions = {"board": np.flatnonzero(z < 0.2), "dielectric": np.flatnonzero((z > 0.2) & (z < 0.4)),
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
    import pytest

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
