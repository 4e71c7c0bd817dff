"""Time per temperature cycle of the viscoplastic solver, and the gain of its nonlinear-only lever.

    python benchmarks/cycling.py [--cycles 3] [--skip-2d] [--skip-3d] [--lever-increments 4]
                                 [--reference-factor-2d 8] [--reference-factor-3d 4]

Two models, each stepped through the cool-down from the SAC305 solidus (217 C) and JEDEC
JESD22-A104 condition G cycles (-40/+125 C, 15 min ramps and dwells), Anand solder:

* 2D: the built-in example ``wlcsp_slice2d`` (0.4 mm-pitch WLCSP, diagonal slice, generalized
  plane strain);
* 3D: the quarter model of a 6 x 6, 0.4 mm-pitch WLCSP at default mesh refinement (the
  geometry benchmark's spec, benchmarks/meshing.py), about 190 k unknowns.

Printed, from one run: per cycle the wall time, increments, Newton iterations and linear
iterations; the 3-cycle totals against the targets (2D under 2 s, 3D quarter under 120 s, on
2 cores, issue 14), the peak resident memory of the process; and the speed-up of the
nonlinear-only lever (elastic part assembled once, only the solder updated and re-assembled,
static condensation or reused factors) against the plain loop (every region updated and
re-assembled, a fresh factorization every Newton iteration), both over the same increments:
all cycles in 2D, the first ``--lever-increments`` increments in 3D (the plain loop takes too
long there for whole cycles). The speed levers inside the solver are measured one by one,
on and off in one run, by benchmarks/levers.py.

Accuracy of the default steps (issue 14, item 3): each model is solved again with every step
limit (``max_dT``, ``creep_tolerance``, ``max_dt``) divided by ``--reference-factor-2d`` /
``-3d`` (0 skips it); with the second-order BDF2 flow rule that run's own time-step error is
about 1/factor^2 of the default's, so it serves as the time-converged reference (Newton
tolerance 1e-6 there: converged in the iterations too). Printed per cycle: the critical
joint's interface energy density at the default settings and in the reference, and their
difference (target: within 1 %).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import resource

from thermofatigue.case import parse_case, read_toml
from thermofatigue.casemodel import build_model
from thermofatigue.cycling import NEWTON_TOLERANCE, solve_cycling, step_control
from thermofatigue.examples import example_path
from thermofatigue.fem.newton import EquilibriumSolver
from thermofatigue.fem.stepping import StepControl, TimeStepper
from thermofatigue.loads import profile_from_spec

SPEC_6X6 = dict(read_toml(Path(__file__).with_name("wlcsp_6x6_0p4.toml")),
                mesh={"kind": "quarter"})
TARGET_2D, TARGET_3D = 2.0, 120.0


def refined_steps(factor: float) -> dict:
    """``[solver]`` keys with every step limit divided by ``factor`` and a tight Newton
    tolerance: the time-converged reference (module docstring)."""
    default = StepControl()
    return {"max_dT": default.max_dT / factor, "max_dt": default.max_dt / factor,
            "creep_tolerance": default.creep_tolerance / factor, "tolerance": 1e-6}


def case_2d(cycles, out, lever=True, refine=None):
    path = example_path("wlcsp_slice2d")
    raw = read_toml(path)
    raw["load"]["cycles"] = cycles
    raw["output"] = {"directory": str(out), "vtu": False}
    raw["solver"] = {"nonlinear_lever": lever, **(refined_steps(refine) if refine else {})}
    return parse_case(raw, source=str(path), base_dir=path.parent)


def case_3d(cycles, out, lever=True, refine=None):
    raw = {"title": "6x6 WLCSP quarter", "model": {"geometry": SPEC_6X6},
           "load": {"preset": "JESD22-A104:G", "cycles": cycles, "stress_free_temperature": 217.0},
           "solver": {"nonlinear_lever": lever, **(refined_steps(refine) if refine else {})},
           "output": {"directory": str(out), "vtu": False}}
    return parse_case(raw, source="benchmarks/cycling.py", base_dir=Path(out))


def critical_energy(result) -> tuple[int, list[float]]:
    """The critical joint of a result and its interface energy density per cycle (MPa)."""
    joint = int(result.critical["joint"])
    table = result.joints
    return joint, [float(table.cycle(k)["dW_interface"][table.cycle(k)["joint"] == joint][0])
                   for k in range(1, len(result.cycles))]


def print_step_error(label, result, reference, factor) -> float:
    """Per cycle: the critical joint's energy at the default steps against the reference;
    returns the largest relative difference."""
    joint, default = critical_energy(result)
    _, converged = critical_energy(reference)
    worst = 0.0
    for k, (a, b) in enumerate(zip(default, converged), start=1):
        worst = max(worst, abs(a / b - 1.0))
        print(f"  {label}, cycle {k}: critical joint {joint} dW_interface {a:.6f} MPa at the "
              f"default steps, {b:.6f} MPa with steps / {factor:g}: {a / b - 1.0:+.2%}")
    return worst


def print_cycles(label, result):
    """Per-cycle lines of a CyclingResult; returns the seconds of its cycles (cool-down
    included: cycle 0)."""
    m = result.model
    print(f"{label}: {m.elements} elements, {m.unknowns} unknowns, linear solver "
          f"{result.settings.get('linear')}")
    for c in result.cycles:
        name = "cool-down" if c.cycle == 0 else f"cycle {c.cycle}"
        print(f"  {name:9s}: {c.seconds:8.2f} s  {c.increments:4d} increments  "
              f"{c.newton_iterations:4d} Newton iterations  {c.linear_iterations:5d} linear "
              f"iterations  {c.cutbacks} cut-backs")
    total = sum(c.seconds for c in result.cycles)
    timing = result.timing
    print(f"  cool-down and {len(result.cycles) - 1} cycles: {total:.2f} s (model set-up "
          f"{timing.get('model', float('nan')):.2f} s); peak memory so far "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return total


def lever_ratio(case, increments=None):
    """Wall time of the same increments with and without the lever."""
    times = {}
    for lever in (True, False):
        model = build_model(case, mesh_directory=Path(case.output_directory) / "mesh")
        solver = EquilibriumSolver(model, linear=case.solver["linear"], reuse=lever,
                                   tolerance=NEWTON_TOLERANCE)
        load = dict(case.profile)
        load.setdefault("stress_free_temperature", case.stress_free_temperature)
        profile = profile_from_spec(load, source=case.source)
        count = [0]

        class Enough(Exception):
            pass

        def stop(*_):
            count[0] += 1
            if increments is not None and count[0] >= increments:
                raise Enough

        start = time.perf_counter()
        try:
            TimeStepper(solver, profile, step_control(case), on_increment=stop).run()
        except Enough:
            pass
        times[lever] = (time.perf_counter() - start, count[0], solver.counters["iterations"])
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--skip-2d", action="store_true")
    parser.add_argument("--skip-3d", action="store_true")
    parser.add_argument("--lever-increments", type=int, default=4)
    parser.add_argument("--reference-factor-2d", type=float, default=8.0)
    parser.add_argument("--reference-factor-3d", type=float, default=4.0)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_2d:
            s2 = solve_cycling(case_2d(args.cycles, tmp / "2d"), workdir=tmp / "2d")
            results["2d"] = print_cycles("2D slice (example wlcsp_slice2d)", s2)
            t = lever_ratio(case_2d(args.cycles, tmp / "2d_lever"))
            print(f"  lever: {t[True][0]:.2f} s with, {t[False][0]:.2f} s without (plain loop), "
                  f"same {t[True][1]} increments ({t[True][2]} / {t[False][2]} Newton "
                  f"iterations): speed-up {t[False][0] / t[True][0]:.2f}x")
            results["2d_lever"] = t[False][0] / t[True][0]
            if args.reference_factor_2d > 0:
                f = args.reference_factor_2d
                r2 = solve_cycling(case_2d(args.cycles, tmp / "2d_ref", refine=f),
                                   workdir=tmp / "2d_ref")
                results["2d_error"] = print_step_error("2D slice", s2, r2, f)
        if not args.skip_3d:
            cpu = time.process_time()
            s3 = solve_cycling(case_3d(args.cycles, tmp / "3d"), workdir=tmp / "3d")
            results["3d"] = print_cycles("3D quarter, 6 x 6 WLCSP", s3)
            print(f"  CPU time of the whole 3D run (all threads; less sensitive to other jobs "
                  f"than the wall times): {time.process_time() - cpu:.1f} s")
            if args.lever_increments > 0:
                t = lever_ratio(case_3d(args.cycles, tmp / "3d_lever"), args.lever_increments)
                print(f"  lever over the first {args.lever_increments} increments: "
                      f"{t[True][0]:.1f} s with, {t[False][0]:.1f} s without ({t[True][2]} / "
                      f"{t[False][2]} Newton iterations): speed-up {t[False][0] / t[True][0]:.2f}x")
                results["3d_lever"] = t[False][0] / t[True][0]
            if args.reference_factor_3d > 0:
                f = args.reference_factor_3d
                r3 = solve_cycling(case_3d(args.cycles, tmp / "3d_ref", refine=f),
                                   workdir=tmp / "3d_ref")
                results["3d_error"] = print_step_error("3D quarter", s3, r3, f)
    print("\nsummary (cool-down included)")
    n = args.cycles
    if "2d" in results:
        print(f"  2D slice, {n} cycles: {results['2d']:.2f} s (target < {TARGET_2D:g} s for 3: "
              f"{'met' if results['2d'] < TARGET_2D and n == 3 else 'not met'}); lever "
              f"speed-up {results['2d_lever']:.2f}x")
    if "3d" in results:
        lever = f"; lever speed-up {results['3d_lever']:.2f}x" if "3d_lever" in results else ""
        print(f"  3D quarter, {n} cycles: {results['3d']:.1f} s (target < {TARGET_3D:g} s for 3: "
              f"{'met' if results['3d'] < TARGET_3D and n == 3 else 'not met'}){lever}")
    for key, label in (("2d_error", "2D slice"), ("3d_error", "3D quarter")):
        if key in results:
            print(f"  {label}: largest error of the critical joint's dW per cycle at the default "
                  f"steps {results[key]:.2%} (target <= 1 %: "
                  f"{'met' if results[key] <= 0.01 else 'not met'})")
    print(f"  peak resident memory of the process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
