"""How far the default time steps leave the critical joint's energy per cycle from the
time-converged value: the same history at the default steps and with every step limit
(``max_dT``, ``creep_tolerance``, ``max_dt``) divided by 2, 4, ..., in one run, for the flow-rule
integrations asked for.

    python benchmarks/step_error.py [--kind octant] [--cycles 2] [--factors 1 2 4]
                                    [--integrations bdf2 backward_euler]
                                    [--error-tolerances 1e-4 3e-5]

Model: the default package (4 x 4 WLCSP, ``thermofatigue/data/wlcsp_0p4.toml``) as a 3D model
(or the 2D slice), Anand solder, cool-down from 217 C and JEDEC JESD22-A104 condition G, Newton
tolerance 1e-4. Printed per integration, refinement factor and cycle: the inelastic work
density dissipated in the cycle, averaged over the die-side interface layer of the critical
(largest-DNP) joint and over the whole joint, the wall/CPU time, increments and Newton
iterations. The converged value is estimated from the three finest runs of the first
integration listed: with ``W(h) = W* + c h^p``, the observed order ``p`` from the three and
the Richardson value ``W(h3) + (W(h3) - W(h2)) / (r^p - 1)`` (``r`` the refinement ratio; the
finest value itself where the sequence is not monotone); every run's error is printed against
it. ``--error-tolerances``: runs at the default steps with the embedded local-error control of
``StepControl.error_tolerance`` (``thermofatigue/fem/stepping.py``) at each value.
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


def run(model, case, factor, error_tolerance=None, integration="bdf2"):
    profile, control = profile_and_control(case)
    control.max_dT /= factor
    control.creep_tolerance /= factor
    control.max_dt /= factor
    control.error_tolerance = error_tolerance
    for group in model.nonlinear_groups:
        group.model.time_integration = integration
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


def converged(values, ratio):
    """Richardson value and observed order from the three finest values (refinement
    ``ratio``); ``(finest, None)`` where the sequence is not monotone."""
    f1, f2, f3 = values[-3:]
    if (f1 - f2) * (f2 - f3) <= 0.0:
        return f3, None
    order = np.log((f1 - f2) / (f2 - f3)) / np.log(ratio)
    return f3 + (f3 - f2) / (ratio**order - 1.0), order


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="octant", choices=("octant", "quarter", "slice2d"))
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--integrations", nargs="+", default=["bdf2", "backward_euler"],
                        choices=("bdf2", "backward_euler"))
    parser.add_argument("--error-tolerances", type=float, nargs="*", default=[])
    args = parser.parse_args()
    factors = sorted(args.factors)
    with tempfile.TemporaryDirectory() as tmp:
        case = default_package_case(args.kind, Path(tmp), cycles=args.cycles)
        model = build_model(case)
        results = {}
        for integration in args.integrations:
            for f in factors:
                label = f"{integration}, steps / {f:g}"
                results[label], wall, cpu, joint = run(model, case, f, integration=integration)
                for k, (die, whole, inc, newton) in enumerate(results[label]):
                    print(f"{label}: cycle {k + 1}: dW die layer {die:.6f} MPa, joint "
                          f"{whole:.6f} MPa ({inc} increments, {newton} Newton iterations)",
                          flush=True)
                print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU; critical joint {joint}",
                      flush=True)
        for tol in args.error_tolerances:
            label = f"{args.integrations[0]}, error tolerance {tol:g}"
            results[label], wall, cpu, joint = run(model, case, 1.0, tol, args.integrations[0])
            for k, (die, whole, inc, newton) in enumerate(results[label]):
                print(f"{label}: cycle {k + 1}: dW die layer {die:.6f} MPa, joint {whole:.6f} "
                      f"MPa ({inc} increments, {newton} Newton iterations)", flush=True)
            print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        if len(factors) < 3:
            print("(three or more factors are needed for a converged estimate)")
            return
        ratio = factors[-1] / factors[-2]
        for k in range(args.cycles):
            for i, name in ((0, "die layer"), (1, "joint")):
                sequence = [results[f"{args.integrations[0]}, steps / {f:g}"][k][i]
                            for f in factors]
                best, order = converged(sequence, ratio)
                how = (f"observed order {order:.2f}" if order is not None
                       else "not monotone: finest value")
                errors = ", ".join(f"{label}: {values[k][i] / best - 1.0:+.2%}"
                                   for label, values in results.items())
                print(f"cycle {k + 1}, {name}: converged estimate {best:.6f} MPa "
                      f"({args.integrations[0]}, {how}); error {errors}")


if __name__ == "__main__":
    main()
