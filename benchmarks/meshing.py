"""Meshing time and size of a 6 x 6 fan-in WLCSP (0.4 mm pitch) at default refinement.

    python benchmarks/meshing.py [--order 1|2]

Builds the 2D plane-strain diagonal slice and the 3D quarter model of the same spec
(``benchmarks/wlcsp_6x6_0p4.toml``; all other fields at their defaults, see
thermofatigue/geometry/defaults.py) and prints the wall time of
``build_mesh`` (geometry + meshing + writing) and the element count of each.
Targets (issue "Parametric package geometry with gmsh"): slice < 5 s, quarter < 60 s on 2 cores.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from thermofatigue.geometry import build_mesh, load_spec

SPEC = Path(__file__).with_name("wlcsp_6x6_0p4.toml")
TARGETS = {"slice2d": 5.0, "quarter": 60.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=2)
    args = parser.parse_args()
    spec = load_spec(SPEC)
    print(f"6 x 6 WLCSP, pitch 0.4 mm, ball 0.26 mm, order {args.order}; mesh sizes: global {spec.mesh.size:g}, "
          f"joints {spec.mesh.joint_size:g}, corner joint {spec.mesh.corner_joint_size:g} mm; "
          f"{os.cpu_count()} CPUs visible (gmsh runs on 1 thread for determinism)")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("slice2d", "quarter"):
            start = time.perf_counter()
            built = build_mesh(spec, kind=kind, order=args.order, path=os.path.join(folder, f"{kind}.msh"),
                               verbose=False)
            elapsed = time.perf_counter() - start
            q = built.metadata["mesh_quality"]
            verdict = "ok" if elapsed < TARGETS[kind] else "SLOWER THAN TARGET"
            print(f"{kind:8s} {elapsed:6.2f} s  {q['elements']:7d} {built.metadata['cell_type']} elements  "
                  f"{q['nodes']:7d} nodes  {len(built.joints)} joints  min quality {q['min_quality']:.3g}  "
                  f"(target < {TARGETS[kind]:g} s: {verdict})")


if __name__ == "__main__":
    main()
