"""From a run's joint table to the life of every joint: the ``[fatigue]`` settings of a case,
which cycle the energies are taken from (stabilisation), and the cycles to failure by each
fatigue law of :mod:`thermofatigue.fatigue`.

The critical joint is the one with the shortest life under the primary law; it is found from
the results, never assumed to be the corner joint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .results import JointTable, LifeTable, Stabilisation

FATIGUE_KEYS = {"laws", "primary", "solder", "constants", "stabilisation_tolerance",
                "max_cycles", "interface_layer", "field"}
FIELD_KEYS = {"T_min", "T_max", "cycles_per_day"}   # and optionally "dwell" (minutes, hot)


@dataclass(frozen=True)
class FatigueSettings:
    """The ``[fatigue]`` table of a case (docs/case-file.md)."""

    laws: tuple | None = None            # None: every law with constants for the solder
    primary: str = "darveaux"
    solder: str | None = None            # None: the joints' library material
    constants: dict = field(default_factory=dict)   # law -> user constants
    stabilisation_tolerance: float = 0.02
    max_cycles: int = 10                 # bound of cycles = "auto"
    interface_layer: float | None = None  # mm; None: the mesh's layers (or 0.025 mm)
    field: dict | None = None            # field profile for Norris-Landzberg


def parse_fatigue(table, source: str) -> FatigueSettings:
    """Check a case's ``[fatigue]`` table (absent: the defaults)."""
    if table is None:
        return FatigueSettings()
    if not isinstance(table, dict):
        raise InputError(source, "fatigue", table, "a table")
    from .fatigue import LAWS

    for key in table:
        if key not in FATIGUE_KEYS:
            raise InputError(source, f"fatigue.{key}", table[key],
                             f"a known key of [fatigue]{_closest(key, FATIGUE_KEYS)}: "
                             f"{', '.join(sorted(FATIGUE_KEYS))}")
    laws = table.get("laws")
    if laws is not None:
        if not isinstance(laws, list) or not laws or any(law not in LAWS for law in laws):
            bad = [law for law in laws if law not in LAWS] if isinstance(laws, list) else laws
            raise InputError(source, "fatigue.laws", bad, f"a list from {sorted(LAWS)}")
        laws = tuple(laws)
    primary = table.get("primary", laws[0] if laws and "darveaux" not in laws else "darveaux")
    if primary not in LAWS or (laws is not None and primary not in laws):
        raise InputError(source, "fatigue.primary", primary,
                         f"one of the laws {sorted(laws or LAWS)}")
    solder = table.get("solder")
    if solder is not None and not isinstance(solder, str):
        raise InputError(source, "fatigue.solder", solder, "a solder name such as \"sac305\"")
    constants = table.get("constants", {})
    known = set(LAWS) | {"norris_landzberg"}
    if not isinstance(constants, dict) or any(k not in known or not isinstance(v, (dict, str))
                                              for k, v in constants.items()):
        raise InputError(source, "fatigue.constants", constants,
                         f"a table {{law = {{constant = {{value = ..., units = ...}}, ...}}}} "
                         f"or {{law = \"shipped set name\"}} with laws from {sorted(known)}")
    tolerance = _number(table.get("stabilisation_tolerance", 0.02), source,
                        "fatigue.stabilisation_tolerance", 1e-4, 0.5)
    max_cycles = table.get("max_cycles", 10)
    if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) or not 2 <= max_cycles <= 50:
        raise InputError(source, "fatigue.max_cycles", max_cycles, "an integer in [2, 50]")
    layer = table.get("interface_layer")
    if layer is not None:
        layer = _number(layer, source, "fatigue.interface_layer", 1e-4, 1.0)
    field_profile = table.get("field")
    if field_profile is not None:
        if not isinstance(field_profile, dict) or not FIELD_KEYS <= set(field_profile) \
                or not set(field_profile) <= FIELD_KEYS | {"dwell"}:
            raise InputError(source, "fatigue.field", field_profile,
                             "a table {T_min = C, T_max = C, cycles_per_day = n, dwell = "
                             "minutes at T_max (needed by the SAC constants of Pan et al.)}")
        if "dwell" in field_profile:
            _number(field_profile["dwell"], source, "fatigue.field.dwell", 1e-3, 1e5)
        for key in FIELD_KEYS:
            _number(field_profile[key], source, f"fatigue.field.{key}",
                    *((1e-3, 1e4) if key == "cycles_per_day" else (-100.0, 300.0)))
        if not field_profile["T_min"] < field_profile["T_max"]:
            raise InputError(source, "fatigue.field.T_max", field_profile["T_max"],
                             f"a value above fatigue.field.T_min = {field_profile['T_min']}")
    return FatigueSettings(laws, primary, solder, constants, tolerance, max_cycles, layer,
                           field_profile)


