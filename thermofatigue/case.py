"""Case files (TOML): read, check every field, resolve paths and defaults, before any work.

A case names the model (a mesh file, or a geometry spec that is meshed on the fly), the material
of every region, the boundary conditions, the thermal load and the solver and output settings.
The schema is documented in ``docs/case-file.md``. :func:`load_case` returns a :class:`Case`
whose fields are plain, checked Python values; unknown keys are errors (a typo must not be
silently ignored).
"""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import InputError
from .materials.j2 import TIME_INTEGRATIONS

KINDS = ("3d", "plane_strain", "generalized_plane_strain", "axisymmetric")
SECTIONS = {
    "model": {"mesh", "geometry", "kind", "order", "region_names", "geometry_kind"},
    "materials": None,  # any region name or pattern
    "boundary": None,   # any boundary name
    "load": {"temperature", "stress_free_temperature", "preset", "profile", "table", "cycles",
             "dwell", "dwell_hot", "dwell_cold", "ramp_rate", "ramp_time", "soak_mode", "start",
             "T_min", "T_max", "cool_down_rate"},
    "solver": {"linear", "tolerance", "max_iterations", "max_cutbacks", "creep_tolerance",
               "max_dt", "max_dT", "min_dt", "nonlinear_lever", "time_integration",
               "check_steps"},
    "output": {"directory", "vtu", "fields", "plots"},
    "fatigue": None,    # checked by life.parse_fatigue
    "title": None,
    "description": None,
    "force": None,      # true: run past the plausibility bounds (thermofatigue run --force)
}
LINEAR_SOLVERS = ("auto", "direct", "amg")
# the fields each analysis writes to its VTU files
OUTPUT_FIELDS_BY_ANALYSIS = {
    "thermoelastic": ("u", "stress", "strain", "thermal_strain", "von_mises"),
    "cycling": ("u", "stress", "von_mises", "inelastic_strain", "energy_density"),
}
OUTPUT_FIELDS = tuple(dict.fromkeys(f for fields in OUTPUT_FIELDS_BY_ANALYSIS.values()
                                    for f in fields))


@dataclass
class MaterialEntry:
    """One entry of [materials]: a library name or inline table, and the model to use."""

    pattern: str
    spec: object             # library name (str) or inline table (dict) for get_material
    model: str | None        # "elastic", "anand", ... or None for the default


@dataclass
class Case:
    """A checked case. Paths are absolute; ``raw`` keeps the file's tables."""

    source: str
    title: str
    kind: str
    mesh: Path | None
    geometry: object | None
    geometry_kind: str | None
    order: int
    region_names: dict
    materials: list[MaterialEntry]   # empty: the geometry builders' defaults
    boundary: dict | None            # None: symmetry on every sym_* boundary (geometry specs)
    analysis: str                      # "thermoelastic" or "cycling"
    temperature: float | None          # thermo-elastic: the uniform temperature (C)
    stress_free_temperature: float
    profile: dict | None               # cycling: the [load] table for loads.profile_from_spec
    solver: dict
    output_directory: Path
    write_vtu: bool
    output_fields: tuple
    raw: dict = field(default_factory=dict)
    base_dir: Path = Path(".")
    fatigue: object = None             # life.FatigueSettings
    write_plots: bool = True
    force: bool = False                # run past the plausibility bounds


def default_case_path() -> Path:
    """The built-in default case (a WLCSP die on an FR-4 board)."""
    return Path(str(resources.files("thermofatigue") / "data" / "default_case.toml"))


def read_toml(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "case", str(path), "an existing TOML case file")
    try:
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "case", path.name,
                         f"valid TOML ({toml_error_position(exc, text)})") from None
    except UnicodeDecodeError:
        raise InputError(path, "case", path.name, "a UTF-8 text file") from None
    except OSError as exc:
        raise InputError(path, "case", path.name, f"a readable file ({exc.strerror})") from None


def toml_error_position(exc, text: str) -> str:
    """tomllib's message with the line and column always named (it says "at end of document"
    for an unclosed table or array: the end of the file's last line is meant)."""
    message = str(exc)
    if "at end of document" in message:
        lines = text.splitlines() or [""]
        message = message.replace("at end of document",
                                  f"at line {len(lines)}, column {len(lines[-1]) + 1}: "
                                  "end of the file reached")
    return message


