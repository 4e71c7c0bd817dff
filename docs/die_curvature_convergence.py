"""Mesh convergence of the die curvature of a 3D quarter WLCSP model under a uniform cool-down.

    python docs/die_curvature_convergence.py [--quick] [--fine] [--factors 2 1.41 1] [--keep DIR]

A 6 x 6, 0.4 mm-pitch fan-in WLCSP (the spec of benchmarks/meshing.py: passivation, two
dielectrics, RDL, ball 0.26 mm; die 0.3 mm thick on a 1.0 mm FR-4 board) is meshed as the 3D
quarter model at successively finer meshes: ``mesh.size``, ``mesh.joint_size`` and
``mesh.corner_joint_size`` are all the spec defaults (0.5 x pitch, ball / 5, ball / 8) times a
common factor (full study: 2, 1.41, 1, 0.71, ratio sqrt(2); ``--quick``: the last three;
``--fine`` adds 0.5, which needs ~12 GB of memory). Each mesh gets the default region materials
and symmetry conditions (thermofatigue.geometry.regions) and is solved thermo-elastically for a uniform cool-down from the stress-free 125 C to 25 C
(quadratic tetrahedra, linear solver "auto").

Per level it reports: elements, unknowns, the die-top curvature kappa_x, kappa_y (least-squares
quadratic fit of the vertical displacement of every node of the die top face,
thermofatigue.postprocess.top_surface_curvature; positive = concave up; and an area-weighted fit,
see area_weighted_curvature), the die warpage
(peak-to-peak of w over that face), the change from the previous level, and the corner joint's
volume-averaged von Mises stress over ``joint_<corner>*`` (the critical joint of the mesh
metadata) together with its maximum (a quadrature-point value, which does not converge at the
pad-edge stress singularities). From the last three levels: the observed order of
convergence p, the Richardson-extrapolated value and the grid convergence index (GCI, safety
factor 1.25, Roache) of the finest level, with h = the size factor.

The mesh files go to a temporary directory (``--keep DIR`` keeps them).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from thermofatigue.case import read_toml  # noqa: E402

# the benchmarks' 6 x 6 WLCSP with a 0.3 mm die on a 1.0 mm board
SPEC = dict(read_toml(Path(__file__).resolve().parent.parent / "benchmarks" / "wlcsp_6x6_0p4.toml"),
            die={"thickness": 0.3}, board={"thickness": 1.0})
STRESS_FREE_TEMPERATURE = 125.0
TEMPERATURE = 25.0
FULL_FACTORS = (2.0, math.sqrt(2.0), 1.0, 1.0 / math.sqrt(2.0))
#: the three finest levels: the fewest that give an observed order, and fine enough that the
#: last two agree within 2 % (the coarsest pair does not, see docs/geometry.md)
QUICK_FACTORS = FULL_FACTORS[1:]
#: one more level for --fine: ~0.8 M unknowns, ~12 GB peak memory, ~5 min on 2 cores
FINE_FACTOR = 0.5


def level_spec(factor: float) -> dict:
    """The study spec with every mesh size = the spec default times ``factor``."""
    from thermofatigue.geometry import load_spec

    base = load_spec(SPEC, source="docs/die_curvature_convergence.py").mesh
    spec = dict(SPEC)
    spec["mesh"] = {"size": base.size * factor, "joint_size": base.joint_size * factor,
                    "corner_joint_size": base.corner_joint_size * factor}
    return spec


def corner_joint_regions(tagged, metadata: dict) -> tuple[int, list[str]]:
    """Id of the critical (corner) joint and the names of its regions ``joint_<id>*``."""
    critical = [j for j in metadata["joints"] if j["critical"]]
    if len(critical) != 1:
        raise RuntimeError(f"expected one critical joint, found {[j['id'] for j in critical]}")
    cid = critical[0]["id"]
    names = sorted(n for n in tagged.regions if n == f"joint_{cid}" or n.startswith(f"joint_{cid}_"))
    return cid, names


def area_weighted_curvature(model, u: np.ndarray, region: str = "die") -> dict:
    """Curvature of the top face of ``region`` from an area-weighted quadratic fit.

    The L2 projection of the vertical displacement ``w`` (the finite-element field, integrated
    over the top face with a Gauss rule) onto ``a + b x + c y + kappa_x x^2 / 2 +
    kappa_y y^2 / 2 + kappa_xy x y``. Unlike the node fit of
    :func:`thermofatigue.postprocess.top_surface_curvature`, every part of the face counts by its
    area, not by how many nodes the mesh put there (the mesh is finer above the corner joint),
    so it is a functional of the displacement field alone and converges with it.
    """
    import skfem

    disc = model.disc
    mesh = disc.mesh
    elements = model.tagged.regions[region]
    z = disc.node_coordinates[np.unique(disc.scalar_basis.element_dofs[:, elements]), 2]
    top, thickness = z.max(), z.max() - z.min()
    on_top = np.all(np.abs(mesh.p[2, mesh.facets] - top) <= 1e-6 * thickness, axis=0)
    facets = np.nonzero(on_top)[0]
    facets = facets[np.isin(mesh.f2t[0, facets], elements)]
    basis = skfem.FacetBasis(mesh, disc.scalar_basis.elem, facets=facets, intorder=6)
    w = np.asarray(basis.interpolate(disc.nodal_values(u)[:, 2])).ravel()
    X = np.asarray(basis.global_coordinates())
    x, y = X[0].ravel(), X[1].ravel()
    dA = np.asarray(basis.dx).ravel()
    A = np.column_stack([np.ones_like(x), x, y, 0.5 * x ** 2, 0.5 * y ** 2, x * y])
    coef = np.linalg.solve(A.T @ (A * dA[:, None]), A.T @ (w * dA))
    return {"kappa_x": float(coef[3]), "kappa_y": float(coef[4]), "kappa_xy": float(coef[5]),
            "area": float(dA.sum())}


def solve_level(factor: float, folder: str, order: int = 2, linear: str = "auto") -> dict:
    """Mesh, solve and post-process one refinement level."""
    from thermofatigue.fem.newton import EquilibriumSolver
    from thermofatigue.geometry import build_mesh
    from thermofatigue.geometry.regions import default_boundary, default_materials
    from thermofatigue.materials import constitutive_model, get_material
    from thermofatigue.mesh import read_mesh
    from thermofatigue.model import Model
    from thermofatigue.postprocess import top_surface_curvature, von_mises

    t0 = time.perf_counter()
    path = os.path.join(folder, f"quarter_f{factor:.4f}.msh")
    built = build_mesh(level_spec(factor), kind="quarter", order=order, path=path, verbose=False,
                       source="docs/die_curvature_convergence.py")
    t_mesh = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # meshio's gmsh reader prints a blank line
        tagged = read_mesh(built.path)
    materials = {pattern: constitutive_model(get_material(name), "elastic",
                                             STRESS_FREE_TEMPERATURE, "3d")
                 for pattern, name in default_materials(tagged.regions).items()}
    model = Model(tagged, "3d", materials, default_boundary(tagged.boundaries), order=order)
    solver = EquilibriumSolver(model, linear=linear, tolerance=1e-8)
    t_model = time.perf_counter()
    step = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, STRESS_FREE_TEMPERATURE,
                                  TEMPERATURE, 0.0)
    if not step.converged:
        raise RuntimeError(f"factor {factor}: the solve did not converge")
    u = model.constraints.remove_rigid_motion(step.u)
    t_solve = time.perf_counter()

    curvature = top_surface_curvature(model, u, "die")
    area_fit = area_weighted_curvature(model, u, "die")
    T_q = model.temperature_at_quadrature(TEMPERATURE)
    fields = solver.group_fields(u, T_q, {}, model.initial_state())
    vm = np.zeros((model.disc.n_elements, model.disc.n_quadrature))
    for g in model.groups:
        vm[g.elements] = von_mises(fields[g.pattern]["stress"])
    cid, names = corner_joint_regions(tagged, built.metadata)
    elements = np.concatenate([tagged.regions[n] for n in names])
    w = model.disc.weights[elements]
    quality = built.metadata["mesh_quality"]
    return {
        "factor": factor,
        "sizes": {k: built.metadata["mesh_size"][k] for k in ("size", "joint_size", "corner_joint_size")},
        "elements": int(model.disc.n_elements),
        "unknowns": int(model.disc.n_dofs),
        "kappa_x": curvature["kappa_x"], "kappa_y": curvature["kappa_y"],
        "kappa": 0.5 * (curvature["kappa_x"] + curvature["kappa_y"]),
        "kappa_xy": curvature["kappa_xy"], "warpage": curvature["warpage"],
        "kappa_area": 0.5 * (area_fit["kappa_x"] + area_fit["kappa_y"]),
        "kappa_area_x": area_fit["kappa_x"], "kappa_area_y": area_fit["kappa_y"],
        "top_area": area_fit["area"],
        "top_nodes": curvature["nodes"],
        "corner_joint": cid, "corner_joint_regions": names,
        "corner_joint_volume": float(w.sum()),
        "corner_vm_mean": float(np.sum(vm[elements] * w) / np.sum(w)),
        "corner_vm_max": float(vm[elements].max()),
        "min_quality": quality["min_quality"], "worst_region": quality["worst_element"]["region"],
        "straightened": quality.get("straightened_elements", 0),
        "linear_solver": type(solver.linear).__name__,
        "time": {"mesh": t_mesh - t0, "model": t_model - t_mesh, "solve": t_solve - t_model},
    }


def observed_order(h, phi) -> dict:
    """Observed order, Richardson extrapolation and fine-grid GCI from three levels.

    ``h`` and ``phi`` are ordered coarse -> fine. Procedure of Celik et al. (2008, J. Fluids
    Eng. 130, 078001), which allows a non-constant refinement ratio, except that the order is
    not made positive by an absolute value: changes that do not shrink give no order.
    ``p`` is None when the two changes have opposite signs (oscillatory) or do not shrink.
    """
    h3, h2, h1 = h
    phi3, phi2, phi1 = phi
    d32, d21 = phi2 - phi3, phi1 - phi2  # changes coarse -> fine
    r21, r32 = h2 / h1, h3 / h2
    out = {"changes": (d32, d21), "p": None, "extrapolated": None, "gci": None}
    if d21 * d32 <= 0:
        out["verdict"] = "oscillatory"
        return out
    if abs(d21) >= abs(d32):
        out["verdict"] = "not converging (changes do not shrink)"
        return out
    p = math.log(d32 / d21) / math.log(r21)
    for _ in range(200):  # fixed point for a non-constant ratio (exact at once if r21 = r32)
        p_new = (math.log(d32 / d21) + math.log((r21 ** p - 1.0) / (r32 ** p - 1.0))) / math.log(r21)
        if abs(p_new - p) < 1e-12:
            break
        p = p_new
    extrapolated = (r21 ** p * phi1 - phi2) / (r21 ** p - 1.0)
    out.update(p=p, extrapolated=extrapolated, gci=1.25 * abs(d21 / phi1) / (r21 ** p - 1.0),
               verdict="monotone convergence")
    return out


def analyse(levels: list[dict]) -> dict:
    """Changes between levels and, from the last three, order / extrapolation / GCI."""
    out = {"relative_change": {}, "richardson": {}}
    for key in ("kappa", "kappa_area", "warpage", "corner_vm_mean", "corner_vm_max"):
        values = [lv[key] for lv in levels]
        out["relative_change"][key] = [None] + [(b - a) / abs(b) for a, b in zip(values, values[1:])]
        if len(levels) >= 3:
            out["richardson"][key] = observed_order([lv["factor"] for lv in levels[-3:]], values[-3:])
    return out


def _pct(x):
    return "" if x is None else f"{100 * x:+.2f} %"


def format_report(levels: list[dict], analysis: dict) -> str:
    lines = []
    rc = analysis["relative_change"]
    lines.append("| factor | size / joint / corner joint (mm) | elements | unknowns | kappa_x (1/m) "
                 "| kappa_y (1/m) | change | area-weighted kappa (1/m) | change | warpage (um) | change |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, lv in enumerate(levels):
        s = lv["sizes"]
        lines.append(
            f"| {lv['factor']:.3f} | {s['size']:.3f} / {s['joint_size']:.4f} / {s['corner_joint_size']:.4f} "
            f"| {lv['elements']} | {lv['unknowns']} | {1e3 * lv['kappa_x']:.4f} | {1e3 * lv['kappa_y']:.4f} "
            f"| {_pct(rc['kappa'][i])} | {1e3 * lv['kappa_area']:.4f} | {_pct(rc['kappa_area'][i])} "
            f"| {1e3 * lv['warpage']:.4f} | {_pct(rc['warpage'][i])} |")
    lines.append("")
    lines.append(f"| factor | corner joint {levels[0]['corner_joint']}: mean von Mises (MPa) | change "
                 "| max von Mises (MPa) | change | min quality (worst region) | linear solver "
                 "| time mesh / model / solve (s) |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, lv in enumerate(levels):
        t = lv["time"]
        lines.append(
            f"| {lv['factor']:.3f} | {lv['corner_vm_mean']:.3f} | {_pct(rc['corner_vm_mean'][i])} "
            f"| {lv['corner_vm_max']:.1f} | {_pct(rc['corner_vm_max'][i])} "
            f"| {lv['min_quality']:.3g} ({lv['worst_region']}) | {lv['linear_solver']} "
            f"| {t['mesh']:.1f} / {t['model']:.1f} / {t['solve']:.1f} |")
    if analysis["richardson"]:
        lines.append("")
        f = [lv["factor"] for lv in levels[-3:]]
        lines.append(f"From the last three levels (factors {', '.join(f'{x:.3f}' for x in f)}; h = factor):")
        lines.append("")
        lines.append("| quantity | finest | changes (coarse->fine) | observed order p "
                     "| Richardson extrapolation | GCI of finest |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        scale = {"kappa": (1e3, "1/m"), "kappa_area": (1e3, "1/m"), "warpage": (1e3, "um"),
                 "corner_vm_mean": (1.0, "MPa"), "corner_vm_max": (1.0, "MPa")}
        label = {"kappa": "kappa, node fit (kappa_x + kappa_y) / 2",
                 "kappa_area": "kappa, area-weighted fit", "warpage": "die warpage",
                 "corner_vm_mean": "corner joint mean von Mises",
                 "corner_vm_max": "corner joint max von Mises"}
        for key, r in analysis["richardson"].items():
            k, unit = scale[key]
            finest = levels[-1][key] * k
            ch = ", ".join(f"{k * c:+.4g}" for c in r["changes"])
            if r["p"] is None:
                lines.append(f"| {label.get(key, key)} ({unit}) | {finest:.4f} | {ch} | none: {r['verdict']} | - | - |")
            else:
                lines.append(f"| {label.get(key, key)} ({unit}) | {finest:.4f} | {ch} | {r['p']:.2f} "
                             f"| {k * r['extrapolated']:.4f} | {100 * r['gci']:.2f} % |")
    return "\n".join(lines)


def machine_note() -> str:
    import gmsh
    import scipy

    try:
        load = os.getloadavg()[0]
        load_s = f", load average {load:.1f} at start (shared machine)"
    except OSError:
        load_s = ""
    return (f"{datetime.date.today().isoformat()}, {platform.machine()} {platform.system()}, "
            f"{os.cpu_count()} CPUs{load_s}; Python {platform.python_version()}, gmsh {gmsh.__version__}, "
            f"SciPy {scipy.__version__}")


def run_study(factors, order: int = 2, linear: str = "auto", keep: str | None = None,
              progress=print) -> tuple[list[dict], dict]:
    """Solve every level (coarse to fine); returns (levels, analysis)."""
    factors = sorted(factors, reverse=True)
    levels = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or tmp
        os.makedirs(folder, exist_ok=True)
        for factor in factors:
            lv = solve_level(factor, folder, order=order, linear=linear)
            t = lv["time"]
            progress(f"factor {factor:.3f}: {lv['elements']} elements, {lv['unknowns']} unknowns, "
                     f"kappa_x {1e3 * lv['kappa_x']:.4f} kappa_y {1e3 * lv['kappa_y']:.4f} "
                     f"(area-weighted {1e3 * lv['kappa_area']:.4f}) 1/m, "
                     f"warpage {1e3 * lv['warpage']:.4f} um, corner joint {lv['corner_joint']} mean "
                     f"von Mises {lv['corner_vm_mean']:.3f} MPa (max {lv['corner_vm_max']:.1f}); "
                     f"{lv['linear_solver']}, mesh {t['mesh']:.1f} s, model {t['model']:.1f} s, "
                     f"solve {t['solve']:.1f} s")
            levels.append(lv)
    return levels, analyse(levels)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"levels {', '.join(f'{f:.3f}' for f in QUICK_FACTORS)} only")
    parser.add_argument("--fine", action="store_true",
                        help=f"add the level {FINE_FACTOR:g} (~0.8 M unknowns, ~12 GB of memory)")
    parser.add_argument("--factors", type=float, nargs="+", help="size factors (override)")
    parser.add_argument("--order", type=int, default=2, choices=(1, 2))
    parser.add_argument("--linear", default="auto", choices=("auto", "direct", "amg"))
    parser.add_argument("--keep", metavar="DIR", help="keep the meshes in DIR")
    args = parser.parse_args(argv)
    factors = list(args.factors or (QUICK_FACTORS if args.quick else FULL_FACTORS))
    if args.fine:
        factors.append(FINE_FACTOR)
    print(__doc__.splitlines()[0])
    print(f"6 x 6 WLCSP, pitch 0.4 mm, ball 0.26 mm, die 0.3 mm on 1.0 mm FR-4, quarter model, "
          f"order {args.order}; uniform {STRESS_FREE_TEMPERATURE:g} C -> {TEMPERATURE:g} C")
    print(machine_note())
    start = time.perf_counter()
    levels, analysis = run_study(factors, order=args.order, linear=args.linear, keep=args.keep)
    print()
    print(format_report(levels, analysis))
    print()
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
