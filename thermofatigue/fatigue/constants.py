"""Fatigue-law constants: the cited sets of ``constants.toml``, user constants, unit conversion.

Every constant is stored in the units of its source and converted to thermofatigue's units on
load (MPa for energy density, mm for length, cycles, K for Ea/k). The conversions, for a stress
unit worth ``s`` MPa and a length unit worth ``l`` mm (1 psi = 6.894757e-3 MPa, 1 in = 25.4 mm):

* Darveaux ``K1`` in cycles/S^K2:           ``K1_MPa = K1 * s**(-K2)``
  (from ``N0 = K1 (dW/s)**K2``; for psi, ``K1 * 145.0377**K2``)
* Darveaux ``K3`` in L/cycle/S^K4:          ``K3_mm_MPa = K3 * l * s**(-K4)``
* Syed ``C'`` in 1/S:                        ``C'_MPa = C' / s``
* Morrow ``W_f`` in S (or J/m^3):            ``W_f_MPa = W_f * s``
* Norris-Landzberg ``Ea/k`` in eV:           ``Ea/k [K] = Ea [eV] / k_B``, k_B = 8.617333e-5 eV/K

User constants (the ``[fatigue.constants.<law>]`` table of a case file) are either tables
``{value = ..., units = "..."}`` or, **for dimensionless constants only**, plain numbers. A
constant with units (K1, K3, C', W_f, c1, Ea/k) given as a bare number is rejected: the
psi-versus-MPa slip it would hide changes Darveaux's N0 by a factor of about 2000. A user table
may also hold ``base`` (the shipped set to start from), ``source``, ``status`` and
``interface_layer`` (mm, the layer the constants were calibrated with).

:func:`get_constants` returns a checked :class:`ConstantSet`; every problem raises
:class:`~thermofatigue.errors.InputError` (one line: source, field, value, what exists).
:func:`constant_warnings` gives the text a run prints for [S]/[U] constants and for an
interface layer that differs from the calibration.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Mapping

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ..errors import InputError

__all__ = [
    "ConstantSet",
    "LAW_CONSTANTS",
    "INTERNAL_UNITS",
    "LAYER_SENSITIVE_LAWS",
    "SOLDER_ALIASES",
    "CONSTANTS_SOURCE",
    "get_constants",
    "constant_warnings",
    "available_sets",
    "to_internal",
    "from_internal",
    "format_constant_sets",
    "PSI_IN_MPA",
    "INCH_IN_MM",
    "EV_IN_KELVIN",
]

CONSTANTS_SOURCE = "thermofatigue/fatigue/constants.toml"

PSI_IN_MPA = 6.894757e-3
"""1 psi in MPa (1 lbf/in^2 = 4.4482216 N / 645.16 mm^2)."""
INCH_IN_MM = 25.4
"""1 inch in mm (exact)."""
EV_IN_KELVIN = 1.0 / 8.617333262e-5
"""1 eV divided by Boltzmann's constant, K (CODATA 2018: k_B = 8.617333262e-5 eV/K)."""

STRESS_UNITS = {"MPa": 1.0, "N/mm^2": 1.0, "psi": PSI_IN_MPA, "ksi": 1.0e3 * PSI_IN_MPA,
                "kPa": 1.0e-3, "Pa": 1.0e-6, "J/m^3": 1.0e-6, "MJ/m^3": 1.0, "mJ/mm^3": 1.0}
"""Energy-density (stress) units: MPa per unit."""
LENGTH_UNITS = {"mm": 1.0, "m": 1.0e3, "um": 1.0e-3, "in": INCH_IN_MM, "inch": INCH_IN_MM,
                "mil": 1.0e-3 * INCH_IN_MM}
"""Length units: mm per unit."""

