"""Norton power-law creep with an Arrhenius factor and isotropic elasticity, backward Euler.

Steady-state creep law (Norton, *The Creep of Steel at High Temperatures*, 1929; Arrhenius
form as in the COMSOL/ANSYS power-law creep options, reference data DATA.md Sec. 2.1)::

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
    J2Model,
    log_arrhenius,
    solve_viscous_return,
)

__all__ = ["Norton", "NORTON_UNITS"]

NORTON_UNITS = {"A": "1/s", "sigma_ref": "MPa", "n": "dimensionless", "Q_over_R": "K"}


class Norton(J2Model):
    """Norton power-law creep: ``Norton(params, youngs_modulus, poissons_ratio,
    thermal_strain, source="<inline>", field_prefix="")``."""

    units = NORTON_UNITS
    model_name = "norton"

    def _log_rate_factor(self, temperature):
        return log_arrhenius(self.A, self.Q_over_R, temperature)

    def creep_rate(self, equivalent_stress, temperature):
        """``A (sigma/sigma_ref)^n exp(-Q/RT)`` (1/s), exponent clipped at ``MAX_LOG``."""
        sigma = np.asarray(equivalent_stress, dtype=float)
        with np.errstate(divide="ignore"):
            log_rate = self._log_rate_factor(temperature) + self.n * np.log(sigma / self.sigma_ref)
        return np.exp(np.minimum(log_rate, MAX_LOG))

    def _return(self, q_trial, G, T_new, dt, state):
        dp = np.zeros_like(q_trial)
        ddp_dq = np.zeros_like(q_trial)
        flowing = np.flatnonzero((q_trial > 0.0) & (dt > 0.0))
        if flowing.size == 0:
            return dp, ddp_dq, {}
        q, Gf = q_trial[flowing], G[flowing]
        log_dt_rate = np.log(dt[flowing]) + self._log_rate_factor(T_new[flowing])
        n, sigma_ref = self.n, self.sigma_ref
        # dp <= q/(6G) and sigma_ref z^(1/n) <= q/2 give a non-negative residual
        log_lower = np.minimum(np.log(q / (6.0 * Gf)),
                               log_dt_rate + n * np.log(0.5 * q / sigma_ref))
        log_guess = log_dt_rate + n * np.log(q / sigma_ref)

        def flow_stress(log_dp, index):
            g = sigma_ref * np.exp(np.minimum((log_dp - log_dt_rate[index]) / n, MAX_LOG))
            return g, g / n

        dp[flowing], ddp_dq[flowing], _ = solve_viscous_return(q, Gf, log_lower, log_guess,
                                                               flow_stress)
        return dp, ddp_dq, {}
