"""Speed levers of the solver core keep their answers: the SuperLU fallback (said once)."""

import sys
import warnings

import numpy as np
import scipy.sparse as sp

from thermofatigue.fem import linear
from thermofatigue.fem.linear import DirectSolver, SolverFallbackWarning, make_linear_solver


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
