"""Running design points: one point = one run in one process, on Dask or in a plain loop.

:func:`run_point` is what a worker runs: it checks the point's case, solves it, writes the
point's results directory and its atomic record, and returns the record (a small dict: no
fields, no state). Every failure of the point (a geometry gmsh cannot mesh, a solve that does
not converge, a full disk) becomes a ``failed`` record; the study goes on.

Executors: :class:`SerialExecutor` runs the points one after the other in this process (the
tests; ``--workers 0``). :class:`DaskExecutor` submits each point to a ``dask.distributed``
cluster: a new ``LocalCluster`` of single-threaded worker *processes* (gmsh keeps one global
state per process, so never threads), one per core by default, with the BLAS thread counts
pinned to 1 in the workers' environment (numpy is already imported in a worker, so setting the
variable inside the task would be too late); or an existing cluster (``--scheduler ADDRESS``).
A worker that dies has its point rescheduled by the Dask scheduler on another worker (up to
``distributed.scheduler.allowed-failures`` times, then the point is recorded as failed).

When the driver is killed, the workers of its LocalCluster end within seconds (they watch their
parent), but a point they were running may still hold its results lock for a moment; the workers
of an existing cluster even finish their task. A resumed study's run of that point therefore
waits for the lock first and takes over the other run's record if it finished the point.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

from ..errors import InputError
from ..io import write_json
from .store import RECORD_FORMAT, key_results, start_attempt

#: longest wait for another process still writing a point before running it here (s)
WAIT_FOR_OTHER_RUN_S = 3600.0
#: worker environment: one BLAS/OpenMP thread per single-threaded worker process
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}


def point_task(point, point_dir: Path, study, plots: bool) -> dict:
    """What a worker needs to run a point (plain picklable values)."""
    return {"key": point.key, "parameters": point.parameters, "raw": point.raw,
            "source": f"{study.source} [point {point.key}]", "base_dir": str(study.base_dir),
            "point_dir": str(point_dir), "plots": plots}


def run_point(task: dict) -> dict:
    """Run one design point in this process; write and return its record."""
    from ..case import merge, parse_case
    from ..run import run_case

    start = time.perf_counter()
    point_dir = Path(task["point_dir"])
    finished = finished_elsewhere(point_dir, task, task.get("wait_s", WAIT_FOR_OTHER_RUN_S))
    if finished is not None:
        return finished
    attempt = start_attempt(point_dir)
    record = {"format": RECORD_FORMAT, "key": task["key"], "status": "failed",
              "parameters": task["parameters"], "results": None, "error": None,
              "error_type": None, "stage": "check", "attempt": attempt,
              "host": os.uname().nodename, "pid": os.getpid()}
    try:
        raw = merge(task["raw"], {"output": {"directory": str(point_dir / "results")}})
        case = parse_case(raw, source=task["source"], base_dir=Path(task["base_dir"]))
        record["stage"] = "solve"
        result = run_case(case, progress=None, plots=task["plots"])
        record.update(status="done", stage=None, results=key_results(result))
    except Exception as exc:  # noqa: BLE001 - every failure of a point is recorded, not raised
        record.update(error=one_line(exc), error_type=type(exc).__name__)
    record["run_time_s"] = time.perf_counter() - start
    write_json(point_dir / "record.json", record)
    return record


def finished_elsewhere(point_dir: Path, task: dict, wait_s: float) -> dict | None:
    """Wait while another process still writes this point (the worker of a driver killed
    before: on a shared cluster it finishes its task), then return its record if it finished
    the point, so that no point runs twice. None: run the point here."""
    from types import SimpleNamespace

    from .store import recover_record

    lock = point_dir / ".results.lock"   # held by thermofatigue.resultdir while a run writes
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                return None   # the run itself then reports the live lock holder
            time.sleep(0.2)
        finally:
            os.close(fd)
    if not (point_dir / "results" / "COMPLETE").is_file():
        return None
    try:
        record = json.loads((point_dir / "record.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = recover_record(point_dir, SimpleNamespace(key=task["key"],
                                                           parameters=task["parameters"]))
        if record is not None:
            write_json(point_dir / "record.json", record)
    return record if record is not None and record.get("status") == "done" else None


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 500 else text[:497] + "..."


class SerialExecutor:
    """Run the points one after the other in this process."""

    slots = 1
    dashboard = None
    description = "serial executor (this process)"

    def run(self, fn, tasks):
        """Yield ``(task, record or exception)`` in order."""
        for task in tasks:
            try:
                yield task, fn(task)
            except Exception as exc:  # noqa: BLE001
                yield task, exc

    def close(self) -> None:
        pass


class DaskExecutor:
    """Run the points on a ``dask.distributed`` cluster (a new LocalCluster, or ``scheduler``)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 connect_timeout: float = 5.0, source: str = "thermofatigue study"):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(source, "--workers", workers,
                             "dask.distributed installed (a dependency of thermofatigue: pip install "
                             "dask distributed), "
                             "or --workers 0 to run the points one by one without Dask") from None
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=f"{connect_timeout}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(source, "--scheduler", scheduler,
                                 f"a reachable Dask scheduler address (no answer within "
                                 f"{connect_timeout:g} s: {one_line(exc)})") from None
            self.description = f"Dask scheduler {scheduler}"
        else:
            n = workers or os.cpu_count() or 1
            with _study_cluster_config():
                self.cluster = LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, env=dict(WORKER_ENV),
                    dashboard_address=":0", silence_logs=40)
            self.client = Client(self.cluster)
            self.description = f"Dask LocalCluster, {n} single-threaded worker processes"
        self.dashboard = self.client.dashboard_link + (
            "" if _has_bokeh() else " (its status pages need bokeh: pip install bokeh)")
        self.slots = max(1, sum(self.client.nthreads().values()))

    def run(self, fn, tasks):
        """Submit every task; yield ``(task, record or exception)`` as they finish."""
        from distributed import as_completed

        futures = {self.client.submit(fn, task, pure=False, key=f"point-{task['key']}-"
                                      f"{os.getpid()}-{time.monotonic_ns()}"): task
                   for task in tasks}
        for future in as_completed(futures):
            task = futures.pop(future)
            try:
                yield task, future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after repeated deaths
                yield task, exc
            future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _study_cluster_config():
    """The config context of the LocalCluster a study starts, two departures from Dask's
    defaults, each measured on 2 cores:

    * no ``MALLOC_TRIM_THRESHOLD_=65536`` in the workers' environment: glibc then hands every
      freed block above 64 KiB back to the system, and the solver's large numpy temporaries
      are mapped and unmapped again at every use (one 2D slice point, 3 JEDEC G cycles, one
      worker: cycling 2.95 s with Dask's setting, 2.03 s without; 1.6-1.9 s in the driver's own
      process). Dask sets it to curb what a long-lived worker keeps; a study's worker runs one
      solve at a time and frees it whole.
    * fewer background wake-ups in the scheduler (this process), nannies and workers, which
      take time from the points when every core runs one. Off: the workers' statistical
      profiler (a thread sampling the running task's stack every 10 ms for the dashboard's
      profile page) and work stealing (every point is one long task, submitted at once).
      Slower: the event-loop tick (20 ms -> 1 s; it only measures how long a loop was blocked,
      and the points run in a worker's thread, not on its loop), the system monitor of the
      dashboard's graphs (0.5 -> 5 s) and the memory monitor (0.1 -> 1 s; it enforces the
      memory limit). 16 points of the 2D benchmark study (benchmarks/study.py) on 2 workers:
      18.4 / 17.8 s with Dask's defaults, 17.0 / 16.8 s without the profiler; with the rest as
      well the driver's CPU time fell by 0.6 s and the points by another 0.4 s. No change on
      1 worker, whose background threads have the other core.
    """
    import dask

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return dask.config.set({
        "distributed.nanny.pre-spawn-environ": env,
        "distributed.worker.profile.enabled": False,
        "distributed.scheduler.work-stealing": False,
        "distributed.admin.tick.interval": "1s",
        "distributed.admin.tick.limit": "30s",
        "distributed.admin.system-monitor.interval": "5s",
        "distributed.worker.memory.monitor-interval": "1s",
    })


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  executor: str | None = None, source: str = "thermofatigue study"):
    """``executor="serial"`` or ``workers == 0``: the serial executor; otherwise Dask."""
    if executor not in (None, "serial", "dask"):
        raise InputError(source, "executor", executor, '"serial" or "dask"')
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 0):
        raise InputError(source, "--workers", workers, "a number of workers >= 0")
    if executor == "serial" or (workers == 0 and not scheduler):
        return SerialExecutor()
    return DaskExecutor(workers=workers, scheduler=scheduler, source=source)