def load_case(path=None, overrides: dict | None = None, builtin: bool = False) -> Case:
    """Read and check a case file (the built-in default case when ``path`` is None).

    Relative paths in a case are relative to its file, except the output directory of a
    built-in case (the default, or ``builtin=True``: the examples), which is relative to the
    current directory.
    """
    builtin = builtin or path is None
    path = Path(path) if path is not None else default_case_path()
    raw = read_toml(path)
    if overrides:
        raw = merge(raw, overrides)
    return parse_case(raw, source=str(path), base_dir=path.parent.resolve(),
                      output_base=Path.cwd() if builtin else None)


def merge(base: dict, update: dict) -> dict:
    """Recursive merge of nested tables (``update`` wins)."""
    out = copy.deepcopy(base)
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def parse_case(raw: dict, source: str = "<case>", base_dir=Path("."),
               output_base: Path | None = None) -> Case:
    """Check every field of a case table and return a :class:`Case`."""
    base_dir = Path(base_dir)
    output_base = Path(output_base) if output_base is not None else base_dir
    for key, value in raw.items():
        if key not in SECTIONS:
            raise InputError(source, key, "unknown section",
                             f"one of [{'], ['.join(k for k in SECTIONS if SECTIONS[k] is not None or k in ('materials', 'boundary', 'fatigue'))}]"
                             f"{_did_you_mean(key, SECTIONS)}")
        allowed = SECTIONS[key]
        if isinstance(allowed, set):
            if not isinstance(value, dict):
                raise InputError(source, key, value, "a table")
            for sub in value:
                if sub not in allowed:
                    raise InputError(source, f"{key}.{sub}", value[sub],
                                     f"a known key of [{key}]{_did_you_mean(sub, allowed)}: "
                                     f"{', '.join(sorted(allowed))}")
    model = raw.get("model", {})
    if not isinstance(model, dict):
        raise InputError(source, "model", model, "a table")
    mesh, geometry = model.get("mesh"), model.get("geometry")
    if (mesh is None) == (geometry is None):
        raise InputError(source, "model.mesh", mesh,
                         "exactly one of model.mesh (a mesh file) or model.geometry "
                         "(a geometry spec file or table)")
    mesh_path = None
    if mesh is not None:
        if not isinstance(mesh, str):
            raise InputError(source, "model.mesh", mesh, "a path to a mesh file")
        mesh_path = (base_dir / mesh).resolve()
        if not mesh_path.is_file():
            raise InputError(source, "model.mesh", mesh, f"an existing mesh file "
                             f"(looked for {mesh_path})")
    if isinstance(geometry, str):
        gpath = (base_dir / geometry).resolve()
        if not gpath.is_file():
            raise InputError(source, "model.geometry", geometry,
                             f"an existing geometry spec file (looked for {gpath})")
        geometry = gpath
    elif geometry is not None and not isinstance(geometry, dict):
        raise InputError(source, "model.geometry", geometry, "a path or an inline table")
    geometry_kind = model.get("geometry_kind")
    if geometry is not None:
        from .geometry import MODEL_KINDS, load_spec

        spec = load_spec(geometry, source=str(geometry) if isinstance(geometry, Path)
                         else f"{source} [model.geometry]")
        geometry_kind = geometry_kind or spec.mesh.kind
        if geometry_kind not in MODEL_KINDS:
            raise InputError(source, "model.geometry_kind", geometry_kind,
                             f"one of {list(MODEL_KINDS)}")
    default_kind = "3d" if geometry_kind not in (None, "slice2d") else "generalized_plane_strain"
    kind = model.get("kind", default_kind if geometry is not None else "3d")
    if kind not in KINDS:
        raise InputError(source, "model.kind", kind, f"one of {list(KINDS)}")
    if geometry is not None and (kind == "3d") != (geometry_kind != "slice2d"):
        raise InputError(source, "model.kind", kind,
                         f"a kind matching the geometry's {geometry_kind} model "
                         f"({'3d' if geometry_kind != 'slice2d' else 'a 2D kind'})")
    order = model.get("order", 2)
    if order not in (1, 2) or isinstance(order, bool):
        raise InputError(source, "model.order", order, "1 or 2 (2: quadratic elements)")
    region_names = model.get("region_names", {})
    if not isinstance(region_names, dict):
        raise InputError(source, "model.region_names", region_names,
                         "a table {name = integer tag}")

    materials = _materials(raw.get("materials"), source, optional=geometry is not None)
    boundary = raw.get("boundary", None if geometry is not None else {})
    if boundary is not None and not isinstance(boundary, dict):
        raise InputError(source, "boundary", boundary, "a table {boundary name = condition}")
    for name, bc in (boundary or {}).items():
        if not (bc in ("symmetry", "fixed") or isinstance(bc, dict)):
            raise InputError(source, f"boundary.{name}", bc,
                             '"symmetry", "fixed" or a table like {u_z = 0.0}')

    load = dict(raw.get("load", {}))
    if "profile" in load:  # the design sketch's name for a preset (docs/architecture.md)
        if "preset" in load or "table" in load:
            raise InputError(source, "load.profile", load["profile"],
                             "only one of load.profile, load.preset, load.table")
        profile = load.pop("profile")
        load["table" if isinstance(profile, list) else "preset"] = profile
    stress_free = load.get("stress_free_temperature", 25.0)
    _number(stress_free, source, "load.stress_free_temperature", -273.15, 450.0)
    if "temperature" in load:
        cycling_keys = sorted(set(load) - {"temperature", "stress_free_temperature"})
        if cycling_keys:
            raise InputError(source, f"load.{cycling_keys[0]}", load[cycling_keys[0]],
                             "no cycling keys with load.temperature (a thermo-elastic case)")
        analysis = "thermoelastic"
        temperature = _number(load["temperature"], source, "load.temperature", -273.15, 450.0)
        profile = None
    elif "preset" in load or "table" in load:
        analysis = "cycling"
        temperature = None
        from .loads import profile_from_spec

        # checked now (every field before any work); rebuilt when the case runs
        cycles = load.get("cycles")
        if isinstance(cycles, str) and cycles != "auto":
            raise InputError(source, "load.cycles", cycles,
                             'a number of cycles or "auto" (cycle until the critical joint\'s '
                             'energy changes less than fatigue.stabilisation_tolerance)')
        # a profile holds every cycle in memory: a huge count is checked with one cycle here
        # and refused by preflight.check_bounds (or thermofatigue.preflight.HARD_MAX_CYCLES)
        from .preflight import MAX_CYCLES

        many = isinstance(cycles, (int, float)) and not isinstance(cycles, bool) \
            and cycles > MAX_CYCLES
        profile_from_spec({**load, "cycles": 1} if cycles == "auto" or many else load,
                          source=source, prefix="load", base_dir=base_dir)
        profile = load
    else:
        raise InputError(source, "load", sorted(load) or "empty",
                         "load.temperature (thermo-elastic) or load.preset / load.table "
                         "(temperature cycling)")

    solver = dict(raw.get("solver", {}))
    linear = solver.setdefault("linear", "auto")
    if linear not in LINEAR_SOLVERS:
        raise InputError(source, "solver.linear", linear, f"one of {list(LINEAR_SOLVERS)}")
    for key, lo, hi in (("tolerance", 1e-14, 1e-2), ("creep_tolerance", 1e-8, 1.0),
                        ("max_dt", 1e-6, 1e6), ("max_dT", 1e-3, 500.0), ("min_dt", 1e-12, 1e3)):
        if key in solver:
            _number(solver[key], source, f"solver.{key}", lo, hi)
    if solver.get("time_integration", "bdf2") not in TIME_INTEGRATIONS:
        raise InputError(source, "solver.time_integration", solver["time_integration"],
                         f"one of {list(TIME_INTEGRATIONS)}")
    for key in ("nonlinear_lever", "check_steps"):
        if not isinstance(solver.get(key, True), bool):
            raise InputError(source, f"solver.{key}", solver[key], "true or false")
    for key, lo, hi in (("max_iterations", 1, 200), ("max_cutbacks", 0, 50)):
        if key in solver:
            v = solver[key]
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise InputError(source, f"solver.{key}", v, f"an integer in [{lo}, {hi}]")

    output = raw.get("output", {})
    directory = output.get("directory", "results")
    if not isinstance(directory, str) or not directory:
        raise InputError(source, "output.directory", directory, "a directory path")
    write_vtu = output.get("vtu", True)
    if not isinstance(write_vtu, bool):
        raise InputError(source, "output.vtu", write_vtu, "true or false")
    available = OUTPUT_FIELDS_BY_ANALYSIS[analysis]
    fields = output.get("fields", list(available))
    if not isinstance(fields, list) or any(f not in available for f in fields):
        bad = fields if not isinstance(fields, list) else [f for f in fields
                                                            if f not in available]
        raise InputError(source, "output.fields", bad,
                         f"a list from {list(available)} (the fields a {analysis} run writes)")
    write_plots = output.get("plots", True)
    if not isinstance(write_plots, bool):
        raise InputError(source, "output.plots", write_plots, "true or false")
    force = raw.get("force", False)
    if not isinstance(force, bool):
        raise InputError(source, "force", force, "true or false")
    title = raw.get("title", Path(source).stem)
    from .life import parse_fatigue

    fatigue = parse_fatigue(raw.get("fatigue"), source)
    if analysis == "cycling":
        from .life import check_constants

        check_constants(fatigue, fatigue.solder or _case_solder(materials, geometry), source)

    return Case(source=source, title=str(title), kind=kind, mesh=mesh_path, geometry=geometry,
                geometry_kind=geometry_kind, order=order, region_names=region_names,
                materials=materials, boundary=boundary, analysis=analysis,
                temperature=temperature, stress_free_temperature=float(stress_free),
                profile=profile, solver=solver,
                output_directory=(output_base / directory).resolve()
                if not Path(directory).is_absolute() else Path(directory),
                write_vtu=write_vtu, output_fields=tuple(fields), raw=raw, base_dir=base_dir,
                fatigue=fatigue, write_plots=write_plots, force=force)


