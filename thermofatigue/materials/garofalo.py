"""Hyperbolic-sine (Garofalo) creep with isotropic elasticity, backward Euler.

Steady-state creep law (Garofalo, *Fundamentals of Creep and Creep-Rupture in Metals*,
1965; the ANSYS ``TB,CREEP`` implicit form 8 used for solders, e.g. Schubert et al.,
ECTC 2003)::

    d eps_cr / dt = C1 [sinh(C2 sigma)]^C3 exp(-C4 / T)

``sigma`` the von Mises stress (MPa), ``T`` in kelvin. Constants (mapping keys): ``C1``
(1/s), ``C2`` (1/MPa), ``C3`` (stress exponent), ``C4`` (= Q/R, K). It is the Anand flow
rule at frozen deformation resistance (``C1 = A``, ``C2 = xi/s``, ``C3 = 1/m``,
``C4 = Q/R``; ANSYS training notes on rate-dependent plasticity, as copied at
blog.csdn.net/weixin_39825854/article/details/111539346).

Backward Euler over a step ``dt`` at ``T_new``, ``A_T = C1 exp(-C4/T_new)``,
``z = dp / (dt A_T)``; the flow rule is solved in its inverted, overflow-free form::

    q_trial - 3 G dp - asinh(z^(1/C3)) / C2 = 0

by the bracketed Newton of :func:`~thermofatigue.materials.j2.solve_viscous_return`, and
the consistent tangent uses ``d dp / d q_trial = 1 / (3 G + dg/d dp)``.
"""

from __future__ import annotations

import numpy as np

from thermofatigue.materials.j2 import (
    SteadyCreepModel,
    asinh_of_exp,
    log_sinh,
    log_arrhenius,
)

__all__ = ["Garofalo", "GAROFALO_UNITS"]

GAROFALO_UNITS = {"C1": "1/s", "C2": "1/MPa", "C3": "dimensionless", "C4": "K"}


class Garofalo(SteadyCreepModel):
    """Garofalo hyperbolic-sine creep: ``Garofalo(params, youngs_modulus, poissons_ratio,
    thermal_strain, source="<inline>", field_prefix="")``."""

    units = GAROFALO_UNITS
    model_name = "garofalo"

    def _log_rate_factor(self, temperature):
        return log_arrhenius(self.C1, self.C4, temperature)

    def _log_stress_function(self, equivalent_stress):
        """``log sinh(C2 sigma)^C3`` (overflow-free)."""
        return self.C3 * log_sinh(self.C2 * equivalent_stress)

    def _log_lower(self, q, G, log_dt_rate):
        # z <= min(1, (C2 q / 2)^C3) (with dp <= q/(6G)) gives a non-negative residual
        return log_dt_rate + np.minimum(0.0, self.C3 * np.log(0.5 * self.C2 * q))

    def _flow_stress_of(self, log_z):
        """``g = asinh(z^(1/C3)) / C2`` and ``dg/d log z`` (overflow-free)."""
        log_w = log_z / self.C3
        w_ratio = np.exp(log_w - 0.5 * np.logaddexp(0.0, 2.0 * log_w))
        return asinh_of_exp(log_w) / self.C2, w_ratio / (self.C2 * self.C3)