def check_constants(settings: FatigueSettings, solder: str | None, source: str) -> None:
    """Before any work: every law the case asks for has constants for its solder (shipped or
    the case's own, with valid units), so that a run never solves for minutes and then fails
    on its fatigue constants."""
    from .fatigue import LAWS, default_laws, get_constants

    if solder is None:
        if settings.laws and not settings.constants:
            raise InputError(source, "fatigue.solder", None,
                             "the joints' solder (a library name such as \"sac305\") or "
                             "[fatigue.constants] for every law")
        return
    laws = settings.laws or tuple(default_laws(solder))
    for law in laws:
        get_constants(law, solder, overrides=settings.constants.get(law), source=source,
                      field=f"fatigue.constants.{law}")
    for law in settings.constants:
        if law not in laws and law in LAWS:
            get_constants(law, solder, overrides=settings.constants[law], source=source,
                          field=f"fatigue.constants.{law}")
    if settings.field is not None:
        nl = get_constants("norris_landzberg", solder,
                           overrides=settings.constants.get("norris_landzberg"), source=source,
                           field="fatigue.constants.norris_landzberg")
        if nl.rate_term == "hot_dwell" and "dwell" not in settings.field:
            raise InputError(source, "fatigue.field.dwell", "missing",
                             f"the field's hot dwell in minutes: the '{nl.name}' "
                             f"Norris-Landzberg constants for {solder} scale with the hot-dwell "
                             f"time")


def _number(value, source, name, lo, hi) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise InputError(source, name, value, f"a number in [{lo:g}, {hi:g}]")
    return float(value)


