"""The study's table (one row per design point), the best design and the sensitivity ranking.

``study.csv`` columns, in order: ``key``, ``status``, one column per varied parameter (named by
its path), ``model``, ``joint``, ``row``, ``column``, ``dnp_mm``, ``interface``,
``dW_interface_MPa``, ``N_<law>`` for each fatigue law, ``primary_law``, ``warpage_<surface>_mm``
(peak to valley of the die top and the board top), ``cycles_run``, ``cycle_used``,
``stabilised``, ``run_time_s``, ``error``.
"""

from __future__ import annotations

import math

import numpy as np

from ..io import write_csv, write_json

SURFACES = ("die_top", "board_top")


def study_rows(study, points, records: dict) -> list[dict]:
    """One dict per point (expansion order) with the ``study.csv`` columns."""
    laws = laws_of(records.values())
    rows = []
    for point in points:
        rec = records.get(point.key) or {}
        res = rec.get("results") or {}
        row = {"key": point.key, "status": rec.get("status", "missing")}
        row.update({p: point.parameters.get(p, _base_value(study, p)) for p in study.paths})
        row.update({"model": res.get("geometry_kind"), "joint": res.get("joint"),
                    "row": res.get("row"), "column": res.get("column"),
                    "dnp_mm": res.get("dnp"), "interface": res.get("interface"),
                    "dW_interface_MPa": res.get("dW_interface")})
        life = res.get("life") or {}
        row.update({f"N_{law}": life.get(law) for law in laws})
        row["primary_law"] = res.get("primary_law")
        warp = res.get("warpage_mm") or {}
        row.update({f"warpage_{s}_mm": warp.get(s) for s in SURFACES})
        row.update({"cycles_run": res.get("cycles_run"), "cycle_used": res.get("cycle_used"),
                    "stabilised": res.get("stabilised"), "run_time_s": rec.get("run_time_s"),
                    "error": rec.get("error")})
        rows.append(row)
    return rows


def laws_of(records) -> list[str]:
    laws = []
    for rec in records:
        for law in ((rec or {}).get("results") or {}).get("life", {}):
            if law not in laws:
                laws.append(law)
    return laws


def laws_of_rows(rows) -> list[str]:
    """The fatigue laws with an ``N_<law>`` column in the rows."""
    return [k[2:] for k in (rows[0] if rows else {}) if k.startswith("N_")]


def _base_value(study, path):
    from .spec import get_path

    try:
        return get_path(study.base_raw, path)
    except KeyError:
        return None


def write_table(path, rows: list[dict]) -> None:
    header = list(rows[0]) if rows else ["key", "status"]
    write_csv(path, header, ([_cell(r.get(h)) for h in header] for r in rows))


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        from .spec import stable_json

        return stable_json(v)
    return v


def primary_life(row: dict, law: str | None = None) -> float | None:
    """The row's life by ``law`` (its primary law when None)."""
    law = law or row.get("primary_law")
    value = row.get(f"N_{law}") if law else None
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def best_design(study, rows: list[dict]) -> dict:
    """The finished point with the longest life (objective law, else the primary law) whose
    warpage and parameters meet the objective. Returns {"point": row or None, "reason",
    "candidates"}."""
    obj = study.objective
    done = [r for r in rows if r["status"] == "done" and primary_life(r, obj.law) is not None]
    wcol = f"warpage_{obj.warpage_surface}_mm"
    ok = [r for r in done
          if (obj.warpage_max is None or (r.get(wcol) is not None and r[wcol] <= obj.warpage_max))
          and all(_within(r.get(p), lo, hi) for p, (lo, hi) in obj.limits.items())]
    out = {"law": obj.law or (done[0]["primary_law"] if done else None),
           "warpage_max_mm": obj.warpage_max, "warpage_surface": obj.warpage_surface,
           "limits": {p: list(v) for p, v in obj.limits.items()},
           "candidates": len(ok), "finished": len(done)}
    if not ok:
        if not done:
            out.update(point=None, reason="no finished point")
        else:
            smallest = min((r for r in done if r.get(wcol) is not None),
                           key=lambda r: r[wcol], default=None)
            out.update(point=None, reason=(
                f"none of the {len(done)} finished points meets the objective"
                + (f" (smallest {obj.warpage_surface} warpage {smallest[wcol]:.4g} mm at "
                   f"{_params(study, smallest)})" if smallest is not None else "")))
        return out
    best = max(ok, key=lambda r: primary_life(r, obj.law))
    out.update(point={k: best.get(k) for k in ["key", *study.paths, "joint", "interface",
                                                 "dW_interface_MPa", out["law"] and
                                                 f"N_{out['law']}", wcol] if k},
               reason=None)
    return out


