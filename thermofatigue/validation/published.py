"""Published board-level solder-fatigue studies rebuilt as cases (``type = "published_study"``).

A published study compares two designs of one package on a board (die thickness, board
thickness, ...) and reports how the solder-joint life or energy changes between them. The case
file holds the package **as published** (overrides of the packaged default geometry spec,
``thermofatigue/data/wlcsp_0p4.toml``: ``[inputs.geometry]`` for both designs,
``[inputs.variants.<name>]`` for what differs, optionally ``[inputs.materials]``, a full
``[materials]`` table of the case file) and the published numbers (``[published]``, with
where each was read). The case type

* at every level rebuilds the geometry spec of each design and reads back from the checked
  spec (:func:`thermofatigue.geometry.spec.load_spec`) the inputs the paper states (die edge,
  ball count, pitch, the varied dimension; or only which design is the thinner, when the paper
  gives no number): ``published_inputs`` targets, so the inputs run are the inputs published;
* at a level with ``geometry_kind`` solves each design with our solver (the packaged default
  case: SAC305 with Anand, JEDEC condition G, ``cycles`` cycles) and compares, side by side,
  the published quantity with ours for the last cycle run. Two comparisons:

  ``ratio``      ours = Q(numerator) / Q(denominator), with Q the critical joint's Darveaux
                 life (``quantity = "life"``) or its critical-interface inelastic work density
                 per cycle ``dW`` (``quantity = "dW"``, MPa, averaged over the Darveaux layer:
                 R. Darveaux, Proc. 50th ECTC, 2000, pp. 1048-1058); the target is the
                 published ratio, within the tolerance the case justifies from the paper;
  ``direction``  a paper that states only the sign of the change: ours = 1 if
                 Q(numerator) / Q(denominator) lies on the published side of 1 by more than
                 the case's ``resolution`` (the numerical error of our ratio: a change smaller
                 than that is no change), else 0; target 1 (the ratio itself is printed in the
                 quantity's name).

Pass or fail is decided by the registry from the case's tolerance; where ours differs beyond
it, the case README says by how much and why (never a wider tolerance).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from ..case import merge, parse_case, read_toml
from ..errors import InputError
from ..examples import example_path
from ..geometry.spec import load_spec
from .registry import Measurement, case_type

#: side of 1 on which the published ratio lies -> test on our ratio, beyond a resolution
DIRECTIONS = {"below_one": lambda r, resolution: r < 1.0 - resolution,
              "above_one": lambda r, resolution: r > 1.0 + resolution}
QUANTITIES = {"life": ("N_darveaux", "Darveaux life"),
              "dW": ("dW_interface", "critical-interface dW")}


def _inputs(spec: dict) -> dict:
    inputs = spec.get("inputs", {})
    variants = inputs.get("variants")
    if not isinstance(variants, dict) or len(variants) < 2:
        raise InputError(spec["path"], "inputs.variants", variants,
                         "two or more [inputs.variants.<name>] tables of geometry overrides")
    return inputs


def variant_geometry(spec: dict, name: str) -> dict:
    """The geometry spec (a dict) of design ``name``: the packaged default geometry with the
    case's ``[inputs.geometry]`` and then ``[inputs.variants.<name>]`` merged in."""
    inputs = _inputs(spec)
    if name not in inputs["variants"]:
        raise InputError(spec["path"], "inputs.compare", name,
                         f"one of the variants {sorted(inputs['variants'])}")
    default = example_path("default")
    geometry = read_toml(default.with_name("wlcsp_0p4.toml"))
    geometry = merge(geometry, inputs.get("geometry", {}))
    return merge(geometry, inputs["variants"][name])


def built_inputs(spec: dict, name: str) -> dict:
    """What the checked geometry spec of design ``name`` builds: die edge and thickness,
    ball count, pitch, board thickness (mm)."""
    package = load_spec(variant_geometry(spec, name), source=f"{spec['path']} ({name})")
    return {"die_size": package.die.size_x, "die_thickness": package.die.thickness,
            "balls": float(len(package.array.joints())), "pitch": package.array.pitch_x,
            "board_thickness": package.board.thickness}


def order_measurements(spec: dict) -> list[Measurement]:
    """Every ``[published.order]`` entry ``key = [smaller, larger]`` (a paper that names its
    designs "thin" and "thick" without numbers): 1 if our spec builds ``key`` of design
    ``smaller`` below that of ``larger``, else 0; target 1."""
    out = []
    for key, names in spec.get("published", {}).get("order", {}).items():
        if not (isinstance(names, list) and len(names) == 2):
            raise InputError(spec["path"], f"published.order.{key}", names,
                             "[smaller design, larger design]")
        low, high = (built_inputs(spec, name) for name in names)
        if key not in low:
            raise InputError(spec["path"], f"published.order.{key}", names,
                             f"a key among {sorted(low)}")
        out.append(Measurement(f"{key.replace('_', ' ')} of {names[0]} below {names[1]} as "
                               f"built ({low[key]:g} < {high[key]:g}; 1 = yes)",
                               float(low[key] < high[key]), 1.0, "published_inputs"))
    return out


