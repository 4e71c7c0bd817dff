"""Wall time of one design study on 1 and 2 Dask workers, and the study machinery's overhead.

    python benchmarks/study.py [--thickness 4] [--pitch 4] [--cycles 1]

The study: the 2D slice of the default package (linear elements, one-minute dwells), die
thickness x pitch (16 points by default). Measured, each in a fresh study directory:

1. a plain loop: for each point, check its case and run it (``run_case``: solve and write its
   results directory), in this process: the work without the study machinery;
2. the same points through ``run_study`` with the serial executor: the machinery's overhead
   per point (expansion, keys, records, attempts log, tables, figures) against 1., in wall
   time and in CPU time of this process (all its threads): the CPU time does not move with
   the other jobs on a shared machine, the wall time does;
3. ``run_study`` on a Dask LocalCluster with 1 and with 2 single-threaded workers, started and
   shut down inside it as ``thermofatigue study --workers N`` does: the speed-up (targets in
   issue 12: >= 1.8 x on 2 workers, overhead <= 10 %).

The numbers depend on what else the machine runs; the load average is printed beside them.
Each measurement is repeated ``--repeat`` times, the four kinds interleaved (loop, serial,
1 worker, 2 workers, loop, ...), and the shortest time of each is used: another job slows
some rounds, none speeds one up. This process, like every Dask worker, runs with one BLAS /
MKL thread (set before numpy is imported), so the loop, the serial study and each worker
do the same single-threaded work.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_name] = "1"   # as in the study's Dask workers (thermofatigue.study.execute)

STUDY = """
title = "benchmark: die thickness x pitch, 2D slice"
[base]
example = "wlcsp_slice2d"
set = {{ "load.cycles" = {cycles}, "load.dwell" = {dwell}, "model.order" = {order}, "output.vtu" = false }}
[parameters]
"geometry.die.thickness" = {thickness}
"geometry.array.pitch" = {pitch}
"""


def plain_loop(study, points, directory: Path) -> tuple[float, float]:
    from thermofatigue.case import merge, parse_case
    from thermofatigue.run import run_case

    start, cpu = time.perf_counter(), time.process_time()
    for point in points:
        raw = merge(point.raw, {"output": {"directory": str(directory / point.key)}})
        run_case(parse_case(raw, source="benchmark", base_dir=study.base_dir), plots=False)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    import numpy as np

    from thermofatigue.study import expand, load_study, run_study

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--thickness", type=int, default=4, help="die thickness levels")
    ap.add_argument("--pitch", type=int, default=4, help="pitch levels")
    ap.add_argument("--cycles", type=int, default=1)
    ap.add_argument("--order", type=int, default=1, choices=(1, 2),
                    help="element order (2: the slice example as it ships)")
    ap.add_argument("--dwell", type=float, default=60.0, help="dwell at each extreme (s)")
    ap.add_argument("--repeat", type=int, default=2, help="rounds; the shortest time is used")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "study.toml"
        path.write_text(STUDY.format(
            cycles=args.cycles, dwell=args.dwell, order=args.order,
            thickness=[round(float(t), 3) for t in np.linspace(0.1, 0.7, args.thickness)],
            pitch=[round(float(p), 3) for p in np.linspace(0.35, 0.45, args.pitch)]))
        study = load_study(path)
        points = expand(study)
        times, cpu = {}, {}

        def keep(name, wall, used=None):
            times[name] = min(times.get(name, float("inf")), wall)
            if used is not None:
                cpu[name] = min(cpu.get(name, float("inf")), used)

        for k in range(args.repeat):
            keep("plain loop", *plain_loop(study, points, tmp / f"loop{k}"))
            start, cpu_start = time.perf_counter(), time.process_time()
            run_study(study, tmp / f"serial{k}", executor="serial", plots=True)
            keep("serial study", time.perf_counter() - start, time.process_time() - cpu_start)
            for n in (1, 2):
                # as `thermofatigue study --workers n` runs it: the LocalCluster started, used
                # and shut down inside run_study
                start = time.perf_counter()
                outcome = run_study(study, tmp / f"dask{n}_{k}", workers=n, plots=True)
                keep(f"Dask, {n} worker{'s' * (n > 1)}", time.perf_counter() - start)
                assert outcome.counts["done"] == len(points), outcome.counts
    n = len(points)
    print(f"{n} points, {args.cycles} cycle(s), 2D slice, shortest of {args.repeat} rounds; "
          f"load average before/after: "
          f"{load_before:.1f}/{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| run | wall time (s) | per point (s) | CPU time of this process (s) |\n|---|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {t:.1f} | {t / n:.2f} | "
              f"{f'{cpu[name]:.1f}' if name in cpu else '(workers)'} |")
    overhead = times["serial study"] / times["plain loop"] - 1.0
    overhead_cpu = cpu["serial study"] / cpu["plain loop"] - 1.0
    print(f"\nstudy machinery overhead against the plain loop: {100 * overhead:.1f} % wall, "
          f"{100 * overhead_cpu:.1f} % CPU (target <= 10 %)")
    print(f"Dask speed-up, 2 workers over 1: "
          f"{times['Dask, 1 worker'] / times['Dask, 2 workers']:.2f} x (target >= 1.8 x)")


if __name__ == "__main__":
    main()
