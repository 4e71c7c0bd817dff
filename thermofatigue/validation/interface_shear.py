"""Interfacial shear stress of a bonded strip: the shear-lag solution.

Two layers bonded by a thin, compliant adhesive and cooled from the stress-free temperature
transfer their thermal mismatch through the adhesive's shear over a length ``1/k`` from the
free ends. With the layers in uniform axial stress through their thickness (effective moduli
``E1``, ``E2``, thicknesses ``t1``, ``t2``, free thermal strains ``e1``, ``e2``) and the
adhesive in pure shear (modulus ``G_a``, thickness ``h``), equilibrium ``dN1/dx = tau`` and
``tau = G_a (u1 - u2) / h`` give for a strip of half-length ``L``::

    N1(x)  = -((e1 - e2) / lambda) [1 - cosh(k x) / cosh(k L)]
    tau(x) = -((e1 - e2) / lambda) k sinh(k x) / cosh(k L)
    lambda = 1/(E1 t1) + 1/(E2 t2),        k^2 = lambda G_a / h

(the shear-lag analysis of bonded joints, O. Volkersen, Luftfahrtforschung 15:41-47, 1938,
applied to a thermal mismatch, e.g. W.T. Chen & C.W. Nelson, "Thermal stress in bonded joints",
IBM J. Res. Dev. 23(2):179-188, 1979; E. Suhir, "Interfacial stresses in bimetal thermostats",
J. Appl. Mech. 56(3):595-600, 1989, adds the layers' own shear compliance ``t/(3G)`` to
``h/G_a``). A layer bonded on one face only would also bend; the case bonds the outer layer
on both faces of the core (symmetric, the half model has ``t2`` = half the core), so there is
no bending and the solution above is the whole of it. It holds where the layers are thin
compared with ``1/k`` (its error is of order ``(k t)^2``) and away from the free edge by a
few adhesive thicknesses (the exact elastic shear vanishes at the free edge itself).
"""

from __future__ import annotations

import numpy as np
import skfem

from ..fem.newton import EquilibriumSolver
from ..materials import constitutive_model, get_material
from ..mesh import TaggedMesh
from ..model import Model
from .bimetal import effective_layer
from .registry import Measurement, case_type


def shear_lag(e1, e2, E1, E2, t1, t2, G_a, h, L):
    """``(k, N1(x), tau(x))`` of the symmetric bonded strip (callables of ``x``)."""
    lam = 1.0 / (E1 * t1) + 1.0 / (E2 * t2)
    k = np.sqrt(lam * G_a / h)
    scale = (e1 - e2) / lam

    def force(x):
        return -scale * (1.0 - np.cosh(k * np.asarray(x)) / np.cosh(k * L))

    def shear(x):
        return -scale * k * np.sinh(k * np.asarray(x)) / np.cosh(k * L)

    return k, force, shear


def trilayer_mesh(inputs: dict, divisions) -> TaggedMesh:
    """Half of the symmetric strip in plane strain: core half (``y`` from the mid-plane),
    adhesive, outer layer; ``divisions = (n_x, n_core, n_adhesive, n_outer)``, the ``x``
    spacing refined quadratically towards the free edge ``x = L``."""
    n_x, n_core, n_adh, n_outer = divisions
    L, tc, h, t1 = (inputs["half_length"], inputs["core_half_thickness"],
                    inputs["adhesive_thickness"], inputs["outer_thickness"])
    s = np.linspace(0.0, 1.0, n_x + 1)
    x = L * (1.0 - (1.0 - s) ** 2)
    y = np.concatenate([np.linspace(0.0, tc, n_core + 1),
                        np.linspace(tc, tc + h, n_adh + 1)[1:],
                        np.linspace(tc + h, tc + h + t1, n_outer + 1)[1:]])
    mesh = skfem.MeshTri.init_tensor(x, y)
    centre = mesh.p[1, mesh.t].mean(axis=0)
    regions = {"core": np.flatnonzero(centre < tc),
               "adhesive": np.flatnonzero((centre > tc) & (centre < tc + h)),
               "outer": np.flatnonzero(centre > tc + h)}
    boundaries = {"sym_x": mesh.facets_satisfying(lambda p: np.isclose(p[0], 0.0)),
                  "mid_plane": mesh.facets_satisfying(lambda p: np.isclose(p[1], 0.0))}
    return TaggedMesh(mesh, regions, boundaries, source="trilayer")


