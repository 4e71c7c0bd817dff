"""The cited material library, inline material definitions, validation and listing.

The packaged ``library.toml`` holds every material with the source and status of each value
(its header comment describes the layout). A case file may use a library material by name, or
define one inline, either from scratch or on top of a library entry::

    [materials.my_solder]
    base = "sac305"        # start from the library entry
    E = 45000              # a bare number replaces the whole property (MPa, 1/K, -, deg)
    anand = { h0 = 18000 } # parameter sets are merged key by key

:func:`get_material` turns any of these into a checked :class:`Material`; every problem raises
:class:`~thermofatigue.errors.InputError` naming the source file, the field (e.g.
``materials.die.nu``), the value and what was expected. :func:`format_library` renders the whole
library with every value and its source for ``thermofatigue materials``.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Mapping

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ..errors import InputError
from .elastic import check_orthotropic
from .properties import INSTANTANEOUS, SECANT, Constant, Polynomial, Table, ThermalExpansion

__all__ = [
    "LIBRARY_SOURCE",
    "PARAMETER_SECTIONS",
    "Material",
    "library_data",
    "material_names",
    "get_material",
    "format_library",
    "format_material",
]

LIBRARY_SOURCE = "thermofatigue/materials/library.toml"

#: the parameter sets read by the inelastic models, with their keys (units: MPa, K, 1/s)
PARAMETER_SECTIONS = {
    "anand": ("s0", "Q_over_R", "A", "xi", "m", "h0", "s_hat", "n", "a"),
    "garofalo": ("C1", "C2", "C3", "C4"),
    "norton": ("A", "sigma_ref", "n", "Q_over_R"),
    "plasticity": ("yield_stress", "hardening_modulus"),
}
_POSITIVE_PARAMETERS = {
    "anand": {"s0", "A", "xi", "m", "h0", "s_hat"},
    "garofalo": {"C1", "C2", "C3"},
    "norton": {"A", "sigma_ref", "n"},
    "plasticity": {"yield_stress"},
}
_METADATA_KEYS = ("source", "status", "note", "units")
_MATERIAL_KEYS = ("description", "elasticity", "base")
STATUS_TAGS = ("[V]", "[S]", "[C]", "[U]")

# property name -> (family, allowed units with their factor to MPa / 1/K / - / deg)
_MODULUS_UNITS = {"MPa": 1.0, "GPa": 1.0e3}
_CTE_UNITS = {"1/K": 1.0, "ppm/K": 1.0e-6}
_PROPERTY_FAMILIES = {
    **{name: ("modulus", _MODULUS_UNITS, "MPa")
       for name in ("E", "E1", "E2", "E3", "G12", "G13", "G23", "C11", "C12", "C44")},
    **{name: ("ratio", {"-": 1.0}, "-") for name in ("nu", "nu12", "nu13", "nu23")},
    **{name: ("cte", _CTE_UNITS, "1/K") for name in ("cte", "cte1", "cte2", "cte3")},
    "rotation": ("angle", {"deg": 1.0}, "deg"),
}
_PROPERTY_SPEC_KEYS = ("value", "T", "poly", "range", "unit", "kind", "reference_temperature")

#: properties each elastic model needs
REQUIRED_PROPERTIES = {
    "isotropic": ("E", "nu", "cte"),
    "orthotropic": ("E1", "E2", "E3", "G12", "G13", "G23", "nu12", "nu13", "nu23",
                    "cte1", "cte2", "cte3"),
    "cubic": ("C11", "C12", "C44", "rotation", "cte"),
}

#: temperatures (C) at which moduli, Poisson ratios and CTEs are checked, besides the
#: breakpoints of each table; the library tables span the same range
CHECK_TEMPERATURES = np.linspace(-100.0, 300.0, 81)
#: largest plausible CTE in 1/K (catches ppm/K values entered without ``unit = "ppm/K"``)
MAX_CTE = 1.0e-3


@dataclass(frozen=True)
class Material:
    """A checked material: property objects in mm/N/MPa/C units plus the cited metadata.

    ``properties`` maps names (``E``, ``nu``, ``cte``, ``E1`` ... ``nu23``, ``cte1`` ... ``cte3``,
    ``C11``, ``C12``, ``C44``, ``rotation``) to :mod:`~thermofatigue.materials.properties`
    objects (moduli in MPa, CTEs as :class:`ThermalExpansion` in 1/K, rotation in degrees).
    ``parameter_sets`` holds the inelastic parameter sets (floats, MPa/K/1/s). ``raw`` is the
    entry as read, with sources and statuses, for listings.
    """

    name: str
    description: str
    elasticity: str
    properties: Mapping[str, object]
    parameter_sets: Mapping[str, Mapping[str, float]]
    raw: Mapping[str, object] = field(repr=False)
    source: str = LIBRARY_SOURCE
    field: str = ""

    @property
    def rotation_deg(self) -> float:
        """Rotation of a cubic crystal about axis 3 (degrees); 0 for other kinds."""
        rotation = self.properties.get("rotation")
        return float(rotation(0.0)) if rotation is not None else 0.0

    def has_parameters(self, section: str) -> bool:
        return section in self.parameter_sets

    def parameters(self, section: str, required=None) -> dict[str, float]:
        """The parameter set ``section`` (e.g. ``"anand"``) as a dict of floats.

        Raises :class:`InputError` naming ``<field>.<section>`` when the set (or one of the
        ``required`` keys, default: the keys listed in :data:`PARAMETER_SECTIONS`) is missing.
        """
        if required is None:
            required = PARAMETER_SECTIONS.get(section, ())
        params = self.parameter_sets.get(section)
        if params is None:
            raise InputError(
                self.source, f"{self.field}.{section}", None,
                f"a [{self.field}.{section}] parameter set with keys {', '.join(required)}",
            )
        for key in required:
            if key not in params:
                raise InputError(
                    self.source, f"{self.field}.{section}.{key}", None, "a number (missing)"
                )
        return dict(params)


# -- loading ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _packaged_library() -> dict:
    text = resources.files(__package__).joinpath("library.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def library_data() -> dict:
    """The packaged library as read from ``library.toml`` (a fresh deep copy)."""
    return copy.deepcopy(_packaged_library())


def material_names() -> list[str]:
    """Names of the library materials, in file order."""
    return list(_packaged_library())


def get_material(spec, overrides=None, source=LIBRARY_SOURCE, field=None, name=None) -> Material:
    """A checked :class:`Material` from a library name or an inline table.

    Parameters
    ----------
    spec:
        a library name (``"sac305"``) or an inline table (a dict as read from TOML), complete or
        with ``base = "<library name>"`` to start from a library entry.
    overrides:
        optional dict applied on top, with the same rules as an inline table: a property key
        replaces the whole property (a bare number is a constant in MPa, 1/K, - or deg); a
        parameter set (``anand``, ``garofalo``, ``norton``, ``plasticity``) is merged key by key.
    source:
        file (or other origin) named in error messages and recorded as the source of user values.
    field:
        dotted name of the material in that source, e.g. ``"materials.die"``; default
        ``"materials.<name>"``.
    name:
        material name; default: the library name, else the last part of ``field``.
    """
    library = _packaged_library()
    if field is None:
        field = f"materials.{name or (spec if isinstance(spec, str) else 'inline')}"
    if name is None:
        name = spec if isinstance(spec, str) else field.rsplit(".", 1)[-1]

    if isinstance(spec, str):
        raw = _library_entry(spec, library, source, field)
        raw_source = LIBRARY_SOURCE
    elif isinstance(spec, Mapping):
        spec = dict(spec)
        base = spec.pop("base", None)
        if base is not None:
            raw = _library_entry(base, library, source, f"{field}.base")
            raw["description"] = f"{raw.get('description', base)} [{base} modified in {source}]"
            _overlay(raw, spec, source, field)
        else:
            raw = {}
            _overlay(raw, spec, source, field)
        raw_source = source
    else:
        raise InputError(
            source, field, spec,
            f"a material name ({', '.join(library)}) or an inline table",
        )
    if overrides:
        _overlay(raw, dict(overrides), source, field)
        raw_source = source
    return _build_material(name, raw, raw_source, field)


def _library_entry(name, library, source, field) -> dict:
    if not isinstance(name, str) or name not in library:
        raise InputError(
            source, field, name,
            "a library material, one of: " + ", ".join(library),
        )
    return copy.deepcopy(library[name])


def _overlay(raw: dict, user: dict, source: str, field: str) -> None:
    """Apply user keys to ``raw`` in place, recording the user's source on every new value."""
    for key, value in user.items():
        if key in PARAMETER_SECTIONS:
            if not isinstance(value, Mapping):
                raise InputError(source, f"{field}.{key}", value, "a table of parameters")
            is_new = key not in raw
            section = raw.setdefault(key, {})
            changed = [k for k in value if k not in _METADATA_KEYS]
            section.update(value)
            origin = f"{source} ({field}.{key})"
            if "source" not in value:
                section["source"] = origin if is_new else (
                    f"{section.get('source')}; user values for {', '.join(changed)} from {origin}")
            if "status" not in value:
                section["status"] = "user" if is_new else f"{section.get('status')} + user values"
        elif key in _PROPERTY_FAMILIES and isinstance(value, Mapping):
            entry = dict(value)
            entry.setdefault("source", f"{source} ({field}.{key})")
            entry.setdefault("status", "user")
            raw[key] = entry
        elif key in _PROPERTY_FAMILIES:
            raw[key] = {"value": value, "source": f"{source} ({field}.{key})", "status": "user"}
        else:
            raw[key] = value  # description, elasticity, or an unknown key caught later


