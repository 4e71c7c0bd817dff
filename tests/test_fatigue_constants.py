"""Fatigue constants: the packaged file, unit conversion on load (psi/inch <-> MPa/mm), user
constants and the one-line errors for bad ones, the warnings a run prints."""

import math

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.fatigue import laws
from thermofatigue.fatigue.constants import (
    EV_IN_KELVIN,
    INCH_IN_MM,
    LAW_CONSTANTS,
    PSI_IN_MPA,
    _packaged_sets,
    available_sets,
    constant_warnings,
    format_constant_sets,
    from_internal,
    get_constants,
    to_internal,
)

STATUS_TAGS = {"[V]", "[S]", "[C]", "[U]"}


# --- the packaged file ---------------------------------------------------------------------
def test_every_shipped_set_is_complete_cited_and_has_one_default_per_solder():
    defaults = {}
    for law, sets in _packaged_sets().items():
        assert law in LAW_CONSTANTS
        for name, entry in sets.items():
            assert entry["source"].strip() and entry["citation"].strip(), name
            assert entry["status"] in STATUS_TAGS, name
            for key in LAW_CONSTANTS[law]:
                assert {"value", "units", "status"} <= set(entry[key]), (name, key)
                assert entry[key]["status"] in STATUS_TAGS
            extra = set(entry) - set(LAW_CONSTANTS[law]) - {
                "solders", "default", "source", "citation", "status", "interface_layer",
                "interface_layer_status", "averaging", "notes", "rate_term"}
            assert not extra, (name, extra)
            for solder in entry["solders"]:
                if entry.get("default"):
                    assert (law, solder) not in defaults, (law, solder)
                    defaults[(law, solder)] = name
            if law == "norris_landzberg":
                assert entry["rate_term"] in ("frequency", "hot_dwell"), name
            get_constants(law, entry["solders"][0], name=name)  # loads and converts


def test_the_set_status_is_never_stronger_than_its_weakest_constant():
    rank = {"[V]": 0, "[C]": 1, "[S]": 2, "[U]": 3}
    for law, sets in _packaged_sets().items():
        for name, entry in sets.items():
            weakest = max(rank[entry[k]["status"]] for k in LAW_CONSTANTS[law])
            assert rank[entry["status"]] >= weakest, name


def test_nothing_is_shipped_for_morrow_and_listing_shows_every_set():
    assert available_sets("morrow") == []
    text = format_constant_sets()
    for row in available_sets():
        assert f"{row['law']}.{row['name']}" in text


# --- unit conversion -----------------------------------------------------------------------
def test_darveaux_snpb_psi_inch_constants_are_converted_on_load():
    """Darveaux 2000 SnPb set: K1 = 22 400 cycles/psi^K2, K3 = 5.86e-7 in/cycle/psi^K4 become
    K1 = 11.609 cycles/MPa^K2 and K3 = 1.954e-3 mm/cycle/MPa^K4 [C] (K2, K4 unchanged)."""
    cs = get_constants("darveaux", "sn63pb37")
    assert cs.name == "snpb_2000"
    assert cs.values["K1"] == pytest.approx(11.609, abs=5e-4)
    assert cs.values["K3"] == pytest.approx(1.954e-3, abs=5e-7)
    assert cs.values["K2"] == -1.52 and cs.values["K4"] == 0.98
    assert cs.units["K1"] == "cycles/psi^K2" and cs.declared["K1"] == 22400.0


def test_darveaux_sac305_mpa_metre_constants_in_psi_inch():
    """SAC305 set K1 = 37.97 cycles/MPa^K2, K3 = 3.99e-6 m/cycle: K3 = 3.99e-3 mm/cycle; in
    psi/inch K1 = 4.28e7 cycles/psi^K2 and K3 = 5.82e-9 in/cycle/psi^K4 [C]."""
    cs = get_constants("darveaux", "sac305")
    assert cs.values["K3"] == pytest.approx(3.99e-3, rel=1e-12)
    exps = {"K2": cs.values["K2"], "K4": cs.values["K4"]}
    k1_psi = from_internal(cs.values["K1"], "cycles/psi^K2", "darveaux", "K1", exps)
    k3_in = from_internal(cs.values["K3"], "in/cycle/psi^K4", "darveaux", "K3", exps)
    assert k1_psi == pytest.approx(4.28e7, rel=2e-3)
    assert k3_in == pytest.approx(5.82e-9, rel=2e-3)


