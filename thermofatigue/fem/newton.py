"""Newton's method for the equilibrium of one load increment.

Find the displacement ``u = T u_hat + g`` at the end of an increment (temperatures ``T_old`` ->
``T_new`` over ``dt``) such that the reduced residual vanishes,

    r(u_hat) = T^T f_int(u) = T^T sum_e sum_q w B^T sigma(eps(u), T_new, state_old, dt) = 0,

with the consistent tangent ``K = T^T (sum_e sum_q w B^T (d sigma / d eps) B) T``. Thermal
mismatch is the only load (self-equilibrated), plus any prescribed displacements.

What does not change is not recomputed (the levers of ``DESIGN.md``):

* elastic material groups are linear in the strain, so their internal force is
  ``K_lin u + f_lin(T_new)``: ``K_lin`` is assembled once (once per increment if its moduli
  depend on temperature) and ``f_lin`` once per increment; a Newton iteration then re-assembles
  and updates only the nonlinear groups (the solder joints);
* the CSR pattern and the elimination map of the constraints are built once;
* the linear solver object keeps what it may between solves (see :mod:`.linear`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError
from .linear import make_linear_solver


@dataclass
class IncrementResult:
    """Outcome of :meth:`EquilibriumSolver.solve_increment`."""

    u: np.ndarray
    state: dict
    converged: bool
    iterations: int
    residuals: list = field(default_factory=list)
    linear_iterations: int = 0


class EquilibriumSolver:
    """Incremental equilibrium of a :class:`~thermofatigue.model.Model`.

    Parameters
    ----------
    model : the model
    linear : "auto", "direct" or "amg"
    tolerance : relative tolerance on the reduced residual (relative to the thermal load of
        the increment, ``||T^T f_int(u_old)||``, or the largest seen)
    max_iterations : Newton iteration limit per increment
    """

    def __init__(self, model, linear: str = "auto", tolerance: float = 1e-8,
                 max_iterations: int = 15, amg_tolerance: float = 1e-10):
        self.model = model
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        cs = model.constraints
        self.linear = make_linear_solver(linear, cs.n_reduced, model.disc.dim,
                                         near_nullspace=cs.near_nullspace(),
                                         source=model.source, block_size=cs.block_size,
                                         tol=amg_tolerance)
        self._linear_cache = None  # (key, K_lin data)

    # ------------------------------------------------------------------------------------------
    def _group_update(self, group, u, u_old, state, T_old_q, T_new_q, dt):
        """Constitutive update of one group for the strain increment eps(u) - eps(u_old)."""
        disc = self.model.disc
        e = group.elements
        d_strain = disc.strain(u - u_old, e)
        return group.model.update(d_strain, T_old_q[e], T_new_q[e], dt, state[group.pattern])

    def linear_part(self, T_new_q, u_zero_state):
        """``(K_lin data, f_lin)`` of the elastic groups at the temperature ``T_new_q``.

        ``f_lin`` is the internal force of the elastic groups at zero strain (minus the thermal
        load); cached between increments when the elastic moduli do not depend on temperature.
        """
        model = self.model
        asm = model.assembler
        data = np.zeros(asm.nnz)
        f = np.zeros(model.disc.n_dofs)
        constant = all(getattr(g.model, "constant_stiffness", False) for g in model.linear_groups)
        for g in model.linear_groups:
            e = g.elements
            zero = np.zeros((e.size, model.disc.n_quadrature, 6))
            stress, tangent, _ = g.model.update(zero, T_new_q[e], T_new_q[e], 0.0,
                                                u_zero_state[g.pattern])
            f += asm.vector(stress, e)
            if not (constant and self._linear_cache is not None):
                data += asm.matrix_data(tangent, e)
        if constant and self._linear_cache is not None:
            data = self._linear_cache
        elif constant:
            self._linear_cache = data
        return data, f

    def solve_increment(self, u_old: np.ndarray, state: dict, T_old, T_new, dt: float,
                        initial_states: dict | None = None,
                        raise_on_failure: bool = True) -> IncrementResult:
        """Equilibrium at the end of one increment.

        ``state`` holds the constitutive state of the nonlinear groups at the start of the
        increment (elastic groups need none: their state follows from ``u`` and ``T``);
        ``initial_states`` are the zero-strain states of the elastic groups (from
        ``model.initial_state()``).
        """
        model = self.model
        cs = model.constraints
        asm = model.assembler
        T_old_q = model.temperature_at_quadrature(T_old)
        T_new_q = model.temperature_at_quadrature(T_new)
        zero_states = initial_states if initial_states is not None else model.initial_state()
        lin_data, f_lin = self.linear_part(T_new_q, zero_states)
        K_lin = asm.csr(lin_data)

        u = cs.expand(cs.Tt @ (u_old - cs.g))  # admissible start (prescribed values applied)
        residuals = []
        linear_iterations = 0
        scale = None
        new_state = state
        for iteration in range(self.max_iterations + 1):
            f = K_lin @ u + f_lin
            data = lin_data.copy()
            trial_state = {}
            for g in model.nonlinear_groups:
                stress, tangent, st = self._group_update(g, u, u_old, state, T_old_q, T_new_q, dt)
                f += asm.vector(stress, g.elements)
                data += asm.matrix_data(tangent, g.elements)
                trial_state[g.pattern] = st
            r = cs.reduce_vector(f)
            norm = float(np.linalg.norm(r))
            residuals.append(norm)
            if scale is None:
                # the load of this increment: thermal force of an unchanged displacement
                scale = max(norm, 1e-300)
            if not np.isfinite(norm):
                break
            if norm <= self.tolerance * scale or (iteration > 0 and norm < 1e-14):
                new_state = trial_state
                return IncrementResult(u, new_state, True, iteration, residuals,
                                       linear_iterations)
            if iteration == self.max_iterations:
                break
            K = cs.reduce_matrix(asm.csr(data))
            self.linear.setup(K)
            du_hat = self.linear.solve(-r)
            linear_iterations += self.linear.iterations
            u = u + cs.expand(du_hat, with_prescribed=False)
        if raise_on_failure:
            raise ConvergenceError(
                f"Newton did not converge in {self.max_iterations} iterations "
                f"(residuals {', '.join(f'{x:.2e}' for x in residuals[-4:])})")
        return IncrementResult(u, state, False, len(residuals) - 1, residuals, linear_iterations)

    # ------------------------------------------------------------------------------------------
    def group_fields(self, u: np.ndarray, T_q: np.ndarray, state: dict,
                     zero_states: dict) -> dict:
        """Stress, strain and state of every group for the displacement ``u`` at ``T_q``.

        Elastic groups are evaluated from ``u`` directly; nonlinear groups return their stored
        state.
        """
        model = self.model
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
