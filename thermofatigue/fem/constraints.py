"""Boundary conditions as an affine map to a reduced space, ``u = T u_hat + g``.

Every constraint thermofatigue needs acts on the displacement of single nodes: a symmetry plane
fixes the displacement component along its normal (any orientation: the diagonal plane of an
octant model as well as x = 0), a prescribed displacement fixes a component to a value, and the
axis of an axisymmetric model has ``u_r = 0``. At each node the admissible displacements are
the orthogonal complement of the constrained normals, so ``T`` holds, per node, an orthonormal
basis of that complement (identity at unconstrained nodes). Then

* the reduced stiffness ``T^T K T`` is symmetric positive definite; it keeps the size and the
  node-block structure of ``K`` (slot k of a node holds its k-th admissible direction, slots left
  without one are decoupled identity equations), so block-AMG can aggregate by node;
* its CSR data is a fixed sparse linear map of the full CSR data (:meth:`reduce_matrix`), built
  once, so a Newton iteration pays one sparse mat-vec for the elimination;
* a free-standing assembly keeps the rigid-body modes that the constraints leave: they are found
  automatically (``R - T T^T R`` has them in its null space) and removed by fixing as many
  reduced unknowns as there are such modes, chosen by pivoted QR so that they pin the modes
  well (the 3-2-1 rule done by linear algebra). That support is statically determinate, so it
  adds no stress under self-equilibrated (thermal) loads; the user never pins a node by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from ..errors import InputError
from .assembly import sorted_unique
from .kinematics import Discretization


@dataclass
class NodeConstraint:
    """Displacement of ``nodes`` along the unit ``normal`` equals ``value`` (a number, or one
    value per node)."""

    nodes: np.ndarray
    normal: np.ndarray
    value: float | np.ndarray = 0.0
    name: str = ""


def boundary_nodes(disc: Discretization, facets: np.ndarray) -> np.ndarray:
    """Scalar-basis nodes (vertices and higher-order nodes) on the given facets."""
    return sorted_unique(disc.scalar_basis.get_dofs(facets).flatten())


def plane_normal(points: np.ndarray, name: str, source: str, tol: float = 1e-6) -> np.ndarray:
    """Unit normal of the plane through ``points`` (n, dim); error if they are not coplanar."""
    if points.shape[0] < points.shape[1]:
        raise InputError(source, f"boundary.{name}", f"{points.shape[0]} nodes",
                         "a planar boundary with enough nodes to define its plane")
    c = points - points.mean(axis=0)
    _, s, vt = np.linalg.svd(c, full_matrices=False)
    size = max(s[0], 1e-300)
    if s[-1] > tol * size:
        raise InputError(source, f"boundary.{name}", "not planar",
                         "a planar surface (symmetry needs a plane)")
    n = vt[-1]
    k = int(np.argmax(np.abs(n)))
    n = n * np.sign(n[k])
    n[np.abs(n) < 1e-12] = 0.0
    return n / np.linalg.norm(n)


class ConstrainedSpace:
    """The reduced space ``u = T u_hat + g`` for a set of node constraints.

    Parameters
    ----------
    disc : the discretization
    constraints : list of :class:`NodeConstraint`
    remove_rigid_body_modes : fix the rigid-body modes the constraints leave free
    """

    def __init__(self, disc: Discretization, constraints: list[NodeConstraint],
                 remove_rigid_body_modes: bool = True, source: str = "<case>"):
        self.disc = disc
        dim, n_nodes, n = disc.dim, disc.n_nodes, disc.n_dofs
        normals, values = _normals_per_node(constraints, n_nodes, dim)
        groups = []
        for mask, nodes in _group_by_mask(normals["mask"]):
            N = normals["table"][_bits(mask)] if mask else np.zeros((0, dim))
            basis, pinv, rank = _complement(N)
            if rank < N.shape[0]:
                # redundant normals: their prescribed values must agree
                v = values[nodes][:, _bits(mask)]
                resid = v - (N @ (pinv @ v.T)).T
                if np.abs(resid).max(initial=0.0) > 1e-9 * max(1.0, np.abs(v).max(initial=0)):
                    raise InputError(source, "boundary", "conflicting prescribed displacements",
                                     f"compatible constraints at node {int(nodes[0])}")
            groups.append((mask, nodes, basis, pinv))
        # Unknowns stay node-blocked: slot k of node d is unknown dim*d + k, holding the k-th
        # admissible direction of that node (an admissible coordinate axis keeps its own slot,
        # see _complement); slots without a direction (constrained, pinned) become decoupled
        # identity equations. The system keeps the size and the node-block
        # structure of the full one, which block-AMG (pyamg BSR) needs.
        g = np.zeros(n)
        rows, cols, vals = [], [], []
        for mask, nodes, basis, pinv in groups:
            if mask:
                g_nodes = values[nodes][:, _bits(mask)] @ pinv.T          # (k, dim)
                g[(dim * nodes[:, None] + np.arange(dim)).ravel()] = g_nodes.ravel()
            m = basis.shape[1]
            if m:
                r = dim * nodes[:, None, None] + np.arange(dim)[None, :, None]   # (k, dim, 1)
                c = dim * nodes[:, None, None] + np.arange(m)[None, None, :]     # (k, 1, m)
                rr, cc = np.broadcast_arrays(r, c)
                rows.append(rr.ravel())
                cols.append(cc.ravel())
                vals.append(np.broadcast_to(basis, (nodes.size, dim, m)).ravel())
        extra = np.arange(dim * n_nodes, n)  # generalized-plane-strain unknowns
        rows.append(extra)
        cols.append(extra)
        vals.append(np.ones(extra.size))
        T = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n))
        T.eliminate_zeros()
        self.rigid_body_modes = disc.rigid_body_modes()
        self.free_modes = np.zeros((n, 0))
        self.pinned = np.zeros(0, dtype=np.int64)
        if remove_rigid_body_modes:
            T, self.free_modes, self.pinned = _pin_rigid_body_modes(T, self.rigid_body_modes)
        self.T = T.tocsr()
        self.Tt = self.T.T.tocsr()
        self.g = g
        self.n_reduced = n
        self.block_size = dim if disc.n_extra == 0 else 1
        # unknowns with no admissible direction: identity rows in the reduced matrix
        self.inactive = np.flatnonzero(np.diff(self.Tt.indptr) == 0)
        self._map = None

    # ------------------------------------------------------------------------------------------
    def reduce_vector(self, f: np.ndarray) -> np.ndarray:
        """``T^T f``."""
        return self.Tt @ f

    def expand(self, u_hat: np.ndarray, with_prescribed: bool = True) -> np.ndarray:
        """``T u_hat + g`` (or ``T u_hat`` for an increment with ``with_prescribed=False``)."""
        u = self.T @ u_hat
        return u + self.g if with_prescribed else u

    def near_nullspace(self) -> np.ndarray:
        """Rigid-body modes seen in the reduced space (AMG near-null space), ``(n_hat, k)``."""
        B = self.Tt @ self.rigid_body_modes
        norms = np.linalg.norm(B, axis=0)
        return np.ascontiguousarray(B[:, norms > 1e-12 * max(norms.max(initial=0), 1e-300)])

    def remove_rigid_motion(self, u: np.ndarray) -> np.ndarray:
        """Subtract the least-squares rigid-body part of ``u`` along the modes left free."""
        R = self.free_modes
        if R.shape[1] == 0:
            return u
        coef, *_ = np.linalg.lstsq(R, u, rcond=None)
        return u - R @ coef

    def reduce_matrix(self, A: sp.csr_matrix) -> sp.csr_matrix:
        """``T^T A T`` for a matrix with the assembler's fixed pattern (map built on first use)."""
        return self.reduced_csr(self.reduce_data(A))

    def reduce_data(self, A: sp.csr_matrix) -> np.ndarray:
        """The data array of ``T^T A T`` (its pattern: :meth:`reduced_csr`)."""
        self._build_map(A)
        P, identity = self._map[:2]
        data = P @ A.data
        data[identity] = 1.0
        return data

    def reduced_csr(self, data: np.ndarray) -> sp.csr_matrix:
        """The reduced matrix with the data array ``data`` (no copy)."""
        _, _, indptr, indices, shape = self._map
        out = sp.csr_matrix((data, indices, indptr), shape=shape, copy=False)
        out.has_sorted_indices = True
        return out

    def partial_reduction(self, A: sp.csr_matrix, positions: np.ndarray):
        """How entries ``positions`` of ``A``'s data enter the reduced data: ``(rows, P_sub)``
        with ``reduced[rows] += P_sub @ values`` for a change ``values`` at those positions
        (the solder joints' part of a tangent, re-reduced alone)."""
        self._build_map(A)
        P = self._map[0]
        if isinstance(P, _Selection):
            return P.columns(positions)
        P_sub = sp.csr_matrix(P.tocsc()[:, positions])
        rows = np.flatnonzero(np.diff(P_sub.indptr))
        return rows, sp.csr_matrix(P_sub[rows])

    def _build_map(self, A) -> None:
        if self._map is None:
            dim = self.disc.dim if self.disc.n_extra == 0 else 0
            self._map = (_selection_map(A.indptr, A.indices, self.T, self.inactive)
                         or _node_block_product_map(A.indptr, A.indices, self.T, self.inactive, dim)
                         or _triple_product_map(A.indptr, A.indices, self.T, self.inactive))


