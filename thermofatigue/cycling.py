"""Temperature cycling of a case: viscoplastic time stepping, per-joint energies, hysteresis,
warpage, and the life of every joint.

``solve_cycling(case)`` builds the model (solder regions with their inelastic model, Anand by
default), steps through the cool-down from the stress-free temperature and the cycles of the
profile, and returns a :class:`~thermofatigue.results.CyclingResult`. It writes no results
(only gmsh's mesh, into the working directory it is given).

Per joint and cycle it records the inelastic work density dissipated over the joint and over
its die-side and board-side interface layers (Darveaux's averaging volume), the accumulated and
the range of inelastic strain, and the joint-averaged von Mises stress and inelastic strain at
the end of the hot and cold dwells; per increment the joint-averaged stress and inelastic strain
(the hysteresis loops); at the hot and cold extremes the out-of-plane displacement of the die
top and board top (warpage). With ``cycles = "auto"`` the cycling stops once the critical
joint's interface energy changes less than the stabilisation tolerance from one cycle to the
next. The life of every joint then follows from :mod:`thermofatigue.life`.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .case import Case
from .casemodel import (build_model, material_status, resolved_materials_and_boundary,
                        solder_name)
from .errors import ConvergenceError
from .fem.newton import EquilibriumSolver
from .fatigue.stabilise import relative_changes
from .fem.stepping import StepControl, TimeStepper
from .io import atomic_path, element_average, voigt_to_paraview, vtu_cells
from .joints import find_joints
from .loads import profile_from_spec
from .postprocess import surface_vertices, von_mises
from .provenance import software_versions
from .results import (CycleStats, CyclingResult, FieldSeries, FieldSnapshot, HysteresisTable,
                      JointTable, ModelInfo, WarpageTable)

# Default Newton tolerance (residual relative to the load scale, see fem/newton.py) of a cycling
# run, as docs/case-file.md gives it: chosen so that the equilibrium error stays an order of
# magnitude below the time-discretisation error of the default steps. Measured per-cycle energy
# of the critical joint's interface layer (benchmarks/cycling.py models, JEDEC G):
#   2D default slice, 3 cycles: 0.0970411 MPa at 1e-6 (196 Newton iterations), 0.0970198 at 1e-4
#     (114): -2.2e-4 relative (1e-8 and 1e-7 equal 1e-6 to 6 digits);
#   3D 6 x 6 quarter model, cycle 1: 0.143462 MPa at 1e-6 (73 iterations), 0.143260 at 1e-4
#     (48): -1.4e-3 relative (joint average -6e-4);
# while halving the time steps (max_dT 15 -> 7.5 C) changes the 2D value by +1.0 % (backward
# Euler is first order). For comparison, the force-residual defaults of ANSYS (0.5 %) and
# Abaqus (R_n = 5e-3) are 50x looser.
NEWTON_TOLERANCE = 1e-4

MODEL_LABELS = {
    "octant": "3D octant model (one eighth of the package: symmetry planes y = 0 and y = x)",
    "quarter": "3D quarter model (symmetry planes x = 0 and y = 0)",
    "full": "3D full model",
    "slice2d": "2D diagonal slice, generalized plane strain: SCREENING ONLY, its joint energy "
               "is 4-6x the 3D model's at cycle 2 on the default package (docs/model-kinds.md)",
    "mesh": "user mesh",
}


def step_control(case: Case) -> StepControl:
    return StepControl.from_solver_table(case.solver, case.source)


def model_label(case: Case, kind: str) -> str:
    geometry_kind = case.geometry_kind or "mesh"
    if geometry_kind == "slice2d" and kind != "generalized_plane_strain":
        return f"2D diagonal slice, {kind.replace('_', ' ')}: SCREENING ONLY (docs/model-kinds.md)"
    label = MODEL_LABELS.get(geometry_kind, geometry_kind)
    return label if geometry_kind != "mesh" else f"user mesh ({kind})"


class JointAverages:
    """Volume averages of quadrature fields over every joint's whole volume and interface
    layers at once: one sparse matrix per (volume, material group), rows normalised by volume.

    ``average(state, key, volume)`` -> ``(n_joints, ...)`` (NaN where a joint has no such
    volume).
    """

    VOLUMES = ("whole", "die_layer", "board_layer")

    def __init__(self, joints, n_quadrature: int):
        self.n = len(joints)
        self.matrices = {}
        self._csr = {}
        for volume in self.VOLUMES:
            by_group = {}
            for i, j in enumerate(joints):
                v = getattr(j, volume)
                if v is not None:
                    by_group.setdefault(v.group, []).append((i, v))
            mats = {}
            for group, items in by_group.items():
                rows, cols, vals = [], [], []
                for i, v in items:
                    q = (v.local[:, None] * n_quadrature + np.arange(n_quadrature)).ravel()
                    rows.append(np.full(q.size, i))
                    cols.append(q)
                    vals.append((v.weights / v.weights.sum()).ravel())
                mats[group] = (np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))
            self.matrices[volume] = mats

    def average(self, state: dict, key: str, volume: str = "whole") -> np.ndarray:
        out = None
        for group, (r, c, v) in self.matrices[volume].items():
            values = state[group][key] if isinstance(state[group], dict) else state[group]
            flat = values.reshape(values.shape[0] * values.shape[1], -1)
            key_ = (volume, group, flat.shape[0])
            if key_ not in self._csr:
                self._csr[key_] = sp.csr_matrix((v, (r, c)), shape=(self.n, flat.shape[0]))
            part = self._csr[key_] @ flat
            if out is None:
                out = np.full((self.n, flat.shape[1]), np.nan)
            rows = np.unique(r)
            out[rows] = part[rows]
        if out is None:
            return np.full((self.n, 1), np.nan)
        return out


def equivalent_strain(e: np.ndarray) -> np.ndarray:
    """Von Mises equivalent ``sqrt(2/3 e:e)`` of Voigt strains ``(..., 6)`` (engineering
    shear), for deviatoric (inelastic) strains."""
    return np.sqrt(2.0 / 3.0 * (np.sum(e[..., :3] ** 2, axis=-1)
                                + 0.5 * np.sum(e[..., 3:] ** 2, axis=-1)))


def equivalent_range(path: np.ndarray) -> float:
    """Largest equivalent strain distance between two instants of a strain path ``(n, 6)``."""
    d = path[:, None, :] - path[None, :, :]
    return float(equivalent_strain(d).max(initial=0.0))


def solve_cycling(case: Case, progress=None, workdir: Path | None = None,
                  keep_fields: bool = True, state_directory: Path | None = None,
                  state_shown_as: Path | None = None) -> CyclingResult:
    """Run a temperature-cycling case (see the module docstring); returns its result.

    ``progress``: an object with ``message(text)``, ``start(profile)``, ``increment(t, T,
    newton_iterations)`` and ``cycle(stats)`` (see :mod:`thermofatigue.progress`), or None.
    ``workdir``: where gmsh writes the mesh built from a geometry spec (a temporary directory by
    default; the mesh files are named in the result for the writer to copy).
    ``state_directory``: if given, the full state is saved there at every cycle end
    (``cycle_<k>.npz``) and, before a convergence failure is raised, the last converged one
    (``last_converged.npz``, named in the error as ``state_shown_as / name``: where it will be
    once the run's results directory is in place).
    """
    from .life import assess_life, stabilisation_rule

    t0 = time.perf_counter()
    workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="tf-mesh-"))
    load = dict(case.profile)
    auto = load.get("cycles") == "auto"
    fatigue = case.fatigue
    if auto:
        load["cycles"] = fatigue.max_cycles
    load.setdefault("stress_free_temperature", case.stress_free_temperature)
    profile = profile_from_spec(load, source=case.source, prefix="load", base_dir=case.base_dir)
    model = build_model(case, mesh_directory=workdir)
    mesh_files = tuple(sorted(str(p) for p in workdir.glob("*") if p.is_file())) \
        if case.mesh is None else ()
    _, boundary = resolved_materials_and_boundary(case, model.tagged)
    joints = find_joints(model, interface_layer=fatigue.interface_layer,
                         symmetry=[name for name, bc in boundary.items() if bc == "symmetry"])
    solder = fatigue.solder or solder_name(case, model.tagged)
    say = progress.message if progress else (lambda msg: None)
    say(f"model: {model.disc.n_elements} elements, {model.disc.n_dofs} unknowns "
        f"({model_label(case, model.kind)}); {len(joints)} joints; nonlinear: "
        f"{', '.join(f'{g.pattern} ({type(g.model).__name__})' for g in model.nonlinear_groups) or 'none'}")
    say(f"profile: {'up to ' if auto else ''}{profile.n_cycles} cycles of {profile.period:.0f} s, "
        f"{profile.T_min:g} to {profile.T_max:g} C, from {profile.stress_free_temperature:g} C")
    t_model = time.perf_counter()
    solver_options = dict(linear=case.solver["linear"],
                          tolerance=case.solver.get("tolerance", NEWTON_TOLERANCE),
                          max_iterations=case.solver.get("max_iterations", 15),
                          reuse=case.solver.get("nonlinear_lever", True))
    solver = EquilibriumSolver(model, **solver_options)
    averages = JointAverages(joints, model.disc.n_quadrature)
    ids = np.array([j.id for j in joints], dtype=int)
    die_top = surface_vertices(model, "die") if "die" in model.tagged.regions else None
    board_top = surface_vertices(model, "board") if "board" in model.tagged.regions else None
    dim = model.disc.dim
    recorder = _Recorder(len(joints))

    def on_increment(t, T, u, state):
        k = int(profile.cycle_index(np.array(t - 1e-9))) + 1  # 1, 2, ...; 0 = cool-down
        groups = [g for g in averages.matrices["whole"] if g in state]
        if not groups or not len(joints):
            return
        s = averages.average(state, "stress")
        e = averages.average(state, "inelastic_strain")
        w = averages.average(state, "inelastic_work")[:, 0]
        recorder.increment(k, t, T, s, e, w)
        extreme = "hot" if abs(T - profile.T_max) < 1e-9 else \
            "cold" if abs(T - profile.T_min) < 1e-9 else None
        if extreme and k >= 1:
            vm = _average_von_mises(averages, state, groups)
            nodal = model.disc.nodal_values(u)
            surfaces = {name: (model.tagged.mesh.p[:, v], nodal[v, dim - 1])
                        for name, v in (("die_top", die_top), ("board_top", board_top))
                        if v is not None}
            recorder.extreme(k, extreme, T, vm, equivalent_strain(e), surfaces)
        if progress:
            progress.increment(t, T, solver.counters.get("newton_iterations", 0))

    snapshots = []
    work_at_cycle_start = {}
    check = case.solver.get("check_steps", False)
    cycle_starts = {}  # cycle (0-based) -> (u, state) at its start, for the step check

    def on_cycle_end(k, t, u, state):
        if check:  # keep the start of the next cycle (and of this one) only
            cycle_starts.pop(k - 1, None)
            cycle_starts[k + 1] = (u.copy(), {g: {key: v.copy() for key, v in st.items()}
                                              for g, st in state.items()})
        if keep_fields:
            snapshots.append(_snapshot(model, solver, profile, k, t, u, state,
                                       work_at_cycle_start))
        return save_state(f"cycle_{k + 1}", t, u, state)

    def save_state(name, t, u, state):
        if state_directory is None:
            return None
        return write_state(Path(state_directory), name, t, u, state,
                           shown_as=state_shown_as)

    def report(cycle):
        if progress:
            progress.cycle(cycle)

    tolerance = fatigue.stabilisation_tolerance

    def stop(cycles):
        if not auto or len(cycles) < 2:
            return False
        return critical_change(averages, cycles) < tolerance

    if progress:
        progress.start(profile)
    stepper = TimeStepper(solver, profile, step_control(case), on_increment=on_increment,
                          on_cycle_end=on_cycle_end, progress=report, stop=stop,
                          on_failure=lambda t, u, state: save_state("last_converged", t, u,
                                                                    state))
    history = stepper.run()
    if progress:
        progress.finish()
    t_run = time.perf_counter()

    table = recorder.joint_table(joints, averages, history.cycles)
    stabilisation = stabilisation_rule(table, tolerance, "auto" if auto else "fixed")
    life, life_extrapolated, constants, field_life, warnings = assess_life(
        table, stabilisation, fatigue, solder, case.source, profile)
    estimate = _engelmaier_estimate(case, solder, profile)
    step_check = None
    if check and len(joints) and history.cycles:
        say("time-step check: the last cycle again at half steps")
        step_check = _step_check(model, profile, case, solver_options, history, cycle_starts,
                                 averages, joints, life)
    stats = [CycleStats(c.index + 1, c.increments, c.newton_iterations, c.linear_iterations,
                        c.cutbacks, c.seconds)
             for c in ([history.cool_down] if history.cool_down else []) + list(history.cycles)]
    cells = vtu_cells(model.disc)
    fields = FieldSeries(*cells, snapshots) if keep_fields else None
    info = ModelInfo(kind=model.kind, geometry_kind=case.geometry_kind or "mesh",
                     label=model_label(case, model.kind), order=model.disc.order,
                     elements=int(model.disc.n_elements), unknowns=int(model.disc.n_dofs),
                     joints=len(joints),
                     nonlinear={g.pattern: type(g.model).__name__
                                for g in model.nonlinear_groups},
                     solder=solder, mesh=str(case.mesh) if case.mesh else "geometry spec",
                     materials=material_status(case, model.tagged))
    result = CyclingResult(
        title=case.title, case_source=case.source, model=info, profile=profile.to_spec(),
        cycles=tuple(stats), joints=table, hysteresis=recorder.hysteresis_table(ids),
        warpage=recorder.warpage_table(), stabilisation=stabilisation, life=life,
        life_extrapolated=life_extrapolated, primary_law=fatigue.primary if life else None,
        fatigue=constants, field_life=field_life, warnings=tuple(warnings), estimate=estimate,
        timing={"model": t_model - t0, "cycling": t_run - t_model,
                "postprocess": time.perf_counter() - t_run},
        versions=software_versions(),
        settings={"linear": type(solver.linear).__name__, **solver.counters,
                  "step_control": vars(step_control(case)),
                  "newton_tolerance": case.solver.get("tolerance", NEWTON_TOLERANCE),
                  "time_integration": case.solver.get("time_integration", "bdf2"),
                  "step_check": None if step_check is None else asdict(step_check)},
        fields=fields, mesh_files=mesh_files)
    return result


def _step_check(model, profile, case, solver_options, history, cycle_starts, averages,
                joints, life):
    """The critical joint's energy in the last cycle run, checked at half steps
    (:mod:`thermofatigue.stepcheck`)."""
    from .stepcheck import check_steps, flow_rule_order

    last = len(history.cycles) - 1
    energies = cycle_energies(averages, history.cycles[last])
    ids = [j.id for j in joints]
    if life is not None and len(life):
        index = ids.index(int(life.rows()[0]["joint"]))
    else:
        index = int(np.nanargmax(energies["W_interface"]))
    start = cycle_starts.get(last, (None, None))
    return check_steps(model, profile, step_control(case), solver_options, start, last,
                       averages, index, ids[index], str(energies["interface"][index]),
                       float(energies["W_interface"][index]), flow_rule_order(model))


def write_state(directory: Path, name: str, t: float, u, state: dict,
                shown_as: Path | None = None) -> str:
    """Save the full state (displacement, every group's state arrays) as
    ``directory/<name>.npz``; returns the description a failure report names."""
    arrays = {"u": u, "time": np.array(t)}
    for g, st in state.items():
        for key, value in st.items():
            arrays[f"{g}/{key}"] = value
    with atomic_path(directory / f"{name}.npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return f"{Path(shown_as or directory) / f'{name}.npz'} (t = {t:.6g} s)"


def _average_von_mises(averages, state, groups):
    vm = {g: von_mises(state[g]["stress"])[..., None] for g in groups}
    return averages.average(vm, "", "whole")[:, 0]


def cycle_energies(averages: JointAverages, cycle) -> dict:
    """Per joint ``(n,)``: inelastic work density dissipated in one cycle and equivalent
    inelastic strain accumulated in it, over the joint and each interface layer, and the failing
    interface (the layer with the larger energy)."""
    fields = {g: {"W": cycle.dissipated[g][..., None], "P": cycle.inelastic_strain[g][..., None]}
              for g in cycle.dissipated}
    out = {}
    for volume, key in (("whole", "joint"), ("die_layer", "die"), ("board_layer", "board")):
        if not fields or not averages.matrices[volume]:
            out[f"W_{key}"] = out[f"P_{key}"] = np.full(averages.n, np.nan)
            continue
        out[f"W_{key}"] = averages.average(fields, "W", volume)[:, 0]
        out[f"P_{key}"] = averages.average(fields, "P", volume)[:, 0]
    die, board = out["W_die"], out["W_board"]
    layered = ~(np.isnan(die) & np.isnan(board))
    board_fails = np.nan_to_num(board, nan=-np.inf) > np.nan_to_num(die, nan=-np.inf)
    out["interface"] = np.where(~layered, "joint", np.where(board_fails, "board", "die"))
    out["W_interface"] = np.where(~layered, out["W_joint"], np.where(board_fails, board, die))
    out["P_interface"] = np.where(~layered, out["P_joint"],
                                  np.where(board_fails, out["P_board"], out["P_die"]))
    return out


def critical_change(averages: JointAverages, cycles) -> float:
    """Relative change ``|W_k - W_(k-1)| / W_(k-1)`` of the interface energy of the joint with
    the largest one in the last cycle (the stabilisation test of ``cycles = "auto"``)."""
    if len(cycles) < 2:
        return np.inf
    now = cycle_energies(averages, cycles[-1])["W_interface"]
    before = cycle_energies(averages, cycles[-2])["W_interface"]
    if not np.any(np.isfinite(now)):
        return np.inf
    i = int(np.nanargmax(now))
    return float(relative_changes([before[i], now[i]])[0])


class _Recorder:
    """Joint averages per increment and at the hot and cold extremes of every cycle."""

    def __init__(self, n_joints: int):
        self.n = n_joints
        self.rows = []        # (cycle, t, T, stress (n,6), strain (n,6), work (n,))
        self.extremes = {}    # (cycle, "hot"/"cold") -> (T, vm (n,), eps (n,), surfaces)

    def increment(self, k, t, T, s, e, w):
        self.rows.append((k, t, T, s, e, w))

    def extreme(self, k, which, T, vm, eps, surfaces):
        self.extremes[(k, which)] = (T, vm, eps, surfaces)

    def strain_range(self, k: int) -> np.ndarray:
        """Per joint: equivalent range of the joint-averaged inelastic strain over cycle k
        (from the last increment of the cycle before)."""
        idx = [i for i, r in enumerate(self.rows) if r[0] == k]
        if not idx:
            return np.full(self.n, np.nan)
        idx = ([idx[0] - 1] if idx[0] > 0 else []) + idx
        path = np.stack([self.rows[i][4] for i in idx], axis=1)  # (n, m, 6)
        return np.array([equivalent_range(p) for p in path])

    def joint_table(self, joints, averages: JointAverages, cycles) -> JointTable:
        """The :class:`JointTable` of every joint and cycle."""
        n = self.n  # joints
        blocks = []
        previous = None
        for c in cycles:
            k = c.index + 1
            en = cycle_energies(averages, c)
            nan = np.full(n, np.nan)
            hot = self.extremes.get((k, "hot"), (None, nan, nan, None))
            cold = self.extremes.get((k, "cold"), (None, nan, nan, None))
            change = nan if previous is None else \
                relative_changes([previous, en["W_interface"]])[0]
            previous = en["W_interface"]
            blocks.append({
                "joint": [j.id for j in joints], "cycle": np.full(n, k),
                "row": [_int(j.row) for j in joints], "column": [_int(j.column) for j in joints],
                "dnp": [_float(j.dnp) for j in joints],
                "x": [j.position[0] for j in joints],
                "y": [j.position[1] if len(j.position) > 1 else 0.0 for j in joints],
                "fraction": [_float(j.fraction) for j in joints],
                "die_pad_diameter": [_float(j.die_pad_diameter) for j in joints],
                "board_pad_diameter": [_float(j.board_pad_diameter) for j in joints],
                "interface_layer": [_float(j.interface_layer) for j in joints],
                "dW_joint": en["W_joint"], "dW_die_layer": en["W_die"],
                "dW_board_layer": en["W_board"], "dW_interface": en["W_interface"],
                "interface": en["interface"], "eps_acc_joint": en["P_joint"],
                "eps_acc_interface": en["P_interface"], "d_eps_in": self.strain_range(k),
                "dW_change": change, "von_mises_hot": hot[1], "von_mises_cold": cold[1],
                "eps_in_hot": hot[2], "eps_in_cold": cold[2]})
        names = [col.name for col in JointTable.COLUMNS]
        return JointTable({name: np.concatenate([np.asarray(b[name], dtype=object if
                                                            name == "interface" else None)
                                                 for b in blocks]) if blocks else []
                           for name in names})

    def hysteresis_table(self, ids) -> HysteresisTable:
        if not self.rows:
            return HysteresisTable({c.name: [] for c in HysteresisTable.COLUMNS})
        k = np.array([r[0] for r in self.rows])
        t = np.array([r[1] for r in self.rows])
        T = np.array([r[2] for r in self.rows])
        s = np.stack([r[3] for r in self.rows], axis=1)   # (n_joints, n_inc, 6)
        e = np.stack([r[4] for r in self.rows], axis=1)
        w = np.stack([r[5] for r in self.rows], axis=1)
        m = s.shape[1]
        data = {"joint": np.repeat(ids, m), "cycle": np.tile(k, self.n),
                "time": np.tile(t, self.n), "temperature": np.tile(T, self.n)}
        for i, c in enumerate(("xx", "yy", "zz", "yz", "xz", "xy")):
            data[f"s{c}"] = s[:, :, i].ravel()
        for i, c in enumerate(("ein_xx", "ein_yy", "ein_zz", "gin_yz", "gin_xz", "gin_xy")):
            data[c] = e[:, :, i].ravel()
        data["inelastic_work"] = w.ravel()
        return HysteresisTable(data)

    def warpage_table(self) -> WarpageTable:
        cols = {c.name: [] for c in WarpageTable.COLUMNS}
        for (k, which), (T, _, _, surfaces) in sorted(self.extremes.items()):
            for name, (p, w) in surfaces.items():
                m = w.size
                cols["cycle"].append(np.full(m, k))
                cols["extreme"].append(np.full(m, which, dtype=object))
                cols["temperature"].append(np.full(m, T))
                cols["surface"].append(np.full(m, name, dtype=object))
                cols["x"].append(p[0])
                cols["y"].append(p[1] if p.shape[0] == 3 else np.zeros(m))
                cols["w"].append(w)
        return WarpageTable({k: np.concatenate(v) if v else np.array([]) for k, v in cols.items()})


def _snapshot(model, solver, profile, k, t, u, state, work_at_start: dict) -> FieldSnapshot:
    """Fields at the end of cycle ``k`` (0-based); ``work_at_start`` (group -> accumulated
    inelastic work at the end of the cycle before) is updated for the next cycle."""
    disc = model.disc
    T_q = model.temperature_at_quadrature(float(profile.temperature(t)))
    fields = solver.group_fields(u, T_q, state)
    nq = disc.n_quadrature
    stress = np.zeros((disc.n_elements, nq, 6))
    inelastic = np.zeros_like(stress)
    energy = np.zeros((disc.n_elements, nq))
    for g in model.groups:
        stress[g.elements] = fields[g.pattern]["stress"]
        if "inelastic_strain" in fields[g.pattern]:
            inelastic[g.elements] = fields[g.pattern]["inelastic_strain"]
        if g.pattern in state and "inelastic_work" in state[g.pattern]:
            work = state[g.pattern]["inelastic_work"]
            energy[g.elements] = work - work_at_start.get(g.pattern, 0.0)
            work_at_start[g.pattern] = work.copy()
    _, region_of = model.region_ids()
    cell = {"region": region_of.astype(np.int32),
            "stress": voigt_to_paraview(element_average(disc, stress)),
            "von_mises": element_average(disc, von_mises(stress)),
            "inelastic_strain": voigt_to_paraview(element_average(disc, inelastic),
                                                  strain=True),
            "energy_density": element_average(disc, energy)}
    return FieldSnapshot(k + 1, float(t), {"u": disc.nodal_values(u)}, cell)


def _int(v):
    return -1 if v is None else int(v)


def _float(v):
    return np.nan if v is None else float(v)


def _engelmaier_estimate(case, solder, profile) -> dict | None:
    """The Engelmaier closed form for the case's package (geometry specs only), to print
    beside the FE answer."""
    if case.geometry is None:
        return None
    from .casemodel import case_spec
    from .estimate import estimate

    est = estimate(case_spec(case), profile, solder or "sac305",
                   constants=case.fatigue.constants.get("engelmaier"), source=case.source)
    i = est.critical_index
    return {"joint": int(est.joint_id[i]), "dnp": float(est.dnp[i]),
            "life": float(est.life[i]), "d_gamma": float(est.d_gamma[i]),
            "note": "IPC-D-279 form, rigid die and board", "constants":
            est.constants.describe()}


__all__ = ["ConvergenceError", "JointAverages", "NEWTON_TOLERANCE", "equivalent_range",
           "equivalent_strain", "solve_cycling", "step_control"]