# -- building and checking -------------------------------------------------------------------


def _build_material(name: str, raw: dict, source: str, field: str) -> Material:
    elasticity = raw.get("elasticity")
    if elasticity not in REQUIRED_PROPERTIES:
        raise InputError(
            source, f"{field}.elasticity", elasticity,
            "one of " + ", ".join(f'"{k}"' for k in REQUIRED_PROPERTIES),
        )
    for key in raw:
        if key not in _PROPERTY_FAMILIES and key not in PARAMETER_SECTIONS \
                and key not in _MATERIAL_KEYS:
            raise InputError(
                source, f"{field}.{key}", raw[key],
                "a known key: description, elasticity, base, a property ("
                + ", ".join(_PROPERTY_FAMILIES) + ") or a parameter set ("
                + ", ".join(PARAMETER_SECTIONS) + ")",
            )
    for needed in REQUIRED_PROPERTIES[elasticity]:
        if needed not in raw:
            raise InputError(
                source, f"{field}.{needed}", None,
                f"a value: {elasticity} elasticity needs "
                + ", ".join(REQUIRED_PROPERTIES[elasticity]),
            )

    properties = {
        key: _parse_property(key, raw[key], source, f"{field}.{key}")
        for key in raw if key in _PROPERTY_FAMILIES
    }
    _check_elastic_constants(elasticity, properties, raw, source, field)
    parameter_sets = {
        key: MappingProxyType(_parse_parameters(key, raw[key], source, f"{field}.{key}"))
        for key in raw if key in PARAMETER_SECTIONS
    }
    return Material(
        name=name,
        description=str(raw.get("description", "")),
        elasticity=elasticity,
        properties=MappingProxyType(properties),
        parameter_sets=MappingProxyType(parameter_sets),
        raw=MappingProxyType(raw),
        source=source,
        field=field,
    )


