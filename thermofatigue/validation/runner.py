"""Find, load and run the reference cases.

The cases ship inside the package (``thermofatigue/validation/cases/<name>/case.toml``) and are
read through :mod:`importlib.resources`, so ``thermofatigue validate`` finds them from an
installed package in any working directory. Finding no case at all is an error, not a pass.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from ..errors import InputError
from .registry import CASE_TYPES, ValidationOutcome, judge, target_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LEVELS = ("quick", "full")


def cases_root():
    """The packaged case folder (a :mod:`importlib.resources` traversable)."""
    return resources.files(__package__).joinpath("cases")


def _as_root(root):
    if root is None:
        return cases_root()
    return Path(root) if isinstance(root, (str, Path)) else root


def case_names(root=None) -> list[str]:
    """Names of the cases under ``root`` (default: the packaged cases), sorted."""
    root = _as_root(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.joinpath("case.toml").is_file())


def load_validation_case(name: str, root=None) -> dict:
    """``case.toml`` of case ``name`` as a dict, with ``path`` (for messages) added."""
    root = _as_root(root)
    path = root.joinpath(name, "case.toml")
    if not path.is_file():
        raise InputError(str(root), "validation case", name, f"one of {case_names(root)}")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), "case.toml", str(exc), "valid TOML") from None
    spec["path"] = str(path)
    spec.setdefault("name", name)
    return spec


def check_case(spec: dict) -> None:
    """A case names a registered type, has both levels and a source, and every target
    has a valid tolerance."""
    path = spec["path"]
    if spec.get("type") not in CASE_TYPES:
        raise InputError(path, "type", spec.get("type"), f"one of {sorted(CASE_TYPES)}")
    for level in LEVELS:
        if not isinstance(spec.get("levels", {}).get(level), dict):
            raise InputError(path, f"levels.{level}", None, "a table of level settings")
    if not spec.get("source", {}).get("short"):
        raise InputError(path, "source.short", None, "a short citation of the target's source")
    for key in spec.get("targets", {}):
        target_spec(spec, key)


def run_case(spec: dict, quick: bool = True, progress=None) -> list[ValidationOutcome]:
    """Run one loaded case at its quick or full level and judge every measurement."""
    check_case(spec)
    level = "quick" if quick else "full"
    try:
        measurements = CASE_TYPES[spec["type"]](spec, spec["levels"][level], progress)
    except KeyError as exc:
        raise InputError(spec["path"], f"inputs or levels.{level}", None,
                         f"the key {exc} that case type {spec['type']!r} needs") from None
    if not measurements:
        raise InputError(spec["path"], "targets", None, "a case that measures something")
    return [judge(spec, m, level) for m in measurements]


def run_validation(names=(), quick: bool = True, root=None,
                   progress=None) -> list[ValidationOutcome]:
    """Run the named cases (all packaged cases by default) and return one outcome per
    compared quantity; nothing is printed (``progress(message)`` is called per case).

    Raises :class:`InputError` for an unknown case name and when no case is found.
    """
    root = _as_root(root)
    known = case_names(root)
    if not known:
        raise InputError(str(root), "validation cases", 0,
                         "at least one <case>/case.toml (none found: is the package data "
                         "installed?)")
    names = list(names) or known
    for name in names:
        if name not in known:
            raise InputError(str(root), "validation case", name, f"one of {known}")
    say = progress or (lambda message: None)
    outcomes = []
    for name in names:
        say(f"validation case {name} ({'quick' if quick else 'full'} level)")
        outcomes += run_case(load_validation_case(name, root), quick=quick, progress=progress)
    return outcomes
