"""What produced a result: the software versions recorded in every summary."""

from __future__ import annotations

import platform

import numpy as np

from . import __version__


def software_versions() -> dict:
    """Versions of thermofatigue, Python and the numerical libraries a run used."""
    import meshio
    import pyamg
    import scipy
    import skfem

    return {"thermofatigue": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-fem": getattr(skfem, "__version__", "?"), "meshio": meshio.__version__,
            "pyamg": pyamg.__version__}
