"""Run a case: build the model, solve, write the results.

``run_case(case)`` is what ``thermofatigue run`` does. Everything about the case has been
checked by :mod:`thermofatigue.case` before this module does any work; what it writes goes
through the atomic writers of :mod:`thermofatigue.io`, ``summary.json`` last, so a results
directory with a ``summary.json`` is complete.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np

from . import __version__
from .case import Case
from .errors import InputError
from .fem.newton import EquilibriumSolver
from .io import element_average, voigt_to_paraview, write_csv, write_json, write_vtu
from .materials import constitutive_model, default_model, get_material
from .mesh import TaggedMesh, check_mesh, read_mesh
from .model import Model
from .postprocess import region_statistics, top_surface_curvature, von_mises


def load_mesh(case: Case) -> TaggedMesh:
    """The case's mesh: read from file, or built from its geometry spec with gmsh (written to
    ``<output>/mesh/`` with its joint metadata)."""
    if case.mesh is not None:
        tagged = read_mesh(case.mesh, region_names=case.region_names)
    else:
        from .geometry import build_mesh, load_spec

        spec = load_spec(case.geometry, source=str(case.geometry)
                         if isinstance(case.geometry, Path) else f"{case.source} [model.geometry]")
        target = Path(case.output_directory) / "mesh" / f"{spec.name}_{case.geometry_kind}.msh"
        built = build_mesh(spec, kind=case.geometry_kind, path=str(target), verbose=False)
        tagged = read_mesh(built.path)
    check_mesh(tagged, required_regions=[m.pattern for m in case.materials],
               required_boundaries=list(case.boundary or {}), field_prefix="")
    return tagged


def resolved_materials_and_boundary(case: Case, tagged: TaggedMesh):
    """The case's [materials] and [boundary], or the geometry builders' defaults."""
    from .case import MaterialEntry
    from .geometry.regions import default_boundary, default_materials

    entries = case.materials or [MaterialEntry(p, name, None)
                                 for p, name in default_materials(tagged.regions).items()]
    boundary = case.boundary if case.boundary is not None else \
        default_boundary(tagged.boundaries)
    return entries, boundary


def build_model(case: Case, tagged: TaggedMesh | None = None) -> Model:
    """Mesh, materials (constitutive models per region) and boundary conditions of a case."""
    tagged = tagged or load_mesh(case)
    transient = case.analysis == "cycling"
    entries, boundary = resolved_materials_and_boundary(case, tagged)
    materials = {}
    for entry in entries:
        field = f"materials.{entry.pattern}"
        material = get_material(entry.spec, source=case.source, field=field,
                                name=entry.spec if isinstance(entry.spec, str) else entry.pattern)
        model_name = entry.model or default_model(material, transient)
        if not transient and model_name != "elastic":
            model_name = "elastic"  # a thermo-elastic case uses the elastic part of every model
        materials[entry.pattern] = constitutive_model(material, model_name,
                                                      case.stress_free_temperature, case.kind,
                                                      source=case.source, field=field)
    return Model(tagged, case.kind, materials, boundary, order=case.order, source=case.source)


def software_versions() -> dict:
    import meshio
    import pyamg
    import scipy
    import skfem

    return {"thermofatigue": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-fem": getattr(skfem, "__version__", "?"), "meshio": meshio.__version__,
            "pyamg": pyamg.__version__}


def run_case(case: Case, progress=None) -> dict:
    """Run a checked case and write its results; returns the summary."""
    if case.analysis == "thermoelastic":
        return run_thermoelastic(case, progress)
    from .cycling import run_cycling

    return run_cycling(case, progress)


def run_thermoelastic(case: Case, progress=None) -> dict:
    """Thermo-elastic mismatch stress at a uniform temperature, from the stress-free state."""
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    say(f"reading the model ({case.mesh or 'geometry spec'})")
    model = build_model(case)
    t_model = time.perf_counter()
    say(f"model: {model.disc.n_elements} elements, {model.disc.n_dofs} unknowns "
        f"({model.kind}, order {model.disc.order})")
    solver = EquilibriumSolver(model, linear=case.solver["linear"],
                               tolerance=case.solver.get("tolerance", 1e-8))
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {},
                                    case.stress_free_temperature, case.temperature, 0.0)
    u = model.constraints.remove_rigid_motion(result.u)
    t_solve = time.perf_counter()
    say(f"solved with {type(solver.linear).__name__} in {t_solve - t_model:.2f} s")

    T_q = model.temperature_at_quadrature(case.temperature)
    fields = solver.group_fields(u, T_q, {})
    nq = model.disc.n_quadrature
    stress = np.zeros((model.disc.n_elements, nq, 6))
    strain = np.zeros_like(stress)
    thermal = np.zeros_like(stress)
    for g in model.groups:
        stress[g.elements] = fields[g.pattern]["stress"]
        strain[g.elements] = fields[g.pattern]["strain"]
        thermal[g.elements] = g.model.thermal_strain_vector(T_q[g.elements]) \
            if hasattr(g.model, "thermal_strain_vector") else 0.0
    vm = von_mises(stress)

    summary = {
        "case": case.source, "title": case.title, "analysis": "thermoelastic",
        "model": {"kind": model.kind, "order": model.disc.order,
                  "elements": model.disc.n_elements, "unknowns": model.disc.n_dofs,
                  "regions": len(model.tagged.regions),
                  "mesh": str(case.mesh) if case.mesh else "geometry spec"},
        "load": {"stress_free_temperature": case.stress_free_temperature,
                 "temperature": case.temperature},
        "solver": {"linear": type(solver.linear).__name__, "newton_iterations": result.iterations,
                   "residuals": result.residuals},
        "results": {"max_displacement": float(np.abs(model.disc.nodal_values(u)).max()),
                    "von_mises": region_statistics(model, vm)},
        "timing_s": {"model": t_model - t0, "solve": t_solve - t_model},
        "versions": software_versions(),
    }
    if "die" in model.tagged.regions:
        summary["results"]["die_top_curvature"] = top_surface_curvature(model, u, "die")
    write_results(case, model, u, {"stress": stress, "strain": strain, "thermal_strain": thermal,
                                   "von_mises": vm}, summary)
    say(f"results in {case.output_directory}")
    return summary


def write_results(case: Case, model: Model, u: np.ndarray, q_fields: dict, summary: dict,
                  name: str = "result") -> None:
    """VTU (if asked), per-region CSV, the resolved case and ``summary.json`` (last)."""
    out = Path(case.output_directory)
    out.mkdir(parents=True, exist_ok=True)
    disc = model.disc
    wanted = set(case.output_fields)
    if case.write_vtu:
        names, region_of = model.region_ids()
        cell = {"region": region_of.astype(np.int32)}
        for key, values in q_fields.items():
            if key not in wanted:
                continue
            avg = element_average(disc, values)
            cell[key] = voigt_to_paraview(avg, strain=key != "stress") if avg.ndim == 2 \
                and avg.shape[1] == 6 else avg
        point = {"u": disc.nodal_values(u)} if "u" in wanted else {}
        write_vtu(out / f"{name}.vtu", disc, point, cell)
        summary.setdefault("files", {})["vtu"] = f"{name}.vtu"
        summary["files"]["region_ids"] = {i: n for i, n in enumerate(names)}
    stats = summary["results"].get("von_mises", {})
    write_csv(out / "regions.csv", ["region", "von_mises_mean_MPa", "von_mises_max_MPa"],
              [[k, v["mean"], v["max"]] for k, v in stats.items()])
    write_json(out / "case.json", _jsonable_case(case))
    write_json(out / "summary.json", summary)


def _jsonable_case(case: Case) -> dict:
    """The resolved case (paths absolute, defaults filled) for the results directory."""
    return {"source": case.source, "title": case.title, "kind": case.kind,
            "mesh": str(case.mesh) if case.mesh else None,
            "geometry": str(case.geometry) if isinstance(case.geometry, Path) else case.geometry,
            "order": case.order,
            "materials": {m.pattern: {"spec": m.spec, "model": m.model} for m in case.materials},
            "boundary": case.boundary, "analysis": case.analysis,
            "temperature": case.temperature,
            "stress_free_temperature": case.stress_free_temperature,
            "profile": case.profile, "solver": case.solver,
            "output": {"directory": str(case.output_directory), "vtu": case.write_vtu,
                       "fields": list(case.output_fields)}}


__all__ = ["build_model", "load_mesh", "run_case", "run_thermoelastic", "write_results",
           "InputError"]
