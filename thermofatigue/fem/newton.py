"""Newton's method for the equilibrium of one load increment.

Find the displacement ``u = T u_hat + g`` at the end of an increment (temperatures ``T_old`` ->
``T_new`` over ``dt``) such that the reduced residual vanishes,

    r(u_hat) = T^T f_int(u) = T^T sum_e sum_q w B^T sigma(eps(u), T_new, state_old, dt) = 0,

with the consistent tangent ``K = T^T (sum_e sum_q w B^T (d sigma / d eps) B) T``, so the
iteration converges quadratically near the solution. Thermal mismatch is the only load
(self-equilibrated), plus any prescribed displacements.

Convergence: ``||r|| <= tolerance * F`` with ``F`` the larger of this increment's initial
residual and the largest initial residual of any increment so far (the load scale of the
history, e.g. the cool-down from the stress-free temperature).

The nonlinear-only lever (``reuse=True``, the default; ``docs/architecture.md``): only the solder (and any
other inelastic region) is nonlinear, so

* elastic groups are linear in the strain: their internal force is ``K_lin u + f_lin(T_new)``,
  ``K_lin`` assembled once (temperature-dependent isotropic moduli: ``lambda(T) K_lambda +
  mu(T) K_mu``, both parts assembled once) and ``f_lin`` from once-assembled loads of unit
  stresses; under a uniform temperature ``K_lin`` is not even assembled per increment: it is
  applied as ``K_const u`` plus the Lame parts on their own entries and its reduced tangent
  refilled only on the rows those parts and the solder touch (:meth:`_linear_operator`,
  octant default: 1.13x); an iteration updates only the nonlinear groups, whose strain
  matrices ``B`` are computed once and kept, and assembles their tangent only when a Newton
  step needs it (not at the converged point), into the entries they touch, reduced by the
  constraints on those entries alone (``T^T K_lin T`` once per increment);
* the linear solve condenses the elastic part onto the joint unknowns once
  (:mod:`.condensation`) when that is small enough (2D slices, small 3D models), and keeps the
  factors of the condensed matrix as a CG preconditioner across iterations; otherwise the
  linear solver keeps its factors (or AMG hierarchy) across iterations and increments as a
  preconditioner for CG, and re-factorises when the extra CG iterations since the last
  factorization have cost as much as one (:class:`~.linear.DirectSolver`).

Inexact Newton: a linear solve that iterates (CG preconditioned by reused factors or an AMG
hierarchy) stops at the relative residual

    eta_k = min(max_forcing, max(||r_k|| / F, 0.5 tolerance F / ||r_k||)).

A forcing term proportional to the residual keeps the convergence quadratic (Dembo, Eisenstat &
Steihaug, SIAM J. Numer. Anal. 19(2):400-408, 1982, Thm. 3.3) while the first iterations of an
increment, far from the solution, are not solved to round-off for nothing; the second term
stops over-solving the last iteration (Kelley, Iterative Methods for Linear and Nonlinear
Equations, SIAM 1995, Sec. 6.3.2): a step whose linear residual is already below half the Newton
tolerance cannot gain from more accuracy. On the default 2D case (3 JEDEC G cycles, Newton
tolerance 1e-6) it cut the CG iterations from 1227 to 830 for the same Newton iterations and
the same critical-joint energy.

``reuse=False`` is the plain loop (every group updated and re-assembled, a fresh factorization
every iteration), kept for the benchmark that measures the lever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import scipy.sparse as sp

from ..errors import ConvergenceError
from .assembly import sorted_unique
from .linear import make_linear_solver, matvec


@dataclass
class IncrementResult:
    """Outcome of :meth:`EquilibriumSolver.solve_increment`."""

    u: np.ndarray
    state: dict
    converged: bool
    iterations: int
    residuals: list = field(default_factory=list)
    linear_iterations: int = 0


# Memory for linear parts remembered by temperature (each entry ~ the stiffness data): the
# 2D slices keep whole cycles (~60 entries), the 3D quarter model (120 MB per entry) the last.
LINEAR_MEMO_BYTES = 2.5e8


class _Memo:
    """Values by key, the oldest dropped beyond a byte budget (at least the newest is kept)."""

    def __init__(self, budget: float):
        self.budget = budget
        self.entries = {}   # key -> (value, bytes), in insertion order
        self.bytes = 0

    def get(self, key):
        entry = self.entries.get(key)
        return None if entry is None else entry[0]

    def put(self, key, value, size: int) -> None:
        if key in self.entries:
            self.bytes -= self.entries.pop(key)[1]
        while self.entries and self.bytes + size > self.budget:
            self.bytes -= self.entries.pop(next(iter(self.entries)))[1]
        self.entries[key] = (value, size)
        self.bytes += size


class EquilibriumSolver:
    """Incremental equilibrium of a :class:`~thermofatigue.model.Model`.

    Parameters
    ----------
    model : the model
    linear : "auto", "direct" or "amg"
    tolerance : relative residual tolerance (see the module docstring)
    max_iterations : Newton iteration limit per increment
    reuse : the nonlinear-only lever (see the module docstring)
    linear_tolerance : the smallest relative residual asked of an iterative linear solve
    max_forcing : the largest one (inexact Newton, see the module docstring)
    """

    # the elastic part under a uniform temperature applied unassembled (:meth:`_linear_operator`);
    # False: assembled at every increment (kept for benchmarks/levers.py)
    unassembled_linear_part = True

    def __init__(self, model, linear: str = "auto", tolerance: float = 1e-6,
                 max_iterations: int = 15, reuse: bool = True, linear_tolerance: float = 1e-10,
                 max_forcing: float = 1e-2):
        self.model = model
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.reuse = reuse
        self.linear_tolerance = linear_tolerance
        # a linear (thermo-elastic) model is solved in one iteration: no inexact solves there
        self.max_forcing = max_forcing if model.nonlinear_groups else linear_tolerance
        cs = model.constraints
        self.linear = make_linear_solver(linear, cs.n_reduced, model.disc.dim,
                                         near_nullspace=cs.near_nullspace(),
                                         source=model.source, block_size=cs.block_size,
                                         reuse=reuse, tol=linear_tolerance)
        self.condense = reuse and linear in ("auto", "direct") and bool(model.nonlinear_groups)
        self.zero_states = model.initial_state()
        self.load_scale = 0.0
        self._linear_cache = None      # K data of the elastic groups with constant moduli
        self._unit_loads = {}          # per elastic group: its dofs, loads of unit stresses
        self._basis_parts = {}         # per T-dependent isotropic group: K_lambda, K_mu data
        # (K_lin data, f_lin) and T^T K_lin T data by temperature: a cycle passes the same
        # temperatures as the one before (increments land on the same corners)
        self._linear_memo = _Memo(LINEAR_MEMO_BYTES)
        self._reduced_memo = _Memo(LINEAR_MEMO_BYTES)
        self._B = {}                   # strain matrices of the nonlinear groups
        self._subsets = {}             # their data positions and partial reductions
        self._reduced_constant = None  # reduced data of the constant elastic groups
        self._tangent_base = None      # the reduced linear data the working tangent holds
        self._tangent_data = None      # the working tangent data (see solve_increment)
        self._reduced_parts = {}       # per T-dependent isotropic group: reduced K_lambda, K_mu
        self._part_matrices = {}       # per T-dependent isotropic group: CSR of its entries
        self._tangent_temperature = None  # the uniform T whose T^T K_lin T the working tangent
        self._restored_rows = None     # holds, the rows refilled per increment, and the values
        self._solder_rows = None       # of the nonlinear groups' rows before their tangent
        self._solder_base = None
        self.counters = {"increments": 0, "iterations": 0, "linear_iterations": 0}

    # ------------------------------------------------------------------------------------------
    def _strain_matrix(self, group):
        if not self.reuse:
            return None
        if group.pattern not in self._B:
            self._B[group.pattern] = self.model.disc.strain_matrix(group.elements)
        return self._B[group.pattern]

    def _subset_reduction(self, group, K_lin):
        """For a nonlinear group: where its element-matrix entries go among the data positions
        it touches, how many, and how those enter the reduced data (built once)."""
        if group.pattern not in self._subsets:
            asm, cs = self.model.assembler, self.model.constraints
            positions, inverse = asm.subset_pattern(group.elements)
            rows, P_sub = cs.partial_reduction(K_lin, positions)
            self._subsets[group.pattern] = (inverse, positions.size, rows, P_sub)
        return self._subsets[group.pattern]

    def _strain(self, group, u):
        B = self._strain_matrix(group)
        if B is None:
            return self.model.disc.strain(u, group.elements)
        return np.einsum("eqkn,en->eqk", B, u[self.model.disc.element_dofs[group.elements]],
                         optimize=True)

    def linear_part(self, T_new_q, T_uniform=None):
        """``(K_lin data, f_lin)`` of the elastic groups at the temperature ``T_new_q``:
        stiffness and internal force at zero strain (minus the thermal load). Results are
        remembered by temperature (up to ``LINEAR_MEMO_BYTES``); callers must not modify them.

        Groups with temperature-independent moduli are assembled once. Under a uniform
        temperature nothing is re-assembled: a group's thermal load is ``sum_c sigma0_c(T) U_c``
        with ``sigma0 = -C(T) eps_th(T)`` its (uniform) stress at zero strain and ``U_c`` the
        load of a unit stress component, and an isotropic group with temperature-dependent
        moduli has ``K(T) = lambda(T) K_lambda + mu(T) K_mu`` (``U_c``, ``K_lambda``, ``K_mu``
        assembled once). Otherwise the groups are assembled at every call; a call at the
        temperature of the previous one (a dwell) returns the previous result.
        """
        key = T_uniform if T_uniform is not None else T_new_q.tobytes()
        known = self._linear_memo.get(key)
        if known is not None:
            return known
        model = self.model
        asm = model.assembler
        fixed = [g for g in model.linear_groups if getattr(g.model, "constant_stiffness", False)]
        if self._linear_cache is None:
            self._linear_cache = np.zeros(asm.nnz)
            for g in fixed:
                C = g.model.stiffness(T_new_q[g.elements])
                self._linear_cache += asm.matrix_data(C, g.elements)
        data = self._linear_cache.copy()
        f = np.zeros(model.disc.n_dofs)
        for g in model.linear_groups:
            e = g.elements
            if T_uniform is not None:
                T = np.array(T_uniform)
                dofs, U = self._unit_stress_loads(g)
                sigma0 = -np.asarray(g.model.stiffness(T)) @ np.asarray(
                    g.model.thermal_strain_vector(T))
                f[dofs] += U @ sigma0
                if g not in fixed:
                    parts = self._stiffness_parts(g)
                    if parts is not None:
                        positions, values, coefficients = parts
                        data[positions] += np.tensordot(np.ravel(coefficients(T)), values, 1)
                    else:
                        data += asm.matrix_data(g.model.stiffness(T_new_q[e]), e)
                continue
            zero = np.zeros((e.size, model.disc.n_quadrature, 6))
            stress, tangent, _ = g.model.update(zero, T_new_q[e], T_new_q[e], 0.0,
                                                self.zero_states[g.pattern])
            f += asm.vector(stress, e)
            if g not in fixed:
                data += asm.matrix_data(tangent, e)
        self._linear_memo.put(key, (data, f), data.nbytes + f.nbytes)
        return data, f

    def _reduce_linear_part(self, K_lin, T_new):
        """``T^T K_lin T`` data. Under a uniform temperature, with every temperature-dependent
        group isotropic, from once-reduced pieces (reduction is linear): the constant groups
        plus ``lambda(T)`` and ``mu(T)`` times the reduced ``K_lambda``, ``K_mu`` of each
        such group, on its entries only; otherwise the whole ``K_lin`` is reduced."""
        cs = self.model.constraints
        varying = [g for g in self.model.linear_groups
                   if not getattr(g.model, "constant_stiffness", False)]
        if np.ndim(T_new) != 0 or any(self._stiffness_parts(g) is None for g in varying):
            return cs.reduce_data(K_lin)
        if self._reduced_constant is None:
            self._reduced_constant = cs.reduce_data(self.model.assembler.csr(self._linear_cache))
            for g in varying:
                positions, values, _ = self._stiffness_parts(g)
                rows, P_sub = cs.partial_reduction(K_lin, positions)
                self._reduced_parts[g.pattern] = (rows, np.stack([P_sub @ v for v in values]))
        data = self._reduced_constant.copy()
        T = np.array(float(T_new))
        for g in varying:
            rows, values = self._reduced_parts[g.pattern]
            coefficients = self._stiffness_parts(g)[2]
            data[rows] += np.tensordot(np.ravel(coefficients(T)), values, 1)
        return data

    def _linear_operator(self, T_uniform):
        """The elastic part under the uniform temperature ``T_uniform`` without assembling it:
        ``(K_const, apply, f_lin)`` with ``apply(u) = K_lin u = K_const u + sum_g (lambda_g(T)
        K_lambda,g + mu_g(T) K_mu,g) u`` (each group's Lame parts combined on its own entries
        only) and ``f_lin`` from the loads of unit stresses (:meth:`linear_part`). None when a
        group with temperature-dependent moduli has no such basis (then :meth:`linear_part`).

        Saves per increment the copy and refill of the whole stiffness data (48 MB at 73 k
        unknowns) that :meth:`linear_part` returns; ``K_const`` has the full pattern and the
        constant groups' values (what the constraints' reduction map and the condensation need).
        """
        model = self.model
        varying = [g for g in model.linear_groups
                   if not getattr(g.model, "constant_stiffness", False)]
        if (not self.unassembled_linear_part or T_uniform is None
                or any(self._stiffness_parts(g) is None for g in varying)):
            return None
        if self._linear_cache is None:
            self.linear_part(model.temperature_at_quadrature(T_uniform), T_uniform)
        asm = model.assembler
        K_const = asm.csr(self._linear_cache)
        T = np.array(T_uniform)
        parts = []
        for g in varying:
            positions, values, coefficients = self._stiffness_parts(g)
            indices, indptr = self._part_pattern(g, positions)
            parts.append(sp.csr_matrix((np.ravel(coefficients(T)) @ values, indices, indptr),
                                       shape=asm.shape))
        f = self._thermal_load(T)

        def apply(u):
            out = matvec(K_const, u)
            for K in parts:
                out += K @ u
            return out

        return K_const, apply, f

    def _part_pattern(self, group, positions):
        """CSR index arrays of the entries ``positions`` of the assembler's pattern (once)."""
        if group.pattern not in self._part_matrices:
            asm = self.model.assembler
            rows = np.searchsorted(asm.indptr, positions, side="right") - 1
            indptr = np.zeros(asm.shape[0] + 1, dtype=asm.indptr.dtype)
            np.cumsum(np.bincount(rows, minlength=asm.shape[0]), out=indptr[1:])
            self._part_matrices[group.pattern] = (asm.indices[positions], indptr)
        return self._part_matrices[group.pattern]

    def _thermal_load(self, T):
        """``f_lin`` under the uniform temperature ``T``: ``sum_g sum_c sigma0_c(T) U_c`` over
        the elastic groups (see :meth:`linear_part`)."""
        f = np.zeros(self.model.disc.n_dofs)
        for g in self.model.linear_groups:
            dofs, U = self._unit_stress_loads(g)
            sigma0 = -np.asarray(g.model.stiffness(T)) @ np.asarray(
                g.model.thermal_strain_vector(T))
            f[dofs] += U @ sigma0
        return f

    def _unit_stress_loads(self, group):
        """The dofs of an elastic group and the loads ``U`` (n_dofs_group, 6) of its unit
        uniform stress components (built once)."""
        if group.pattern not in self._unit_loads:
            asm, e = self.model.assembler, group.elements
            nq = self.model.disc.n_quadrature
            dofs = sorted_unique(self.model.disc.element_dofs[e])
            unit = np.eye(6)
            U = np.column_stack([asm.vector(np.broadcast_to(unit[c], (e.size, nq, 6)), e)[dofs]
                                 for c in range(6)])
            self._unit_loads[group.pattern] = (dofs, U)
        return self._unit_loads[group.pattern]

    def _stiffness_parts(self, group):
        """``(positions, values (k, n), coefficients)`` with the group's stiffness data at
        ``positions`` equal to ``sum_k c_k(T) values_k`` (``stiffness_basis`` of its material
        model), or None when the model has no such basis (built once)."""
        if group.pattern not in self._basis_parts:
            basis = getattr(group.model, "stiffness_basis", lambda: None)()
            parts = None
            if basis is not None:
                asm, e = self.model.assembler, group.elements
                positions, inverse = asm.subset_pattern(e)
                C_k, coefficients = basis
                shape = (e.size, self.model.disc.n_quadrature, 6, 6)
                values = np.stack([asm.subset_matrix_data(np.broadcast_to(C, shape), e, inverse,
                                                          positions.size) for C in C_k])
                parts = (positions, values, coefficients)
            self._basis_parts[group.pattern] = parts
        return self._basis_parts[group.pattern]

    def _condense(self, K_lin) -> None:
        """Static condensation of the elastic part, decided once: when it pays (2D, small 3D)."""
        from .condensation import CondensedSolver, nonlinear_unknowns

        self.condense = False
        in_N = nonlinear_unknowns(self.model)
        if CondensedSolver.applicable(self.model, in_N):
            self.linear = CondensedSolver(self.model.constraints.reduce_matrix(K_lin), in_N,
                                          tol=self.linear_tolerance)

    def _plain_groups(self, u, u_old, state, T_old_q, T_new_q, dt):
        """The plain loop: every group updated and assembled (no lever)."""
        model, asm = self.model, self.model.assembler
        f = np.zeros(model.disc.n_dofs)
        data = np.zeros(asm.nnz)
        trial = {}
        for g in model.groups:
            e = g.elements
            if g.pattern in state:
                d_strain = model.disc.strain(u - u_old, e)
                stress, tangent, st = g.model.update(d_strain, T_old_q[e], T_new_q[e], dt,
                                                     state[g.pattern])
                trial[g.pattern] = st
            else:
                stress, tangent, _ = g.model.update(model.disc.strain(u, e), T_new_q[e],
                                                    T_new_q[e], 0.0, self.zero_states[g.pattern])
            f += asm.vector(stress, e)
            data += asm.matrix_data(tangent, e)
        return f, data, trial

    def solve_increment(self, u_old: np.ndarray, state: dict, T_old, T_new, dt: float,
                        raise_on_failure: bool = True,
                        u_guess: np.ndarray | None = None) -> IncrementResult:
        """Equilibrium at the end of one increment.

        ``state`` holds the constitutive state of the nonlinear groups at the start of the
        increment (elastic groups need none: their state follows from ``u`` and ``T``).
        ``u_guess`` is a predictor for the end-of-increment displacement (default ``u_old``).
        """
        model = self.model
        cs = model.constraints
        asm = model.assembler
        T_old_q = model.temperature_at_quadrature(T_old)
        T_new_q = model.temperature_at_quadrature(T_new)
        if self.reuse:
            T_uniform = float(T_new) if np.ndim(T_new) == 0 else None
            operator = self._linear_operator(T_uniform)
            if operator is None:
                lin_data, f_lin = self.linear_part(T_new_q, T_uniform)
                K_lin = asm.csr(lin_data)
                apply_lin = partial(matvec, K_lin)
            else:
                K_lin, apply_lin, f_lin = operator  # K_lin: constant groups only (a pattern)
            if self.condense:  # K_LL, K_LN hold constant groups only (condensation.py)
                self._condense(K_lin)
            reduced_lin = None  # T^T K_lin T data, formed when the first tangent is needed

        start = u_old if u_guess is None else u_guess
        u = cs.expand(cs.Tt @ (start - cs.g))  # admissible start (prescribed values applied)

        def evaluate(u, guess=None):
            """Reduced residual, the quadrature-point tangents (or, in the plain loop, the
            tangent data) and trial state at the displacement ``u``. The tangent is assembled
            only when a Newton step needs it (:func:`tangent`): not at a converged point."""
            if self.reuse:
                f = apply_lin(u) + f_lin
                tangents = []
                trial = {}
                for g in model.nonlinear_groups:
                    B = self._strain_matrix(g)
                    e = g.elements
                    warm = {} if guess is None or not getattr(g.model, "warm_start", False) \
                        else {"guess": guess[g.pattern]}
                    stress, D, st = g.model.update(self._strain(g, u - u_old), T_old_q[e],
                                                   T_new_q[e], dt, state[g.pattern], **warm)
                    f += asm.vector(stress, e, B)
                    tangents.append((g, D))
                    trial[g.pattern] = st
            else:
                f, tangents, trial = self._plain_groups(u, u_old, state, T_old_q, T_new_q, dt)
            r = cs.reduce_vector(f)
            return r, float(np.linalg.norm(r)), tangents, trial

        def tangent(tangents):
            """The reduced tangent: ``T^T K_lin T`` (once per increment) plus the nonlinear
            groups, each assembled and reduced on its own entries only."""
            nonlocal reduced_lin
            if not self.reuse:
                return cs.reduce_matrix(asm.csr(tangents))
            if operator is not None:
                return self._operator_tangent(tangents, K_lin, T_uniform)
            if reduced_lin is None:
                # a pure function of the (uniform) temperature, as the linear part itself
                key = float(T_new) if np.ndim(T_new) == 0 else None
                reduced_lin = self._reduced_memo.get(key) if key is not None else None
                if reduced_lin is None:
                    reduced_lin = self._reduce_linear_part(K_lin, T_new)
                    if key is not None:
                        self._reduced_memo.put(key, reduced_lin, reduced_lin.nbytes)
            # one working array per increment: a copy of T^T K_lin T (0.08 s at 190 k
            # unknowns), then only the nonlinear groups' rows are restored and refilled
            if self._tangent_base is not reduced_lin:
                self._tangent_data = reduced_lin.copy()
                self._tangent_base = reduced_lin
                self._restored_rows = self._tangent_temperature = None  # (operator path)
            else:
                for g, _ in tangents:
                    rows = self._subset_reduction(g, K_lin)[2]
                    self._tangent_data[rows] = reduced_lin[rows]
            data = self._tangent_data
            for g, D in tangents:
                inverse, size, rows, P_sub = self._subset_reduction(g, K_lin)
                values = asm.subset_matrix_data(D, g.elements, inverse, size,
                                                self._strain_matrix(g))
                data[rows] += P_sub @ values
            return cs.reduced_csr(data)

        r, norm, tangents, trial_state = evaluate(u)
        residuals = [norm]
        linear_iterations = 0
        self.counters["increments"] += 1
        self.load_scale = max(self.load_scale, norm if np.isfinite(norm) else 0.0)
        scale = max(norm, self.load_scale, 1e-300)
        for iteration in range(self.max_iterations + 1):
            if not np.isfinite(norm):
                break
            if norm <= self.tolerance * scale:
                self.counters["iterations"] += iteration
                self.counters["linear_iterations"] += linear_iterations
                return IncrementResult(u, trial_state, True, iteration, residuals,
                                       linear_iterations)
            if iteration == self.max_iterations:
                break
            self.linear.setup(tangent(tangents))
            forcing = max(min(self.max_forcing,
                              max(norm / scale, 0.5 * self.tolerance * scale / norm)),
                          self.linear_tolerance)
            du = cs.expand(self.linear.solve(-r, rtol=forcing), with_prescribed=False)
            linear_iterations += self.linear.iterations
            if not np.all(np.isfinite(du)):
                break
            # backtracking: a full Newton step that raises the residual is halved (at most
            # three times); near the solution the full step is always taken
            for step in (1.0, 0.5, 0.25, 0.125):
                r_try, norm_try, tangents_try, trial_try = evaluate(u + step * du, trial_state)
                if np.isfinite(norm_try) and norm_try < norm:
                    break
            u = u + step * du
            r, norm, tangents, trial_state = r_try, norm_try, tangents_try, trial_try
            residuals.append(norm)
        if raise_on_failure:
            raise ConvergenceError(
                f"Newton did not converge in {self.max_iterations} iterations "
                f"(residuals {', '.join(f'{x:.2e}' for x in residuals[-4:])})")
        return IncrementResult(u, state, False, len(residuals) - 1, residuals, linear_iterations)

    def _operator_tangent(self, tangents, K_const, T_uniform):
        """The reduced tangent under a uniform temperature, in one working data array: per
        increment (a new temperature) only the rows that the T-dependent elastic groups and the
        nonlinear groups touch are reset to the reduced constant part and the groups' reduced
        Lame parts added (:meth:`_reduce_linear_part` from the same pieces, without copying
        the whole array twice); per Newton iteration only the nonlinear groups' rows are
        restored and their tangent added, each on its own entries."""
        cs, asm = self.model.constraints, self.model.assembler
        if self._reduced_constant is None:
            self._reduce_linear_part(K_const, T_uniform)  # builds the reduced pieces
        subsets = [self._subset_reduction(g, K_const) for g, _ in tangents]
        if self._tangent_data is None or self._restored_rows is None:
            varying = [g for g in self.model.linear_groups
                       if not getattr(g.model, "constant_stiffness", False)]
            self._tangent_data = self._reduced_constant.copy()
            self._solder_rows = sorted_unique(np.concatenate(
                [np.zeros(0, dtype=np.int64)] + [sub[2] for sub in subsets]))
            self._restored_rows = sorted_unique(np.concatenate(
                [self._solder_rows] + [self._reduced_parts[g.pattern][0] for g in varying]))
            self._tangent_base = None  # the general path's working array is gone
        data = self._tangent_data
        if self._tangent_temperature != T_uniform:
            np.copyto(data, self._reduced_constant)  # (a plain copy beats a gather/scatter
            # of the rows the varying layers touch: over half of the data at 73 k unknowns)
            T = np.array(T_uniform)
            for g in self.model.linear_groups:
                if g.pattern in self._reduced_parts:
                    g_rows, values = self._reduced_parts[g.pattern]
                    coefficients = self._stiffness_parts(g)[2]
                    data[g_rows] += np.tensordot(np.ravel(coefficients(T)), values, 1)
            self._solder_base = data[self._solder_rows]
            self._tangent_temperature = T_uniform
        else:
            data[self._solder_rows] = self._solder_base
        for (g, D), (inverse, size, rows, P_sub) in zip(tangents, subsets):
            values = asm.subset_matrix_data(D, g.elements, inverse, size, self._strain_matrix(g))
            data[rows] += P_sub @ values
        return cs.reduced_csr(data)

    # ------------------------------------------------------------------------------------------
    def group_fields(self, u: np.ndarray, T_q: np.ndarray, state: dict,
                     zero_states: dict | None = None) -> dict:
        """Stress, strain and state of every group for the displacement ``u`` at ``T_q``.

        Elastic groups are evaluated from ``u`` directly; nonlinear groups return their stored
        state.
        """
        model = self.model
        zero_states = zero_states or self.zero_states
        out = {}
        for g in model.groups:
            if g.pattern in state:
                out[g.pattern] = state[g.pattern]
                continue
            e = g.elements
            strain = model.disc.strain(u, e)
            _, _, st = g.model.update(strain, T_q[e], T_q[e], 0.0, zero_states[g.pattern])
            out[g.pattern] = st
        return out