#: constants of each law and their unit kind ("initiation:K2": the composite unit of K1 uses the
#: exponent K2, so dimensionless constants are converted first)
LAW_CONSTANTS = {
    "darveaux": {"K1": "initiation:K2", "K2": "dimensionless", "K3": "growth:K4",
                 "K4": "dimensionless"},
    "syed_energy": {"C": "per_energy"},
    "syed_strain": {"C": "dimensionless"},
    "coffin_manson": {"eps_f": "dimensionless", "c": "dimensionless"},
    "morrow": {"W_f": "energy", "m": "dimensionless"},
    "engelmaier": {"eps_f": "dimensionless", "c0": "dimensionless", "c1": "per_degree",
                   "c2": "dimensionless", "F": "dimensionless"},
    "norris_landzberg": {"n": "dimensionless", "m": "dimensionless", "Ea_over_k": "activation"},
}
#: laws whose constants belong to the layer the energy was averaged over
LAYER_SENSITIVE_LAWS = ("darveaux", "syed_energy")
#: accepted other names of solders
SOLDER_ALIASES = {"snpb": "sn63pb37", "sn37pb": "sn63pb37", "63sn37pb": "sn63pb37"}

#: sign each constant must have ("+" > 0, "-" < 0, "0+" >= 0)
_SIGNS = {
    "darveaux": {"K1": "+", "K2": "-", "K3": "+", "K4": "+"},
    "syed_energy": {"C": "+"},
    "syed_strain": {"C": "+"},
    "coffin_manson": {"eps_f": "+", "c": "-"},
    "morrow": {"W_f": "+", "m": "-"},
    "engelmaier": {"eps_f": "+", "F": "+"},
    "norris_landzberg": {"n": "0+", "m": "0+", "Ea_over_k": "0+"},
}
_SIGN_TEXT = {"+": "a number > 0", "-": "a number < 0", "0+": "a number >= 0"}
_SET_METADATA = ("base", "source", "status", "interface_layer", "notes", "rate_term")
RATE_TERMS = ("frequency", "hot_dwell")
"""What the Norris-Landzberg exponent m applies to: the cycle frequency or the hot dwell."""
_STATUS_ORDER = ("[V]", "[C]", "[S]", "[U]")
_DIMENSIONLESS = ("-", "1", "dimensionless")


def _internal_unit(kind: str) -> str:
    base, _, exponent = kind.partition(":")
    return {"dimensionless": "-", "initiation": f"cycles/MPa^{exponent}",
            "growth": f"mm/cycle/MPa^{exponent}", "per_energy": "1/MPa", "energy": "MPa",
            "per_degree": "1/C", "activation": "K"}[base]


INTERNAL_UNITS = {law: {k: _internal_unit(kind) for k, kind in spec.items()}
                  for law, spec in LAW_CONSTANTS.items()}
"""thermofatigue's unit of every constant, by law."""


# --------------------------------------------------------------------------------------------
# the constant set
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConstantSet:
    """Constants of one fatigue law for one solder, converted to thermofatigue's units.

    ``values`` in MPa / mm / cycles / K (see :data:`INTERNAL_UNITS`); ``units`` and
    ``declared`` as the source states them; ``status`` the weakest status of the constants
    (``"user"`` when every constant is the user's); ``interface_layer`` the calibration layer
    thickness (mm) or None when unknown. Plain data: picklable.
    """

    law: str
    solder: str
    name: str
    values: dict
    units: dict
    source: str
    status: str
    interface_layer: float | None
    notes: str = ""
    declared: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    averaging: str = ""
    user_constants: tuple = ()
    shipped_for: tuple = ()
    citation: str = ""
    rate_term: str = ""

    @property
    def internal_units(self) -> dict:
        return dict(INTERNAL_UNITS[self.law])

    def describe(self) -> str:
        """One line: law, solder, set name, status, constants as declared."""
        shown = ", ".join(f"{k} = {self.declared[k]:g} {self.units[k]}".rstrip(" -")
                          for k in self.values)
        return f"{self.law} / {self.solder}: {self.name} {self.status}: {shown}"


# --------------------------------------------------------------------------------------------
# units
# --------------------------------------------------------------------------------------------
def _alternatives(units: Mapping) -> str:
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


_S = _alternatives(STRESS_UNITS)
_L = _alternatives(LENGTH_UNITS)


