"""Figures of a study (matplotlib object API, no pyplot: no global backend is touched).

* ``<parameter>.png`` for each parameter with more than one value (die thickness first): three
  panels against the parameter, the critical joint's life (log scale; the primary law as a
  line, the spread between all fatigue laws as a band), its interface energy density dW
  (MPa; a filled circle where the die-side layer is critical, an open square where the
  board-side layer is) and the die-top peak-to-valley warpage (mm). One line per combination of the other
  parameters' values; points that share no line with others (Latin-hypercube samples) are
  drawn as markers.
* ``sensitivity.png``: a tornado chart of the main effects on life
  (:func:`thermofatigue.study.table.sensitivity`), largest first.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..errors import OutputError
from ..io import atomic_path
from .table import laws_of_rows, primary_life

#: marker of the critical joint's failing interface layer in the dW panel
INTERFACE_MARKERS = {"die": "o", "board": "s"}
#: parameters drawn first, in this order (die thickness is the headline study)
FIRST = ("geometry.die.thickness",)


def ordered_parameters(study, rows) -> list[str]:
    """Factors (the first path of a zipped group) with more than one value among the rows,
    die thickness first."""
    paths = [path for _, path in study.factors()]
    varied = [p for p in paths if len({_key(r.get(p)) for r in rows}) > 1]
    return sorted(varied, key=lambda p: (FIRST.index(p) if p in FIRST else len(FIRST),
                                         paths.index(p)))


def parameter_figure(study, rows, path) -> Figure:
    """Life (band over the laws), dW and warpage of the critical joint against ``path``."""
    done = [r for r in rows if r["status"] == "done"]
    others = [p for p in ordered_parameters(study, rows) if p != path]
    laws = laws_of_rows(rows)
    fig = Figure(figsize=(12.0, 4.0), layout="constrained")
    ax_life, ax_dw, ax_warp = fig.subplots(1, 3)
    numeric = all(_is_number(r.get(path)) for r in done)
    categories = []
    for r in done:
        if _key(r.get(path)) not in [_key(c) for c in categories]:
            categories.append(r.get(path))

    def xval(v):
        return float(v) if numeric else [_key(c) for c in categories].index(_key(v))

    lines = {}
    for r in done:
        lines.setdefault(tuple(_key(r.get(p)) for p in others), []).append(r)
    single = all(len(members) == 1 for members in lines.values()) and len(lines) > 1
    for i, (label_key, members) in enumerate(sorted(lines.items(), key=lambda kv: str(kv[0]))):
        members.sort(key=lambda r: xval(r.get(path)))
        x = np.array([xval(r.get(path)) for r in members])
        primary = np.array([primary_life(r) or np.nan for r in members])
        lives = np.array([[_num(r.get(f"N_{law}")) for law in laws] for r in members]) \
            if laws else np.full((len(members), 1), np.nan)
        color = f"C{i % 10}"
        label = ", ".join(f"{_short(_factor_label(study, p))} = {_fmt(r)}" for p, r in
                          zip(others, (members[0].get(p) for p in others))) or None
        style = dict(color=color, marker="o", linestyle="none" if single else "-")
        ax_life.plot(x, primary, label=None if single else label, **style)
        if lives.size and not single:
            with np.errstate(all="ignore"):
                ax_life.fill_between(x, np.nanmin(lives, axis=1), np.nanmax(lives, axis=1),
                                     color=color, alpha=0.08, linewidth=0)
        dw = [_num(r.get("dW_interface_MPa")) for r in members]
        ax_dw.plot(x, dw, **{**style, "marker": None})
        for side, marker in INTERFACE_MARKERS.items():   # which interface layer is critical
            at = [i for i, r in enumerate(members) if r.get("interface") == side]
            ax_dw.plot(x[at], np.asarray(dw)[at], color=color, marker=marker,
                       linestyle="none", markerfacecolor="none" if side == "board" else color)
        ax_warp.plot(x, [_num(r.get("warpage_die_top_mm")) for r in members], **style)
    law = next((r.get("primary_law") for r in done if r.get("primary_law")), None)
    ax_life.set_yscale("log")
    ax_life.set_ylabel("life of the critical joint (cycles)")
    ax_life.set_title(f"line: {law}; band: range of the {len(laws)} fatigue laws", fontsize=8)
    ax_dw.set_ylabel("interface energy density dW per cycle (MPa)")
    ax_warp.set_ylabel("die top warpage, peak to valley (mm)")
    for ax in (ax_life, ax_dw, ax_warp):
        ax.set_xlabel(_axis_label(_factor_label(study, path)))
        ax.grid(True, alpha=0.3)
        if not numeric:
            ax.set_xticks(range(len(categories)), [_fmt(c) for c in categories])
    from matplotlib.lines import Line2D

    ax_dw.legend(handles=[Line2D([], [], color="k", marker=m, linestyle="none",
                                 markerfacecolor="none" if side == "board" else "k",
                                 label=f"{side}-side layer critical")
                          for side, m in INTERFACE_MARKERS.items()], fontsize=7)
    if not single and others and len(lines) > 1:
        ax_life.legend(fontsize=7)
    model = next((r.get("model") for r in done if r.get("model")), "")
    fig.suptitle(f"{study.title}: critical joint against {_short(_factor_label(study, path))} "
                 f"({model} model)",
                 fontsize=10)
    return fig


def sensitivity_figure(study, sens) -> Figure:
    """Tornado chart: for each parameter, the mean log10 life at its worst and best value."""
    fig = Figure(figsize=(7.0, 0.6 * max(len(sens), 2) + 1.2), layout="constrained")
    ax = fig.subplots()
    centre = float(np.mean([m["mean_log10_life"] for e in sens for m in e["means"]]))
    for i, e in enumerate(reversed(sens)):
        lo, hi = e["low"]["mean_log10_life"], e["high"]["mean_log10_life"]
        ax.barh(i, hi - lo, left=lo, color="C0", alpha=0.7)
        ax.text(lo, i, f"{_fmt(e['low']['value'])} ", ha="right", va="center", fontsize=8)
        ax.text(hi, i, f" {_fmt(e['high']['value'])}  (x{e['life_ratio']:.3g})", ha="left",
                va="center", fontsize=8)
    ax.axvline(centre, color="k", linewidth=0.8)
    ax.set_yticks(range(len(sens)), [_short(e["parameter"]) for e in reversed(sens)])
    ax.set_xlabel("mean log10 life of the critical joint at the parameter's value "
                  "(main effect)")
    lo = min(e["low"]["mean_log10_life"] for e in sens)
    hi = max(e["high"]["mean_log10_life"] for e in sens)
    pad = 0.35 * (hi - lo) + 0.05
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_title(f"{study.title}: which parameter moves life most", fontsize=10)
    return fig


def write_study_figures(study, rows, sens, directory) -> list[Path]:
    """Write the parameter figures and the tornado chart (120 dpi, atomic)."""
    directory = Path(directory)
    if not any(r["status"] == "done" for r in rows):
        return []
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(directory, exc) from None
    figures = [(f"{_file_name(p)}.png", parameter_figure(study, rows, p))
               for p in ordered_parameters(study, rows)]
    if sens:
        figures.append(("sensitivity.png", sensitivity_figure(study, sens)))
    written = []
    for name, fig in figures:
        with atomic_path(directory / name) as tmp:
            fig.savefig(tmp, format="png", dpi=120)
        written.append(directory / name)
    for stale in set(directory.glob("*.png")) - set(written):  # a factor no longer varied
        stale.unlink(missing_ok=True)
    return written


def _factor_label(study, path: str) -> str:
    return next((label for label, p in study.factors() if p == path), path)


def _file_name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", path.removeprefix("geometry."))


def _short(path: str) -> str:
    return path.replace("geometry.", "")


def _axis_label(path: str) -> str:
    units = {"thickness": "mm", "pitch": "mm", "diameter": "mm", "size_x": "mm", "size_y": "mm",
             "opening": "mm", "interface_layer": "mm"}
    unit = units.get(path.split(".")[-1]) if path.startswith("geometry.") else None
    return f"{_short(path)} ({unit})" if unit else _short(path)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _num(v) -> float:
    return float(v) if _is_number(v) and math.isfinite(v) else np.nan


def _key(v):
    from .spec import stable_json

    return stable_json(v)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
