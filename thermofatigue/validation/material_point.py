"""Material-point drivers: a constitutive model stepped through a load history without a mesh.

Strain components are in Voigt order ``xx, yy, zz, yz, xz, xy`` with engineering shears. The
drivers prescribe, per step, some strain increments and the stresses of the other components
(mixed control) and solve for the free strain increments by Newton with the model's
consistent tangent; they are vectorised over any number of points.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConvergenceError
from ..materials import INELASTIC_MODELS, constitutive_model, get_material

UNIAXIAL_X = np.array([False, True, True, True, True, True])   # stress-controlled components
ALL = np.ones(6, dtype=bool)


def isothermal_model(material: str, name: str = "anand", time_integration: str = "bdf2"):
    """The library ``material``'s model ``name`` (elasticity from the same entry) without
    thermal strain: the isothermal material-point tests hold each point at its own
    temperature from the start. ``time_integration``: the flow rule's (``bdf2`` or
    ``backward_euler``, :mod:`thermofatigue.materials.j2`)."""
    entry = get_material(material, field="inputs.material")
    elastic = constitutive_model(entry, "elastic", 25.0, "3d")
    params = entry.parameters(name)
    return INELASTIC_MODELS[name](params, elastic.youngs_modulus, elastic.poissons_ratio,
                                  lambda T: np.zeros(np.shape(T)), source="<validation>",
                                  field_prefix="inputs.material.",
                                  time_integration=time_integration)


def mixed_step(model, strain_increment, stress_target, stress_controlled, T, dt, state,
               tolerance=1e-11, max_iterations=50):
    """One step in which the components where ``stress_controlled`` is True reach
    ``stress_target`` and the others take the given ``strain_increment``.

    Newton on the free strain increments with the model's tangent, to
    ``|residual| <= tolerance (1 + max |stress|)``. Returns ``(stress, new_state, d_eps)``.
    """
    d_eps = np.array(strain_increment, dtype=float)
    target = np.broadcast_to(np.asarray(stress_target, dtype=float), d_eps.shape)
    free = np.flatnonzero(stress_controlled)
    for _ in range(max_iterations):
        stress, tangent, new_state = model.update(d_eps, T, T, dt, state)
        residual = (stress - target)[..., free]
        scale = 1.0 + np.abs(stress).max()
        if np.all(np.abs(residual) <= tolerance * scale):
            return stress, new_state, d_eps
        jacobian = tangent[..., free, :][..., :, free]
        d_eps[..., free] -= np.linalg.solve(jacobian, residual[..., None])[..., 0]
    raise ConvergenceError("material-point driver: stresses not reached in "
                           f"{max_iterations} iterations")


def uniaxial_strain_path(model, axial_strains, T, times, shape=()):
    """Uniaxial stress along x through the total axial strains ``axial_strains[k]`` at times
    ``times[k]`` (the other five stresses held at zero). Returns the axial stresses, lateral
    strains and states after each step (lists)."""
    state = model.initial_state(shape)
    stresses, lateral, states = [], [], []
    guess = np.zeros(shape + (6,))
    for k in range(1, len(axial_strains)):
        d_eps = guess.copy()
        d_eps[..., 0] = axial_strains[k] - axial_strains[k - 1]
        stress, state, d_eps = mixed_step(model, d_eps, 0.0, UNIAXIAL_X, T,
                                          times[k] - times[k - 1], state)
        guess = d_eps
        stresses.append(stress[..., 0])
        lateral.append(state["strain"][..., 1])
        states.append(state)
    return stresses, lateral, states


def shear_at_inelastic_rate(model, inelastic_increment, T, dt, state, guess,
                            tolerance=1e-10, max_iterations=80):
    """One pure-shear (``gamma_xy``) step whose equivalent inelastic strain increment is
    ``inelastic_increment``: the shear strain increment is found by safeguarded Newton.

    In pure shear of a J2 model ``tau = G (gamma - sqrt(3) p)``, so with the model's tangent
    ``d tau / d gamma`` the increment ``dp`` changes with the shear strain increment as
    ``d dp / d gamma = (1 - (d tau / d gamma) / G) / sqrt(3)`` (increasing while the shear
    stress stays positive; the search keeps the increment in ``[0, upper bracket]``). Returns
    ``(shear stress, new_state, shear strain increment)``.
    """
    target = np.asarray(inelastic_increment, dtype=float)
    G = model.elastic_moduli(np.asarray(T, dtype=float))[0]
    x = np.array(guess, dtype=float)
    lower = np.zeros(x.shape)   # loading: no inelastic flow needs a negative increment
    upper = np.full(x.shape, np.inf)
    d_eps = np.zeros(x.shape + (6,))
    for _ in range(max_iterations):
        d_eps[..., 5] = x
        stress, tangent, new_state = model.update(d_eps, T, T, dt, state)
        dp = new_state["equivalent_inelastic_strain"] - state["equivalent_inelastic_strain"]
        miss = dp - target
        if np.all(np.abs(miss) <= tolerance * target):
            return stress[..., 5], new_state, x
        lower = np.where(miss < 0, np.maximum(lower, x), lower)
        upper = np.where(miss > 0, np.minimum(upper, x), upper)
        slope = (1.0 - tangent[..., 5, 5] / G) / np.sqrt(3.0)
        newton = x - miss / np.maximum(slope, 1e-300)
        bracketed = np.isfinite(lower) & np.isfinite(upper)
        outside = ~np.isfinite(newton) | (newton <= lower) | (newton >= upper)
        bisection = np.where(bracketed, 0.5 * (lower + upper), 2.0 * x + np.sqrt(3.0) * target)
        x = np.where(outside, bisection, newton)
    raise ConvergenceError("material-point driver: inelastic increment not reached in "
                           f"{max_iterations} iterations")
