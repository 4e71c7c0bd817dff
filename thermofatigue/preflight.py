"""Checks a run makes before any work: names, bounds, the output location.

* :func:`check_names`: every ``[materials]`` entry owns a region and every region has a
  material, every ``[boundary]`` name exists; the regions and boundaries come from
  :func:`~thermofatigue.geometry.expected.expected_regions` (before gmsh) or from a read mesh.
  Errors name the case file, the field and the closest valid name.
* :func:`check_bounds`: counts, durations and sizes that are legal but absurd (a billion
  cycles, a dwell of years, a micrometre-fine mesh, a model of tens of millions of elements)
  are refused unless the user forces them; forced, they come back as warning lines.
* :func:`preflight`: all of the above plus
  :func:`~thermofatigue.resultdir.check_output_location`, in the order a user fixes them.
"""

from __future__ import annotations

import difflib
import math
import re
from fnmatch import fnmatchcase
from pathlib import Path

from .errors import InputError

#: Soft bounds, overridable with ``force``: (limit, unit, why).
MAX_CYCLES = 100            # stabilisation takes 3-10 cycles; 100 is hours of solving
#: Hard bound, not overridable: a temperature profile holds every cycle's corners in memory.
HARD_MAX_CYCLES = 100_000
MAX_SEGMENT_S = 86_400.0    # one day per dwell or ramp (field cycles are daily at most)
MIN_MESH_SIZE_MM = 1e-3     # 1 um: the thinnest layer of a package (passivation)
MAX_ELEMENTS = 2_000_000
MAX_MEMORY_BYTES = 16e9

_FORCE_HINT = "to run it anyway: --force, or force = true in the case"


# ----------------------------------------------------------------------------------------------
# names
# ----------------------------------------------------------------------------------------------
def check_names(case, regions, boundaries) -> None:
    """Raise :class:`InputError` naming ``case.source`` for a ``[materials]`` or ``[boundary]``
    name the model will not have, or a region no material covers.

    Ownership as :func:`thermofatigue.model.material_groups` resolves it: an exact name first,
    else the first pattern (glob) that matches; each entry must own at least one region.
    Without ``[materials]`` / ``[boundary]`` the builders' defaults are checked the same way.
    """
    from .geometry.regions import default_materials

    regions, boundaries = set(regions), set(boundaries)
    patterns = [m.pattern for m in case.materials] or list(default_materials(regions))
    owner = {}
    for region in sorted(regions):
        match = region if region in patterns else \
            next((p for p in patterns if fnmatchcase(region, p)), None)
        if match is not None:
            owner[region] = match
    owned = set(owner.values())
    for pattern in patterns:  # a typo first: it is also why a region has no material
        if pattern not in owned:
            shadow = sorted(r for r in regions if fnmatchcase(r, pattern))
            expected = (f"a region of the model (those it matches are taken by earlier "
                        f"entries: {', '.join(shadow[:4])})" if shadow else
                        f"a region of the model or a pattern matching one"
                        f"{_closest(pattern, _region_names(regions))}")
            raise InputError(case.source, f"materials.{pattern}", pattern, expected)
    for region in sorted(regions):
        if region not in owner:
            raise InputError(case.source, "materials", region,
                             f"a [materials] entry for every region of the model (none "
                             f"matches region '{region}')")
    for name in (case.boundary or {}):
        if name not in boundaries:
            raise InputError(case.source, f"boundary.{name}", name,
                             f"a boundary of the model{_closest(name, sorted(boundaries))}")


def _region_names(regions) -> list[str]:
    """The regions and their numbered families as patterns (``joint_3`` -> ``joint_*``)."""
    families = {re.sub(r"_\d+", "_*", r) for r in regions}
    return sorted(set(regions) | families)


def _closest(name: str, valid: list[str]) -> str:
    near = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    shown = ", ".join(valid[:12]) + (", ..." if len(valid) > 12 else "")
    hint = f" (closest: '{near[0]}'" if near else " ("
    return f"{hint}{'; ' if near else ''}valid: {shown or 'none'})"


# ----------------------------------------------------------------------------------------------
# bounds
# ----------------------------------------------------------------------------------------------
def check_bounds(case_or_values, force: bool = False) -> list[str]:
    """Refuse absurd counts, durations, sizes and model sizes; return what ``force`` let pass.

    ``case_or_values``: a :class:`~thermofatigue.case.Case`, or a mapping with any of
    ``source``, ``cycles``, ``durations`` ({field: (value, seconds)}), ``spec`` (a geometry spec),
    ``kind`` (its model kind), ``order``, ``elements`` (a known element count, e.g. of a read
    mesh), ``dim``. Bounds: at most :data:`MAX_CYCLES` cycles, :data:`MAX_SEGMENT_S` s per dwell
    or ramp, mesh sizes of at least :data:`MIN_MESH_SIZE_MM` mm, at most
    :data:`MAX_ELEMENTS` elements (estimated from the spec before meshing) and
    :data:`MAX_MEMORY_BYTES` of estimated memory. Without ``force`` the first bound exceeded is
    an :class:`InputError`; with it, every one comes back as a warning line.
    """
    values = _values_from_case(case_or_values) if not isinstance(case_or_values, dict) \
        else dict(case_or_values)
    warnings = []
    for error in _bound_errors(values):
        if not force or "even when forced" in error.expected:
            raise error
        warnings.append(f"forced: {error}")
    return warnings


