"""Compute this case's targets with CalculiX and write them into case.toml.

    python thermofatigue/validation/cases/calculix_norton_slice/make_targets.py

Needs ``ccx`` (Debian package ``calculix-ccx``, 2.20 here) and about two minutes. It meshes
the slice with our gmsh builder, builds our plane-strain model with Norton creep in the joints
(``thermofatigue.validation.cross_solver.slice_model``), runs ours at fixed increments
(``solve_slice_ours``) and CalculiX at the same increments on the same mesh
(``solve_slice_ccx``: ``*VISCO, DIRECT`` steps, ``*CREEP, LAW=NORTON``), reduces both with the
same per-joint averaging, prints both codes' numbers and their relative differences, and
rewrites the ``[targets.*]`` tables of case.toml (everything below the targets marker line)
with the CalculiX numbers and the mesh fingerprint.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from thermofatigue.validation import calculix as cx
from thermofatigue.validation.cross_solver import (SLICE_JOINT_QUANTITIES, fixed_increments,
                                                   slice_fingerprint, slice_model, slice_profile,
                                                   solve_slice_ccx, solve_slice_ours)
from thermofatigue.validation.runner import load_validation_case

HERE = Path(__file__).resolve().parent
MARKER = "# --- targets: written by make_targets.py"
#: relative tolerance of the joint quantities; README.md, "Tolerance"
TOLERANCE = 1e-6


def table(key, quantity, unit, value, tolerance, why, kind="relative") -> list[str]:
    return [f"[targets.{key}]", f'quantity = "{quantity}"', f'unit = "{unit}"',
            f"value = {value!r}", f"tolerance = {tolerance!r}   # {why}",
            f'tolerance_kind = "{kind}"', ""]


def level_targets(inputs, model, boundary, joints, profile, level, workdir) -> list[str]:
    """Both codes at the increments of one level; the target tables of its CalculiX numbers."""
    times = fixed_increments(profile, float(level["increment"]))
    tol = float(inputs["newton_tolerance"])
    ours, ours_s = solve_slice_ours(inputs, model, joints, profile, times, tol)
    theirs, ccx_s = solve_slice_ccx(model, boundary, joints, profile, times, workdir,
                                    newton_tolerance=tol)
    prefix, step = level["targets"], f"{float(level['increment']):g} s increments"
    print(f"slice, {step}: {model.disc.n_dofs} unknowns, {len(times)} increments; "
          f"ours {ours_s:.1f} s, ccx {ccx_s:.1f} s (wall, one thread each)")
    lines = []
    for i, joint in enumerate(joints):
        for name, (label, unit) in SLICE_JOINT_QUANTITIES.items():
            a, b = float(ours[name][i]), float(theirs[name][i])
            print(f"  joint {joint.id:3d} {name:18s} ours {a: .9e}  ccx {b: .9e}  rel. diff "
                  f"{abs(a - b) / abs(b):.2e}")
            lines += table(f"{prefix}_joint_{joint.id}_{name}",
                           f"joint {joint.id}: {label} ({step})", unit, b, TOLERANCE,
                           'relative; README.md, "Tolerance"')
    a, b = ours["warpage_cold"], theirs["warpage_cold"]
    rounding = theirs["warpage_rounding"]
    tolerance = cx.rounded_up(TOLERANCE + rounding)
    print(f"  warpage (cold)         ours {a: .9e}  ccx {b: .9e}  rel. diff "
          f"{abs(a - b) / abs(b):.2e}  (print rounding bound {rounding:.1e})")
    lines += table(f"{prefix}_warpage_cold", "die-top warpage w(centre) - w(die edge) at the "
                   f"end of the cold dwell of cycle 2 ({step})", "mm", b, tolerance,
                   f'relative; README.md, "Tolerance" (1e-6 + print rounding {rounding:.1e})')
    return lines


def main() -> int:
    if not cx.ccx_available():
        print("CalculiX (ccx) is not installed: nothing computed")
        return 1
    spec = load_validation_case(HERE.name, root=HERE.parent)
    inputs = spec["inputs"]
    profile = slice_profile(inputs)
    lines = []
    with tempfile.TemporaryDirectory(prefix="ccx-slice-") as workdir:
        model, boundary, joints = slice_model(inputs, workdir)
        fp = slice_fingerprint(model, joints)
        lines += table("mesh_elements", "elements of the slice mesh (gmsh)", "", fp["elements"],
                       0.5, "absolute: the same mesh", "absolute")
        lines += table("mesh_nodes", "P2 nodes of the slice mesh (gmsh)", "", fp["nodes"], 0.5,
                       "absolute: the same mesh", "absolute")
        for level in spec["levels"].values():
            lines += level_targets(inputs, model, boundary, joints, profile, level, workdir)
    path = HERE / "case.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(MARKER)] + MARKER
                    + " (CalculiX numbers); tolerance: README.md ---\n" + "\n".join(lines),
                    encoding="utf-8")
    print(f"wrote {len(lines) // 7} targets into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