def _number(value, source, field, expected="a number") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(source, field, value, expected)
    return float(value)


def _number_list(value, source, field) -> list[float]:
    if not isinstance(value, (list, tuple)):
        raise InputError(source, field, value, "a list of numbers")
    return [_number(v, source, field, "a list of numbers") for v in value]


def _parse_property(key: str, spec, source: str, field: str):
    """Property object from a spec (see library.toml header), in MPa / 1/K / - / deg."""
    family, units, default_unit = _PROPERTY_FAMILIES[key]
    if not isinstance(spec, Mapping):
        spec = {"value": spec}
    for k in spec:
        if k not in _PROPERTY_SPEC_KEYS and k not in _METADATA_KEYS:
            raise InputError(
                source, f"{field}.{k}", spec[k],
                "one of the property keys " + ", ".join(_PROPERTY_SPEC_KEYS + _METADATA_KEYS),
            )
    unit = spec.get("unit", default_unit)
    if unit not in units:
        raise InputError(source, f"{field}.unit", unit, "one of " + ", ".join(units))
    scale = units[unit]

    has_table = "T" in spec
    has_poly = "poly" in spec
    has_value = "value" in spec
    if has_poly and (has_table or has_value):
        raise InputError(source, field, dict(spec), "either poly = [...] or value (+ T), not both")
    if has_table:
        T = _number_list(spec["T"], source, f"{field}.T")
        values = _number_list(spec.get("value"), source, f"{field}.value")
        try:
            prop = Table(tuple(T), tuple(v * scale for v in values))
        except ValueError as err:
            raise InputError(
                source, f"{field}.T", spec["T"],
                f"a valid table ({err}): T in C increasing, one value per T",
            ) from None
    elif has_poly:
        coefficients = _number_list(spec["poly"], source, f"{field}.poly")
        valid_range = spec.get("range")
        if valid_range is not None:
            valid_range = _number_list(valid_range, source, f"{field}.range")
            if len(valid_range) != 2 or not valid_range[0] < valid_range[1]:
                raise InputError(source, f"{field}.range", spec["range"],
                                 "[T_min, T_max] with T_min < T_max")
        if not coefficients:
            raise InputError(source, f"{field}.poly", spec["poly"], "at least one coefficient")
        prop = Polynomial(tuple(c * scale for c in coefficients),
                          tuple(valid_range) if valid_range else None)
    elif has_value:
        prop = Constant(_number(spec["value"], source, f"{field}.value") * scale)
    else:
        raise InputError(source, field, dict(spec),
                         "value = <number>, T = [...] with value = [...], or poly = [...]")

    if family == "angle" and not isinstance(prop, Constant):
        raise InputError(source, field, dict(spec), "a constant angle in degrees")
    if family != "cte":
        return prop
    return _parse_thermal_expansion(prop, spec, source, field)


