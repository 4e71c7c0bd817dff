"""The Python API in a dozen lines: load a built-in case, solve it, read the answer, write it.

Runs the 2D slice example (screening mode, a few seconds) through two JEDEC G cycles; the same
calls run the 3D default (``example_path("default")``). ``tests/test_examples.py`` runs this
file and checks the numbers it exposes. Run it with ``python examples/api_life_table.py``.
"""

from pathlib import Path

import thermofatigue as tf

case = tf.load_case(tf.example_path("wlcsp_slice2d"),
                    overrides={"load": {"cycles": 2}, "output": {"vtu": False}}, builtin=True)
result = tf.solve(case)                    # a CyclingResult; nothing written yet

critical = result.critical                 # the row of the life table with the shortest life
critical_joint = critical["joint"]
darveaux_life = critical["N_darveaux"]     # cycles to failure, Darveaux (die or board side)
energy_per_cycle = critical["dW_interface"]  # MPa, at the failing interface layer
table = result.life                        # LifeTable: one row per joint, sorted by life
lives_by_law = {law: table.life(law)[0] for law in table.laws}

if __name__ == "__main__":
    print(tf.format_result(result))
    out = Path("api-example-results")
    tf.write_results(result, out, case=case)   # the same files `thermofatigue run` writes
    back = tf.load_result(out)
    print(f"read back from {out}: critical joint {back.critical['joint']}")