def _unit_factor(units: str, kind: str, exponents: Mapping[str, float]) -> float | None:
    """Factor from the declared units to thermofatigue's (internal = value * factor), or None
    when ``units`` is not a valid spelling for ``kind``."""
    u = "".join(str(units).split())
    base, _, exponent_name = kind.partition(":")
    if exponent_name and exponent_name not in exponents:
        raise ValueError(f"converting {units!r} needs the exponent {exponent_name}")
    if base == "dimensionless":
        return 1.0 if u in _DIMENSIONLESS else None
    if base == "initiation":
        match = re.fullmatch(rf"cycles?/({_S})\^{exponent_name}", u)
        return STRESS_UNITS[match[1]] ** -exponents[exponent_name] if match else None
    if base == "growth":
        match = re.fullmatch(rf"({_L})/cycles?/({_S})\^{exponent_name}", u)
        if not match:
            return None
        return LENGTH_UNITS[match[1]] * STRESS_UNITS[match[2]] ** -exponents[exponent_name]
    if base == "per_energy":
        match = re.fullmatch(rf"1/({_S})|({_S})\^-1", u)
        return 1.0 / STRESS_UNITS[match[1] or match[2]] if match else None
    if base == "energy":
        return STRESS_UNITS.get(u)
    if base == "per_degree":
        return 1.0 if u in ("1/C", "1/degC", "1/K") else None
    if base == "activation":
        return {"K": 1.0, "eV": EV_IN_KELVIN}.get(u)
    raise ValueError(f"unknown unit kind {kind!r}")


def _unit_examples(kind: str) -> str:
    base, _, e = kind.partition(":")
    return {
        "dimensionless": '"-"',
        "initiation": f'"cycles/<S>^{e}" with <S> one of {", ".join(STRESS_UNITS)}',
        "growth": f'"<L>/cycle/<S>^{e}" with <L> one of {", ".join(LENGTH_UNITS)} and <S> one of '
                  f'{", ".join(STRESS_UNITS)}',
        "per_energy": f'"1/<S>" with <S> one of {", ".join(STRESS_UNITS)}',
        "energy": f'one of {", ".join(STRESS_UNITS)}',
        "per_degree": '"1/C"',
        "activation": '"K" or "eV"',
    }[base]


def to_internal(value: float, units: str, law: str, constant: str,
                exponents: Mapping[str, float] | None = None) -> float:
    """``value`` of ``law``'s ``constant`` in ``units`` converted to thermofatigue's units.

    ``exponents``: the dimensionless exponents the composite units refer to (``{"K2": ...}``
    for Darveaux K1, ``{"K4": ...}`` for K3). Raises ValueError for units it does not accept.
    """
    factor = _unit_factor(units, LAW_CONSTANTS[law][constant], exponents or {})
    if factor is None:
        raise ValueError(f"{units!r} is not a unit of {law}.{constant}")
    return value * factor


def from_internal(value: float, units: str, law: str, constant: str,
                  exponents: Mapping[str, float] | None = None) -> float:
    """Inverse of :func:`to_internal`: a value in thermofatigue's units expressed in ``units``."""
    factor = _unit_factor(units, LAW_CONSTANTS[law][constant], exponents or {})
    if factor is None:
        raise ValueError(f"{units!r} is not a unit of {law}.{constant}")
    return value / factor


