"""The fatigue-law validation cases discriminate: a unit slip or a wrong constant fails them, a
malformed case is an InputError."""

import copy

import pytest

from thermofatigue.errors import InputError
from thermofatigue.validation import load_validation_case, run_case


def _failed(spec):
    return {o.quantity for o in run_case(spec) if not o.passed}


def test_darveaux_constants_read_as_mpa_instead_of_psi_fail():
    spec = copy.deepcopy(load_validation_case("fatigue_darveaux_snpb"))
    assert not _failed(spec)
    spec["inputs"]["constants"]["K1"]["units"] = "cycles/MPa^K2"
    with pytest.raises(InputError):        # the native psi/inch row refuses other units
        run_case(spec)


def test_engelmaier_with_eps_f_doubled_again_fails_the_life_only():
    spec = copy.deepcopy(load_validation_case("fatigue_engelmaier_check"))
    spec["inputs"]["constants"]["eps_f"]["value"] = 0.65
    failed = _failed(spec)
    assert len(failed) == 1 and "N_f" in failed.pop()


def test_norris_landzberg_with_inverted_frequency_term_fails():
    spec = copy.deepcopy(load_validation_case("fatigue_norris_landzberg"))
    spec["inputs"]["frequency"] = [1.0, 48.0]
    assert any("f_test/f_field" in q for q in _failed(spec))


def test_unknown_example_and_mismatched_targets_are_input_errors():
    spec = copy.deepcopy(load_validation_case("fatigue_syed_energy"))
    spec["inputs"]["example"] = "syed"
    with pytest.raises(InputError, match="inputs.example"):
        run_case(spec)
    spec = copy.deepcopy(load_validation_case("fatigue_syed_energy"))
    spec["targets"]["extra"] = {"quantity": "x", "value": 1.0, "tolerance": 1.0}
    with pytest.raises(InputError, match="targets"):
        run_case(spec)