def _bound_errors(v):
    source = v.get("source", "<case>")
    cycles = v.get("cycles")
    if cycles is not None:
        field, n = cycles if isinstance(cycles, tuple) else ("load.cycles", cycles)
        error = cycles_error(n, source, field)
        if error is not None:
            yield error
    for field, (value, seconds) in (v.get("durations") or {}).items():
        if seconds > MAX_SEGMENT_S:
            yield InputError(source, field, value, f"dwells and ramps of at most "
                             f"{MAX_SEGMENT_S:g} s (one day; this one lasts {seconds:.3g} s; "
                             f"{_FORCE_HINT})")
    spec = v.get("spec")
    if spec is not None:
        m = spec.mesh
        for field, size in (("mesh.size", m.size), ("mesh.joint_size", m.joint_size),
                            ("mesh.corner_joint_size", m.corner_joint_size)):
            if size < MIN_MESH_SIZE_MM:
                yield InputError(spec.source, field, size, f"a mesh size of at least "
                                 f"{MIN_MESH_SIZE_MM:g} mm ({_FORCE_HINT})")
                return  # the estimate below would take long for such sizes
        from .geometry.estimate import estimate_elements, minimum_elements

        kind = v.get("kind") or m.kind
        n = minimum_elements(spec, kind)   # huge arrays: refused without the integral
        n = n if n > MAX_ELEMENTS else estimate_elements(spec, kind)
        v = {**v, "elements": n, "dim": 2 if kind == "slice2d" else 3,
             "order": v.get("order") or m.order, "size_source": (spec.source, "mesh.size",
                                                                 m.size)}
    if v.get("elements") is not None:
        yield from _size_errors(v)


def _size_errors(v):
    from .geometry.estimate import estimate_memory

    n = int(v["elements"])
    memory = estimate_memory(n, v.get("dim", 3), v.get("order", 2))
    source, field, value = v.get("size_source", (v.get("source", "<case>"), "mesh", n))
    about = f"about {n:.3g} elements, {memory / 1e9:.3g} GB"
    if n > MAX_ELEMENTS:
        yield InputError(source, field, value, f"a model of at most {MAX_ELEMENTS:.3g} "
                         f"elements ({about}; coarsen the mesh or use a symmetric model kind; "
                         f"{_FORCE_HINT})")
    elif memory > MAX_MEMORY_BYTES:
        yield InputError(source, field, value, f"a model needing at most "
                         f"{MAX_MEMORY_BYTES / 1e9:.3g} GB ({about}; coarsen the mesh or use "
                         f"a symmetric model kind; {_FORCE_HINT})")


def cycles_error(n, source, field="load.cycles") -> InputError | None:
    """The refusal of a cycle count above :data:`MAX_CYCLES` (None if it is within)."""
    if not isinstance(n, (int, float)) or isinstance(n, bool) or n <= MAX_CYCLES:
        return None
    if n > HARD_MAX_CYCLES:
        return InputError(source, field, n, f"at most {HARD_MAX_CYCLES} cycles even when "
                          f"forced (the profile keeps every cycle in memory)")
    return InputError(source, field, n, f"at most {MAX_CYCLES} cycles (a run of more takes "
                      f"days; the energy per cycle stabilises within 3-10; {_FORCE_HINT})")


def check_cycles(n, source, field="load.cycles", force: bool = False) -> list[str]:
    """:func:`check_bounds` for the cycle count alone, to call before a profile of ``n``
    cycles is built (its arrays grow with ``n``: a billion cycles exhaust the memory)."""
    error = cycles_error(n, source, field)
    if error is None:
        return []
    if not force or n > HARD_MAX_CYCLES:
        raise error
    return [f"forced: {error}"]


def _values_from_case(case) -> dict:
    """Cycles, dwell and ramp durations, spec and kind of a checked case."""
    v = {"source": case.source}
    load = case.profile
    if load:
        field, cycles = "load.cycles", load.get("cycles")
        if isinstance(cycles, str):  # "auto": its maximum is what can run
            field, cycles = "load.max_cycles", load.get("max_cycles")
        v["cycles"] = (field, cycles)
        v["durations"] = _segment_durations(load, case)
    if case.geometry is not None:
        from .geometry import load_spec

        v["spec"] = load_spec(case.geometry, source=str(case.geometry)
                              if isinstance(case.geometry, Path)
                              else f"{case.source} [model.geometry]")
        v["kind"] = case.geometry_kind
        v["order"] = case.order
    return v


