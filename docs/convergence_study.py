"""Convergence of the answer against the mesh at the joints: the critical joint's die-layer
inelastic work density of cycle 1 (``dW_interface``, MPa) and its Darveaux life, for the default
package (``thermofatigue/data/wlcsp_0p4.toml``) as the 3D octant model and as the 2D diagonal
slice, at three (or more) joint mesh sizes refined by a constant ratio ``r`` (``joint_size`` and
``corner_joint_size`` divided by ``r`` together; global ``size`` and time steps at their defaults).

    python docs/convergence_study.py [--kind octant slice2d] [--levels 0.08:0.05 0.04:0.025 ...]

From the three finest levels f1 (coarse), f2, f3 (fine) at the ratio r (Roache, Verification and
Validation in Computational Science and Engineering, Hermosa 1998, ch. 5):

    observed order   p   = ln((f1 - f2) / (f2 - f3)) / ln(r)
    extrapolated     f*  = f3 + (f3 - f2) / (r^p - 1)

valid only when the sequence is monotone ((f1 - f2)(f2 - f3) > 0); otherwise the script says
so and quotes no order. The error the default mesh leaves is (f_default - f*) / f*.
Results go to stdout as Markdown tables (pasted into docs/convergence.md).
"""

from __future__ import annotations

import argparse
import math
import platform
import tempfile
import time

from thermofatigue.case import parse_case, read_toml
from thermofatigue.examples import example_path

DEFAULT_LEVELS = {"octant": ["0.08:0.05", "0.04:0.025", "0.02:0.0125"],
                  "slice2d": ["0.08:0.05", "0.04:0.025", "0.02:0.0125"]}
DEFAULT_JOINT = (0.04, 0.025)


def case_at(kind: str, joint_size: float, corner_joint_size: float, outdir: str):
    """The default case (``octant``) or the 2D slice (``slice2d``), one cycle, default steps,
    with the joint mesh sizes given (mm)."""
    path = example_path("default")
    raw = read_toml(path)
    spec = read_toml(path.with_name("wlcsp_0p4.toml"))
    spec["mesh"].update(joint_size=joint_size, corner_joint_size=corner_joint_size)
    raw["model"]["geometry"] = spec
    if kind == "slice2d":
        raw["model"]["geometry_kind"] = "slice2d"
        raw["model"]["kind"] = "generalized_plane_strain"
    raw["load"]["cycles"] = 1
    raw["solver"] = {"max_dT": 15.0, "creep_tolerance": 2e-3, "max_dt": 300.0}
    raw["output"] = {"directory": outdir, "vtu": False, "plots": False}
    return parse_case(raw, source=str(path), base_dir=path.parent)


def run_level(kind: str, joint_size: float, corner_joint_size: float) -> dict:
    from thermofatigue.run import solve
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        result = solve(case_at(kind, joint_size, corner_joint_size, outdir), keep_fields=False)
        wall = time.perf_counter() - start
    c = result.critical
    return {"joint_size": joint_size, "corner_joint_size": corner_joint_size,
            "unknowns": result.model.unknowns, "elements": result.model.elements,
            "joint": c["joint"], "interface": c["interface"],
            "dW": float(c["dW_interface"]), "N": float(c["N_darveaux"]), "wall": wall}


def observed_order(f1: float, f2: float, f3: float, r: float):
    """``(p, f*)`` from three levels at ratio ``r``, or ``(None, None)`` when not monotone."""
    if (f1 - f2) * (f2 - f3) <= 0.0:
        return None, None
    p = math.log((f1 - f2) / (f2 - f3)) / math.log(r)
    return p, f3 + (f3 - f2) / (r ** p - 1.0)


def report(kind: str, rows: list[dict]) -> None:
    print(f"\n### {kind}\n")
    print("| joint_size / corner (mm) | unknowns | elements | critical joint | interface "
          "| dW die layer (MPa) | N Darveaux (cycles) | wall (s) |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row['joint_size']:g} / {row['corner_joint_size']:g} | {row['unknowns']} | "
              f"{row['elements']} | {row['joint']} | {row['interface']} | {row['dW']:.6f} | "
              f"{row['N']:.1f} | {row['wall']:.1f} |")
    if len(rows) < 3:
        return
    finest = rows[-3:]
    r = finest[0]["joint_size"] / finest[1]["joint_size"]
    r2 = finest[1]["joint_size"] / finest[2]["joint_size"]
    default = [row for row in rows
               if (row["joint_size"], row["corner_joint_size"]) == DEFAULT_JOINT]
    for name in ("dW", "N"):
        f1, f2, f3 = (row[name] for row in finest)
        change = (f3 - f2) / f2
        line = (f"{name}: ratio r = {r:.3g} (second {r2:.3g}); change between the two finest "
                f"levels {100 * change:+.2f} %")
        p, extrapolated = observed_order(f1, f2, f3, r)
        if p is None:
            line += "; NOT monotone: no observed order, no Richardson value"
        else:
            line += f"; observed order p = {p:.2f}; Richardson value {extrapolated:.6g}"
            if default:
                error = (default[0][name] - extrapolated) / extrapolated
                line += f"; default mesh error {100 * error:+.2f} %"
        print("\n" + line)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", nargs="+", default=["slice2d", "octant"])
    parser.add_argument("--levels", nargs="+", default=None,
                        help="joint_size:corner_joint_size, coarse to fine")
    args = parser.parse_args(argv)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}, "
          f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    for kind in args.kind:
        levels = args.levels or DEFAULT_LEVELS[kind]
        rows = []
        for level in levels:
            joint, corner = (float(x) for x in level.split(":"))
            rows.append(run_level(kind, joint, corner))
            row = rows[-1]
            print(f"# {kind} {joint}/{corner}: {row['unknowns']} unknowns, joint {row['joint']}"
                  f" {row['interface']}, dW {row['dW']:.6f}, N {row['N']:.1f}, "
                  f"{row['wall']:.1f} s", flush=True)
        report(kind, rows)


if __name__ == "__main__":
    main()