# ----------------------------------------------------------------------------------------------
def _normals_per_node(constraints, n_nodes, dim):
    """Distinct constraint normals (a small table) and per node a bitmask of those it has."""
    table, values = [], np.zeros((n_nodes, 0))
    mask = np.zeros(n_nodes, dtype=np.int64)
    for c in constraints:
        normal = np.asarray(c.normal, dtype=float)
        normal = normal / np.linalg.norm(normal)
        for k, t in enumerate(table):
            if np.allclose(t, normal, atol=1e-9):
                break
        else:
            table.append(normal)
            k = len(table) - 1
            values = np.hstack([values, np.zeros((n_nodes, 1))])
        if k >= 62:
            raise InputError("<case>", "boundary", f"{k + 1} distinct constraint directions",
                             "at most 62")
        nodes = np.asarray(c.nodes, dtype=np.int64)
        mask[nodes] |= np.int64(1) << k
        values[nodes, k] = c.value
    return {"table": np.array(table).reshape(-1, dim), "mask": mask}, values


def _bits(mask):
    return [k for k in range(63) if (mask >> k) & 1]


def _group_by_mask(mask):
    order = np.argsort(mask, kind="stable")
    unique, start = np.unique(mask[order], return_index=True)
    stops = list(start[1:]) + [mask.size]
    for u, a, b in zip(unique, start, stops):
        yield int(u), np.sort(order[a:b])


