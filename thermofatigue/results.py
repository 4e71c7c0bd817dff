"""Derived results: von Mises stress, per-region statistics, die curvature.

Pure functions of numpy arrays and a model; no files.
"""

from __future__ import annotations

import numpy as np


def von_mises(stress: np.ndarray) -> np.ndarray:
    """Von Mises equivalent stress of Voigt stresses ``(..., 6)`` (tensor shear in slots 3-5)."""
    s = np.asarray(stress)
    d = s[..., :3] - s[..., :3].mean(axis=-1, keepdims=True)
    return np.sqrt(1.5 * (np.sum(d * d, axis=-1) + 2.0 * np.sum(s[..., 3:] ** 2, axis=-1)))


def region_statistics(model, q_values: np.ndarray) -> dict:
    """Per region: volume-weighted mean and maximum of a quadrature-point scalar field."""
    w = model.disc.weights
    out = {}
    for name, elems in sorted(model.tagged.regions.items()):
        v = q_values[elems]
        ww = w[elems]
        out[name] = {"mean": float(np.sum(v * ww) / np.sum(ww)), "max": float(v.max())}
    return out


def top_surface_curvature(model, u: np.ndarray, region: str = "die",
                          within: float | None = None) -> dict:
    """Curvature of the top face of ``region`` from a least-squares quadratic fit.

    The out-of-plane displacement ``w`` of the nodes on the region's top face (largest
    coordinate normal to the board: z in 3D, y in 2D) is fitted with
    ``w = a + b x (+ c y) + kappa_x x^2 / 2 (+ kappa_y y^2 / 2 + kappa_xy x y)``; positive
    curvature is concave up (centre lower than the edges). Also returns the warpage (peak-to-peak
    ``w`` over that face) in mm. ``within`` restricts the fit to nodes with every in-plane
    coordinate in ``[-within, within]`` (the centre of a symmetric model sits at the origin),
    away from free-edge effects.
    """
    disc = model.disc
    dim = disc.dim
    elems = model.tagged.regions[region]
    nodes = np.unique(disc.scalar_basis.element_dofs[:, elems])
    x = disc.node_coordinates[nodes]
    top = x[:, dim - 1].max()
    thickness = x[:, dim - 1].max() - x[:, dim - 1].min()
    on_top = np.abs(x[:, dim - 1] - top) <= 1e-6 * max(thickness, 1e-12)
    if within is not None:
        on_top &= np.all(np.abs(x[:, : dim - 1]) <= within * (1 + 1e-12), axis=1)
    xt = x[on_top]
    w = disc.nodal_values(u)[nodes[on_top], dim - 1]
    if dim == 2:
        A = np.column_stack([np.ones(len(xt)), xt[:, 0], 0.5 * xt[:, 0] ** 2])
        coef, *_ = np.linalg.lstsq(A, w, rcond=None)
        return {"kappa_x": float(coef[2]), "warpage": float(np.ptp(w)), "nodes": int(len(w))}
    X, Y = xt[:, 0], xt[:, 1]
    A = np.column_stack([np.ones(len(xt)), X, Y, 0.5 * X ** 2, 0.5 * Y ** 2, X * Y])
    coef, *_ = np.linalg.lstsq(A, w, rcond=None)
    return {"kappa_x": float(coef[3]), "kappa_y": float(coef[4]), "kappa_xy": float(coef[5]),
            "warpage": float(np.ptp(w)), "nodes": int(len(w))}
