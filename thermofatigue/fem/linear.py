"""Linear solvers for the reduced stiffness, behind one small interface.

``solver.setup(A)`` prepares for a matrix (factorises it, or builds the AMG hierarchy);
``solver.solve(b)`` returns ``x`` with plain numpy arrays in and out (as pyamg's solver objects).

* :class:`DirectSolver`: sparse LU (SuperLU through SciPy, minimum-degree ordering of A^T + A).
  Robust and exact; fill-in grows quickly in 3D, so it is the choice for 2D models and small 3D
  ones.
* :class:`AMGSolver`: conjugate gradients preconditioned by pyamg's smoothed aggregation, with
  the rigid-body modes as near-null space (without them SA-AMG stalls on thin 3D plates, see
  ``DESIGN.md``). ``setup`` can keep the hierarchy of an earlier matrix
  (``reuse_hierarchy=True``): a Newton iteration whose tangent changes only in the solder joints
  then pays only the CG iterations, not a new coarsening.

:func:`make_linear_solver` picks one from the problem size ("auto"), or as the case file says.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError, InputError

LINEAR_SOLVERS = ("auto", "direct", "amg")
# Size above which "auto" switches to AMG-CG: measured crossover of benchmarks/assembly.py
DIRECT_LIMIT = {2: 400_000, 3: 60_000}


class DirectSolver:
    """Sparse LU factorisation (SuperLU)."""

    name = "direct"

    def __init__(self):
        self._lu = None
        self.iterations = 0

    def setup(self, A: sp.spmatrix) -> None:
        self._lu = spla.splu(sp.csc_matrix(A), permc_spec="MMD_AT_PLUS_A",
                             options={"SymmetricMode": True})

    def solve(self, b: np.ndarray, x0: np.ndarray | None = None) -> np.ndarray:
        self.iterations = 1
        return self._lu.solve(np.asarray(b, dtype=float))


class AMGSolver:
    """CG preconditioned by smoothed-aggregation AMG with a near-null space.

    Parameters
    ----------
    near_nullspace : (n, k) rigid-body modes in the solver's unknowns
    tol : relative residual tolerance of CG
    maxiter : CG iteration limit; exceeding it raises :class:`ConvergenceError`
    reuse_hierarchy : keep the first hierarchy and only update the fine-level matrix
    """

    name = "amg"

    def __init__(self, near_nullspace: np.ndarray | None = None, tol: float = 1e-10,
                 maxiter: int = 400, reuse_hierarchy: bool = False):
        self.B = near_nullspace
        self.tol = tol
        self.maxiter = maxiter
        self.reuse_hierarchy = reuse_hierarchy
        self.ml = None
        self.A = None
        self.iterations = 0

    def setup(self, A: sp.spmatrix) -> None:
        import pyamg

        A = sp.csr_matrix(A)
        self.A = A
        if self.ml is not None and self.reuse_hierarchy:
            return
        B = self.B if self.B is not None and self.B.shape[1] else None
        self.ml = pyamg.smoothed_aggregation_solver(
            A, B=B, symmetry="hermitian", strength="symmetric",
            smooth=("jacobi", {"omega": 4.0 / 3.0, "degree": 1}),
            presmoother=("block_gauss_seidel", {"sweep": "symmetric"}),
            postsmoother=("block_gauss_seidel", {"sweep": "symmetric"}),
            max_coarse=800)

    def solve(self, b: np.ndarray, x0: np.ndarray | None = None) -> np.ndarray:
        residuals = []
        M = self.ml.aspreconditioner(cycle="V")
        bnorm = np.linalg.norm(b)
        if bnorm == 0.0:
            self.iterations = 0
            return np.zeros_like(b)
        x, info = spla.cg(self.A, b, x0=x0, rtol=self.tol, maxiter=self.maxiter, M=M,
                          callback=lambda xk: residuals.append(1))
        self.iterations = len(residuals)
        if info != 0:
            r = np.linalg.norm(b - self.A @ x) / bnorm
            raise ConvergenceError(
                f"AMG-CG did not reach the relative residual {self.tol:g} in {self.maxiter} "
                f"iterations (reached {r:.2e}); try solver.linear = \"direct\"")
        return x


def make_linear_solver(kind: str, n_unknowns: int, dim: int,
                       near_nullspace: np.ndarray | None = None, source: str = "<case>",
                       **options):
    """A solver for ``kind`` in ``LINEAR_SOLVERS`` ("auto" picks by size and dimension)."""
    if kind not in LINEAR_SOLVERS:
        raise InputError(source, "solver.linear", kind, f"one of {list(LINEAR_SOLVERS)}")
    if kind == "auto":
        kind = "direct" if n_unknowns <= DIRECT_LIMIT[dim] else "amg"
    if kind == "direct":
        return DirectSolver()
    return AMGSolver(near_nullspace=near_nullspace, **options)
