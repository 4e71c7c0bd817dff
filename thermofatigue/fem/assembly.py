"""Vectorised assembly into a fixed CSR sparsity pattern.

The element tangent of every element at once,

    K_e = sum_q w_q B_q^T D_q B_q,

is a batched matrix product over arrays shaped ``(n_elements, n_quadrature, ...)``; the global
matrix is never built through COO -> CSR again after the first call: the position of every
element-matrix entry in the CSR data array is computed once (``scatter``) and each new tangent
only refills ``data`` with one ``np.bincount``. Subsets of elements (the nonlinear solder joints)
can be re-assembled alone and added to a cached data array of the rest.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .kinematics import Discretization

_CHUNK_BYTES = 64e6  # working memory per batch of elements


class Assembler:
    """Stiffness matrices and force vectors of one :class:`Discretization`."""

    def __init__(self, disc: Discretization):
        self.disc = disc
        n = disc.n_dofs
        if disc.n_extra == 0:
            scatter, indices, indptr = _block_pattern(disc.scalar_basis.element_dofs.T,
                                                      disc.dim, disc.n_nodes)
        else:  # generalized plane strain: two dense rows and columns, small 2D systems
            scatter, indices, indptr = _pattern(disc.element_dofs, n)
        n_loc = disc.n_element_dofs
        index_type = np.int32 if indices.size < 2**31 - 1 else np.int64
        self.scatter = scatter.astype(index_type, copy=False).reshape(disc.n_elements,
                                                                      n_loc * n_loc)
        self.indices = indices.astype(index_type, copy=False)
        self.indptr = indptr.astype(index_type, copy=False)
        self.nnz = indices.size
        self.shape = (n, n)
        # batch size so that B of one batch stays near _CHUNK_BYTES
        per_element = disc.n_quadrature * 6 * n_loc * 8 * 3
        self.chunk = max(1, int(_CHUNK_BYTES // per_element))

    # ------------------------------------------------------------------------------------------
    def _batches(self, elements):
        idx = np.arange(self.disc.n_elements)[elements] if not isinstance(elements, np.ndarray) \
            else np.asarray(elements)
        for start in range(0, idx.size, self.chunk):
            yield start, idx[start:start + self.chunk]

    def element_matrices(self, tangent: np.ndarray, elements=slice(None),
                         B: np.ndarray | None = None) -> np.ndarray:
        """``K_e`` for ``elements``, shaped ``(n, n_element_dofs, n_element_dofs)``.

        ``tangent`` is ``(n, n_quadrature, 6, 6)`` for the same elements (or broadcastable);
        ``B``, if given, is their precomputed strain matrix (no batching then).
        """
        disc = self.disc
        if B is not None:
            w = disc.weights[elements]
            c, nq, _, m = B.shape
            DBw = np.matmul(tangent * w[:, :, None, None], B)
            return np.matmul(B.reshape(c, nq * 6, m).transpose(0, 2, 1), DBw.reshape(c, nq * 6, m))
        idx = np.arange(disc.n_elements)[elements] if not isinstance(elements, np.ndarray) \
            else np.asarray(elements)
        tangent = np.broadcast_to(tangent, (idx.size, disc.n_quadrature, 6, 6))
        m = disc.n_element_dofs
        out = np.empty((idx.size, m, m))
        for start, sel in self._batches(idx):
            stop = start + sel.size
            B = disc.strain_matrix(sel)                               # (c, Q, 6, m)
            DBw = np.matmul(tangent[start:stop] * disc.weights[sel][:, :, None, None], B)
            c, nq = B.shape[:2]
            out[start:stop] = np.matmul(B.reshape(c, nq * 6, m).transpose(0, 2, 1),
                                        DBw.reshape(c, nq * 6, m))
        return out

    def matrix_data(self, tangent: np.ndarray, elements=slice(None),
                    B: np.ndarray | None = None) -> np.ndarray:
        """CSR data array (length ``nnz``) of the stiffness of ``elements``."""
        idx = np.arange(self.disc.n_elements)[elements] if not isinstance(elements, np.ndarray) \
            else np.asarray(elements)
        if B is not None:
            Ke = self.element_matrices(tangent, idx, B)
            return np.bincount(self.scatter[idx].ravel(), weights=Ke.ravel(), minlength=self.nnz)
        data = np.zeros(self.nnz)
        for start, sel in self._batches(idx):
            Ke = self.element_matrices(tangent[start:start + sel.size], sel)
            data += np.bincount(self.scatter[sel].ravel(), weights=Ke.ravel(),
                                minlength=self.nnz)
        return data

    def subset_pattern(self, elements: np.ndarray):
        """The data positions the stiffness of ``elements`` touches, and for each entry of
        their element matrices (row-major) its index among those positions."""
        positions, inverse = np.unique(self.scatter[elements].ravel(), return_inverse=True)
        return positions, inverse.ravel()

    def subset_matrix_data(self, tangent: np.ndarray, elements: np.ndarray,
                           inverse: np.ndarray, size: int,
                           B: np.ndarray | None = None) -> np.ndarray:
        """The stiffness of ``elements`` at the positions of :meth:`subset_pattern` only
        (``size`` of them): no pass over the whole data array."""
        Ke = self.element_matrices(tangent, elements, B)
        return np.bincount(inverse, weights=Ke.ravel(), minlength=size)

    def csr(self, data: np.ndarray) -> sp.csr_matrix:
        """The global matrix with the fixed pattern and the given data (no copy of the pattern)."""
        A = sp.csr_matrix((data, self.indices, self.indptr), shape=self.shape, copy=False)
        A.has_sorted_indices = True
        return A

    def matrix(self, tangent: np.ndarray, elements=slice(None)) -> sp.csr_matrix:
        """Global stiffness of ``elements`` for the quadrature-point tangent ``tangent``."""
        return self.csr(self.matrix_data(tangent, elements))

    def vector(self, stress: np.ndarray, elements=slice(None),
               B: np.ndarray | None = None) -> np.ndarray:
        """Global vector ``sum_e sum_q w B^T stress`` (internal force for a stress field,
        thermal load for ``D eps_th``), for ``stress`` shaped ``(n, n_quadrature, 6)``."""
        disc = self.disc
        idx = np.arange(disc.n_elements)[elements] if not isinstance(elements, np.ndarray) \
            else np.asarray(elements)
        stress = np.broadcast_to(stress, (idx.size, disc.n_quadrature, 6))
        if B is not None:
            fe = np.einsum("eqkn,eqk->en", B, stress * disc.weights[idx][:, :, None],
                           optimize=True)
            return np.bincount(disc.element_dofs[idx].ravel(), weights=fe.ravel(),
                               minlength=disc.n_dofs)
        f = np.zeros(disc.n_dofs)
        for start, sel in self._batches(idx):
            B = disc.strain_matrix(sel)
            sw = stress[start:start + sel.size] * disc.weights[sel][:, :, None]
            fe = np.einsum("eqkn,eqk->en", B, sw, optimize=True)
            f += np.bincount(disc.element_dofs[sel].ravel(), weights=fe.ravel(),
                             minlength=disc.n_dofs)
        return f


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, ascending, by one sort. (numpy 2.4's
    ``np.unique`` without ``return_inverse`` takes a hash-table path that took 10 s for 1 M
    integers on the 2-core machine, where a sort takes 0.08 s.)"""
    values = np.sort(np.ravel(values))
    if values.size == 0:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _pattern(dofs: np.ndarray, n: int):
    """CSR pattern of the element dof lists ``dofs`` (E, m): the position in the data array of
    every element-matrix entry (row-major), the column indices and the row pointers."""
    m = dofs.shape[1]
    rows = np.repeat(dofs, m, axis=1).ravel().astype(np.int64)
    cols = np.tile(dofs, (1, m)).ravel()
    unique_keys, scatter = np.unique(rows * n + cols, return_inverse=True)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique_keys // n, minlength=n), out=indptr[1:])
    return scatter, unique_keys % n, indptr


