"""Manufactured solutions for linear elasticity: separable trigonometric displacement fields.

``u_i(x) = sum_terms c * prod_d g_d(k_d x_d)`` with ``g in {sin, cos}``; derivatives are exact,
so the body force ``b = -div sigma(u)`` of isotropic Hooke's law is exact at any point.
"""

import numpy as np

_D = {"sin": ("cos", 1.0), "cos": ("sin", -1.0)}  # d/dx of sin = cos, of cos = -sin


class Field:
    """One displacement component as a sum of separable trigonometric terms."""

    def __init__(self, terms):
        # terms: list of (coefficient, [(fname, k) per coordinate])
        self.terms = terms

    def derivative(self, x, orders):
        """Mixed partial derivative of the component at points x (..., dim)."""
        out = np.zeros(x.shape[:-1])
        for c, factors in self.terms:
            val = np.full(x.shape[:-1], float(c))
            for d, (name, k) in enumerate(factors):
                fname, sign = name, 1.0
                for _ in range(orders[d]):
                    fname, s = _D[fname][0], _D[fname][1]
                    sign *= s * k
                val = val * sign * getattr(np, fname)(k * x[..., d])
            out += val
        return out


def elasticity_solution(dim, frequency=0.5 * np.pi):
    """A smooth vector field and its exact derivatives in ``dim`` dimensions."""
    k = frequency
    if dim == 2:
        comps = [Field([(1e-3, [("sin", k), ("cos", k)]), (5e-4, [("cos", 2 * k), ("sin", k)])]),
                 Field([(1e-3, [("cos", k), ("sin", k)])])]
    else:
        comps = [Field([(1e-3, [("sin", k), ("cos", k), ("cos", k)])]),
                 Field([(1e-3, [("cos", k), ("sin", k), ("cos", k)])]),
                 Field([(8e-4, [("cos", k), ("cos", k), ("sin", k)]),
                        (3e-4, [("sin", k), ("sin", k), ("cos", k)])])]
    return comps


def values(comps, x):
    dim = x.shape[-1]
    return np.stack([c.derivative(x, [0] * dim) for c in comps], axis=-1)


def gradients(comps, x):
    """(..., dim, dim) with [i, j] = d u_i / d x_j."""
    dim = x.shape[-1]
    return np.stack([np.stack([c.derivative(x, list(np.eye(dim, dtype=int)[j]))
                               for j in range(dim)], axis=-1) for c in comps], axis=-2)


def body_force(comps, x, lam, mu):
    """b = -div sigma = -(mu lap u + (lam + mu) grad div u), plane strain or 3D."""
    dim = x.shape[-1]
    e = np.eye(dim, dtype=int)
    b = []
    for i in range(dim):
        lap = sum(comps[i].derivative(x, list(2 * e[j])) for j in range(dim))
        grad_div = sum(comps[j].derivative(x, list(e[i] + e[j])) for j in range(dim))
        b.append(-(mu * lap + (lam + mu) * grad_div))
    return np.stack(b, axis=-1)
