"""Bilayer curvature: Timoshenko's bimetal strip and Stoney's thin-film limit.

A layer 1 (top: the die, or a film) bonded on a layer 2 (below: the board, or a substrate) of
the same length, under a uniform temperature change from the stress-free temperature. Away
from the free ends the exact elasticity solution is uniform bending with plane sections, whose
curvature is Timoshenko's bimetal formula (S. Timoshenko, "Analysis of bi-metal thermostats",
J. Opt. Soc. Am. 11(3):233-255, 1925, Eq. 4)::

    kappa = -6 (e1 - e2) (1 + m)^2 / ( h [3 (1 + m)^2 + (1 + m n)(m^2 + 1/(m n))] )

with ``m = t1/t2``, ``n = E1/E2``, ``h = t1 + t2`` and ``e_i`` the free thermal strains. For a
film much thinner than its substrate (``m -> 0``, ``m n -> 0``) it tends to Stoney's formula
(G.G. Stoney, "The tension of metallic films deposited by electrolysis", Proc. R. Soc. Lond.
A 82:172-175, 1909), the curvature a film stress ``sigma_f = E1 (e2 - e1)`` gives::

    kappa_Stoney = -6 E1 (e1 - e2) t1 / (E2 t2^2)

For anisotropic layers, ``E`` and ``e`` are the effective uniaxial values of the stress state
of each kind: plane strain (``sigma_yy = 0``, ``eps_zz = 0``): ``E' = 1/(S_xx - S_xz^2/S_zz)``,
``e' = e_x - (S_xz/S_zz) e_z``; a 3D plate in equi-biaxial bending (in-plane isotropic
layers): ``E' = 1/(S_xx + S_xy)``, ``e' = e_x`` (S = compliance in model axes). The sign
convention: ``w = kappa x^2 / 2``, negative = centre up (a die that shrinks less than the
board on cooling bows up).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import skfem

from ..fem.newton import EquilibriumSolver
from ..materials import constitutive_model, get_material
from ..mesh import TaggedMesh
from ..model import Model
from ..postprocess import top_surface_curvature
from .registry import Measurement, case_type

KIND_LABELS = {"plane_strain": "plane strain", "3d": "3D quarter plate"}


def timoshenko_curvature(t_die, t_board, E_die, E_board, e_die, e_board) -> float:
    """Timoshenko (1925) Eq. 4: curvature of a bilayer strip (1/mm), sign as in the module doc."""
    m = t_die / t_board
    n = E_die / E_board
    h = t_die + t_board
    return -6.0 * (e_die - e_board) * (1 + m) ** 2 / (
        h * (3 * (1 + m) ** 2 + (1 + m * n) * (m ** 2 + 1 / (m * n))))


def stoney_curvature(t_film, t_substrate, E_film, E_substrate, e_film, e_substrate) -> float:
    """Stoney (1909): curvature (1/mm) of a thin film on a thick substrate,
    ``-6 E_f (e_f - e_s) t_f / (E_s t_s^2)``, sign as in the module doc."""
    return -6.0 * E_film * (e_film - e_substrate) * t_film / (E_substrate * t_substrate ** 2)


def effective_layer(model, T: float, kind: str) -> tuple[float, float]:
    """Effective modulus and free thermal strain of a layer for the kind's bending state."""
    C = np.asarray(model.stiffness(np.array(T)))
    S = np.linalg.inv(C)
    e = np.asarray(model.thermal_strain_vector(np.array(T)))
    if kind == "plane_strain":
        E = 1.0 / (S[0, 0] - S[0, 2] ** 2 / S[2, 2])
        return E, e[0] - S[0, 2] / S[2, 2] * e[2]
    # equi-biaxial bending (3D plate, generalized plane strain with free out-of-plane bending)
    return 1.0 / (S[0, 0] + S[0, 1]), e[0]


def bilayer_mesh(kind: str, half_length: float, t_board: float, t_die: float,
                 divisions: tuple[int, int, int]) -> TaggedMesh:
    """Structured bilayer (board below, die on top) with a symmetry boundary at x = 0 (and y = 0
    in 3D); ``divisions = (n_in_plane, n_board, n_die)``."""
    n_xy, n_board, n_die = divisions
    x = np.linspace(0.0, half_length, n_xy + 1)
    z = np.concatenate([np.linspace(0.0, t_board, n_board + 1),
                        np.linspace(t_board, t_board + t_die, n_die + 1)[1:]])
    if kind == "3d":
        mesh = skfem.MeshTet.init_tensor(x, x, z)
    else:
        mesh = skfem.MeshTri.init_tensor(x, z)
    dim = mesh.dim()
    centre = mesh.p[dim - 1, mesh.t].mean(axis=0)
    die = np.flatnonzero(centre > t_board)
    board = np.flatnonzero(centre < t_board)
    boundaries = {"sym_x": mesh.facets_satisfying(lambda p: np.isclose(p[0], 0.0))}
    if dim == 3:
        boundaries["sym_y"] = mesh.facets_satisfying(lambda p: np.isclose(p[1], 0.0))
    return TaggedMesh(mesh, {"die": die, "board": board}, boundaries, source="bilayer")


