"""Study files: a base case and a parameter space, checked and expanded into design points.

A study file (TOML, ``docs/studies.md``) names a base case and the parameters to vary, each by
its dotted path in the case (``load.cycles``, ``fatigue.primary``) or in its geometry spec
(``geometry.die.thickness``, ``geometry.array.pitch``)::

    [base]
    example = "default"                     # or case = "my_case.toml"
    set = { "load.cycles" = 2 }             # fixed changes to the base (optional)

    [parameters]                            # full-factorial grid: one axis per parameter
    "geometry.die.thickness" = [0.1, 0.2, 0.3, 0.4, 0.55, 0.7]

    [[zip]]                                 # parameters varied together: one axis
    "geometry.ball.diameter" = [0.22, 0.26]
    "geometry.ubm.diameter" = [0.176, 0.208]

    [sample]                                # Latin-hypercube samples: one axis
    points = 8
    seed = 1
    ranges = { "geometry.board.thickness" = [0.6, 1.6] }

    [[points]]                              # explicit extra points
    "geometry.die.thickness" = 0.15

    [objective]                             # the "best design" (optional)
    warpage_max = 0.02                      # mm, peak-to-valley of the die top

The design points are the full-factorial product of all axes (grid parameters, zipped groups,
the sample set), plus the explicit points. Every field is checked before any work; every point's
resolved case is checked by :func:`thermofatigue.case.parse_case`. A point whose *combination*
of values is impossible (a ball wider than the pitch) is kept as a failed point with its error;
a level that fails in every point it appears in, and also alone in the base case, is a bad
value and stops the study with one :class:`~thermofatigue.errors.InputError` line.

Each point's key is a hash of its resolved case (the geometry spec inlined, the ``[output]``
section and the title left out: they do not change the answer), so a point keeps its key when
levels are added to the study, and its results are found again.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..case import SECTIONS, merge, parse_case, read_toml
from ..errors import InputError

STUDY_SECTIONS = ("title", "description", "base", "parameters", "zip", "sample", "points",
                  "objective", "output")
#: case sections a point key ignores (they change what is written, not the answer)
UNHASHED_SECTIONS = ("output", "title", "description")


@dataclass(frozen=True)
class Axis:
    """One factor of the full-factorial product: one or more parameters that move together.

    ``levels[i]`` holds one value per path in ``paths``; ``kind`` is "grid" (one parameter),
    "zip" (a zipped group) or "sample" (a Latin-hypercube set).
    """

    kind: str
    paths: tuple
    levels: tuple


@dataclass(frozen=True)
class Objective:
    """The best design: the longest ``law`` life (each point's primary law when None) among
    finished points whose peak-to-valley warpage of ``warpage_surface`` is at most
    ``warpage_max`` (mm; no budget when None) and whose parameters lie in ``limits``
    (path -> (low, high))."""

    law: str | None = None
    warpage_max: float | None = None
    warpage_surface: str = "die_top"
    limits: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Point:
    """One design point: its key, its parameter values, its resolved case table, and the
    case-check error of an impossible combination (None when the case is valid)."""

    key: str
    parameters: dict
    raw: dict
    error: str | None = None


@dataclass
class Study:
    """A checked study file: the base case, the axes, the explicit points and the objective."""

    source: str
    title: str
    base_source: str
    base_dir: Path
    base_raw: dict
    axes: tuple
    explicit: tuple
    objective: Objective
    output_directory: Path | None = None
    plots: bool = True

    @property
    def paths(self) -> list[str]:
        """Every varied parameter path, in the order of the study file."""
        out = [p for axis in self.axes for p in axis.paths]
        for point in self.explicit:
            out += [p for p in point if p not in out]
        return out

    @property
    def identity(self) -> str:
        """Hash of the base case and the varied paths: the same study may add levels, a
        different base or parameter set is a different study."""
        return stable_hash({"base": hashed_case(self.base_raw), "parameters": sorted(self.paths)})

    def factors(self) -> list[tuple[str, str]]:
        """(label, path) of each independent factor: a grid parameter, a zipped group (named
        by all its paths, its values read from the first), each sampled parameter, each path
        set only by explicit points."""
        out = []
        for axis in self.axes:
            if axis.kind == "zip":
                out.append((" + ".join(axis.paths), axis.paths[0]))
            else:
                out += [(p, p) for p in axis.paths]
        known = {p for axis in self.axes for p in axis.paths}
        out += [(p, p) for p in self.paths if p not in known]
        return out

    def levels(self) -> dict:
        """Path -> the distinct values it takes over the points, in order of appearance."""
        out = {}
        for axis in self.axes:
            for i, path in enumerate(axis.paths):
                out.setdefault(path, [])
                for level in axis.levels:
                    if level[i] not in out[path]:
                        out[path].append(level[i])
        for point in self.explicit:
            for path, value in point.items():
                out.setdefault(path, [])
                if value not in out[path]:
                    out[path].append(value)
        return out


# ----------------------------------------------------------------------------------------------
# hashing
# ----------------------------------------------------------------------------------------------
def stable_json(data) -> str:
    """Canonical JSON: sorted keys, no spaces, shortest float repr (stable across runs)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      default=str)


