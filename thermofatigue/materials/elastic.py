"""Linear elastic stiffness matrices and the thermo-elastic constitutive model.

Conventions (docs/architecture.md): Voigt order ``xx, yy, zz, yz, xz, xy`` with engineering shear
strain, so every stiffness here is the usual symmetric 6x6 matrix with ``sigma = C eps``. Every
builder accepts scalars or arrays (e.g. moduli evaluated at quadrature-point temperatures of shape
``(n_el, n_qp)``) and returns ``(..., 6, 6)``. Moduli in MPa.

Material frame: axes 1, 2 in the plane of the layer, axis 3 through its thickness. A model built
for a model kind maps them with ``axes`` (slot i of the model holds material axis ``axes[i]``):
``(0, 1, 2)`` in 3D, ``(0, 2, 1)`` in 2D.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = [
    "VOIGT_PAIRS",
    "isotropic_stiffness",
    "orthotropic_compliance",
    "orthotropic_stiffness",
    "check_orthotropic",
    "cubic_stiffness",
    "rotation_about_axis3",
    "stress_rotation_matrix",
    "rotate_stiffness",
    "voigt_permutation",
    "permute_stiffness",
    "permute_vector",
    "ThermoElastic",
]

#: tensor index pairs of the six Voigt slots xx, yy, zz, yz, xz, xy
VOIGT_PAIRS = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
_VOIGT_INDEX = {pair: i for i, pair in enumerate(VOIGT_PAIRS)}
_VOIGT_INDEX.update({(j, i): k for (i, j), k in list(_VOIGT_INDEX.items())})


def _broadcast(*arrays):
    return np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))


def isotropic_stiffness(E, nu) -> np.ndarray:
    """Isotropic stiffness from Young's modulus ``E`` and Poisson's ratio ``nu``.

    ``C = lambda 1x1 + 2 mu I`` with ``lambda = E nu / ((1 + nu)(1 - 2 nu))``, ``mu = E / (2 (1 + nu))``;
    with engineering shear the shear diagonal entries are ``mu``.
    """
    E, nu = _broadcast(E, nu)
    lam = E * nu / ((1.0 + nu) * (1.0 - 2.0 * nu))
    mu = E / (2.0 * (1.0 + nu))
    C = np.zeros(E.shape + (6, 6))
    C[..., :3, :3] = lam[..., None, None]
    for i in range(3):
        C[..., i, i] += 2.0 * mu
        C[..., 3 + i, 3 + i] = mu
    return C


def orthotropic_compliance(E1, E2, E3, G12, G13, G23, nu12, nu13, nu23) -> np.ndarray:
    """Compliance ``S`` (``eps = S sigma``) of an orthotropic solid from engineering constants.

    ``nu_ij = -eps_j / eps_i`` under uniaxial stress along ``i`` (major Poisson ratios), so
    ``S_ij = -nu_ij / E_i`` for ``i < j``; ``S_44 = 1/G23``, ``S_55 = 1/G13``, ``S_66 = 1/G12``
    (Voigt slots yz, xz, xy). Symmetry ``nu_ji / E_j = nu_ij / E_i`` is built in.
    """
    E1, E2, E3, G12, G13, G23, nu12, nu13, nu23 = _broadcast(
        E1, E2, E3, G12, G13, G23, nu12, nu13, nu23
    )
    S = np.zeros(E1.shape + (6, 6))
    S[..., 0, 0] = 1.0 / E1
    S[..., 1, 1] = 1.0 / E2
    S[..., 2, 2] = 1.0 / E3
    S[..., 0, 1] = S[..., 1, 0] = -nu12 / E1
    S[..., 0, 2] = S[..., 2, 0] = -nu13 / E1
    S[..., 1, 2] = S[..., 2, 1] = -nu23 / E2
    S[..., 3, 3] = 1.0 / G23
    S[..., 4, 4] = 1.0 / G13
    S[..., 5, 5] = 1.0 / G12
    return S


def check_orthotropic(E1, E2, E3, G12, G13, G23, nu12, nu13, nu23) -> None:
    """Raise ``ValueError`` unless the engineering constants give a positive-definite stiffness.

    Positive definiteness of the compliance: positive moduli, and positive leading principal
    minors of its normal 3x3 block, i.e. ``1 - nu12 nu21 > 0`` and ``det > 0``
    (equivalently ``1 - nu12 nu21 - nu23 nu32 - nu13 nu31 - 2 nu21 nu32 nu13 > 0``).
    """
    moduli = {"E1": E1, "E2": E2, "E3": E3, "G12": G12, "G13": G13, "G23": G23}
    for name, value in moduli.items():
        if not np.all(np.asarray(value, dtype=float) > 0.0):
            raise ValueError(f"{name} must be positive")
    S = orthotropic_compliance(E1, E2, E3, G12, G13, G23, nu12, nu13, nu23)[..., :3, :3]
    minor2 = S[..., 0, 0] * S[..., 1, 1] - S[..., 0, 1] ** 2
    minor3 = np.linalg.det(S)
    if not (np.all(minor2 > 0.0) and np.all(minor3 > 0.0)):
        raise ValueError(
            "Poisson ratios give a stiffness that is not positive definite "
            "(need 1 - nu12 nu21 - nu23 nu32 - nu13 nu31 - 2 nu21 nu32 nu13 > 0)"
        )


def orthotropic_stiffness(E1, E2, E3, G12, G13, G23, nu12, nu13, nu23) -> np.ndarray:
    """Orthotropic stiffness ``C = S^-1`` (see :func:`orthotropic_compliance`), checked first.

    The normal 3x3 block is inverted, the shear block is diagonal: ``C_44 = G23``,
    ``C_55 = G13``, ``C_66 = G12``.
    """
    check_orthotropic(E1, E2, E3, G12, G13, G23, nu12, nu13, nu23)
    S = orthotropic_compliance(E1, E2, E3, G12, G13, G23, nu12, nu13, nu23)
    C = np.zeros_like(S)
    C[..., :3, :3] = np.linalg.inv(S[..., :3, :3])
    for i in range(3, 6):
        C[..., i, i] = 1.0 / S[..., i, i]
    return C


def rotation_about_axis3(angle_deg) -> np.ndarray:
    """Rotation matrix ``a`` (rows = new axes in old coordinates) for a turn by ``angle_deg``
    about axis 3: ``e1' = cos t e1 + sin t e2``, ``e2' = -sin t e1 + cos t e2``, ``e3' = e3``."""
    t = np.deg2rad(np.asarray(angle_deg, dtype=float))
    c, s = np.cos(t), np.sin(t)
    a = np.zeros(t.shape + (3, 3))
    a[..., 0, 0], a[..., 0, 1] = c, s
    a[..., 1, 0], a[..., 1, 1] = -s, c
    a[..., 2, 2] = 1.0
    return a