def joint_solder(materials: list, joint_region: str = "joint_1") -> str | None:
    """The library name of the joints' solder: the [materials] entry for ``joint_region``
    (an exact name wins over a pattern, as for the model), or None for an inline material."""
    from fnmatch import fnmatchcase

    exact = [e for e in materials if e.pattern == joint_region]
    matching = exact or [e for e in materials if fnmatchcase(joint_region, e.pattern)]
    if not matching:
        return None
    spec = matching[0].spec
    if isinstance(spec, dict):
        spec = spec.get("material") or spec.get("base")
    return spec if isinstance(spec, str) else None


def _case_solder(materials: list, geometry) -> str | None:
    """The joints' solder as the case gives it, or the geometry builders' default."""
    if geometry is not None and not materials:
        from .geometry.regions import DEFAULT_REGION_MATERIALS

        return DEFAULT_REGION_MATERIALS["joint_*"]
    return joint_solder(materials)


def _did_you_mean(name, options) -> str:
    import difflib

    match = difflib.get_close_matches(str(name), sorted(options), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _number(value, source, field, lo=-math.inf, hi=math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(source, field, value, "a number")
    if not lo <= value <= hi:
        raise InputError(source, field, value, f"a number in [{lo}, {hi}]")
    return float(value)


def _materials(table, source, optional=False) -> list[MaterialEntry]:
    """[materials]; may be left out for a geometry spec (the builders' regions have defaults)."""
    if table is None and optional:
        return []
    if not isinstance(table, dict) or not table:
        raise InputError(source, "materials", table,
                         'a table {region (or glob) = "library name" or inline table}')
    out = []
    for pattern, spec in table.items():
        field_name = f"materials.{pattern}"
        model = None
        if isinstance(spec, dict):
            spec = dict(spec)
            model = spec.pop("model", None)
            if "material" in spec:
                name = spec.pop("material")
                spec = {"base": name, **spec} if spec else name
        elif not isinstance(spec, str):
            raise InputError(source, field_name, spec,
                             'a library material name or an inline table')
        if model is not None:
            from .materials import MODELS

            if model not in MODELS:
                raise InputError(source, f"{field_name}.model", model, f"one of {list(MODELS)}")
        out.append(MaterialEntry(pattern, spec, model))
    return out
