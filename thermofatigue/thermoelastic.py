"""Thermo-elastic mismatch stress at a uniform temperature, from the stress-free state.

``solve_thermoelastic(case)`` returns a :class:`~thermofatigue.results.ThermoelasticResult`
(von Mises statistics per region, die-top curvature and warpage, the fields for ParaView); it
writes no results.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from .case import Case
from .casemodel import build_model
from .fem.newton import EquilibriumSolver
from .io import element_average, voigt_to_paraview, vtu_cells
from .postprocess import region_statistics, top_surface_curvature, von_mises
from .provenance import software_versions
from .results import FieldSeries, FieldSnapshot, ModelInfo, ThermoelasticResult


def solve_thermoelastic(case: Case, progress=None, workdir: Path | None = None,
                        keep_fields: bool = True) -> ThermoelasticResult:
    say = progress.message if progress else (lambda msg: None)
    t0 = time.perf_counter()
    workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="tf-mesh-"))
    say(f"reading the model ({case.mesh or 'geometry spec'})")
    model = build_model(case, mesh_directory=workdir)
    mesh_files = tuple(sorted(str(p) for p in workdir.glob("*") if p.is_file())) \
        if case.mesh is None else ()
    t_model = time.perf_counter()
    say(f"model: {model.disc.n_elements} elements, {model.disc.n_dofs} unknowns "
        f"({model.kind}, order {model.disc.order})")
    solver = EquilibriumSolver(model, linear=case.solver["linear"],
                               tolerance=case.solver.get("tolerance", 1e-8))
    step = solver.solve_increment(np.zeros(model.disc.n_dofs), {},
                                  case.stress_free_temperature, case.temperature, 0.0)
    u = model.constraints.remove_rigid_motion(step.u)
    t_solve = time.perf_counter()
    say(f"solved with {type(solver.linear).__name__} in {t_solve - t_model:.2f} s")

    disc = model.disc
    T_q = model.temperature_at_quadrature(case.temperature)
    fields = solver.group_fields(u, T_q, {})
    stress = np.zeros((disc.n_elements, disc.n_quadrature, 6))
    strain = np.zeros_like(stress)
    thermal = np.zeros_like(stress)
    for g in model.groups:
        stress[g.elements] = fields[g.pattern]["stress"]
        strain[g.elements] = fields[g.pattern]["strain"]
        if hasattr(g.model, "thermal_strain_vector"):
            thermal[g.elements] = g.model.thermal_strain_vector(T_q[g.elements])
    vm = von_mises(stress)
    series = None
    if keep_fields:
        _, region_of = model.region_ids()
        cell = {"region": region_of.astype(np.int32),
                "stress": voigt_to_paraview(element_average(disc, stress)),
                "strain": voigt_to_paraview(element_average(disc, strain), strain=True),
                "thermal_strain": voigt_to_paraview(element_average(disc, thermal), strain=True),
                "von_mises": element_average(disc, vm)}
        cells = vtu_cells(disc)
        series = FieldSeries(*cells, [FieldSnapshot(0, 0.0, {"u": disc.nodal_values(u)}, cell)])
    info = ModelInfo(kind=model.kind, geometry_kind=case.geometry_kind or "mesh",
                     label=f"{model.kind} thermo-elastic model", order=disc.order,
                     elements=int(disc.n_elements), unknowns=int(disc.n_dofs), joints=0,
                     nonlinear={}, solder=None,
                     mesh=str(case.mesh) if case.mesh else "geometry spec")
    return ThermoelasticResult(
        title=case.title, case_source=case.source, model=info,
        load={"stress_free_temperature": case.stress_free_temperature,
              "temperature": case.temperature},
        solver={"linear": type(solver.linear).__name__, "newton_iterations": step.iterations,
                "residuals": [float(r) for r in step.residuals]},
        max_displacement=float(np.abs(disc.nodal_values(u)).max()),
        von_mises=region_statistics(model, vm),
        die_top_curvature=top_surface_curvature(model, u, "die")
        if "die" in model.tagged.regions else None,
        timing={"model": t_model - t0, "solve": t_solve - t_model},
        versions=software_versions(), fields=series, mesh_files=mesh_files)
