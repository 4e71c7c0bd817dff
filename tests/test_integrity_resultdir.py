"""A run owns its results directory: locked, replaced as a whole, marked complete or not.

Concurrency and SIGKILL are exercised with real child processes (``python -c``) that print a
line at each stage, so the parent kills them at known moments.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from thermofatigue.errors import InputError, ThermofatigueError
from thermofatigue.resultdir import (COMPLETE, INCOMPLETE, ResultDirectory, check_complete,
                                     check_output_location)

ROOT = Path(__file__).resolve().parent.parent


def write_run(rd, tag, n_cycles):
    (rd.staging / "summary.json").write_text(json.dumps({"tag": tag, "cycles": n_cycles}))
    for k in range(1, n_cycles + 1):
        (rd.staging / f"cycle_{k}.vtu").write_text(f"{tag} {k}\n")


def siblings(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}."))


def one_line(exc):
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


# ----------------------------------------------------------------------------------------------
def test_commit_marks_complete_with_normal_permissions(tmp_path):
    out = tmp_path / "results"
    old = os.umask(0o022)
    try:
        with ResultDirectory(out, source="case.toml") as rd:
            assert rd.staging.parent == out.parent and rd.staging != out
            assert (rd.staging / INCOMPLETE).is_file()  # marked while running
            (rd.staging / "fields").mkdir()
            (rd.staging / "fields" / "cycle_1.vtu").write_text("x")
            write_run(rd, "a", 2)
            assert rd.commit() == out
    finally:
        os.umask(old)
    check_complete(out)
    manifest = json.loads((out / COMPLETE).read_text())
    assert manifest["files"]["fields/cycle_1.vtu"] == 1
    assert not (out / INCOMPLETE).exists()
    assert siblings(out) == []  # no lock, no staging left
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "fields").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / COMPLETE).stat().st_mode) == 0o644


def test_shorter_rerun_leaves_no_old_cycle_files(tmp_path):
    out = tmp_path / "results"
    with ResultDirectory(out) as rd:
        write_run(rd, "long", 5)
        rd.commit()
    with ResultDirectory(out) as rd:
        write_run(rd, "short", 2)
        rd.commit()
    check_complete(out)
    assert sorted(p.name for p in out.glob("cycle_*")) == ["cycle_1.vtu", "cycle_2.vtu"]
    assert json.loads((out / "summary.json").read_text())["tag"] == "short"
    assert siblings(out) == []


@pytest.mark.parametrize("error", [RuntimeError("solver diverged"), KeyboardInterrupt()])
def test_failed_run_replaces_old_results_and_is_marked(tmp_path, error):
    out = tmp_path / "results"
    with ResultDirectory(out) as rd:
        write_run(rd, "old", 3)
        rd.commit()
    with pytest.raises(type(error)):
        with ResultDirectory(out) as rd:
            (rd.staging / "cycle_1.vtu").write_text("new 1\n")
            raise error
    assert (out / INCOMPLETE).is_file() and not (out / COMPLETE).exists()
    assert not (out / "summary.json").exists()           # the old summary did not survive
    assert sorted(p.name for p in out.iterdir()) == [INCOMPLETE, "cycle_1.vtu"]
    with pytest.raises(InputError) as exc:
        check_complete(out)
    text = one_line(exc.value)
    assert "INCOMPLETE" in text
    assert ("solver diverged" in text) if isinstance(error, RuntimeError) else ("interrupted" in text)
    # a re-run replaces it cleanly
    with ResultDirectory(out) as rd:
        write_run(rd, "again", 1)
        rd.commit()
    check_complete(out)
    assert sorted(p.name for p in out.iterdir()) == [COMPLETE, "cycle_1.vtu", "summary.json"]


def test_leaving_without_commit_is_incomplete(tmp_path):
    out = tmp_path / "results"
    with ResultDirectory(out) as rd:
        write_run(rd, "x", 1)
    with pytest.raises(InputError, match="without committing"):
        check_complete(out)


def test_check_complete_refuses_missing_unmarked_and_changed(tmp_path):
    with pytest.raises(InputError, match="existing results directory"):
        check_complete(tmp_path / "nothing")
    (tmp_path / "hand").mkdir()
    (tmp_path / "hand" / "summary.json").write_text("{}")
    with pytest.raises(InputError, match="COMPLETE = 'missing'"):
        check_complete(tmp_path / "hand")
    out = tmp_path / "results"
    with ResultDirectory(out) as rd:
        write_run(rd, "a", 2)
        rd.commit()
    (out / "cycle_2.vtu").write_text("truncated")
    with pytest.raises(InputError, match="cycle_2.vtu"):
        check_complete(out)
    (out / "cycle_2.vtu").unlink()
    with pytest.raises(InputError, match="missing"):
        check_complete(out)


def test_second_run_in_same_process_is_refused_with_pid(tmp_path):
    out = tmp_path / "results"
    with ResultDirectory(out, source="a.toml") as rd:
        with pytest.raises(InputError) as exc:
            with ResultDirectory(out, source="b.toml"):
                pass
        text = one_line(exc.value)
        assert text.startswith("b.toml: output.directory = ")
        assert str(out) in text and f"pid {os.getpid()}" in text
        write_run(rd, "a", 1)
        rd.commit()
    check_complete(out)


# ----------------------------------------------------------------------------------------------
# child processes
# ----------------------------------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from thermofatigue.errors import InputError
    from thermofatigue.resultdir import ResultDirectory
    out, tag, n, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    try:
        with ResultDirectory(out) as rd:
            print("entered", flush=True)
            for k in range(1, n + 1):
                (rd.staging / f"cycle_{k}.vtu").write_text(f"{tag} {k}\\n")
                print(f"wrote {k}", flush=True)
                time.sleep(pause)
            (rd.staging / "summary.json").write_text(tag)
            print("committing", flush=True)
            rd.commit()
            print("committed", flush=True)
    except InputError as exc:
        print(f"refused: {exc}", flush=True)
        sys.exit(2)
""")