def stable_hash(data, length: int = 16) -> str:
    """First ``length`` hex digits of the SHA-256 of :func:`stable_json` of ``data``."""
    return hashlib.sha256(stable_json(data).encode("ascii")).hexdigest()[:length]


def hashed_case(raw: dict) -> dict:
    """The part of a resolved case table that decides the answer (see UNHASHED_SECTIONS)."""
    return {k: v for k, v in raw.items() if k not in UNHASHED_SECTIONS}


def point_key(raw: dict) -> str:
    """The key of a design point: the hash of its resolved case."""
    return stable_hash(hashed_case(raw))


# ----------------------------------------------------------------------------------------------
# dotted paths
# ----------------------------------------------------------------------------------------------
def _address(path: str) -> list[str]:
    """``geometry.die.thickness`` -> ["model", "geometry", "die", "thickness"]."""
    parts = path.split(".")
    return ["model", *parts] if parts[0] == "geometry" else parts


def get_path(raw: dict, path: str):
    """The value at a dotted path (KeyError when absent)."""
    node = raw
    for part in _address(path):
        if not isinstance(node, dict):
            raise KeyError(path)
        node = node[part]
    return node


def set_path(raw: dict, path: str, value) -> None:
    """Set a dotted path in place, creating missing tables."""
    parts = _address(path)
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise KeyError(path)
    node[parts[-1]] = copy.deepcopy(value)


