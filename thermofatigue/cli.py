"""The ``thermofatigue`` command.

Subcommands: ``run`` (a case file, a built-in example, or the default case), ``examples``,
``estimate`` (the Engelmaier closed form from a geometry spec), ``study`` (a design study on
Dask), ``mesh`` (a package geometry spec to a tagged mesh), ``materials`` (the cited library),
``validate`` (the reference cases).
Bad input prints one line ``error: <file>: <field> = <value>: expected ...`` and exits with
status 2; a failed solve exits with status 3; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import ConvergenceError, InputError, ThermofatigueError

EXIT_INPUT = 2
EXIT_SOLVE = 3


def _progress(quiet: bool):
    if quiet:
        return None
    return lambda msg: print(f"thermofatigue: {msg}", file=sys.stderr, flush=True)


def cmd_run(args) -> int:
    from .case import load_case
    from .examples import example_path
    from .progress import Progress
    from .report import format_result
    from .run import run_case

    if args.case and args.example:
        raise InputError("thermofatigue run", "--example", args.example,
                         "either a case file or --example, not both")
    overrides = {}
    if args.output:
        overrides["output"] = {"directory": str(Path(args.output).resolve())}
    if args.check_steps:
        overrides["solver"] = {"check_steps": True}
    path = example_path(args.example) if args.example else args.case
    case = load_case(path, overrides=overrides or None, builtin=bool(args.example))
    result = run_case(case, progress=None if args.quiet else Progress(),
                      plots=False if args.no_plots else None, force=args.force)
    if not args.quiet:
        print(format_result(result))
        print(f"results: {case.output_directory}")
    return 0


def cmd_examples(args) -> int:
    from .examples import format_examples

    print(format_examples())
    print("\nrun one with: thermofatigue run --example NAME [-o DIRECTORY]")
    return 0


def cmd_estimate(args) -> int:
    from .case import default_case_path
    from .estimate import estimate

    spec = Path(args.spec) if args.spec else default_case_path().with_name("wlcsp_0p4.toml")
    if not spec.is_file():
        raise InputError(spec, "spec", str(spec), "an existing geometry spec (TOML) file")
    print(estimate(spec, profile=args.profile, solder=args.solder,
                   source=str(spec)).format_table())
    return 0


def cmd_materials(args) -> int:
    from .materials.library import format_library, format_material, library_data

    if args.name:
        data = library_data()
        if args.name not in data:
            raise InputError("materials", "name", args.name,
                             f"a library material, one of: {', '.join(data)}")
        print(format_material(args.name, data[args.name]))
    else:
        from .fatigue.constants import format_constant_sets

        print(format_library())
        print("\nfatigue-law constant sets (thermofatigue/fatigue/constants.toml; units as the "
              "source states them, converted on load)\n")
        print(format_constant_sets())
    return 0


def cmd_mesh(args) -> int:
    from .geometry import build_mesh, load_spec
    from .preflight import check_bounds

    spec = load_spec(args.spec)
    for line in check_bounds({"source": spec.source, "spec": spec,
                              "kind": args.kind or spec.mesh.kind, "order": args.order},
                             force=args.force):
        print(f"warning: {line}", file=sys.stderr)
    built = build_mesh(spec, kind=args.kind, order=args.order, path=args.output)
    quality = built.metadata.get("mesh_quality", {})
    print(f"wrote {built.path} ({quality.get('elements', '?')} elements, "
          f"{len(built.joints)} joints) and its metadata {built.metadata_path}")
    return 0


def cmd_validate(args) -> int:
    from .validation import (format_table, prepare_report_directory, run_validation,
                             write_report)

    directory = prepare_report_directory(args.output)  # a bad directory fails before the run
    outcomes = run_validation(args.cases, quick=not args.full, progress=_progress(args.quiet))
    print(format_table(outcomes))
    json_path, markdown_path = write_report(outcomes, directory)
    print(f"reports: {json_path}, {markdown_path}")
    return 0 if all(o.ok for o in outcomes) else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="thermofatigue",
        description="Thermal-cycling fatigue of solder joints in wafer-level packages on PCBs.")
    p.add_argument("--version", action="version", version=f"thermofatigue {__version__}")
    p.add_argument("--debug", action="store_true",
                   help="show the Python traceback of an error (for bug reports)")
    sub = p.add_subparsers(dest="command", metavar="command")

    r = sub.add_parser("run", help="run a case file (default: the built-in WLCSP case)",
                       description="Run a case: build the model, solve, write VTU/JSON/CSV "
                                   "results. Without a case file, runs the built-in default.")
    r.add_argument("case", nargs="?", help="TOML case file (default: built-in case)")
    r.add_argument("-o", "--output", help="results directory (overrides output.directory)")
    r.add_argument("--example", metavar="NAME",
                   help="run a built-in example (thermofatigue examples lists them)")
    r.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar, messages or table")
    r.add_argument("--no-plots", action="store_true", help="do not write the PNG figures")
    r.add_argument("--force", action="store_true",
                   help="run past the plausibility bounds (cycles, durations, model size)")
    r.add_argument("--check-steps", action="store_true",
                   help="solve the last cycle again at half steps and report the error the "
                        "run's time steps leave in the critical joint's energy (about 1.3 "
                        "cycles more)")
    r.set_defaults(func=cmd_run)

    x = sub.add_parser("examples", help="list the built-in example cases",
                       description="List the built-in examples (thermofatigue run --example "
                                   "NAME runs one).")
    x.set_defaults(func=cmd_examples)

    e = sub.add_parser("estimate", help="Engelmaier closed-form life from a geometry spec",
                       description="The Engelmaier (IPC-D-279) closed-form estimate of every "
                                   "joint's life from the package geometry, materials and "
                                   "profile alone: no mesh, no finite elements.")
    e.add_argument("spec", nargs="?", help="geometry spec (TOML; default: the built-in package)")
    e.add_argument("--profile", default="JESD22-A104:G",
                   help="temperature-cycle preset (default JESD22-A104:G)")
    e.add_argument("--solder", default="sac305", help="solder (default sac305)")
    e.set_defaults(func=cmd_estimate)

    m = sub.add_parser("materials", help="list the material library and fatigue constants",
                       description="Print the material library and the fatigue-law constant "
                                   "sets: every value with its source and verification status "
                                   "([V] read in the source, [S] secondary, [C] computed, "
                                   "[U] representative).")
    m.add_argument("name", nargs="?", help="one material (default: all)")
    m.set_defaults(func=cmd_materials)

    g = sub.add_parser("mesh", help="mesh a package geometry spec with gmsh",
                       description="Build a tagged mesh (MSH 4.1 + JSON joint metadata) from a "
                                   "package geometry spec.")
    g.add_argument("spec", help="geometry spec (TOML)")
    g.add_argument("-o", "--output", required=True, help="output mesh file (.msh)")
    g.add_argument("--kind", choices=["slice2d", "quarter", "octant", "full"],
                   help="model kind (default: the spec's [mesh] kind)")
    g.add_argument("--order", type=int, choices=[1, 2], help="element order (default: spec)")
    g.add_argument("--force", action="store_true",
                   help="mesh past the plausibility bounds (mesh size, element count)")
    g.set_defaults(func=cmd_mesh)

    v = sub.add_parser("validate", help="run the validation cases against their targets",
                       description="Run the reference cases shipped with the package "
                                   "(analytical solutions and closed forms) against their "
                                   "targets and tolerances; print a table, write JSON and "
                                   "Markdown reports, exit 1 on any failure.")
    v.add_argument("cases", nargs="*", help="case names (default: all)")
    v.add_argument("--full", action="store_true", help="include the finest (slow) meshes")
    v.add_argument("-o", "--output", default="validation-report",
                   help="directory for validation.json and validation.md "
                        "(default: ./validation-report)")
    v.add_argument("-q", "--quiet", action="store_true")
    v.set_defaults(func=cmd_validate)

    from .study.command import add_study_parser

    add_study_parser(sub)
    return p


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings of the run (e.g. the SuperLU fallback) as one line, without source lines."""
    return f"warning: {message}\n"


def main(argv=None) -> int:
    import warnings

    warnings.formatwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader went away (thermofatigue materials | head): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ThermofatigueError, KeyboardInterrupt):
        if args.debug:
            raise
        return _report_error(sys.exc_info()[1])


def _report_error(exc) -> int:
    """One line on standard error and the exit status of an expected failure."""
    if isinstance(exc, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return 130
    if isinstance(exc, InputError):
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    prefix = "solve failed: " if isinstance(exc, ConvergenceError) else ""
    print(f"error: {prefix}{exc}", file=sys.stderr)
    return EXIT_SOLVE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
