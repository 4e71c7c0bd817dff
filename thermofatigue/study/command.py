"""``thermofatigue study``: the command line of a design study (registered in cli.py)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

#: exit status when the study ran but no point meets the objective (or every point failed)
EXIT_NO_DESIGN = 1


def add_study_parser(subparsers) -> None:
    """Add the ``study`` subcommand to the CLI's subparsers."""
    s = subparsers.add_parser(
        "study", help="run a design study (a parameter grid or samples) on Dask",
        description="Run every design point of a study file (a base case and the parameters "
                    "to vary) in its own process on Dask, into a resumable study directory; "
                    "write study.csv, study.json, figures and the best design. Run it again "
                    "to resume: finished points are skipped. See docs/studies.md.")
    s.add_argument("study", help="study file (TOML)")
    s.add_argument("-o", "--output", help="study directory (default: the study file's "
                   "[output] directory, else ./<study name>.study)")
    s.add_argument("--workers", type=int, metavar="N",
                   help="local Dask worker processes (default: one per core; 0: run the "
                        "points one by one in this process, without Dask)")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="use the existing Dask cluster at this scheduler address "
                        "(e.g. tcp://10.0.0.5:8786) instead of a local one")
    s.add_argument("--retry-failed", action="store_true",
                   help="run the points that failed before again")
    s.add_argument("--list", action="store_true",
                   help="print the design points and their status, run nothing")
    s.add_argument("--point-plots", action="store_true",
                   help="also write each point's own figures (hysteresis, life map, ...)")
    s.add_argument("--optimize", action="store_true",
                   help="fit a response surface to the finished points, find the longest "
                        "predicted life within [objective], and confirm it with a real run")
    s.add_argument("--no-plots", action="store_true", help="do not write the study figures")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    s.set_defaults(func=cmd_study)


def cmd_study(args) -> int:
    """Run (or list) a study; print the counts and the best design line."""
    from .driver import default_directory
    from .spec import expand, load_study

    if args.workers is not None and args.workers < 0:
        raise InputError("thermofatigue study", "--workers", args.workers,
                         "a number of worker processes >= 0")
    study = load_study(args.study)
    directory = Path(args.output) if args.output else default_directory(study)
    if args.list:
        return _list(study, expand(study), directory)
    executor = None
    if args.scheduler:   # an unreachable scheduler fails before the study directory is made
        from .execute import make_executor

        executor = make_executor(args.workers, args.scheduler, source=study.source)
    try:
        return _run(args, study, directory, executor)
    finally:
        if executor is not None:
            executor.close()


def _run(args, study, directory, executor) -> int:
    from .driver import optimise_study, optimum_lines, run_study, stderr_progress

    progress = None if args.quiet else stderr_progress
    outcome = run_study(study, directory, executor=executor, workers=args.workers,
                        retry_failed=args.retry_failed,
                        plots=False if args.no_plots else None,
                        point_plots=args.point_plots, progress=progress)
    c = outcome.counts
    print(f"{c['points']} points: {c['done']} done, {c['failed']} failed "
          f"({c['ran']} run now); table: {outcome.directory / 'study.csv'}")
    for row in outcome.rows:
        if row["status"] == "failed":
            print(f"  failed {row['key']}: {row['error']}")
    print(outcome.best_line)
    if args.optimize:
        opt = optimise_study(outcome, executor=executor, workers=args.workers,
                             plots=False if args.no_plots else None,
                             point_plots=args.point_plots, progress=progress)
        print("\n".join(optimum_lines(opt)))
    return 0 if outcome.best["point"] is not None else EXIT_NO_DESIGN


def _list(study, points, directory) -> int:
    import json

    width = max(len(p) for p in study.paths)
    print(f"{study.title}: {len(points)} points (study identity {study.identity})")
    for point in points:
        state = "invalid: " + point.error if point.error else "todo"
        record = directory / "points" / point.key / "record.json"
        if record.is_file():
            try:
                state = json.loads(record.read_text()).get("status", state)
            except ValueError:
                pass
        values = "  ".join(f"{p.split('.')[-1]}={point.parameters.get(p, '-')}"
                           for p in study.paths)
        print(f"  {point.key}  {values:<{width}}  {state}")
    return 0
