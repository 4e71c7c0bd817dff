"""predict_life: the registry feeds each law its FE quantity with the solder's constants."""

import math
import pickle

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.fatigue import (
    LAWS,
    PRIMARY_LAW,
    FatigueInputs,
    acceleration_factor,
    default_laws,
    get_constants,
    laws,
    predict_life,
)


@pytest.fixture
def inputs():
    return FatigueInputs(
        dW_interface=np.array([0.02, 0.10, 0.05, 0.0]),
        crack_length=0.208,
        d_eps_in=np.array([0.004, 0.012, 0.008, 0.0]),
        creep_strain_per_cycle=np.array([0.003, 0.010, 0.006, 0.0]),
        dW_joint=np.array([0.01, 0.06, 0.03, 0.0]),
    )


CYCLE = dict(mean_temperature_C=42.5, half_cycle_dwell_minutes=15.0)


def test_each_law_gets_its_quantity_and_the_solder_constants(inputs):
    names = default_laws("sac305")
    result = predict_life(inputs, names, "sac305", interface_layer=0.025, **CYCLE)
    k = {name: get_constants(name, "sac305").values for name in names}
    expected = {
        "darveaux": laws.darveaux_life(inputs.dW_interface, 0.208, **k["darveaux"]),
        "syed_energy": laws.syed_energy_life(inputs.dW_interface, k["syed_energy"]["C"]),
        "syed_strain": laws.syed_creep_strain_life(inputs.creep_strain_per_cycle,
                                                   k["syed_strain"]["C"]),
        "coffin_manson": laws.coffin_manson_life(inputs.d_eps_in, 0.325, -0.5),
        "engelmaier": laws.engelmaier_life(math.sqrt(3.0) * inputs.d_eps_in, 42.5, 15.0),
    }
    assert result.laws == tuple(names)
    for name in names:
        np.testing.assert_allclose(result.lives[name], expected[name], rtol=1e-14)
        assert result.inputs_used[name] == LAWS[name].inputs
        assert result.constants[name].solder == "sac305"
    assert np.isinf(result.lives["darveaux"][3])            # no work: no failure
    assert result.primary_law == PRIMARY_LAW == "darveaux"
    assert result.critical_index() == 1                     # the largest dW, found not assumed
    assert result.critical_index("syed_strain") == 1


def test_morrow_uses_the_joint_average_with_user_constants(inputs):
    user = {"morrow": {"W_f": {"value": 50.0, "units": "MPa"}, "m": -0.7}}
    result = predict_life(inputs, ["morrow"], "sac305", constants=user)
    np.testing.assert_allclose(result.lives["morrow"],
                               laws.morrow_energy_life(inputs.dW_joint, 50.0, -0.7))
    assert result.primary_law == "morrow"


def test_warnings_name_status_and_interface_layer(inputs):
    result = predict_life(inputs, ["darveaux"], "sn63pb37", interface_layer=0.05)
    assert any("[S]" in w for w in result.warnings)
    assert any("0.025 mm interface layer" in w and "0.05 mm" in w for w in result.warnings)


def test_default_laws_follow_the_shipped_constants():
    assert default_laws("sac305") == ["darveaux", "syed_energy", "syed_strain", "coffin_manson",
                                      "engelmaier"]
    assert default_laws("sn63pb37") == ["darveaux", "coffin_manson", "engelmaier"]
    assert "darveaux" not in default_laws("sac405")   # no SAC405 Darveaux set was found


def test_bad_requests(inputs):
    with pytest.raises(InputError, match="fatigue.laws = 'norris_landzberg'"):
        predict_life(inputs, ["norris_landzberg"], "sac305")
    with pytest.raises(InputError, match="fatigue.laws = 'wohler'"):
        predict_life(inputs, ["wohler"], "sac305")
    with pytest.raises(InputError, match="mean_temperature_C"):
        predict_life(inputs, ["engelmaier"], "sac305")
    with pytest.raises(InputError, match="fatigue.solder = 'sac405'"):
        predict_life(inputs, ["darveaux"], "sac405", source="case.toml")
    with pytest.raises(InputError, match="fatigue.constants.darvaux"):
        predict_life(inputs, ["darveaux"], "sac305", constants={"darvaux": {}})
    with pytest.raises(InputError, match="fatigue.laws"):
        predict_life(inputs, [], "sac305")