def _parse_thermal_expansion(alpha, spec, source, field) -> ThermalExpansion:
    bare_number = set(spec) <= {"value", "source", "status"} and isinstance(alpha, Constant)
    kind = spec.get("kind")
    if kind is None:
        if not bare_number:
            raise InputError(
                source, f"{field}.kind", None,
                f'kind = "{INSTANTANEOUS}" or "{SECANT}" (every CTE must say which it is)',
            )
        kind = INSTANTANEOUS  # a constant: instantaneous and secant coincide
    if kind not in (INSTANTANEOUS, SECANT):
        raise InputError(source, f"{field}.kind", kind, f'"{INSTANTANEOUS}" or "{SECANT}"')
    reference = spec.get("reference_temperature")
    if kind == SECANT:
        if reference is None:
            raise InputError(
                source, f"{field}.reference_temperature", None,
                "the temperature (C) from which the secant CTE is measured",
            )
        reference = _number(reference, source, f"{field}.reference_temperature")
    elif reference is not None:
        raise InputError(
            source, f"{field}.reference_temperature", reference,
            'no reference_temperature for kind = "instantaneous" (it is for secant data)',
        )
    temperatures = np.concatenate([CHECK_TEMPERATURES, alpha.breakpoints])
    if np.any(np.abs(alpha(temperatures)) > MAX_CTE):
        raise InputError(
            source, field, _shown(spec),
            f'a CTE in 1/K below {MAX_CTE:g} (write unit = "ppm/K" for ppm values)',
        )
    return ThermalExpansion(alpha, kind, reference)


def _shown(spec):
    spec = dict(spec)
    return spec.get("value", spec.get("poly", spec))


def _check_temperatures(*props) -> np.ndarray:
    points = [CHECK_TEMPERATURES] + [np.asarray(p.breakpoints, dtype=float) for p in props]
    return np.unique(np.concatenate(points))


def _check_elastic_constants(elasticity, properties, raw, source, field) -> None:
    """Positive moduli, admissible Poisson ratios, positive-definite stiffness, at every check
    temperature (CHECK_TEMPERATURES and all table breakpoints)."""
    for key, prop in properties.items():
        family = _PROPERTY_FAMILIES[key][0]
        T = _check_temperatures(prop)
        if family == "modulus" and key != "C12" and np.any(prop(T) <= 0.0):
            raise InputError(source, f"{field}.{key}", _shown(raw[key]),
                             "a positive modulus at every temperature")
        if key == "nu" and elasticity == "isotropic":
            nu = prop(T)
            if np.any(nu <= -1.0) or np.any(nu >= 0.5):
                raise InputError(source, f"{field}.nu", _shown(raw[key]),
                                 "-1 < nu < 0.5 (isotropic)")

    if elasticity == "orthotropic":
        names = REQUIRED_PROPERTIES["orthotropic"][:9]
        T = _check_temperatures(*(properties[n] for n in names))
        try:
            check_orthotropic(*(properties[n](T) for n in names))
        except ValueError as err:
            raise InputError(
                source, f"{field}.nu12/nu13/nu23",
                [_shown(raw[n]) for n in ("nu12", "nu13", "nu23")],
                f"Poisson ratios giving a positive-definite stiffness ({err})",
            ) from None
    elif elasticity == "cubic":
        C11, C12, C44 = (properties[n] for n in ("C11", "C12", "C44"))
        T = _check_temperatures(C11, C12, C44)
        c11, c12 = C11(T), C12(T)
        if np.any(c11 - c12 <= 0.0) or np.any(c11 + 2.0 * c12 <= 0.0):
            raise InputError(
                source, f"{field}.C12", _shown(raw["C12"]),
                "C11 - C12 > 0 and C11 + 2 C12 > 0 (positive-definite cubic stiffness)",
            )


