"""Wall time and peak memory of `thermofatigue run` on the built-in default case (3D octant
model) and on the 3D quarter example of the same package, split into model set-up (gmsh
meshing and the model), cycling, and post-processing (life, fields, tables, figures, written).

    python benchmarks/run_default.py [--cycles 3] [--skip-quarter]

Each case runs in a fresh process (peak resident memory is per process). Target: the default
run end to end under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
from thermofatigue.case import load_case
from thermofatigue.examples import example_path
from thermofatigue.resultdir import ResultDirectory
from thermofatigue.resultio import write_result
from thermofatigue.run import solve

name, cycles, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
case = load_case(example_path(name), overrides={"load": {"cycles": cycles},
                                               "output": {"directory": out}}, builtin=True)
with ResultDirectory(case.output_directory) as rd:
    result = solve(case, workdir=rd.staging / "mesh", state_directory=rd.staging / "state")
    t1 = time.perf_counter()
    write_result(result, rd.staging, case=case)
    rd.commit()
t2 = time.perf_counter()
crit = result.critical
print(json.dumps({"model": result.timing["model"], "cycling": result.timing["cycling"],
                  "life": result.timing["postprocess"], "write": t2 - t1, "total": t2 - t0,
                  "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "unknowns": result.model.unknowns, "label": result.model.label,
                  "joint": crit["joint"], "dW": crit["dW_interface"],
                  "N": crit.get("N_darveaux"), "cycles": result.stabilisation.cycles_run}))
"""


def measure(name: str, cycles: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", CHILD, name, str(cycles), f"{tmp}/out"],
                              capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cycles", type=int, default=3)
    p.add_argument("--skip-quarter", action="store_true")
    args = p.parse_args(argv)
    names = ["default"] + ([] if args.skip_quarter else ["wlcsp_quarter"])
    print(f"{'case':<14} {'unknowns':>8} {'model+mesh':>10} {'cycling':>8} {'life':>6} "
          f"{'write':>6} {'total':>7} {'peak MB':>8}   critical joint")
    rows = {}
    for name in names:
        r = rows[name] = measure(name, args.cycles)
        print(f"{name:<14} {r['unknowns']:>8} {r['model']:>9.1f}s {r['cycling']:>7.1f}s "
              f"{r['life']:>5.1f}s {r['write']:>5.1f}s {r['total']:>6.1f}s {r['peak_MB']:>8.0f}"
              f"   {r['joint']} dW {r['dW']:.4g} MPa, N_darveaux {r['N']:.3g} "
              f"({r['cycles']} cycles)")
    d = rows["default"]
    print(f"default run end to end: {d['total']:.1f} s against the 60 s target "
          f"(ratio {d['total'] / 60.0:.2f})")
    if "wlcsp_quarter" in rows:
        q = rows["wlcsp_quarter"]
        print(f"quarter / octant: time {q['total'] / d['total']:.2f}x, critical dW "
              f"{q['dW'] / d['dW']:.4f}x")


if __name__ == "__main__":
    main()
