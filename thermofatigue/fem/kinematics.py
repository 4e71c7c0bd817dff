"""Displacement discretisation and small-strain kinematics for every model kind.

One object, :class:`Discretization`, takes a scikit-fem mesh and a model kind and holds, for all
elements at once, the shape-function values and gradients at the quadrature points (taken from
scikit-fem's ``CellBasis``), the integration weights and the global degree-of-freedom numbers.
From these it builds the strain-displacement matrices ``B`` shaped
``(n_elements, n_quadrature, 6, n_element_dofs)`` in the Voigt order of ``docs/architecture.md``
(``xx, yy, zz, yz, xz, xy``; engineering shear):

* ``3d``: ``eps = sym grad u``.
* ``plane_strain``: ``eps_zz = eps_yz = eps_xz = 0``; ``sigma_zz`` is carried.
* ``generalized_plane_strain``: ``eps_zz = e0 + kappa * y`` with two global unknowns
  (uniform out-of-plane strain ``e0`` and out-of-plane bending ``kappa`` about the in-plane axis,
  i.e. the bounding planes stay plane and may tilt about x), whose conjugate resultants (net
  out-of-plane force and moment) vanish. This lets a 2D slice of a die on a board bend in the
  third direction too, which plane strain forbids.
* ``axisymmetric``: mesh ``x = r``, ``y = z``; slot 2 holds the hoop strain ``u_r / r`` and the
  weights carry ``2 pi r``, so integrals are over the full revolved body.

Global numbering: displacement component ``k`` of scalar node ``d`` is dof ``dim * d + k``
(scikit-fem's ``ElementVector`` numbering); the generalized-plane-strain unknowns come last.
"""

from __future__ import annotations

import numpy as np
import skfem

from ..errors import InputError

KINDS = ("3d", "plane_strain", "generalized_plane_strain", "axisymmetric")

_ELEMENTS = {
    # mesh class: {order: element}
    skfem.MeshTri1: {1: skfem.ElementTriP1, 2: skfem.ElementTriP2},
    skfem.MeshTri2: {1: skfem.ElementTriP1, 2: skfem.ElementTriP2},
    skfem.MeshQuad1: {1: skfem.ElementQuad1, 2: skfem.ElementQuad2},
    skfem.MeshQuad2: {1: skfem.ElementQuad1, 2: skfem.ElementQuad2},
    skfem.MeshTet1: {1: skfem.ElementTetP1, 2: skfem.ElementTetP2},
    skfem.MeshTet2: {1: skfem.ElementTetP1, 2: skfem.ElementTetP2},
    skfem.MeshHex1: {1: skfem.ElementHex1, 2: skfem.ElementHex2},
    skfem.MeshHex2: {1: skfem.ElementHex1, 2: skfem.ElementHex2},
}


def default_intorder(mesh: skfem.Mesh, order: int, kind: str) -> int:
    """Quadrature degree: exact stiffness for straight elements, one more for ``u_r / r``."""
    degree = 2 * (order - 1) if isinstance(mesh, (skfem.MeshTri1, skfem.MeshTet1)) else 2 * order
    if kind == "axisymmetric":
        degree += 2
    return max(degree, 2)


def _field_values(field) -> np.ndarray:
    """Values of a scikit-fem DiscreteField (an ndarray subclass in recent versions)."""
    return np.asarray(field) if isinstance(field, np.ndarray) else np.asarray(field.value)


