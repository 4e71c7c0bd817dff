"""The study directory: one folder per design point, a small atomic record each, resumable.

Layout::

    STUDY_DIR/
      study-identity.json        which study made the directory (refuses another one)
      .study.lock                held by the driver while it runs (one driver at a time)
      points/<key>/record.json   status, parameters, key results, error, run time (atomic)
      points/<key>/attempts.log  one line per start of the point (host, pid, time)
      points/<key>/results/      the point's results directory (COMPLETE when whole)
      study.csv, study.json      one row per point; the study, its points and the best design
      figures/*.png

A point is *finished* when its record says ``done`` and its results directory is complete, or
``failed`` (re-run with ``retry_failed``). A point whose results directory is complete but
whose record is missing (the worker was killed between the two atomic writes) gets its record
rebuilt from the results, not a second run. Everything else runs again.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from ..errors import InputError, OutputError
from ..io import write_json

IDENTITY_FILE = "study-identity.json"
FORMAT = "thermofatigue.study/1"
RECORD_FORMAT = "thermofatigue.study-point/1"


class StudyStore:
    """The directory of one study (see the module docstring)."""

    def __init__(self, directory, study):
        self.path = Path(directory).resolve()
        self.study = study
        self._lock = None

    # -- opening ---------------------------------------------------------------------------
    def open(self) -> "StudyStore":
        """Create or reopen the directory; refuse one made by another study or in use."""
        identity = {"format": FORMAT, "identity": self.study.identity,
                    "study_file": self.study.source, "base": self.study.base_source,
                    "parameters": self.study.paths}
        marker = self.path / IDENTITY_FILE
        if self.path.exists() and not self.path.is_dir():
            raise InputError(self.study.source, "output directory", str(self.path),
                             "a directory (this is a file)")
        if marker.is_file():
            try:
                found = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                found = {}
            if found.get("identity") != self.study.identity:
                raise InputError(self.study.source, "output directory", str(self.path),
                                 f"a new directory or one made by this study (it holds study "
                                 f"{found.get('identity')} of {found.get('study_file')}: another "
                                 f"base case or parameter set; choose another directory with -o)")
        elif self.path.is_dir() and any(self.path.iterdir()):
            raise InputError(self.study.source, "output directory", str(self.path),
                             "a new or empty directory, or one made by this study (it holds "
                             "other files and no study-identity.json)")
        try:
            (self.path / "points").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(self.path, exc) from None
        self._take_lock()
        if not marker.is_file():
            write_json(marker, identity)
        return self

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()
        return False

    def _take_lock(self) -> None:
        fh = open(self.path / ".study.lock", "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise InputError(self.study.source, "output directory", str(self.path),
                             f"a study directory no other driver is using (pid {holder} is "
                             f"running this study)") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock = fh

    # -- points ----------------------------------------------------------------------------
    def point_dir(self, key: str) -> Path:
        return self.path / "points" / key

    def record(self, key: str) -> dict | None:
        """The point's record (None when missing or unreadable)."""
        try:
            return json.loads((self.point_dir(key) / "record.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def attempts(self, key: str) -> int:
        """How many times the point was started (lines of attempts.log)."""
        try:
            return len((self.point_dir(key) / "attempts.log").read_text().splitlines())
        except OSError:
            return 0

    def status(self, point, retry_failed: bool = False) -> tuple[str, dict | None]:
        """("done" | "failed" | "todo", record): what a run of the study does with a point."""
        record = self.record(point.key)
        complete = (self.point_dir(point.key) / "results" / "COMPLETE").is_file()
        if record is None and complete:
            record = recover_record(self.point_dir(point.key), point)
            if record is not None:
                write_json(self.point_dir(point.key) / "record.json", record)
        if record is not None and record.get("status") == "done" and complete:
            return "done", record
        if record is not None and record.get("status") == "failed" and not retry_failed:
            return "failed", record
        return "todo", record


def start_attempt(point_dir: Path) -> int:
    """Append one line to attempts.log (O_APPEND: whole lines even from several processes);
    returns the attempt number."""
    point_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                       "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n"
    fd = os.open(point_dir / "attempts.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return len((point_dir / "attempts.log").read_text().splitlines())


def key_results(result) -> dict:
    """The small summary a study keeps of a cycling result: the critical joint, its energy
    and life by each law, the stabilisation and the peak-to-valley warpage."""
    crit = result.critical or {}
    laws = result.life.laws if result.life is not None else []
    return {
        "model": result.model.label, "geometry_kind": result.model.geometry_kind,
        "joint": crit.get("joint"), "row": crit.get("row"), "column": crit.get("column"),
        "dnp": crit.get("dnp"), "interface": crit.get("interface"),
        "dW_interface": crit.get("dW_interface"), "d_eps_in": crit.get("d_eps_in"),
        "primary_law": result.primary_law,
        "life": {law: crit.get(f"N_{law}") for law in laws},
        "cycle_used": result.stabilisation.cycle_used,
        "cycles_run": result.stabilisation.cycles_run,
        "stabilised": result.stabilisation.stabilised,
        "last_change": result.stabilisation.last_change,
        "warpage_mm": result.warpage.peak_to_valley(),
        "warnings": len(result.warnings),
    }


def recover_record(point_dir: Path, point) -> dict | None:
    """Rebuild a done record from a complete results directory (worker killed after writing
    its results and before its record)."""
    from ..resultio import load_result

    try:
        result = load_result(point_dir / "results")
    except Exception:  # noqa: BLE001 - an unreadable directory is simply run again
        return None
    return {"format": RECORD_FORMAT, "key": point.key, "status": "done",
            "parameters": point.parameters, "results": key_results(result), "error": None,
            "error_type": None, "stage": None,
            "run_time_s": float(sum(v for v in result.timing.values()
                                    if isinstance(v, (int, float)))),
            "recovered": True}
