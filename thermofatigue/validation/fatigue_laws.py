"""Fatigue laws against the worked examples of their sources.

Each case evaluates one law of :mod:`thermofatigue.fatigue.laws` at the inputs of a worked
example and compares with the number the example prints (or, where the source prints none, the
closed form evaluated by hand, status [C]). The target values are written in the case file
(``[targets.<key>] value = ...``); this module only computes. These cases check the
implementation against the source's arithmetic (equation, units, conversions), not whether the
constants are valid for a given solder joint.

Laws and their equations (docstrings of :mod:`thermofatigue.fatigue.laws` give the sources)::

    Darveaux          N = K1 dW^K2 + a / (K3 dW^K4)               (Darveaux 2000/2002)
    Syed              N = (C' W_acc)^-1,  N = (C eps_acc)^-1      (Syed 2004)
    Coffin-Manson     N = 0.5 (d_eps / (2 eps_f))^(1/c)           (Coffin 1954, Manson 1953)
    Morrow            N = (dW / W_f)^(1/m)                        (Morrow 1965)
    Engelmaier        c = c0 + c1 T_sj + c2 ln(1 + 360/t_D),
                      N = 0.5 (d_gamma / (2 eps_f))^(1/c)         (Engelmaier 1983, IPC-D-279)
    Norris-Landzberg  AF = (dT_t/dT_f)^n (f_f/f_t)^m exp[Ea/k (1/T_f - 1/T_t)]   (1969)

Constants given in the case file as ``{value = ..., units = "..."}`` are converted by
:mod:`thermofatigue.fatigue.constants`, the path a user's constants take.
"""

from __future__ import annotations

from importlib import resources

from ..errors import InputError
from ..fatigue import laws
from ..fatigue.constants import INCH_IN_MM, PSI_IN_MPA, get_constants, to_internal
from .registry import Measurement, case_type


def _constants(spec: dict, law: str, solder: str) -> dict:
    """The case's ``[inputs.constants]`` table (source units) converted to thermofatigue's
    units through :func:`get_constants`, as a user's ``[fatigue.constants.<law>]`` would be."""
    table = get_constants(law, solder, overrides=dict(spec["inputs"]["constants"]),
                          source=spec["path"], field="inputs.constants")
    return dict(table.values)


def _darveaux(spec: dict) -> dict:
    """Initiation, growth and total life from the converted constants (MPa, mm), and the life
    computed directly in the source's psi/inch units."""
    inputs = spec["inputs"]
    dW, a = inputs["dW"], inputs["crack_length"]
    k = _constants(spec, "darveaux", inputs["solder"])
    n0 = laws.darveaux_initiation(dW, k["K1"], k["K2"])
    growth = a / laws.darveaux_growth_rate(dW, k["K3"], k["K4"])
    native = {name: inputs["constants"][name]["value"] for name in ("K1", "K2", "K3", "K4")}
    for name, units in (("K1", "cycles/psi^K2"), ("K3", "in/cycle/psi^K4")):
        if inputs["constants"][name].get("units") != units:
            raise InputError(spec["path"], f"inputs.constants.{name}.units",
                             inputs["constants"][name].get("units"), f"{units!r} (the source's)")
    life_native = laws.darveaux_life(dW / PSI_IN_MPA, a / INCH_IN_MM, **native)
    return {"initiation": (f"N0 = K1 dW^K2 at dW = {dW:g} MPa", n0),
            "growth": (f"a / (da/dN) at a = {a:g} mm", growth),
            "life": ("N = N0 + a / (da/dN), constants converted to MPa/mm",
                     laws.darveaux_life(dW, a, **k)),
            "life_native": ("N computed in psi/inch units", life_native)}


def _syed_energy(spec: dict) -> dict:
    inputs = spec["inputs"]
    k = _constants(spec, "syed_energy", inputs["solder"])
    W = inputs["W_acc"]
    return {"life": (f"N = (C' W)^-1 at W = {W:g} MPa", laws.syed_energy_life(W, k["C"]))}


def _syed_strain(spec: dict) -> dict:
    inputs = spec["inputs"]
    k = _constants(spec, "syed_strain", inputs["solder"])
    eps = inputs["eps_acc"]
    return {"life": (f"N = (C eps)^-1 at eps = {eps:g}", laws.syed_creep_strain_life(eps, k["C"]))}


def _coffin_manson(spec: dict) -> dict:
    inputs = spec["inputs"]
    k = _constants(spec, "coffin_manson", inputs["solder"])
    d_eps = inputs["d_eps_in"]
    life = laws.coffin_manson_life(d_eps, k["eps_f"], k["c"])
    residual = abs(k["eps_f"] * (2.0 * life) ** k["c"] / (d_eps / 2.0) - 1.0)
    return {"life": (f"N = 0.5 (d_eps / 2 eps_f)^(1/c) at d_eps = {d_eps:g}", life),
            "inversion": ("|eps_f (2N)^c / (d_eps/2) - 1|", residual)}