@pytest.mark.parametrize("K2, K4", [(-1.52, 0.98), (-2.8, 2.05), (-0.5, 1.0)])
def test_psi_inch_and_mpa_mm_round_trip(K2, K4):
    exps = {"K2": K2, "K4": K4}
    for value in (1.0, 22400.0, 3.7e-9):
        for units in ("cycles/psi^K2", "cycles/ksi^K2", "cycle/Pa^K2"):
            mpa = to_internal(value, units, "darveaux", "K1", exps)
            assert from_internal(mpa, units, "darveaux", "K1", exps) == pytest.approx(value, rel=1e-14)
        for units in ("in/cycle/psi^K4", "mil/cycle/psi^K4", "m/cycle/MPa^K4", "um/cycle/kPa^K4"):
            mm = to_internal(value, units, "darveaux", "K3", exps)
            assert from_internal(mm, units, "darveaux", "K3", exps) == pytest.approx(value, rel=1e-14)
    assert to_internal(1.0, "1/psi", "syed_energy", "C") == pytest.approx(1.0 / PSI_IN_MPA)
    assert from_internal(to_internal(0.3, "psi", "morrow", "W_f"), "psi", "morrow", "W_f") == \
        pytest.approx(0.3, rel=1e-15)
    assert to_internal(1.0, "in/cycle/MPa^K4", "darveaux", "K3", exps) == INCH_IN_MM


def test_the_life_does_not_depend_on_the_units_the_constants_were_given_in():
    """Darveaux life with psi/inch constants and psi/inch inputs equals the life with the
    converted constants and MPa/mm inputs."""
    K1, K2, K3, K4 = 22400.0, -1.52, 5.86e-7, 0.98
    cs = get_constants("darveaux", "sn63pb37")
    dW = np.array([0.02, 0.1, 0.5])           # MPa
    a = np.array([0.1, 0.2, 0.3])             # mm
    native = laws.darveaux_life(dW / PSI_IN_MPA, a / INCH_IN_MM, K1, K2, K3, K4)
    converted = laws.darveaux_life(dW, a, **cs.values)
    np.testing.assert_allclose(converted, native, rtol=1e-13)


def test_energy_in_psi_for_syed_and_morrow():
    cs = get_constants("syed_energy", "sac305", overrides={"C": {"value": 0.0019 * PSI_IN_MPA,
                                                                 "units": "1/psi"}})
    assert cs.values["C"] == pytest.approx(0.0019, rel=1e-14)
    cs = get_constants("morrow", "sac305", overrides={
        "W_f": {"value": 5.0e6, "units": "J/m^3"}, "m": -0.7})
    assert cs.values["W_f"] == pytest.approx(5.0, rel=1e-14)


def test_activation_energy_in_ev():
    """Goldmann SAC305 set: Ea = 0.4 eV = 4641.8 K (k_B = 8.617333e-5 eV/K)."""
    cs = get_constants("norris_landzberg", "sac305", name="goldmann_sac305")
    assert cs.values["Ea_over_k"] == pytest.approx(0.4 * EV_IN_KELVIN)
    assert cs.values["Ea_over_k"] == pytest.approx(4641.8, abs=0.1)


# --- user constants ------------------------------------------------------------------------
def test_a_complete_user_set_for_a_solder_without_shipped_constants():
    user = {"K1": {"value": 40.0, "units": "cycles/MPa^K2"}, "K2": -2.0,
            "K3": {"value": 1e-3, "units": "mm/cycle/MPa^K4"}, "K4": {"value": 1.0, "units": "-"},
            "interface_layer": 0.02, "source": "my lab, 2025"}
    cs = get_constants("darveaux", "sac405", overrides=user)
    assert cs.name == "user" and cs.status == "user"
    assert cs.values == {"K1": 40.0, "K2": -2.0, "K3": 1e-3, "K4": 1.0}
    assert cs.interface_layer == 0.02 and cs.source == "my lab, 2025"
    assert constant_warnings(cs, 0.02) == []


def test_user_values_on_top_of_a_shipped_set():
    cs = get_constants("darveaux", "sn63pb37",
                       overrides={"K4": 1.05, "base": "snpb_2000_k4_099"})
    assert cs.values["K4"] == 1.05
    # K3 keeps its psi/inch declaration and is converted with the user's K4
    assert cs.values["K3"] == pytest.approx(5.86e-7 * INCH_IN_MM * PSI_IN_MPA ** -1.05)
    assert cs.user_constants == ("K4",) and cs.statuses["K4"] == "user"
    assert cs.status == "[S] + user" and cs.interface_layer == 0.025


def test_dimensionless_constants_need_no_units():
    cs = get_constants("coffin_manson", "sac305", overrides={"eps_f": 0.4, "c": {"value": -0.6}})
    assert cs.values == {"eps_f": 0.4, "c": -0.6} and cs.units == {"eps_f": "-", "c": "-"}


