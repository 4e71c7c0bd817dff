"""Linear solvers for the reduced stiffness, behind one small interface.

``solver.setup(A)`` prepares for a matrix (factorises it, or builds the AMG hierarchy);
``solver.solve(b, rtol=None)`` returns ``x`` with plain numpy arrays in and out (as pyamg's
solver objects); an iterative solve stops at ``||b - A x|| <= rtol ||b||`` (an inexact Newton
step asks for no more accuracy than it can use, see :mod:`.newton`).

* :class:`DirectSolver`: sparse Cholesky by MKL PARDISO (``pypardiso``, a dependency on x86-64
  Linux and Windows) or sparse LU (SuperLU through SciPy, minimum-degree ordering of A^T + A).
  Robust and exact; fill-in grows quickly in 3D. Where ``pypardiso`` does not import, direct
  solves fall back to SuperLU and one :class:`SolverFallbackWarning` says so.
* :class:`AMGSolver`: conjugate gradients preconditioned by pyamg's smoothed aggregation, with
  the rigid-body modes as near-null space (without them SA-AMG stalls on thin 3D plates, see
  ``docs/architecture.md``) and node-block (BSR) aggregation. ``setup`` can keep the hierarchy of an
  earlier matrix (``reuse_hierarchy=True``) as a lagged preconditioner: a Newton iteration whose
  tangent changes only in the solder joints then pays only the CG iterations.

:func:`make_linear_solver` picks one from the problem size ("auto"), or as the case file says.
"""

from __future__ import annotations

import ctypes
import os
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import InputError

LINEAR_SOLVERS = ("auto", "direct", "amg")
# Size above which "auto" switches to AMG-CG. 3D, from benchmarks/assembly.py (P2 die on board,
# one factorization + solve vs AMG setup + CG to 1e-8, wall time on 2 shared cores): AMG is
# already faster at 5 k unknowns (0.4 s; PARDISO 0.5 s, SuperLU 0.7 s); at 11 k 0.5 s vs 0.7 s
# and 2.4 s, at 26 k 1.5 s vs 2.1 s and 13 s, at 50 k 1.7 s vs 4.8 s and 88 s, at 200 k 9.8 s
# vs 46 s (PARDISO, 1.9 GB of factors). Direct stays the choice up to where its factorization
# costs about one AMG solve more, because Newton iterations re-use the factors as a CG
# preconditioner (a few back-substitutions, cheaper than ~25 V-cycles) and it does not depend
# on the conditioning. That matters for real package meshes: on the 3D quarter model of the
# 6 x 6 WLCSP (190 k unknowns, micrometre-thin passivation and dielectric layers, creeping
# solder) AMG-CG needed ~120 iterations per Newton solve (20-25 s) against ~14 s for PARDISO
# factors reused as a CG preconditioner (benchmarks/cycling.py), ~4 s once Newton solved
# inexactly (a cycle: 74 Newton solves, 517 back-substitutions of 0.49 s, 9 factorizations of
# 14 s), and ~1 s without PARDISO's iterative refinement and with numeric-only
# re-factorization (a cycle: ~47 Newton solves, ~180 back-substitutions of 0.13-0.16 s, ~2
# factorizations of 9-11 s). The PARDISO limit was 250 k (1.9 GB of double-precision factors
# at 200 k); the reused factors are single precision now (half that), and beyond it AMG-CG made
# the 8 x 8 quarter model (about 310 k unknowns) crawl (benchmarks/scale.py: not through its
# cool-down and first cycle in 8 min, where the 6 x 6 direct run took 107 s for all three
# cycles). With PARDISO the 10 x 10 quarter (462 k unknowns) ran three cycles in 443 s at a
# peak of 7.2 GB for the whole process, memory growing as unknowns^1.0-1.05 from 4 x 4 on
# (docs/performance.md, "Scale"); the limit is 800 k, about 13 GB by that growth, so that a
# 24 GB machine keeps room. The 2D limits are not re-measured.
DIRECT_LIMIT = {"superlu": {2: 300_000, 3: 10_000}, "pardiso": {2: 1_000_000, 3: 800_000}}


