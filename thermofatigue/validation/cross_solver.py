"""Cross-solver cases: our solver against CalculiX on the same mesh with the same model.

Both codes solve one discrete problem (:mod:`.calculix` writes it for CalculiX: the same P2
nodes and elements, the same 3-point / 4-point quadrature, materials, support, temperature
history and, for creep, the same fixed increments), and the same functions here reduce both
codes' fields to the compared numbers, so the only differences left are round-off, the
equilibrium tolerance of each code and the 7 significant digits CalculiX prints in its
``.dat`` file. The CalculiX numbers are stored in each case's ``case.toml`` (targets), written
by the ``make_targets.py`` beside it; running a case needs no CalculiX.

* ``calculix_thermoelastic_strip``: a silicon die (cubic, turned 45 deg, temperature-dependent
  CTE) on an FR-4 board (orthotropic), die shorter than the board, cooled uniformly from the
  stress-free temperature: plane strain (``CPE6``) and a 3D quarter plate (``C3D10``).
  Compared: die-top warpage, volume averages of the die's and the board's ``sigma_xx``, the
  die's mean and largest von Mises stress.
* ``calculix_norton_slice``: the default WLCSP as a 2D diagonal slice in plane strain
  (CalculiX has no generalized plane strain element), Norton creep in the solder
  (:mod:`thermofatigue.materials.norton`, the library's ``sac305.norton`` set), cool-down from
  217 C and two JEDEC G cycles at fixed increments. Compared per joint with the run's own
  averaging (:class:`thermofatigue.cycling.JointAverages`, Darveaux's interface layers): the
  inelastic work density of cycle 2 over the joint and over its die-side layer
  (``W += 1/2 (sigma_n + sigma_(n+1)) . (eps_in(n+1) - eps_in(n))``, CalculiX's inelastic
  strain being its mechanical strain minus ``C(T)^-1 sigma``), the joint-averaged von Mises
  stress at the end of the cold dwell and at the end of cycle 2, the joint-averaged
  equivalent creep strain at the end of cycle 2, and the die-top warpage at the end of the
  cold dwell.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import skfem

from ..errors import InputError
from ..mesh import TaggedMesh
from ..postprocess import von_mises
from .registry import Measurement, case_type

# ------------------------------------------------------------------------------------------
# the thermo-elastic die-on-board strip
# ------------------------------------------------------------------------------------------
STRIP_QUANTITIES = {
    "warpage": ("die-top warpage w(centre) - w(die edge)", "mm"),
    "die_sxx": ("die volume average of sigma_xx", "MPa"),
    "board_sxx": ("board volume average of sigma_xx", "MPa"),
    "die_von_mises": ("die volume average of von Mises stress", "MPa"),
    "die_von_mises_max": ("largest von Mises stress at a die integration point", "MPa"),
}


def strip_mesh(kind: str, inputs: dict, divisions) -> TaggedMesh:
    """Structured die-on-board mesh (board below, die on top, die shorter than the board),
    symmetry at ``x = 0`` (and ``y = 0`` in 3D); ``divisions = (n_in_plane over the board
    half-length, n_board_layers, n_die_layers)``; the die edge falls on a grid line."""
    n_xy, n_board, n_die = (int(d) for d in divisions)
    half, die_half = float(inputs["board_half_length"]), float(inputs["die_half_length"])
    t_board, t_die = float(inputs["board_thickness"]), float(inputs["die_thickness"])
    n_inner = max(1, round(n_xy * die_half / half))
    x = np.concatenate([np.linspace(0.0, die_half, n_inner + 1),
                        np.linspace(die_half, half, n_xy - n_inner + 1)[1:]])
    z = np.concatenate([np.linspace(0.0, t_board, n_board + 1),
                        np.linspace(t_board, t_board + t_die, n_die + 1)[1:]])
    mesh = skfem.MeshTet.init_tensor(x, x, z) if kind == "3d" else skfem.MeshTri.init_tensor(x, z)
    dim = mesh.dim()
    centre = mesh.p[:, mesh.t].mean(axis=1)
    void = (centre[dim - 1] > t_board) & np.any(centre[: dim - 1] > die_half, axis=0)
    mesh = mesh.remove_elements(np.flatnonzero(void))
    centre = mesh.p[:, mesh.t].mean(axis=1)
    regions = {"die": np.flatnonzero(centre[dim - 1] > t_board),
               "board": np.flatnonzero(centre[dim - 1] < t_board)}
    boundaries = {"sym_x": mesh.facets_satisfying(lambda p: np.isclose(p[0], 0.0))}
    if dim == 3:
        boundaries["sym_y"] = mesh.facets_satisfying(lambda p: np.isclose(p[1], 0.0))
    return TaggedMesh(mesh, regions, boundaries, source="die-on-board strip")


def strip_model(inputs: dict, kind: str, divisions):
    """The strip's :class:`~thermofatigue.model.Model` (P2, ``intorder = 2``: CalculiX's
    rule) and its boundary table."""
    from ..materials import constitutive_model, get_material
    from ..model import Model

    T_sf = float(inputs["stress_free_temperature"])
    materials = {region: constitutive_model(get_material(inputs[region],
                                                         field=f"inputs.{region}"),
                                            "elastic", T_sf, kind)
                 for region in ("die", "board")}
    boundary = {"sym_x": "symmetry"} | ({"sym_y": "symmetry"} if kind == "3d" else {})
    tagged = strip_mesh(kind, inputs, divisions)
    return Model(tagged, kind, materials, boundary, intorder=2), boundary


def stress_field(model, fields: dict) -> np.ndarray:
    """Group fields -> one stress array ``(n_elements, Q, 6)``."""
    disc = model.disc
    stress = np.zeros((disc.n_elements, disc.n_quadrature, 6))
    for g in model.groups:
        stress[g.elements] = fields[g.pattern]["stress"]
    return stress


def die_top_warpage(model, u_nodal: np.ndarray) -> float:
    """``w(centre) - w(die edge)`` on the die top (the node at the symmetry axis and the
    node farthest from it, both in the die's top plane)."""
    disc = model.disc
    dim = disc.dim
    x = disc.node_coordinates
    elements = model.tagged.regions["die"]
    die_nodes = np.unique(np.asarray(disc.scalar_basis.element_dofs)[:, elements])
    top = die_nodes[np.isclose(x[die_nodes, dim - 1], x[die_nodes, dim - 1].max())]
    r = np.linalg.norm(x[top, : dim - 1], axis=1)
    return float(u_nodal[top[np.argmin(r)], dim - 1] - u_nodal[top[np.argmax(r)], dim - 1])


def half_unit(value: float) -> float:
    """Half a unit of the 7th significant digit CalculiX prints (``d.dddddd E+xx``)."""
    return 0.5e-6 * 10.0 ** np.floor(np.log10(abs(value))) if value else 0.0


def warpage_rounding(model, u_nodal: np.ndarray) -> float:
    """Relative bound of the print rounding in a warpage from CalculiX's ``.dat``: the half
    units of the two printed displacements it is the difference of, over the warpage."""
    disc = model.disc
    dim, x = disc.dim, disc.node_coordinates
    nodes = np.unique(np.asarray(disc.scalar_basis.element_dofs)[:, model.tagged.regions["die"]])
    top = nodes[np.isclose(x[nodes, dim - 1], x[nodes, dim - 1].max())]
    r = np.linalg.norm(x[top, : dim - 1], axis=1)
    ends = [u_nodal[top[np.argmin(r)], dim - 1], u_nodal[top[np.argmax(r)], dim - 1]]
    return sum(half_unit(v) for v in ends) / abs(die_top_warpage(model, u_nodal))


def strip_quantities(model, u_nodal: np.ndarray, stress: np.ndarray) -> dict:
    """The compared numbers (:data:`STRIP_QUANTITIES`) from a nodal displacement
    ``(n_nodes, dim)`` and a stress field ``(n_elements, Q, 6)``: the same for both codes."""
    w = model.disc.weights
    die, board = model.tagged.regions["die"], model.tagged.regions["board"]

    def mean(values, elements):
        return float(np.sum(values[elements] * w[elements]) / np.sum(w[elements]))

    vm = von_mises(stress)
    return {"warpage": die_top_warpage(model, u_nodal),
            "die_sxx": mean(stress[..., 0], die), "board_sxx": mean(stress[..., 0], board),
            "die_von_mises": mean(vm, die), "die_von_mises_max": float(vm[die].max())}


def solve_strip(inputs: dict, kind: str, divisions, tolerance: float = 1e-10):
    """Our thermo-elastic solve: ``(model, boundary, quantities, seconds)``."""
    from ..fem.newton import EquilibriumSolver

    t0 = time.perf_counter()
    model, boundary = strip_model(inputs, kind, divisions)
    solver = EquilibriumSolver(model, tolerance=tolerance)
    T_sf, T = float(inputs["stress_free_temperature"]), float(inputs["temperature"])
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, T_sf, T, 0.0)
    fields = solver.group_fields(result.u, model.temperature_at_quadrature(T), result.state)
    quantities = strip_quantities(model, model.disc.nodal_values(result.u),
                                  stress_field(model, fields))
    return model, boundary, quantities, time.perf_counter() - t0


