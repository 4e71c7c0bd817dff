"""Every write atomic and checked: a full disk or a refused write is one clear line naming the
file, never a success on a partial file; the previous file stays as it was; result files get
normal permissions.

Full disks are simulated three ways: a write that raises ENOSPC/EDQUOT/EACCES (monkeypatched),
a file-size limit (RLIMIT_FSIZE, in a child process: the kernel refuses writes past it with
EFBIG, which gmsh does not report), and, where the test may mount, a real 64 kB tmpfs.
"""

import errno
import os
import resource
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import thermofatigue.io as tio
from thermofatigue.cli import main
from thermofatigue.errors import OutputError

ROOT = Path(__file__).resolve().parent.parent
SMALL_SPEC = {  # a flip chip slice: a few hundred elements, meshed in well under a second
    "family": "flip_chip", "ubm": {"diameter": 0.08}, "ball": {"diameter": 0.1},
    "board_pad": {"diameter": 0.08, "thickness": 0.018},
    "solder_mask": {"type": "smd", "opening": 0.07, "thickness": 0.04},
    "array": {"rows": 2, "columns": 2, "pitch": 0.15},
    "mesh": {"size": 0.3, "joint_size": 0.035, "corner_joint_size": 0.025, "kind": "slice2d"},
}


class FullDisk:
    """A file object whose writes fail with ``code`` once ``limit`` bytes were written."""

    def __init__(self, fh, limit, code):
        self.fh, self.limit, self.code, self.written = fh, limit, code, 0

    def write(self, data):
        self.written += len(data)
        if self.written > self.limit:
            raise OSError(self.code, os.strerror(self.code))
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


def fill_up(monkeypatch, code, limit=10):
    real_open = open

    def opener(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return FullDisk(fh, limit, code) if "w" in mode else fh

    monkeypatch.setattr(tio, "open", opener, raising=False)


def leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EACCES])
@pytest.mark.parametrize("writer", ["json", "csv", "text"])
def test_failing_write_is_one_line_and_keeps_the_old_file(tmp_path, monkeypatch, code, writer):
    target = tmp_path / f"summary.{writer}"
    target.write_text("previous complete content\n")
    fill_up(monkeypatch, code)
    with pytest.raises(OutputError) as exc:
        if writer == "json":
            tio.write_json(target, {"joints": list(range(100))})
        elif writer == "csv":
            tio.write_csv(target, ["joint", "dW"], [[k, 0.1 * k] for k in range(100)])
        else:
            tio.write_text(target, "x" * 1000)
    text = str(exc.value)
    assert "\n" not in text and str(target) in text and errno.errorcode[code] in text
    assert target.read_text() == "previous complete content\n"
    assert leftovers(tmp_path) == []


def test_delayed_enospc_at_fsync_is_caught(tmp_path, monkeypatch):
    """Delayed allocation: the write succeeds, the disk refuses at flush time."""
    def fsync_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tio.os, "fsync", fsync_full)
    with pytest.raises(OutputError, match="ENOSPC"):
        tio.write_json(tmp_path / "summary.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []


def test_vtu_writer_failure_names_the_file(tmp_path, monkeypatch):
    import meshio

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(meshio, "write", full)

    class Disc:  # the smallest discretization vtu_cells understands: one P1 triangle
        class mesh:
            t = np.array([[0], [1], [2]])
        scalar_basis = type("B", (), {"element_dofs": np.array([[0], [1], [2]])})
        dim = 2
        node_coordinates = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])

    with pytest.raises(OutputError, match=r"cycle_1\.vtu: could not write: .*ENOSPC"):
        tio.write_vtu(tmp_path / "cycle_1.vtu", Disc(), {"u": np.zeros((3, 2))})
    assert list(tmp_path.iterdir()) == []


def test_written_files_have_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        tio.write_json(tmp_path / "a.json", {"a": 1})
        tio.write_csv(tmp_path / "b.csv", ["x"], [[1.0]])
    finally:
        os.umask(old)
    for name in ("a.json", "b.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_unwritable_location_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError) as exc:
        tio.write_json(tmp_path / "file" / "summary.json", {})
    assert "\n" not in str(exc.value) and "summary.json" in str(exc.value)


# ----------------------------------------------------------------------------------------------
# thermofatigue mesh on a full disk
# ----------------------------------------------------------------------------------------------
def write_spec(folder):
    lines = []
    for section, table in SMALL_SPEC.items():
        if not isinstance(table, dict):
            lines.insert(0, f'{section} = "{table}"')
            continue
        lines.append(f"[{section}]")
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in table.items()]
    path = Path(folder) / "fc.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_mesh_command_when_gmsh_truncates_silently(tmp_path, monkeypatch, capsys):
    """gmsh may write a truncated file and return normally: the check must catch it."""
    import gmsh

    real_write = gmsh.write

    def truncating(path):
        real_write(path)
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) // 2)

    monkeypatch.setattr(gmsh, "write", truncating)
    spec = write_spec(tmp_path)
    out = tmp_path / "out" / "model.msh"
    code = main(["mesh", str(spec), "-o", str(out)])
    captured = capsys.readouterr()
    assert code != 0 and "wrote" not in captured.out
    err = captured.err.strip()
    assert "\n" not in err and "incomplete mesh file" in err and "model.msh" in err
    assert not out.exists() and not out.with_suffix(".json").exists()
    assert leftovers(out.parent) == []


def test_mesh_command_enospc_keeps_previous_mesh(tmp_path, monkeypatch, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "model.msh"
    assert main(["mesh", str(spec), "-o", str(out)]) == 0
    before = out.read_bytes(), out.with_suffix(".json").read_bytes()
    fill_up(monkeypatch, errno.ENOSPC, limit=100)   # the side-file write fails
    capsys.readouterr()
    code = main(["mesh", str(spec), "-o", str(out)])
    captured = capsys.readouterr()
    assert code != 0 and "wrote" not in captured.out and "ENOSPC" in captured.err
    assert (out.read_bytes(), out.with_suffix(".json").read_bytes()) == before
    assert leftovers(tmp_path) == []


LIMITED_CHILD = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)    # writes past the limit fail with EFBIG
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from thermofatigue.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def test_mesh_command_under_a_file_size_limit(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "model.msh"
    proc = subprocess.run([sys.executable, "-c", LIMITED_CHILD, str(20_000), "mesh", str(spec),
                           "-o", str(out)], capture_output=True, text=True, cwd=str(tmp_path))
    assert proc.returncode != 0 and "wrote" not in proc.stdout, proc.stdout
    err = proc.stderr.strip()
    assert "Traceback" not in err and err.count("\n") == 0 and "model.msh" in err, err
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.fixture
def tiny_tmpfs(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_mesh_command_on_a_really_full_disk(tmp_path, tiny_tmpfs, capsys):
    spec = write_spec(tmp_path)
    (tiny_tmpfs / "ballast").write_bytes(b"\0" * 40_000)
    out = tiny_tmpfs / "model.msh"
    capsys.readouterr()
    code = main(["mesh", str(spec), "-o", str(out)])
    captured = capsys.readouterr()
    assert code != 0 and "wrote" not in captured.out
    err = captured.err.strip()
    assert "\n" not in err and "model.msh" in err
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["ballast"]
