"""Critical-joint energy and life against die thickness and modelled board extent.

    python docs/die_thickness_study.py [--quick] [--thickness-3d 0.1 0.305 0.7] [--cycles-3d 2]

The default package (4 x 4 fan-in WLCSP, 0.4 mm pitch, SAC305 with Anand, 1.0 mm FR-4 board,
JEDEC JESD22-A104 condition G) is solved by ``thermofatigue.run.solve`` with only the die
thickness or the board extent changed, on two model kinds:

* the 3D octant model (the default of ``thermofatigue run``; by the package's symmetry it gives
  the quarter model's answer at half the size), ``--cycles-3d`` cycles (2 by default, to fit the
  compute budget: the cycle-2 values and the change from cycle 1 are reported; the 3D energy is
  still falling between those cycles);
* the 2D diagonal slice in generalized plane strain (the screening mode), 3 cycles.

Tables (Markdown on stdout; progress on stderr):

1. against die thickness 0.1, 0.2, 0.305, 0.4, 0.55, 0.7 mm (``--quick``: 0.1, 0.305, 0.7), at
   the 3 x 3 mm board of the default package: the critical joint (shortest Darveaux life), its
   die-side and board-side interface-layer energy densities dW (MPa, volume averages over the
   Darveaux layers), which interface is critical, its Darveaux life and the relative change of
   the critical dW from the cycle before; for the slice also the slice / 3D ratio of the
   critical dW, taken at the same cycle (2) for both models;
2. against the modelled board extent (board size_x = size_y) at the 0.305 mm die: 3 and 6 mm for
   the 3D model, 3, 6, 12 and 24 mm for the slice (``--quick``: 3D 3 mm only; slice 3 and
   12 mm).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time

from thermofatigue.case import parse_case, read_toml
from thermofatigue.examples import example_path
from thermofatigue.run import solve

THICKNESSES = (0.1, 0.2, 0.305, 0.4, 0.55, 0.7)
QUICK_THICKNESSES = (0.1, 0.305, 0.7)
BOARDS_3D = (3.0, 6.0)
BOARDS_SLICE = (3.0, 6.0, 12.0, 24.0)
QUICK_BOARDS_3D = (3.0,)
QUICK_BOARDS_SLICE = (3.0, 12.0)
DEFAULT_DIE = 0.305
DEFAULT_BOARD = 3.0
CYCLES_SLICE = 3
SLICE = "slice"
SOLID = "3d"


def study_case(kind: str, die_thickness: float, board_size: float, cycles: int, directory: str):
    """The default case with the die thickness and the board extent changed; ``kind`` is
    ``"3d"`` (the octant model of the default package) or ``"slice"`` (2D diagonal slice,
    generalized plane strain)."""
    default = example_path("default")
    raw = read_toml(default)
    spec = read_toml(default.with_name("wlcsp_0p4.toml"))
    spec["die"]["thickness"] = die_thickness
    spec["board"]["size_x"] = board_size
    spec["board"]["size_y"] = board_size
    raw["model"]["geometry"] = spec
    if kind == SLICE:
        raw["model"]["geometry_kind"] = "slice2d"
        raw["model"]["kind"] = "generalized_plane_strain"
    raw["load"]["cycles"] = cycles
    raw["title"] = (f"die thickness study, {'2D slice' if kind == SLICE else '3D octant'} model: "
                    f"die {die_thickness} mm, board {board_size} x {board_size} mm")
    raw["output"] = {"directory": directory, "vtu": False, "plots": False}
    return parse_case(raw, source="docs/die_thickness_study.py", base_dir=default.parent)


def critical_row(result, cycle: int) -> dict:
    """The critical joint's row of the joint table at ``cycle`` plus its Darveaux life (the life
    table is at the last cycle run) and the change of its critical dW from the cycle before."""
    critical = result.critical
    joint = critical["joint"]
    rows = {row["joint"]: row for row in result.joints.cycle(cycle).rows()}
    before = {row["joint"]: row for row in result.joints.cycle(cycle - 1).rows()} if cycle > 1 else {}
    row = dict(rows[joint])
    previous = before.get(joint)
    row["change"] = (row["dW_interface"] / previous["dW_interface"] - 1.0) if previous else None
    row["N_darveaux"] = critical["N_darveaux"] if critical["cycle"] == cycle else None
    return row


def joint_stress_ranges(result, kind: str, joint: int, x: float, y: float, cycle: int) -> dict:
    """Ranges (max - min over ``cycle``, MPa) of the joint-averaged stress of ``joint`` in
    cylindrical components about the package centre: radial ``rr`` (along the slice), tangential
    ``tt`` (normal to the slice: the slice's out-of-plane stress), vertical ``zz`` and the
    radial-vertical shear ``rz``. 3D: sigma_rr = c^2 s_xx + s^2 s_yy + 2 c s s_xy,
    sigma_tt = s^2 s_xx + c^2 s_yy - 2 c s s_xy, sigma_rz = c s_xz + s s_yz with (c, s) the unit
    vector from the centre to the joint; slice (mesh x along the slice, y up, z out of plane):
    rr = s_xx, zz = s_yy, tt = s_zz, rz = s_xy."""
    table = result.hysteresis.joint(joint)
    table = table.select(table["cycle"] == cycle)
    if kind == SLICE:
        parts = {"rr": table["sxx"], "tt": table["szz"], "zz": table["syy"], "rz": table["sxy"]}
    else:
        norm = (x * x + y * y) ** 0.5
        c, s = x / norm, y / norm
        parts = {"rr": c * c * table["sxx"] + s * s * table["syy"] + 2 * c * s * table["sxy"],
                 "tt": s * s * table["sxx"] + c * c * table["syy"] - 2 * c * s * table["sxy"],
                 "zz": table["szz"], "rz": c * table["sxz"] + s * table["syz"]}
    return {f"range_{name}": float(values.max() - values.min()) for name, values in parts.items()}


def plain(value):
    """A JSON-safe copy of a table value (numpy scalars to Python numbers)."""
    return value.item() if hasattr(value, "item") else value


def run_point(kind: str, die_thickness: float, board_size: float, cycles: int, workdir: str,
              cache: dict):
    """Solve one point (or take it from ``cache``); returns (model info, {cycle: critical row})."""
    key = f"{kind} die={die_thickness} board={board_size} cycles={cycles}"
    if key in cache:
        point = cache[key]
        return point["model"], {int(cycle): row for cycle, row in point["rows"].items()}
    start = time.perf_counter()
    directory = os.path.join(workdir, f"{kind}_{die_thickness}_{board_size}")
    result = solve(study_case(kind, die_thickness, board_size, cycles, directory), keep_fields=False)
    rows = {cycle: {name: plain(value) for name, value in critical_row(result, cycle).items()}
            for cycle in range(1, cycles + 1)}
    last = rows[cycles]
    last.update(joint_stress_ranges(result, kind, last["joint"], last["x"], last["y"], cycles))
    model = {"label": result.model.label, "kind": result.model.kind,
             "elements": plain(result.model.elements), "unknowns": plain(result.model.unknowns)}
    seconds = time.perf_counter() - start
    cache[key] = {"model": model, "rows": rows, "seconds": seconds}
    last = rows[cycles]
    print(f"[{key}] {seconds:.0f} s: joint {last['joint']} "
          f"{last['interface']}; per cycle dW die/board side: "
          + ", ".join(f"{r['dW_die_layer']:.4g}/{r['dW_board_layer']:.4g}" for r in rows.values())
          + f" MPa; N_darveaux {last['N_darveaux']:.4g}", file=sys.stderr, flush=True)
    return model, rows


def fmt(value, spec: str = ".4f") -> str:
    return "n/a" if value is None else format(value, spec)


def pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:+.1f} %"


def joint_name(row: dict) -> str:
    return f"{row['joint']} (r{row['row']} c{row['column']}, DNP {row['dnp']:.3f})"


def thickness_table(points: dict, cycle: int, reference: dict | None = None) -> list[str]:
    """Rows of table 1 for one model kind at ``cycle``; ``reference``: the 3D rows for the ratio."""
    head = ("| die (mm) | critical joint | interface | dW die side (MPa) | dW board side (MPa) "
            "| N Darveaux | change from cycle before |")
    rule = "|---|---|---|---|---|---|---|"
    if reference is not None:
        head += " slice / 3D, cycle 2 |"
        rule += "---|"
    lines = [head, rule]
    for thickness, rows in points.items():
        row = rows[cycle]
        line = (f"| {thickness} | {joint_name(row)} | {row['interface']} | "
                f"{fmt(row['dW_die_layer'])} | {fmt(row['dW_board_layer'])} | "
                f"{fmt(row['N_darveaux'], '.3g')} | {pct(row['change'])} |")
        if reference is not None:
            solid = reference.get(thickness)
            ratio = (rows[2]["dW_interface"] / solid[2]["dW_interface"]) if solid and 2 in solid else None
            line += f" {fmt(ratio, '.2f')} |"
        lines.append(line)
    return lines


def board_table(points: dict, cycle: int) -> list[str]:
    lines = ["| board (mm) | critical joint | interface | dW critical (MPa) | dW die side (MPa) "
             "| dW board side (MPa) | relative to the 3 mm board |", "|---|---|---|---|---|---|---|"]
    first = next(iter(points.values()))[cycle]["dW_interface"]
    for board, rows in points.items():
        row = rows[cycle]
        lines.append(f"| {board:g} | {joint_name(row)} | {row['interface']} | "
                     f"{fmt(row['dW_interface'])} | {fmt(row['dW_die_layer'])} | "
                     f"{fmt(row['dW_board_layer'])} | {row['dW_interface'] / first:.3f} |")
    return lines


def load_cache(path) -> dict:
    if path is None or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def save_cache(path, cache: dict) -> None:
    if path is None:
        return
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(cache, handle, indent=1)
    os.replace(path + ".tmp", path)


def stress_table(points: dict) -> list[str]:
    """Ranges of the critical joint's joint-averaged stress in the last cycle, per model kind."""
    lines = ["| model | critical joint | tangential (slice out-of-plane) | radial | vertical "
             "| radial-vertical shear |", "|---|---|---|---|---|---|"]
    for name, (row, cycle) in points.items():
        if "range_tt" not in row:
            continue
        lines.append(f"| {name}, cycle {cycle} | {row['joint']} | {row['range_tt']:.1f} | "
                     f"{row['range_rr']:.1f} | {row['range_zz']:.1f} | {row['range_rz']:.1f} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer thicknesses and boards")
    parser.add_argument("--thickness-3d", type=float, nargs="+", default=None,
                        help="die thicknesses of the 3D model (default: those of the slice)")
    parser.add_argument("--cycles-3d", type=int, default=2)
    parser.add_argument("--cache", default=None,
                        help="JSON file of solved points: read if present, written after each point "
                        "(an interrupted study resumes; the tables then cover the solve times of "
                        "earlier runs too)")
    args = parser.parse_args(argv)
    if args.cycles_3d < 2:
        parser.error("--cycles-3d must be at least 2 (the cycle-2 values are compared)")
    thicknesses = QUICK_THICKNESSES if args.quick else THICKNESSES
    thicknesses_3d = tuple(args.thickness_3d) if args.thickness_3d else thicknesses
    boards_3d = QUICK_BOARDS_3D if args.quick else BOARDS_3D
    boards_slice = QUICK_BOARDS_SLICE if args.quick else BOARDS_SLICE
    cycles_3d = args.cycles_3d
    cache = load_cache(args.cache)
    started = time.perf_counter()
    labels, used = {}, set()
    slice_t, slice_b, solid_t, solid_b = {}, {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="die_thickness_study_") as workdir:
        def point(kind, thickness, board, cycles):
            model, rows = run_point(kind, thickness, board, cycles, workdir, cache)
            labels.setdefault(kind, []).append(model)
            used.add(f"{kind} die={thickness} board={board} cycles={cycles}")
            save_cache(args.cache, cache)
            return rows

        for thickness in thicknesses:
            slice_t[thickness] = point(SLICE, thickness, DEFAULT_BOARD, CYCLES_SLICE)
        for board in boards_slice:
            slice_b[board] = point(SLICE, DEFAULT_DIE, board, CYCLES_SLICE)
        # 3D: the ends and the default die first, then the board extent, then the rest, so that
        # an interrupted run (--cache) has the points that matter most
        ends = [t for t in thicknesses_3d if t in (min(thicknesses_3d), DEFAULT_DIE, max(thicknesses_3d))]
        for thickness in ends:
            solid_t[thickness] = point(SOLID, thickness, DEFAULT_BOARD, cycles_3d)
        for board in boards_3d:
            solid_b[board] = point(SOLID, DEFAULT_DIE, board, cycles_3d)
        for thickness in thicknesses_3d:
            if thickness not in solid_t:
                solid_t[thickness] = point(SOLID, thickness, DEFAULT_BOARD, cycles_3d)
    solid_t = dict(sorted(solid_t.items()))
    minutes = (time.perf_counter() - started) / 60.0
    solve_minutes = sum(cache[key]["seconds"] for key in used) / 60.0
    solid, screen = labels[SOLID][0], labels[SLICE][0]

    def sizes(kind):
        elements = sorted(m["elements"] for m in labels[kind])
        unknowns = sorted(m["unknowns"] for m in labels[kind])
        return (f"{elements[0]}-{elements[-1]} elements, {unknowns[0]}-{unknowns[-1]} unknowns "
                "over the points")
    out = [
        "<!-- written by docs/die_thickness_study.py"
        f"{' --quick' if args.quick else ''}; "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores (shared); "
        f"solve time of the points {solve_minutes:.1f} min, this run {minutes:.1f} min"
        f"{', resumed from ' + os.path.basename(args.cache) if args.cache else ''} -->",
        "",
        f"3D: {solid['label']} ({solid['kind']}, {sizes(SOLID)}), "
        f"{cycles_3d} cycles, values of cycle {cycles_3d}.",
        f"Slice: {screen['label']} ({sizes(SLICE)}), {CYCLES_SLICE} cycles, values of "
        f"cycle {CYCLES_SLICE}.",
        "Package: 4 x 4 WLCSP, 0.4 mm pitch, SAC305 (Anand), 1.0 mm FR-4 board, JEDEC G. "
        "dW: energy density per cycle averaged over the Darveaux interface layer (MPa).",
        "",
        f"### Die thickness, 3D octant model (cycle {cycles_3d}, board 3 x 3 mm)",
        "",
        *thickness_table(solid_t, cycles_3d),
        "",
        f"### Die thickness, 2D slice (cycle {CYCLES_SLICE}, board 3 mm)",
        "",
        *thickness_table(slice_t, CYCLES_SLICE, reference=solid_t),
        "",
        f"### Board extent, 3D octant model (die {DEFAULT_DIE} mm, cycle {cycles_3d})",
        "",
        *board_table(solid_b, cycles_3d),
        "",
        f"### Board extent, 2D slice (die {DEFAULT_DIE} mm, cycle {CYCLES_SLICE})",
        "",
        *board_table(slice_b, CYCLES_SLICE),
        "",
        f"### Stress ranges of the critical joint (die {DEFAULT_DIE} mm, board 3 mm; MPa, "
        "joint-averaged, max - min over the cycle)",
        "",
        *stress_table({"3D octant": (solid_b[DEFAULT_BOARD][cycles_3d], cycles_3d),
                       "2D slice": (slice_b[DEFAULT_BOARD][CYCLES_SLICE], CYCLES_SLICE)}),
    ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