class SolverFallbackWarning(UserWarning):
    """MKL PARDISO is unavailable: sparse direct solves fall back to SuperLU (issued once)."""


_PARDISO = {}  # "available" -> bool once known, "reason" -> why not


def _pardiso_available() -> bool:
    """Whether ``pypardiso`` (MKL PARDISO) imports. The first time it does not, one
    :class:`SolverFallbackWarning` says so and why (the CLI shows warnings to the user); later
    calls are silent."""
    if "available" not in _PARDISO:
        try:
            with _mkl_path_for_pypardiso(_mkl_runtime_in_prefix()):
                import pypardiso  # noqa: F401
        except Exception as error:  # not installed, or MKL missing on this platform
            _PARDISO.update(available=False, reason=f"{type(error).__name__}: {error}")
            warnings.warn(
                "MKL PARDISO (the pypardiso package) is not available here "
                f"({_PARDISO['reason']}): sparse direct solves fall back to SuperLU, which is "
                "several times slower on 3D models (pypardiso has wheels for x86-64 Linux and "
                "Windows)", SolverFallbackWarning, stacklevel=3)
        else:
            _PARDISO["available"] = True
    return _PARDISO["available"]


@contextmanager
def _mkl_path_for_pypardiso(path: str | None):
    """pypardiso's documented override ``PYPARDISO_MKL_RT`` set to ``path`` while it makes a
    handle (its import makes one), unless the user has set it: without it pypardiso asks
    ``find_library`` and then searches every directory under ``<prefix>/lib*`` for MKL,
    0.2-0.6 s each time."""
    if path is None or "PYPARDISO_MKL_RT" in os.environ:
        yield
        return
    os.environ["PYPARDISO_MKL_RT"] = path
    try:
        yield
    finally:
        del os.environ["PYPARDISO_MKL_RT"]


def _module_mkl():
    """The MKL library (ctypes) that pypardiso's import loaded for its module-level solver,
    or None."""
    import pypardiso

    solver = getattr(getattr(pypardiso, "scipy_aliases", None), "pypardiso_solver", None)
    return getattr(solver, "libmkl", None)


def _mkl_runtime_in_prefix() -> str | None:
    """MKL's runtime library where pip's ``mkl`` wheel puts it (``<prefix>/lib`` or
    ``<prefix>/Library/bin``), or None: the hint for pypardiso's import (0.46 s of each 3D
    run's start-up in this environment without it)."""
    import glob
    import sys

    for pattern in ("lib/libmkl_rt.so*", "lib/libmkl_rt*.dylib", "Library/bin/mkl_rt*.dll"):
        found = sorted(glob.glob(os.path.join(sys.prefix, pattern)), key=len)
        if found:
            return found[0]
    return None