class Discretization:
    """Shape functions, weights and dof numbers of a displacement field on ``mesh``.

    Parameters
    ----------
    mesh : skfem.Mesh
    kind : one of ``KINDS``
    order : polynomial order of the displacement (2 by default: quadratic elements let a thin
        die bend without shear locking and keep creeping solder free of volumetric locking)
    intorder : quadrature degree (default :func:`default_intorder`)
    """

    def __init__(self, mesh: skfem.Mesh, kind: str = "3d", order: int = 2,
                 intorder: int | None = None):
        if kind not in KINDS:
            raise InputError("<model>", "model.kind", kind, f"one of {list(KINDS)}")
        if order not in (1, 2):
            raise InputError("<model>", "solver.element_order", order, "1 or 2")
        dim = mesh.dim()
        if (kind == "3d") != (dim == 3):
            raise InputError("<model>", "model.kind", kind,
                             f"a kind for a {dim}D mesh "
                             f"({'3d' if dim == 3 else 'plane_strain, generalized_plane_strain or axisymmetric'})")
        self.mesh = mesh
        self.kind = kind
        self.order = order
        self.dim = dim
        self.intorder = intorder or default_intorder(mesh, order, kind)
        element = _ELEMENTS[type(mesh)][order]()
        self.scalar_basis = skfem.CellBasis(mesh, element, intorder=self.intorder)
        b = self.scalar_basis
        # (E, Q, nloc, dim) gradients and (E, Q, nloc) values of the scalar shape functions
        self.grad = np.ascontiguousarray(
            np.stack([phi[0].grad for phi in b.basis], axis=0).transpose(2, 3, 0, 1))
        self.value = np.ascontiguousarray(
            np.stack([_field_values(phi[0]) for phi in b.basis], axis=0).transpose(1, 2, 0))
        self.points = np.ascontiguousarray(b.mapping.F(b.X).transpose(1, 2, 0))  # (E, Q, dim)
        weights = b.dx
        if kind == "axisymmetric":
            radius = self.points[..., 0]
            if radius.min() < -1e-12 * max(1.0, np.abs(radius).max()):
                raise InputError("<mesh>", "mesh x (radius)", float(radius.min()),
                                 "x >= 0 for an axisymmetric model (x is the radius)")
            weights = weights * 2.0 * np.pi * radius
        self.weights = np.ascontiguousarray(weights)
        self.n_nodes = b.N  # scalar dofs
        self.n_extra = 2 if kind == "generalized_plane_strain" else 0
        self.n_dofs = dim * self.n_nodes + self.n_extra
        sdofs = b.element_dofs.T  # (E, nloc)
        vdofs = (dim * sdofs[:, :, None] + np.arange(dim)).reshape(sdofs.shape[0], -1)
        if self.n_extra:
            extra = dim * self.n_nodes + np.arange(self.n_extra)
            vdofs = np.hstack([vdofs, np.broadcast_to(extra, (vdofs.shape[0], self.n_extra))])
        self.element_dofs = np.ascontiguousarray(vdofs)
        self.node_coordinates = b.doflocs.T  # (n_nodes, dim) positions of the scalar nodes

    # ------------------------------------------------------------------------------------------
    @property
    def n_elements(self) -> int:
        return self.grad.shape[0]

    @property
    def n_quadrature(self) -> int:
        return self.grad.shape[1]

    @property
    def n_element_dofs(self) -> int:
        return self.element_dofs.shape[1]

    def vector_basis(self) -> skfem.CellBasis:
        """The matching scikit-fem vector basis (for interpolation and output)."""
        b = self.scalar_basis
        return skfem.CellBasis(self.mesh, skfem.ElementVector(b.elem), quadrature=b.quadrature)

    def strain_matrix(self, elements=slice(None)) -> np.ndarray:
        """``B`` with ``eps = B u_e``, shaped ``(n, n_quadrature, 6, n_element_dofs)``."""
        g = self.grad[elements]
        n, nq, nloc, dim = g.shape
        B = np.zeros((n, nq, 6, nloc, dim))
        if dim == 3:
            gx, gy, gz = g[..., 0], g[..., 1], g[..., 2]
            B[:, :, 0, :, 0] = gx
            B[:, :, 1, :, 1] = gy
            B[:, :, 2, :, 2] = gz
            B[:, :, 3, :, 1] = gz
            B[:, :, 3, :, 2] = gy
            B[:, :, 4, :, 0] = gz
            B[:, :, 4, :, 2] = gx
            B[:, :, 5, :, 0] = gy
            B[:, :, 5, :, 1] = gx
        else:
            gx, gy = g[..., 0], g[..., 1]
            B[:, :, 0, :, 0] = gx
            B[:, :, 1, :, 1] = gy
            B[:, :, 5, :, 0] = gy
            B[:, :, 5, :, 1] = gx
            if self.kind == "axisymmetric":
                B[:, :, 2, :, 0] = self.value[elements] / self.points[elements][..., 0:1]
        B = B.reshape(n, nq, 6, nloc * dim)
        if self.n_extra:
            extra = np.zeros((n, nq, 6, self.n_extra))
            extra[:, :, 2, 0] = 1.0
            extra[:, :, 2, 1] = self.points[elements][..., 1]
            B = np.concatenate([B, extra], axis=3)
        return B

    def strain(self, u: np.ndarray, elements=slice(None), chunk: int = 20000) -> np.ndarray:
        """Strain ``(n, n_quadrature, 6)`` of the displacement vector ``u`` (all dofs)."""
        idx = np.arange(self.n_elements)[elements]
        out = np.empty((idx.size, self.n_quadrature, 6))
        for start in range(0, idx.size, chunk):
            sl = idx[start:start + chunk]
            B = self.strain_matrix(sl)
            out[start:start + chunk] = np.einsum("eqkn,en->eqk", B, u[self.element_dofs[sl]],
                                                 optimize=True)
        return out

    def rigid_body_modes(self) -> np.ndarray:
        """Rigid-body displacement modes, ``(n_dofs, n_modes)``.

        3D: 3 translations + 3 rotations; plane strain / generalized plane strain: 2 translations
        + in-plane rotation; axisymmetric: the axial translation only.
        """
        x = self.node_coordinates
        n = self.n_nodes
        dim = self.dim
        if self.kind == "axisymmetric":
            modes = np.zeros((dim * n, 1))
            modes[1::2, 0] = 1.0
        elif dim == 2:
            modes = np.zeros((dim * n, 3))
            modes[0::2, 0] = 1.0
            modes[1::2, 1] = 1.0
            c = x - x.mean(axis=0)
            modes[0::2, 2] = -c[:, 1]
            modes[1::2, 2] = c[:, 0]
        else:
            modes = np.zeros((dim * n, 6))
            for k in range(3):
                modes[k::3, k] = 1.0
            c = x - x.mean(axis=0)
            # rotations about x, y, z: u = omega x c
            modes[1::3, 3], modes[2::3, 3] = -c[:, 2], c[:, 1]
            modes[0::3, 4], modes[2::3, 4] = c[:, 2], -c[:, 0]
            modes[0::3, 5], modes[1::3, 5] = -c[:, 1], c[:, 0]
        if self.n_extra:
            modes = np.vstack([modes, np.zeros((self.n_extra, modes.shape[1]))])
        return modes

    def nodal_values(self, u: np.ndarray) -> np.ndarray:
        """Displacement at the scalar nodes, ``(n_nodes, dim)``."""
        return u[: self.dim * self.n_nodes].reshape(-1, self.dim)
