"""How the cycling solve grows with the model: 3D quarter models of N x N WLCSP arrays.

    python benchmarks/scale.py [--arrays 4 6 8 10] [--cycles 3]

Each array size is the 0.4 mm-pitch WLCSP of ``benchmarks/wlcsp_6x6_0p4.toml`` with ``N`` rows
and columns (die and board grow with the array: ``thermofatigue/geometry/defaults.py``),
meshed as a quarter model at the default refinement and stepped through the cool-down from
217 C and ``--cycles`` JEDEC JESD22-A104 condition G cycles with Anand solder, in a process of
its own so that its peak resident memory is its own. Printed per size: unknowns, solder
integration points, wall and CPU time of the cycling solve (mesh and model set-up apart),
increments, Newton iterations, peak memory; then the growth exponents ``b`` of
``time ~ unknowns^b`` and ``memory ~ unknowns^b`` between successive sizes (issue 14, item 5:
the 10 x 10 quarter model through three cycles within the 24 GB of these machines).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = Path(__file__).with_name("wlcsp_6x6_0p4.toml")


def one(n: int, cycles: int) -> dict:
    """Solve one array size in this process; the figures as a dict."""
    from thermofatigue.case import parse_case, read_toml
    from thermofatigue.cycling import solve_cycling

    spec = dict(read_toml(SPEC), mesh={"kind": "quarter"})
    spec["array"] = dict(spec["array"], rows=n, columns=n)
    spec["name"] = f"wlcsp_{n}x{n}_0p4"
    with tempfile.TemporaryDirectory() as tmp:
        raw = {"title": f"{n}x{n} WLCSP quarter", "model": {"geometry": spec},
               "load": {"preset": "JESD22-A104:G", "cycles": cycles,
                        "stress_free_temperature": 217.0},
               "output": {"directory": tmp, "vtu": False}}
        case = parse_case(raw, source="benchmarks/scale.py", base_dir=Path(tmp))
        wall, cpu = time.perf_counter(), time.process_time()
        result = solve_cycling(case, workdir=Path(tmp))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    solve = sum(c.seconds for c in result.cycles)
    return {"array": n, "unknowns": result.model.unknowns, "elements": result.model.elements,
            "solve_s": solve, "total_s": wall, "cpu_s": cpu,
            "increments": sum(c.increments for c in result.cycles),
            "newton": sum(c.newton_iterations for c in result.cycles),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "linear": str(result.settings.get("linear"))}


def exponent(a: float, b: float, x: float, y: float) -> float:
    return math.log(y / x) / math.log(b / a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arrays", type=int, nargs="+", default=[4, 6, 8, 10])
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.cycles)))
        return
    rows = []
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print("| array | unknowns | elements | linear solver | cycling solve (s) | CPU (s) | "
          "increments | Newton iterations | peak memory (MB) |\n"
          "|---|---|---|---|---|---|---|---|---|", flush=True)
    for n in args.arrays:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--cycles",
                              str(args.cycles)], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"| {n} x {n} | failed: {out.stderr.strip().splitlines()[-1:]} |", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"| {n} x {n} | {r['unknowns']} | {r['elements']} | {r['linear']} | "
              f"{r['solve_s']:.1f} | "
              f"{r['cpu_s']:.1f} | {r['increments']} | {r['newton']} | {r['peak_mb']:.0f} |",
              flush=True)
    print(f"\ncool-down and {args.cycles} cycles each; load average after: "
          f"{os.getloadavg()[0]:.1f}")
    for a, b in zip(rows, rows[1:]):
        print(f"{a['array']} x {a['array']} -> {b['array']} x {b['array']}: time ~ unknowns^"
              f"{exponent(a['unknowns'], b['unknowns'], a['solve_s'], b['solve_s']):.2f}, "
              f"memory ~ unknowns^"
              f"{exponent(a['unknowns'], b['unknowns'], a['peak_mb'], b['peak_mb']):.2f}")


if __name__ == "__main__":
    main()