class DirectSolver:
    """Sparse direct solve: Intel MKL PARDISO (Cholesky, if the optional ``pypardiso`` package
    is installed) or SuperLU (LU with minimum-degree ordering of A^T + A), always available.

    PARDISO's nested-dissection Cholesky is faster than SuperLU on 3D quadratic tetrahedra by
    4x at 11 k unknowns, 6x at 26 k and 19x at 50 k (``benchmarks/assembly.py``).

    With ``reuse_factorization=True`` a factorization outlives its matrix: ``setup(A)`` with a
    new ``A`` only records it, and ``solve`` runs conjugate gradients on ``A`` preconditioned by
    the old factors (a Newton tangent that changes only in the solder joints stays close to the
    one factorised). ``setup`` factorises afresh once the CG iterations beyond one per solve
    since the last factorization have taken as long as it did (rent or buy: at most twice the
    cost of the best refresh schedule in hindsight); a single solve that needs more iterations
    than a factorization is worth (half the ratio of factorization to solve time, at least
    ``refresh_iterations``) factorises its matrix and solves directly. ``A`` may also be an
    operator with ``@`` and an ``explicit()`` method that forms the matrix (only then).
    """

    name = "direct"
    refresh_ratio = 1.0
    # reused PARDISO factors (a CG preconditioner) in single precision: half the memory, a
    # factorization ~2x and a back-substitution ~1.5x cheaper in CPU time (octant default,
    # 73 k unknowns: 3.1 -> 1.6 s, 53 -> 40 ms); every solve then runs CG to its tolerance
    # (fresh factors: relative residual ~3e-5 after one back-substitution, 1e-8 after 3 CG
    # iterations). False: double precision (kept for benchmarks/levers.py).
    single_precision_preconditioner = True
    single_precision_from = 20_000  # unknowns; smaller (2D Schur complements: 7 ms
    # factorizations) gain nothing and would pay a CG iteration per solve

    def __init__(self, backend: str = "auto", reuse_factorization: bool = False,
                 refresh_iterations: int = 8, tol: float = 1e-10):
        if backend == "auto":
            backend = "pardiso" if _pardiso_available() else "superlu"
        self.backend = backend
        self.reuse_factorization = reuse_factorization
        self.refresh_iterations = refresh_iterations
        self.tol = tol
        self._factor = None
        self._factored = None  # the matrix the factors belong to
        self.A = None
        self.iterations = 0
        self.factorizations = 0
        self._factor_seconds = 0.0
        self._solve_seconds = 1.0
        self._extra_seconds = 0.0  # CG iterations beyond one per solve since the factorization
        self.single = (backend == "pardiso" and reuse_factorization
                       and self.single_precision_preconditioner)

    def setup(self, A: sp.spmatrix) -> None:
        self.A = A
        # with reused factors, refactorise once the CG iterations beyond the first that they
        # cost since the last factorization add up to one factorization (the rent-or-buy rule:
        # never more than twice the cost of the best refresh schedule in hindsight)
        if (self._factor is None or not self.reuse_factorization
                or self._extra_seconds > self.refresh_ratio * self._factor_seconds):
            self._factorize(A)

    def _factorize(self, A) -> None:
        start = time.perf_counter()
        original = A
        if hasattr(A, "explicit"):  # an operator that forms its matrix on demand
            A = A.explicit()
        if self.backend == "pardiso":
            if self._factor is None:  # one PARDISO handle, re-factorised in place
                self.single = self.single and A.shape[0] >= self.single_precision_from
                self._factor = PardisoCholesky(single=self.single)
            try:
                self._factor.factorize(A)
            except np.linalg.LinAlgError:
                if not self.single:
                    raise
                self._double_precision()  # single-precision Cholesky broke down
                self._factor.factorize(A)
        else:
            self._factor = spla.splu(sp.csc_matrix(A), permc_spec="MMD_AT_PLUS_A",
                                     options={"SymmetricMode": True})
        self._factored = original
        self.factorizations += 1
        self._factor_seconds = time.perf_counter() - start
        self._extra_seconds = 0.0

    def _apply_factors(self, b):
        return self._factor.solve(b)  # PardisoCholesky or SuperLU factors

    def _double_precision(self) -> None:
        """Leave single-precision factors for good (a breakdown, or CG stalled on fresh
        factors: the matrix is too ill-conditioned for them)."""
        self.single = False
        if self._factor is not None:
            self._factor.release()
        self._factor = PardisoCholesky()

    def solve(self, b: np.ndarray, x0: np.ndarray | None = None,
              rtol: float | None = None) -> np.ndarray:
        """``A^-1 b``: exact with fresh factors, else CG to ``||b - A x|| <= rtol ||b||``
        (``rtol`` defaults to the solver's ``tol``)."""
        b = np.asarray(b, dtype=float)
        rtol = self.tol if rtol is None else max(rtol, self.tol)
        fresh = self._factored is self.A
        if fresh and not self.single:
            self.iterations = 1
            start = time.perf_counter()
            x = self._apply_factors(b)
            self._solve_seconds = time.perf_counter() - start
            return x
        worth = int(0.5 * self._factor_seconds / max(self._solve_seconds, 1e-9))
        maxiter = min(max(self.refresh_iterations, worth), 100)
        start = time.perf_counter()
        x, self.iterations, converged = _pcg(self.A, b, self._apply_factors,
                                             rtol * np.sqrt(_dot(b, b)), maxiter, x0)
        seconds = time.perf_counter() - start
        if fresh:  # single-precision factors refine: not a sign of stale factors
            self._solve_seconds = seconds / max(self.iterations, 1)
        elif self.iterations > 1:
            self._extra_seconds += seconds * (self.iterations - 1) / self.iterations
        if not converged:  # the old factors no longer precondition well: factorise this matrix
            if fresh:
                self._double_precision()
            spent = self.iterations
            self._factorize(self.A)
            x = self.solve(b, x0, rtol)
            self.iterations += spent
        return x


