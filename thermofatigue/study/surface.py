"""A response surface over a study's finished points, and the best design it predicts.

The critical joint's life spans decades, so the surface interpolates ``log10 N`` (and the
warpage, for the budget) over the numeric parameters that vary, each scaled to [0, 1] over its
studied range, with a thin-plate-spline radial basis function plus a linear polynomial
(:class:`scipy.interpolate.RBFInterpolator`; Fasshauer, *Meshfree Approximation Methods with
MATLAB*, 2007, Ch. 6 and 8): exact at the points, smooth between them.

Its error is estimated by leave-one-out cross-validation: each point is predicted by the
surface fitted to all the others (Rippa 1999, "An algorithm for selecting a good value for the
parameter c in radial basis function interpolation", Adv. Comput. Math. 11:193-210, uses the
same estimate). The root-mean-square of those residuals (in log10 N) is reported with every
prediction; a confirmation run of the predicted optimum is the real check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .table import primary_life


@dataclass
class ResponseSurface:
    """log10 life (and warpage) interpolated over the numeric varied parameters."""

    paths: tuple
    low: np.ndarray
    high: np.ndarray
    x: np.ndarray            # scaled points (n, d)
    log_life: np.ndarray     # (n,)
    warpage: np.ndarray      # (n,) of the objective's surface (nan: not known)
    law: str
    loo_residuals: np.ndarray

    @property
    def loo_rms(self) -> float:
        """Leave-one-out root-mean-square error of log10 N."""
        return float(np.sqrt(np.mean(self.loo_residuals ** 2)))

    def scale(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values, dtype=float) - self.low) / (self.high - self.low)

    def predict(self, values) -> np.ndarray:
        """Predicted log10 N at parameter values (m, d)."""
        return _rbf(self.x, self.log_life)(self.scale(np.atleast_2d(values)))

    def predict_warpage(self, values) -> np.ndarray:
        ok = np.isfinite(self.warpage)
        return _rbf(self.x[ok], self.warpage[ok])(self.scale(np.atleast_2d(values)))


def _rbf(x, y):
    from scipy.interpolate import RBFInterpolator

    return RBFInterpolator(x, y, kernel="thin_plate_spline", degree=1)


def fit_surface(study, rows, source: str | None = None) -> ResponseSurface:
    """Fit the surface to the finished points; needs at least d + 2 of them (d parameters)."""
    source = source or study.source
    law = study.objective.law or next((r["primary_law"] for r in rows if r.get("primary_law")),
                                      None)
    done = [r for r in rows if r["status"] == "done" and (primary_life(r, law) or 0) > 0]
    paths = tuple(p for _, p in study.factors()
                  if len({r.get(p) for r in done}) > 1
                  and all(_is_number(r.get(p)) for r in done))
    if not paths:
        raise InputError(source, "parameters", "no numeric parameter with two values",
                         "a numeric parameter varied over finished points for a response surface")
    if len(done) < len(paths) + 2:
        raise InputError(source, "parameters", f"{len(done)} finished points",
                         f"at least {len(paths) + 2} finished points for a surface over "
                         f"{len(paths)} parameters (and one left out)")
    values = np.array([[float(r[p]) for p in paths] for r in done])
    low, high = values.min(axis=0), values.max(axis=0)
    x = (values - low) / (high - low)
    y = np.log10([primary_life(r, law) for r in done])
    wcol = f"warpage_{study.objective.warpage_surface}_mm"
    warp = np.array([r.get(wcol) if _is_number(r.get(wcol)) else np.nan for r in done])
    loo = np.empty(len(done))
    for i in range(len(done)):
        keep = np.arange(len(done)) != i
        loo[i] = _rbf(x[keep], y[keep])(x[i:i + 1])[0] - y[i]
    return ResponseSurface(paths, low, high, x, y, warp, law, loo)


def optimise(surface: ResponseSurface, study, candidates: int = 20000, seed: int = 0) -> dict:
    """The parameter values of the highest predicted life within the studied ranges, the
    objective's parameter limits and its warpage budget (predicted warpage), found on a dense
    set of candidates (a grid in 1 and 2 dimensions, Latin-hypercube samples above)."""
    d = len(surface.paths)
    if d <= 2:
        axes = [np.linspace(0.0, 1.0, 401 if d == 1 else 141)] * d
        unit = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    else:
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=seed).random(candidates)
    values = surface.low + unit * (surface.high - surface.low)
    ok = np.ones(len(values), dtype=bool)
    for path, (lo, hi) in study.objective.limits.items():
        if path in surface.paths:
            col = values[:, surface.paths.index(path)]
            ok &= (col >= lo) & (col <= hi)
    warp = None
    if study.objective.warpage_max is not None and np.isfinite(surface.warpage).sum() > d + 1:
        warp = surface.predict_warpage(values)
        ok &= warp <= study.objective.warpage_max
    if not ok.any():
        raise InputError(study.source, "objective", _objective_text(study),
                         "limits some design within the studied ranges meets (none does, by "
                         "the response surface)")
    pred = surface.predict(values)
    pred[~ok] = -np.inf
    best = int(np.argmax(pred))
    return {"parameters": {p: float(values[best, i]) for i, p in enumerate(surface.paths)},
            "law": surface.law, "predicted_log10_life": float(pred[best]),
            "predicted_life": 10.0 ** float(pred[best]),
            "predicted_warpage_mm": None if warp is None else float(warp[best]),
            "loo_rms_log10": surface.loo_rms,
            "loo_factor": 10.0 ** surface.loo_rms, "points": len(surface.log_life)}


def _objective_text(study) -> str:
    o = study.objective
    parts = [f"warpage_max = {o.warpage_max}"] if o.warpage_max is not None else []
    parts += [f"{p} in [{lo}, {hi}]" for p, (lo, hi) in o.limits.items()]
    return ", ".join(parts) or "none"


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
