"""A run owns its results directory: one writer at a time, replaced as a whole, marked.

Protocol (all of it in the directory's parent, so every rename stays on one file system)::

    results/                      the results a reader sees (the last committed or failed run)
    .results.lock                 exclusive fcntl lock of the run writing, holding its pid
    .results.staging-<pid>-<id>/  where that run writes everything

* :meth:`ResultDirectory.__enter__` checks the location (:func:`check_output_location`), takes
  the lock (another live run -> :class:`InputError` naming its pid; the lock dies with its
  process, so a run killed with SIGKILL blocks nobody), removes the staging directories of
  killed runs, and creates a fresh staging directory marked ``INCOMPLETE`` ("running").
* :meth:`ResultDirectory.commit` writes ``COMPLETE`` (a JSON manifest: every file and its size)
  last, then exchanges the staging directory with ``results/`` in one ``renameat2(...,
  RENAME_EXCHANGE)``: a reader sees either the old results or the new ones, never a mixture,
  and no file of an older or longer run survives.
* On an exception or KeyboardInterrupt the partial results replace ``results/`` as a whole
  too, with ``INCOMPLETE`` saying why and no ``COMPLETE``. A run killed outright (SIGKILL,
  power loss) never reaches the exchange: ``results/`` keeps the previous results, which the
  run marked ``INCOMPLETE`` ("being replaced by the run with pid ...") when it took the lock,
  so that no reader takes them for the results of the case just run; a re-run replaces them.

:func:`check_complete` is the reader's side: a directory is complete when it has ``COMPLETE``,
has no ``INCOMPLETE`` and holds every file of the manifest with its size.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import secrets
import shutil
import time
from pathlib import Path

from .errors import InputError, ThermofatigueError

COMPLETE = "COMPLETE"
INCOMPLETE = "INCOMPLETE"
MANIFEST_FORMAT = "thermofatigue.results-complete/1"
# room kept in a file-name component for the ".<name>.staging-<pid>-<id>" siblings
_SIBLING_SUFFIX = 40
_PATH_MAX = 4096
_NAME_MAX = 255


# ----------------------------------------------------------------------------------------------
# the early check
# ----------------------------------------------------------------------------------------------
def check_output_location(path, source="<case>", field="output.directory") -> None:
    """Raise :class:`InputError` unless a run can own ``path`` as its results directory.

    ``path`` must be valid UTF-8 text without NUL, short enough for the file system (with room
    for the staging sibling), not a file, and either missing (its nearest existing ancestor a
    writable directory), empty, or a thermofatigue results directory (marked ``COMPLETE`` or
    ``INCOMPLETE``): a run replaces the whole directory, so a directory holding other files is
    refused rather than deleted. Callable before any work; does not create anything.
    """
    def bad(expected, value=None):
        return InputError(source, field, text if value is None else value, expected)

    text = os.fsdecode(path) if isinstance(path, bytes) else str(os.fspath(path))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise bad("a path that is valid UTF-8 text (it holds undecodable bytes)") from None
    if "\x00" in text or not text.strip():
        raise bad("a directory path (non-empty, no NUL character)")
    target = Path(os.path.abspath(text))
    encoded = os.fsencode(str(target))
    if len(encoded) > _PATH_MAX - _SIBLING_SUFFIX:
        raise bad(f"a path shorter than {_PATH_MAX - _SIBLING_SUFFIX} bytes "
                  f"(it has {len(encoded)})", value=_shorten(text))
    for part in target.parts[1:]:
        n = len(os.fsencode(part))
        if n > _NAME_MAX - _SIBLING_SUFFIX:
            raise bad(f"path components of at most {_NAME_MAX - _SIBLING_SUFFIX} bytes "
                      f"(one has {n})", value=_shorten(text))
    target = Path(os.path.realpath(target))
    if target.parent == target:
        raise bad("a results directory below the file-system root")
    cwd = Path(os.path.realpath(os.getcwd()))
    if cwd == target or target in cwd.parents:
        raise bad("a results directory that does not contain the working directory "
                  "(a run replaces the whole results directory)")
    try:
        _check_existing(target, bad)
    except OSError as exc:
        raise bad(f"an accessible location ({_os_reason(exc)})") from None


def _check_existing(target: Path, bad) -> None:
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise bad("a directory (a file of that name exists)")
        if not os.access(target, os.R_OK | os.W_OK | os.X_OK):
            raise bad("a directory this user may read and write (permission denied)")
        entries = sorted(os.listdir(target))
        if entries and not _is_results_directory(target, entries):
            raise bad(f"an empty directory or a thermofatigue results directory (it holds "
                      f"{len(entries)} other entries, e.g. {entries[0]!r}; a run replaces "
                      f"the whole directory, so choose a new one)")
        parent = target.parent
    else:
        parent = target.parent
        while not (parent.exists() or parent.is_symlink()):
            parent = parent.parent
    if not parent.is_dir():
        raise bad(f"a path below a directory ({str(parent)!r} is a file)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise bad(f"a writable location (no write permission in {str(parent)!r})")


def _is_results_directory(target: Path, entries) -> bool:
    """Marked by a run (``COMPLETE``/``INCOMPLETE``), or written by a thermofatigue version
    before the markers: a ``summary.json`` naming the analysis and thermofatigue's version."""
    if COMPLETE in entries or INCOMPLETE in entries:
        return True
    if "summary.json" not in entries:
        return False
    try:
        summary = json.loads((target / "summary.json").read_text(encoding="utf-8"))
        return summary.get("analysis") in ("thermoelastic", "cycling") \
            and "thermofatigue" in summary.get("versions", {})
    except (OSError, ValueError, AttributeError, TypeError):
        return False


