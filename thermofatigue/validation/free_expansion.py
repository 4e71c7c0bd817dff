"""Free thermal expansion of a homogeneous, unconstrained body under a uniform temperature.

A body free of tractions and constraints (rigid-body modes only pinned) expands without stress:
``u = eps_th (x - x0)`` with ``eps_th = alpha (T - T_ref)`` for a constant CTE, in 3D, in a
generalized-plane-strain slice (the out-of-plane strain ``e0`` is free: ``e0 = eps_th``) and in
axisymmetry (``u_r = eps_th r``, hoop strain ``u_r / r = eps_th``). In plane strain the
out-of-plane strain is held at zero, so the body carries ``sigma_zz = -E eps_th`` and, with
``sigma_xx = sigma_yy = 0``, expands in plane by ``(1 + nu) eps_th`` (``eps_zz = 0`` gives
``sigma_zz = -E eps_th``, then ``eps_xx = eps_th - nu sigma_zz / E``). A uniform thermal strain is compatible, so these are
the exact solutions (S. Timoshenko & J.N. Goodier, Theory of Elasticity, 3rd ed., McGraw-Hill
1970, Ch. 13 on thermal stress); their displacements are linear, so any mesh and element order
reproduces them and the FE answer must equal them to round-off.
"""

from __future__ import annotations

import numpy as np
import skfem

from ..errors import InputError
from ..fem.newton import EquilibriumSolver
from ..materials import constitutive_model, get_material
from ..mesh import TaggedMesh
from ..model import Model
from .registry import Measurement, case_type

CELLS = {("tri", 2): skfem.MeshTri, ("quad", 2): skfem.MeshQuad,
         ("tet", 3): skfem.MeshTet, ("hex", 3): skfem.MeshHex}


def box(kind: str, cell: str, divisions: int, size) -> TaggedMesh:
    """A structured box (3D) or rectangle (2D kinds; ``x`` = radius in axisymmetry) of one
    region ``body``."""
    dim = 3 if kind == "3d" else 2
    if (cell, dim) not in CELLS:
        raise InputError("<validation>", "level.cell", cell, f"a {dim}D cell of {list(CELLS)}")
    axes = [np.linspace(0.0, s, divisions + 1) for s in size[:dim]]
    mesh = CELLS[(cell, dim)].init_tensor(*axes)
    return TaggedMesh(mesh, {"body": np.arange(mesh.t.shape[1])})


def expected_strains(kind: str, eps_th: float, nu: float) -> np.ndarray:
    """Displacement gradient ``du_i/dx_i`` of the exact solution, per in-model axis."""
    if kind == "plane_strain":
        return np.array([(1.0 + nu) * eps_th] * 2)
    return np.array([eps_th] * (3 if kind == "3d" else 2))


def solve_free_body(inputs: dict, kind: str, level: dict):
    """Solve the free body; returns ``(model, u without rigid motion, stress, material)``."""
    T_ref, T = inputs["stress_free_temperature"], inputs["temperature"]
    material = get_material(inputs["material"], source=inputs.get("source", "<validation>"),
                            field="inputs.material")
    elastic = constitutive_model(material, "elastic", T_ref, kind)
    tagged = box(kind, level["cell"], level["divisions"], inputs["size"])
    model = Model(tagged, kind, {"body": elastic}, order=level.get("order", 2))
    solver = EquilibriumSolver(model, linear="direct")
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, T_ref, T, 0.0)
    u = model.constraints.remove_rigid_motion(result.u)
    fields = solver.group_fields(u, model.temperature_at_quadrature(T), {}, model.initial_state())
    return model, u, fields["body"]["stress"], material


def constant_cte_strain(material, inputs: dict) -> tuple[float, float, float]:
    """``alpha (T - T_ref)``, ``E`` and ``nu`` read from the library entry (constant CTE)."""
    cte = material.properties["cte"]
    if not cte.alpha.is_constant:
        raise InputError(inputs.get("material"), "cte", "temperature dependent",
                         "a material with a constant CTE for this closed form")
    T_ref, T = inputs["stress_free_temperature"], inputs["temperature"]
    alpha = float(cte(np.array(T_ref)))
    E = float(material.properties["E"](np.array(T)))
    nu = float(material.properties["nu"](np.array(T)))
    return alpha * (T - T_ref), E, nu


@case_type("free_thermal_expansion")
def free_expansion_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Displacement gradient, field error and stresses of the free body of kind
    ``inputs.kind`` against the exact stress-free (plane strain: sigma_zz) solution."""
    inputs = spec["inputs"]
    kind = inputs["kind"]
    model, u, stress, material = solve_free_body(inputs, kind, level)
    eps_th, E, nu = constant_cte_strain(material, inputs)
    x = model.disc.node_coordinates
    U = model.disc.nodal_values(u)
    gradient = expected_strains(kind, eps_th, nu)
    centred = x - x.mean(axis=0)
    if kind == "axisymmetric":
        centred[:, 0] = x[:, 0]          # u_r = eps r: no free radial translation
    expected = centred * gradient
    offset = (U - expected).mean(axis=0)
    if kind == "axisymmetric":
        offset[0] = 0.0
    length = float(np.max(inputs["size"][: x.shape[1]]))
    field_error = np.abs(U - expected - offset).max() / (abs(eps_th) * length)
    slope = np.polyfit(x[:, 0], U[:, 0], 1)[0]
    if progress:
        progress(f"  {kind}, {level['cell']} P{level.get('order', 2)}, "
                 f"{model.disc.n_dofs} unknowns: du_x/dx = {slope:.9e}")
    scale = E * abs(eps_th)
    label = "du_r/dr" if kind == "axisymmetric" else "du_x/dx"
    out = [Measurement(f"{label} (least-squares slope)", slope, gradient[0], "gradient"),
           Measurement("max |u - u_exact| / (|eps_th| L)", field_error, 0.0, "field")]
    if kind == "plane_strain":
        in_plane = np.abs(stress[..., [0, 1, 3, 4, 5]]).max() / scale
        worst = stress[..., 2].flat[np.argmax(np.abs(stress[..., 2] + E * eps_th))]
        out += [Measurement("max |in-plane stress| / (E |eps_th|)", in_plane, 0.0, "stress"),
                Measurement("sigma_zz (worst point)", float(worst), -E * eps_th, "sigma_zz")]
    else:
        out.append(Measurement("max |stress| / (E |eps_th|)", np.abs(stress).max() / scale, 0.0,
                               "stress"))
    if kind == "generalized_plane_strain":
        e0 = float(u[-2])  # the slice's out-of-plane strain unknown (its last two: e0, kappa)
        out.append(Measurement("out-of-plane strain e0", e0, eps_th, "e0"))
    return out