def test_a_set_name_alone_selects_a_shipped_set():
    assert get_constants("syed_energy", "sac305", overrides="syed2004_amalu2015").values["C"] == 0.00165
    assert get_constants("darveaux", "snpb").solder == "sn63pb37"  # alias


BAD = [
    # (law, solder, overrides, field in the message, words in the message)
    ("darveaux", "sac405", None, "fatigue.solder", ["sac305: sac305_unattributed", "K1, K2, K3, K4"]),
    ("morrow", "sac305", None, "fatigue.solder", ["none shipped", "W_f, m"]),
    ("darveaux", "sac305", {"K1": 37.97}, "fatigue.constants.darveaux.K1",
     ["bare numbers only for dimensionless", "cycles/<S>^K2"]),
    ("darveaux", "sac305", {"K1": {"value": 37.97}}, "fatigue.constants.darveaux.K1.units",
     ["the units of K1"]),
    ("darveaux", "sac305", {"K3": {"value": 1e-3, "units": "furlong/cycle/MPa^K4"}},
     "fatigue.constants.darveaux.K3.units", ["<L>/cycle/<S>^K4"]),
    ("darveaux", "sac305", {"K1": {"value": 37.97, "units": "cycles/MPa^K4"}},
     "fatigue.constants.darveaux.K1.units", ["cycles/<S>^K2"]),
    ("syed_energy", "sac305", {"C": {"value": 0.002, "units": "MPa"}},
     "fatigue.constants.syed_energy.C.units", ['"1/<S>"']),
    ("darveaux", "sac305", {"K5": 1.0}, "fatigue.constants.darveaux.K5", ["did you mean 'K4'"]),
    ("darveaux", "sac305", {"K2": 1.2}, "fatigue.constants.darveaux.K2.value", ["< 0"]),
    ("coffin_manson", "sac305", {"c": 0.5}, "fatigue.constants.coffin_manson.c.value", ["< 0"]),
    ("darveaux", "sac305", {"base": "snpb_200"}, "fatigue.constants.darveaux.base",
     ["did you mean 'snpb_2000'"]),
    ("darveaux", "sac305", {"K1": {"value": "many", "units": "cycles/MPa^K2"}},
     "fatigue.constants.darveaux.K1.value", ["finite number"]),
    ("darveux", "sac305", None, "fatigue.laws", ["did you mean 'darveaux'"]),
]


@pytest.mark.parametrize("law, solder, overrides, field, words", BAD)
def test_bad_constants_give_one_line_input_errors(law, solder, overrides, field, words):
    with pytest.raises(InputError) as info:
        get_constants(law, solder, overrides=overrides, source="case.toml")
    err = info.value
    assert err.source == "case.toml" and err.field == field
    assert "\n" not in str(err)
    for word in words:
        assert word in str(err), str(err)


# --- warnings ------------------------------------------------------------------------------
def test_warnings_for_secondary_and_unverified_constants():
    s = constant_warnings(get_constants("darveaux", "sn63pb37"))
    assert len(s) == 1 and "[S]" in s[0] and "[fatigue.constants.darveaux]" in s[0]
    u = constant_warnings(get_constants("engelmaier", "sac305"))
    assert len(u) == 1 and "[U]" in u[0]
    # the coffin_manson set is [U] as a pairing although each constant is [S] or [V]
    assert "[U]" in constant_warnings(get_constants("coffin_manson", "sac305"))[0]


def test_interface_layer_warning():
    cs = get_constants("darveaux", "sn63pb37")        # calibrated with 0.025 mm
    assert len(constant_warnings(cs, 0.025)) == 1     # status only
    assert len(constant_warnings(cs, 0.0251)) == 1    # within 1 %
    text = constant_warnings(cs, 0.05)[-1]
    assert "0.025 mm" in text and "0.05 mm" in text
    unknown = constant_warnings(get_constants("darveaux", "sac305"), 0.025)[-1]
    assert "unknown averaging layer" in unknown
    # laws that do not average over the layer say nothing about it
    assert len(constant_warnings(get_constants("syed_strain", "sac305"), 0.05)) == 1


def test_a_set_used_for_another_solder_is_named():
    cs = get_constants("darveaux", "sac305", name="snpb_2000")
    assert any("shipped for sn63pb37" in w for w in constant_warnings(cs))


def test_constant_sets_pickle():
    import pickle
    cs = get_constants("darveaux", "sac305")
    assert pickle.loads(pickle.dumps(cs)) == cs
    assert math.isclose(cs.values["K1"], 37.97)