def _within(value, lo, hi) -> bool:
    try:
        return lo <= value <= hi
    except TypeError:
        return False


def _params(study, row) -> str:
    return ", ".join(f"{p} = {row.get(p)}" for p in study.paths)


def best_line(study, best: dict) -> str:
    """The printed "best design" line."""
    if best["point"] is None:
        return f"best design: none ({best['reason']})"
    p = best["point"]
    wcol = f"warpage_{best['warpage_surface']}_mm"
    budget = ""
    if best["warpage_max_mm"] is not None:
        budget = (f", {best['warpage_surface']} warpage {p[wcol]:.4g} mm <= "
                  f"{best['warpage_max_mm']:g} mm")
    life = p[f"N_{best['law']}"]
    return (f"best design: {_params(study, p)}: {best['law']} life {life:.4g} cycles at joint "
            f"{p['joint']} ({p['interface']} side){budget} [point {p['key']}, "
            f"{best['candidates']} of {best['finished']} finished points eligible]")


def sensitivity(study, rows: list[dict], law: str | None = None) -> list[dict]:
    """Main effects on log10 life (primary law), from the study's own points.

    For each varied parameter with more than one value: the mean of log10 N over the finished
    points at each of its values (for more than 6 distinct numeric values: over 3 quantile bins),
    and the span ``max - min`` of those means; the ranking is by that span (a factor
    10**span on life). In a full-factorial grid each mean is the average over all levels of the
    other parameters: the classical main effect of a designed experiment (Montgomery, Design
    and Analysis of Experiments, 8th ed. 2013, Sec. 5.1 and 6.2).
    """
    done = [(r, primary_life(r, law)) for r in rows if r["status"] == "done"]
    done = [(r, math.log10(n)) for r, n in done if n is not None and n > 0]
    out = []
    for label, path in study.factors():
        values = [r.get(path) for r, _ in done]
        groups = _groups(values)
        if len(groups) < 2:
            continue
        means = []
        for value, members in groups:
            means.append((value, float(np.mean([done[i][1] for i in members]))))
        lo = min(means, key=lambda m: m[1])
        hi = max(means, key=lambda m: m[1])
        out.append({"parameter": label, "span_log10": hi[1] - lo[1],
                    "life_ratio": 10.0 ** (hi[1] - lo[1]),
                    "low": {"value": lo[0], "mean_log10_life": lo[1]},
                    "high": {"value": hi[0], "mean_log10_life": hi[1]},
                    "means": [{"value": v, "mean_log10_life": m} for v, m in means]})
    out.sort(key=lambda e: -e["span_log10"])
    return out


def _groups(values) -> list:
    distinct = []
    for v in values:
        if v not in distinct:
            distinct.append(v)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in distinct)
    if numeric and len(distinct) > 6:
        arr = np.asarray(values, dtype=float)
        edges = np.quantile(arr, [0, 1 / 3, 2 / 3, 1])
        which = np.clip(np.searchsorted(edges, arr, side="right") - 1, 0, 2)
        return [(f"{edges[b]:.4g}-{edges[b + 1]:.4g}", list(np.flatnonzero(which == b)))
                for b in range(3) if np.any(which == b)]
    if numeric:
        distinct.sort()
    return [(v, [i for i, x in enumerate(values) if x == v]) for v in distinct]


def write_study_json(path, study, rows, best, sens, counts) -> None:
    write_json(path, {
        "format": "thermofatigue.study-result/1", "title": study.title,
        "study_file": study.source, "identity": study.identity, "base": study.base_source,
        "parameters": study.levels(),
        "axes": [{"kind": a.kind, "paths": list(a.paths)} for a in study.axes],
        "objective": {"law": study.objective.law, "warpage_max_mm": study.objective.warpage_max,
                      "warpage_surface": study.objective.warpage_surface,
                      "limits": {p: list(v) for p, v in study.objective.limits.items()}},
        "counts": counts, "best": best, "sensitivity": sens, "points": rows})