def _shorten(text: str) -> str:
    return text if len(text) <= 60 else text[:28] + "..." + text[-28:]


def _os_reason(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or 0, "")
    return f"{exc.strerror or exc}{f' [{name}]' if name else ''}"


# ----------------------------------------------------------------------------------------------
# the reader's check
# ----------------------------------------------------------------------------------------------
def check_complete(path) -> None:
    """Raise :class:`InputError` unless ``path`` holds the complete results of one run.

    Refused: a missing directory, one marked ``INCOMPLETE`` (its reason is quoted), one without
    ``COMPLETE`` (written before thermofatigue marked its results, or by hand), and one whose
    manifest lists a file that is missing or has another size.
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, "results", str(path), "an existing results directory")
    incomplete = path / INCOMPLETE
    if incomplete.exists():
        raise InputError(path, INCOMPLETE, _reason(incomplete),
                         "complete results (this run failed or was interrupted; run it again)")
    marker = path / COMPLETE
    if not marker.is_file():
        raise InputError(path, COMPLETE, "missing",
                         "a results directory marked complete by the run that wrote it")
    try:
        manifest = json.loads(marker.read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("format") != MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError(manifest.get("format"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(marker, "manifest", type(exc).__name__,
                         f"a {MANIFEST_FORMAT} manifest") from None
    for name, size in files.items():
        member = path / name
        if not member.is_file():
            raise InputError(path, name, "missing", "every file the manifest lists")
        if member.stat().st_size != size:
            raise InputError(path, name, f"{member.stat().st_size} bytes",
                             f"{size} bytes as the manifest says (changed after the run)")


def _reason(marker: Path) -> str:
    try:
        for line in marker.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("reason:"):
                return line[len("reason:"):].strip()
    except OSError:
        pass
    return "unknown"


# ----------------------------------------------------------------------------------------------
# the writer
# ----------------------------------------------------------------------------------------------
class ResultDirectory:
    """Context manager giving a run exclusive, all-or-nothing ownership of its results directory.

    >>> with ResultDirectory("results", source="case.toml") as rd:   # doctest: +SKIP
    ...     write_everything(rd.staging)
    ...     rd.commit()
    """

    def __init__(self, path, *, source="<case>", field="output.directory"):
        self.requested = path
        self.source = str(source)
        self.field = field
        self.path: Path | None = None
        self.staging: Path | None = None
        self._lock_fd: int | None = None
        self._lock_path: Path | None = None
        self._done = False
        self._started = time.time()

    # ---- entering ---------------------------------------------------------------------------
    def __enter__(self) -> "ResultDirectory":
        check_output_location(self.requested, self.source, self.field)
        self.path = Path(os.path.realpath(os.path.abspath(os.fspath(self.requested))))
        parent = self.path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(f"a location where a directory can be created "
                              f"({_os_reason(exc)})") from None
        self._lock_path = parent / f".{self.path.name}.lock"
        self._lock_fd = self._acquire_lock()
        try:
            check_output_location(self.path, self.source, self.field)  # again, under the lock
            self._remove_stale_siblings()
            self._mark_superseded()
            self.staging = parent / f".{self.path.name}.staging-{os.getpid()}-{secrets.token_hex(4)}"
            self.staging.mkdir()
            self._write_incomplete("the run is still writing (or was killed while writing)")
        except BaseException as exc:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
                self.staging = None
            self._release_lock()
            if isinstance(exc, OSError):
                raise self._error(f"a writable location ({_os_reason(exc)})") from None
            raise
        return self

    def _error(self, expected) -> InputError:
        return InputError(self.source, self.field, str(self.path or self.requested), expected)

    def _acquire_lock(self) -> int:
        """Open-and-flock the lock file; retry if its holder unlinked it meanwhile."""
        for _ in range(100):
            try:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError as exc:
                raise self._error(f"a writable location ({_os_reason(exc)})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_pid(fd)
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise self._error(f"a results directory no other run is writing (the run "
                                      f"with pid {holder} holds it; wait for it to finish or "
                                      f"choose another {self.field})") from None
                raise self._error(f"a location that can be locked ({_os_reason(exc)})") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self._lock_path))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return fd
            os.close(fd)  # the previous holder removed the file between our open and flock
        raise self._error("a lock file that stays in place")

    def _release_lock(self) -> None:
        if self._lock_fd is None:
            return
        try:
            os.unlink(self._lock_path)  # unlink before unlocking: the next run makes a new one
        except OSError:
            pass
        os.close(self._lock_fd)
        self._lock_fd = None

    def _remove_stale_siblings(self) -> None:
        """Staging (and exchanged-out) directories of earlier runs that were killed."""
        prefix = f".{self.path.name}."
        for entry in self.path.parent.iterdir():
            rest = entry.name[len(prefix):] if entry.name.startswith(prefix) else ""
            if rest.startswith(("staging-", "old-")) and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)

    # ---- markers ----------------------------------------------------------------------------
    def _mark_superseded(self) -> None:
        """Mark the old results ``INCOMPLETE`` while this run replaces them: a run killed
        outright (SIGKILL) then leaves a directory no reader takes for its results."""
        if not self.path.is_dir() or not any(self.path.iterdir()):
            return
        reason = (f"being replaced by the run with pid {os.getpid()} started "
                  f"{_stamp(self._started)}; these are the previous run's results, and if "
                  f"that run was killed, run the case again")
        tmp = self.path / f".{INCOMPLETE}.{os.getpid()}.tmp"
        _write_synced(tmp, _incomplete_text(reason, self._started))
        os.replace(tmp, self.path / INCOMPLETE)
        _fsync_dir(self.path)

    def _write_incomplete(self, reason: str) -> None:
        _write_synced(self.staging / INCOMPLETE, _incomplete_text(reason, self._started))

    def _write_complete(self) -> None:
        files = {}
        for root, _, names in os.walk(self.staging):
            for name in names:
                full = Path(root) / name
                rel = full.relative_to(self.staging).as_posix()
                if rel not in (COMPLETE, INCOMPLETE):
                    files[rel] = full.stat().st_size
        manifest = {"format": MANIFEST_FORMAT, "status": "complete", "pid": os.getpid(),
                    "started": _stamp(self._started), "finished": _stamp(time.time()),
                    "files": dict(sorted(files.items()))}
        _write_synced(self.staging / COMPLETE, json.dumps(manifest, indent=1) + "\n")

    # ---- leaving ----------------------------------------------------------------------------
    def commit(self) -> Path:
        """Mark the staging directory complete and put it in place of the old results.

        A failure here (disk full, permission) raises :class:`ThermofatigueError`; leaving the
        ``with`` block then marks what was written ``INCOMPLETE`` as for any other failure.
        """
        if self._done or self.staging is None:
            raise ThermofatigueError("ResultDirectory.commit: not inside an open run")
        try:
            self._write_complete()
            os.unlink(self.staging / INCOMPLETE)
            _fsync_dir(self.staging)
            self._put_in_place()
        except OSError as exc:
            raise ThermofatigueError(f"{self.path}: could not complete the results "
                                     f"({_os_reason(exc)})") from None
        self._done = True
        self._release_lock()
        return self.path

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._done or self.staging is None:
            self._release_lock()
            return False
        if exc_type is None:
            reason = "the run ended without committing its results"
        elif issubclass(exc_type, KeyboardInterrupt):
            reason = "interrupted (KeyboardInterrupt)"
        else:
            reason = f"failed: {exc_type.__name__}: {exc}"
        try:
            (self.staging / COMPLETE).unlink(missing_ok=True)
            self._write_incomplete(reason)
            _fsync_dir(self.staging)
            self._put_in_place()
        except OSError:
            # cannot even mark it (disk full, ...): the old results stay, the partial ones go
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
                self.staging = None
        finally:
            self._done = True
            self._release_lock()
        return False

    def _put_in_place(self) -> None:
        """Exchange staging and results in one step; remove what was there before."""
        staging, self.staging = self.staging, None
        if self.path.exists() or self.path.is_symlink():
            if _rename_exchange(staging, self.path):
                old = staging                      # the old results now sit at the staging name
            else:                                  # no atomic exchange on this file system
                old = self.path.parent / f".{self.path.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
                os.rename(self.path, old)
                os.rename(staging, self.path)
            _fsync_dir(self.path.parent)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, self.path)
            _fsync_dir(self.path.parent)


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------
def _incomplete_text(reason: str, started: float) -> str:
    return (f"INCOMPLETE: these results are not complete; do not use them.\n"
            f"reason: {' '.join(str(reason).split())}\n"
            f"pid: {os.getpid()}\n"
            f"started: {_stamp(started)}\n"
            f"marked: {_stamp(time.time())}\n")


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "unknown"


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _write_synced(path: Path, text: str) -> None:
    """Write a small file and flush it to the disk before returning."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


__all__ = ["COMPLETE", "INCOMPLETE", "ResultDirectory", "check_complete",
           "check_output_location"]