@dataclass
class BimetalResult:
    kind: str
    die_thickness: float
    divisions: tuple
    unknowns: int
    curvature: float
    target: float
    seconds: float
    stoney: float = float("nan")

    @property
    def error(self) -> float:
        return abs(self.curvature - self.target) / abs(self.target)


def run_bimetal(inputs: dict, kind: str, t_die: float, divisions, linear="auto",
                order: int = 2) -> BimetalResult:
    """One bilayer solve (``inputs``: ``die``, ``board`` library names, ``board_thickness``,
    ``half_length`` or ``half_width`` (3D), temperatures) and its Timoshenko and Stoney
    targets."""
    t0 = time.perf_counter()
    T_ref, T = inputs["stress_free_temperature"], inputs["temperature"]
    t_board = inputs["board_thickness"]
    half = inputs["half_length"] if kind != "3d" else inputs["half_width"]
    die_mat = get_material(inputs["die"], field="inputs.die")
    board_mat = get_material(inputs["board"], field="inputs.board")
    die = constitutive_model(die_mat, "elastic", T_ref, kind)
    board = constitutive_model(board_mat, "elastic", T_ref, kind)
    tagged = bilayer_mesh(kind, half, t_board, t_die, tuple(divisions))
    boundary = {"sym_x": "symmetry"} | ({"sym_y": "symmetry"} if kind == "3d" else {})
    model = Model(tagged, kind, {"die": die, "board": board}, boundary, order=order)
    solver = EquilibriumSolver(model, linear=linear)
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, T_ref, T, 0.0)
    fit = top_surface_curvature(model, result.u, "die",
                                within=inputs.get("central_fraction", 0.5) * half)
    bending = "plane_strain" if kind == "plane_strain" else "biaxial"
    E1, e1 = effective_layer(die, T, bending)
    E2, e2 = effective_layer(board, T, bending)
    return BimetalResult(kind, t_die, tuple(divisions), model.disc.n_dofs, fit["kappa_x"],
                         timoshenko_curvature(t_die, t_board, E1, E2, e1, e2),
                         time.perf_counter() - t0,
                         stoney_curvature(t_die, t_board, E1, E2, e1, e2))


def _say(progress, r: BimetalResult, label: str) -> None:
    if progress:
        progress(f"  {KIND_LABELS.get(r.kind, r.kind)}, {label} {r.die_thickness:g} mm "
                 f"({r.unknowns} unknowns, {r.seconds:.1f} s): kappa = {r.curvature:.6e} 1/mm")


@case_type("timoshenko_bimetal")
def timoshenko_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Every kind and die thickness at the level's mesh (``level.mesh_level[kind]``, an index
    into ``[mesh].<kind>``) against Timoshenko's curvature."""
    inputs, meshes = spec["inputs"], spec["mesh"]
    out = []
    for kind in inputs["kinds"]:
        divisions = meshes[kind][level["mesh_level"][kind]]
        for t_die in inputs["die_thicknesses"]:
            r = run_bimetal(inputs, kind, t_die, divisions)
            _say(progress, r, "die")
            out.append(Measurement(f"curvature, {KIND_LABELS.get(kind, kind)}, die {t_die:g} mm",
                                   r.curvature, r.target, "curvature"))
    return out


@case_type("stoney_thin_film")
def stoney_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Thin films (``inputs.film_thicknesses``) on a thick substrate in plane strain at the
    level's mesh (``level.divisions``): FE curvature of each against Timoshenko's formula, and
    the FE curvature over Stoney's, fitted linearly in ``m = t_film / t_substrate`` and
    extrapolated to ``m = 0``, against 1 (Stoney's formula is the thin-film limit; its own
    error is first order in ``m``)."""
    inputs = spec["inputs"]
    bilayer = inputs | {"die": inputs["film"], "board": inputs["substrate"],
                        "board_thickness": inputs["substrate_thickness"]}
    out, ratios, m = [], [], []
    for t_film in inputs["film_thicknesses"]:
        r = run_bimetal(bilayer, "plane_strain", t_film, tuple(level["divisions"]))
        _say(progress, r, "film")
        m.append(t_film / inputs["substrate_thickness"])
        ratios.append(r.curvature / r.stoney)
        out.append(Measurement(f"curvature, film/substrate {m[-1]:g}", r.curvature, r.target,
                               "timoshenko"))
    slope, intercept = np.polyfit(m, ratios, 1)
    out.append(Measurement("FE/Stoney curvature extrapolated to film/substrate -> 0",
                           float(intercept), 1.0, "stoney_limit"))
    return out
