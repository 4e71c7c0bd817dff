"""Small-strain J2 (von Mises) machinery shared by the inelastic models.

Conventions (see ``docs/architecture.md``): Voigt order ``xx, yy, zz, yz, xz, xy``;
stress vectors hold tensor components, strain vectors hold **engineering** shear
(``gamma = 2 eps``). Every array is shaped ``(..., 6)`` for a Voigt vector and
``(..., 6, 6)`` for a tangent, with ``...`` = ``(n_elements, n_quadrature)`` in the solver.

Isotropic elasticity with shear modulus ``G`` and bulk modulus ``K``::

    sigma = K tr(eps_e) I + 2 G dev(eps_e)

Von Mises equivalent stress and the flow direction (tensor components)::

    q = sqrt(3/2 s:s),      N = 3/2 s / q,      N:N = 3/2

Backward-Euler radial return (Simo & Hughes, *Computational Inelasticity*, 1998, Sec. 3.3;
de Souza Neto, Peric & Owen, *Computational Methods for Plasticity*, 2008, Sec. 7.3).
The elastic predictor is evaluated in total form with the moduli at the end of the step::

    sigma_trial = C(T_new) (eps_new - eps_th(T_new) I - eps_in_old)
    s           = s_trial (1 - 3 G dp / q_trial),     q = q_trial - 3 G dp
    d eps_in    = dp N   (Voigt: shear slots doubled to engineering strain)

where the scalar increment ``dp`` of equivalent inelastic strain solves the model's own
scalar equation. If the model also gives ``h = d dp / d q_trial`` (the exact linearisation
of its local problem, with the state at the start of the step held fixed), the consistent
tangent is::

    D = C - 6 G^2 (dp / q_trial) I_dev + 4 G^2 (dp / q_trial - h) N (x) N

(de Souza Neto et al. 2008, Eq. 7.120 for ``h = 1 / (3 G + H)``, generalised to any
scalar return by the chain rule ``d dp = h d q_trial``, ``d q_trial = 2 G N : d eps``).

Rate-dependent models (``multistep = True``: Anand, Norton, Garofalo) integrate the flow rule
by default with the variable-step two-step backward differentiation formula (BDF2; Hairer &
Wanner, *Solving Ordinary Differential Equations II*, 2nd ed., Springer 1996, Sec. III.5 and
V.1, Eq. 5.22 for the variable-step coefficients) instead of backward Euler. With
``w = dt_n / dt_(n-1)`` and ``y`` any of ``eps_in``, ``p`` and the model's own history
variables (Anand's ``s``)::

    y_(n+1) - y_n = a (y_n - y_(n-1)) + c dt_n dy/dt (t_(n+1)),
    a = w^2 / (1 + 2 w),   c = (1 + w) / (1 + 2 w)          (a = 1/3, c = 2/3 at w = 1)

so a BDF2 step is the backward-Euler return above from the extrapolated start
``y_n + a (y_n - y_(n-1))`` over the effective step ``c dt_n``: the scalar returns and the
consistent tangent are unchanged (the extrapolated part does not depend on the strain of the
step). BDF2 is second order and, unlike the midpoint rule, L-stable, so the stiff relaxation
in a hot dwell does not oscillate. It is zero-stable for ``w < 1 + sqrt 2``; a step longer
than ``BDF2_MAX_RATIO`` times the one before, the first step, and a step after a zero-length
one fall back to backward Euler (``a = 0``, ``c = 1``). The previous step's values are kept in
the state (``*_before`` and ``step_before``). ``time_integration = "backward_euler"`` selects
the one-step method throughout (what CalculiX's ``*VISCO`` does, for a step-by-step
comparison). Measured gain: ``docs/performance.md``, "Accuracy of the default steps".

The module also holds the pieces every model needs around that: reading positive
constants into an :class:`~thermofatigue.errors.InputError`-checked dict, a vectorised
bracketed Newton solver for monotone scalar equations, overflow-safe hyperbolic
functions, and :class:`J2Model`, the base class implementing the constitutive contract
(``initial_state`` / ``update``) so that a model only supplies its scalar return.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

import numpy as np

from thermofatigue.errors import InputError

__all__ = [
    "ENGINEERING_SHEAR",
    "IDENTITY",
    "DEVIATORIC_PROJECTOR",
    "deviatoric",
    "von_mises",
    "equivalent_strain",
    "shear_and_bulk_moduli",
    "isotropic_stiffness",
    "elastic_trial_stress",
    "radial_return",
    "consistent_tangent",
    "solve_decreasing",
    "solve_viscous_return",
    "asinh_of_exp",
    "log_sinh",
    "read_positive_constants",
    "log_arrhenius",
    "KELVIN",
    "J2Model",
    "MAX_LOG",
    "TIME_INTEGRATIONS",
    "bdf2_weights",
]

#: Factor turning tensor components into Voigt strain components (engineering shear).
ENGINEERING_SHEAR = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
#: Second-order identity in Voigt form.
IDENTITY = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
#: Deviatoric projector acting on a Voigt *strain* (engineering shear) and returning the
#: tensor components of its deviator: 2 G * this = deviatoric part of the stiffness.
DEVIATORIC_PROJECTOR = np.diag([1.0, 1.0, 1.0, 0.5, 0.5, 0.5]) - np.outer(IDENTITY, IDENTITY) / 3.0

#: Largest argument handed to ``exp`` anywhere in the models (exp(700) ~ 1e304): the
#: documented clipping bound that keeps sinh / power terms finite.
MAX_LOG = 700.0

#: Flow-rule integrations of the rate-dependent models (module docstring).
TIME_INTEGRATIONS = ("bdf2", "backward_euler")
#: Largest step ratio dt_n / dt_(n-1) taken with BDF2 (zero-stable below 1 + sqrt 2 = 2.414);
#: longer steps fall back to backward Euler.
BDF2_MAX_RATIO = 2.4


def bdf2_weights(dt, dt_before):
    """``(a, c)`` of the variable-step BDF2 step ``y_(n+1) - y_n = a (y_n - y_(n-1)) +
    c dt y'_(n+1)`` with ``w = dt / dt_before`` (module docstring); backward Euler (``a = 0``,
    ``c = 1``) where ``dt_before <= 0``, ``dt <= 0`` or ``w > BDF2_MAX_RATIO``."""
    dt = np.asarray(dt, dtype=float)
    dt_before = np.asarray(dt_before, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = dt / dt_before
    use = (dt_before > 0.0) & (dt > 0.0) & (w <= BDF2_MAX_RATIO)
    w = np.where(use, w, 0.0)
    return np.where(use, w * w / (1.0 + 2.0 * w), 0.0), np.where(use, (1.0 + w) / (1.0 + 2.0 * w), 1.0)


# --------------------------------------------------------------------------- tensors
def deviatoric(stress):
    """Deviator of a Voigt stress ``(..., 6)`` (tensor components)."""
    stress = np.asarray(stress, dtype=float)
    mean = stress[..., :3].sum(axis=-1, keepdims=True) / 3.0
    return stress - mean * IDENTITY


def von_mises(stress):
    """Von Mises equivalent stress ``sqrt(3/2 s:s)`` of a Voigt stress ``(..., 6)``.

    The shear slots of a stress vector are tensor components and count twice in ``s:s``.
    """
    s = deviatoric(stress)
    ss = np.sum(s[..., :3] ** 2, axis=-1) + 2.0 * np.sum(s[..., 3:] ** 2, axis=-1)
    return np.sqrt(1.5 * ss)


def equivalent_strain(strain):
    """Von Mises equivalent strain ``sqrt(2/3 e:e)`` of a Voigt strain ``(..., 6)``.

    The shear slots hold engineering shear ``gamma = 2 e_ij``, so ``e:e`` picks up
    ``gamma^2 / 2`` per shear slot. For a purely deviatoric (inelastic) strain this is the
    equivalent inelastic strain that work-conjugates ``von_mises`` of the stress.
    """
    strain = np.asarray(strain, dtype=float)
    mean = strain[..., :3].sum(axis=-1, keepdims=True) / 3.0
    e_normal = strain[..., :3] - mean
    ee = np.sum(e_normal**2, axis=-1) + 0.5 * np.sum(strain[..., 3:] ** 2, axis=-1)
    return np.sqrt(2.0 / 3.0 * ee)


def shear_and_bulk_moduli(youngs_modulus, poissons_ratio):
    """``G = E / (2 (1 + nu))`` and ``K = E / (3 (1 - 2 nu))`` (MPa)."""
    E = np.asarray(youngs_modulus, dtype=float)
    nu = np.asarray(poissons_ratio, dtype=float)
    return E / (2.0 * (1.0 + nu)), E / (3.0 * (1.0 - 2.0 * nu))


_ONES_OUTER = np.outer(IDENTITY, IDENTITY)


def isotropic_stiffness(shear_modulus, bulk_modulus):
    """Voigt stiffness ``(..., 6, 6)``: ``K I (x) I + 2 G I_dev`` (G on the shear diagonal)."""
    G = np.asarray(shear_modulus, dtype=float)[..., None, None]
    K = np.asarray(bulk_modulus, dtype=float)[..., None, None]
    return K * np.outer(IDENTITY, IDENTITY) + 2.0 * G * DEVIATORIC_PROJECTOR


def elastic_trial_stress(elastic_strain, shear_modulus, bulk_modulus):
    """Stress ``(..., 6)`` of a Voigt elastic strain (engineering shear) for isotropic moduli."""
    eps = np.asarray(elastic_strain, dtype=float)
    G = np.asarray(shear_modulus, dtype=float)[..., None]
    K = np.asarray(bulk_modulus, dtype=float)[..., None]
    volumetric = eps[..., :3].sum(axis=-1, keepdims=True)
    deviator_tensor = eps / ENGINEERING_SHEAR - volumetric / 3.0 * IDENTITY
    return K * volumetric * IDENTITY + 2.0 * G * deviator_tensor


def radial_return(trial_stress, trial_equivalent_stress, shear_modulus, dp):
    """Return the trial stress radially by ``dp`` of equivalent inelastic strain.

    Returns ``(stress, inelastic_strain_increment, flow_direction)``; the increment is a
    Voigt strain (engineering shear), the flow direction ``N = 3/2 s_trial / q_trial`` is in
    tensor components (zero where ``q_trial == 0``).
    """
    q = np.asarray(trial_equivalent_stress, dtype=float)
    s_trial = deviatoric(trial_stress)
    safe_q = np.where(q > 0.0, q, 1.0)
    N = np.where((q > 0.0)[..., None], 1.5 * s_trial / safe_q[..., None], 0.0)
    G = np.asarray(shear_modulus, dtype=float)
    dp = np.asarray(dp, dtype=float)
    stress = trial_stress - (2.0 * G * dp)[..., None] * N
    return stress, dp[..., None] * N * ENGINEERING_SHEAR, N


def consistent_tangent(shear_modulus, bulk_modulus, flow_direction, trial_equivalent_stress,
                       dp, ddp_dq_trial):
    """Algorithmic tangent ``d sigma / d eps`` ``(..., 6, 6)`` of the radial return.

    ``D = C - 6 G^2 (dp/q_trial) I_dev + 4 G^2 (dp/q_trial - h) N (x) N`` with
    ``h = d dp / d q_trial``; equals the elastic ``C`` where ``dp == 0`` and ``h == 0``.
    """
    G = np.asarray(shear_modulus, dtype=float)
    q = np.asarray(trial_equivalent_stress, dtype=float)
    ratio = np.where(q > 0.0, np.asarray(dp, dtype=float) / np.where(q > 0.0, q, 1.0), 0.0)
    h = np.where(q > 0.0, np.asarray(ddp_dq_trial, dtype=float), 0.0)
    N = np.asarray(flow_direction, dtype=float)
    # D = K 1x1 + (2 G - 6 G^2 dp/q) I_dev + 4 G^2 (dp/q - h) N x N: three scaled constant or
    # rank-one (6, 6) terms (C written out, not formed and corrected: 0.8 -> 0.3 ms for 852 points)
    G2 = G * G
    shear = (2.0 * G - 6.0 * G2 * ratio)[..., None, None]
    rank_one = (4.0 * G2 * (ratio - h))[..., None]
    D = np.asarray(bulk_modulus, dtype=float)[..., None, None] * _ONES_OUTER
    D += shear * DEVIATORIC_PROJECTOR
    D += (rank_one * N)[..., :, None] * N[..., None, :]
    return D


# --------------------------------------------------------------------- safe functions
_LOG_2 = math.log(2.0)

def asinh_of_exp(log_w):
    """``asinh(exp(log_w))`` without overflow: numpy's ``arcsinh`` is accurate for every
    finite argument (it never squares a large one), so only ``exp`` needs guarding; beyond
    ``log_w = 700``, ``asinh(w) = log(2 w)`` to double precision."""
    y = np.asarray(log_w, dtype=float)
    return np.where(y > 700.0, y + _LOG_2, np.arcsinh(np.exp(np.minimum(y, 700.0))))


def log_sinh(x):
    """``log(sinh(x))`` for ``x > 0`` without overflow: ``x + log1p(-exp(-2x)) - log 2``.

    Non-positive arguments give ``-inf`` (zero rate).
    """
    x = np.asarray(x, dtype=float)
    positive = x > 0.0
    xp = np.where(positive, x, 1.0)
    small = xp < 1e-3
    # sinh(x) ~ x (1 + x^2/6) for small x: log(x) + x^2/6 keeps full precision there
    value = np.where(small, np.log(xp) + xp * xp / 6.0,
                     xp + np.log1p(-np.exp(-2.0 * xp)) - math.log(2.0))
    return np.where(positive, value, -np.inf)


# ------------------------------------------------------------------ temperature
KELVIN = 273.15


def log_arrhenius(prefactor: float, Q_over_R: float, temperature) -> np.ndarray:
    """``log(prefactor exp(-Q/(R T)))`` with ``T`` in C (kelvin inside the exponential)."""
    return np.log(prefactor) - Q_over_R / (np.asarray(temperature, dtype=float) + KELVIN)


# ------------------------------------------------------------------ scalar equations
def solve_decreasing(residual, x0, lower, upper, xtol, max_iterations=200):
    """Vectorised safeguarded Newton for ``f(x) = 0`` with ``f`` decreasing on a bracket.

    ``residual(x, index) -> (f, df_dx)`` evaluates the equation at the points ``index``
    (an integer array into the flat problem) for the trial values ``x``. Requires
    ``f(lower) >= 0 >= f(upper)``. Each iteration takes the Newton step where it stays
    strictly inside the current bracket (and ``df_dx < 0``), otherwise bisects; the bracket
    is tightened with the sign of ``f``. A point stops when its step is below ``xtol`` (an
    absolute tolerance on ``x``, scalar or per point) or its bracket is narrower.

    Returns ``(x, converged)``; ``x`` is always finite and inside the bracket.
    """
    lower = np.array(lower, dtype=float, copy=True)
    upper = np.array(upper, dtype=float, copy=True)
    x = np.clip(np.asarray(x0, dtype=float), lower, upper)
    xtol = np.broadcast_to(np.asarray(xtol, dtype=float), x.shape)
    converged = upper - lower <= xtol
    active = np.flatnonzero(~converged)
    for _ in range(max_iterations):
        if active.size == 0:
            break
        xa = x[active]
        f, df = residual(xa, active)
        lo = np.where(f > 0.0, xa, lower[active])
        hi = np.where(f < 0.0, xa, upper[active])
        lower[active], upper[active] = lo, hi
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = xa - f / df
        tol = xtol[active]
        newton_ok = np.isfinite(newton) & (df < 0.0)
        # a Newton step below the tolerance ends the iteration (it may touch the bracket
        # end by round-off); a larger one is taken only strictly inside the bracket
        tiny_step = newton_ok & (np.abs(newton - xa) <= tol)
        use_newton = newton_ok & (newton > lo) & (newton < hi)
        x_new = np.where(use_newton, newton, 0.5 * (lo + hi))
        x_new = np.where(tiny_step, np.clip(newton, lo, hi), x_new)
        x_new = np.where(f == 0.0, xa, x_new)
        done = tiny_step | (np.abs(x_new - xa) <= tol) | (hi - lo <= tol) | (f == 0.0)
        x[active] = x_new
        converged[active[done]] = True
        active = active[~done]
    return x, converged


def solve_viscous_return(q_trial, shear_modulus, log_lower, log_guess, flow_stress, xtol=1e-13):
    """Backward-Euler return of a viscous (rate-dependent) J2 model.

    Solves ``q_trial - 3 G dp - g(dp) = 0`` for ``dp > 0``, where ``g(dp)`` is the equivalent
    stress at which the model flows by ``dp`` over the step (the inverted flow rule, e.g.
    ``(s/xi) asinh((dp / (dt A e^(-Q/RT)))^m)`` for Anand). The unknown is ``x = log dp``,
    which keeps the equation well scaled over the many decades ``dp`` spans; the bracket is
    ``[log_lower, log(q_trial / 3G)]``: the model supplies ``log_lower`` with
    ``q_trial - 3 G dp - g >= 0`` there, and at the upper end the residual is ``-g < 0``.

    ``flow_stress(x, index) -> (g, dg_dx)`` for the points ``index``. Returns
    ``(dp, ddp_dq_trial, x)`` with ``ddp_dq_trial = dp / (3 G dp + dg/dx)``, the exact
    linearisation of the (possibly reduced) local problem.
    """
    q = np.asarray(q_trial, dtype=float)
    G = np.asarray(shear_modulus, dtype=float)
    log_upper = np.log(q / (3.0 * G))
    log_lower = np.minimum(log_lower, log_upper - 1.0)

    def residual(x, index):
        g, dg_dx = flow_stress(x, index)
        elastic_relief = 3.0 * G[index] * np.exp(x)
        return q[index] - elastic_relief - g, -elastic_relief - dg_dx

    x, _ = solve_decreasing(residual, log_guess, log_lower, log_upper, xtol)
    g, dg_dx = flow_stress(x, np.arange(x.size))
    dp = np.exp(x)
    return dp, dp / (3.0 * G * dp + dg_dx), x


# -------------------------------------------------------------------------- parameters
def read_positive_constants(params, units, model, source="<inline>", field_prefix="",
                            allow_zero=()):
    """Check and read the model constants ``units.keys()`` from the mapping ``params``.

    ``units`` maps each required key to its unit text (for the error message). A missing,
    non-numeric, non-finite or non-positive value raises
    ``InputError(source, f"{field_prefix}{model}.{key}", value, "a positive number (unit)")``;
    keys in ``allow_zero`` may also be zero. Other keys of ``params`` are ignored.
    """
    if not isinstance(params, Mapping):
        raise InputError(source, f"{field_prefix}{model}", params,
                         "a table of constants " + ", ".join(units))
    out = {}
    for key, unit in units.items():
        field = f"{field_prefix}{model}.{key}"
        zero_ok = key in allow_zero
        expected = f"a {'non-negative' if zero_ok else 'positive'} number ({unit})"
        if key not in params:
            raise InputError(source, field, None, expected + "; the constant is missing")
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(source, field, value, expected)
        number = float(value)
        if not math.isfinite(number) or number < 0.0 or (number == 0.0 and not zero_ok):
            raise InputError(source, field, value, expected)
        out[key] = number
    return out


# ---------------------------------------------------------------------- the contract
class J2Model:
    """Base of the isotropic J2 inelastic models: the constitutive contract in total form.

    A subclass supplies ``_return(q_trial, G, T_new, dt, state, guess) -> (dp, ddp_dq,
    updates)`` on flat arrays (``q_trial``, ``G``, ``T_new``, ``dt`` shaped ``(n,)``; ``state``
    and ``guess`` dicts of flat arrays, ``guess`` possibly None), where ``dp`` is the
    increment of equivalent inelastic strain (zero where the point stays elastic),
    ``ddp_dq = d dp / d q_trial`` its linearisation and
    ``updates`` the new values of the model's own state variables. Everything else
    (thermal strain, elastic predictor with the moduli at ``T_new``, radial return,
    inelastic-work bookkeeping, consistent tangent, shapes) lives here.

    Elasticity is injected as callables of the temperature in C: ``youngs_modulus(T)``
    (MPa), ``poissons_ratio(T)`` and ``thermal_strain(T)`` (the isotropic thermal strain
    relative to the stress-free temperature).

    Inelastic work density (MPa) is accumulated with the trapezoid rule
    ``W += 1/2 (sigma_old + sigma_new) . d eps_in``.
    """

    nonlinear = True
    warm_start = True  # update() accepts a ``guess`` state (see there)
    #: rate-dependent flow, integrated by BDF2 unless ``time_integration = "backward_euler"``
    multistep = False
    #: the model's own state variables that evolve with the flow (BDF2 extrapolates them)
    history_variables: tuple = ()
    #: name used in error fields (``<model>.<key>``)
    model_name = "j2"
    #: required constants and their units; each becomes an attribute of the same name
    units: dict = {}
    #: constants that may be zero
    allow_zero: tuple = ()

    def __init__(self, params, youngs_modulus: Callable, poissons_ratio: Callable,
                 thermal_strain: Callable, source: str = "<inline>", field_prefix: str = "",
                 time_integration: str = "bdf2"):
        if time_integration not in TIME_INTEGRATIONS:
            raise InputError(source, "solver.time_integration", time_integration,
                             f"one of {list(TIME_INTEGRATIONS)}")
        self.time_integration = time_integration
        self.constants = read_positive_constants(params, self.units, self.model_name, source,
                                                 field_prefix, allow_zero=self.allow_zero)
        for key, value in self.constants.items():
            setattr(self, key, value)
        for name, fn in (("youngs_modulus", youngs_modulus), ("poissons_ratio", poissons_ratio),
                         ("thermal_strain", thermal_strain)):
            if not callable(fn):
                raise InputError(source, f"{field_prefix}{self.model_name}.{name}", fn,
                                 "a callable of the temperature in C")
        self.youngs_modulus = youngs_modulus
        self.poissons_ratio = poissons_ratio
        self.thermal_strain = thermal_strain
        self.source = source
        self.field_prefix = field_prefix

    # -- state ----------------------------------------------------------------------
    def _initial_variables(self, shape) -> dict:
        """Model-specific state variables (override)."""
        return {}

    def initial_state(self, shape) -> dict:
        """Zero strain, stress and inelastic history, plus the model's own variables."""
        shape = (int(shape),) if isinstance(shape, numbers.Integral) else tuple(shape)
        state = {
            "strain": np.zeros(shape + (6,)),
            "stress": np.zeros(shape + (6,)),
            "inelastic_strain": np.zeros(shape + (6,)),
            "equivalent_inelastic_strain": np.zeros(shape),
            "inelastic_work": np.zeros(shape),
        }
        state.update(self._initial_variables(shape))
        if self.bdf2:  # the previous step's values (module docstring)
            for key in ("inelastic_strain", "equivalent_inelastic_strain",
                        *self.history_variables):
                state[f"{key}_before"] = state[key].copy()
            state["step_before"] = np.zeros(shape)
            state["temperature_rate_before"] = np.zeros(shape)
        return state

    @property
    def bdf2(self) -> bool:
        """True when the flow rule is integrated by BDF2 (module docstring)."""
        return self.multistep and self.time_integration == "bdf2"

    def _step_start(self, state, dt, temperature_rate):
        """The state the step's backward-Euler return starts from and its effective step:
        ``state`` and ``dt`` for backward Euler; for BDF2 the extrapolated start
        ``y_n + a (y_n - y_(n-1))`` of ``eps_in``, ``p`` and the history variables and
        ``c dt`` (module docstring)."""
        if not self.bdf2 or "step_before" not in state:
            return state, dt
        a, c = bdf2_weights(dt, state["step_before"])
        # restart (backward Euler) at a corner of the temperature history: the flow's
        # derivatives jump there, and extrapolating across the corner costs accuracy
        before = state["temperature_rate_before"]
        corner = np.abs(temperature_rate - before) > 1e-9 * np.maximum(
            np.maximum(np.abs(temperature_rate), np.abs(before)), 1e-12)
        a, c = np.where(corner, 0.0, a), np.where(corner, 1.0, c)
        start = dict(state)
        for key in ("inelastic_strain", "equivalent_inelastic_strain", *self.history_variables):
            now = state[key]
            weight = a[..., None] if now.ndim > a.ndim else a
            start[key] = now + weight * (now - state[f"{key}_before"])
        for key in self.history_variables:  # a resistance stays positive
            start[key] = np.maximum(start[key], 0.5 * state[key])
        return start, c * dt

    def _remember_step(self, new_state, state, dt, temperature_rate):
        """Keep the values at the start of this step as the next step's ``*_before``
        (a zero-length step keeps the ones it had)."""
        if not self.bdf2 or "step_before" not in state:
            return
        moved = dt > 0.0
        for key in ("inelastic_strain", "equivalent_inelastic_strain", *self.history_variables):
            mask = moved[..., None] if state[key].ndim > moved.ndim else moved
            new_state[f"{key}_before"] = np.where(mask, state[key], state[f"{key}_before"])
        new_state["step_before"] = np.where(moved, dt, state["step_before"])
        new_state["temperature_rate_before"] = np.where(moved, temperature_rate,
                                                        state["temperature_rate_before"])

    # -- elasticity -----------------------------------------------------------------
    def elastic_moduli(self, temperature):
        """``(G, K)`` at ``temperature`` (C), broadcast to its shape."""
        T = np.asarray(temperature, dtype=float)
        E = np.broadcast_to(np.asarray(self.youngs_modulus(T), dtype=float), T.shape)
        nu = np.broadcast_to(np.asarray(self.poissons_ratio(T), dtype=float), T.shape)
        return shear_and_bulk_moduli(E, nu)

    # -- the update -----------------------------------------------------------------
    def _return(self, q_trial, G, T_new, dt, state, guess=None):  # pragma: no cover
        raise NotImplementedError  # abstract

    def update(self, strain_increment, T_old, T_new, dt, state, guess=None):
        """One step: ``(stress, tangent, new_state)``; ``state`` is not modified.

        ``guess``: optionally a state returned by an earlier call for the same increment
        (the previous Newton iteration); models with an iterative return start from its
        inelastic increment and internal variables. It changes the cost, not the result.

        ``strain_increment`` ``(..., 6)`` is the increment of total strain (engineering
        shear); ``T_old``, ``T_new`` (C) and ``dt`` (s) broadcast to ``...``. Backward Euler:
        the flow is evaluated at the end of the step (``T_new``) and the elasticity in total
        form at ``T_new``, so ``T_old`` is not needed (it is part of the common contract).
        ``dt = 0`` gives the elastic response for rate-dependent models; ``dt < 0`` raises.
        """
        d_eps = np.asarray(strain_increment, dtype=float)
        shape = d_eps.shape[:-1]
        n = int(np.prod(shape, dtype=int))
        T_new = np.broadcast_to(np.asarray(T_new, dtype=float), shape)
        dt = np.broadcast_to(np.asarray(dt, dtype=float), shape)
        if not np.all(np.isfinite(dt)) or np.any(dt < 0.0):
            raise InputError(self.source, "dt", float(np.min(dt)),
                             "a finite, non-negative step duration (s)")

        strain = state["strain"] + d_eps
        with np.errstate(divide="ignore", invalid="ignore"):
            temperature_rate = np.where(dt > 0.0, (T_new - np.asarray(T_old, dtype=float))
                                        / np.where(dt > 0.0, dt, 1.0), 0.0)
        start, dt_flow = self._step_start(state, dt, temperature_rate)
        eps_in_old = start["inelastic_strain"]
        # a uniform temperature (the usual load): the property tables are read once
        T_props = T_new.flat[0] if n and T_new.min() == T_new.max() else T_new
        G, K = (np.broadcast_to(v, shape) for v in self.elastic_moduli(T_props))
        eps_th = np.broadcast_to(np.asarray(self.thermal_strain(T_props), dtype=float), shape)
        elastic_strain = strain - eps_th[..., None] * IDENTITY - eps_in_old
        trial_stress = elastic_trial_stress(elastic_strain, G, K)
        q_trial = von_mises(trial_stress)

        def flat(d):
            return {k: np.reshape(v, (n,) + np.shape(v)[len(shape):]) for k, v in d.items()}

        dp, ddp_dq, updates = self._return(q_trial.reshape(n), G.reshape(n), T_new.reshape(n),
                                           np.reshape(dt_flow, n), flat(start),
                                           None if guess is None else flat(guess))
        dp = np.reshape(dp, shape)
        ddp_dq = np.reshape(ddp_dq, shape)

        stress, d_eps_in, N = radial_return(trial_stress, q_trial, G, dp)
        tangent = consistent_tangent(G, K, N, q_trial, dp, ddp_dq)

        new_state = dict(state)
        new_state["strain"] = strain
        new_state["stress"] = stress
        new_state["inelastic_strain"] = eps_in_old + d_eps_in
        new_state["equivalent_inelastic_strain"] = start["equivalent_inelastic_strain"] + dp
        new_state["inelastic_work"] = state["inelastic_work"] + 0.5 * np.sum(
            (state["stress"] + stress)
            * (new_state["inelastic_strain"] - state["inelastic_strain"]), axis=-1)
        for key, value in updates.items():
            new_state[key] = np.reshape(value, np.shape(state[key]))
        self._remember_step(new_state, state, dt, temperature_rate)
        return stress, tangent, new_state


