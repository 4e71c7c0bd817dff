"""Bridge to CalculiX (``ccx``): write one of our models as a CalculiX input deck, run ``ccx``,
read its integration-point and nodal results back onto our quadrature points.

Importable without CalculiX; only :func:`run_ccx` needs the ``ccx`` executable (Debian
package ``calculix-ccx``; G. Dhondt, *CalculiX CrunchiX User's Manual*, version 2.20, 2022, is
the reference for every keyword used here).

What is translated, and how (the same discrete problem in both codes):

* **Mesh.** Our P2 displacement nodes (vertices and edge nodes, scikit-fem ``ElementTriP2`` /
  ``ElementTetP2``, curved gmsh ``MeshTri2``/``MeshTet2`` geometry included) become CalculiX
  nodes ``1..n`` in our node order; elements become ``CPE6`` (plane strain) or ``C3D10``
  numbered ``1..m`` in our element order. Our local order (corners, then edges
  ``0-1, 1-2, 2-0`` in 2D and ``0-1, 1-2, 0-2, 0-3, 1-3, 2-3`` in 3D) is exactly CalculiX's
  (``CPE6``: corners 1-3, then edges 1-2, 2-3, 3-1; ``C3D10``: corners 1-4, then 1-2, 2-3,
  3-1, 1-4, 2-4, 3-4); elements whose corners turn clockwise (2D) or whose corner tetrahedron
  has a negative volume (3D) are written with corners 2 and 3 swapped (and their edge nodes
  with them), as CalculiX requires a positive Jacobian.
* **Quadrature.** CalculiX integrates ``CPE6`` (expanded internally into 15-node wedges of
  unit thickness) with the 3-point triangle rule (points 1/6, 2/3) times 3 Gauss points
  through the thickness, and ``C3D10`` with the 4-point rule (0.1382, 0.5854). Our model must
  be built with ``intorder=2`` to use the same in-plane points (scikit-fem's degree-2 rules
  are these); :func:`match_points` pairs CalculiX's points with ours by their coordinates
  (CalculiX's ``COORD`` output), averaging the three through-thickness copies in 2D.
* **Model kind.** Plane strain (``CPE6``) or 3D. CalculiX has no generalized plane strain
  element, so the cross-solver cases solve our 2D slice in plane strain (one of our kinds).
* **Elasticity.** Isotropic: ``*ELASTIC, TYPE=ISO`` with ``E(T), nu(T)`` tabulated;
  orthotropic and cubic (silicon, FR-4): our 6x6 stiffness in model axes is orthotropic there
  and goes in as ``*ELASTIC, TYPE=ORTHO`` in global axes with ``D1111 = C_xx,xx``, ...,
  ``D1212 = C_xy,xy``, ``D1313 = C_xz,xz``, ``D2323 = C_yz,yz`` (our engineering-shear Voigt
  slots: ``sigma_xy = C66 gamma_xy = 2 C66 eps_xy``, CalculiX's ``sigma_12 = 2 D1212
  eps_12``).
* **Thermal strain.** Ours is ``eps_th(T) = int_{T_sf}^{T} alpha(T') dT'`` (instantaneous CTE
  data) or the secant formula (docs/architecture.md, "Thermal strain"), measured from the
  stress-free temperature ``T_sf``. CalculiX computes ``alpha(T) (T - T0) - alpha(T_i)
  (T_i - T0)`` with ``T0`` = ``*EXPANSION, ZERO=`` and ``T_i`` the initial temperature
  (verified here: a free plane-strain element, table 1e-5 at 0 C / 3e-5 at 200 C, ZERO=100 C,
  cooled to 50 C, strains -(1 + nu) 1.5e-5 * 50). With ``ZERO = T_i = T_sf`` the deck's
  table is the secant coefficient ``alpha_sec(T) = eps_th(T) / (T - T_sf)`` (per model axis),
  tabulated on :func:`temperature_grid`, which holds every temperature the analysis visits,
  so it is exact there, and the instantaneous CTE at ``T_sf`` itself (the limit).
* **Norton creep.** Ours: ``d eps_cr/dt = A (sigma/sigma_ref)^n exp(-Q/(R T_K))``
  (:mod:`thermofatigue.materials.norton`); CalculiX's ``*CREEP, LAW=NORTON`` is
  ``d eps_cr/dt = A_ccx sigma^n t^m`` with ``m = 0`` and a temperature table of
  ``A_ccx(T) = A exp(-Q/(R T_K)) / sigma_ref^n``. CalculiX interpolates the table linearly;
  the grid spacing :func:`arrhenius_spacing` keeps that interpolation error below
  ``ARRHENIUS_INTERPOLATION = 1e-4`` relative at every temperature between grid points
  (``h^2/8 max|f''/f| <= 1e-4`` with ``f = exp(-Q/(R T_K))``, ``f''/f = (Q/R)^2/T_K^4 -
  2 (Q/R)/T_K^3``), and it is exact at every temperature the analysis visits.
* **Boundary conditions.** Our symmetry planes and prescribed displacements (axis-aligned
  normals only) become ``*BOUNDARY``; the rigid-body modes our ``ConstrainedSpace`` pins (by
  pivoted QR) are pinned at the same nodes and directions, so both codes have the same
  statically determinate support and the same displacements.
* **Load.** Uniform temperature: ``*INITIAL CONDITIONS, TYPE=TEMPERATURE`` at ``T_sf``, then
  ``*TEMPERATURE, AMPLITUDE`` following the profile (``*AMPLITUDE, TIME=TOTAL TIME`` through
  its breakpoints). A thermo-elastic solve is one ``*STATIC`` step; a creep history is one
  ``*VISCO, DIRECT`` step per run of equal increments (:func:`increment_steps`), so CalculiX
  takes exactly the increments given (fixed time steps, no automatic incrementation).

Reading back: :func:`read_dat` parses the ``.dat`` blocks (``*NODE PRINT`` U, ``*EL PRINT``
S, ME, PEEQ, COORD); :func:`ccx_to_groups` puts integration-point arrays onto our groups'
``(n_elements, n_quadrature, ...)`` layout so that the SAME per-joint volume averaging
(:class:`thermofatigue.cycling.JointAverages`) applies to both codes. CalculiX prints strains
as tensor components (``exy = gamma_xy / 2``) and stresses in the order ``xx, yy, zz, xy, xz,
yz``; :data:`CCX_TO_VOIGT` maps them to our ``xx, yy, zz, yz, xz, xy``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError

#: CalculiX component order xx, yy, zz, xy, xz, yz -> our Voigt slots xx, yy, zz, yz, xz, xy
CCX_TO_VOIGT = np.array([0, 1, 2, 5, 4, 3])
#: relative error allowed to CalculiX's linear interpolation of the Norton rate factor
ARRHENIUS_INTERPOLATION = 1e-4
ELEMENT_TYPES = {2: "CPE6", 3: "C3D10"}
#: corner-2/3 swap of an element with a negative Jacobian, in CalculiX local order
_FLIP = {2: np.array([0, 2, 1, 5, 4, 3]), 3: np.array([0, 2, 1, 3, 6, 5, 4, 7, 9, 8])}


def ccx_available() -> bool:
    """Whether the ``ccx`` executable is on the PATH."""
    return shutil.which("ccx") is not None


# ------------------------------------------------------------------------------------------
# mesh
# ------------------------------------------------------------------------------------------
def ccx_connectivity(disc) -> np.ndarray:
    """Element node indices (0-based) in CalculiX order, ``(n_elements, 6 | 10)``, orientation
    fixed (module docstring). ``disc``: our P2 :class:`~thermofatigue.fem.kinematics.
    Discretization` of kind ``plane_strain`` or ``3d``."""
    if disc.order != 2 or disc.kind not in ("plane_strain", "3d"):
        raise InputError("calculix", "model", f"{disc.kind}, order {disc.order}",
                         "a P2 plane-strain or 3D model (CPE6 / C3D10)")
    nodes = np.asarray(disc.scalar_basis.element_dofs).T.copy()          # (E, 6|10)
    x = disc.node_coordinates
    c = x[nodes[:, : disc.dim + 1]]                                       # corners
    if disc.dim == 2:
        d1, d2 = c[:, 1] - c[:, 0], c[:, 2] - c[:, 0]
        signed = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    else:
        signed = np.einsum("ei,ei->e", np.cross(c[:, 1] - c[:, 0], c[:, 2] - c[:, 0]),
                           c[:, 3] - c[:, 0])
    flip = signed < 0
    nodes[flip] = nodes[flip][:, _FLIP[disc.dim]]
    return nodes


def _f(value) -> str:
    """A number as CalculiX reads it: 13 significant digits (CalculiX reads fields of at most
    20 characters)."""
    return format(float(value), ".12e")


def _set_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text).upper()[:70]


def _lines(values, per_line: int = 8) -> list[str]:
    values = list(values)
    return [", ".join(str(v) for v in values[i:i + per_line])
            for i in range(0, len(values), per_line)]


# ------------------------------------------------------------------------------------------
# materials
# ------------------------------------------------------------------------------------------
def arrhenius_spacing(Q_over_R: float, T_low: float, T_high: float,
                      tolerance: float = ARRHENIUS_INTERPOLATION) -> float:
    """Largest temperature step (C) at which linear interpolation of ``exp(-Q/(R T_K))``
    errs by at most ``tolerance`` relative between ``T_low`` and ``T_high`` (C): the
    interpolation error bound ``h^2/8 max|f''/f|``, ``f''/f = q^2/T^4 - 2 q/T^3``."""
    T = np.linspace(T_low, T_high, 2001) + 273.15
    curvature = np.abs(Q_over_R**2 / T**4 - 2.0 * Q_over_R / T**3).max()
    return float(math.sqrt(8.0 * tolerance / curvature)) if curvature > 0 else T_high - T_low


def temperature_grid(T_low: float, T_high: float, spacing: float, exact=()) -> np.ndarray:
    """Sorted table temperatures (C): a uniform grid of at most ``spacing`` over
    ``[T_low, T_high]`` plus every temperature in ``exact`` (breakpoints of the property
    tables, the temperatures the analysis visits), rounded to 1e-9 C and made unique."""
    n = max(1, int(math.ceil((T_high - T_low) / spacing)))
    grid = np.concatenate([np.linspace(T_low, T_high, n + 1), np.asarray(exact, float)])
    return np.unique(np.round(grid, 9))


def _secant(eps_th: np.ndarray, T: np.ndarray, T_sf: float, alpha_at_sf: np.ndarray):
    """Secant CTE ``eps_th(T) / (T - T_sf)``; ``alpha_at_sf`` where ``T = T_sf``."""
    dT = (T - T_sf)[:, None]
    at = np.abs(dT) < 1e-9
    return np.where(at, alpha_at_sf[None, :], eps_th / np.where(at, 1.0, dT))


def _thermal_strain_axes(model, T: np.ndarray) -> np.ndarray:
    """Free thermal strain ``(len(T), 3)`` along model x, y, z of a constitutive model."""
    if hasattr(model, "thermal_strain_vector"):
        return np.asarray(model.thermal_strain_vector(T))[:, :3]
    return np.repeat(np.asarray(model.thermal_strain(T), float)[:, None], 3, axis=1)


def expansion_card(model, T: np.ndarray, T_sf: float) -> list[str]:
    """``*EXPANSION, ZERO=T_sf`` with the secant CTE of ``model`` on the table ``T``."""
    eps = _thermal_strain_axes(model, T)
    h = 1e-3
    alpha0 = (_thermal_strain_axes(model, np.array([T_sf + h]))
              - _thermal_strain_axes(model, np.array([T_sf - h])))[0] / (2 * h)
    alpha = _secant(eps, T, T_sf, alpha0)
    iso = np.allclose(alpha, alpha[:, :1], rtol=0, atol=1e-15)
    head = f"*EXPANSION, TYPE={'ISO' if iso else 'ORTHO'}, ZERO={_f(T_sf)}"
    rows = [f"{_f(a[0])}, {_f(t)}" if iso else f"{_f(a[0])}, {_f(a[1])}, {_f(a[2])}, {_f(t)}"
            for a, t in zip(alpha, T)]
    return [head] + rows


def elastic_card(model, T: np.ndarray) -> list[str]:
    """``*ELASTIC`` of a constitutive model: ISO with ``E(T), nu(T)`` for isotropic ones,
    ORTHO from the stiffness in model axes otherwise (constant: one row)."""
    if hasattr(model, "youngs_modulus") and (not hasattr(model, "material")
                                             or model.material.elasticity == "isotropic"):
        E = np.asarray(model.youngs_modulus(T), float) * np.ones_like(T)
        nu = np.asarray(model.poissons_ratio(T), float) * np.ones_like(T)
        if np.ptp(E) == 0 and np.ptp(nu) == 0:
            return ["*ELASTIC, TYPE=ISO", f"{_f(E[0])}, {_f(nu[0])}"]
        return ["*ELASTIC, TYPE=ISO"] + [f"{_f(e)}, {_f(n)}, {_f(t)}" for e, n, t in zip(E, nu, T)]
    Ts = T[:1] if getattr(model, "constant_stiffness", False) else T
    C = np.asarray(model.stiffness(Ts))
    coupling = np.abs(C[:, :3, 3:]).max() + np.abs(C[:, 3:, 3:] - C[:, 3:, 3:] *
                                                    np.eye(3)).max()
    if coupling > 1e-9 * np.abs(C).max():
        raise InputError("calculix", "material", "anisotropic in model axes",
                         "a stiffness that is orthotropic in the model axes")
    rows = []
    for Ck, t in zip(C, Ts):
        d = [Ck[0, 0], Ck[0, 1], Ck[1, 1], Ck[0, 2], Ck[1, 2], Ck[2, 2], Ck[5, 5], Ck[4, 4],
             Ck[3, 3]] + ([t] if len(Ts) > 1 else [])
        rows += _lines([_f(v) for v in d], 8)
    return ["*ELASTIC, TYPE=ORTHO"] + rows


def norton_card(model, T: np.ndarray) -> list[str]:
    """``*CREEP, LAW=NORTON`` rows ``A_ccx(T), n, 0, T`` (module docstring)."""
    A = model.A * np.exp(-model.Q_over_R / (T + 273.15)) / model.sigma_ref ** model.n
    return ["*CREEP, LAW=NORTON"] + [f"{_f(a)}, {_f(model.n)}, 0.0, {_f(t)}" for a, t in zip(A, T)]


def material_cards(name: str, model, T: np.ndarray, T_sf: float) -> list[str]:
    """The ``*MATERIAL`` block of one constitutive model (elastic or Norton)."""
    cards = [f"*MATERIAL, NAME={name}"] + elastic_card(model, T) + expansion_card(model, T, T_sf)
    kind = getattr(model, "model_name", "elastic") if getattr(model, "nonlinear", False) \
        else "elastic"
    if kind == "norton":
        cards += norton_card(model, T)
    elif kind != "elastic":
        raise InputError("calculix", "material", kind, "an elastic or a Norton material")
    return cards


# ------------------------------------------------------------------------------------------
# boundary conditions and load history
# ------------------------------------------------------------------------------------------
def boundary_rows(model, boundary: dict) -> list[str]:
    """``*BOUNDARY`` rows ``node, dof, dof, value``: the constraints of ``boundary`` (the table
    ``model`` was built with) and the rigid-body pins of ``model.constraints``."""
    from ..fem.constraints import ConstrainedSpace
    from ..model import boundary_constraints

    disc = model.disc
    constraints = boundary_constraints(model.tagged, disc, boundary, model.source)
    rows = []
    for c in constraints:
        k = _axis(c.normal)
        values = np.broadcast_to(np.asarray(c.value, float), c.nodes.shape)
        rows += [f"{int(n) + 1}, {k + 1}, {k + 1}, {_f(float(v))}" for n, v in zip(c.nodes, values)]
    if model.constraints.pinned.size:
        # the pinned reduced unknowns: their directions in the space before pinning
        free = ConstrainedSpace(disc, constraints, remove_rigid_body_modes=False).T.tocsc()
        for p in model.constraints.pinned:
            column = free[:, int(p)].toarray().ravel()
            k = np.flatnonzero(np.abs(column) > 1e-12)
            if k.size != 1:
                raise InputError("calculix", "rigid-body pin", f"unknown {int(p)}",
                                 "a pinned direction along a coordinate axis")
            node, axis = divmod(int(k[0]), disc.dim)
            rows.append(f"{node + 1}, {axis + 1}, {axis + 1}, 0.0")
    return rows


def _axis(normal) -> int:
    n = np.abs(np.asarray(normal, float))
    k = int(np.argmax(n))
    if abs(n[k] - 1.0) > 1e-12:
        raise InputError("calculix", "boundary", f"normal {normal}",
                         "symmetry planes normal to a coordinate axis")
    return k




@dataclass
class Step:
    """One CalculiX step: ``n`` increments of ``dt`` (s), ending at total time ``t_end``."""

    dt: float
    n: int
    t_end: float


def increment_steps(times, breaks=()) -> list[Step]:
    """Group increment end times (s, increasing, from 0) into runs of equal increments that
    do not run past a time in ``breaks`` (the profile's corners): one ``*VISCO, DIRECT`` step
    each."""
    t = np.concatenate([[0.0], np.asarray(times, float)])
    dt = np.diff(t)
    if np.any(dt <= 0):
        raise InputError("calculix", "increments", "non-increasing times", "increasing times")
    breaks = np.asarray(breaks, float)
    steps: list[Step] = []
    for d, end in zip(dt, t[1:]):
        at_break = steps and np.any(np.abs(breaks - steps[-1].t_end) <= 1e-9 * max(end, 1.0))
        if steps and not at_break and abs(d - steps[-1].dt) <= 1e-9 * max(d, 1.0):
            steps[-1] = Step(steps[-1].dt, steps[-1].n + 1, float(end))
        else:
            steps.append(Step(float(d), 1, float(end)))
    return steps


@dataclass
class Deck:
    """What :func:`write_deck` wrote: the input file, element sets, the connectivity."""

    path: Path
    connectivity: np.ndarray
    element_sets: dict = field(default_factory=dict)    # set name -> element indices
    group_sets: dict = field(default_factory=dict)      # group pattern -> set name


def write_deck(path, model, boundary: dict, stress_free_temperature: float, *,
               temperature: float | None = None, profile=None, increments=None,
               print_sets=("EALL",), node_print=True, el_print=("S",),
               frequency: int | None = 1, coordinates: bool = True, history_print=(),
               extra_temperatures=(), newton_tolerance: float | None = 1e-8) -> Deck:
    """Write ``model`` as a CalculiX deck ``path`` (``.inp``).

    Either ``temperature`` (a thermo-elastic ``*STATIC`` step to that uniform temperature) or
    ``profile`` (:class:`~thermofatigue.loads.TemperatureProfile`) with ``increments`` (the
    end times of every increment, s): ``*VISCO, DIRECT`` steps of fixed increments.
    ``print_sets``: element sets (``EALL``, a group pattern or a region name) whose
    ``el_print`` quantities (``S``, ``ME``, ``PEEQ``) go to the ``.dat`` every ``frequency``
    increments (None: at the end of every step, i.e. at the profile's breakpoints and
    wherever the increment size changes); ``COORD`` is printed
    in the first step when ``coordinates``; ``history_print`` quantities of the first print
    set at every increment (creep histories). ``newton_tolerance``: CalculiX's residual
    criterion ``R_n`` (``*CONTROLS, PARAMETERS=FIELD``; default there 5e-3) and ``C_n``
    (None: CalculiX's defaults).
    ``boundary``: the boundary table ``model`` was built with.
    """
    disc = model.disc
    path = Path(path)
    T_sf = float(stress_free_temperature)
    conn = ccx_connectivity(disc)
    etype = ELEMENT_TYPES[disc.dim]
    out = ["** written by thermofatigue.validation.calculix", "*NODE, NSET=NALL"]
    x = disc.node_coordinates
    out += [", ".join([str(i + 1)] + [_f(v) for v in p]) for i, p in enumerate(x)]
    out.append(f"*ELEMENT, TYPE={etype}, ELSET=EALL")
    out += [", ".join(str(v) for v in [e + 1] + list(row + 1)) for e, row in enumerate(conn)]
    sets, groups = {"EALL": np.arange(disc.n_elements)}, {}
    for k, g in enumerate(model.groups):
        name = f"G{k}_{_set_name(g.pattern)}"[:60]
        sets[name] = np.asarray(g.elements)
        groups[g.pattern] = name
    for region, elements in model.tagged.regions.items():
        name = f"R_{_set_name(region)}"[:60]
        sets.setdefault(name, np.asarray(elements))
    for name, elements in sets.items():
        if name == "EALL":
            continue
        out.append(f"*ELSET, ELSET={name}")
        out += _lines(np.sort(elements) + 1, 16)
    # temperatures the analysis visits (exact in every table) and the property breakpoints
    if profile is not None:
        times = np.asarray(increments, float)
        visited = np.concatenate([[T_sf], profile.temperature(times)])
        T_low, T_high = float(min(visited.min(), T_sf)), float(max(visited.max(), T_sf))
    else:
        visited = np.array([T_sf, float(temperature)])
        T_low, T_high = float(visited.min()), float(visited.max())
    exact = np.concatenate([visited, np.asarray(extra_temperatures, float),
                            _breakpoints(model, T_low, T_high)])
    for k, g in enumerate(model.groups):
        spacing = 1.0
        if getattr(g.model, "model_name", "") == "norton":
            spacing = min(spacing, arrhenius_spacing(g.model.Q_over_R, T_low, T_high))
        T = temperature_grid(T_low, T_high, spacing, exact)
        out += material_cards(f"M{k}", g.model, T, T_sf)
        thickness = ["1.0"] if disc.dim == 2 else []
        out += [f"*SOLID SECTION, ELSET={groups[g.pattern]}, MATERIAL=M{k}"] + thickness
    print_sets = tuple(groups.get(s, f"R_{_set_name(s)}"[:60] if s in model.tagged.regions
                                  else s) for s in print_sets)
    out += ["*INITIAL CONDITIONS, TYPE=TEMPERATURE", f"NALL, {_f(T_sf)}"]
    out += ["*BOUNDARY"] + boundary_rows(model, boundary)
    field_controls = [] if newton_tolerance is None else [
        "*CONTROLS, PARAMETERS=FIELD",
        f"{_f(newton_tolerance)}, {_f(newton_tolerance)}, , , 0.02, 1e-5, 1e-3, 1e-8"]
    if profile is None:
        outputs = _output_cards(print_sets, node_print, el_print, 1)
        out += ["*STEP", "*STATIC", "*TEMPERATURE", f"NALL, {_f(float(temperature))}"]
        out += outputs + (_coord_cards(print_sets) if coordinates else []) + ["*END STEP"]
    else:
        bp = np.unique(np.concatenate([profile.breakpoints, [profile.t_end]]))
        out += ["*AMPLITUDE, NAME=PROFILE, TIME=TOTAL TIME"]
        out += _lines([f"{_f(t)}, {_f(float(profile.temperature(t)))}" for t in bp], 4)
        for i, s in enumerate(increment_steps(increments, profile.breakpoints)):
            controls = field_controls if i == 0 else []
            out += [f"*STEP, INC={s.n + 10}"] + controls
            out += ["*VISCO, DIRECT, CETOL=1.0", f"{_f(s.dt)}, {_f(s.dt * s.n)}",
                    "*TEMPERATURE, AMPLITUDE=PROFILE", "NALL, 1.0"]
            every = s.n if frequency is None else frequency
            out += _output_cards(print_sets, node_print, el_print, every)
            if history_print:
                out += [f"*EL PRINT, ELSET={print_sets[0]}, FREQUENCY=1",
                        ", ".join(history_print)]
            out += _coord_cards(print_sets) if coordinates and i == 0 else []
            out += ["*END STEP"]
    path.write_text("\n".join(out) + "\n", encoding="ascii")
    return Deck(path, conn, sets, groups)


def _output_cards(print_sets, node_print, el_print, frequency) -> list[str]:
    cards = []
    if node_print:
        cards += [f"*NODE PRINT, NSET=NALL, FREQUENCY={frequency}", "U"]
    if el_print:
        for s in print_sets:
            cards += [f"*EL PRINT, ELSET={s}, FREQUENCY={frequency}", ", ".join(el_print)]
    return cards


def _coord_cards(print_sets) -> list[str]:
    return [f"*EL PRINT, ELSET={print_sets[0]}, FREQUENCY=100000", "COORD"]


def _breakpoints(model, T_low, T_high) -> np.ndarray:
    """Breakpoints of every temperature-dependent property of the model's materials in
    ``[T_low, T_high]`` (where the piecewise-linear data kink or jump)."""
    points = []
    for g in model.groups:
        material = getattr(g.model, "material", None)
        props = material.properties.values() if material is not None else []
        for p in props:
            for attr in ("alpha", None):
                q = getattr(p, attr, p) if attr else p
                points += list(getattr(q, "breakpoints", ()))
    for g in model.groups:   # inelastic models: the callables come from a ThermoElastic
        owner = getattr(getattr(g.model, "youngs_modulus", None), "__self__", None)
        if owner is not None and hasattr(owner, "material"):
            for p in owner.material.properties.values():
                points += list(getattr(p, "breakpoints", ()))
    b = np.asarray(points, float)
    return b[(b >= T_low) & (b <= T_high)]




# ------------------------------------------------------------------------------------------
# running and reading back
# ------------------------------------------------------------------------------------------
@dataclass
class CcxRun:
    seconds: float
    log: str
    dat: Path


def run_ccx(deck: Deck, threads: int = 1, timeout: float = 3600.0) -> CcxRun:
    """Run ``ccx`` on the deck (``OMP_NUM_THREADS = CCX_NPROC_EQUATION_SOLVER = threads``);
    the wall time of the ``ccx`` process (s). Raises RuntimeError when ccx reports an error."""
    if not ccx_available():
        raise RuntimeError("CalculiX (ccx) is not installed")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               CCX_NPROC_EQUATION_SOLVER=str(threads), CCX_NPROC_STIFFNESS=str(threads),
               CCX_NPROC_RESULTS=str(threads))
    job = deck.path.with_suffix("")
    t0 = time.perf_counter()
    proc = subprocess.run(["ccx", "-i", job.name], cwd=job.parent, env=env, timeout=timeout,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    if proc.returncode != 0 or "*ERROR" in log or "Job finished" not in log:
        tail = "\n".join(log.strip().splitlines()[-15:])
        raise RuntimeError(f"ccx failed on {deck.path}:\n{tail}")
    return CcxRun(seconds, log, job.with_suffix(".dat"))


_HEADER = re.compile(r"^\s*(\S.*?)\s+\(.*?\)\s*for set\s+(\S+)\s+and time\s+(\S+)")
_NAMES = {"displacements": "U", "stresses": "S", "mechanical strains": "ME", "strains": "E",
          "equivalent plastic strain": "PEEQ", "global coordinates": "COORD",
          "internal energy density": "ENER"}


def read_dat(path) -> list[dict]:
    """Blocks of a ``.dat`` file: ``{"name", "set", "time", "ids" (n, 1|2), "values" (n, k)}``
    in file order (``ids``: node, or element and integration point)."""
    text = Path(path).read_text()
    blocks = []
    parts = re.split(r"\n(?= [a-z][^\n]*for set )", "\n" + text)
    for part in parts:
        lines = part.strip("\n").split("\n")
        m = _HEADER.match(lines[0]) if lines else None
        if not m:
            continue
        name = _NAMES.get(m.group(1), m.group(1))
        body = [ln for ln in lines[1:] if ln.strip()]
        if not body:
            continue
        data = np.array(" ".join(body).split(), dtype=float)
        width = len(body[0].split())
        data = data.reshape(len(body), width)
        n_ids = 1 if name == "U" else 2
        blocks.append({"name": name, "set": m.group(2), "time": float(m.group(3)),
                       "ids": data[:, :n_ids].astype(np.int64), "values": data[:, n_ids:]})
    return blocks


def match_points(model, coord_block: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair CalculiX integration points with ours: for every row of a ``COORD`` block,
    (our element, our quadrature point); plus the largest distance between paired points
    relative to the element size (0 up to round-off when the rules agree)."""
    disc = model.disc
    elements = coord_block["ids"][:, 0] - 1
    xyz = coord_block["values"][:, : disc.dim]
    ours = disc.points[elements]                                   # (n, Q, dim)
    d = np.linalg.norm(ours - xyz[:, None, :], axis=-1)
    q = np.argmin(d, axis=1)
    size = np.ptp(disc.node_coordinates[np.asarray(disc.scalar_basis.element_dofs)[:, elements]],
                  axis=0).max(axis=-1)
    mismatch = float((d[np.arange(q.size), q] / size).max())
    return elements, q, np.array(mismatch)


def ccx_to_quadrature(model, block: dict, pairing) -> np.ndarray:
    """Values of one integration-point block on our layout ``(n_elements, Q, k)`` (NaN where
    CalculiX printed nothing), averaging the CalculiX points that share one of ours."""
    disc = model.disc
    elements, q, _ = pairing
    values = block["values"]
    if len(values) != len(elements):
        raise ValueError("integration-point block and COORD block differ in size")
    k = values.shape[1]
    total = np.zeros((disc.n_elements, disc.n_quadrature, k))
    count = np.zeros((disc.n_elements, disc.n_quadrature))
    np.add.at(total, (elements, q), values)
    np.add.at(count, (elements, q), 1.0)
    with np.errstate(invalid="ignore"):
        return total / count[..., None]




def to_voigt_stress(values: np.ndarray) -> np.ndarray:
    """CalculiX stress components (xx, yy, zz, xy, xz, yz) -> our Voigt order."""
    return values[..., CCX_TO_VOIGT]


def to_voigt_strain(values: np.ndarray) -> np.ndarray:
    """CalculiX tensor strain components -> our Voigt order with engineering shear."""
    v = values[..., CCX_TO_VOIGT].copy()
    v[..., 3:] *= 2.0
    return v


def by_group(model, field: np.ndarray) -> dict:
    """A field on all elements ``(n_elements, Q, ...)`` split into our material groups."""
    return {g.pattern: field[g.elements] for g in model.groups}


def nodal_displacement(model, block: dict) -> np.ndarray:
    """A ``U`` block as our nodal displacement array ``(n_nodes, dim)``."""
    u = np.full((model.disc.n_nodes, model.disc.dim), np.nan)
    u[block["ids"][:, 0] - 1] = block["values"][:, : model.disc.dim]
    return u


def blocks_named(blocks, name: str, set_name: str | None = None) -> list[dict]:
    """The blocks of one quantity (and set), in file order, each time once."""
    out, seen = [], set()
    for b in blocks:
        if b["name"] == name and (set_name is None or b["set"] == set_name) \
                and b["time"] not in seen:
            seen.add(b["time"])
            out.append(b)
    return out


def rounded_up(x: float) -> float:
    """``x`` rounded up to one significant digit (a tolerance from a measured agreement)."""
    scale = 10.0 ** np.floor(np.log10(x))
    return float(np.ceil(x / scale - 1e-9) * scale)
