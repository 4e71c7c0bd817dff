"""Case types and outcomes of the validation suite.

A *case* is a folder ``cases/<name>/`` holding ``case.toml`` (inputs, levels, targets with
tolerances, source) and a README. Its ``type`` names a *case type*: a function registered with
:func:`case_type` that runs the case at one level and returns :class:`Measurement` s, each naming
the target it is compared with. Pass or fail is decided here, once, from the tolerance the
case file declares for that target (:func:`judge`), never inside a case type.

A new kind of reference (a fatigue law's worked example, a cross-solver or a published result)
is a new module with a ``@case_type("...")`` function, imported by the package ``__init__``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable

from ..errors import InputError

#: case type name -> function(spec, level, progress) -> list[Measurement]
CASE_TYPES: dict[str, Callable] = {}

TOLERANCE_KINDS = ("relative", "absolute")


def case_type(name: str):
    """Register ``function(spec: dict, level: dict, progress) -> list[Measurement]`` as the
    runner of the cases whose ``type`` is ``name``."""
    def register(function):
        if name in CASE_TYPES:
            raise ValueError(f"case type {name!r} registered twice")
        CASE_TYPES[name] = function
        return function
    return register


@dataclass(frozen=True)
class Measurement:
    """One computed quantity and the value it should equal; ``target_key`` names its entry in
    the case's ``[targets]`` table (tolerance, unit, meaning)."""

    quantity: str
    computed: float
    target: float
    target_key: str


@dataclass(frozen=True)
class ValidationOutcome:
    """One row of the validation report.

    ``tolerance`` is relative (``|computed - target| <= tolerance |target|``) or absolute
    (``|computed - target| <= tolerance``) as ``tolerance_kind`` says; ``level`` is the level
    run (``"quick"`` or ``"full"``); ``source`` a short citation of the target's origin.
    """

    case: str
    quantity: str
    computed: float
    target: float
    tolerance: float
    source: str
    passed: bool
    level: str
    unit: str = ""
    tolerance_kind: str = "relative"
    #: the case's documented reason why ours differs from this target (``discrepancy`` in its
    #: ``[targets.<key>]`` table); empty for an ordinary target
    known_discrepancy: str = ""

    @property
    def ok(self) -> bool:
        """Passed, or failed as its case documents; a documented discrepancy that passes is
        not ok (strict: the case's explanation is then out of date)."""
        return self.passed != bool(self.known_discrepancy)

    @property
    def result(self) -> str:
        if not self.known_discrepancy:
            return "pass" if self.passed else "FAIL"
        return "differs (documented)" if not self.passed else "PASS (documented discrepancy gone)"

    @property
    def deviation(self) -> float:
        """``|computed - target|``, divided by ``|target|`` for a relative tolerance."""
        difference = abs(self.computed - self.target)
        if self.tolerance_kind == "relative":
            return difference / abs(self.target) if self.target != 0 else float("inf")
        return difference

    def as_dict(self) -> dict:
        deviation = self.deviation
        return asdict(self) | {"deviation": deviation if deviation != float("inf") else None}


def target_spec(spec: dict, key: str) -> dict:
    """The ``[targets.<key>]`` table of a case, checked: a positive ``tolerance`` and a known
    ``tolerance_kind`` (default relative)."""
    path = spec.get("path", spec.get("name", "<case>"))
    entry = spec.get("targets", {}).get(key)
    if not isinstance(entry, dict):
        raise InputError(path, f"targets.{key}", entry, "a table with quantity and tolerance")
    tolerance = entry.get("tolerance")
    if not isinstance(tolerance, (int, float)) or not tolerance > 0:
        raise InputError(path, f"targets.{key}.tolerance", tolerance, "a positive number")
    kind = entry.get("tolerance_kind", "relative")
    if kind not in TOLERANCE_KINDS:
        raise InputError(path, f"targets.{key}.tolerance_kind", kind,
                         f"one of {list(TOLERANCE_KINDS)}")
    why = entry.get("discrepancy", "")
    if not isinstance(why, str) or (why and len(why.strip()) < 20):
        raise InputError(path, f"targets.{key}.discrepancy", why,
                         "a sentence saying why ours differs (see the case's README)")
    return entry


def judge(spec: dict, measurement: Measurement, level: str) -> ValidationOutcome:
    """Compare a measurement with its target within the case's tolerance. A target the case
    marks with ``discrepancy = "why"`` (a published result ours does not reproduce, explained
    in its README, never a widened tolerance) is reported as ``differs (documented)`` when it
    fails, and as an error when it passes (the explanation is then out of date)."""
    entry = target_spec(spec, measurement.target_key)
    tolerance = float(entry["tolerance"])
    kind = entry.get("tolerance_kind", "relative")
    computed, target = float(measurement.computed), float(measurement.target)
    difference = abs(computed - target)
    bound = tolerance * abs(target) if kind == "relative" else tolerance
    passed = math.isfinite(computed) and difference <= bound  # NaN or inf never passes
    return ValidationOutcome(case=spec["name"], quantity=measurement.quantity, computed=computed,
                             target=target, tolerance=tolerance,
                             source=spec.get("source", {}).get("short", ""), passed=passed,
                             level=level, unit=entry.get("unit", ""), tolerance_kind=kind,
                             known_discrepancy=entry.get("discrepancy", ""))