def _closest(name, options) -> str:
    import difflib

    match = difflib.get_close_matches(name, sorted(options), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def stabilisation_rule(table: JointTable, tolerance: float, rule: str) -> Stabilisation:
    """The cycle the life is taken from (the last one run), the change of the critical joint's
    interface energy from the cycle before, and, when that change is not below ``tolerance``,
    the geometric-decay extrapolation of its stabilised value."""
    from .fatigue.stabilise import extrapolate_stabilised, relative_changes

    n = table.n_cycles
    if n == 0:
        return Stabilisation(0, 0, tolerance, None, False, None, rule)
    last = table.cycle(n)
    if not np.any(np.isfinite(last["dW_interface"])):
        return Stabilisation(n, n, tolerance, None, False, None, rule)
    i = int(np.nanargmax(last["dW_interface"]))
    joint = int(last["joint"][i])
    series = table["dW_interface"][table["joint"] == joint]
    change = None if n < 2 else float(relative_changes(series)[-1])
    stabilised = change is not None and change < tolerance
    extrapolated = None if stabilised else extrapolate_stabilised(series)
    return Stabilisation(n, n, tolerance, change, stabilised,
                         None if extrapolated is None else float(extrapolated), rule, joint)


def extrapolated_table(table: JointTable) -> JointTable | None:
    """The last cycle's rows with each joint's energies and strains replaced by their
    geometric-decay extrapolations (None where a joint's sequence does not decay)."""
    from .fatigue.stabilise import extrapolate_stabilised

    n = table.n_cycles
    if n < 3:
        return None
    last = table.cycle(n)
    data = {k: v.copy() for k, v in last.data.items()}
    for key in ("dW_joint", "dW_die_layer", "dW_board_layer", "dW_interface", "eps_acc_joint",
                "eps_acc_interface", "d_eps_in"):
        for i, j in enumerate(last["joint"]):
            value = extrapolate_stabilised(table[key][table["joint"] == j])
            data[key][i] = np.nan if value is None else value
    data["cycle"] = np.zeros(len(last), dtype=int)
    return JointTable(data)


def cycle_measures(profile) -> dict:
    """The cycle's mean temperature, half-cycle dwell (min), swing, maximum (C) and frequency
    (cycles per day), for Engelmaier's exponent and the Norris-Landzberg factor."""
    from .estimate import cycle_parameters

    p = cycle_parameters(profile)
    return {**p, "dT": p["delta_T"], "cycles_per_day": 86400.0 / profile.period}


def life_table(rows: JointTable, laws, solder, settings: FatigueSettings, source: str,
               cycle: dict | None = None):
    """Cycles to failure of every joint of ``rows`` (one cycle's rows) by each law, sorted by
    the primary law's life; and the constants used and the warnings (status, layer)."""
    from .fatigue import FatigueInputs, predict_life

    crack = np.where(rows["interface"] == "board", rows["board_pad_diameter"],
                     rows["die_pad_diameter"])
    inputs = FatigueInputs(dW_interface=rows["dW_interface"], crack_length=crack,
                           d_eps_in=rows["d_eps_in"],
                           creep_strain_per_cycle=rows["eps_acc_interface"],
                           dW_joint=rows["dW_joint"])
    layer = rows["interface_layer"]
    layer = float(np.nanmax(layer)) if np.any(np.isfinite(layer)) else None
    cycle = cycle or {}
    predicted = predict_life(inputs, list(laws), solder, constants=settings.constants,
                             interface_layer=layer, source=source, primary_law=settings.primary
                             if settings.primary in laws else None,
                             mean_temperature_C=cycle.get("mean_temperature_C"),
                             half_cycle_dwell_minutes=cycle.get("half_cycle_dwell_minutes"))
    lives = predicted.lives
    data = {name: rows[name] for name in ("joint", "row", "column", "dnp", "cycle",
                                          "dW_die_layer", "dW_board_layer", "dW_interface",
                                          "interface", "d_eps_in", "eps_acc_interface",
                                          "dW_joint")}
    data["crack_length"] = crack
    used = [law for law in laws if law in lives]
    for law in used:
        data[f"N_{law}"] = np.asarray(lives[law], dtype=float)
    table = LifeTable(data, LifeTable.life_columns(used))
    primary = settings.primary if settings.primary in used else (used[0] if used else None)
    if primary is not None:
        order = np.argsort(np.where(np.isfinite(table.life(primary)), table.life(primary),
                                    np.inf), kind="stable")
        table = table.select(order)
    return table, primary, predicted


def assess_life(table: JointTable, stabilisation: Stabilisation, settings: FatigueSettings,
                solder: str | None, source: str, profile=None):
    """Life tables at the used cycle and, if not stabilised, from the extrapolated energies;
    the constants used (law -> one-line description), the Norris-Landzberg field life (or
    None) and the warnings to show the user."""
    from .fatigue import acceleration_factor, default_laws

    if len(table) == 0 or stabilisation.cycle_used == 0:
        return None, None, {}, None, ["no solder joints found: no life computed"]
    if solder is None and not settings.constants:
        return None, None, {}, None, ["the joints' solder is not a library material and the "
                                      "case gives no [fatigue] constants: no life computed"]
    laws = settings.laws or tuple(default_laws(solder or ""))
    if not laws:
        return None, None, {}, None, [f"no fatigue-law constants for solder {solder!r}: no "
                                      "life computed (give them in [fatigue] constants)"]
    cycle = cycle_measures(profile) if profile is not None else None
    rows = table.cycle(stabilisation.cycle_used)
    life, primary, predicted = life_table(rows, laws, solder, settings, source, cycle)
    warnings = list(dict.fromkeys(predicted.warnings))
    constants = {law: cs.describe() for law, cs in predicted.constants.items()}
    extrapolated = None
    if not stabilisation.stabilised:
        ext = extrapolated_table(table)
        if ext is not None and np.all(np.isfinite(ext["dW_interface"])):
            extrapolated, _, _ = life_table(ext, laws, solder, settings, source, cycle)
    field_life = None
    if settings.field is not None and cycle is not None and primary is not None:
        f = settings.field
        af, cs = acceleration_factor(solder, cycle["dT"], f["T_max"] - f["T_min"],
                                     cycle["cycles_per_day"], f["cycles_per_day"],
                                     cycle["T_max"], f["T_max"], source=source,
                                     constants=settings.constants.get("norris_landzberg"),
                                     dwell_test_minutes=cycle["dwell_hot_minutes"],
                                     dwell_field_minutes=f.get("dwell"))
        constants["norris_landzberg"] = cs.describe()
        n_test = float(life.life(primary)[0])
        field_life = {"acceleration_factor": af, "law": primary, "test_cycles": n_test,
                      "field_cycles": n_test * af, "field_years": n_test * af
                      / f["cycles_per_day"] / 365.25, "field": dict(f)}
    return life, extrapolated, constants, field_life, warnings
