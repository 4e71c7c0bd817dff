"""The cited material library: loading, data checks, inline materials and validation errors."""

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.materials.library import (
    PARAMETER_SECTIONS,
    STATUS_TAGS,
    format_library,
    get_material,
    library_data,
    material_names,
)
from thermofatigue.materials.properties import ThermalExpansion

EXPECTED = {"silicon", "copper", "fr4", "polyimide", "solder_mask", "underfill",
            "mold_compound", "sac305", "sac405", "sn63pb37"}
PROPERTY_KEYS = {"E", "E1", "E2", "E3", "G12", "G13", "G23", "C11", "C12", "C44",
                 "nu", "nu12", "nu13", "nu23", "cte", "cte1", "cte2", "cte3", "rotation"}


def test_library_has_every_required_material():
    assert EXPECTED <= set(material_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_entry_loads(name):
    material = get_material(name)
    assert material.name == name
    assert material.field == f"materials.{name}"
    for key, prop in material.properties.items():
        value = prop(np.array([-55.0, 25.0, 150.0]))
        assert value.shape == (3,) and np.all(np.isfinite(value))


def test_every_value_names_source_and_status():
    for name, entry in library_data().items():
        for key, spec in entry.items():
            if key in PROPERTY_KEYS or key in PARAMETER_SECTIONS:
                assert spec.get("source"), f"{name}.{key} has no source"
                assert spec.get("status") in STATUS_TAGS, f"{name}.{key} status"
            if key.startswith("cte"):
                assert spec.get("kind") in ("instantaneous", "secant"), f"{name}.{key} kind"
                if spec["kind"] == "secant":
                    assert "reference_temperature" in spec
            if spec_is_unverified(spec):
                assert spec.get("note"), f"{name}.{key} is [U] without a note"


def spec_is_unverified(spec):
    return isinstance(spec, dict) and spec.get("status") == "[U]"


def test_solder_parameter_sets_have_the_agreed_keys():
    for solder in ("sac305", "sac405", "sn63pb37"):
        material = get_material(solder)
        for section in ("anand", "garofalo", "norton"):
            params = material.parameters(section)
            assert set(params) == set(PARAMETER_SECTIONS[section])
    cu = get_material("copper").parameters("plasticity")
    assert set(cu) == {"yield_stress", "hardening_modulus"}


def test_sac305_anand_is_the_motalab_set():
    anand = get_material("sac305").parameters("anand")
    assert anand == dict(s0=21.0, Q_over_R=9320.0, A=3501.0, xi=4.0, m=0.25, h0=180000.0,
                         s_hat=30.2, n=0.01, a=1.78)


def test_silicon_cte_reproduces_okada_tokumaru_values():
    # alpha from the Okada & Tokumaru 1984 formula (J. Appl. Phys. 56(2):314), ppm/K [C]
    expected = {-65: 1.57, -55: 1.71, -40: 1.89, 0: 2.33, 25: 2.55, 100: 3.07,
                125: 3.20, 150: 3.32, 217: 3.56}
    cte = get_material("silicon").properties["cte"]
    assert isinstance(cte, ThermalExpansion) and cte.kind == "instantaneous"
    T = np.array(list(expected), dtype=float)
    # the values above are rounded to 0.01 ppm/K; the 10 C table departs from the formula by
    # < 0.002 ppm/K
    np.testing.assert_allclose(cte(T) * 1e6, list(expected.values()), atol=0.005 + 0.002)
    T_K = T + 273.15
    formula = 3.725 * (1.0 - np.exp(-5.88e-3 * (T_K - 124.0))) + 5.548e-4 * T_K
    np.testing.assert_allclose(cte(T) * 1e6, formula, atol=0.002)


def test_silicon_is_cubic_rotated_45_by_default():
    si = get_material("silicon")
    assert si.elasticity == "cubic" and si.rotation_deg == 45.0
    assert si.properties["C11"](25.0) == pytest.approx(166e3)


def test_unit_conversion_gpa_and_ppm():
    cu = get_material("copper")
    assert cu.properties["E"](25.0) == pytest.approx(130e3)
    assert cu.properties["cte"](25.0) == pytest.approx(17.7e-6)


def test_kariya_modulus_values():
    # Kariya E = 76087 - 109 T_K (via Clech, NIST) [C]: 52 309 (-55 C), 50 674 (-40), 43 589 (25),
    # 32 689 (125), 29 964 (150)
    E = get_material("sac305").properties["E"]
    np.testing.assert_allclose(E(np.array([-55.0, -40.0, 25.0, 125.0, 150.0])),
                               [52308.65, 50673.65, 43588.65, 32688.65, 29963.65])


def test_fr4_cte_steps_at_tg():
    fr4 = get_material("fr4")
    cte3 = fr4.properties["cte3"]
    assert cte3(179.0) == pytest.approx(60e-6)
    assert cte3(181.0) == pytest.approx(230e-6)
    assert fr4.properties["cte1"](25.0) == pytest.approx(15e-6)


def test_format_library_lists_every_value_with_source():
    text = format_library()
    for name in EXPECTED:
        assert f"\n{name} -- " in text
    assert "Okada & Tokumaru" in text
    assert "46313.65 - 109 T" in text
    assert "[U]" in text and "representative" in text
    assert "h0 = 180000" in text


# -- inline materials and overrides --------------------------------------------------------


def test_inline_override_on_base():
    m = get_material({"base": "sac305", "E": 45000}, source="case.toml", field="materials.my_solder")
    assert m.name == "my_solder"
    assert m.properties["E"](np.array([-40.0, 125.0])) == pytest.approx([45000.0, 45000.0])
    assert m.properties["nu"](25.0) == pytest.approx(0.40)  # inherited
    assert m.raw["E"]["status"] == "user" and "case.toml" in m.raw["E"]["source"]
    assert m.parameters("anand")["s0"] == 21.0


def test_inline_parameter_set_is_merged_key_by_key():
    m = get_material({"base": "sac305", "anand": {"h0": 18000}}, source="case.toml",
                     field="materials.sac_low_h0")
    params = m.parameters("anand")
    assert params["h0"] == 18000.0 and params["s0"] == 21.0
    assert "user" in m.raw["anand"]["status"] and "case.toml" in m.raw["anand"]["source"]


def test_overrides_argument_and_library_untouched():
    m = get_material("copper", overrides={"E": {"value": 117.2, "unit": "GPa"}}, source="case.toml")
    assert m.properties["E"](0.0) == pytest.approx(117.2e3)
    assert get_material("copper").properties["E"](0.0) == pytest.approx(130e3)


def test_full_inline_material():
    spec = {
        "elasticity": "isotropic",
        "E": {"T": [-40, 125], "value": [10.0, 5.0], "unit": "GPa"},
        "nu": 0.3,
        "cte": {"kind": "secant", "reference_temperature": 25.0, "value": 30.0, "unit": "ppm/K"},
    }
    m = get_material(spec, source="case.toml", field="materials.glue")
    assert m.properties["E"](42.5) == pytest.approx(7.5e3)
    assert m.properties["cte"].kind == "secant"


def test_inline_material_can_switch_silicon_to_isotropic():
    m = get_material({"base": "silicon", "elasticity": "isotropic"}, source="case.toml",
                     field="materials.die")
    assert m.elasticity == "isotropic"
    assert m.properties["E"](25.0) == pytest.approx(163.27e3)


# -- validation: every bad input names the field -------------------------------------------


def _raises(field, spec, **kw):
    with pytest.raises(InputError) as info:
        get_material(spec, source="case.toml", field="materials.die", **kw)
    message = str(info.value)
    assert message.startswith("case.toml: ")
    assert field in message, message
    return message


def test_unknown_material_lists_known_ones():
    message = _raises("materials.die", "unobtainium")
    assert "silicon" in message and "sac305" in message
    message = _raises("materials.die.base", {"base": "unobtainium"})
    assert "fr4" in message


def test_missing_property():
    _raises("materials.die.cte", {"elasticity": "isotropic", "E": 1000.0, "nu": 0.3})
    _raises("materials.die.rotation",
            {"elasticity": "cubic", "C11": 166e3, "C12": 64e3, "C44": 80e3, "cte": 2.6e-6})


def test_missing_parameter_set_or_key():
    with pytest.raises(InputError, match=r"materials\.copper\.anand"):
        get_material("copper").parameters("anand")
    _raises("materials.die.anand.a", {"base": "sac305",
                                      "anand": {"a": "x"}})
    _raises("materials.die.garofalo.C4", {"base": "copper", "garofalo": {"C1": 1.0, "C2": 1.0, "C3": 1.0}})


def test_non_positive_modulus():
    _raises("materials.die.E", {"base": "sac305", "E": 0.0})
    _raises("materials.die.E", {"base": "sac305", "E": {"T": [0, 100], "value": [100.0, -5.0]}})
    _raises("materials.die.G13", {"base": "fr4", "G13": -3.5})
    # Kariya-like polynomial crossing zero inside the checked range
    _raises("materials.die.E", {"base": "sac305", "E": {"poly": [10000.0, -100.0]}})


def test_poisson_ratio_out_of_range():
    _raises("materials.die.nu", {"base": "copper", "nu": 0.5})
    _raises("materials.die.nu", {"base": "copper", "nu": -1.2})
    _raises("materials.die.nu12/nu13/nu23", {"base": "fr4", "nu13": 0.95, "nu23": 0.95, "nu12": 0.9})


def test_non_monotonic_table():
    _raises("materials.die.E.T", {"base": "copper", "E": {"T": [0, 100, 50], "value": [1e5, 1e5, 1e5]}})
    _raises("materials.die.cte.T", {"base": "copper",
                                     "cte": {"kind": "instantaneous", "T": [0, 50, 50, 50, 80],
                                             "value": [1e-5] * 5}})


def test_cte_without_kind():
    message = _raises("materials.die.cte.kind",
                      {"base": "copper", "cte": {"T": [0, 100], "value": [17e-6, 18e-6]}})
    assert "instantaneous" in message
    _raises("materials.die.cte.reference_temperature",
            {"base": "copper", "cte": {"kind": "secant", "value": 17e-6}})


def test_cte_in_ppm_without_unit_is_caught():
    _raises("materials.die.cte", {"base": "copper", "cte": 17.7})


def test_unknown_keys_and_bad_values():
    _raises("materials.die.Young", {"base": "copper", "Young": 1.0})
    _raises("materials.die.elasticity", {"base": "copper", "elasticity": "plastic"})
    _raises("materials.die.E.unit", {"base": "copper", "E": {"value": 1.0, "unit": "psi"}})
    _raises("materials.die.E.value", {"base": "copper", "E": {"value": "stiff"}})
    _raises("materials.die.C12", {"base": "silicon", "C12": 200e3})
    _raises("materials.die", 42)
