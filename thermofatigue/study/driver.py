"""Run a study: expand, skip finished points, run the rest, write the table and figures.

:func:`run_study` is ``thermofatigue study`` without the command line. It can be stopped at any
moment (Ctrl-C, ``kill -9``): every finished point has its record on disk, and the next run
of the same study into the same directory runs only the points without one (and the failed
ones with ``retry_failed``); new levels in the study file add only their new points.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..io import write_json
from .execute import make_executor, one_line, point_task, run_point
from .spec import Study, expand, load_study
from .store import RECORD_FORMAT, StudyStore
from .table import best_design, best_line, sensitivity, study_rows, write_study_json, write_table


@dataclass
class StudyOutcome:
    """What a study run leaves: the points, their records, the table, the best design."""

    study: Study
    directory: Path
    points: list
    records: dict          # key -> record
    rows: list             # study.csv rows
    best: dict
    sensitivity: list
    ran: list              # keys run by this call
    counts: dict

    @property
    def best_line(self) -> str:
        return best_line(self.study, self.best)


def default_directory(study: Study) -> Path:
    """``[output] directory`` of the study file, else ``<study file stem>.study`` here."""
    if study.output_directory is not None:
        return study.output_directory
    return Path.cwd() / f"{Path(study.source).stem}.study"


def run_study(study, directory=None, executor=None, workers: int | None = None,
              scheduler: str | None = None, retry_failed: bool = False,
              plots: bool | None = None, point_plots: bool = False, progress=None,
              only=None) -> StudyOutcome:
    """Run every unfinished point of ``study`` (a :class:`Study` or a study file path).

    ``executor``: "serial", "dask", or an object with ``run(fn, tasks)``/``slots``; by default
    Dask with ``workers`` processes (0: serial) or the cluster at ``scheduler``. ``plots``: the
    study's figures (default: the study file's ``[output] plots``); ``point_plots``: each
    point's own figures. ``progress``: a callable taking one line (None: silent). ``only``:
    run only these point keys now (the others stay unfinished; used to resume in pieces).
    """
    if not isinstance(study, Study):
        study = load_study(study)
    points = expand(study)
    directory = Path(directory) if directory is not None else default_directory(study)
    say = progress or (lambda line: None)
    with StudyStore(directory, study) as store:
        records, todo = {}, []
        counts = {"points": len(points), "invalid": 0, "skipped_done": 0, "skipped_failed": 0}
        for point in points:
            state, record = store.status(point, retry_failed)
            if point.error:
                counts["invalid"] += 1
                if state == "todo":
                    record = _check_failure(point)
                    write_json(store.point_dir(point.key) / "record.json", record)
                records[point.key] = record
            elif state == "todo":
                if only is None or point.key in only:
                    todo.append(point)
            else:
                counts[f"skipped_{state}"] += 1
                records[point.key] = record
        say(f"{study.title}: {len(points)} points: {counts['invalid']} invalid, "
            f"{counts['skipped_done']} done before, {counts['skipped_failed']} failed before, "
            f"{len(todo)} to run -> {store.path}")
        ran = []
        closing = None
        if todo:
            ex = executor if executor is not None and not isinstance(executor, str) else \
                make_executor(workers, scheduler, executor, source=study.source)
            try:
                if getattr(ex, "dashboard", None):
                    say(f"Dask dashboard: {ex.dashboard}")
                say(f"running on {getattr(ex, 'description', type(ex).__name__)}")
                tasks = [point_task(p, store.point_dir(p.key), study, point_plots) for p in todo]
                ticker = _Ticker(len(todo), getattr(ex, "slots", 1), say)
                for task, outcome in ex.run(run_point, tasks):
                    record = outcome if isinstance(outcome, dict) else _lost(task, outcome, store)
                    records[task["key"]] = record
                    ran.append(task["key"])
                    ticker.finished(record)
            except BaseException:
                if ex is not executor:
                    ex.close()
                raise
            if ex is not executor:
                closing = _close_in_background(ex)
        try:
            return _finish(study, store, points, records, ran, counts, plots)
        finally:
            if closing is not None:
                closing.join()


def _finish(study, store, points, records, ran, counts, plots) -> StudyOutcome:
    """The study's table, JSON and figures from the records of all its points."""
    rows = study_rows(study, points, records)
    counts.update(done=sum(r["status"] == "done" for r in rows),
                  failed=sum(r["status"] == "failed" for r in rows),
                  missing=sum(r["status"] == "missing" for r in rows), ran=len(ran))
    best = best_design(study, rows)
    sens = sensitivity(study, rows, study.objective.law)
    write_table(store.path / "study.csv", rows)
    write_study_json(store.path / "study.json", study, rows, best, sens, counts)
    if plots if plots is not None else study.plots:
        from .figures import write_study_figures

        write_study_figures(study, rows, sens, store.path / "figures")
    return StudyOutcome(study, store.path, points, records, rows, best, sens, ran, counts)


def _close_in_background(executor) -> threading.Thread:
    """Close the executor (shut a LocalCluster's worker processes down: ~0.4 s) in a thread
    while the driver writes the study's table and figures; join it before returning."""
    def close():
        try:
            executor.close()
        except Exception as exc:  # noqa: BLE001 - the points' records are written already
            print(f"thermofatigue study: closing the executor failed: {one_line(exc)}",
                  file=sys.stderr)

    thread = threading.Thread(target=close, name="thermofatigue-close-executor", daemon=True)
    thread.start()
    return thread


