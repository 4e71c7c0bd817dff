"""The examples double as tests (the scikit-fem habit): run them, check what they expose."""

import importlib.util
import math
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_example_gives_the_life_table():
    ex = load("api_life_table")
    # the slice's critical joint is the corner joint of the diagonal (id 15 of the 4 x 4 array)
    assert ex.critical_joint == 15
    assert ex.energy_per_cycle > 0 and math.isfinite(ex.darveaux_life) and ex.darveaux_life > 0
    assert ex.lives_by_law["darveaux"] == ex.darveaux_life
    assert list(ex.table["joint"]) == sorted(ex.table["joint"],
                                             key=lambda j: ex.table.life("darveaux")[
                                                 list(ex.table["joint"]).index(j)])
