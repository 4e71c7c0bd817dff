"""Identical runs give the same numbers within a documented bound (docs/architecture.md,
"Determinism"): the reused factorizations of the linear solver are refreshed by a rent-or-buy
rule on measured times, so the Newton iterates, and with them the joint energies, may differ
between identical runs within the Newton tolerance's effect on the energies."""

import numpy as np

from thermofatigue.case import load_case
from thermofatigue.examples import example_path
from thermofatigue.run import solve

#: documented bound on the relative difference of any joint energy between identical runs
#: (measured: up to 7e-5 on the 2D slice, 3e-4 on lives of the 3D octant; the default Newton
#: tolerance moves the critical energy by 2e-4 to 1.4e-3, see thermofatigue/cycling.py)
IDENTICAL_RUN_BOUND = 1e-3


def test_identical_runs_agree_within_the_documented_bound():
    results = []
    for _ in range(2):
        case = load_case(example_path("wlcsp_slice2d"),
                         overrides={"load": {"cycles": 2}, "output": {"vtu": False}},
                         builtin=True)
        results.append(solve(case, keep_fields=False))
    a, b = (r.joints for r in results)
    assert list(a["joint"]) == list(b["joint"]) and list(a["interface"]) == list(b["interface"])
    for column in ("dW_joint", "dW_die_layer", "dW_board_layer", "d_eps_in"):
        difference = np.abs(a[column] - b[column]) / np.abs(a[column])
        assert difference.max() <= IDENTICAL_RUN_BOUND, column
    assert results[0].critical["joint"] == results[1].critical["joint"]