def _complement(N):
    """Orthonormal basis of the complement of the rows of ``N``, pinv(N), and rank(N)."""
    dim = N.shape[1]
    if N.shape[0] == 0:
        return np.eye(dim), np.zeros((dim, 0)), 0
    u, s, vt = np.linalg.svd(N)
    rank = int(np.count_nonzero(s > 1e-10 * s[0]))
    basis = vt[rank:].T
    basis[np.abs(basis) < 1e-14] = 0.0
    axes = np.abs(basis) == 1.0
    if np.all(axes.sum(axis=0) == 1):
        # the complement is spanned by coordinate axes (planes normal to the others): each
        # keeps its own slot, a zero column stands for a constrained axis, so T only selects
        # (see _selection_map)
        basis = np.diag(axes.any(axis=1).astype(float))
    return basis, np.linalg.pinv(N, rcond=1e-10), rank


def _pin_rigid_body_modes(T, R):
    """Fix reduced unknowns until no rigid-body mode of ``R`` survives in the space of ``T``."""
    TtR = T.T @ R
    D = R - T @ TtR
    scale = np.einsum("ij,ij->j", R, R)
    G = D.T @ D / np.sqrt(np.outer(scale, scale))
    w, V = np.linalg.eigh(G)
    Z = V[:, w < 1e-10]
    if Z.shape[1] == 0:
        return T, np.zeros((R.shape[0], 0)), np.zeros(0, dtype=np.int64)
    M = TtR @ Z                        # surviving modes in the reduced space
    # pivoted QR picks the reduced unknowns along which the modes are most independent
    _, _, piv = la.qr(M.T, mode="economic", pivoting=True)
    pinned = np.sort(piv[: Z.shape[1]])
    keep = np.ones(T.shape[1])
    keep[pinned] = 0.0
    return (T @ sp.diags(keep)).tocsr(), R @ Z, pinned