def _morrow(spec: dict) -> dict:
    inputs = spec["inputs"]
    k = _constants(spec, "morrow", inputs["solder"])
    dW = inputs["dW"]
    life = laws.morrow_energy_life(dW, k["W_f"], k["m"])
    residual = abs(k["W_f"] * life ** k["m"] / dW - 1.0)
    return {"life": (f"N = (dW / W_f)^(1/m) at dW = {dW:g} MPa", life),
            "inversion": ("|W_f N^m / dW - 1|", residual)}


def _engelmaier(spec: dict) -> dict:
    inputs = spec["inputs"]
    k = _constants(spec, "engelmaier", inputs["solder"])
    T, t_D, d_gamma = inputs["mean_temperature"], inputs["half_cycle_dwell"], inputs["d_gamma"]
    shape = {name: k[name] for name in ("c0", "c1", "c2")}
    return {"exponent": (f"c at T_sj = {T:g} C, t_D = {t_D:g} min",
                         laws.engelmaier_exponent(T, t_D, **shape)),
            "life": (f"N_f(50 %) at d_gamma = {d_gamma:g}",
                     laws.engelmaier_life(d_gamma, T, t_D, eps_f=k["eps_f"], **shape))}


def _norris_landzberg(spec: dict) -> dict:
    """The three factors of the acceleration factor, each with the other two set to one."""
    inputs = spec["inputs"]
    k = _constants(spec, "norris_landzberg", inputs["solder"])
    swing, rate, hot = inputs["swing"], inputs["frequency"], inputs["arrhenius"]
    ea_ev = to_internal(hot["Ea_eV"], "eV", "norris_landzberg", "Ea_over_k")
    af = laws.norris_landzberg_acceleration
    return {
        "swing": (f"(dT_test/dT_field)^n, {swing[0]:g}/{swing[1]:g} C, n = {k['n']:g}",
                  af(swing[0], swing[1], 1.0, 1.0, 125.0, 125.0, n=k["n"])),
        "frequency": (f"(f_test/f_field)^m, {rate[0]:g}/{rate[1]:g} per day, m = {k['m']:g}",
                      1.0 / af(1.0, 1.0, rate[0], rate[1], 125.0, 125.0, m=k["m"])),
        "arrhenius_k": (f"exp[Ea/k (1/T_f - 1/T_t)], Ea/k = {hot['Ea_over_k']:g} K",
                        af(1, 1, 1, 1, hot["T_max_test"], hot["T_max_field"],
                           Ea_over_k=hot["Ea_over_k"])),
        "arrhenius_ev": (f"exp[Ea/k (1/T_f - 1/T_t)], Ea = {hot['Ea_eV']:g} eV",
                         af(1, 1, 1, 1, hot["T_max_test"], hot["T_max_field"],
                            Ea_over_k=ea_ev)),
    }


def _engelmaier_estimate(spec: dict) -> dict:
    """The critical (corner) joint of ``thermofatigue estimate`` on a packaged geometry."""
    from ..estimate import estimate
    from ..geometry import load_spec

    inputs = spec["inputs"]
    path = resources.files("thermofatigue").joinpath("data", inputs["geometry"])
    r = estimate(load_spec(str(path)), inputs["profile"], inputs["solder"])
    c = r.critical_index
    return {"dnp": ("DNP of the critical joint", r.dnp[c]),
            "joint_height": ("stand-off h (truncated sphere)", r.inputs["joint_height"]),
            "alpha_component": ("silicon CTE at T_mean", r.inputs["alpha_component"]),
            "exponent": ("c at T_mean, 15 min dwell", r.inputs["exponent_c"]),
            "d_gamma": ("d_gamma = F L_D d_alpha dT / h", r.d_gamma[c]),
            "life": ("N_f(50 %) of the critical joint", r.life[c])}


EXAMPLES = {"darveaux": _darveaux, "syed_energy": _syed_energy, "syed_strain": _syed_strain,
            "coffin_manson": _coffin_manson, "morrow": _morrow, "engelmaier": _engelmaier,
            "norris_landzberg": _norris_landzberg, "engelmaier_estimate": _engelmaier_estimate}


@case_type("fatigue_law_example")
def fatigue_law_example_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Evaluate ``inputs.example`` (one of :data:`EXAMPLES`) and compare every quantity with
    the ``value`` of its ``[targets.<key>]`` entry. Both levels are the same computation."""
    example = spec["inputs"]["example"]
    if example not in EXAMPLES:
        raise InputError(spec["path"], "inputs.example", example, f"one of {sorted(EXAMPLES)}")
    computed = EXAMPLES[example](spec)
    targets = spec.get("targets", {})
    missing = sorted(set(computed) ^ set(targets))
    if missing:
        raise InputError(spec["path"], "targets", missing,
                         f"exactly the targets {sorted(computed)} of example {example!r}")
    out = []
    for key, (quantity, value) in computed.items():
        target = targets[key].get("value")
        if not isinstance(target, (int, float)):
            raise InputError(spec["path"], f"targets.{key}.value", target, "a number")
        out.append(Measurement(quantity, float(value), float(target), key))
    if progress:
        progress("  " + ", ".join(f"{k} {float(v):.6g}" for k, (_, v) in computed.items()))
    return out
