"""Bad input of a cycling case: one clear line and exit status 2, before any work."""

from test_cycling import run_cli, write_case

import pytest


def expect_line(tmp_path, capsys, case, *fragments):
    code, out, err = run_cli(["run", "-q", "--no-plots", case], capsys)
    lines = err.strip().splitlines()
    assert code == 2, (out, err)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not (tmp_path / "out").exists()  # nothing started, nothing written
    return lines[0]


def test_toml_syntax_error_names_line_and_column(tmp_path, capsys):
    case = write_case(tmp_path)
    case.write_text(case.read_text() + "\n[fatigue]\nlaws = [\"darveaux\"\n")
    line = expect_line(tmp_path, capsys, case, "case.toml", "line", "column")
    assert "valid TOML" in line


def test_unknown_key_suggests_the_closest(tmp_path, capsys):
    case = write_case(tmp_path)
    case.write_text(case.read_text().replace("cycles = 3", "cylces = 3"))
    expect_line(tmp_path, capsys, case, "case.toml", "load.cylces", "did you mean 'cycles'")
    case.write_text(case.read_text().replace("cylces = 3", "cycles = 3")
                    + "\n[fatigue]\nprimry = \"darveaux\"\n")
    expect_line(tmp_path, capsys, case, "fatigue.primry", "did you mean 'primary'")


def test_law_without_constants_for_the_solder(tmp_path, capsys):
    """No Morrow constants ship for SAC305: refused at once, not after the solve."""
    case = write_case(tmp_path)
    case.write_text(case.read_text() + '\n[fatigue]\nlaws = ["morrow"]\nprimary = "morrow"\n')
    expect_line(tmp_path, capsys, case, "case.toml", "morrow", "sac305")


@pytest.mark.parametrize("constant,fragment", [
    ('K1 = 55.6', "units"),                                     # a bare dimensional number
    ('K1 = {value = 55.6}', "units"),                           # units missing
    ('K1 = {value = 55.6, units = "furlongs"}', "furlongs"),    # unknown units
])
def test_user_constants_need_their_units(tmp_path, capsys, constant, fragment):
    case = write_case(tmp_path)
    case.write_text(case.read_text() + "\n[fatigue]\nlaws = [\"darveaux\"]\n"
                    f"[fatigue.constants.darveaux]\n{constant}\n")
    expect_line(tmp_path, capsys, case, "case.toml", "darveaux", fragment)


def test_unwritable_output_directory(tmp_path, capsys):
    import os

    case = write_case(tmp_path)
    (tmp_path / "out").write_text("a file, not a directory")
    code, out, err = run_cli(["run", "-q", case], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "output.directory" in err
    if os.geteuid() != 0:  # root writes anywhere
        (tmp_path / "out").unlink()
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        case.write_text(case.read_text().replace('directory = "out"',
                                                 'directory = "locked/out"'))
        code, out, err = run_cli(["run", "-q", case], capsys)
        assert code == 2 and "output.directory" in err


def test_field_life_of_a_hot_dwell_law_needs_the_field_dwell(tmp_path, capsys):
    """SAC305's Norris-Landzberg constants scale with the hot dwell: a [fatigue.field] without
    its dwell is refused before the solve (it used to fail after it)."""
    case = write_case(tmp_path)
    case.write_text(case.read_text() + "\n[fatigue]\nlaws = [\"darveaux\"]\n"
                    "field = {T_min = 0.0, T_max = 60.0, cycles_per_day = 1.0}\n")
    expect_line(tmp_path, capsys, case, "case.toml", "fatigue.field.dwell", "hot-dwell")
