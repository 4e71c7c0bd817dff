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


def top_face_weights(model, region: str) -> np.ndarray:
    """Per mesh vertex, its share of the area of the top face of ``region`` (the facets of the
    region in its highest plane normal to the board: z in 3D, y in 2D); zero elsewhere."""
    mesh = model.tagged.mesh
    dim = mesh.p.shape[0]
    elems = model.tagged.regions[region]
    in_region = np.zeros(mesh.t.shape[1], dtype=bool)
    in_region[elems] = True
    vertices = np.unique(mesh.t[:, elems])
    z = mesh.p[dim - 1]
    top = z[vertices].max()
    tol = 1e-6 * max(np.ptp(z[vertices]), 1e-12)
    facets = np.flatnonzero(np.all(np.abs(z[mesh.facets] - top) <= tol, axis=0)
                            & (in_region[mesh.f2t[0]] | in_region[np.maximum(mesh.f2t[1], 0)]
                               & (mesh.f2t[1] >= 0)))
    corners = mesh.p[:, mesh.facets[:, facets]]
    if dim == 2:
        area = np.abs(corners[0, 1] - corners[0, 0])
    else:
        area = 0.5 * np.linalg.norm(np.cross((corners[:, 1] - corners[:, 0]).T,
                                             (corners[:, 2] - corners[:, 0]).T), axis=1)
    weight = np.zeros(mesh.p.shape[1])
    np.add.at(weight, mesh.facets[:, facets].ravel(),
              np.repeat(area / mesh.facets.shape[0], mesh.facets.shape[0]))
    return weight


def surface_vertices(model, region: str) -> np.ndarray:
    """Mesh vertices on the top face of ``region`` (for warpage profiles)."""
    return np.flatnonzero(top_face_weights(model, region) > 0)


def top_surface_curvature(model, u: np.ndarray, region: str = "die",
                          within: float | None = None) -> dict:
    """Curvature of the top face of ``region`` from an area-weighted least-squares fit.

    The out-of-plane displacement ``w`` of the mesh vertices on the region's top face (largest
    coordinate normal to the board: z in 3D, y in 2D) is fitted with
    ``w = a + b x (+ c y) + kappa_x x^2 / 2 (+ kappa_y y^2 / 2 + kappa_xy x y)``, each vertex
    weighted by its share of the face area (so that refinement above the joints does not bias
    the fit); positive curvature is concave up (centre lower than the edges). Also returns the
    warpage (peak-to-peak ``w`` over that face) in mm. ``within`` restricts the fit to vertices
    with every in-plane coordinate in ``[-within, within]`` (the centre of a symmetric model
    sits at the origin), away from free-edge effects.
    """
    disc = model.disc
    mesh = model.tagged.mesh
    dim = disc.dim
    weight = top_face_weights(model, region)
    on_top = np.flatnonzero(weight > 0)
    if within is not None:
        inside = np.all(np.abs(mesh.p[: dim - 1, on_top]) <= within * (1 + 1e-12), axis=0)
        on_top = on_top[inside]
    xt = mesh.p[:, on_top].T
    w = disc.nodal_values(u)[on_top, dim - 1]   # vertices are the first scalar nodes
    sw = np.sqrt(weight[on_top])
    if dim == 2:
        A = np.column_stack([np.ones(len(xt)), xt[:, 0], 0.5 * xt[:, 0] ** 2])
        coef, *_ = np.linalg.lstsq(A * sw[:, None], w * sw, rcond=None)
        return {"kappa_x": float(coef[2]), "warpage": float(np.ptp(w)), "nodes": int(len(w))}
    X, Y = xt[:, 0], xt[:, 1]
    A = np.column_stack([np.ones(len(xt)), X, Y, 0.5 * X ** 2, 0.5 * Y ** 2, X * Y])
    coef, *_ = np.linalg.lstsq(A * sw[:, None], w * sw, rcond=None)
    return {"kappa_x": float(coef[3]), "kappa_y": float(coef[4]), "kappa_xy": float(coef[5]),
            "warpage": float(np.ptp(w)), "nodes": int(len(w))}
