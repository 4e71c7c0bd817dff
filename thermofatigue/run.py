"""Solve a case, and run it: solve, then write its results directory.

``solve(case)`` returns a typed result (:mod:`thermofatigue.results`) and writes nothing but
gmsh's mesh in a working directory; ``run_case(case)`` is what ``thermofatigue run`` does: it
checks the output location before any work, owns the results directory for the run
(:class:`~thermofatigue.resultdir.ResultDirectory`: locked, written as a whole, marked
``COMPLETE`` last or ``INCOMPLETE`` with the reason), solves and writes.
"""

from __future__ import annotations

from pathlib import Path

from .case import Case
from .cycling import solve_cycling
from .preflight import preflight
from .resultdir import ResultDirectory
from .resultio import write_result
from .thermoelastic import solve_thermoelastic

ANALYSES = {"thermoelastic": solve_thermoelastic, "cycling": solve_cycling}


def solve(case: Case, progress=None, workdir: Path | None = None, **options):
    """Solve a checked case; returns a :class:`~thermofatigue.results.CyclingResult` or
    :class:`~thermofatigue.results.ThermoelasticResult`. Writes no results."""
    return ANALYSES[case.analysis](case, progress=progress, workdir=workdir, **options)


def run_case(case: Case, progress=None, plots: bool | None = None, force: bool = False):
    """Check everything that can refuse the case before any work (:func:`~thermofatigue.
    preflight.preflight`: output location, region and boundary names, materials, bounds on
    counts, durations and model size, which ``force`` or the case's ``force = true`` lets
    pass with a warning), then solve it and write its results directory; returns the result."""
    for line in preflight(case, force=force or case.force):
        if progress is not None:
            progress.message(f"warning: {line}")
    with ResultDirectory(case.output_directory, source=case.source) as rd:
        options = {"state_directory": rd.staging / "state",
                   "state_shown_as": rd.path / "state"} if case.analysis == "cycling" else {}
        result = solve(case, progress=progress, workdir=rd.staging / "mesh", **options)
        write_result(result, rd.staging, case=case,
                     plots=case.write_plots if plots is None else plots)
        rd.commit()
    return result


__all__ = ["ANALYSES", "run_case", "solve"]
