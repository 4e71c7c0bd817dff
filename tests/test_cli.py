"""The thermofatigue command: help, the default case, and one clear line for each bad input."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import meshio
import numpy as np
import pytest
import skfem
from skfem.io.meshio import to_meshio

from thermofatigue.cli import main

ROOT = Path(__file__).resolve().parent.parent
SLICE = ROOT / "meshes" / "wlcsp_0p4_slice2d.msh"


def run_cli(args, capsys):
    capsys.readouterr()  # drop what the test's own setup printed (meshio warnings)
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for sub in ("run", "mesh", "materials", "validate"):
        assert sub in out


def test_console_script_entry_point():
    """`python -m thermofatigue run --help` works (the installed command calls the same main)."""
    proc = subprocess.run([sys.executable, "-m", "thermofatigue", "run", "--help"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "case" in proc.stdout


def test_materials_lists_sources(capsys):
    code, out, _ = run_cli(["materials"], capsys)
    assert code == 0
    assert "silicon" in out and "fr4" in out and "sac305" in out
    assert "Okada" in out  # the silicon CTE source


def test_default_case_runs_and_writes_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["run"], capsys)
    assert code == 0, err
    results = tmp_path / "thermofatigue-results"
    summary = json.loads((results / "summary.json").read_text())
    assert summary["analysis"] in ("thermoelastic", "cycling")
    assert (results / "result.vtu").is_file() or (results / "fields").is_dir()
    mesh = meshio.read(next(results.glob("*.vtu")) if list(results.glob("*.vtu"))
                       else next((results / "fields").glob("*.vtu")))
    assert "u" in mesh.point_data


# --------------------------------------------------------------------------------------------
# bad input: exit status 2, one line naming file, field, value and what was expected
# --------------------------------------------------------------------------------------------
CASE = """
[model]
mesh = "{mesh}"
kind = "generalized_plane_strain"
[materials]
{materials}
[boundary]
sym_x = "symmetry"
[load]
stress_free_temperature = 217.0
temperature = 25.0
[output]
directory = "out"
"""
GOOD_MATERIALS = """die = "silicon"
board = "fr4"
"dielectric_*" = "polyimide"
passivation = "polyimide"
rdl = "copper"
"ubm_*" = "copper"
"pad_board_*" = "copper"
solder_mask = "solder_mask"
"joint_*" = "sac305"
"""


def write_case(tmp_path, mesh=None, materials=GOOD_MATERIALS):
    if mesh is None:
        mesh = tmp_path / "slice.msh"
        shutil.copy(SLICE, mesh)
        shutil.copy(SLICE.with_suffix(".json"), tmp_path / "slice.json")
    path = tmp_path / "case.toml"
    path.write_text(CASE.format(mesh=Path(mesh).name, materials=materials))
    return path


def expect_input_error(tmp_path, capsys, case, *fragments):
    code, out, err = run_cli(["run", "-q", case], capsys)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not (tmp_path / "out" / "summary.json").exists()  # no half-written result
    return lines[0]


def test_good_case_runs(tmp_path, capsys):
    code, out, err = run_cli(["run", "-q", write_case(tmp_path)], capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "summary.json").is_file()


def test_missing_mesh_file(tmp_path, capsys):
    case = write_case(tmp_path, mesh=tmp_path / "nowhere.msh")
    expect_input_error(tmp_path, capsys, case, "case.toml", "model.mesh", "nowhere.msh",
                       "expected an existing mesh file")


def test_mesh_without_named_regions(tmp_path, capsys):
    mesh = skfem.MeshTri.init_tensor(np.linspace(0, 1, 4), np.linspace(0, 1, 3))
    meshio.write(tmp_path / "plain.vtu", to_meshio(mesh))
    case = write_case(tmp_path, mesh=tmp_path / "plain.vtu")
    expect_input_error(tmp_path, capsys, case, "plain.vtu", "regions", "expected named regions")


def test_region_without_material(tmp_path, capsys):
    case = write_case(tmp_path, materials=GOOD_MATERIALS.replace('board = "fr4"\n', ""))
    expect_input_error(tmp_path, capsys, case, "case.toml", "materials = 'board'",
                       "none matches region 'board'")


def test_material_missing_a_property(tmp_path, capsys):
    materials = GOOD_MATERIALS.replace('die = "silicon"',
                                       'die = {elasticity = "isotropic", E = 130000.0, nu = 0.28}')
    case = write_case(tmp_path, materials=materials)
    expect_input_error(tmp_path, capsys, case, "case.toml", "materials.die.cte")


def test_unknown_material_name(tmp_path, capsys):
    case = write_case(tmp_path, materials=GOOD_MATERIALS.replace('"silicon"', '"unobtainium"'))
    expect_input_error(tmp_path, capsys, case, "case.toml", "materials.die", "unobtainium",
                       "silicon")


def test_mixed_cell_types(tmp_path, capsys):
    tri = to_meshio(skfem.MeshTri.init_tensor(np.linspace(0, 1, 3), np.linspace(0, 1, 3)))
    quad = to_meshio(skfem.MeshQuad.init_tensor(np.linspace(2, 3, 3), np.linspace(0, 1, 3)))
    points = np.vstack([tri.points, quad.points])
    mixed = meshio.Mesh(points, [tri.cells[0], meshio.CellBlock(
        "quad", quad.cells[0].data + len(tri.points))])
    meshio.write(tmp_path / "mixed.vtu", mixed)
    case = write_case(tmp_path, mesh=tmp_path / "mixed.vtu")
    expect_input_error(tmp_path, capsys, case, "mixed.vtu", "cell types", "single element type")


def test_inverted_element(tmp_path, capsys):
    mesh = skfem.MeshTri.init_tensor(np.linspace(0, 1, 4), np.linspace(0, 1, 4))
    m = to_meshio(mesh)
    centre = int(np.argmin(np.linalg.norm(m.points[:, :2] - [1 / 3, 1 / 3], axis=1)))
    m.points[centre, :2] = [1 / 3, 1.2]
    m.cell_data = {"region": [np.ones(len(m.cells[0].data), dtype=np.int32)]}
    m.field_data = {"board": np.array([1, 2])}
    meshio.write(tmp_path / "folded.vtu", m)
    case = write_case(tmp_path, mesh=tmp_path / "folded.vtu")
    expect_input_error(tmp_path, capsys, case, "folded.vtu", "inverted")


def test_unknown_case_key_and_bad_toml(tmp_path, capsys):
    case = write_case(tmp_path)
    case.write_text(case.read_text().replace("[load]", "[load]\ntemprature = 30.0"))
    expect_input_error(tmp_path, capsys, case, "load.temprature", "a known key of [load]")
    case.write_text("[model\nmesh = 1")
    expect_input_error(tmp_path, capsys, case, "case.toml", "valid TOML")


def test_missing_case_file(tmp_path, capsys):
    expect_input_error(tmp_path, capsys, tmp_path / "absent.toml", "absent.toml",
                       "an existing TOML case file")


def test_mesh_command_builds_a_tagged_mesh(tmp_path, capsys):
    spec = tmp_path / "wlcsp.toml"
    spec.write_text('family = "wlcsp"\n[ball]\ndiameter = 0.26\n[array]\nrows = 2\ncolumns = 2\n'
                    'pitch = 0.4\n[mesh]\nkind = "slice2d"\nsize = 0.3\n')
    code, out, err = run_cli(["mesh", spec, "-o", tmp_path / "model.msh"], capsys)
    assert code == 0, err
    assert "model.msh" in out and (tmp_path / "model.json").is_file()
    from thermofatigue.mesh import read_mesh

    tagged = read_mesh(tmp_path / "model.msh")
    assert "die" in tagged.regions and any(r.startswith("joint_") for r in tagged.regions)


def test_mesh_command_rejects_a_bad_spec(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('family = "wlcsp"\n[die]\nthickness = -0.1\n[ball]\ndiameter = 0.26\n'
                    '[array]\nrows = 2\ncolumns = 2\npitch = 0.4\n')
    code, out, err = run_cli(["mesh", spec, "-o", tmp_path / "model.msh"], capsys)
    assert code == 2 and "die.thickness" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "model.msh").exists()


def test_a_closed_pipe_ends_the_output_quietly():
    """``thermofatigue materials | head -1``: no BrokenPipeError traceback, exit status 0."""
    import subprocess
    import sys

    done = subprocess.run(f'"{sys.executable}" -m thermofatigue materials | head -1',
                          shell=True, capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("thermofatigue material library")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