def start_child(out, tag, n, pause):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(out), tag, str(n), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=str(out.parent))


def read_until(proc, prefix):
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child ended before {prefix!r}: {proc.stderr.read()}")
        if line.startswith(prefix):
            return line


def test_other_process_holding_the_directory_is_named_and_dies_with_sigkill(tmp_path):
    out = tmp_path / "results"
    child = start_child(out, "child", 3, 30.0)
    try:
        read_until(child, "wrote 1")
        with pytest.raises(InputError) as exc:
            with ResultDirectory(out):
                pass
        assert f"pid {child.pid}" in one_line(exc.value)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert any(".staging-" in name for name in siblings(out))   # what the killed run left
    with ResultDirectory(out) as rd:                            # not blocked by the dead holder
        write_run(rd, "mine", 1)
        rd.commit()
    check_complete(out)
    assert siblings(out) == []                                  # its staging was cleaned


def test_two_concurrent_runs_never_mix(tmp_path):
    out = tmp_path / "results"
    children = [start_child(out, tag, 4, 0.05) for tag in ("A", "B")]
    codes = [c.wait(60) for c in children]
    outputs = [c.stdout.read() for c in children]
    assert sorted(codes) in ([0, 0], [0, 2]), outputs
    for code, text in zip(codes, outputs):
        if code == 2:
            assert "refused:" in text and "pid" in text
    check_complete(out)
    tags = {p.read_text().split()[0] for p in out.glob("cycle_*.vtu")}
    assert len(tags) == 1 and (out / "summary.json").read_text() in tags
    assert sorted(p.name for p in out.glob("cycle_*")) == [f"cycle_{k}.vtu" for k in range(1, 5)]


