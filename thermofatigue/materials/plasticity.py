"""Rate-independent J2 plasticity with linear isotropic hardening (copper pads, traces).

Yield function and hardening (von Mises; e.g. Simo & Hughes, *Computational Inelasticity*,
1998, Box 3.2)::

    f = q - (sigma_y + H p) <= 0,       dp >= 0,  f dp = 0

``q`` the von Mises stress, ``p`` the equivalent plastic strain. Constants (mapping keys):
``yield_stress`` ``sigma_y`` (MPa, > 0) and ``hardening_modulus`` ``H`` (MPa, >= 0; zero
gives perfect plasticity). Radial return (closed form for linear hardening)::

    dp = max(q_trial - sigma_y - H p_old, 0) / (3 G + H),   d dp / d q_trial = 1 / (3 G + H)

The step duration does not enter (``dt = 0`` is allowed).
"""

from __future__ import annotations

import numpy as np

from thermofatigue.materials.j2 import J2Model

__all__ = ["J2Plasticity", "PLASTICITY_UNITS"]

PLASTICITY_UNITS = {"yield_stress": "MPa", "hardening_modulus": "MPa"}


class J2Plasticity(J2Model):
    """Rate-independent von Mises plasticity with linear isotropic hardening:
    ``J2Plasticity(params, youngs_modulus, poissons_ratio, thermal_strain,
    source="<inline>", field_prefix="")``."""

    units = PLASTICITY_UNITS
    allow_zero = ("hardening_modulus",)
    model_name = "plasticity"

    def flow_stress(self, equivalent_plastic_strain):
        """Current yield stress ``sigma_y + H p`` (MPa)."""
        return self.yield_stress + self.hardening_modulus * np.asarray(equivalent_plastic_strain)

    def _return(self, q_trial, G, T_new, dt, state, guess=None):
        H = self.hardening_modulus
        overstress = q_trial - self.flow_stress(state["equivalent_inelastic_strain"])
        plastic = overstress > 0.0
        dp = np.where(plastic, overstress, 0.0) / (3.0 * G + H)
        ddp_dq = np.where(plastic, 1.0 / (3.0 * G + H), 0.0)
        return dp, ddp_dq, {}