def stress_rotation_matrix(a) -> np.ndarray:
    """Bond matrix ``M`` with ``sigma' = M sigma`` (Voigt, 6-vectors) for the axis change ``a``.

    From ``sigma'_ij = a_ik a_jl sigma_kl``: ``M_IJ = a_ik a_jl + a_il a_jk`` when ``J = (k, l)`` is a
    shear slot (``sigma_kl`` appears twice in the sum), ``M_IJ = a_ik a_jk`` when it is a normal
    slot. With engineering shear strain, ``eps' = M^-T eps`` and hence ``C' = M C M^T``.
    """
    a = np.asarray(a, dtype=float)
    M = np.zeros(a.shape[:-2] + (6, 6))
    for I, (i, j) in enumerate(VOIGT_PAIRS):
        for J, (k, l) in enumerate(VOIGT_PAIRS):
            M[..., I, J] = a[..., i, k] * a[..., j, l]
            if k != l:
                M[..., I, J] += a[..., i, l] * a[..., j, k]
    return M


def rotate_stiffness(C, a) -> np.ndarray:
    """Stiffness in the axes ``a`` (rows = new axes): ``C' = M C M^T`` (Bond transformation)."""
    M = stress_rotation_matrix(a)
    return np.einsum("...IK,...KL,...JL->...IJ", M, np.asarray(C, dtype=float), M)


def cubic_stiffness(C11, C12, C44, rotation_deg=0.0) -> np.ndarray:
    """Cubic-crystal stiffness from ``C11, C12, C44``, expressed in axes turned by
    ``rotation_deg`` about axis 3 from the cubic axes.

    For a (100) silicon wafer the die edges run along <110>, i.e. ``rotation_deg = 45``; then
    ``C11' = (C11 + C12)/2 + C44``, ``C12' = (C11 + C12)/2 - C44``, ``C66' = (C11 - C12)/2`` and the
    Young's modulus along the die edges is ``E<110> = 4 / (2 (S11 + S12) + S44)``
    (values: G.C. Johnson, "Re: Young's modulus for (110) silicon", MEMSnet mems-talk, 1995).
    """
    C11, C12, C44, rotation_deg = _broadcast(C11, C12, C44, rotation_deg)
    C = np.zeros(C11.shape + (6, 6))
    C[..., :3, :3] = C12[..., None, None]
    for i in range(3):
        C[..., i, i] = C11
        C[..., 3 + i, 3 + i] = C44
    if np.all(rotation_deg == 0.0):
        return C
    return rotate_stiffness(C, rotation_about_axis3(rotation_deg))