# --------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _packaged_sets() -> dict:
    text = resources.files(__package__).joinpath("constants.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _canonical_solder(solder) -> str:
    name = str(solder).strip().lower()
    return SOLDER_ALIASES.get(name, name)


def available_sets(law: str | None = None, solder: str | None = None) -> list[dict]:
    """Shipped sets: dicts with law, name, solders, default, status, source."""
    rows = []
    wanted = _canonical_solder(solder) if solder is not None else None
    for law_name, sets in _packaged_sets().items():
        if law is not None and law_name != law:
            continue
        for name, entry in sets.items():
            if wanted is not None and wanted not in entry["solders"]:
                continue
            rows.append({"law": law_name, "name": name, "solders": tuple(entry["solders"]),
                         "default": bool(entry.get("default", False)),
                         "status": entry.get("status", ""), "source": entry.get("source", "")})
    return rows


def _what_exists(law: str) -> str:
    sets = available_sets(law)
    if not sets:
        return "none shipped"
    by_solder: dict[str, list[str]] = {}
    for row in sets:
        for s in row["solders"]:
            by_solder.setdefault(s, []).append(row["name"] + (" (default)" if row["default"] else ""))
    return "; ".join(f"{s}: {', '.join(names)}" for s, names in by_solder.items())


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def get_constants(law: str, solder: str, name: str | None = None, overrides=None,
                  source: str = "<case>", field: str | None = None) -> ConstantSet:
    """The checked constants of ``law`` for ``solder``.

    Parameters
    ----------
    law : one of :data:`LAW_CONSTANTS` (``"darveaux"``, ``"syed_energy"``, ``"syed_strain"``,
        ``"coffin_manson"``, ``"morrow"``, ``"engelmaier"``, ``"norris_landzberg"``).
    solder : a solder name (``"sac305"``, ``"sac405"``, ``"sn63pb37"``; alias ``"snpb"``).
    name : a shipped set of that law; default: the solder's default set.
    overrides : the user's table for this law, or a set name. Each constant is given as
        ``K1 = {value = ..., units = "..."}``; optional keys: ``base = "<set>"``, ``source``,
        ``status`` and ``interface_layer``.
        Without a shipped set for the solder it must give every constant of the law.
    source : file named in error messages; field : the dotted table name in it (default
        ``fatigue.constants.<law>``).
    """
    if law not in LAW_CONSTANTS:
        raise InputError(source, "fatigue.laws", law,
                         "one of " + ", ".join(LAW_CONSTANTS) + _suggest(law, LAW_CONSTANTS))
    field = field or f"fatigue.constants.{law}"
    solder = _canonical_solder(solder)
    user = _user_table(overrides, source, field, law)
    name = name or user.pop("base", None)
    shipped = _pick_set(law, solder, name, user, source, field)
    return _build(law, solder, shipped, user, source, field)


def _user_table(overrides, source, field, law) -> dict:
    if overrides is None:
        return {}
    if isinstance(overrides, str):
        return {"base": overrides}
    if not isinstance(overrides, Mapping):
        raise InputError(source, field, overrides,
                         "a table of constants {name = {value = ..., units = \"...\"}} or a set name")
    user = dict(overrides)
    allowed = tuple(LAW_CONSTANTS[law]) + _SET_METADATA
    for key in user:
        if key not in allowed:
            raise InputError(source, f"{field}.{key}", user[key],
                             f"a constant of {law} ({', '.join(LAW_CONSTANTS[law])}) or one of "
                             f"{', '.join(_SET_METADATA)}" + _suggest(key, allowed))
    return user


def _pick_set(law, solder, name, user, source, field) -> dict | None:
    sets = _packaged_sets().get(law, {})
    if name is not None:
        if name not in sets:
            raise InputError(source, f"{field}.base", name,
                             f"a shipped {law} set ({_what_exists(law)})" + _suggest(name, sets))
        return {"name": name, **copy.deepcopy(sets[name])}
    defaults = [n for n, e in sets.items() if solder in e["solders"] and e.get("default")]
    if defaults:
        return {"name": defaults[0], **copy.deepcopy(sets[defaults[0]])}
    missing = [k for k in LAW_CONSTANTS[law] if k not in user]
    if missing:
        needs = ", ".join(LAW_CONSTANTS[law])
        raise InputError(source, "fatigue.solder", solder,
                         f"a solder with shipped {law} constants ({_what_exists(law)}), "
                         f"or all of {needs} with units in [{field}]")
    return None


def _build(law, solder, shipped, user, source, field) -> ConstantSet:
    spec = LAW_CONSTANTS[law]
    entries: dict[str, dict] = {}
    where: dict[str, tuple[str, str]] = {}  # constant -> (source, field) for error messages
    if shipped is not None:
        for key in spec:
            entries[key] = dict(shipped[key])
            where[key] = (CONSTANTS_SOURCE, f"{law}.{shipped['name']}.{key}")
    user_keys = tuple(k for k in spec if k in user)
    for key in user_keys:
        entries[key] = _user_entry(user[key], spec[key], source, f"{field}.{key}")
        where[key] = (source, f"{field}.{key}")

    declared = {k: _number(entries[k].get("value"), *where[k], ".value") for k in spec}
    converted: dict[str, float] = {}
    for key in sorted(spec, key=lambda k: spec[k] != "dimensionless"):  # exponents first
        kind = spec[key]
        units = entries[key].get("units")
        src, fld = where[key]
        if units is None:
            raise InputError(src, f"{fld}.units", None, f"the units of {key}: {_unit_examples(kind)}")
        factor = _unit_factor(units, kind, converted)
        if factor is None:
            raise InputError(src, f"{fld}.units", units, _unit_examples(kind))
        converted[key] = declared[key] * factor
        _check_sign(law, key, converted[key], declared[key], src, fld)
    values = {k: converted[k] for k in spec}

    statuses = {k: ("user" if k in user_keys else str(entries[k].get("status", ""))) for k in spec}
    return ConstantSet(
        law=law, solder=solder,
        name=_set_name(shipped, user_keys, spec),
        values=values,
        units={k: str(entries[k]["units"]) for k in spec},
        source=_set_source(shipped, user, user_keys, source, field),
        status=_set_status(shipped, statuses, user),
        interface_layer=_interface_layer(shipped, user, user_keys, spec, source, field),
        notes=str(shipped.get("notes", "")) if shipped else str(user.get("notes", "")),
        declared=declared,
        statuses=statuses,
        averaging=str(shipped.get("averaging", "")) if shipped else "",
        user_constants=user_keys,
        shipped_for=tuple(shipped["solders"]) if shipped else (),
        citation=_citation(shipped, user, user_keys, source, field),
        rate_term=_rate_term(law, shipped, user, source, field),
    )


def _user_entry(value, kind, source, fld) -> dict:
    if isinstance(value, Mapping):
        entry = dict(value)
        for key in entry:
            if key not in ("value", "units", "status", "source"):
                raise InputError(source, f"{fld}.{key}", entry[key],
                                 "one of value, units, status, source" + _suggest(key, ("value", "units")))
        if "value" not in entry:
            raise InputError(source, f"{fld}.value", None, "a number")
        if kind == "dimensionless":
            entry.setdefault("units", "-")
        return entry
    if kind == "dimensionless":
        return {"value": value, "units": "-"}
    raise InputError(source, fld, value,
                     f'{{value = {value!r}, units = "..."}}: this constant has units '
                     f"({_unit_examples(kind)}); bare numbers only for dimensionless constants")


def _number(value, source, fld, suffix="") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(source, fld + suffix, value, "a finite number")
    return float(value)


def _check_sign(law, key, value, declared, source, fld) -> None:
    rule = _SIGNS.get(law, {}).get(key)
    ok = {"+": value > 0.0, "-": value < 0.0, "0+": value >= 0.0, None: True}[rule]
    if not ok:
        raise InputError(source, f"{fld}.value", declared, _SIGN_TEXT[rule] + f" for {law} {key}")


def _weakest(statuses) -> str:
    rank = {s: i for i, s in enumerate(_STATUS_ORDER)}
    known = [s for s in statuses if s in rank]
    return max(known, key=rank.get) if known else ""


def _set_name(shipped, user_keys, spec) -> str:
    if shipped is None:
        return "user"
    if user_keys:
        return f"{shipped['name']} + user {', '.join(user_keys)}"
    return shipped["name"]


def _set_source(shipped, user, user_keys, source, field) -> str:
    user_source = str(user.get("source", f"{source} [{field}]"))
    if shipped is None:
        return user_source
    if user_keys:
        return f"{shipped['source']}; {', '.join(user_keys)} from {user_source}"
    return str(shipped["source"])


def _citation(shipped, user, user_keys, source, field) -> str:
    if shipped is None:
        return str(user.get("source", f"{source} [{field}]"))
    short = str(shipped.get("citation", shipped["name"]))
    return f"{short}; {', '.join(user_keys)} from {source}" if user_keys else short


def _set_status(shipped, statuses, user) -> str:
    if "status" in user:
        return str(user["status"])
    shipped_status = [s for s in statuses.values() if s != "user"]
    if not shipped_status:
        return "user"
    weakest = _weakest(shipped_status + [str(shipped.get("status", ""))])
    return weakest + (" + user" if "user" in statuses.values() else "")


def _rate_term(law, shipped, user, source, field) -> str:
    if law != "norris_landzberg":
        if "rate_term" in user:
            raise InputError(source, f"{field}.rate_term", user["rate_term"],
                             "no rate_term (it belongs to norris_landzberg)")
        return ""
    term = user.get("rate_term", shipped.get("rate_term", "frequency") if shipped else "frequency")
    if term not in RATE_TERMS:
        raise InputError(source, f"{field}.rate_term", term, " or ".join(f'"{t}"' for t in RATE_TERMS))
    return str(term)


def _interface_layer(shipped, user, user_keys, spec, source, field) -> float | None:
    if "interface_layer" in user:
        value = _number(user["interface_layer"], source, f"{field}.interface_layer")
        if value <= 0.0:
            raise InputError(source, f"{field}.interface_layer", value, "a thickness > 0 (mm)")
        return value
    if shipped is None or len(user_keys) == len(spec):
        return None
    layer = shipped.get("interface_layer")
    return float(layer) if layer is not None else None


# --------------------------------------------------------------------------------------------
# warnings and listing
# --------------------------------------------------------------------------------------------
_STATUS_MEANING = {
    "[S]": "read in a secondary source only",
    "[U]": "representative or recalled, not verified",
}


def constant_warnings(constants: ConstantSet, interface_layer: float | None = None,
                      rtol: float = 0.01) -> list[str]:
    """Lines a run prints about ``constants``: [S]/[U] status, user values, and, for the laws
    of :data:`LAYER_SENSITIVE_LAWS`, an averaging layer (``interface_layer``, mm) that differs
    from the calibration layer by more than ``rtol`` or a calibration layer that is unknown."""
    lines = []
    cs = constants
    shipped = [st for st in cs.statuses.values() if st != "user"]
    weakest = _weakest(shipped + [cs.status.replace(" + user", "")]) if shipped else ""
    if weakest in _STATUS_MEANING:
        lines.append(
            f"{cs.law}: constants '{cs.name}' ({cs.solder}) are {weakest}, "
            f"{_STATUS_MEANING[weakest]} ({cs.citation or cs.source}); absolute lives are "
            f"indicative only, give calibrated constants in [fatigue.constants.{cs.law}]")
    if cs.shipped_for and cs.solder not in cs.shipped_for:
        lines.append(f"{cs.law}: constants '{cs.name}' were shipped for "
                     f"{', '.join(cs.shipped_for)}, used here for {cs.solder}")
    if cs.law in LAYER_SENSITIVE_LAWS and interface_layer is not None:
        if cs.interface_layer is None:
            lines.append(f"{cs.law}: constants '{cs.name}' were calibrated with an unknown "
                         f"averaging layer; this run averages over {interface_layer:g} mm")
        elif abs(interface_layer - cs.interface_layer) > rtol * cs.interface_layer:
            lines.append(f"{cs.law}: constants '{cs.name}' were calibrated with a "
                         f"{cs.interface_layer:g} mm interface layer; this run averages over "
                         f"{interface_layer:g} mm (the layer average, and so the life, depend on it)")
    return lines


def format_constant_sets() -> str:
    """Every shipped set with its constants as declared, status and source (for listings)."""
    lines = []
    for law, sets in _packaged_sets().items():
        for name, entry in sets.items():
            flag = " (default)" if entry.get("default") else ""
            lines.append(f"{law}.{name}{flag}  {entry.get('status', '')}  "
                         f"solders: {', '.join(entry['solders'])}")
            for key in LAW_CONSTANTS[law]:
                c = entry[key]
                lines.append(f"    {key} = {c['value']:g} {c['units']}  {c.get('status', '')}")
            if entry.get("interface_layer") is not None:
                lines.append(f"    interface layer {entry['interface_layer']:g} mm "
                             f"{entry.get('interface_layer_status', '')}")
            lines.append(f"    source: {entry.get('source', '')}")
    return "\n".join(lines)