# Below this size PARDISO runs on one thread: its OpenMP threads, which spin for a while after
# each call (Intel OpenMP's KMP_BLOCKTIME), took CPU from the Python work between the ~0.3 ms
# solves of the 2D Schur complement (benchmarks/cycling.py: 2D slice 3 cycles 3.4-3.9 s of CPU
# time with one thread against 4.2-5.2 s with two, for the same wall time or less).
SERIAL_PARDISO_BELOW = 20_000


class PardisoCholesky:
    """Cholesky factors of a symmetric positive definite matrix by Intel MKL PARDISO, through
    the ctypes binding of the optional ``pypardiso`` package (its routine, handle and ``iparm``
    array; plain numpy in and out).

    Differs from ``pypardiso``'s own calls where Newton iterations pay for it: the upper
    triangle is taken through a mask kept for the pattern, and the 1-based index arrays are
    built once per pattern, not at every solve (two 7.5 M-entry conversions per solve at
    190 k unknowns); a new matrix of the same pattern is factorised numerically only (phase 22:
    the METIS ordering and symbolic analysis of the first one are kept); solves skip
    PARDISO's default of two steps of iterative refinement (``iparm(8) = 2``), which tripled
    the cost of a back-substitution (0.42 s -> 0.13 s at 190 k unknowns, relative residual
    ~1e-9 either way; with reused factors CG refines anyway). ``single=True`` factorises in
    single precision (``iparm(28) = 1``; data, right-hand sides and solutions float32 inside,
    float64 outside): factors for a preconditioner.
    """

    _mkl_rt = None  # where the first handle found MKL (given to the next ones)

    def __init__(self, single: bool = False):
        import pypardiso

        self.single = single  # factors in single precision (iparm(28) = 1)

        known = PardisoCholesky._mkl_rt or getattr(_module_mkl(), "_name", None)
        with _mkl_path_for_pypardiso(known):
            self.handle = pypardiso.PyPardisoSolver(mtype=2)  # real symmetric pos. definite
        PardisoCholesky._mkl_rt = getattr(self.handle.libmkl, "_name", None)
        self.handle.set_statistical_info_off()
        self._pattern = None   # (indptr, indices) of the full matrix last factorised
        self._upper = None     # mask of its upper-triangle entries
        self._ia = self._ja = self._data = None

    def get_iparm(self, i: int) -> int:
        """PARDISO's ``iparm(i)`` (1-based, as its documentation numbers them)."""
        return int(self.handle.get_iparm(i))

    def factorize(self, A: sp.csr_matrix) -> None:
        A = sp.csr_matrix(A)
        if not A.has_sorted_indices:
            A.sort_indices()
        same = self._pattern is not None and (
            (A.indptr is self._pattern[0] and A.indices is self._pattern[1])
            or (np.array_equal(A.indptr, self._pattern[0])
                and np.array_equal(A.indices, self._pattern[1])))
        if not same:
            if self._pattern is not None:
                self.release()
            rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
            self._upper = A.indices >= rows
            counts = np.bincount(rows[self._upper], minlength=A.shape[0])
            self._ia = np.concatenate([[1], 1 + np.cumsum(counts)]).astype(np.int32)
            self._ja = (A.indices[self._upper] + 1).astype(np.int32)
            self._pattern = (A.indptr, A.indices)
            self._n = A.shape[0]
        self._data = np.ascontiguousarray(A.data[self._upper], dtype=self._dtype)
        if not same and self.single:
            # PARDISO's defaults for a symmetric positive definite matrix given explicitly
            # (iparm(1) = 1: parallel nested dissection, no refinement) plus single precision
            self.handle.iparm[:] = 0
            for i, value in ((1, 1), (2, 3), (8, 0), (28, 1)):
                self.handle.set_iparm(i, value)
        self._call(22 if same else 12, np.zeros(self._n))
        self.handle.set_iparm(8, 0)  # no iterative refinement (iparm(1) is 1 after phase 12:
        # PARDISO has filled in its defaults, the values given now are read as they are)

    @property
    def _dtype(self):
        return np.float32 if self.single else np.float64

    def release(self) -> None:
        """Free PARDISO's analysis and factors (the handle stays usable for a new pattern)."""
        if self._pattern is not None:
            self._call(-1, np.zeros(0))
            self._pattern = None

    def solve(self, b: np.ndarray) -> np.ndarray:
        return self._call(33, np.asarray(b, dtype=float))

    def _call(self, phase: int, b: np.ndarray) -> np.ndarray:
        import ctypes

        h = self.handle
        if self._n < SERIAL_PARDISO_BELOW:  # small: one thread, no OpenMP team spinning after
            previous = h.libmkl.MKL_Set_Num_Threads_Local(1)
            try:
                return self._pardiso(phase, b)
            finally:
                h.libmkl.MKL_Set_Num_Threads_Local(previous)
        return self._pardiso(phase, b)

    def _pardiso(self, phase: int, b: np.ndarray) -> np.ndarray:
        import ctypes

        h = self.handle
        b = np.asfortranarray(b, dtype=self._dtype)
        x = np.zeros_like(b)
        error = ctypes.c_int32(0)
        int_p = ctypes.POINTER(ctypes.c_int32)
        real_p = ctypes.POINTER(ctypes.c_float if self.single else ctypes.c_double)
        one = ctypes.byref(ctypes.c_int32(1))
        h._mkl_pardiso(h.pt.ctypes.data_as(ctypes.POINTER(h._pt_type[0])), one, one,
                       ctypes.byref(ctypes.c_int32(h.mtype)), ctypes.byref(ctypes.c_int32(phase)),
                       ctypes.byref(ctypes.c_int32(self._n)), self._data.ctypes.data_as(real_p),
                       self._ia.ctypes.data_as(int_p), self._ja.ctypes.data_as(int_p),
                       h.perm.ctypes.data_as(int_p),
                       ctypes.byref(ctypes.c_int32(1 if b.ndim == 1 else b.shape[1])),
                       h.iparm.ctypes.data_as(int_p), ctypes.byref(ctypes.c_int32(0)),
                       b.ctypes.data_as(real_p), x.ctypes.data_as(real_p),
                       ctypes.byref(error))
        if error.value != 0:
            raise np.linalg.LinAlgError(f"PARDISO phase {phase} failed with error {error.value}")
        return np.ascontiguousarray(x, dtype=float)


