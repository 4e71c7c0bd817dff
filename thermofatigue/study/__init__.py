"""Design studies: one base case, a parameter space, many runs on Dask, resumable.

``thermofatigue study STUDY.toml`` (docs/studies.md). The pieces:

* :mod:`.spec`: the study file, checked; its expansion into design points keyed by a hash of
  the resolved case;
* :mod:`.execute`: one point = one run in one process (:func:`.execute.run_point`), on a Dask
  cluster or serially;
* :mod:`.store`: the study directory (a folder and an atomic record per point; resumable);
* :mod:`.table` and :mod:`.figures`: ``study.csv``, ``study.json``, the best design, the
  sensitivity ranking and the figures; :mod:`.surface`: the response surface and its optimum;
* :mod:`.driver`: :func:`run_study`, all of it; :mod:`.command`: the CLI.

Names are imported on first use, so that registering the command costs no import of numpy.
"""

from importlib import import_module

_NAMES = {"add_study_parser": "command", "cmd_study": "command", "StudyOutcome": "driver",
          "run_study": "driver", "optimise_study": "driver", "Study": "spec", "expand": "spec",
          "load_study": "spec", "parse_study": "spec", "point_key": "spec"}

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name in _NAMES:
        return getattr(import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
