"""Static condensation of the elastic part of a model onto the nonlinear (solder) unknowns.

Split the reduced unknowns into ``N`` (touched by a nonlinear element: the solder joints) and
``L`` (the rest: die, board, pads). The nonlinear elements contribute only to the
``NN`` block, so ``K_LL``, ``K_LN`` are the constant elastic stiffness; only ``K_NN`` changes from
one Newton iteration to the next. With ``I`` the unknowns of ``N`` coupled to ``L`` (the pad
interfaces),

    X  = K_LL^-1 K_LI                        (computed once: n_I solves with one factorization)
    S  = K_NN - E_I (K_IL X) E_I^T           (the Schur complement: K_NN plus a dense I x I block)
    y  = K_LL^-1 r_L
    du_N = S^-1 (-r_N + E_I K_IL y),   du_L = -y - X du_I

solves ``K du = -r`` exactly. Per Newton iteration this costs one solve with ``S`` (joint
unknowns only) and one with the stored factors of ``K_LL``, instead of a factorization of the
whole model. ``S`` itself is solved by conjugate gradients preconditioned by the factors of an
earlier ``S`` (:class:`~thermofatigue.fem.linear.DirectSolver` with reused factors), refreshed
when the extra CG iterations have cost a factorization: the solder tangent changes little
between the iterations of an increment, and the dielectric moduli little between increments.
CG applies ``S`` as ``K_NN`` plus the dense interface block (:class:`SchurComplement`); it is
formed only to be factorised. It pays when ``n_L x n_I`` is small (2D slices, small 3D
models); :meth:`CondensedSolver.applicable` decides. Elastic regions whose moduli depend on
temperature (e.g. polyimide) change from one increment to the next, so they count with ``N``.

Measured on the default 2D slice (4824 unknowns, 3 JEDEC G cycles, 255 Newton iterations, CPU
time): condensation with a fresh factorization of ``S`` every iteration 9.0 s, a reused
factorization of the whole ``K`` preconditioning CG 11.6 s, a fresh factorization of the whole
``K`` every iteration 12.7 s. ``S`` has 2231 unknowns there; its factorization took 17 ms of
the ~30 ms of a Newton iteration before its factors were reused: with them (and inexact Newton,
and the coupled Anand return) the 3 cycles took 14 factorizations of ``S`` and 4.4 s wall time
instead of 256 and 6.9 s (``benchmarks/cycling.py``); with PARDISO for ``S`` and ``K_LL`` (7 ms
numeric re-factorization of ``S`` against SuperLU's 29 ms), the rent-or-buy refresh and a
Newton tolerance of 1e-4, 1.6-2.4 s (noisy 2-core machine).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .linear import DirectSolver

# the dense X = K_LL^-1 K_LI costs n_L * n_I doubles
MAX_DENSE_ENTRIES = 2.5e7


def nonlinear_unknowns(model) -> np.ndarray:
    """Boolean mask of the reduced unknowns whose stiffness changes during a history: those
    touched by a nonlinear element or by an elastic one with temperature-dependent moduli."""
    cs = model.constraints
    touched = np.zeros(model.disc.n_dofs, dtype=bool)
    for g in model.groups:
        if g in model.nonlinear_groups or not getattr(g.model, "constant_stiffness", False):
            touched[model.disc.element_dofs[g.elements].ravel()] = True
    # reduced unknown j is touched when a touched full dof has a T entry in column j
    reduced = np.zeros(cs.n_reduced, dtype=bool)
    T = cs.T.tocsr()
    rows = np.flatnonzero(touched)
    cols = T[rows].indices
    reduced[cols] = True
    return reduced


class CondensedSolver:
    """Solve ``K du = -r`` for tangents that differ from ``K_lin`` only in the ``N`` block."""

    def __init__(self, K_lin: sp.csr_matrix, in_N: np.ndarray, reuse_factorization: bool = True,
                 tol: float = 1e-10):
        K_lin = sp.csr_matrix(K_lin)
        self.N = np.flatnonzero(in_N)
        self.L = np.flatnonzero(~in_N)
        K_LN = K_lin[self.L][:, self.N]
        coupled = np.flatnonzero(np.diff(K_LN.tocsc().indptr) > 0)   # positions within N
        self.I_in_N = coupled
        self.K_LL = DirectSolver("auto")  # PARDISO if available, else SuperLU
        self.K_LL.setup(sp.csr_matrix(K_lin[self.L][:, self.L]))
        self.K_LI = sp.csc_matrix(K_LN[:, coupled])
        self.K_IL = sp.csr_matrix(self.K_LI.T)
        self.X = self.K_LL.solve(self.K_LI.toarray()) if coupled.size else \
            np.zeros((self.L.size, 0))
        S0 = self.K_IL @ self.X
        S0 = 0.5 * (S0 + S0.T)
        self.S0_dense = S0
        ii, jj = np.meshgrid(coupled, coupled, indexing="ij")
        self.S0 = sp.csr_matrix((S0.ravel(), (ii.ravel(), jj.ravel())),
                                shape=(self.N.size, self.N.size))
        self._schur_map(K_lin)
        self.iterations = 0
        # S has a dense block (the interface unknowns, coupled through the condensed elastic
        # part): PARDISO's supernodal Cholesky re-factorises it numerically in 7 ms against
        # SuperLU's 29 ms on the default 2D case (2231 unknowns, 459 of them interface)
        self.schur = DirectSolver("auto", reuse_factorization=reuse_factorization, tol=tol)

    def _schur_map(self, K_lin) -> None:
        """``S.data = Q @ K.data + c`` for every ``K`` with the pattern of ``K_lin``: which
        entry of ``K`` each entry of ``S`` takes (found by extracting ``K_NN`` from a copy
        of ``K_lin`` whose data are the entry numbers), and ``c = -S0`` on the pattern of ``S``
        (the union of those of ``K_NN`` and ``S0``). Spares the per-iteration extraction of
        ``K_NN`` and the sparse subtraction."""
        K_lin = sp.csr_matrix(K_lin)
        self._pattern = (K_lin.indptr, K_lin.indices)
        numbered = sp.csr_matrix((np.arange(1.0, K_lin.nnz + 1.0), K_lin.indices, K_lin.indptr),
                                 shape=K_lin.shape)
        NN = numbered[self.N][:, self.N]
        NN.sort_indices()
        self._NN_pattern = (NN.indices, NN.indptr)
        self._NN_take = NN.data.astype(np.int64) - 1  # K_NN.data = K.data[_NN_take]
        NN = NN.tocoo()
        S0 = self.S0.tocoo()
        n = self.N.size
        key_NN = NN.row.astype(np.int64) * n + NN.col
        key_S0 = S0.row.astype(np.int64) * n + S0.col
        keys = np.sort(np.concatenate([key_NN, key_S0]))  # row-major: the CSR order
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]  # (np.union1d hashes:
        # 0.3 s here against 0.02 s)
        rows = keys // n
        self._S_indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int32)
        self._S_indices = (keys % n).astype(np.int32)
        self._Q = sp.csr_matrix((np.ones(NN.nnz), (np.searchsorted(keys, key_NN),
                                                   NN.data.astype(np.int64) - 1)),
                                shape=(keys.size, K_lin.nnz))
        self._S_constant = -np.bincount(np.searchsorted(keys, key_S0), weights=S0.data,
                                        minlength=keys.size)

    @staticmethod
    def applicable(model, in_N) -> bool:
        """Worth it (and exact): a nonlinear part, and a dense coupling block of modest size."""
        n_N = int(np.count_nonzero(in_N))
        n_L = in_N.size - n_N
        if n_N == 0 or n_L == 0:
            return False
        # the interface is a fraction of N; bound the dense X with N itself (conservative)
        return n_L * min(n_N, 4000) <= MAX_DENSE_ENTRIES and n_N <= 60_000

    def setup(self, K: sp.csr_matrix) -> None:
        """Form the Schur complement ``S`` of the tangent ``K`` (and factorise it, unless the
        factors of an earlier one are kept as a preconditioner)."""
        if (isinstance(K, sp.csr_matrix) and K.indptr is self._pattern[0]
                and K.indices is self._pattern[1]) or (
                isinstance(K, sp.csr_matrix) and K.nnz == self._Q.shape[1]
                and np.array_equal(K.indptr, self._pattern[0])
                and np.array_equal(K.indices, self._pattern[1])):
            S = SchurComplement(self, K.data)
        else:  # another pattern: extract and subtract
            S = sp.csr_matrix(sp.csr_matrix(K[self.N][:, self.N]) - self.S0)
        self.schur.setup(S)

    def explicit_schur(self, K_data: np.ndarray) -> sp.csr_matrix:
        """``S`` as a sparse matrix, for the tangent with data ``K_data``."""
        n = self.N.size
        S = sp.csr_matrix((self._Q @ K_data + self._S_constant, self._S_indices,
                           self._S_indptr), shape=(n, n))
        S.has_sorted_indices = True
        return S

    @property
    def factorizations(self) -> int:
        return self.schur.factorizations

    def solve(self, b: np.ndarray, x0=None, rtol: float | None = None) -> np.ndarray:
        """``K^-1 b`` for the matrix of the last :meth:`setup` (exact, or CG on ``S`` to the
        solver's tolerance)."""
        b_L, b_N = b[self.L], b[self.N].copy()
        y = self.K_LL.solve(b_L)
        b_N[self.I_in_N] -= self.K_IL @ y
        if rtol is not None:  # the Schur residual is the whole residual: scale to ||b||
            rtol = rtol * np.linalg.norm(b) / max(np.linalg.norm(b_N), 1e-300)
        x_N = self.schur.solve(b_N, rtol=rtol)
        x = np.empty_like(b)
        x[self.N] = x_N
        x[self.L] = y - self.X @ x_N[self.I_in_N]
        self.iterations = self.schur.iterations
        return x


class SchurComplement:
    """``S = K_NN - E_I S0 E_I^T`` of one tangent, applied as ``K_NN p`` plus a dense
    product with ``S0`` (the CG iterations need no more), formed as a sparse matrix only when
    it is factorised (:meth:`explicit`). On the default 2D case forming it took 1.3 ms per
    Newton iteration and a product with it 0.3 ms (its dense interface block has 210 k of its
    260 k entries); ``K_NN`` is 0.4 ms to extract, its product and the dense one 0.1 ms."""

    def __init__(self, condensed: CondensedSolver, K_data: np.ndarray):
        self.condensed = condensed
        self.K_data = K_data
        n = condensed.N.size
        self.shape = (n, n)
        indices, indptr = condensed._NN_pattern
        self.K_NN = sp.csr_matrix((K_data[condensed._NN_take], indices, indptr), shape=(n, n))
        self.K_NN.has_sorted_indices = True

    def __matmul__(self, p: np.ndarray) -> np.ndarray:
        c = self.condensed
        y = self.K_NN @ p
        y[c.I_in_N] -= c.S0_dense @ p[c.I_in_N]
        return y

    def explicit(self) -> sp.csr_matrix:
        return self.condensed.explicit_schur(self.K_data)