class AMGSolver:
    """CG preconditioned by smoothed-aggregation AMG with a near-null space.

    Parameters
    ----------
    near_nullspace : (n, k) rigid-body modes in the solver's unknowns
    tol : relative residual tolerance of CG
    maxiter : CG iteration limit; beyond it the best iterate is returned (``converged``
        False), after one rebuild of a reused hierarchy
    reuse_hierarchy : keep the first hierarchy and only update the fine-level matrix
    """

    name = "amg"

    def __init__(self, near_nullspace: np.ndarray | None = None, tol: float = 1e-10,
                 maxiter: int = 400, reuse_hierarchy: bool = False, block_size: int = 1):
        self.B = near_nullspace
        self.block_size = block_size
        self.tol = tol
        self.maxiter = maxiter
        self.reuse_hierarchy = reuse_hierarchy
        self.ml = None
        self.A = None
        self.iterations = 0
        self.converged = True
        self._stale = False  # True once the hierarchy has served a solve

    def setup(self, A: sp.spmatrix) -> None:
        import pyamg

        A = sp.csr_matrix(A)
        self.A = A
        if self.ml is not None and self.reuse_hierarchy:
            # lagged preconditioner: CG runs on the new matrix, the hierarchy of an earlier one
            # (still symmetric positive definite) preconditions it
            return
        self._stale = False
        B = self.B if self.B is not None and self.B.shape[1] else None
        k = self.block_size
        if k > 1 and A.shape[0] % k == 0:
            fine = A.tobsr(blocksize=(k, k))
            # tobsr leaves the blocks of a block row unsorted (it sums duplicates, so sorting
            # makes the format canonical); sorted blocks make the BSR mat-vec and Gauss-Seidel
            # sweeps ~1.7x faster, and the flag spares pyamg a Python-level sum_duplicates
            # (1.6 s at 215 k unknowns) each time it reads the data
            fine.sort_indices()
            fine.has_canonical_format = True
        else:
            fine = A
        # Settings measured on the die-on-board plate of benchmarks/assembly.py (Si on FR-4,
        # P2 tets, 50 k / 200 k / 1 M unknowns, CG to 1e-8): node-block aggregation with a weak
        # strength threshold and energy-minimising prolongation keep CG at 22-24 iterations,
        # three levels and an operator complexity of 1.20-1.22; the time per iteration then
        # grows with the nonzeros (33 / 128 / 604 ms CPU) and setup + solve as DOF^1.00 in CPU
        # time (2.3 / 7.9 / 39 s), DOF^1.01 and 1.14 in wall time in two runs of the benchmark
        # on the shared 2-core machine (1.9 / 7.8 / 39 s and 1.7 / 9.8 / 53 s). One forward
        # Gauss-Seidel sweep before and one backward sweep after the coarse correction (a
        # symmetric V-cycle, so CG applies) cost half of pyamg's default (a symmetric sweep on
        # each side) for 23 instead of 17 iterations: -20 % solve time. The candidates are not
        # smoothed (improve_candidates=None): B holds the rigid-body modes already, and the 48
        # block sweeps that would cost were a quarter of the setup.
        self.ml = pyamg.smoothed_aggregation_solver(
            fine, B=B, symmetry="hermitian", strength=("symmetric", {"theta": 0.05}),
            smooth="energy", improve_candidates=None, max_coarse=500, coarse_solver="splu",
            presmoother=("block_gauss_seidel", {"sweep": "forward"}),
            postsmoother=("block_gauss_seidel", {"sweep": "backward"}))

    def _v_cycle(self, b: np.ndarray, level: int = 0) -> np.ndarray:
        """One V-cycle from a zero guess: the preconditioner. (pyamg's ``aspreconditioner``
        runs the same cycle through ``ml.solve(maxiter=1)``, which adds two fine-level residuals
        and their norms per application: ~25 % of its cost.)"""
        levels = self.ml.levels
        lvl = levels[level]
        b = np.ravel(b)
        if len(levels) == 1:  # small enough for the coarse solver alone
            return np.ravel(self.ml.coarse_solver(lvl.A, b))
        x = np.zeros_like(b)
        lvl.presmoother(lvl.A, x, b)
        coarse_b = lvl.R @ (b - lvl.A @ x)
        if level == len(levels) - 2:
            coarse_x = self.ml.coarse_solver(levels[-1].A, coarse_b)
        else:
            coarse_x = self._v_cycle(coarse_b, level + 1)
        x += lvl.P @ np.ravel(coarse_x)
        lvl.postsmoother(lvl.A, x, b)
        return x

    def solve(self, b: np.ndarray, x0: np.ndarray | None = None,
              rtol: float | None = None) -> np.ndarray:
        """CG to ``||b - A x|| <= rtol ||b||`` (``rtol`` defaults to the solver's ``tol``)."""
        b = np.asarray(b, dtype=float)
        rtol = self.tol if rtol is None else max(rtol, self.tol)
        bnorm = np.sqrt(_dot(b, b))
        if bnorm == 0.0:
            self.iterations = 0
            return np.zeros_like(b)
        x, self.iterations, converged = _pcg(self.A, b, self._v_cycle, rtol * bnorm,
                                             self.maxiter, x0)
        if not converged and self.reuse_hierarchy and self._stale:
            # the lagged hierarchy no longer preconditions this matrix: rebuild and retry
            self.ml = None
            self.setup(self.A)
            x, more, converged = _pcg(self.A, b, self._v_cycle, rtol * bnorm,
                                      self.maxiter, x)
            self.iterations += more
        self._stale = True
        # not converged: the best iterate goes back; Newton's residual check (and its step
        # cut-backs) decides what it is worth
        self.converged = converged
        return x


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS. np.dot calls OpenBLAS's threaded ddot, whose threads
    spin-wait for a core on a loaded machine: 3.3 ms instead of 0.03 ms for 50 k unknowns on
    2 busy cores, which made scipy's CG take 2.4 s instead of 1.0 s (benchmarks/assembly.py)."""
    return float(np.einsum("i,i->", a, b))