@case_type("calculix_thermoelastic_strip")
def thermoelastic_strip_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Every kind of ``level.kinds`` at the case's mesh (``[mesh].<kind>``) against the stored
    CalculiX numbers ``[targets.<kind>_<quantity>]``."""
    inputs, targets = spec["inputs"], spec.get("targets", {})
    out = []
    for kind in level["kinds"]:
        _, _, q, seconds = solve_strip(inputs, kind, spec["mesh"][kind])
        if progress:
            progress(f"  {kind}: {seconds:.1f} s, warpage {q['warpage']:.7e} mm")
        for name, (label, _) in STRIP_QUANTITIES.items():
            key = f"{kind}_{name}"
            out.append(Measurement(f"{label}, {kind.replace('_', ' ')}", q[name],
                                   _target_value(spec, targets, key), key))
    return out


def _target_value(spec: dict, targets: dict, key: str) -> float:
    value = targets.get(key, {}).get("value")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise InputError(spec.get("path", spec.get("name")), f"targets.{key}.value", value,
                         "the CalculiX number (written by make_targets.py)")
    return float(value)


# ------------------------------------------------------------------------------------------
# the 2D WLCSP slice with Norton creep
# ------------------------------------------------------------------------------------------
SLICE_JOINT_QUANTITIES = {
    "W_joint": ("inelastic work density of cycle 2, joint average", "MPa"),
    "W_die_layer": ("inelastic work density of cycle 2, die-side layer average", "MPa"),
    "von_mises_cold": ("joint-average von Mises stress at the end of the cold dwell of "
                       "cycle 2", "MPa"),
    "von_mises_end": ("joint-average von Mises stress at the end of cycle 2", "MPa"),
    "creep_strain_end": ("joint-average equivalent creep strain at the end of cycle 2", ""),
}


def slice_model(inputs: dict, workdir):
    """The packaged geometry ``inputs.geometry`` meshed by our gmsh builder as
    ``inputs.geometry_kind`` into ``workdir``, in plane strain, default materials with
    ``inputs.solder_model`` in the joints integrated by backward Euler (as CalculiX does;
    ``inputs.backward_euler = false``: our default integration), P2 with ``intorder = 2``;
    ``inputs.mesh`` (optional) replaces settings of the geometry's ``[mesh]``. Returns
    ``(model, boundary, joints)``."""
    from ..examples import example_path
    from ..geometry import build_mesh, load_spec
    from ..geometry.regions import default_boundary, default_materials
    from ..joints import find_joints
    from ..materials import constitutive_model, get_material
    from ..mesh import read_mesh
    from ..model import Model

    geometry = example_path("default").parent / inputs["geometry"]
    if inputs.get("mesh"):  # [mesh] settings replaced (benchmarks)
        from ..case import read_toml

        raw = read_toml(geometry)
        raw["mesh"].update(inputs["mesh"])
        spec = load_spec(raw, source=str(geometry))
    else:
        spec = load_spec(geometry, source=str(geometry))
    built = build_mesh(spec, kind=inputs["geometry_kind"],
                       path=str(Path(workdir) / "slice.msh"), verbose=False)
    tagged = read_mesh(built.path)
    kind, T_sf = inputs["kind"], float(inputs["stress_free_temperature"])
    materials = {}
    for pattern, name in default_materials(tagged.regions).items():
        model_name = inputs["solder_model"] if pattern.startswith("joint") else "elastic"
        integration = one_step_integration(constitutive_model) \
            if inputs.get("backward_euler", True) else {}
        materials[pattern] = constitutive_model(get_material(name), model_name, T_sf, kind,
                                                **integration)
    boundary = default_boundary(tagged.boundaries)
    model = Model(tagged, kind, materials, boundary, intorder=2)
    joints = find_joints(model, symmetry=[b for b, v in boundary.items() if v == "symmetry"])
    return model, boundary, joints


def one_step_integration(builder) -> dict:
    """Keyword selecting backward Euler for the flow rule, CalculiX's ``*VISCO`` integration
    (where the constitutive builder offers a choice of time integration; backward Euler is
    the only one otherwise)."""
    import inspect

    if "time_integration" in inspect.signature(builder).parameters:
        return {"time_integration": "backward_euler"}
    return {}


def slice_profile(inputs: dict):
    from ..loads import profile_from_spec

    return profile_from_spec({"preset": inputs["preset"], "cycles": int(inputs["cycles"]),
                              "stress_free_temperature": float(inputs["stress_free_temperature"])},
                             source="calculix_norton_slice", prefix="inputs")


def fixed_increments(profile, per_segment_of: float) -> np.ndarray:
    """End times (s) of equal increments on every straight piece of the profile, each piece
    cut into ``ceil(duration / per_segment_of)`` increments."""
    bp = profile.breakpoints
    times = []
    for a, b in zip(bp[:-1], bp[1:]):
        n = max(1, int(np.ceil((b - a) / per_segment_of - 1e-9)))
        times.append(a + (b - a) * np.arange(1, n + 1) / n)
    return np.concatenate(times)


def slice_instants(profile) -> dict:
    """Times (s) of the compared states: the end of the cold dwell of the last cycle and the
    end of the last cycle, and the last cycle's bounds."""
    start, end = (float(t) for t in profile.cycle_bounds[-1])
    bp = profile.breakpoints
    inside = bp[(bp > start + 1e-9) & (bp < end - 1e-9)]
    cold = [t for t in inside if abs(float(profile.temperature(t)) - profile.T_min) < 1e-9]
    return {"cold": float(cold[-1]), "end": end, "start": start}


