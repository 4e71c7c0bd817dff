"""The die-thickness study script (docs/die_thickness_study.py): the cases it builds change only
the die thickness, the board extent and the model kind, and the rows it reports are the critical
joint's rows of the solver's joint table (checked on a 2-cycle 2D slice, a few seconds)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "die_thickness_study.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("die_thickness_study", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return _load_script()


@pytest.mark.parametrize("kind, geometry_kind, model_kind", [("3d", None, "3d"),
                                                              ("slice", "slice2d", "generalized_plane_strain")])
def test_study_case_changes_die_board_and_kind_only(script, tmp_path, kind, geometry_kind, model_kind):
    case = script.study_case(kind, 0.1, 6.0, 2, str(tmp_path / "out"))
    assert case.geometry["die"]["thickness"] == 0.1
    assert case.geometry["board"]["size_x"] == case.geometry["board"]["size_y"] == 6.0
    assert case.kind == model_kind
    if geometry_kind is None:   # the spec's own kind: the octant of the default package
        assert case.geometry_kind in (None, "octant") and case.geometry["mesh"]["kind"] == "octant"
    else:
        assert case.geometry_kind == geometry_kind
    assert case.profile["cycles"] == 2
    default = script.study_case(kind, 0.305, 3.0, 2, str(tmp_path / "out"))
    for section in ("ball", "array", "ubm", "board_pad", "solder_mask", "mesh"):
        assert case.geometry[section] == default.geometry[section]
    assert default.geometry["board"]["thickness"] == case.geometry["board"]["thickness"] == 1.0


def test_reported_rows_are_the_critical_joint_of_the_joint_table(script, tmp_path):
    from thermofatigue.run import solve

    result = solve(script.study_case("slice", 0.305, 3.0, 2, str(tmp_path / "out")), keep_fields=False)
    critical = result.critical
    rows = {cycle: script.critical_row(result, cycle) for cycle in (1, 2)}
    last, first = rows[2], rows[1]
    assert last["joint"] == critical["joint"] and last["interface"] == critical["interface"]
    assert last["dW_die_layer"] == pytest.approx(critical["dW_die_layer"], rel=1e-12)
    assert last["dW_board_layer"] == pytest.approx(critical["dW_board_layer"], rel=1e-12)
    # the critical interface is the one with the larger layer energy
    layer = {"die": last["dW_die_layer"], "board": last["dW_board_layer"]}
    assert last["dW_interface"] == pytest.approx(layer[last["interface"]], rel=1e-12)
    assert layer[last["interface"]] >= max(layer.values())
    assert last["change"] == pytest.approx(last["dW_interface"] / first["dW_interface"] - 1.0, rel=1e-12)
    assert last["N_darveaux"] == critical["N_darveaux"] and first["N_darveaux"] is None
    assert first["change"] is None
