"""Compute this case's targets with CalculiX and write them into case.toml.

    python thermofatigue/validation/cases/calculix_thermoelastic_strip/make_targets.py

Needs ``ccx`` (Debian package ``calculix-ccx``, 2.20 here). For every kind of the case it
builds our model (``thermofatigue.validation.cross_solver.strip_model``), writes it for
CalculiX (``thermofatigue.validation.calculix.write_deck``: same nodes, CPE6/C3D10 elements,
materials, support), runs ``ccx``, reduces CalculiX's nodal displacements and
integration-point stresses with the same function as ours (``strip_quantities``), prints
both codes' numbers and their relative difference, and rewrites the ``[targets.*]`` tables
of case.toml (everything below the targets marker line) with the CalculiX numbers.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from thermofatigue.validation import calculix as cx
from thermofatigue.validation.cross_solver import (STRIP_QUANTITIES, solve_strip, strip_quantities,
                                                   warpage_rounding)
from thermofatigue.validation.runner import load_validation_case

HERE = Path(__file__).resolve().parent
MARKER = "# --- targets: written by make_targets.py"
#: relative tolerance of every target; README.md, "Tolerance" (the warpage adds the rounding
#: of the two displacements it is the difference of, see warpage_rounding)
TOLERANCE = 1e-6




def ccx_quantities(inputs, kind, divisions, workdir):
    """CalculiX's numbers, ours, and the largest nodal and stress differences."""
    model, boundary, ours, seconds = solve_strip(inputs, kind, divisions)
    deck = cx.write_deck(Path(workdir) / f"strip_{kind}.inp", model, boundary,
                         float(inputs["stress_free_temperature"]),
                         temperature=float(inputs["temperature"]))
    run = cx.run_ccx(deck)
    blocks = cx.read_dat(run.dat)
    pairing = cx.match_points(model, cx.blocks_named(blocks, "COORD")[0])
    u = cx.nodal_displacement(model, cx.blocks_named(blocks, "U")[0])
    stress = cx.to_voigt_stress(cx.ccx_to_quadrature(model, cx.blocks_named(blocks, "S")[0],
                                                     pairing))
    theirs = strip_quantities(model, u, stress)
    info = {"unknowns": model.disc.n_dofs, "ours_s": seconds, "ccx_s": run.seconds,
            "point_mismatch": float(pairing[2]), "warpage_rounding": warpage_rounding(model, u)}
    return theirs, ours, info


def main() -> int:
    if not cx.ccx_available():
        print("CalculiX (ccx) is not installed: nothing computed")
        return 1
    spec = load_validation_case(HERE.name, root=HERE.parent)
    inputs = spec["inputs"]
    lines = []
    with tempfile.TemporaryDirectory(prefix="ccx-strip-") as workdir:
        for kind in spec["levels"]["full"]["kinds"]:
            theirs, ours, info = ccx_quantities(inputs, kind, spec["mesh"][kind], workdir)
            print(f"{kind}: {info['unknowns']} unknowns, ours {info['ours_s']:.2f} s, "
                  f"ccx {info['ccx_s']:.2f} s, integration points paired within "
                  f"{info['point_mismatch']:.1e} of the element size")
            for name, (label, unit) in STRIP_QUANTITIES.items():
                a, b = ours[name], theirs[name]
                tolerance, why = TOLERANCE, "relative; README.md, \"Tolerance\""
                if name == "warpage":
                    tolerance = cx.rounded_up(TOLERANCE + info["warpage_rounding"])
                    why += f" (1e-6 + print rounding {info['warpage_rounding']:.2e})"
                print(f"  {name:18s} ours {a: .9e}  ccx {b: .9e}  rel. diff "
                      f"{abs(a - b) / abs(b):.2e}  tolerance {tolerance:g}")
                lines += [f"[targets.{kind}_{name}]",
                          f'quantity = "{label}, {kind.replace("_", " ")}"',
                          f'unit = "{unit}"', f"value = {b!r}   # CalculiX 2.20",
                          f"tolerance = {tolerance!r}   # {why}", ""]
    path = HERE / "case.toml"
    text = path.read_text(encoding="utf-8")
    head = text[: text.index(MARKER)]
    path.write_text(head + MARKER + " (CalculiX numbers); tolerance: README.md ---\n"
                    + "\n".join(lines), encoding="utf-8")
    print(f"wrote {len(lines) // 6} targets into {path}")
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=9)
    sys.exit(main())