def band_average(values, weights, coordinate, centre, half_width):
    """Quadrature-weighted mean of ``values`` where ``|coordinate - centre| < half_width``."""
    inside = np.abs(coordinate - centre) < half_width
    return float((values[inside] * weights[inside]).sum() / weights[inside].sum())


@case_type("shear_lag_interface")
def interface_shear_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """FE of the symmetric strip at the level's mesh: the outer layer's axial force at the
    centre, the decay rate of the adhesive shear fitted over ``inputs.fit_range`` decay
    lengths from the edge, and the shear one decay length from the edge, against shear lag."""
    inputs = spec["inputs"]
    T_ref, T = inputs["stress_free_temperature"], inputs["temperature"]
    source = spec.get("path", "<validation>")
    models = {name: constitutive_model(
        get_material(inputs[key], source=source, field=f"inputs.{key}"), "elastic", T_ref,
        "plane_strain") for name, key in (("core", "core"), ("adhesive", "adhesive"),
                                          ("outer", "outer"))}
    tagged = trilayer_mesh(inputs, level["divisions"])
    model = Model(tagged, "plane_strain", models, {"sym_x": "symmetry", "mid_plane": "symmetry"})
    solver = EquilibriumSolver(model, linear="direct")
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, T_ref, T, 0.0)
    fields = solver.group_fields(result.u, model.temperature_at_quadrature(T), {},
                                 model.initial_state())

    E1, e1 = effective_layer(models["outer"], T, "plane_strain")
    E2, e2 = effective_layer(models["core"], T, "plane_strain")
    E_a, nu_a = (float(f(np.array(T))) for f in (models["adhesive"].youngs_modulus,
                                                  models["adhesive"].poissons_ratio))
    L, h = inputs["half_length"], inputs["adhesive_thickness"]
    t1, t2 = inputs["outer_thickness"], inputs["core_half_thickness"]
    k, force, shear = shear_lag(e1, e2, E1, E2, t1, t2, E_a / (2.0 * (1.0 + nu_a)), h, L)

    points, weights = model.disc.points, model.disc.weights
    outer, adhesive = (tagged.regions[n] for n in ("outer", "adhesive"))
    band = level["band"]
    N0 = t1 * band_average(fields["outer"]["stress"][..., 0], weights[outer],
                           points[outer][..., 0], 0.0, level["centre_band"])
    x_fit = L - np.linspace(inputs["fit_range"][1], inputs["fit_range"][0], 9) / k
    tau = np.array([band_average(fields["adhesive"]["stress"][..., 5], weights[adhesive],
                                 points[adhesive][..., 0], x, band) for x in x_fit])
    k_fit = float(np.polyfit(x_fit, np.log(np.abs(tau)), 1)[0])  # sinh(k x) ~ exp(k x) / 2
    x_1 = L - 1.0 / k
    tau_1 = band_average(fields["adhesive"]["stress"][..., 5], weights[adhesive],
                         points[adhesive][..., 0], x_1, band)
    if progress:
        progress(f"  {model.disc.n_dofs} unknowns: N(0) = {N0:.5g} N/mm, k = {k_fit:.5g} 1/mm, "
                 f"tau(L - 1/k) = {tau_1:.5g} MPa")
    return [Measurement("outer-layer force at the centre N(0)", N0, float(force(0.0)),
                        "force"),
            Measurement("decay rate k of the interface shear (fit)", k_fit, float(k),
                        "decay_rate"),
            Measurement("|interface shear| one decay length from the edge", abs(tau_1),
                        abs(float(shear(x_1))), "shear")]
