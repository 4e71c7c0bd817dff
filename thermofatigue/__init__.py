"""thermofatigue: thermal-cycling fatigue of solder joints in wafer-level and flip-chip packages."""

import os

# The hot paths multiply many small dense matrices; OpenBLAS's thread pool costs more than it
# gives there (a 3558 x 130 mat-vec ran 25x slower threaded than single-threaded on a busy
# 2-core machine). Effective only if numpy is not imported yet; set the variable to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

#: The documented Python API (docs/api.md), imported on first use so that the command line
#: starts fast: name -> module.
_API = {
    "load_case": "case", "parse_case": "case", "Case": "case",
    "solve": "run", "run_case": "run",
    "example_path": "examples", "EXAMPLES": "examples",
    "write_results": "resultio", "load_result": "resultio",
    "format_result": "report",
    "estimate": "estimate",
    "CyclingResult": "results", "ThermoelasticResult": "results", "JointTable": "results",
    "LifeTable": "results", "HysteresisTable": "results", "WarpageTable": "results",
    "predict_life": "fatigue", "FatigueInputs": "fatigue", "LAWS": "fatigue",
}


def __getattr__(name):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    raise AttributeError(f"module 'thermofatigue' has no attribute {name!r}")


__all__ = sorted(_API) + ["__version__"]