class _Selection:
    """The map ``data(T^T A T) = P data(A)`` of a selection ``T`` without forming ``P``: reduced
    entry ``k`` is entry ``position[k]`` of ``A``'s data, or an identity diagonal where
    ``product[k]`` is False (P's row is empty there). Applied by a gather; forming the sparse
    ``P`` (15 M rows at 190 k unknowns) took longer than all the rest of the map."""

    def __init__(self, position: np.ndarray, product: np.ndarray, nnz: int):
        self.position, self.product = position, product
        self.shape = (position.size, nnz)
        self._identity_rows = np.flatnonzero(~product)

    def __matmul__(self, data: np.ndarray) -> np.ndarray:
        out = data[self.position]
        out[self._identity_rows] = 0.0
        return out

    def tocsr(self) -> sp.csr_matrix:
        """The explicit sparse ``P``."""
        indptr = np.zeros(self.shape[0] + 1, dtype=np.int64)
        np.cumsum(self.product, out=indptr[1:])
        return sp.csr_matrix((np.ones(int(indptr[-1])), self.position[self.product], indptr),
                             shape=self.shape)

    def columns(self, positions: np.ndarray):
        """``(rows, P_sub)`` of :meth:`ConstrainedSpace.partial_reduction` for the sorted data
        positions ``positions``: the reduced entries they are, and a 0/1 matrix picking them."""
        k = np.minimum(np.searchsorted(self.position, positions), self.shape[0] - 1)
        kept = (self.position[k] == positions) & self.product[k]
        rows = k[kept]
        P_sub = sp.csr_matrix((np.ones(rows.size), np.flatnonzero(kept),
                               np.arange(rows.size + 1)), shape=(rows.size, positions.size))
        return rows, P_sub


def _selection_map(indptr, indices, T, inactive):
    """:func:`_triple_product_map` when ``T`` only selects: every dof keeps its own slot with
    weight 1 or has none (symmetry planes normal to the axes, prescribed components, pinned
    rigid-body modes; not a rotated plane). Then ``T^T A T`` is ``A`` with the rows and columns
    of the inactive slots emptied and a unit diagonal there, so the reduced pattern is the part
    of ``A``'s whose row and column are both active (plus those diagonals) and the map picks
    entries (:class:`_Selection`), found in a few passes over the pattern without sorting or
    per-product keys. 3D quarter model of the 6 x 6 WLCSP (15 M entries): 6.4 s for the
    node-block construction, 0.5 s here. None when ``T`` is not a selection."""
    T = T.tocsr()
    n = indptr.size - 1
    count = np.diff(T.indptr)
    if T.shape != (n, n) or np.any(count > 1):
        return None
    has = np.flatnonzero(count)
    if np.any(T.indices[T.indptr[has]] != has) or np.any(T.data[T.indptr[has]] != 1.0):
        return None
    active = count == 1
    rows = np.repeat(np.arange(n), np.diff(indptr))
    picked = active[rows] & active[indices]
    diagonal = np.flatnonzero(rows == indices)
    if diagonal.size != n:
        return None
    used = picked.copy()
    used[diagonal[inactive]] = True
    position = np.flatnonzero(used)      # A's data position of each reduced entry, in order
    identity = np.searchsorted(position, diagonal[inactive])  # their places among the kept
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[position], minlength=n), out=new_indptr[1:])
    index_type = np.int32 if position.size < 2**31 - 1 else np.int64
    return _Selection(position, picked[position], indices.size), identity, \
        new_indptr.astype(index_type), indices[position].astype(index_type), (n, n)


