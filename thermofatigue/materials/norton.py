"""Norton power-law creep with an Arrhenius factor and isotropic elasticity, backward Euler.

Steady-state creep law (Norton, *The Creep of Steel at High Temperatures*, 1929; Arrhenius
form as in the COMSOL/ANSYS power-law creep options, COMSOL Multiphysics Reference Manual 6.0,
"Nonlinear Structural Materials Module" material-property table)::

    d eps_cr / dt = A (sigma / sigma_ref)^n exp(-Q/(R T))

``sigma`` the von Mises stress, ``T`` in kelvin. Constants (mapping keys): ``A`` (1/s),
``sigma_ref`` (MPa), ``n`` (stress exponent), ``Q_over_R`` (K).

Backward Euler at ``T_new`` with ``A_T = A exp(-Q/(R T_new))``, ``z = dp / (dt A_T)``::

    q_trial - 3 G dp - sigma_ref z^(1/n) = 0

solved in ``log dp`` by :func:`~thermofatigue.materials.j2.solve_viscous_return`;
``d dp / d q_trial = 1 / (3 G + (sigma_ref / n) z^(1/n) / dp)`` for the consistent tangent.
"""

from __future__ import annotations

import numpy as np

from thermofatigue.materials.j2 import (
    MAX_LOG,
    SteadyCreepModel,
    log_arrhenius,
)

__all__ = ["Norton", "NORTON_UNITS"]

NORTON_UNITS = {"A": "1/s", "sigma_ref": "MPa", "n": "dimensionless", "Q_over_R": "K"}


class Norton(SteadyCreepModel):
    """Norton power-law creep: ``Norton(params, youngs_modulus, poissons_ratio,
    thermal_strain, source="<inline>", field_prefix="")``."""

    units = NORTON_UNITS
    model_name = "norton"

    def _log_rate_factor(self, temperature):
        return log_arrhenius(self.A, self.Q_over_R, temperature)

    def _log_stress_function(self, equivalent_stress):
        """``n log(sigma / sigma_ref)``."""
        with np.errstate(divide="ignore"):
            return self.n * np.log(equivalent_stress / self.sigma_ref)

    def _log_lower(self, q, G, log_dt_rate):
        # sigma_ref z^(1/n) <= q/2 (with dp <= q/(6G)) gives a non-negative residual
        return log_dt_rate + self.n * np.log(0.5 * q / self.sigma_ref)

    def _flow_stress_of(self, log_z):
        """``g = sigma_ref z^(1/n)`` and ``dg/d log z = g / n``."""
        g = self.sigma_ref * np.exp(np.minimum(log_z / self.n, MAX_LOG))
        return g, g / self.n
