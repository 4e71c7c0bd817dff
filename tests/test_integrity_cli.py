"""Through the command (``python -m thermofatigue run`` in real processes): two runs into one
results directory are never mixed (one refused naming the other's pid, or both complete in
turn); a run killed with SIGKILL at several moments leaves either its own complete results or
the previous ones marked INCOMPLETE (being replaced), which a re-run replaces cleanly; a bad name in the case is refused before gmsh starts,
naming the case file, and nothing is written.
"""

from pathlib import Path

import pytest

from thermofatigue.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "thermofatigue" / "data"


def test_misspelt_material_refused_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    case = tmp_path / "case.toml"
    case.write_text(f'[model]\ngeometry = "{DATA / "wlcsp_0p4.toml"}"\n'
                    '[materials]\ndie = "silicon"\nbord = "fr4"\n"joint_*" = "sac305"\n'
                    '[load]\ntemperature = -40.0\nstress_free_temperature = 125.0\n'
                    '[output]\ndirectory = "results"\n')
    capsys.readouterr()
    code = main(["run", str(case), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert err.startswith(f"error: {case}: materials.bord = ") and "closest: 'board'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.toml"]


# ----------------------------------------------------------------------------------------------
# two real runs into one results directory; a run killed at several moments
# ----------------------------------------------------------------------------------------------
def thermoelastic_case(folder, title, temperature):
    """A thermo-elastic case on the shipped slice mesh (about 2 s through the command)."""
    materials = {"die": "silicon", "board": "fr4", "joint_*": "sac305",
                 "dielectric_*": "polyimide", "passivation": "polyimide", "rdl": "copper",
                 "ubm_*": "copper", "pad_board_*": "copper", "solder_mask": "solder_mask"}
    lines = [f'title = "{title}"', "[model]",
             f'mesh = "{ROOT / "meshes" / "wlcsp_0p4_slice2d.msh"}"',
             'kind = "generalized_plane_strain"', "[boundary]", 'sym_x = "symmetry"',
             "[materials]", *[f'"{k}" = "{v}"' for k, v in materials.items()], "[load]",
             f"temperature = {temperature}", "stress_free_temperature = 125.0", "[output]",
             'directory = "out"']
    path = Path(folder) / f"{title}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_run(case):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "thermofatigue", "run", str(case), "-q"],
                            cwd=str(case.parent), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def consistent_results(out, complete=True):
    """A directory whose summary and resolved case come from the same run, complete (or, with
    ``complete=False``, marked INCOMPLETE as being replaced); returns the run's title."""
    import json

    from thermofatigue.errors import InputError
    from thermofatigue.resultdir import check_complete

    if complete:
        check_complete(out)
    else:
        with pytest.raises(InputError, match="being replaced by the run with pid"):
            check_complete(out)
    summary = json.loads((out / "summary.json").read_text())
    case = json.loads((out / "case.json").read_text())
    assert summary["title"] == case["title"]
    return summary["title"]


def test_two_concurrent_runs_into_one_directory(tmp_path):
    runs = [start_run(thermoelastic_case(tmp_path, t, T)) for t, T in (("A", -40.0),
                                                                        ("B", 100.0))]
    results = [(p.wait(120), p.stderr.read()) for p in runs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        if code == 2:  # refused: one line naming the directory and the other run's pid
            assert err.strip().count("\n") == 0 and "pid" in err and "out" in err, err
    assert consistent_results(tmp_path / "out") in ("A", "B")


@pytest.mark.parametrize("delay", [0.3, 1.0, 1.8])
def test_run_killed_leaves_results_marked_and_rerun_replaces(tmp_path, delay):
    import os
    import signal
    import time

    first = thermoelastic_case(tmp_path, "A", -40.0)
    assert start_run(first).wait(120) == 0
    killed = start_run(thermoelastic_case(tmp_path, "B", 100.0))
    time.sleep(delay)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(30)
    out = tmp_path / "out"
    if (out / "INCOMPLETE").exists():    # the previous results, marked as being replaced
        assert consistent_results(out, complete=False) == "A"
    else:                                # killed before it took the lock, or after its
        assert consistent_results(out) in ("A", "B")   # results were in place
    rerun = start_run(thermoelastic_case(tmp_path, "C", 0.0))
    assert rerun.wait(120) == 0, rerun.stderr.read()
    assert consistent_results(tmp_path / "out") == "C"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A.toml", "B.toml", "C.toml", "out"]