class SteadyCreepModel(J2Model):
    """Base of the creep laws without internal variables (Garofalo, Norton):
    ``d eps_in / dt = R(T) f(sigma)`` with ``R(T) = exp(_log_rate_factor(T))``.

    A subclass supplies ``_log_rate_factor(T)``, ``_log_stress_function(sigma) = log f``, the
    inverted flow rule ``_flow_stress_of(log_z) -> (g, dg/d log z)`` (the stress at which the
    model flows at ``z = dp / (dt R(T))``) and ``_log_lower(q, G, log_dt_rate)``, a ``log dp``
    where ``q - 3 G dp - g >= 0``. The backward-Euler return is then
    :func:`solve_viscous_return` from the explicit rate at the trial stress.
    """

    multistep = True

    def _log_rate_factor(self, temperature):  # pragma: no cover - abstract
        raise NotImplementedError

    def _log_stress_function(self, equivalent_stress):  # pragma: no cover - abstract
        raise NotImplementedError

    def _flow_stress_of(self, log_z):  # pragma: no cover - abstract
        raise NotImplementedError

    def _log_lower(self, q, G, log_dt_rate):  # pragma: no cover - abstract
        raise NotImplementedError

    def creep_rate(self, equivalent_stress, temperature):
        """``R(T) f(sigma)`` (1/s), exponent clipped at ``MAX_LOG``."""
        sigma = np.asarray(equivalent_stress, dtype=float)
        log_rate = self._log_rate_factor(temperature) + self._log_stress_function(sigma)
        return np.exp(np.minimum(log_rate, MAX_LOG))

    def _return(self, q_trial, G, T_new, dt, state, guess=None):
        dp = np.zeros_like(q_trial)
        ddp_dq = np.zeros_like(q_trial)
        flowing = np.flatnonzero((q_trial > 0.0) & (dt > 0.0))
        if flowing.size == 0:
            return dp, ddp_dq, {}
        q, Gf = q_trial[flowing], G[flowing]
        log_dt_rate = np.log(dt[flowing]) + self._log_rate_factor(T_new[flowing])
        log_lower = np.minimum(np.log(q / (6.0 * Gf)), self._log_lower(q, Gf, log_dt_rate))
        log_guess = log_dt_rate + self._log_stress_function(q)

        def flow_stress(log_dp, index):
            return self._flow_stress_of(log_dp - log_dt_rate[index])

        dp[flowing], ddp_dq[flowing], _ = solve_viscous_return(q, Gf, log_lower, log_guess,
                                                               flow_stress)
        return dp, ddp_dq, {}