class SliceRecorder:
    """Joint averages of our (or CalculiX's) fields at the compared instants, and the
    inelastic work of the last cycle: the same reduction for both codes."""

    def __init__(self, model, joints, profile):
        from ..cycling import JointAverages

        self.model = model
        self.joints = joints
        self.averages = JointAverages(joints, model.disc.n_quadrature)
        self.instants = slice_instants(profile)
        self.values: dict = {}
        self.rounding = float("nan")  # print-rounding bound of the warpage (CalculiX)

    def average(self, group_field: dict, volume: str = "whole") -> np.ndarray:
        data = {g: {"v": v.reshape(v.shape[:2] + (-1,))} for g, v in group_field.items()}
        return self.averages.average(data, "v", volume)

    def record(self, t: float, stress: dict, creep_strain: dict, u_nodal=None) -> None:
        """Fields at time ``t`` (group -> ``(n_el, Q, ...)``); kept if ``t`` is an instant."""
        for name in ("cold", "end"):
            if abs(t - self.instants[name]) <= 1e-6 * max(1.0, t):
                vm = {g: von_mises(s) for g, s in stress.items()}
                self.values[f"von_mises_{name}"] = self.average(vm)[:, 0]
                if name == "end":
                    self.values["creep_strain_end"] = self.average(creep_strain)[:, 0]
                if name == "cold" and u_nodal is not None:
                    self.values["warpage_cold"] = die_top_warpage(self.model, u_nodal)
                    self.rounding = warpage_rounding(self.model, u_nodal)

    def cycle_work(self, work: dict) -> None:
        """Per group, the inelastic work density dissipated at every point in the last cycle."""
        self.values["W_joint"] = self.average(work)[:, 0]
        self.values["W_die_layer"] = self.average(work, "die_layer")[:, 0]

    def quantities(self) -> dict:
        """``{quantity: (n_joints,) array}`` and ``warpage_cold`` (mm)."""
        return dict(self.values)