@pytest.mark.parametrize("moment", ["entered", "wrote 2", "committing"])
def test_sigkill_leaves_results_marked_incomplete_and_rerun_replaces(tmp_path, moment):
    out = tmp_path / "results"
    with ResultDirectory(out) as rd:
        write_run(rd, "previous", 5)
        rd.commit()
    child = start_child(out, "killed", 3, 0.5)
    try:
        read_until(child, moment)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # the previous results, marked as being replaced; or (killed after the exchange) the new
    # ones complete; never a mixture, never the previous ones looking complete
    tags = {p.read_text().split()[0] for p in out.glob("cycle_*.vtu")}
    if tags == {"previous"}:
        with pytest.raises(InputError) as exc:
            check_complete(out)
        assert "being replaced by the run with pid" in one_line(exc.value)
    else:
        assert tags == {"killed"}
        check_complete(out)
    with ResultDirectory(out) as rd:
        write_run(rd, "rerun", 2)
        rd.commit()
    check_complete(out)
    assert sorted(p.name for p in out.glob("cycle_*")) == ["cycle_1.vtu", "cycle_2.vtu"]
    assert siblings(out) == []


# ----------------------------------------------------------------------------------------------
# bad locations: one clear line each, nothing created
# ----------------------------------------------------------------------------------------------
def refused(path, match):
    with pytest.raises(InputError) as exc:
        check_output_location(path, "case.toml", "output.directory")
    text = one_line(exc.value)
    assert text.startswith("case.toml: output.directory = ") and match in text, text
    with pytest.raises(InputError):
        with ResultDirectory(path, source="case.toml"):
            pass
    return text


def test_output_path_that_is_a_file(tmp_path):
    (tmp_path / "results").write_text("not a directory")
    refused(tmp_path / "results", "a file of that name exists")
    refused(tmp_path / "results" / "sub", "is a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_too_long_path(tmp_path):
    refused(tmp_path / ("x" * 250), "bytes")
    refused(tmp_path.joinpath(*["d" * 200] * 25), "bytes")
    assert list(tmp_path.iterdir()) == []


def test_non_utf8_path(tmp_path):
    name = os.fsdecode(b"res\xffults")
    text = refused(tmp_path / name, "UTF-8")
    assert "\\udcff" in text
    assert list(tmp_path.iterdir()) == []


def test_directory_with_foreign_files_is_not_replaced(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("precious")
    refused(home, "thesis.tex")
    assert (home / "thesis.tex").read_text() == "precious"


def test_results_of_a_version_before_the_markers_are_replaced(tmp_path):
    old = tmp_path / "results"
    old.mkdir()
    (old / "summary.json").write_text(json.dumps({"analysis": "cycling",
                                                  "versions": {"thermofatigue": "0.1"}}))
    (old / "cycle_9.vtu").write_text("old")
    with ResultDirectory(old) as rd:
        write_run(rd, "new", 1)
        rd.commit()
    assert sorted(p.name for p in old.iterdir()) == [COMPLETE, "cycle_1.vtu", "summary.json"]


def test_working_directory_is_not_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(tmp_path, "working directory")
    refused(".", "working directory")


READ_ONLY_CHILD = textwrap.dedent("""
    import os, sys
    from thermofatigue.errors import InputError
    from thermofatigue.resultdir import ResultDirectory
    if os.getuid() == 0:  # imports first: the interpreter's files may not be readable by nobody
        os.setgid(65534); os.setuid(65534)
    try:
        with ResultDirectory(sys.argv[1], source="case.toml"):
            pass
    except InputError as exc:
        print(exc); sys.exit(2)
""")


def test_read_only_location():
    """Run as an unprivileged user (root may write anywhere, so root drops to nobody), in a
    directory every user can traverse."""
    base = Path(tempfile.mkdtemp(prefix="tf-readonly-", dir="/tmp"))
    try:
        base.chmod(0o755)
        locked = base / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        proc = subprocess.run([sys.executable, "-c", READ_ONLY_CHILD, str(locked / "results")],
                              capture_output=True, text=True, cwd="/",
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 2, proc.stderr
        line = proc.stdout.strip()
        assert "\n" not in line and "no write permission" in line and str(locked) in line, line
        assert list(locked.iterdir()) == []
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)
