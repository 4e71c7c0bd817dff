"""Reference cases: run a model, compare with a target from an analytical solution or published
data, within a stated tolerance.

Each case is a folder ``validation/<name>/`` with ``case.toml`` (inputs, target, tolerance,
source) and a README (the physics, the convergence table). This module knows how to run each
case ``type``; ``thermofatigue validate`` and ``tests/test_validation.py`` call it.

Cases
-----
``timoshenko_bimetal``
    A silicon die bonded on an FR-4 board, both the same length, under a uniform temperature
    change from the stress-free temperature. Away from the free ends the exact elasticity
    solution is uniform bending with plane sections, whose curvature is Timoshenko's bimetal
    formula (S. Timoshenko, "Analysis of bi-metal thermostats", J. Opt. Soc. Am. 11(3):233-255,
    1925, Eq. 4)::

        kappa = -6 (e1 - e2) (1 + m)^2 / ( h [3 (1 + m)^2 + (1 + m n)(m^2 + 1/(m n))] )

    with layer 1 the die (top), layer 2 the board, ``m = t1/t2``, ``n = E1/E2``,
    ``h = t1 + t2`` and ``e_i`` the free thermal strains. For anisotropic layers, ``E`` and
    ``e`` are the effective uniaxial values of the stress state of each kind: plane strain
    (``sigma_yy = 0``, ``eps_zz = 0``): ``E' = 1/(S_xx - S_xz^2/S_zz)``,
    ``e' = e_x - (S_xz/S_zz) e_z``; a 3D plate in equi-biaxial bending (in-plane isotropic
    layers): ``E' = 1/(S_xx + S_xy)``, ``e' = e_x`` (S = compliance in model axes). The sign
    convention: ``w = kappa x^2 / 2``, negative = centre up (a die that shrinks less than the
    board on cooling bows up).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skfem

from .errors import InputError
from .fem.newton import EquilibriumSolver
from .materials import constitutive_model, get_material
from .mesh import TaggedMesh
from .model import Model
from .postprocess import top_surface_curvature

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


# ----------------------------------------------------------------------------------------------
# Timoshenko bimetal
# ----------------------------------------------------------------------------------------------
def timoshenko_curvature(t_die, t_board, E_die, E_board, e_die, e_board) -> float:
    """Timoshenko (1925) Eq. 4: curvature of a bilayer strip (1/mm), sign as in the module doc."""
    m = t_die / t_board
    n = E_die / E_board
    h = t_die + t_board
    return -6.0 * (e_die - e_board) * (1 + m) ** 2 / (
        h * (3 * (1 + m) ** 2 + (1 + m * n) * (m ** 2 + 1 / (m * n))))


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

    @property
    def error(self) -> float:
        return abs(self.curvature - self.target) / abs(self.target)


def run_bimetal(inputs: dict, kind: str, t_die: float, divisions, linear="auto",
                order: int = 2) -> BimetalResult:
    """One bilayer solve and its Timoshenko target."""
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
    target = timoshenko_curvature(t_die, t_board, E1, E2, e1, e2)
    return BimetalResult(kind, t_die, tuple(divisions), model.disc.n_dofs, fit["kappa_x"],
                         target, time.perf_counter() - t0)


# ----------------------------------------------------------------------------------------------
# registry and runner
# ----------------------------------------------------------------------------------------------
def validation_root() -> Path:
    """``validation/`` of the source tree (the current directory's, else the package's)."""
    here = Path.cwd() / "validation"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "validation"


def load_validation_case(name: str, root: Path | None = None) -> dict:
    root = root or validation_root()
    path = root / name / "case.toml"
    if not path.is_file():
        known = sorted(p.parent.name for p in root.glob("*/case.toml"))
        raise InputError(root, "validation case", name, f"one of {known}")
    spec = tomllib.loads(path.read_text())
    spec["path"] = str(path)
    return spec


def run_timoshenko_case(spec: dict, quick: bool = True, progress=None):
    """All kinds and die thicknesses of the bimetal case at every mesh level (finest level
    only with ``quick=False``). Returns the rows and whether the finest level passed."""
    say = progress or (lambda msg: None)
    inputs, mesh, target = spec["inputs"], spec["mesh"], spec["target"]
    rows = []
    ok = True
    for kind in inputs["kinds"]:
        levels = mesh[kind] if not quick else mesh[kind][: mesh.get("quick_levels", 2)]
        for t_die in inputs["die_thicknesses"]:
            for level, divisions in enumerate(levels):
                r = run_bimetal(inputs, kind, t_die, divisions)
                rows.append(r)
                say(f"{kind:13s} t_die={t_die:.2f} mm level {level} ({r.unknowns} unknowns): "
                    f"kappa={r.curvature:.6e} target={r.target:.6e} error={100 * r.error:.3f} % "
                    f"({r.seconds:.1f} s)")
            if not quick and rows[-1].error > target["tolerance"]:
                ok = False
    return rows, ok


CASE_TYPES = {"timoshenko_bimetal": run_timoshenko_case}


def run_validation(names=(), quick: bool = True, progress=None) -> bool:
    """Run the named validation cases (all by default); True when every target is met."""
    root = validation_root()
    names = list(names) or sorted(p.parent.name for p in root.glob("*/case.toml"))
    all_ok = True
    for name in names:
        spec = load_validation_case(name, root)
        runner = CASE_TYPES.get(spec.get("type"))
        if runner is None:
            raise InputError(spec["path"], "type", spec.get("type"), f"one of {list(CASE_TYPES)}")
        _, ok = runner(spec, quick=quick, progress=progress)
        verdict = "passed" if ok else "FAILED"
        if quick:
            verdict += " (coarse levels only; --full runs the finest meshes against the target)"
        print(f"{name}: {verdict}")
        all_ok &= ok
    return all_ok
