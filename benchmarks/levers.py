"""Measured gain of each speed lever of the cycling solver, switched on and off in one run.

    python benchmarks/levers.py [--lever NAME ...] [--kind octant] [--warmup 7] [--increments 12]
                                [--rounds 1]

Model: the default package (4 x 4 WLCSP, 0.4 mm pitch, ``thermofatigue/data/wlcsp_0p4.toml``)
as a 3D model (``--kind octant``, the default run's model, or ``quarter``), Anand solder, the
cool-down from 217 C and JEDEC JESD22-A104 condition G, the default step control and Newton
tolerance. For every lever and state (on, off) the same history is stepped from the start:
the first ``--warmup`` increments (the cool-down: one-off set-up, first factorization) are not
timed, the next ``--increments`` are. The machine is shared and noisy, so the two states of a
lever run alternately, ``--rounds`` times each, and the best time of each is compared. Printed
per state: the timed seconds, Newton iterations, factorizations, and the largest difference
of the displacement from the lever-on run (relative to its largest value: round-off or within
the Newton tolerance, as the lever promises).

Levers (``--lever``, all by default):

* ``unassembled``: the elastic part under a uniform temperature applied as ``K_const u`` plus
  the Lame parts of the temperature-dependent layers, its reduced tangent refilled only on
  the rows those layers and the solder touch (``EquilibriumSolver.unassembled_linear_part``);
  off: assembled, copied and reduced at every increment. Also timed alone, per increment
  (:func:`elastic_part_overhead`), where the noise of the other jobs matters less.
* ``single``: reused PARDISO factors (the CG preconditioner of the Newton solves) in single
  precision (``DirectSolver.single_precision_preconditioner``); off: double precision.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from thermofatigue.case import default_case_path, parse_case, read_toml
from thermofatigue.fem import linear, newton
from thermofatigue.fem.newton import EquilibriumSolver
from thermofatigue.fem.stepping import StepControl, TimeStepper
from thermofatigue.loads import profile_from_spec

try:  # the model builder moved from run.py to casemodel.py
    from thermofatigue.casemodel import build_model
except ImportError:  # pragma: no cover
    from thermofatigue.run import build_model

NEWTON_TOLERANCE = 1e-4  # the cycling default (thermofatigue/cycling.py)


def _set(obj, name):
    """A switch of the class attribute ``name`` of ``obj``."""
    def switch(on: bool):
        setattr(obj, name, on)
    return switch


LEVERS = {
    "unassembled": _set(newton.EquilibriumSolver, "unassembled_linear_part"),
    "single": _set(linear.DirectSolver, "single_precision_preconditioner"),
}


def default_package_case(kind: str, out: Path, cycles: int = 1, solver: dict | None = None):
    spec = read_toml(default_case_path().with_name("wlcsp_0p4.toml"))
    spec["mesh"]["kind"] = kind
    raw = {"title": f"default package, {kind}", "model": {"geometry": spec},
           "load": {"preset": "JESD22-A104:G", "cycles": cycles, "stress_free_temperature": 217.0},
           "output": {"directory": str(out), "vtu": False}, "solver": dict(solver or {})}
    return parse_case(raw, source="benchmarks/levers.py", base_dir=out)


def profile_and_control(case):
    load = dict(case.profile)
    load.setdefault("stress_free_temperature", case.stress_free_temperature)
    return (profile_from_spec(load, source=case.source),
            StepControl.from_solver_table(case.solver, case.source))


class _Enough(Exception):
    pass


def timed_window(model, case, warmup: int, increments: int):
    """Wall and CPU seconds (all threads) of increments ``warmup + 1 .. warmup + increments``
    from the start of the history, Newton iterations and factorizations in them, and the
    displacement at the end."""
    solver = EquilibriumSolver(model, linear=case.solver["linear"], tolerance=NEWTON_TOLERANCE)
    profile, control = profile_and_control(case)
    marks = {}

    def on_increment(t, T, u, state):
        k = len(marks) + 1
        marks[k] = (time.perf_counter(), time.process_time(), solver.counters["iterations"],
                    getattr(solver.linear, "factorizations", 0), u)
        if k >= warmup + increments:
            raise _Enough

    try:
        TimeStepper(solver, profile, control, on_increment=on_increment).run()
    except _Enough:
        pass
    a, b = marks[warmup], marks[warmup + increments]
    return b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3], b[4]


def elastic_part_overhead(model, temperatures=tuple(217.0 - 7.3 * k for k in range(1, 12))):
    """CPU seconds per increment of the elastic part's handling, unassembled (on) against
    assembled (off): the linear part at a new uniform temperature, the reduced tangent with
    the solder's part (one elastic-like solder tangent), two residual evaluations of the
    elastic part. Alternately, twice each; no linear solve, no constitutive update."""
    from thermofatigue.fem.newton import EquilibriumSolver

    n_q = model.disc.n_quadrature
    u = np.random.default_rng(0).normal(size=model.disc.n_dofs) * 1e-4
    seconds = {True: [], False: []}
    for on in (True, False, True, False):
        EquilibriumSolver.unassembled_linear_part = on
        solver = EquilibriumSolver(model, tolerance=NEWTON_TOLERANCE)
        tangents = [(g, np.broadcast_to(np.eye(6) * 1e4, (g.elements.size, n_q, 6, 6)))
                    for g in model.nonlinear_groups]

        def increment(T):
            operator = solver._linear_operator(T)
            if operator is None:  # the assembled path, as solve_increment takes it
                data, f = solver.linear_part(model.temperature_at_quadrature(T), T)
                K = model.assembler.csr(data)
                apply = K.__matmul__
                reduced = solver._reduce_linear_part(K, T)
                work = reduced.copy()
                for g, D in tangents:
                    inverse, size, rows, P_sub = solver._subset_reduction(g, K)
                    work[rows] = reduced[rows]
                    work[rows] += P_sub @ model.assembler.subset_matrix_data(
                        D, g.elements, inverse, size, solver._strain_matrix(g))
            else:
                K, apply, f = operator
                solver._operator_tangent(tangents, K, T)
            for _ in range(2):
                apply(u) + f

        increment(230.0)  # one-off set-up outside the timing
        start = time.process_time()
        for T in temperatures:
            increment(T)
        seconds[on].append((time.process_time() - start) / len(temperatures))
    EquilibriumSolver.unassembled_linear_part = True
    return min(seconds[True]), min(seconds[False])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lever", action="append", choices=sorted(LEVERS))
    parser.add_argument("--kind", default="octant", choices=("octant", "quarter"))
    parser.add_argument("--warmup", type=int, default=7)
    parser.add_argument("--increments", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        case = default_package_case(args.kind, Path(tmp))
        start = time.perf_counter()
        model = build_model(case)
        print(f"default package, {args.kind}: {model.disc.n_elements} elements, "
              f"{model.constraints.n_reduced} unknowns (model built in "
              f"{time.perf_counter() - start:.1f} s); timed: increments {args.warmup + 1}.."
              f"{args.warmup + args.increments}, best of {args.rounds}")
        if "unassembled" in (args.lever or LEVERS):
            on, off = elastic_part_overhead(model)
            print(f"  unassembled: elastic part per increment {1e3 * on:.0f} ms CPU against "
                  f"{1e3 * off:.0f} ms assembled ({off / on:.2f}x)")
        for name in args.lever or sorted(LEVERS):
            switch = LEVERS[name]
            best, reference = {}, None
            for _ in range(args.rounds):
                for on in (True, False):
                    switch(on)
                    result = timed_window(model, case, args.warmup, args.increments)
                    if on and reference is None:
                        reference = result[-1]
                    if on not in best or result[0] < best[on][0]:
                        best[on] = result
            switch(True)
            for on in (True, False):
                wall, cpu, iterations, factorizations, u = best[on]
                diff = np.abs(u - reference).max() / np.abs(reference).max()
                state = "on " if on else "off"
                print(f"  {name:12s} {state}: {wall:7.2f} s wall {cpu:7.2f} s CPU  "
                      f"{iterations:3d} Newton iterations  {factorizations:2d} factorizations  "
                      f"max |du| {diff:.1e}")
            print(f"  {name:12s} gain: {best[False][0] / best[True][0]:.2f}x wall, "
                  f"{best[False][1] / best[True][1]:.2f}x CPU "
                  f"({best[False][0] - best[True][0]:+.2f} s wall over {args.increments} "
                  f"increments)")


if __name__ == "__main__":
    main()