# Above this many stored entries a large CSR mat-vec runs on several threads: MKL's sparse
# mat-vec where MKL is loaded (the PARDISO dependency; it shares PARDISO's OpenMP threads),
# else scipy's kernel on row blocks in Python threads (it releases the GIL). 3D quarter model of
# the 6 x 6 WLCSP (15 M entries, 2 cores): 12.5 ms for scipy's product, 6.0 ms for MKL's, 7.0 ms
# for the row blocks alone, but no gain for them between PARDISO back-substitutions (PARDISO's
# OpenMP threads spin for a while after each call and take the second core).
PARALLEL_MATVEC_FROM = 1_000_000
_MATVEC_POOL = {}


def matvec_threads() -> int:
    """Threads for a large mat-vec without MKL: the cores this process may use, at most what
    ``OMP_NUM_THREADS`` (or ``MKL_NUM_THREADS``) allows where set (a study's workers set 1)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            cores = min(cores, int(value))
    return max(1, min(cores, 8))


def matvec(A, x: np.ndarray) -> np.ndarray:
    """``A @ x``, multithreaded for a large CSR matrix of doubles (see
    ``PARALLEL_MATVEC_FROM``): by MKL (:func:`_mkl_matvec`), or in row blocks of equal entry
    counts, each in its own thread by scipy's CSR kernel with the block's row pointers and
    ``A``'s whole index and data arrays (nothing copied: a ``csr_matrix`` of a row block would
    copy its part of the data)."""
    if (not isinstance(A, sp.csr_matrix) or A.nnz < PARALLEL_MATVEC_FROM or x.ndim != 1
            or x.dtype != np.float64 or A.dtype != np.float64
            or A.indptr.dtype != A.indices.dtype):
        return A @ x
    x = np.ascontiguousarray(x)
    if _mkl_sparse() is not None and A.indptr.dtype == np.int32:
        return _mkl_matvec(A, x)
    threads = matvec_threads()
    kernel = _csr_matvec_kernel()
    if threads < 2 or kernel is None:
        return A @ x
    indptr, indices, data = A.indptr, A.indices, A.data
    bounds = np.searchsorted(indptr, np.linspace(0, A.nnz, threads + 1), side="left")
    bounds[0], bounds[-1] = 0, A.shape[0]
    out = np.zeros(A.shape[0])

    def block(k):
        a, b = int(bounds[k]), int(bounds[k + 1])
        if b > a:
            kernel(b - a, A.shape[1], indptr[a:b + 1], indices, data, x, out[a:b])

    pool = _MATVEC_POOL.get(threads)
    if pool is None:
        pool = _MATVEC_POOL[threads] = ThreadPoolExecutor(threads, "thermofatigue-matvec")
    list(pool.map(block, range(threads)))
    return out


def _csr_matvec_kernel():
    """scipy's CSR mat-vec kernel ``y += A x`` (``scipy.sparse._sparsetools.csr_matvec``, a
    private name stable since scipy 1.8), or None where it is not there (then one thread)."""
    try:
        from scipy.sparse._sparsetools import csr_matvec
    except ImportError:
        return None
    return csr_matvec


_MKL_SPARSE = {}


def _mkl_sparse():
    """MKL's runtime library with its sparse mat-vec routines typed, as loaded by
    ``pypardiso``, or None (no message: :func:`_pardiso_available` speaks for MKL)."""
    if "library" not in _MKL_SPARSE:
        try:
            with _mkl_path_for_pypardiso(_mkl_runtime_in_prefix()):
                library = _module_mkl()
            pointer = ctypes.c_void_p
            library.mkl_sparse_d_create_csr.argtypes = [
                ctypes.POINTER(pointer), ctypes.c_int, ctypes.c_int, ctypes.c_int,
                pointer, pointer, pointer, pointer]
            library.mkl_sparse_d_mv.argtypes = [ctypes.c_int, ctypes.c_double, pointer,
                                                _MatrixDescriptor, pointer, ctypes.c_double,
                                                pointer]
            library.mkl_sparse_destroy.argtypes = [pointer]
        except Exception:  # no pypardiso, or an MKL without these routines
            library = None
        _MKL_SPARSE["library"] = library
    return _MKL_SPARSE["library"]


class _MatrixDescriptor(ctypes.Structure):
    """MKL's ``struct matrix_descr`` (type, fill mode, diagonal), passed by value."""
    _fields_ = [("type", ctypes.c_int), ("mode", ctypes.c_int), ("diag", ctypes.c_int)]