def input_measurements(spec: dict) -> list[Measurement]:
    """Every ``[published.inputs.<variant>]`` value against what our spec builds, and every
    ``[published.order]`` relation (:func:`order_measurements`)."""
    published = spec.get("published", {}).get("inputs", {})
    out = order_measurements(spec)
    if not published and not out:
        raise InputError(spec["path"], "published.inputs", None,
                         "the package inputs the paper states, per variant")
    for name, values in published.items():
        built = built_inputs(spec, name)
        for key, value in values.items():
            if key not in built:
                raise InputError(spec["path"], f"published.inputs.{name}.{key}", value,
                                 f"one of {sorted(built)}")
            out.append(Measurement(f"{name}: {key.replace('_', ' ')} as built (published)",
                                   built[key], float(value), "published_inputs"))
    return out


def study_case(spec: dict, name: str, level: dict, outdir: str):
    """The packaged default case (SAC305 with Anand, JEDEC G, cooled from 217 C) with the
    geometry of design ``name``, the level's model kind and cycle count, and the case's
    ``[inputs.materials]`` (every region's material, as in a case file) if it gives one."""
    default = example_path("default")
    raw = read_toml(default)
    raw["model"]["geometry"] = variant_geometry(spec, name)
    kind = level["geometry_kind"]
    raw["model"]["geometry_kind"] = kind
    if kind == "slice2d":
        raw["model"]["kind"] = "generalized_plane_strain"
    if "materials" in spec["inputs"]:                     # a full [materials] table
        raw["materials"] = copy.deepcopy(spec["inputs"]["materials"])
    raw["load"]["cycles"] = int(level["cycles"])
    raw["title"] = f"{spec['name']}: {name}"
    raw["output"] = {"directory": outdir, "vtu": False, "plots": False}
    return parse_case(raw, source=f"{spec['path']} ({name})", base_dir=Path(default).parent)


def solve_variant(spec: dict, name: str, level: dict) -> dict:
    """Critical joint, interface, ``dW_interface`` (MPa) and ``N_darveaux`` of the last cycle
    of design ``name`` solved at ``level``."""
    from ..run import solve
    with tempfile.TemporaryDirectory() as outdir:
        critical = solve(study_case(spec, name, level, outdir), keep_fields=False).critical
    return {"joint": int(critical["joint"]), "interface": str(critical["interface"]),
            "dW_interface": float(critical["dW_interface"]),
            "N_darveaux": float(critical["N_darveaux"])}


def comparison(spec: dict, rows: dict) -> Measurement:
    """The published quantity against ours (see the module docstring)."""
    path = spec["path"]
    compare = _inputs(spec).get("compare", {})
    published = spec.get("published", {})
    quantity = compare.get("quantity")
    if quantity not in QUANTITIES:
        raise InputError(path, "inputs.compare.quantity", quantity, f"one of {list(QUANTITIES)}")
    column, label = QUANTITIES[quantity]
    top, bottom = compare.get("numerator"), compare.get("denominator")
    ratio = rows[top][column] / rows[bottom][column]
    name = f"{label} {top} / {bottom}"
    if compare.get("kind") == "ratio":
        return Measurement(f"{name} (ours {ratio:.4g})", ratio, float(published["ratio"]),
                           "published_ratio")
    if compare.get("kind") == "direction":
        side = published.get("direction")
        if side not in DIRECTIONS:
            raise InputError(path, "published.direction", side, f"one of {list(DIRECTIONS)}")
        resolution = compare.get("resolution")
        if not isinstance(resolution, (int, float)) or not 0 <= resolution < 1:
            raise InputError(path, "inputs.compare.resolution", resolution,
                             "the numerical resolution of our ratio, 0 <= resolution < 1")
        return Measurement(f"{name} {side.replace('_', ' ')} by more than {resolution:g}? "
                           f"(ours {ratio:.4g}; 1 = yes)",
                           float(DIRECTIONS[side](ratio, resolution)), 1.0,
                           "published_direction")
    raise InputError(path, "inputs.compare.kind", compare.get("kind"),
                     "'ratio' or 'direction'")


@case_type("published_study")
def published_study_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """The inputs as published at every level; with ``level.geometry_kind`` also both designs
    solved and the published comparison."""
    out = input_measurements(spec)
    if "geometry_kind" not in level:
        return out
    compare = _inputs(spec).get("compare", {})
    rows = {}
    for name in (compare.get("numerator"), compare.get("denominator")):
        variant_geometry(spec, name)                      # unknown names refused before solving
    for name in (compare["numerator"], compare["denominator"]):
        rows[name] = solve_variant(spec, name, level)
        if progress:
            r = rows[name]
            progress(f"  {name}: joint {r['joint']} {r['interface']}, dW "
                     f"{r['dW_interface']:.5f} MPa, N_darveaux {r['N_darveaux']:.4g}")
    out.append(comparison(spec, rows))
    return out