def _node_block_product_map(indptr, indices, T, inactive, dim):
    """:func:`_triple_product_map` without sorting, for a node-blocked pattern (every row of a
    node has the same columns, in whole node blocks: the assembler's pattern of a model without
    extra unknowns) and a ``T`` that maps each node's slots to its own dofs only. Then an entry
    ``(I, J)`` of ``T^T A T`` fed by the entry ``(r, c)`` of ``A`` (at data position ``p``) lies
    in the same node block, at position ``indptr[I] + (p - indptr[r]) + (J - c)`` of ``A``'s
    pattern: the reduced pattern is the part of ``A``'s that some product (or an inactive
    diagonal) reaches, and the map follows by counting, not by sorting 5 M keys; entries whose
    row and column dofs each map to a single slot (all but the nodes of a rotated symmetry
    plane) take one product by gathers. Octant default, 73 k unknowns: 2.7 s CPU for the
    general construction, 0.84 s here. None when the structure is not there."""
    if dim < 2:
        return None
    T = T.tocsr()
    if T.nnz == 0:
        return None
    n = indptr.size - 1
    n_hat = T.shape[1]
    if n % dim or n_hat != n:
        return None
    T_rows = np.repeat(np.arange(n), np.diff(T.indptr))
    if np.any(T.indices // dim != T_rows // dim):
        return None
    length = np.diff(indptr)
    node_length = length.reshape(-1, dim)
    if np.any(node_length != node_length[:, :1]) or np.any(length % dim):
        return None
    rows = np.repeat(np.arange(n), length)
    first_row = indptr[rows - rows % dim]  # the same offset in the node's first row
    offset = np.arange(indices.size) - indptr[rows]
    if np.any(indices != indices[first_row + offset]):
        return None
    blocks = indices.reshape(-1, dim)  # rows hold whole node blocks, in order
    if np.any(blocks[:, 0] % dim) or np.any(blocks - blocks[:, :1] != np.arange(dim)):
        return None
    count = np.diff(T.indptr)

    def spread(i, *carried):
        r = count[i]
        pos = np.repeat(T.indptr[i], r) + np.arange(r.sum()) - np.repeat(np.cumsum(r) - r, r)
        return [np.repeat(c, r) for c in carried], T.indices[pos].astype(np.int64), T.data[pos]

    cols = indices.astype(np.int64)
    # entries whose row and column dofs both map to one slot (all but the few nodes on a
    # rotated plane): one product each, by gathers; the others spread over T's entries
    single = count == 1
    slot = T.indices[np.minimum(T.indptr[:-1], T.indices.size - 1)].astype(np.int64)
    weight = np.where(single, T.data[np.minimum(T.indptr[:-1], T.data.size - 1)], 0.0)
    simple = single[rows] & single[cols]
    p_s = np.flatnonzero(simple)
    r_s, c_s = rows[p_s], cols[p_s]
    several = ~simple & (count[rows] > 0) & (count[cols] > 0)
    (p1,), I, a = spread(rows[several], np.flatnonzero(several))
    (p_c, I_c, a_c), J_c, b_c = spread(cols[p1], p1, I, a)
    p2 = np.concatenate([p_s, p_c])
    I2 = np.concatenate([slot[r_s], I_c])
    J = np.concatenate([slot[c_s], J_c])
    coefficient = np.concatenate([weight[r_s] * weight[c_s], a_c * b_c])
    target = indptr[I2] + (p2 - indptr[rows[p2]]) + (J - cols[p2])
    used = np.zeros(indices.size, dtype=bool)
    used[target] = True
    diagonal = np.flatnonzero(rows == indices)  # one per row (a node couples to itself)
    if diagonal.size != n:
        return None
    diagonal = diagonal[inactive]  # the identity equations of the inactive slots
    used[diagonal] = True
    rank = np.cumsum(used) - 1
    n_keys = int(rank[-1]) + 1 if used.size else 0
    P = sp.csr_matrix((coefficient, (rank[target], p2)), shape=(n_keys, indices.size))
    new_indptr = np.zeros(n_hat + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[used], minlength=n_hat), out=new_indptr[1:])
    index_type = np.int32 if n_keys < 2**31 - 1 else np.int64
    return P, rank[diagonal], new_indptr.astype(index_type), indices[used].astype(index_type), \
        (n_hat, n_hat)


def _triple_product_map(indptr, indices, T, inactive):
    """Sparse map ``P`` with ``data(T^T A T) = P @ data(A)`` for every ``A`` of one pattern,
    plus the data positions of the unit diagonal of the ``inactive`` unknowns."""
    T = T.tocsr()
    n_hat = T.shape[1]
    count = np.diff(T.indptr)

    def spread(i, *carried):
        """Repeat entries over the nonzeros of rows ``i`` of ``T``; their columns and values."""
        r = count[i]
        pos = np.repeat(T.indptr[i], r) + np.arange(r.sum()) - np.repeat(np.cumsum(r) - r, r)
        return [np.repeat(c, r) for c in carried], T.indices[pos].astype(np.int64), T.data[pos]

    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    cols = indices.astype(np.int64)
    (p1,), I, a = spread(rows, np.arange(indices.size))
    (p2, I2, a2), J, b = spread(cols[p1], p1, I, a)
    diagonal = inactive.astype(np.int64) * (n_hat + 1)
    key = np.concatenate([I2 * n_hat + J, diagonal])
    unique_keys, hat_pos = np.unique(key, return_inverse=True)
    identity = hat_pos[I2.size:]
    hat_pos = hat_pos[: I2.size]
    P = sp.csr_matrix((a2 * b, (hat_pos, p2)), shape=(unique_keys.size, indices.size))
    new_indptr = np.zeros(n_hat + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique_keys // n_hat, minlength=n_hat), out=new_indptr[1:])
    index_type = np.int32 if unique_keys.size < 2**31 - 1 else np.int64
    return P, identity, new_indptr.astype(index_type), (unique_keys % n_hat).astype(index_type), \
        (n_hat, n_hat)