def _parse_parameters(section: str, spec, source: str, field: str) -> dict[str, float]:
    if not isinstance(spec, Mapping):
        raise InputError(source, field, spec, "a table of parameters")
    keys = PARAMETER_SECTIONS[section]
    params = {}
    for k, v in spec.items():
        if k in _METADATA_KEYS:
            continue
        if k not in keys:
            raise InputError(source, f"{field}.{k}", v,
                             f"one of the {section} keys " + ", ".join(keys))
        params[k] = _number(v, source, f"{field}.{k}")
    for k in keys:
        if k not in params:
            raise InputError(source, f"{field}.{k}", None, "a number (missing)")
        limit_ok = params[k] > 0.0 if k in _POSITIVE_PARAMETERS[section] else params[k] >= 0.0
        if not limit_ok:
            sign = "positive" if k in _POSITIVE_PARAMETERS[section] else "non-negative"
            raise InputError(source, f"{field}.{k}", params[k], f"a {sign} number")
    return params


# -- listing ---------------------------------------------------------------------------------


def _format_number(x) -> str:
    return f"{x:.10g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def _format_property(key: str, spec) -> list[str]:
    if not isinstance(spec, Mapping):
        return [f"  {key} = {_format_number(spec)}"]
    unit = spec.get("unit", _PROPERTY_FAMILIES.get(key, (None, None, ""))[2])
    unit = "" if unit == "-" else f" {unit}"
    kind = spec.get("kind")
    label = key
    if kind:
        label += f" ({kind}"
        if spec.get("reference_temperature") is not None:
            label += f", from {_format_number(spec['reference_temperature'])} C"
        label += ")"
    if "T" in spec:
        pairs = ", ".join(f"{_format_number(t)}: {_format_number(v)}"
                          for t, v in zip(spec["T"], spec.get("value", [])))
        text = f"table (T in C: value{unit}) {pairs}"
    elif "poly" in spec:
        terms = " ".join(
            f"{'+' if c >= 0 and i else ('-' if c < 0 else '')}{' ' if i else ''}"
            f"{_format_number(abs(c) if i else c)}{' T' if i == 1 else (f' T^{i}' if i else '')}"
            for i, c in enumerate(spec["poly"])
        )
        text = f"{terms}{unit} (T in C)"
        if spec.get("range"):
            lo, hi = spec["range"]
            text += f", held constant outside {_format_number(lo)}..{_format_number(hi)} C"
    else:
        text = f"{_format_number(spec.get('value'))}{unit}"
    lines = [f"  {label} = {text}  {spec.get('status', '')}".rstrip()]
    lines += _format_metadata(spec)
    return lines


def _format_metadata(spec) -> list[str]:
    lines = []
    if spec.get("source"):
        lines.append(f"      source: {spec['source']}")
    if spec.get("note"):
        lines.append(f"      note: {spec['note']}")
    return lines


def format_material(name: str, raw: Mapping) -> str:
    """Readable listing of one material entry (as read, or as built in ``Material.raw``)."""
    header = f"{name} -- {raw.get('description', '')} (elasticity: {raw.get('elasticity')})"
    lines = [header]
    for key, spec in raw.items():
        if key in _PROPERTY_FAMILIES:
            lines += _format_property(key, spec)
    for key, spec in raw.items():
        if key in PARAMETER_SECTIONS and isinstance(spec, Mapping):
            values = ", ".join(f"{k} = {_format_number(v)}" for k, v in spec.items()
                               if k not in _METADATA_KEYS)
            lines.append(f"  {key}: {values}  {spec.get('status', '')}".rstrip())
            lines += _format_metadata(spec)
    return "\n".join(lines)


def format_library() -> str:
    """The whole library as text: every material, every value with its status and source."""
    library = _packaged_library()
    lines = [
        f"thermofatigue material library ({len(library)} materials, {LIBRARY_SOURCE})",
        "units: MPa and 1/K unless stated, T in C; parameter sets in MPa, K, 1/s",
        "status: [V] read in the cited source, [S] secondary source quoting it, "
        "[C] computed from [V]/[S] data, [U] unverified / representative",
        "",
    ]
    for name, raw in library.items():
        lines.append(format_material(name, raw))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
