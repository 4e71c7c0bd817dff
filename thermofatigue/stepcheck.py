"""The time-step check: how far the run's own steps leave the critical joint's energy per cycle.

With ``[solver] check_steps = true`` (or ``thermofatigue run --check-steps``) the last cycle is
solved a second time, from the state saved at its start, with every step limit (``max_dT``,
``creep_tolerance``, ``max_dt``) halved. With the interface energy density of the critical
joint ``W_h`` at the run's steps and ``W_h/2`` at half of them, and the flow rule's order
``p`` (2 for BDF2, 1 for backward Euler; :mod:`thermofatigue.materials.j2`), Richardson's
extrapolation (L. F. Richardson, Phil. Trans. R. Soc. A 210:307-357, 1911) gives the
time-converged value and the error the run's steps leave::

    W*    = W_h/2 + (W_h/2 - W_h) / (2^p - 1)
    error = W_h / W* - 1

It costs about 1.3 times one cycle (the halved steps need fewer Newton iterations each). The
estimate assumes the asymptotic range; ``docs/performance.md`` shows where that holds on the
benchmark models (the observed order of BDF2 there is 2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .fem.newton import EquilibriumSolver
from .fem.stepping import StepControl, TimeStepper


@dataclass(frozen=True)
class StepCheck:
    """The critical joint's interface energy of one cycle at the run's steps and at half of
    them, the extrapolated value and the estimated relative error of the run's steps."""

    cycle: int                 # 1-based
    joint: int
    interface: str
    order: int
    dW: float                  # MPa, the run's steps
    dW_half_steps: float       # MPa
    dW_extrapolated: float     # MPa
    estimated_error: float     # relative, of the run's steps

    def line(self) -> str:
        return (f"time-step check (cycle {self.cycle}, joint {self.joint}, {self.interface} "
                f"layer): dW {self.dW:.5g} MPa at the run's steps, {self.dW_half_steps:.5g} at "
                f"half steps; estimated error of the run's steps {self.estimated_error:+.2%} "
                f"(order {self.order} Richardson)")


def halved(control: StepControl) -> StepControl:
    """The same control with every step limit halved."""
    return replace(control, max_dT=control.max_dT / 2.0, max_dt=control.max_dt / 2.0,
                   creep_tolerance=control.creep_tolerance / 2.0,
                   first_dt=control.first_dt / 2.0)


def extrapolate(coarse: float, fine: float, order: int) -> tuple[float, float]:
    """``(W*, W_h / W* - 1)`` from the values at steps ``h`` and ``h/2`` (module docstring)."""
    best = fine + (fine - coarse) / (2.0**order - 1.0)
    return best, (coarse / best - 1.0) if best else float("nan")


def check_steps(model, profile, control: StepControl, solver_options: dict, start, cycle: int,
                averages, joint_index: int, joint_id: int, interface: str,
                dW: float, order: int) -> StepCheck:
    """Solve cycle ``cycle`` (0-based) again from ``start = (u, state)`` at half steps and
    compare the interface energy of joint ``joint_index`` (id ``joint_id``) with ``dW``."""
    from .cycling import cycle_energies

    u, state = start
    solver = EquilibriumSolver(model, **solver_options)
    stepper = TimeStepper(solver, profile, halved(control), stop=lambda cycles: True)
    history = stepper.run(u=None if u is None else u.copy(),
                          state=None if state is None else
                          {g: {k: v.copy() for k, v in st.items()} for g, st in state.items()},
                          start_cycle=cycle)
    energies = cycle_energies(averages, history.cycles[0])
    key = {"die": "W_die", "board": "W_board"}.get(interface, "W_joint")
    fine = float(energies[key][joint_index])
    best, error = extrapolate(dW, fine, order)
    return StepCheck(cycle + 1, joint_id, interface, order, float(dW), fine, float(best),
                     float(error))


def flow_rule_order(model) -> int:
    """2 when every rate-dependent group integrates its flow rule by BDF2, else 1."""
    orders = [2 if getattr(g.model, "bdf2", False) else 1 for g in model.nonlinear_groups
              if getattr(g.model, "multistep", False)]
    return min(orders) if orders else 1


__all__ = ["StepCheck", "check_steps", "extrapolate", "flow_rule_order", "halved"]