def voigt_permutation(axes) -> np.ndarray:
    """Voigt-slot map for an axis permutation: model slot ``I`` holds material slot ``perm[I]``.

    ``axes[i]`` is the material axis held by model axis ``i`` (docs/architecture.md, "Axes"); a
    normal slot follows its axis, a shear slot ``(i, j)`` follows the pair ``(axes[i], axes[j])``.
    """
    axes = tuple(int(x) for x in axes)
    if sorted(axes) != [0, 1, 2]:
        raise ValueError(f"axes must be a permutation of (0, 1, 2), got {axes}")
    return np.array([_VOIGT_INDEX[(axes[i], axes[j])] for i, j in VOIGT_PAIRS])


def permute_stiffness(C, axes) -> np.ndarray:
    """Stiffness in model slots: ``C_model[I, J] = C_material[perm[I], perm[J]]``."""
    p = voigt_permutation(axes)
    return np.asarray(C)[..., p[:, None], p[None, :]]


def permute_vector(v, axes) -> np.ndarray:
    """Voigt 6-vector in model slots: ``v_model[I] = v_material[perm[I]]``."""
    return np.asarray(v)[..., voigt_permutation(axes)]


_ELASTIC_PROPERTIES = {
    "isotropic": ("E", "nu"),
    "orthotropic": ("E1", "E2", "E3", "G12", "G13", "G23", "nu12", "nu13", "nu23"),
    "cubic": ("C11", "C12", "C44"),
}
_CTE_PROPERTIES = {
    "isotropic": ("cte", "cte", "cte"),
    "orthotropic": ("cte1", "cte2", "cte3"),
    "cubic": ("cte", "cte", "cte"),  # cubic crystals expand isotropically
}


