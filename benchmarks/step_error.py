"""How far the default time steps leave the critical joint's energy per cycle from the
time-converged value: the same history at the default steps and with ``max_dT`` and
``creep_tolerance`` divided by 2 and by 4, in one run.

    python benchmarks/step_error.py [--kind octant] [--cycles 2] [--factors 1 2 4]
                                    [--error-tolerances 1e-4 3e-5]

Model: the default package (4 x 4 WLCSP, ``thermofatigue/data/wlcsp_0p4.toml``) as a 3D model,
Anand solder, cool-down from 217 C and JEDEC JESD22-A104 condition G, Newton tolerance 1e-4.
Printed per refinement factor and cycle: the inelastic work density dissipated in the cycle,
averaged over the die-side interface layer of the critical (largest-DNP) joint and over the
whole joint, the wall/CPU time, increments and Newton iterations. Backward Euler is first-order
in the step, so ``W(h) = W* + c h``: the Richardson estimate of the converged value from the
two finest runs is ``2 W(h/f) - W(h/(f/2))`` and the default steps' error is printed against it.
``--error-tolerances``: runs at the default steps with the embedded local-error control of
``StepControl.error_tolerance`` (``thermofatigue/fem/stepping.py``) at each value, their error
against the same estimate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from levers import NEWTON_TOLERANCE, build_model, default_package_case, profile_and_control
from thermofatigue.fem.newton import EquilibriumSolver
from thermofatigue.fem.stepping import TimeStepper


def layer_average(model, group, dissipated, region):
    """Volume average over the elements of ``region`` of a quadrature field of ``group``."""
    elements = model.tagged.regions[region]
    where = np.searchsorted(group.elements, elements)
    w = model.disc.weights[elements]
    return float(np.sum(dissipated[where] * w) / np.sum(w))


def critical_joint(model):
    joints = model.tagged.metadata.get("joints", [])
    return max(joints, key=lambda j: j["dnp"])["id"]


def run(model, case, factor, error_tolerance=None):
    profile, control = profile_and_control(case)
    control.max_dT /= factor
    control.creep_tolerance /= factor
    control.error_tolerance = error_tolerance
    solver = EquilibriumSolver(model, linear=case.solver["linear"], tolerance=NEWTON_TOLERANCE)
    wall, cpu = time.perf_counter(), time.process_time()
    history = TimeStepper(solver, profile, control).run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    joint = critical_joint(model)
    (group,) = [g for g in model.nonlinear_groups]
    out = []
    for c in history.cycles:
        d = c.dissipated[group.pattern]
        out.append((layer_average(model, group, d, f"joint_{joint}_die_layer"),
                    layer_average(model, group, d, f"joint_{joint}"), c.increments,
                    c.newton_iterations))
    return out, wall, cpu, joint


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="octant", choices=("octant", "quarter", "slice2d"))
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--error-tolerances", type=float, nargs="*", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        case = default_package_case(args.kind, Path(tmp), cycles=args.cycles)
        model = build_model(case)
        results = {}
        for f in args.factors:
            results[f], wall, cpu, joint = run(model, case, f)
            for k, (die, whole, inc, newton) in enumerate(results[f]):
                print(f"steps / {f:g}: cycle {k + 1}: dW die layer {die:.6f} MPa, joint "
                      f"{whole:.6f} MPa ({inc} increments, {newton} Newton iterations)",
                      flush=True)
            print(f"steps / {f:g}: {wall:.1f} s wall, {cpu:.1f} s CPU; critical joint {joint}",
                  flush=True)
        controlled = {}
        for tol in args.error_tolerances:
            controlled[tol], wall, cpu, joint = run(model, case, 1.0, tol)
            for k, (die, whole, inc, newton) in enumerate(controlled[tol]):
                print(f"error tolerance {tol:g}: cycle {k + 1}: dW die layer {die:.6f} MPa, "
                      f"joint {whole:.6f} MPa ({inc} increments, {newton} Newton iterations)",
                      flush=True)
            print(f"error tolerance {tol:g}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        fine, finer = sorted(args.factors)[-2:]
        for k in range(args.cycles):
            for i, label in ((0, "die layer"), (1, "joint")):
                best = results[finer][k][i]
                converged = best + (best - results[fine][k][i]) / (finer / fine - 1.0)
                errors = ", ".join(
                    [f"steps / {f:g}: {results[f][k][i] / converged - 1.0:+.2%}"
                     for f in sorted(args.factors)]
                    + [f"error tolerance {tol:g}: {controlled[tol][k][i] / converged - 1.0:+.2%}"
                       for tol in args.error_tolerances])
                print(f"cycle {k + 1}, {label}: Richardson estimate {converged:.6f} MPa; "
                      f"error {errors}")


if __name__ == "__main__":
    main()
