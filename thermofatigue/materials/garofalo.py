"""Hyperbolic-sine (Garofalo) creep with isotropic elasticity, backward Euler.

Steady-state creep law (Garofalo, *Fundamentals of Creep and Creep-Rupture in Metals*,
1965; the ANSYS ``TB,CREEP`` implicit form 8 used for solders, e.g. Schubert et al.,
ECTC 2003)::

    d eps_cr / dt = C1 [sinh(C2 sigma)]^C3 exp(-C4 / T)

``sigma`` the von Mises stress (MPa), ``T`` in kelvin. Constants (mapping keys): ``C1``
(1/s), ``C2`` (1/MPa), ``C3`` (stress exponent), ``C4`` (= Q/R, K). It is the Anand flow
rule at frozen deformation resistance (``C1 = A``, ``C2 = xi/s``, ``C3 = 1/m``,
``C4 = Q/R``; reference data DATA.md Sec. 1.1).

Backward Euler over a step ``dt`` at ``T_new``, ``A_T = C1 exp(-C4/T_new)``,
``z = dp / (dt A_T)``; the flow rule is solved in its inverted, overflow-free form::

    q_trial - 3 G dp - asinh(z^(1/C3)) / C2 = 0

by the bracketed Newton of :func:`~thermofatigue.materials.j2.solve_viscous_return`, and
the consistent tangent uses ``d dp / d q_trial = 1 / (3 G + dg/d dp)``.
"""

from __future__ import annotations

import numpy as np

from thermofatigue.materials.j2 import (
    MAX_LOG,
    J2Model,
    asinh_of_exp,
    log_sinh,
    log_arrhenius,
    solve_viscous_return,
)

__all__ = ["Garofalo", "GAROFALO_UNITS"]

GAROFALO_UNITS = {"C1": "1/s", "C2": "1/MPa", "C3": "dimensionless", "C4": "K"}


class Garofalo(J2Model):
    """Garofalo hyperbolic-sine creep: ``Garofalo(params, youngs_modulus, poissons_ratio,
    thermal_strain, source="<inline>", field_prefix="")``."""

    units = GAROFALO_UNITS
    model_name = "garofalo"

    def _log_rate_factor(self, temperature):
        return log_arrhenius(self.C1, self.C4, temperature)

    def creep_rate(self, equivalent_stress, temperature):
        """``C1 sinh(C2 sigma)^C3 exp(-C4/T)`` (1/s); log-sinh form, exponent clipped at
        ``MAX_LOG``."""
        log_rate = (self._log_rate_factor(temperature)
                    + self.C3 * log_sinh(self.C2 * np.asarray(equivalent_stress, dtype=float)))
        return np.exp(np.minimum(log_rate, MAX_LOG))

    def _return(self, q_trial, G, T_new, dt, state):
        dp = np.zeros_like(q_trial)
        ddp_dq = np.zeros_like(q_trial)
        flowing = np.flatnonzero((q_trial > 0.0) & (dt > 0.0))
        if flowing.size == 0:
            return dp, ddp_dq, {}
        q, Gf = q_trial[flowing], G[flowing]
        log_dt_rate = np.log(dt[flowing]) + self._log_rate_factor(T_new[flowing])
        C2, C3 = self.C2, self.C3
        # dp <= q/(6G) and z <= min(1, (C2 q / 2)^C3) give a non-negative residual
        log_lower = np.minimum(np.log(q / (6.0 * Gf)),
                               log_dt_rate + np.minimum(0.0, C3 * np.log(0.5 * C2 * q)))
        log_guess = log_dt_rate + C3 * log_sinh(C2 * q)

        def flow_stress(log_dp, index):
            log_w = (log_dp - log_dt_rate[index]) / C3
            w_ratio = np.exp(log_w - 0.5 * np.logaddexp(0.0, 2.0 * log_w))
            return asinh_of_exp(log_w) / C2, w_ratio / (C2 * C3)

        dp[flowing], ddp_dq[flowing], _ = solve_viscous_return(q, Gf, log_lower, log_guess,
                                                               flow_stress)
        return dp, ddp_dq, {}
