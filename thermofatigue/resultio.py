"""Write a result to its results directory, and read it back.

A results directory of a temperature-cycling run holds

========================  ====================================================================
``summary.json``          model kind, settings, versions, solver statistics per cycle,
                          stabilisation, the critical joint and its life by each law, warpage
``joints.csv``            :class:`~thermofatigue.results.JointTable`: per joint and cycle
``life.csv``              :class:`~thermofatigue.results.LifeTable`: per joint, sorted by life
``life_extrapolated.csv`` the same from the extrapolated stabilised energies (if not stabilised)
``hysteresis.csv``        :class:`~thermofatigue.results.HysteresisTable`: per joint and increment
``warpage.csv``           :class:`~thermofatigue.results.WarpageTable`: die top and board top at
                          the hot and cold extremes of each cycle
``fields.pvd``            ParaView time series of ``fields/cycle_<k>.vtu``
``figures/*.png``         hysteresis, life map, energy per cycle, warpage
``mesh/``                 the mesh built from the geometry spec, with its joint metadata
``case.json``             the resolved case
``COMPLETE``              written last by :class:`~thermofatigue.resultdir.ResultDirectory`
========================  ====================================================================

The directory is written as a whole into a staging directory and exchanged with the old one
(:mod:`thermofatigue.resultdir`): old files never mix with new, and an interrupted run is
marked ``INCOMPLETE``. :func:`load_result` reads the tables and the summary back into a
:class:`~thermofatigue.results.CyclingResult` (without the field snapshots).
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError
from .io import atomic_path, copy_file, write_json, write_vtu_arrays
from .results import (CycleStats, CyclingResult, HysteresisTable, JointTable, LifeTable,
                      ModelInfo, Stabilisation, WarpageTable)

TABLES = {"joints.csv": "joints", "hysteresis.csv": "hysteresis", "warpage.csv": "warpage",
          "life.csv": "life", "life_extrapolated.csv": "life_extrapolated"}


def write_result(result, directory, case=None, plots: bool = True) -> list[Path]:
    """Write every file of ``result`` into ``directory`` (which must exist; the run's staging
    directory). Returns the files written."""
    out = Path(directory)
    written = []
    for source in result.mesh_files:
        target = out / "mesh" / Path(source).name
        if Path(source).resolve() != target.resolve():  # not built in place
            copy_file(source, target)
        written.append(target)
    written += sorted((out / "state").glob("*.npz"))
    if result.fields is not None:
        written += _write_fields(result, out, case)
    if result.analysis == "cycling":
        for name, attr in TABLES.items():
            table = getattr(result, attr)
            if table is not None:
                table.to_csv(out / name)
                written.append(out / name)
        if plots:
            from .plots import write_figures

            written += write_figures(result, out / "figures")
    if case is not None:
        written.append(write_json(out / "case.json", case_record(case)))
    summary = result.to_summary()
    summary["files"] = sorted(str(p.relative_to(out)) for p in written)
    written.append(write_json(out / "summary.json", summary))
    return written


def write_results(result, directory, case=None, plots: bool = True) -> Path:
    """Write ``result`` as a complete results directory (replacing an older one as a whole,
    marked ``COMPLETE`` last; see :mod:`thermofatigue.resultdir`). Returns its path."""
    from .resultdir import ResultDirectory

    with ResultDirectory(directory) as rd:
        write_result(result, rd.staging, case=case, plots=plots)
        return rd.commit()


def _write_fields(result, out: Path, case) -> list[Path]:
    wanted = set(case.output_fields) if case is not None else None
    if case is not None and not case.write_vtu:
        return []
    written, entries = [], []
    single = len(result.fields.snapshots) == 1 and result.analysis == "thermoelastic"
    for snap in result.fields.snapshots:
        cell = {k: v for k, v in snap.cell_data.items()
                if k == "region" or wanted is None or k in wanted}
        point = {k: v for k, v in snap.point_data.items() if wanted is None or k in wanted}
        name = "result.vtu" if single else f"fields/cycle_{snap.cycle}.vtu"
        written.append(write_vtu_arrays(out / name, result.fields.cells, point, cell))
        entries.append((snap.time, name))
    if not single:
        pvd = ['<?xml version="1.0"?>', '<VTKFile type="Collection" version="0.1">',
               "  <Collection>"]
        pvd += [f'    <DataSet timestep="{t:.6g}" file="{name}"/>' for t, name in entries]
        pvd += ["  </Collection>", "</VTKFile>", ""]
        with atomic_path(out / "fields.pvd") as tmp:
            tmp.write_text("\n".join(pvd))
        written.append(out / "fields.pvd")
    return written


def case_record(case) -> dict:
    """The resolved case (paths absolute, defaults filled) for the results directory."""
    from dataclasses import asdict

    return {"source": case.source, "title": case.title, "kind": case.kind,
            "mesh": str(case.mesh) if case.mesh else None,
            "geometry": str(case.geometry) if isinstance(case.geometry, Path) else case.geometry,
            "geometry_kind": case.geometry_kind, "order": case.order,
            "materials": {m.pattern: {"spec": m.spec, "model": m.model} for m in case.materials},
            "boundary": case.boundary, "analysis": case.analysis,
            "temperature": case.temperature,
            "stress_free_temperature": case.stress_free_temperature,
            "profile": case.profile, "solver": case.solver,
            "fatigue": asdict(case.fatigue) if case.fatigue is not None else None,
            "output": {"directory": str(case.output_directory), "vtu": case.write_vtu,
                       "fields": list(case.output_fields), "plots": case.write_plots}}


def load_result(directory) -> CyclingResult:
    """Read a complete results directory of a cycling run (the field snapshots stay in the
    VTU files). An incomplete or foreign directory is refused with one clear line."""
    from .resultdir import check_complete

    out = Path(directory)
    check_complete(out)
    summary_path = out / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(summary_path, "summary", summary_path.name,
                         f"a readable thermofatigue summary ({exc})") from None
    if summary.get("analysis") != "cycling":
        raise InputError(summary_path, "analysis", summary.get("analysis"),
                         "a temperature-cycling result")
    tables = {}
    for name, attr in TABLES.items():
        path = out / name
        if not path.is_file():
            tables[attr] = None
            continue
        cls = {"joints": JointTable, "hysteresis": HysteresisTable, "warpage": WarpageTable}.get(
            attr, LifeTable)
        tables[attr] = cls.from_csv(path)
    stab = summary["stabilisation"]
    return CyclingResult(
        title=summary["title"], case_source=summary["case"], model=ModelInfo(**summary["model"]),
        profile=summary["load"]["profile"],
        cycles=tuple(CycleStats(**c) for c in summary["cycles"]),
        joints=tables["joints"], hysteresis=tables["hysteresis"], warpage=tables["warpage"],
        stabilisation=Stabilisation(**stab), life=tables["life"],
        life_extrapolated=tables["life_extrapolated"], primary_law=summary["primary_law"],
        fatigue=summary["fatigue_constants"], field_life=summary["field_life"],
        warnings=tuple(summary["warnings"]),
        estimate=summary["estimate"], timing=summary["timing_s"],
        versions=summary["versions"], settings=summary["solver"], fields=None, mesh_files=())
