"""Convergence of the answer against the mesh at the joints (2D diagonal slice).

The critical joint's die-layer inelastic work density per cycle ``dW`` (Darveaux's averaging
volume; R. Darveaux, "Effect of simulation methodology on solder joint crack growth
correlation", Proc. 50th ECTC, 2000, pp. 1048-1058) and its Darveaux life, computed at a
sequence of joint mesh sizes (``joint_size`` and ``corner_joint_size`` of the geometry's
``[mesh]``, coarse to fine). A converged discretisation shows

    the same critical joint and interface at every level, and
    |dW(h_fine) - dW(h_prev)| / dW(h_prev)  below the tolerance of the case,

the relative change between the two finest levels being the usual estimate of the error left
at the coarser of them (Roache, Verification and Validation in Computational Science and
Engineering, Hermosa 1998, ch. 5). The target of both changes is zero, within the absolute
tolerance the case file justifies from the measured sequence (docs/convergence.md).
"""

from __future__ import annotations

import tempfile

from ..case import parse_case, read_toml
from ..errors import InputError
from ..examples import example_path
from .registry import Measurement, case_type


def slice_case(example: str, joint_size: float, corner_joint_size: float, cycles: int,
               solver: dict, outdir: str):
    """The packaged example ``example`` with its geometry's joint mesh sizes replaced (mm),
    ``cycles`` cycles and the time-step controls ``solver``."""
    path = example_path(example)
    raw = read_toml(path)
    geometry = path.parent / raw["model"]["geometry"]
    spec = read_toml(geometry)
    spec["mesh"].update(joint_size=joint_size, corner_joint_size=corner_joint_size)
    raw["model"]["geometry"] = spec
    raw["load"]["cycles"] = cycles
    raw["solver"] = dict(solver)
    raw["output"] = {"directory": outdir, "vtu": False, "plots": False}
    return parse_case(raw, source=str(path), base_dir=geometry.parent)


def critical_at(example, joint_size, corner_joint_size, cycles, solver) -> dict:
    """Critical joint, interface, ``dW_interface`` (MPa) and Darveaux life of the last cycle."""
    from ..run import solve
    with tempfile.TemporaryDirectory() as outdir:
        case = slice_case(example, joint_size, corner_joint_size, cycles, solver, outdir)
        critical = solve(case, keep_fields=False).critical
    return {"joint": int(critical["joint"]), "interface": str(critical["interface"]),
            "dW": float(critical["dW_interface"]), "N": float(critical["N_darveaux"])}


@case_type("answer_convergence")
def answer_convergence_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Solve the example at every joint mesh size of ``level.joint_sizes`` (coarse to fine):
    the number of levels whose critical joint or interface differs from the finest level's,
    and the relative change of ``dW`` and of the Darveaux life between the two finest."""
    inputs = spec["inputs"]
    sizes = level["joint_sizes"]
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(s, list) and len(s) == 2 for s in sizes)):
        raise InputError(spec["path"], "levels.joint_sizes", sizes,
                         "two or more [joint_size, corner_joint_size] pairs (mm), coarse to fine")
    rows = []
    for joint_size, corner in sizes:
        rows.append(critical_at(inputs["example"], float(joint_size), float(corner),
                                int(inputs["cycles"]), inputs["solver"]))
        if progress:
            r = rows[-1]
            progress(f"  joint_size {joint_size:g}/{corner:g} mm: joint {r['joint']} "
                     f"{r['interface']}, dW {r['dW']:.6f} MPa, N {r['N']:.1f}")
    finest, previous = rows[-1], rows[-2]
    moved = sum((r["joint"], r["interface"]) != (finest["joint"], finest["interface"])
                for r in rows)
    pair = f"{sizes[-2][0]:g} -> {sizes[-1][0]:g} mm"
    return [Measurement(f"levels whose critical joint/interface differ from the finest "
                        f"(joint {finest['joint']}, {finest['interface']})", moved, 0.0,
                        "critical_joint"),
            Measurement(f"relative change of critical dW, joint size {pair}",
                        (finest["dW"] - previous["dW"]) / previous["dW"], 0.0, "dW_change"),
            Measurement(f"relative change of Darveaux life, joint size {pair}",
                        (finest["N"] - previous["N"]) / previous["N"], 0.0, "life_change")]