def _block_pattern(node_dofs: np.ndarray, dim: int, n_nodes: int):
    """The vector pattern built from the scalar (node) pattern, each entry a ``dim x dim`` block:
    ``dim^2`` times fewer keys to sort than :func:`_pattern` (the memory and time of the first
    assembly). Vector dof ``dim * a + i``; entry ``(a, i), (b, j)`` with ``b`` the ``k``-th
    column of scalar row ``a`` sits at ``dim^2 s_ptr[a] + i dim len_a + dim k + j``."""
    s_scatter, s_indices, s_ptr = _pattern(node_dofs, n_nodes)
    n_el, m = node_dofs.shape
    length = np.diff(s_ptr)
    vec_ptr = np.zeros(dim * n_nodes + 1, dtype=np.int64)
    vec_ptr[1:] = np.cumsum(np.repeat(dim * length, dim))
    row = np.repeat(np.arange(n_nodes), length)         # scalar row of every scalar entry
    k = np.arange(s_indices.size) - s_ptr[row]          # its position within the row
    vec_indices = np.empty(dim * dim * s_indices.size, dtype=np.int64)
    for i in range(dim):
        for j in range(dim):
            pos = dim * dim * s_ptr[row] + i * dim * length[row] + dim * k + j
            vec_indices[pos] = dim * s_indices + j
    # element entry (a_loc, i), (b_loc, j) -> data position; local vector dof = dim * loc + comp;
    # filled block by block in the index type the assembler keeps (int32 below 2^31 entries):
    # no temporaries of the full (E, a, i, b, j) size (430 MB in int64 at 60 k P2 tetrahedra)
    index_type = np.int32 if vec_indices.size < 2**31 - 1 else np.int64
    s_sc = s_scatter.reshape(n_el, m, m)
    a_ptr = s_ptr[node_dofs][:, :, None]                               # (E, a, 1)
    base = (dim * dim * a_ptr + dim * (s_sc - a_ptr)).astype(index_type)   # (E, a, b)
    stride = (dim * length[node_dofs]).astype(index_type)[:, :, None]  # (E, a, 1)
    scatter = np.empty((n_el, m, dim, m, dim), dtype=index_type)
    for i in range(dim):
        for j in range(dim):
            np.add(base, i * stride + j, out=scatter[:, :, i, :, j])
    return scatter.reshape(-1), vec_indices, vec_ptr
