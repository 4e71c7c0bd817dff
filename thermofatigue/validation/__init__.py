"""Reference cases: run a model, compare with a target from an analytical solution or
published data, within a stated tolerance.

Each case is a folder ``cases/<name>/`` shipped inside this package, with ``case.toml``
(inputs, quick and full levels, targets with tolerances, source) and a README (what is checked,
why that tolerance). Its ``type`` names a case type registered with :func:`case_type`; one
module per family of case types:

* :mod:`.bimetal`            Timoshenko bimetal curvature, Stoney thin-film limit
* :mod:`.free_expansion`     free thermal expansion (3D, plane strain, generalized plane
                             strain, axisymmetry)
* :mod:`.thermal_strain`     silicon's temperature-dependent CTE over a cycle
* :mod:`.anand_closed_form`  Anand saturation stress and transient
* :mod:`.steady_creep`       Norton and Garofalo creep rate under constant stress
* :mod:`.plasticity`         J2 plasticity with linear hardening, uniaxial
* :mod:`.interface_shear`    shear-lag interfacial shear stress of a bonded strip
* :mod:`.fatigue_laws`       fatigue laws against their sources' worked examples
* :mod:`.answer_convergence`  the 2D slice's critical ΔW and life under joint mesh refinement
* :mod:`.cross_solver`       the same model solved by CalculiX (thermo-elastic strip, Norton
                             slice); :mod:`.calculix` writes, runs and reads CalculiX
* :mod:`.published`          published board-level studies rebuilt (comparisons between
                             designs; a target ours does not reproduce is marked
                             ``discrepancy`` with its reason)

:func:`run_validation` runs cases and returns :class:`ValidationOutcome` rows (it prints
nothing); :func:`format_table` and :func:`write_report` present them.
"""

from __future__ import annotations

from . import anand_closed_form, bimetal, free_expansion, plasticity, steady_creep  # noqa: F401
from . import interface_shear, thermal_strain  # noqa: F401
from . import fatigue_laws  # noqa: F401
from . import answer_convergence  # noqa: F401
from . import cross_solver  # noqa: F401  (CalculiX cross-solver cases)
from . import published  # noqa: F401
from .bimetal import BimetalResult, bilayer_mesh, run_bimetal, timoshenko_curvature
from .registry import CASE_TYPES, Measurement, ValidationOutcome, case_type
from .report import (format_markdown, format_table, prepare_report_directory, summary_line,
                     write_report)
from .runner import case_names, cases_root, load_validation_case, run_case, run_validation

__all__ = ["BimetalResult", "CASE_TYPES", "Measurement", "ValidationOutcome", "bilayer_mesh",
           "case_names", "case_type", "cases_root", "format_markdown", "format_table",
           "load_validation_case", "prepare_report_directory", "run_bimetal", "run_case",
           "run_validation", "summary_line", "timoshenko_curvature", "write_report"]
