"""Incremental time stepping over a temperature history.

The history ``T(t)`` is piecewise linear (:class:`~thermofatigue.loads.TemperatureProfile`).
Increments

* land exactly on every breakpoint (ramp/dwell corners, cycle ends) and requested output time;
* are limited by ``max_dt`` and by ``max_dT`` (temperature change per increment);
* adapt to the creep: after an increment the largest increase of equivalent inelastic strain
  ``dp`` at any integration point is compared with ``creep_tolerance``; the next step is scaled
  by ``0.8 creep_tolerance / dp`` (at most ``growth`` times longer, 1.25 by default), and an
  increment with ``dp > 2 creep_tolerance`` is rejected and redone shorter (backward Euler's
  error is of order ``dp``, so this bounds the local integration error);
* optionally (``error_tolerance``) control backward Euler's local error in the inelastic
  strain: with ``r = dp / dt`` the mean rate of equivalent inelastic strain of an increment at
  an integration point, the local error of the increment ``n`` is estimated from the change of
  that rate since increment ``n - 1``,

      e_n = dt_n^2 |r_n - r_(n-1)| / (dt_n + dt_(n-1))

  (the leading term ``dt^2 / 2 d^2p/dt^2`` of backward Euler's local error, with the second
  derivative from the two rates; Hairer & Wanner, Solving Ordinary Differential Equations II,
  2nd ed., Springer 1996, Sec. IV.8, for the step-size rule); an increment with
  ``max e > 2 error_tolerance`` is redone shorter and the next step is scaled by
  ``0.9 sqrt(error_tolerance / max e)`` (the error is quadratic in the step). The estimate
  also spans the profile's corners: the stress, and with it the rate, is continuous there
  (only its derivative jumps), and the first increments of a ramp or a dwell are where the
  rate changes fastest (measured in ``docs/performance.md``);
* start Newton from a linear extrapolation of the last increment when both lie on the same
  straight piece of the profile (the predictor saves about one iteration per increment);
* are cut back by ``cutback`` when Newton fails, at most ``max_cutbacks`` times in a row; then
  :class:`~thermofatigue.errors.ConvergenceError` reports the time, the increment and where the
  last converged state was saved.

At the end of every cycle the stepper hands the state to ``on_cycle_end`` (which saves it) and
keeps per integration point the inelastic work density dissipated in that cycle.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError, InputError


@dataclass
class StepControl:
    """Step-size settings (s, C, strain). Defaults suit JEDEC/IPC cycles of solder joints."""

    max_dt: float = 300.0
    max_dT: float = 15.0
    min_dt: float = 1e-3
    creep_tolerance: float = 2e-3
    max_cutbacks: int = 6
    # largest step ratio dt_n / dt_(n-1): BDF2's error constant grows with it (3D quarter of the
    # 6 x 6 WLCSP, critical joint's energy against steps / 4: growth 2.0 left -0.78 / +1.51 /
    # +1.76 % in cycles 1-3 with 97 increments, 1.25 leaves -0.29 / -0.41 / -0.68 % with 107;
    # docs/performance.md)
    growth: float = 1.25
    cutback: float = 0.25
    first_dt: float = 30.0
    # embedded estimate of backward Euler's local error in the inelastic strain (see the module
    # docstring); None: not used
    error_tolerance: float | None = None

    @classmethod
    def from_solver_table(cls, table: dict, source: str = "<case>") -> "StepControl":
        keys = {"max_dt", "max_dT", "min_dt", "creep_tolerance", "max_cutbacks"}
        values = {k: table[k] for k in keys if k in table}
        control = cls(**values)
        if control.min_dt >= control.max_dt:
            raise InputError(source, "solver.min_dt", control.min_dt,
                             f"a value below solver.max_dt = {control.max_dt}")
        return control


@dataclass
class CycleSummary:
    """What one cycle took and dissipated."""

    index: int
    t_start: float
    t_end: float
    increments: int = 0
    newton_iterations: int = 0
    linear_iterations: int = 0
    cutbacks: int = 0
    seconds: float = 0.0
    dissipated: dict = field(default_factory=dict)   # group -> (n_el, n_qp) work density, MPa
    inelastic_strain: dict = field(default_factory=dict)  # group -> (n_el, n_qp) accumulated
    # equivalent inelastic strain over the cycle


@dataclass
class History:
    """Result of :meth:`TimeStepper.run`."""

    u: np.ndarray
    state: dict
    cycles: list
    increments: int
    cool_down: CycleSummary | None = None


class TimeStepper:
    """Drive an :class:`~thermofatigue.fem.newton.EquilibriumSolver` through a profile.

    Callbacks (all optional): ``on_increment(t, T, u, state)`` after every accepted increment,
    ``on_cycle_end(k, t, u, state)`` at the end of cycle ``k`` (returns a description of where
    it saved the state), ``on_output(t, u, state)`` at each requested output time,
    ``on_failure(t, u, state)`` with the last converged state before a convergence failure is
    raised (returns where it saved it), and ``stop(cycles)`` after each cycle end with the
    cycles done so far: ``True`` ends the run there (``cycles = "auto"`` stabilisation).
    """

    def __init__(self, solver, profile, control: StepControl | None = None,
                 output_times=(), on_increment=None, on_cycle_end=None, on_output=None,
                 on_failure=None, progress=None, stop=None):
        self.solver = solver
        self.profile = profile
        self.control = control or StepControl()
        self.output_times = np.unique(np.asarray(output_times, dtype=float))
        self.on_increment = on_increment
        self.on_cycle_end = on_cycle_end
        self.on_output = on_output
        self.on_failure = on_failure
        self.progress = progress
        self.stop = stop
        self.last_saved = None  # description of the last saved state (for failure reports)

    @staticmethod
    def _inelastic_increments(old, new) -> dict:
        """Per group with inelastic strain: the increment of equivalent inelastic strain."""
        return {key: st["equivalent_inelastic_strain"] - old[key]["equivalent_inelastic_strain"]
                for key, st in new.items() if "equivalent_inelastic_strain" in st}

    @staticmethod
    def _local_error(dp_now, dt_now, dp_before, dt_before) -> float:
        """Largest ``dt_n^2 |r_n - r_(n-1)| / (dt_n + dt_(n-1))`` over the points (module
        docstring)."""
        error = 0.0
        for key, d in dp_now.items():
            change = np.abs(d / dt_now - dp_before[key] / dt_before)
            error = max(error, float(change.max(initial=0.0)) * dt_now**2
                        / (dt_now + dt_before))
        return error

    def _largest_inelastic_increment(self, old, new) -> float:
        dp = 0.0
        for key, st in new.items():
            if "equivalent_inelastic_strain" in st:
                d = st["equivalent_inelastic_strain"] - old[key]["equivalent_inelastic_strain"]
                dp = max(dp, float(d.max(initial=0.0)))
        return dp

    def run(self, u=None, state=None, start_cycle: int = 0) -> History:
        """Step from the start of the profile (or of cycle ``start_cycle``, 0-based, from the
        ``u`` and ``state`` saved there) to its end or until ``stop`` says so."""
        solver, profile, c = self.solver, self.profile, self.control
        model = solver.model
        if u is None:
            u = np.zeros(model.disc.n_dofs)
        if state is None:
            initial = model.initial_state()
            state = {g.pattern: initial[g.pattern] for g in model.nonlinear_groups}
        bounds = profile.cycle_bounds  # (n_cycles, 2)
        stops = np.unique(np.concatenate([profile.breakpoints, bounds.ravel(),
                                          self.output_times[(self.output_times > 0)
                                                            & (self.output_times
                                                               <= profile.t_end)]]))
        t = float(bounds[start_cycle, 0]) if start_cycle else 0.0
        T = float(profile.temperature(t))
        dt = min(c.first_dt, c.max_dt)
        cycles = [CycleSummary(k, float(a), float(b)) for k, (a, b) in enumerate(bounds)]
        cool = CycleSummary(-1, 0.0, float(bounds[0, 0])) \
            if bounds[0, 0] > 0 and not start_cycle else None
        work_at_start = _accumulated(state)
        increments = 0
        clock = time.perf_counter()
        previous = None  # (u, dt, segment) of the last increment, for the predictor
        rates = None     # (dp per group, dt) of the last increment, for the error estimate

        def current():
            k = int(np.searchsorted(bounds[:, 1], t, side="right"))
            if t < bounds[0, 0] - 1e-9:
                return cool
            return cycles[min(k, len(cycles) - 1)]

        while t < profile.t_end - 1e-9 * max(1.0, profile.t_end):
            next_stop = float(stops[np.searchsorted(stops, t, side="right")])
            rate = abs(float(profile.rate(t)))
            limit = min(c.max_dt, c.max_dT / rate if rate > 0 else np.inf)
            dt_try = min(dt, limit, next_stop - t)
            if next_stop - t - dt_try < 0.25 * dt_try:
                dt_try = next_stop - t  # no sliver before a corner
            record = current()
            cutbacks = 0
            segment = int(np.searchsorted(profile.breakpoints, t, side="right"))
            while True:
                t_new = next_stop if dt_try >= next_stop - t - 1e-12 else t + dt_try
                T_new = float(profile.temperature(t_new))
                guess = None
                if previous is not None and previous[2] == segment and cutbacks == 0:
                    guess = u + (t_new - t) / previous[1] * (u - previous[0])
                step = solver.solve_increment(u, state, T, T_new, t_new - t,
                                              raise_on_failure=False, u_guess=guess)
                dp = self._largest_inelastic_increment(state, step.state) if step.converged \
                    else np.inf
                error = None  # embedded local-error estimate
                if step.converged and c.error_tolerance and rates is not None:
                    increments_now = self._inelastic_increments(state, step.state)
                    error = self._local_error(increments_now, t_new - t, rates[0], rates[1])
                small = dt_try <= c.min_dt * 1.0001
                accurate = (dp <= 2.0 * c.creep_tolerance
                            and (error is None or error <= 2.0 * c.error_tolerance)) or small
                if step.converged and accurate:
                    break
                cutbacks += 1
                if step.converged and error is not None and error > 2.0 * c.error_tolerance \
                        and dp <= 2.0 * c.creep_tolerance:
                    factor = max(c.cutback, 0.9 * np.sqrt(c.error_tolerance / error))
                else:
                    factor = c.cutback
                dt_try = max(dt_try * factor, c.min_dt)
                if cutbacks > c.max_cutbacks or (not step.converged and dt_try <= c.min_dt
                                                 and cutbacks > 1):
                    if self.on_failure:
                        self.last_saved = self.on_failure(t, u, state) or self.last_saved
                    raise ConvergenceError(
                        f"increment {increments + 1} from t = {t:.6g} s (T = {T:.4g} C) to "
                        f"t = {t_new:.6g} s (T = {T_new:.4g} C) did not converge after "
                        f"{cutbacks - 1} cut-backs (last residuals "
                        f"{', '.join(f'{x:.2e}' for x in step.residuals[-3:])}); last converged "
                        f"state: {self.last_saved or 'none saved yet'}")
            increments += 1
            record.increments += 1
            record.newton_iterations += step.iterations
            record.linear_iterations += step.linear_iterations
            record.cutbacks += cutbacks
            previous = (u, t_new - t, segment)
            if c.error_tolerance:
                rates = (self._inelastic_increments(state, step.state), t_new - t)
            u, state, t, T = step.u, step.state, t_new, T_new
            growth = c.growth if dp <= 0 else min(c.growth, 0.8 * c.creep_tolerance / dp)
            if error is not None and error > 0.0:
                growth = min(growth, 0.9 * np.sqrt(c.error_tolerance / error))
            dt = min(max(dt_try * max(growth, 0.25), c.min_dt), c.max_dt)
            if self.on_increment:
                self.on_increment(t, T, u, state)
            if self.on_output and np.any(np.isclose(self.output_times, t, rtol=0, atol=1e-9)):
                self.on_output(t, u, state)
            k_end = np.flatnonzero(np.isclose(bounds[:, 1], t, rtol=0, atol=1e-9))
            if cool is not None and abs(t - cool.t_end) <= 1e-9:
                cool.seconds = time.perf_counter() - clock
                clock = time.perf_counter()
                work_at_start = _accumulated(state)
            if k_end.size:
                k = int(k_end[0])
                work = _accumulated(state)
                cycles[k].dissipated = {g: work[g][0] - work_at_start[g][0] for g in work}
                cycles[k].inelastic_strain = {g: work[g][1] - work_at_start[g][1] for g in work}
                cycles[k].seconds = time.perf_counter() - clock
                clock = time.perf_counter()
                work_at_start = work
                if self.on_cycle_end:
                    self.last_saved = self.on_cycle_end(k, t, u, state) or self.last_saved
                if self.progress:
                    self.progress(cycles[k])
                if self.stop is not None and self.stop(cycles[start_cycle: k + 1]):
                    return History(u, state, cycles[start_cycle: k + 1], increments, cool)
        return History(u, state, cycles[start_cycle:], increments, cool)


def _accumulated(state: dict) -> dict:
    """Per group: (inelastic work density, equivalent inelastic strain) so far."""
    return {g: (st["inelastic_work"].copy(), st["equivalent_inelastic_strain"].copy())
            for g, st in state.items() if "inelastic_work" in st}