def test_result_pickles_and_scales(inputs):
    result = predict_life(inputs, ["darveaux", "syed_energy"], "sac305")
    back = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(back.lives["darveaux"], result.lives["darveaux"])
    field = result.scaled(2.5)
    np.testing.assert_allclose(field.lives["syed_energy"], 2.5 * result.lives["syed_energy"])


def test_inputs_must_have_one_value_per_joint():
    with pytest.raises(ValueError):
        FatigueInputs([0.1, 0.2], [0.2, 0.2, 0.2], 0.01, 0.01, 0.1)


def test_acceleration_factor_with_the_solder_constants():
    af, cs = acceleration_factor("sn63pb37", 165.0, 60.0, 24.0, 2.0, 125.0, 70.0)
    assert cs.name == "norris_landzberg_1969"
    assert af == pytest.approx(laws.norris_landzberg_acceleration(165.0, 60.0, 24.0, 2.0, 125.0, 70.0))
    # Pan et al. 2005 (SAC): m applies to the hot dwell, 15 min in test, 60 min in the field
    af_sac, cs_sac = acceleration_factor("sac305", 165.0, 60.0, 24.0, 1.0, 125.0, 70.0,
                                         dwell_test_minutes=15.0, dwell_field_minutes=60.0)
    assert cs_sac.name == "pan2005" and cs_sac.status == "[U]" and cs_sac.rate_term == "hot_dwell"
    expected = (165 / 60) ** 2.65 * (15 / 60) ** 0.136 * math.exp(2185 * (1 / 343.15 - 1 / 398.15))
    assert af_sac == pytest.approx(expected, rel=1e-13)
    with pytest.raises(InputError, match="hot dwell"):
        acceleration_factor("sac305", 165.0, 60.0, 24.0, 1.0, 125.0, 70.0)
    # the SAC305 set whose exponent applies to the frequency needs no dwell
    af_g, cs_g = acceleration_factor("sac305", 165.0, 60.0, 24.0, 1.0, 125.0, 70.0,
                                     constants="goldmann_sac305")
    assert cs_g.rate_term == "frequency"
    assert af_g == pytest.approx(laws.norris_landzberg_acceleration(
        165.0, 60.0, 24.0, 1.0, 125.0, 70.0, 2.3, 0.3, 0.4 / 8.617333262e-5), rel=1e-13)


def test_the_examples_of_docs_fatigue_md_run(monkeypatch, capsys):
    """The Python example and the case-file example of docs/fatigue.md work as written."""
    import re
    from pathlib import Path

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "fatigue.md").read_text(encoding="utf-8")
    monkeypatch.chdir(root)
    namespace = {}
    exec(re.findall(r"```python\n(.*?)```", text, re.S)[0], namespace)
    assert "critical joint: 0" in capsys.readouterr().out
    case = tomllib.loads(re.findall(r"```toml\n(.*?)```", text, re.S)[0])["fatigue"]
    result = predict_life(namespace["inputs"], case["laws"], case["solder"],
                          constants=case["constants"], interface_layer=0.025, source="case.toml")
    darveaux = result.constants["darveaux"]
    assert darveaux.status == "user" and darveaux.values["K1"] == pytest.approx(37.97, rel=1e-3)
    assert result.constants["syed_energy"].name == "syed2004_amalu2015"


def test_failing_interface_is_the_side_with_more_work():
    from thermofatigue.fatigue import failing_interface

    dW, a, side = failing_interface([0.0068, 0.02, 0.01], [0.0089, 0.01, 0.01],
                                    [0.208, 0.208, 0.208], [0.25, 0.25, 0.25])
    np.testing.assert_allclose(dW, [0.0089, 0.02, 0.01])
    np.testing.assert_allclose(a, [0.25, 0.208, 0.208])
    assert side.tolist() == ["board", "die", "die"]