def leaf_paths(raw: dict) -> list[str]:
    """Every dotted path of a case table that holds a value (``geometry.*`` for the spec)."""
    out = []

    def walk(node, prefix):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and value:
                walk(value, path)
            else:
                out.append(path)

    walk({k: v for k, v in raw.items() if k != "model"}, "")
    model = raw.get("model", {})
    walk({k: v for k, v in model.items() if k != "geometry"}, "model")
    if isinstance(model.get("geometry"), dict):
        walk(model["geometry"], "geometry")
    return out


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------
def load_study(path) -> Study:
    """Read and check a study file (every field, and every point's case) before any work."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "study", str(path), "an existing study file (TOML)")
    return parse_study(read_toml(path), source=str(path), base_dir=path.parent.resolve())


def parse_study(raw: dict, source: str = "<study>", base_dir=Path(".")) -> Study:
    """Check the tables of a study file and return a :class:`Study`."""
    base_dir = Path(base_dir)
    for key in raw:
        if key not in STUDY_SECTIONS:
            raise InputError(source, key, "unknown section",
                             f"one of {', '.join(STUDY_SECTIONS)}"
                             f"{_did_you_mean(key, STUDY_SECTIONS)}")
    base_source, case_dir, base_raw = _base(raw.get("base"), source, base_dir)
    for path, value in _table(raw.get("base", {}).get("set", {}), source, "base.set").items():
        _check_path(base_raw, path, source, f"base.set.{path}", value, case_dir)
        set_path(base_raw, path, value)
    axes = []
    for path, levels in _flat(_table(raw.get("parameters", {}), source, "parameters")).items():
        levels = _levels(levels, source, f"parameters.{path}")
        axes.append(Axis("grid", (path,), tuple((v,) for v in levels)))
    zips = raw.get("zip", [])
    if isinstance(zips, dict):
        zips = [zips]
    if not isinstance(zips, list):
        raise InputError(source, "zip", zips, "[[zip]] tables of equally long lists")
    for i, group in enumerate(zips):
        axes.append(_zip_axis(_flat(_table(group, source, f"zip[{i}]")), source, f"zip[{i}]"))
    if "sample" in raw:
        axes.append(_sample_axis(_table(raw["sample"], source, "sample"), base_raw, source))
    explicit = _explicit(raw.get("points", []), source)
    if not axes and not explicit:
        raise InputError(source, "parameters", "empty",
                         "at least one parameter with levels ([parameters], [[zip]], [sample] "
                         "or [[points]])")
    seen = {}
    for axis in axes:
        for p in axis.paths:
            if p in seen:
                raise InputError(source, p, "varied twice",
                                 f"each parameter on one axis only (also in {seen[p]})")
            seen[p] = axis.kind
    for path in seen | {p: None for point in explicit for p in point}:
        sample = next((ax.levels[0][ax.paths.index(path)] for ax in axes if path in ax.paths),
                      None)
        if sample is None:
            sample = next(point[path] for point in explicit if path in point)
        _check_path(base_raw, path, source, _field_of(path, axes), sample, case_dir)
    objective = _objective(raw.get("objective", {}), source, list(seen) + [
        p for point in explicit for p in point])
    output = _table(raw.get("output", {}), source, "output")
    directory = output.get("directory")
    if directory is not None and (not isinstance(directory, str) or not directory):
        raise InputError(source, "output.directory", directory, "a directory path")
    plots = output.get("plots", True)
    if not isinstance(plots, bool):
        raise InputError(source, "output.plots", plots, "true or false")
    for key in set(output) - {"directory", "plots"}:
        raise InputError(source, f"output.{key}", output[key], "directory or plots")
    title = raw.get("title", Path(source).stem)
    return Study(source=source, title=str(title), base_source=base_source, base_dir=case_dir,
                 base_raw=base_raw, axes=tuple(axes), explicit=tuple(explicit),
                 objective=objective,
                 output_directory=(base_dir / directory).resolve() if directory else None,
                 plots=plots)


def _base(table, source, base_dir):
    from ..examples import EXAMPLES, example_path
    from ..geometry.spec import read_spec_file

    table = _table(table, source, "base")
    unknown = set(table) - {"case", "example", "set"}
    if unknown:
        key = sorted(unknown)[0]
        raise InputError(source, f"base.{key}", table[key], "case, example or set")
    if ("case" in table) == ("example" in table):
        raise InputError(source, "base", sorted(table) or "empty",
                         'exactly one of base.case (a case file) or base.example (a built-in '
                         'example, e.g. "default")')
    if "example" in table:
        name = table["example"]
        if name not in EXAMPLES:
            raise InputError(source, "base.example", name,
                             f"one of {', '.join(EXAMPLES)}{_did_you_mean(name, EXAMPLES)}")
        case_path = example_path(name)
        shown = f"example {name}"
    else:
        if not isinstance(table["case"], str):
            raise InputError(source, "base.case", table["case"], "a path to a case file")
        case_path = (base_dir / table["case"]).resolve()
        shown = str(case_path)
        if not case_path.is_file():
            raise InputError(source, "base.case", table["case"],
                             f"an existing case file (looked for {case_path})")
    raw = read_toml(case_path)
    case_dir = case_path.parent.resolve()
    parse_case(raw, source=str(case_path), base_dir=case_dir)  # the base itself must be valid
    geometry = raw.get("model", {}).get("geometry")
    if isinstance(geometry, str):  # inline the spec: its fields become parameters
        gpath = (case_dir / geometry).resolve()
        raw["model"]["geometry"] = read_spec_file(gpath, str(gpath))
    return shown, case_dir, raw


def _table(value, source, name) -> dict:
    if not isinstance(value, dict):
        raise InputError(source, name, value, "a table")
    return value


def _flat(table: dict, prefix: str = "") -> dict:
    """Nested tables -> dotted paths (``geometry.die.thickness = [..]`` written unquoted)."""
    out = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flat(value, path))
        else:
            out[path] = value
    return out


def _levels(levels, source, name) -> list:
    if not isinstance(levels, list) or not levels:
        raise InputError(source, name, levels, "a non-empty list of levels")
    for i, v in enumerate(levels):
        if v in levels[:i]:
            raise InputError(source, name, levels, f"distinct levels ({v!r} is repeated)")
    return levels


def _zip_axis(group: dict, source, name) -> Axis:
    if not group:
        raise InputError(source, name, "empty", "a table of parameters with equally long lists")
    lists = {p: _levels(v, source, f"{name}.{p}") for p, v in group.items()}
    lengths = {len(v) for v in lists.values()}
    if len(lengths) != 1:
        raise InputError(source, name, {p: len(v) for p, v in lists.items()},
                         "lists of the same length (zipped parameters move together)")
    return Axis("zip", tuple(lists), tuple(zip(*lists.values())))


def _sample_axis(table: dict, base_raw: dict, source) -> Axis:
    """Latin-hypercube samples (McKay, Beckman and Conover 1979) over ``ranges``, scaled
    linearly (or in log10 for paths listed in ``log``); integer ranges give integers."""
    from scipy.stats import qmc

    unknown = set(table) - {"points", "seed", "ranges", "log", "method"}
    if unknown:
        key = sorted(unknown)[0]
        raise InputError(source, f"sample.{key}", table[key], "points, seed, ranges, log, method")
    if table.get("method", "lhs") != "lhs":
        raise InputError(source, "sample.method", table["method"], '"lhs" (Latin hypercube)')
    n = table.get("points")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100000:
        raise InputError(source, "sample.points", n, "an integer number of samples >= 1")
    seed = table.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(source, "sample.seed", seed,
                         "a non-negative integer seed (the samples must be reproducible)")
    ranges = _flat(_table(table.get("ranges", {}), source, "sample.ranges"))
    if not ranges:
        raise InputError(source, "sample.ranges", "empty", 'a table {path = [low, high]}')
    log = table.get("log", [])
    if not isinstance(log, list) or any(p not in ranges for p in log):
        raise InputError(source, "sample.log", log, "a list of paths from sample.ranges")
    bounds = []
    for path, rng in ranges.items():
        ok = (isinstance(rng, list) and len(rng) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      and math.isfinite(v) for v in rng) and rng[0] < rng[1])
        if not ok or (path in log and rng[0] <= 0):
            raise InputError(source, f"sample.ranges.{path}", rng,
                             "[low, high] numbers with low < high (low > 0 for log)")
        bounds.append(rng)
    unit = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    levels = []
    for row in unit:
        values = []
        for u, (path, (lo, hi)) in zip(row, ranges.items()):
            if path in log:
                v = 10.0 ** (math.log10(lo) + u * (math.log10(hi) - math.log10(lo)))
            else:
                v = lo + u * (hi - lo)
            values.append(int(round(v)) if isinstance(lo, int) and isinstance(hi, int)
                          else float(v))
        levels.append(tuple(values))
    return Axis("sample", tuple(ranges), tuple(levels))


def _explicit(points, source) -> list[dict]:
    if isinstance(points, dict):
        points = [points]
    if not isinstance(points, list) or not all(isinstance(p, dict) and p for p in points):
        raise InputError(source, "points", points, "[[points]] tables {path = value}")
    return [_flat(p) for p in points]


def _objective(table, source, paths) -> Objective:
    from ..fatigue import LAWS

    table = _table(table, source, "objective")
    unknown = set(table) - {"law", "warpage_max", "warpage_surface", "limits"}
    if unknown:
        key = sorted(unknown)[0]
        raise InputError(source, f"objective.{key}", table[key],
                         "law, warpage_max, warpage_surface or limits")
    law = table.get("law")
    if law is not None and law not in LAWS:
        raise InputError(source, "objective.law", law, f"one of {', '.join(LAWS)}")
    wmax = table.get("warpage_max")
    if wmax is not None and (isinstance(wmax, bool) or not isinstance(wmax, (int, float))
                             or not wmax > 0):
        raise InputError(source, "objective.warpage_max", wmax, "a warpage budget > 0 (mm)")
    surface = table.get("warpage_surface", "die_top")
    if surface not in ("die_top", "board_top"):
        raise InputError(source, "objective.warpage_surface", surface, '"die_top" or "board_top"')
    limits = {}
    for path, rng in _flat(_table(table.get("limits", {}), source, "objective.limits")).items():
        if path not in paths:
            raise InputError(source, f"objective.limits.{path}", rng,
                             f"a varied parameter{_did_you_mean(path, paths)}")
        if not (isinstance(rng, list) and len(rng) == 2 and rng[0] <= rng[1]):
            raise InputError(source, f"objective.limits.{path}", rng, "[low, high]")
        limits[path] = tuple(rng)
    return Objective(law=law, warpage_max=None if wmax is None else float(wmax),
                     warpage_surface=surface, limits=limits)


def _field_of(path, axes) -> str:
    for i, axis in enumerate(axes):
        if path in axis.paths:
            return {"grid": f"parameters.{path}", "zip": f"zip.{path}",
                    "sample": f"sample.ranges.{path}"}[axis.kind]
    return f"points.{path}"


def _check_path(base_raw, path, source, field_name, value, case_dir) -> None:
    """A path must address a field of the case: present in the base, or accepted by the case
    checker when set (a field left at its default). Otherwise: the closest known path."""
    head = _address(path)[0]
    if head not in SECTIONS or head in ("title", "description") and "." in path:
        raise InputError(source, field_name, value,
                         f"a parameter path in the case (geometry.*, load.*, fatigue.*, ...)"
                         f"{_did_you_mean(path, leaf_paths(base_raw))}")
    try:
        get_path(base_raw, path)
        return
    except KeyError:
        pass
    trial = copy.deepcopy(base_raw)
    try:
        set_path(trial, path, value)
        parse_case(trial, source="<check>", base_dir=case_dir)
    except InputError as exc:
        if str(exc.field).split(".")[-1] == path.split(".")[-1] and "no such field" not in str(
                exc.expected) and "known key" not in str(exc.expected):
            raise InputError(source, field_name, value, exc.expected) from None
        raise InputError(source, field_name, value,
                         f"a field of the case or its geometry spec"
                         f"{_did_you_mean(path, leaf_paths(base_raw))}") from None
    except KeyError:
        raise InputError(source, field_name, value,
                         f"a field of the case or its geometry spec"
                         f"{_did_you_mean(path, leaf_paths(base_raw))}") from None


def _did_you_mean(name, options) -> str:
    match = difflib.get_close_matches(str(name), sorted(options), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


# ----------------------------------------------------------------------------------------------
# expansion
# ----------------------------------------------------------------------------------------------
def expand(study: Study) -> list[Point]:
    """The design points: the full-factorial product of the axes, then the explicit points;
    duplicates (same resolved case) once. Each resolved case is checked; a point whose case
    fails keeps the error, and a level that fails in every point it appears in raises
    :class:`InputError` naming the study file, the parameter and the case checker's reason (a value the case refuses even with every other parameter at its
    base value)."""
    combos = []
    if study.axes:
        for choice in itertools.product(*(axis.levels for axis in study.axes)):
            params = {}
            for axis, level in zip(study.axes, choice):
                params.update(zip(axis.paths, level))
            combos.append(params)
    combos += [dict(p) for p in study.explicit]
    points, keys = [], set()
    for params in combos:
        raw = copy.deepcopy(study.base_raw)
        for path, value in params.items():
            set_path(raw, path, value)
        key = point_key(raw)
        if key in keys:
            continue
        keys.add(key)
        points.append(Point(key, params, raw, _case_error(raw, study)))
    _refuse_bad_levels(study, points)
    return points


def _case_error(raw, study) -> str | None:
    try:
        parse_case(raw, source=f"{study.source} [point]", base_dir=study.base_dir)
    except InputError as exc:
        return str(exc)
    return None


def _refuse_bad_levels(study: Study, points: list[Point]) -> None:
    failed = [p for p in points if p.error]
    if not failed:
        return
    for axis in study.axes:
        if axis.kind == "sample":
            continue
        for level in axis.levels:
            using = [p for p in points
                     if all(p.parameters.get(k) == v for k, v in zip(axis.paths, level))]
            if using and all(p.error for p in using) and _fails_alone(study, axis, level):
                shown = level[0] if len(level) == 1 else dict(zip(axis.paths, level))
                raise InputError(study.source, _field_of(axis.paths[0], study.axes), shown,
                                 f"a value the case accepts: {_reason(using[0].error)}")
    if len(failed) == len(points):
        raise InputError(study.source, "parameters", f"{len(points)} points",
                         f"at least one valid point; the first fails: "
                         f"{_reason(failed[0].error)}")


def _fails_alone(study: Study, axis: Axis, level: tuple) -> bool:
    """Whether the base case with only this level changed is refused (a bad value by itself,
    not an impossible combination with another parameter's value)."""
    raw = copy.deepcopy(study.base_raw)
    for path, value in zip(axis.paths, level):
        set_path(raw, path, value)
    return _case_error(raw, study) is not None


def _reason(error: str) -> str:
    """The case checker's message without its source prefix."""
    return error.split("]: ", 1)[-1] if "]: " in error else error