def _segment_durations(load: dict, case) -> dict:
    """{field: seconds} of the longest dwell, ramp and cool-down of one cycle, named by the
    field that sets them."""
    from .loads import profile_from_spec

    one = {k: val for k, val in load.items() if k not in ("cycles", "max_cycles")}
    profile = profile_from_spec(one, source=case.source, prefix="load",
                                base_dir=getattr(case, "base_dir", None))
    times = profile.cycle_times
    temps = profile.cycle_temperatures
    steps = [(b - a, t0 == t1) for a, b, t0, t1 in zip(times[:-1], times[1:], temps[:-1],
                                                       temps[1:])]
    longest_dwell = float(max((d for d, flat in steps if flat), default=0.0))
    longest_ramp = float(max((d for d, flat in steps if not flat), default=0.0))

    def named(keys, seconds):
        key = next((k for k in keys if k in load), keys[-1])
        value = load.get(key)
        return f"load.{key}", (value if isinstance(value, (int, float, str)) else "...", seconds)

    if "table" in load:
        out = dict([named(["table"], max(longest_dwell, longest_ramp))])
    else:
        out = dict([named(["dwell", "dwell_hot", "dwell_cold", "soak_mode", "preset"],
                          longest_dwell)])
        field, entry = named(["ramp_time", "ramp_rate", "preset"], longest_ramp)
        if field not in out or entry[1] > out[field][1]:
            out[field] = entry
    if profile.cool_down_time:
        out["load.cool_down_rate"] = (load.get("cool_down_rate", "default"),
                                      float(profile.cool_down_time))
    return out


# ----------------------------------------------------------------------------------------------
# everything before work starts
# ----------------------------------------------------------------------------------------------
def check_materials(case, regions) -> None:
    """Every ``[materials]`` entry (or the builders' default for ``regions``) resolves to a
    library material or a complete inline table, and to a constitutive model it has parameters
    for, as the model will build them; errors name the case file and ``materials.<entry>``."""
    from .case import MaterialEntry
    from .geometry.regions import default_materials
    from .materials import constitutive_model, default_model, get_material

    transient = case.analysis == "cycling"
    entries = case.materials or [MaterialEntry(pattern, name, None)
                                 for pattern, name in default_materials(regions).items()]
    for entry in entries:
        field = f"materials.{entry.pattern}"
        material = get_material(entry.spec, source=case.source, field=field,
                                name=entry.spec if isinstance(entry.spec, str) else entry.pattern)
        model = entry.model or default_model(material, transient)
        constitutive_model(material, model if transient else "elastic",
                           case.stress_free_temperature, case.kind, source=case.source,
                           field=field)


def preflight(case, force: bool = False, tagged=None) -> list[str]:
    """Every check that can refuse a case before gmsh or the solver start; returns the warnings
    of bounds that ``force`` let pass.

    Order: the output location (:func:`~thermofatigue.resultdir.check_output_location`); the
    names of ``[materials]`` and ``[boundary]`` (:func:`check_names`) against the regions the
    geometry will produce (:func:`~thermofatigue.geometry.expected.expected_regions`) or, for a
    case with a mesh file, those of the mesh (``tagged``, read here when not given); the
    materials (:func:`check_materials`); the bounds (:func:`check_bounds`, for a mesh file with
    its element count).
    """
    from .resultdir import check_output_location

    check_output_location(case.output_directory, case.source, "output.directory")
    values = _values_from_case(case)
    if case.geometry is not None:
        from .geometry.expected import expected_regions

        regions, boundaries = expected_regions(values["spec"], case.geometry_kind)
    else:
        from .mesh import read_mesh

        tagged = tagged or read_mesh(case.mesh, region_names=case.region_names)
        regions, boundaries = set(tagged.regions), set(tagged.boundaries)
        values.update(elements=tagged.n_elements, dim=tagged.dim,
                      order=2 if type(tagged.mesh).__name__.endswith("2") else 1,
                      size_source=(case.source, "model.mesh", str(case.mesh)))
    check_names(case, regions, boundaries)
    check_materials(case, regions)
    return check_bounds(values, force=force)


__all__ = ["MAX_CYCLES", "MAX_ELEMENTS", "MAX_MEMORY_BYTES", "MAX_SEGMENT_S",
           "MIN_MESH_SIZE_MM", "check_bounds", "check_cycles", "check_materials", "check_names",
           "preflight"]