def solve_slice_ours(inputs: dict, model, joints, profile, times, tolerance: float,
                     control=None):
    """Our run at exactly the increments ``times`` (Newton tolerance ``tolerance``), or, with
    ``control`` (a :class:`~thermofatigue.fem.stepping.StepControl`) and ``times = None``, at
    the increments that control chooses: the :class:`SliceRecorder` quantities (plus
    ``increments``) and the wall time (s) of the time stepping."""
    from ..fem.newton import EquilibriumSolver
    from ..fem.stepping import StepControl, TimeStepper

    recorder = SliceRecorder(model, joints, profile)
    solver = EquilibriumSolver(model, tolerance=tolerance)
    if control is None:  # no adaptivity: every increment runs from one given time to the next
        control = StepControl(max_dt=1e12, max_dT=1e12, creep_tolerance=1e12, first_dt=1e12,
                              min_dt=1e-9, max_cutbacks=0)

    def on_increment(t, T, u, state):
        stress = {g: st["stress"] for g, st in state.items()}
        creep = {g: st["equivalent_inelastic_strain"] for g, st in state.items()}
        recorder.record(t, stress, creep, model.disc.nodal_values(u))

    t0 = time.perf_counter()
    history = TimeStepper(solver, profile, control, output_times=() if times is None else times,
                          on_increment=on_increment).run()
    seconds = time.perf_counter() - t0
    if times is not None and history.increments != len(times):
        raise RuntimeError(f"our run took {history.increments} increments, not the "
                           f"{len(times)} given")
    recorder.cycle_work(history.cycles[-1].dissipated)
    return recorder.quantities() | {"increments": history.increments}, seconds