def _check_failure(point) -> dict:
    return {"format": RECORD_FORMAT, "key": point.key, "status": "failed",
            "parameters": point.parameters, "results": None, "error": point.error,
            "error_type": "InputError", "stage": "check", "run_time_s": 0.0, "attempt": 0}


def _lost(task, exc, store) -> dict:
    """A point whose worker raised outside run_point (a worker killed too often, a record that
    could not be written): recorded as failed by the driver."""
    record = {"format": RECORD_FORMAT, "key": task["key"], "status": "failed",
              "parameters": task["parameters"], "results": None, "error": one_line(exc),
              "error_type": type(exc).__name__, "stage": "worker", "run_time_s": None}
    try:
        write_json(store.point_dir(task["key"]) / "record.json", record)
    except Exception as write_exc:  # noqa: BLE001 - the study table still shows the failure
        record["error"] += f" (record not written: {one_line(write_exc)})"
    return record


class _Ticker:
    """One progress line per finished point: done / failed / running / remaining and an ETA
    (elapsed time per finished point times the points left, over the parallel slots)."""

    def __init__(self, total: int, slots: int, say):
        self.total, self.slots, self.say = total, max(1, slots), say
        self.done = self.failed = 0
        self.start = time.perf_counter()

    def finished(self, record: dict) -> None:
        if record["status"] == "done":
            self.done += 1
        else:
            self.failed += 1
        n = self.done + self.failed
        left = self.total - n
        running = min(self.slots, left)
        elapsed = time.perf_counter() - self.start
        eta = elapsed / n * left
        params = ", ".join(f"{p.replace('geometry.', '')}={v}"
                           for p, v in record["parameters"].items())
        what = record["status"] if record["status"] == "done" else \
            f"FAILED ({record.get('error')})"
        self.say(f"[{n}/{self.total}] done {self.done}, failed {self.failed}, running "
                 f"{running}, remaining {left - running}, ETA {_duration(eta)}: {params}: "
                 f"{what}")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def stderr_progress(line: str) -> None:
    print(f"thermofatigue study: {line}", file=sys.stderr, flush=True)


def optimise_study(outcome: StudyOutcome, **run_options) -> dict:
    """Fit the response surface to a study's finished points, find the best predicted design
    within the objective, and confirm it with a real run (an extra point of the same study,
    in the same directory). Returns the prediction beside the confirmed result; also written to
    ``optimum.json``."""
    import dataclasses
    import math

    from .surface import fit_surface, optimise
    from .table import primary_life

    study = outcome.study
    surface = fit_surface(study, outcome.rows)
    optimum = optimise(surface, study)
    params = {p: float(f"{v:.4g}") for p, v in optimum["parameters"].items()}
    log_pred = float(surface.predict([[params[p] for p in surface.paths]])[0])
    anchor = outcome.best["point"] or next(r for r in outcome.rows if r["status"] == "done")
    point = {p: params.get(p, anchor.get(p)) for p in study.paths}
    confirm_study = dataclasses.replace(study, explicit=study.explicit + (point,))
    confirmed = run_study(confirm_study, outcome.directory, **run_options)
    key = next(p.key for p in confirmed.points if p.parameters == point)
    row = next(r for r in confirmed.rows if r["key"] == key)
    life = primary_life(row, surface.law) if row["status"] == "done" else None
    error = None if life is None else math.log10(life) - log_pred
    result = {"parameters": point, "key": key, "law": surface.law,
              "surface_parameters": list(surface.paths), "points": optimum["points"],
              "predicted_life": 10.0 ** log_pred,
              "predicted_warpage_mm": optimum["predicted_warpage_mm"],
              "loo_rms_log10": surface.loo_rms, "loo_factor": 10.0 ** surface.loo_rms,
              "confirmed_status": row["status"], "confirmed_life": life,
              "confirmed_error": row.get("error"),
              "confirmed_warpage_mm": row.get(f"warpage_{study.objective.warpage_surface}_mm"),
              "log10_error": error,
              "within_loo_error": None if error is None else abs(error) <= 2 * surface.loo_rms}
    write_json(outcome.directory / "optimum.json", result)
    return result


def optimum_lines(opt: dict) -> list[str]:
    """The printed report of :func:`optimise_study`."""
    params = ", ".join(f"{p} = {v}" for p, v in opt["parameters"].items())
    lines = [f"response surface ({opt['points']} points over {', '.join(opt['surface_parameters'])}"
             f"; leave-one-out error x/{opt['loo_factor']:.3g} on life): optimum {params}: "
             f"predicted {opt['law']} life {opt['predicted_life']:.4g} cycles"]
    if opt["confirmed_life"] is None:
        lines.append(f"confirmation run {opt['key']}: {opt['confirmed_status']} "
                     f"({opt['confirmed_error']})")
    else:
        verdict = "within" if opt["within_loo_error"] else "OUTSIDE"
        lines.append(f"confirmation run {opt['key']}: {opt['law']} life "
                     f"{opt['confirmed_life']:.4g} cycles, {10 ** opt['log10_error']:.3g} x the "
                     f"prediction ({verdict} twice the leave-one-out error)")
    return lines
