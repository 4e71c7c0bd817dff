"""Design studies: one base case, a parameter space, many runs on Dask, resumable.

``thermofatigue study STUDY.toml`` (docs/studies.md). The pieces:

* :mod:`.spec`: the study file, checked; its expansion into design points keyed by a hash of
  the resolved case;
* :mod:`.execute`: one point = one run in one process (:func:`.execute.run_point`), on a Dask
  cluster or serially;
* :mod:`.store`: the study directory (a folder and an atomic record per point; resumable);
* :mod:`.table` and :mod:`.figures`: ``study.csv``, ``study.json``, the best design, the
  sensitivity ranking and the figures;
* :mod:`.driver`: :func:`run_study`, all of it; :mod:`.command`: the CLI.
"""

from .command import add_study_parser, cmd_study
from .driver import StudyOutcome, run_study
from .spec import Study, expand, load_study, parse_study, point_key

__all__ = ["Study", "StudyOutcome", "add_study_parser", "cmd_study", "expand", "load_study",
           "parse_study", "point_key", "run_study"]