def slice_fingerprint(model, joints) -> dict:
    """Mesh size and joint areas: what must equal the mesh the targets were computed on."""
    return {"elements": float(model.disc.n_elements), "nodes": float(model.disc.n_nodes),
            "joint_area": np.array([j.whole.volume for j in joints])}


@case_type("calculix_norton_slice")
def norton_slice_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Our plane-strain Norton slice at the CalculiX increments (``level.increment`` s per
    straight piece of the profile at most) against the stored CalculiX numbers of those
    increments (``[targets.<level.targets>_...]``): first the mesh fingerprint (a different
    gmsh could mesh differently), then every joint quantity of
    :data:`SLICE_JOINT_QUANTITIES` and the warpage."""
    inputs, targets = spec["inputs"], spec.get("targets", {})
    with tempfile.TemporaryDirectory(prefix="tf-calculix-") as workdir:
        model, _, joints = slice_model(inputs, workdir)
    profile = slice_profile(inputs)
    times = fixed_increments(profile, float(level["increment"]))
    out = []
    fingerprint = slice_fingerprint(model, joints)
    out.append(Measurement("elements of the slice mesh", fingerprint["elements"],
                           _target_value(spec, targets, "mesh_elements"), "mesh_elements"))
    out.append(Measurement("P2 nodes of the slice mesh", fingerprint["nodes"],
                           _target_value(spec, targets, "mesh_nodes"), "mesh_nodes"))
    values, seconds = solve_slice_ours(inputs, model, joints, profile, times,
                                       float(inputs["newton_tolerance"]))
    if progress:
        progress(f"  slice: {model.disc.n_dofs} unknowns, {len(times)} increments, "
                 f"{seconds:.1f} s")
    prefix, step = level["targets"], f"{float(level['increment']):g} s increments"
    for i, joint in enumerate(joints):
        for name, (label, _) in SLICE_JOINT_QUANTITIES.items():
            key = f"{prefix}_joint_{joint.id}_{name}"
            out.append(Measurement(f"joint {joint.id}: {label} ({step})",
                                   float(values[name][i]), _target_value(spec, targets, key),
                                   key))
    key = f"{prefix}_warpage_cold"
    out.append(Measurement(f"die-top warpage at the end of the cold dwell of cycle 2 ({step})",
                           values["warpage_cold"], _target_value(spec, targets, key), key))
    return out


def solve_slice_ccx(model, boundary, joints, profile, times, workdir, threads: int = 1,
                    newton_tolerance: float = 1e-8, work: bool = True):
    """CalculiX's run of the same slice at the increments ``times`` (in ``workdir``): the
    :class:`SliceRecorder` quantities (plus ``warpage_rounding``, the relative print-rounding
    bound of the warpage) and the wall time (s) of ``ccx``. ``work = False``
    skips the per-increment output the inelastic work needs (for timing runs)."""
    from . import calculix as cx

    T_sf = float(profile.stress_free_temperature)
    nonlinear = [g for g in model.groups if getattr(g.model, "nonlinear", False)]
    if len(nonlinear) != 1:
        raise InputError("calculix", "materials", len(nonlinear), "one creeping group")
    group = nonlinear[0]
    deck = cx.write_deck(Path(workdir) / "slice.inp", model, boundary, T_sf, profile=profile,
                         increments=times, print_sets=(group.pattern,),
                         el_print=("S", "PEEQ"), frequency=None,
                         history_print=("S", "ME") if work else (),
                         newton_tolerance=newton_tolerance)
    run = cx.run_ccx(deck, threads=threads)
    blocks = cx.read_dat(run.dat)
    pairing = cx.match_points(model, cx.blocks_named(blocks, "COORD")[0])
    recorder = SliceRecorder(model, joints, profile)
    e = group.elements

    def on_group(block, convert=None):
        values = cx.ccx_to_quadrature(model, block, pairing)[e]
        return convert(values) if convert else values

    peeq = {b["time"]: b for b in cx.blocks_named(blocks, "PEEQ")}
    u_blocks = {b["time"]: b for b in cx.blocks_named(blocks, "U")}
    for b in cx.blocks_named(blocks, "S"):
        t = b["time"]
        if t not in peeq:
            continue
        u = cx.nodal_displacement(model, u_blocks[t]) if t in u_blocks else None
        recorder.record(t, {group.pattern: on_group(b, cx.to_voigt_stress)},
                        {group.pattern: on_group(peeq[t])[..., 0]}, u)
    if work:
        recorder.cycle_work({group.pattern: _ccx_cycle_work(cx, model, group, profile, blocks,
                                                            on_group)})
    return recorder.quantities() | {"warpage_rounding": recorder.rounding}, run.seconds


def _ccx_cycle_work(cx, model, group, profile, blocks, on_group) -> np.ndarray:
    """Inelastic work density of the last cycle at every point of ``group`` from CalculiX's
    stress and mechanical strain at every increment: ``eps_in = ME - C(T)^-1 sigma``, the
    trapezoid rule of our models."""
    instants = slice_instants(profile)
    stress = cx.blocks_named(blocks, "S")
    strain = {b["time"]: b for b in cx.blocks_named(blocks, "ME")}
    tol = 1e-6 * instants["end"]
    rows = [b for b in stress if instants["start"] - tol <= b["time"] <= instants["end"] + tol]
    work, previous = 0.0, None
    for b in rows:
        t = b["time"]
        T = float(profile.temperature(t))
        sigma = on_group(b, cx.to_voigt_stress)
        E = float(group.model.youngs_modulus(np.array(T)))
        nu = float(group.model.poissons_ratio(np.array(T)))
        elastic = (1.0 + nu) / E * sigma
        elastic[..., :3] -= nu / E * sigma[..., :3].sum(axis=-1, keepdims=True)
        elastic[..., 3:] *= 2.0                                     # engineering shear
        inelastic = on_group(strain[t], cx.to_voigt_strain) - elastic
        if previous is not None:
            work = work + 0.5 * np.sum((previous[0] + sigma) * (inelastic - previous[1]), axis=-1)
        previous = (sigma, inelastic)
    if previous is None or len(rows) < 2:
        raise RuntimeError("CalculiX printed no stress history over the last cycle")
    return work
