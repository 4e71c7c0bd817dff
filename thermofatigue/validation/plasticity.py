"""Rate-independent J2 plasticity with linear isotropic hardening in a uniaxial test.

Yield condition ``sigma_vm = sigma_y + H p`` (von Mises, linear isotropic hardening; e.g.
J.C. Simo & T.J.R. Hughes, Computational Inelasticity, Springer 1998, Sect. 2.2 (1D) and
Box 3.2). In uniaxial stress (Young's modulus ``E``, Poisson's ratio ``nu``), loading past
yield to the total strain ``eps_1``::

    sigma_1 = (sigma_y + H eps_1) E / (E + H),        p_1 = eps_1 - sigma_1 / E
    lateral strain  eps_yy = -nu sigma_1 / E - p_1 / 2          (plastic incompressibility)

then reversing to ``eps_2 < 0``: elastic until the compressive yield ``-(sigma_y + H p_1)``
(isotropic hardening: the elastic range grows to ``2 (sigma_y + H p_1)``), then::

    sigma_2 = -(sigma_y + H (2 p_1 - eps_2)) E / (E + H),    p_2 = 2 p_1 - eps_2 + sigma_2 / E

The radial return is exact for linear hardening under a fixed stress direction, whatever the
step size: the model must reproduce these to the driver's solver tolerance.
"""

from __future__ import annotations

import numpy as np

from ..materials import get_material
from .material_point import isothermal_model, uniaxial_strain_path
from .registry import Measurement, case_type


def closed_form(E, nu, sigma_y, H, eps_1, eps_2) -> dict:
    """Stresses, plastic strains and lateral strain of the tension-compression test."""
    sigma_1 = (sigma_y + H * eps_1) * E / (E + H)
    p_1 = eps_1 - sigma_1 / E
    sigma_2 = -(sigma_y + H * (2.0 * p_1 - eps_2)) * E / (E + H)
    return {"sigma_1": sigma_1, "p_1": p_1, "lateral_1": -nu * sigma_1 / E - 0.5 * p_1,
            "sigma_2": sigma_2, "p_2": 2.0 * p_1 - eps_2 + sigma_2 / E}


@case_type("uniaxial_plasticity")
def uniaxial_plasticity_case(spec: dict, level: dict, progress=None) -> list[Measurement]:
    """Uniaxial tension to ``eps_1`` and compression to ``eps_2`` in ``level.steps`` equal
    steps each way, at ``inputs.temperature``, against the closed form."""
    inputs = spec["inputs"]
    material = get_material(inputs["material"], field="inputs.material")
    c = material.parameters("plasticity")
    T = inputs["temperature"]
    E = float(material.properties["E"](np.array(T)))
    nu = float(material.properties["nu"](np.array(T)))
    eps_1, eps_2, n = inputs["peak_strain"], inputs["reverse_strain"], level["steps"]
    path = np.concatenate([np.linspace(0.0, eps_1, n + 1), np.linspace(eps_1, eps_2, n + 1)[1:]])
    model = isothermal_model(inputs["material"], "plasticity")
    stresses, lateral, states = uniaxial_strain_path(model, path, T,
                                                    np.arange(path.size, dtype=float))
    stresses = np.array(stresses)
    exact = closed_form(E, nu, c["yield_stress"], c["hardening_modulus"], eps_1, eps_2)
    p = np.array([st["equivalent_inelastic_strain"] for st in states])
    if progress:
        progress(f"  sigma = {stresses[n - 1]:.6g} MPa at eps = {eps_1:g}, "
                 f"{stresses[-1]:.6g} MPa at eps = {eps_2:g}")
    return [
        Measurement(f"stress at eps = {eps_1:g}", stresses[n - 1], exact["sigma_1"], "closed_form"),
        Measurement(f"plastic strain at eps = {eps_1:g}", p[n - 1], exact["p_1"], "closed_form"),
        Measurement(f"lateral strain at eps = {eps_1:g}", lateral[n - 1], exact["lateral_1"],
                    "closed_form"),
        Measurement(f"stress at eps = {eps_2:g} after reversal", stresses[-1], exact["sigma_2"],
                    "closed_form"),
        Measurement(f"accumulated plastic strain at eps = {eps_2:g}", p[-1], exact["p_2"],
                    "closed_form"),
    ]