_MKL_GENERAL, _MKL_NON_TRANSPOSE, _MKL_INDEX_BASE_ZERO = 20, 10, 0  # mkl_spblas.h


def _mkl_matvec(A: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """``A @ x`` by MKL's inspector-executor sparse BLAS (``mkl_sparse_d_mv``, 32-bit
    indices): a handle over ``A``'s own arrays (no copy), used once and destroyed."""
    library = _mkl_sparse()
    handle = ctypes.c_void_p()
    indptr = A.indptr
    status = library.mkl_sparse_d_create_csr(
        ctypes.byref(handle), _MKL_INDEX_BASE_ZERO, A.shape[0], A.shape[1], indptr.ctypes.data,
        indptr.ctypes.data + indptr.itemsize, A.indices.ctypes.data, A.data.ctypes.data)
    if status != 0:
        return A @ x
    try:
        y = np.empty(A.shape[0])
        status = library.mkl_sparse_d_mv(_MKL_NON_TRANSPOSE, 1.0, handle,
                                         _MatrixDescriptor(_MKL_GENERAL, 0, 0), x.ctypes.data,
                                         0.0, y.ctypes.data)
    finally:
        library.mkl_sparse_destroy(handle)
    return y if status == 0 else A @ x


def _pcg(A, b, precondition, atol: float, maxiter: int, x0=None):
    """Preconditioned conjugate gradients to ``||b - A x|| <= atol`` (the recursive residual,
    as scipy's ``cg``); returns ``(x, iterations, converged)``."""
    if x0 is None:
        x = np.zeros_like(b)
        r = b.copy()
    else:
        x = np.array(x0, dtype=float)
        r = b - matvec(A, x)
    if np.sqrt(_dot(r, r)) <= atol:
        return x, 0, True
    z = precondition(r)
    p = z.copy()
    rz = _dot(r, z)
    for k in range(1, maxiter + 1):
        q = matvec(A, p)
        pq = _dot(p, q)
        if not pq > 0.0:  # breakdown: the matrix (or the preconditioner) is not SPD
            return x, k, False
        alpha = rz / pq
        x += alpha * p
        r -= alpha * q
        if np.sqrt(_dot(r, r)) <= atol:
            return x, k, True
        z = precondition(r)
        rz, rz_old = _dot(r, z), rz
        p *= rz / rz_old
        p += z
    return x, maxiter, False


def make_linear_solver(kind: str, n_unknowns: int, dim: int,
                       near_nullspace: np.ndarray | None = None, source: str = "<case>",
                       block_size: int = 1, reuse: bool = False, tol: float = 1e-10):
    """A solver for ``kind`` in ``LINEAR_SOLVERS`` ("auto" picks by size and dimension).

    ``reuse``: keep factors / AMG hierarchy across matrices as a preconditioner (Newton
    iterations whose tangent changes only in the nonlinear regions).
    """
    if kind not in LINEAR_SOLVERS:
        raise InputError(source, "solver.linear", kind, f"one of {list(LINEAR_SOLVERS)}")
    # (2D first: a 2D run never loads MKL, 0.25 s at start-up)
    backend = "pardiso" if dim == 3 and _pardiso_available() else "superlu"
    if kind == "auto":
        kind = "direct" if n_unknowns <= DIRECT_LIMIT[backend][dim] else "amg"
    if kind == "direct":
        # 2D systems are small: SuperLU's lower overhead beats PARDISO there
        return DirectSolver(backend, reuse_factorization=reuse, tol=tol)
    return AMGSolver(near_nullspace=near_nullspace, block_size=block_size, tol=tol,
                     reuse_hierarchy=reuse)