class ThermoElastic:
    """Linear thermo-elastic material model (the constitutive contract of docs/architecture.md).

    ``sigma = C(T_new) (eps - eps_th(T_new))`` in total form, tangent ``d sigma / d eps = C(T_new)``,
    with ``eps_th`` the free thermal strain from ``stress_free_temperature`` (instantaneous CTE:
    the exact integral of alpha; secant CTE: the secant formula). Temperature-dependent moduli
    therefore never make the response path dependent.

    Parameters
    ----------
    material:
        a :class:`~thermofatigue.materials.library.Material` (anything with ``name``,
        ``elasticity``, ``properties``, ``rotation_deg``, ``source`` and ``field``).
    stress_free_temperature:
        temperature (C) at which the material carries no stress.
    axes:
        model slot ``i`` holds material axis ``axes[i]``: ``(0, 1, 2)`` in 3D, ``(0, 2, 1)`` in 2D.
    """

    nonlinear = False

    def __init__(self, material, stress_free_temperature: float, axes=(0, 1, 2)):
        if material.elasticity not in _ELASTIC_PROPERTIES:
            raise InputError(
                material.source, f"{material.field}.elasticity", material.elasticity,
                "one of " + ", ".join(_ELASTIC_PROPERTIES),
            )
        self.material = material
        self.stress_free_temperature = float(stress_free_temperature)
        self.axes = tuple(int(x) for x in axes)
        self._perm = voigt_permutation(self.axes)
        props = material.properties
        self._moduli = tuple(props[name] for name in _ELASTIC_PROPERTIES[material.elasticity])
        self._ctes = tuple(props[name] for name in _CTE_PROPERTIES[material.elasticity])
        self._constant_stiffness = None
        if all(p.is_constant for p in self._moduli):
            self._constant_stiffness = self._stiffness_from_values(
                [float(p(0.0)) for p in self._moduli]
            )

    @property
    def constant_stiffness(self) -> bool:
        """True when no modulus depends on temperature (the solver then assembles it once)."""
        return self._constant_stiffness is not None

    # -- stiffness and thermal strain -------------------------------------------------------

    def _stiffness_from_values(self, values) -> np.ndarray:
        kind = self.material.elasticity
        if kind == "isotropic":
            C = isotropic_stiffness(*values)
        elif kind == "orthotropic":
            C = orthotropic_stiffness(*values)
        else:
            C = cubic_stiffness(*values, rotation_deg=self.material.rotation_deg)
        return permute_stiffness(C, self.axes)

    def stiffness(self, T) -> np.ndarray:
        """``C(T)`` in model slots, shape ``T.shape + (6, 6)``."""
        T = np.asarray(T, dtype=float)
        if self._constant_stiffness is not None:
            return np.broadcast_to(self._constant_stiffness, T.shape + (6, 6))
        return self._stiffness_from_values([p(T) for p in self._moduli])

    def stiffness_basis(self):
        """``C(T) = sum_k c_k(T) C_k`` with constant ``C_k``, for isotropic materials:
        ``C_lambda = 1 x 1`` and ``C_mu = diag(2, 2, 2, 1, 1, 1)`` (engineering shear) with the
        Lame constants ``lambda(T)``, ``mu(T)`` as coefficients (:func:`isotropic_stiffness`).
        A solver assembles the two once and combines them at each temperature. Returns
        ``(basis (2, 6, 6), coefficients(T) -> (lambda, mu))``, or None for other symmetries."""
        if self.material.elasticity != "isotropic":
            return None
        basis = np.zeros((2, 6, 6))
        basis[0, :3, :3] = 1.0
        basis[1] = np.diag([2.0, 2.0, 2.0, 1.0, 1.0, 1.0])
        E, nu = self.material.properties["E"], self.material.properties["nu"]

        def coefficients(T):
            e, n = _broadcast(E(T), nu(T))
            return e * n / ((1.0 + n) * (1.0 - 2.0 * n)), e / (2.0 * (1.0 + n))

        return basis, coefficients

    def thermal_strain_vector(self, T) -> np.ndarray:
        """Free thermal strain 6-vector in model slots from the stress-free temperature."""
        T = np.asarray(T, dtype=float)
        eps = np.zeros(T.shape + (6,))
        done = {}  # isotropic and cubic materials share one table for the three axes
        for i, cte in enumerate(self._ctes):
            if id(cte) not in done:
                done[id(cte)] = cte.thermal_strain(T, self.stress_free_temperature)
            eps[..., i] = done[id(cte)]
        return eps[..., self._perm]

    # -- isotropic helpers for the inelastic models -----------------------------------------

    def _require_isotropic(self, what: str):
        if self.material.elasticity != "isotropic":
            raise InputError(
                self.material.source, f"{self.material.field}.elasticity",
                self.material.elasticity, f"isotropic elasticity ({what} is defined only then)",
            )

    def youngs_modulus(self, T) -> np.ndarray:
        """``E(T)`` in MPa (isotropic materials only)."""
        self._require_isotropic("youngs_modulus")
        return self.material.properties["E"](T)

    def poissons_ratio(self, T) -> np.ndarray:
        """``nu(T)`` (isotropic materials only)."""
        self._require_isotropic("poissons_ratio")
        return self.material.properties["nu"](T)

    def thermal_strain(self, T) -> np.ndarray:
        """Scalar isotropic free thermal strain at ``T`` from the stress-free temperature."""
        if self.material.elasticity == "orthotropic":
            self._require_isotropic("the scalar thermal_strain")
        return self.material.properties["cte"].thermal_strain(T, self.stress_free_temperature)

    # -- constitutive contract --------------------------------------------------------------

    def initial_state(self, shape) -> dict[str, np.ndarray]:
        """Zero total strain and stress at the stress-free temperature, ``shape + (6,)``."""
        shape = tuple(shape)
        return {"strain": np.zeros(shape + (6,)), "stress": np.zeros(shape + (6,))}

    def update(self, strain_increment, T_old, T_new, dt, state):
        """Stress, tangent and new state after a total-strain increment (see class docstring).

        ``T_old`` and ``dt`` do not enter (the response is rate and path independent). The
        returned tangent may be a read-only broadcast view when the moduli do not depend on
        temperature.
        """
        strain = state["strain"] + np.asarray(strain_increment, dtype=float)
        lead = strain.shape[:-1]
        T_new = np.broadcast_to(np.asarray(T_new, dtype=float), lead)
        C = self.stiffness(T_new)
        stress = np.einsum("...ij,...j->...i", C, strain - self.thermal_strain_vector(T_new))
        new_state = dict(state)
        new_state["strain"] = strain
        new_state["stress"] = stress
        return stress, C, new_state
