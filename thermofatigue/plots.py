"""Figures of a temperature-cycling result: hysteresis, life map, energy per cycle, warpage.

Each ``*_figure(result)`` takes a :class:`~thermofatigue.results.CyclingResult` and returns a
matplotlib :class:`~matplotlib.figure.Figure` built with the object-oriented API (no pyplot, so
no global backend is chosen or changed: ``Figure.savefig`` renders PNG with Agg by itself).
:func:`write_figures` writes the four PNG files of a run, each atomically.

The hysteresis loop shows the shear that cycles in a joint because die and board expand
differently: the joint is sheared along the line from the package centre (the neutral point)
to the joint, as in the distance-to-neutral-point shear of Engelmaier (IEEE Trans. CHMT 6(3),
1983). For a 3D joint whose centre is at ``(x, y)`` (z normal to the board)::

    r = (x, y) / |(x, y)|          (r = (1, 0) for a joint at the centre)
    tau      = s_xz r_x + s_yz r_y              (MPa)
    gamma_in = g_xz r_x + g_yz r_y              (engineering inelastic shear strain, -)

In a 2D model y is normal to the board and the joint shear is ``tau = s_xy``,
``gamma_in = g_xy``. The area of the loop over one cycle is the inelastic work density that
shear dissipates (MPa), the quantity the energy-based laws use.

Units on the axes: MPa, mm, micrometres for the warpage, cycles for the life.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .errors import InputError, OutputError
from .io import atomic_path

__all__ = ["FIGURE_FILES", "critical_joint", "energy_per_cycle_figure", "hysteresis_figure",
           "life_map_figure", "resolved_shear", "shear_direction", "short_label", "symmetry_images",
           "warpage_figure", "write_figures"]

MICROMETRES_PER_MM = 1000.0
FIGURE_SIZE = (6.4, 4.8)        # inches; 768 x 576 pixels at the 120 dpi of write_figures
LABEL_LENGTH = 60               # characters of the model label shown in a title
MARGINS = {"left": 0.13, "right": 0.96, "bottom": 0.11, "top": 0.88}   # figure fractions
CRITICAL_COLOUR = "C3"
OTHER_COLOUR = "0.65"


def short_label(label: str, limit: int = LABEL_LENGTH) -> str:
    """The model label without its parenthesis, cut at the last clause (``, ``, ``; ``,
    ``: ``) that fits ``limit`` characters, else at a word with an ellipsis."""
    text = label.split(" (")[0].strip()
    if len(text) <= limit:
        return text
    cut = max(text.rfind(sep, 0, limit + 1) for sep in (", ", "; ", ": "))
    if cut > 0:
        return text[:cut]
    return text[:limit - 1].rsplit(" ", 1)[0] + "\u2026"


def critical_joint(result) -> int | None:
    """Id of the critical joint (``result.critical``), or None when the result has no finite
    energy or life to rank the joints by."""
    if result.life is None or len(result.life) == 0:
        used = result.joints.cycle(result.stabilisation.cycle_used)
        if not np.any(np.isfinite(used["dW_interface"])):
            return None
    crit = result.critical
    return None if crit is None else int(crit["joint"])


def _is_3d(result) -> bool:
    return result.model.kind == "3d"


def _new_axes():
    """A figure with one axes and fixed margins (room for a two-line title and the axis
    labels; no layout engine, whose extra drawing pass would double the rendering time)."""
    fig = Figure(figsize=FIGURE_SIZE)
    fig.subplots_adjust(**MARGINS)
    return fig, fig.add_subplot()


def _joint_positions(result, ids) -> tuple[np.ndarray, np.ndarray]:
    """Centre ``(x, y)`` of each joint id, from its first row in the joint table."""
    table = result.joints
    known, first = np.unique(table["joint"], return_index=True)
    ids = np.asarray(ids, dtype=np.int64)
    at = np.searchsorted(known, ids)
    found = at < len(known)
    found[found] = known[at[found]] == ids[found]
    if not found.all():
        raise InputError(result.case_source, "joint", sorted(int(j) for j in ids[~found]),
                         "joints of the result's joint table")
    return table["x"][first][at], table["y"][first][at]


# ----------------------------------------------------------------------------- hysteresis

def shear_direction(result, joint: int) -> np.ndarray:
    """Unit in-plane vector from the package centre to the joint centre (x direction for a
    joint at the centre)."""
    x, y = _joint_positions(result, [joint])
    r = np.array([x[0], y[0]], dtype=float)
    length = float(np.hypot(*r))
    return r / length if length > 0.0 else np.array([1.0, 0.0])


def resolved_shear(result, joint: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(cycle, gamma_in, tau)`` of one joint in time order (see the module docstring)."""
    rows = result.hysteresis.joint(joint)
    order = np.argsort(rows["time"], kind="stable")
    if _is_3d(result):
        rx, ry = shear_direction(result, joint)
        tau = rows["sxz"] * rx + rows["syz"] * ry
        gamma = rows["gin_xz"] * rx + rows["gin_yz"] * ry
    else:
        tau, gamma = rows["sxy"], rows["gin_xy"]
    return rows["cycle"][order], gamma[order], tau[order]


def _hysteresis_joint(result, joint) -> int:
    if joint is None:
        joint = critical_joint(result)
        if joint is None:
            raise InputError(result.case_source, "joint", None,
                             "a joint id (the result has no critical joint)")
    ids = np.unique(result.hysteresis["joint"])
    if int(joint) not in ids:
        raise InputError(result.case_source, "joint", joint,
                         f"a joint with a hysteresis record: one of {ids.tolist()}")
    return int(joint)


def hysteresis_figure(result, joint: int | None = None) -> Figure:
    """Shear stress against inelastic shear strain of one joint (the critical one by default),
    one line per cycle; the cool-down from the stress-free temperature (cycle 0) faint. Each
    cycle's line starts at the last increment of the cycle before, so the loops close."""
    joint = _hysteresis_joint(result, joint)
    cycle, gamma, tau = resolved_shear(result, joint)
    fig, ax = _new_axes()
    loops = np.unique(cycle[cycle > 0])
    colours = colormaps["viridis"](np.linspace(0.0, 0.85, max(len(loops), 1)))
    for k in np.unique(cycle):
        idx = np.flatnonzero(cycle == k)
        if idx[0] > 0:
            idx = np.concatenate(([idx[0] - 1], idx))
        if k == 0:
            ax.plot(gamma[idx], tau[idx], color=OTHER_COLOUR, lw=0.8, alpha=0.6,
                    label="cool-down (cycle 0)")
        else:
            ax.plot(gamma[idx], tau[idx], color=colours[np.searchsorted(loops, k)], lw=1.4,
                    label=f"cycle {k}")
    if _is_3d(result):
        ax.set_xlabel("inelastic shear strain \u03b3_in = \u03b3_xz r_x + \u03b3_yz r_y (-)")
        ax.set_ylabel("shear stress \u03c4 = \u03c3_xz r_x + \u03c3_yz r_y (MPa)")
    else:
        ax.set_xlabel("inelastic shear strain \u03b3_in,xy (-)")
        ax.set_ylabel("shear stress \u03c3_xy (MPa)")
    ax.set_title(f"Joint {joint}: shear hysteresis per cycle\n{short_label(result.model.label)}",
                 fontsize=10)
    ax.axhline(0.0, color="0.85", lw=0.6, zorder=0)
    ax.axvline(0.0, color="0.85", lw=0.6, zorder=0)
    ax.legend(fontsize=8, loc="upper left")
    return fig


# ------------------------------------------------------------------------------- life map

def _life_or_energy(result, law):
    """``(joint ids, values, log scale?, value label, title)``: the life by ``law`` at the used
    cycle, or the interface energy of the used cycle when the result has no life table."""
    table = result.life
    if table is not None and len(table):
        laws = table.laws
        law = law or (result.primary_law if result.primary_law in laws else None) or \
            (laws[0] if laws else None)
        if law not in laws:
            raise InputError(result.case_source, "law", law,
                             f"a fatigue law of the result: one of {laws}")
        cycle = int(table["cycle"][0])
        when = "extrapolated stabilised energy" if cycle == 0 else f"cycle {cycle}"
        return (table["joint"], table.life(law), True, f"cycles to failure N_f, {law}",
                f"Cycles to failure by {law} ({when})")
    cycle = result.stabilisation.cycle_used
    rows = result.joints.cycle(cycle)
    return (rows["joint"], rows["dW_interface"], False,
            "\u0394W per cycle, failing interface (MPa)",
            f"No fatigue life in this result: \u0394W_interface of cycle {cycle} shown")


def life_map_figure(result, law: str | None = None) -> Figure:
    """Life of every joint by ``law`` (the primary law by default) over the ball array (3D:
    joint centres coloured by log10 of the life; a quarter or octant model's mirror images
    faint, so the whole array shows) or along the slice (2D: life against the joint's x).
    Without a life table the interface energy of the used cycle is shown."""
    ids, values, log, value_label, title = _life_or_energy(result, law)
    x, y = _joint_positions(result, ids)
    crit = critical_joint(result)
    is_crit = np.zeros(len(ids), bool) if crit is None else ids == crit
    fig, ax = _new_axes()
    if _is_3d(result):
        _ball_array(fig, ax, x, y, values, log, value_label, result.model.geometry_kind)
        ax.scatter(x[is_crit], y[is_crit], s=260, facecolors="none",
                   edgecolors=CRITICAL_COLOUR, linewidths=2.0, label=f"critical joint {crit}")
        mirrored = result.model.geometry_kind in SYMMETRY_MAPS
        ax.set_xlabel("x (mm)" + ("; faint: mirror images of the modelled joints" if mirrored
                                  else ""))
        ax.set_ylabel("y (mm)")
        ax.set_aspect("equal", adjustable="datalim")
    else:
        _stems(ax, x, values, log)
        ax.plot(x[is_crit], values[is_crit], "o", color=CRITICAL_COLOUR, ms=10, mfc="none",
                mew=2.0, label=f"critical joint {crit}")
        ax.set_xlabel("joint position x along the slice (mm)")
        ax.set_ylabel(value_label)
    marked = f"; critical joint {crit} ringed" if is_crit.any() else ""
    ax.set_title(f"{title}{marked}\n{short_label(result.model.label)}", fontsize=10)
    return fig


def _ball_array(fig, ax, x, y, values, log, value_label, geometry_kind) -> None:
    """Joint centres coloured by the value (log10 for lives); joints without a finite positive
    value drawn as grey crosses; the joints a symmetric model stands for drawn faint."""
    shown = np.isfinite(values) & (values > 0.0 if log else True)
    colour = np.full(len(values), np.nan)
    colour[shown] = np.log10(values[shown]) if log else values[shown]
    cmap = "viridis_r" if log else "viridis"
    points = ax.scatter(x[shown], y[shown], c=colour[shown], s=140, cmap=cmap,
                        edgecolors="k", linewidths=0.5)
    source, xi, yi = symmetry_images(geometry_kind, x, y)
    image_shown = shown[source]
    if image_shown.any():
        ax.scatter(xi[image_shown], yi[image_shown], c=colour[source][image_shown], s=140,
                   cmap=cmap, norm=points.norm, alpha=0.4, edgecolors="none")
    if (~shown).any():
        ax.scatter(np.concatenate([x[~shown], xi[~image_shown]]),
                   np.concatenate([y[~shown], yi[~image_shown]]), marker="x",
                   color=OTHER_COLOUR, s=60, label="no finite value")
        ax.legend(fontsize=8, loc="lower left")
    bar = fig.colorbar(points, ax=ax)
    bar.set_label(f"log10 {value_label}" if log else value_label)


# geometry kind -> the maps (sign of x, sign of y, swap x and y) of its symmetry group
_QUARTER_MAPS = ((1, 1, False), (-1, 1, False), (1, -1, False), (-1, -1, False))
SYMMETRY_MAPS = {"quarter": _QUARTER_MAPS,
                 "octant": _QUARTER_MAPS + tuple((sx, sy, True) for sx, sy, _ in _QUARTER_MAPS)}


def symmetry_images(geometry_kind: str, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The joints of the whole package that a symmetric model stands for, other than the
    modelled ones: ``(index of the modelled joint each copies, x, y)``. Quarter model: mirror
    planes x = 0 and y = 0; octant (0 <= y <= x): also the diagonal y = x. Positions are told
    apart to 1e-6 mm."""
    maps = SYMMETRY_MAPS.get(geometry_kind, ())
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    if not maps or n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    source = np.tile(np.arange(n), len(maps))   # the identity map first: modelled joints win
    xi = np.concatenate([sx * (y if swap else x) for sx, sy, swap in maps])
    yi = np.concatenate([sy * (x if swap else y) for sx, sy, swap in maps])
    key = np.round(np.column_stack([xi, yi]) * 1e6).astype(np.int64)
    _, first = np.unique(key, axis=0, return_index=True)
    keep = np.sort(first[first >= n])
    return source[keep], xi[keep], yi[keep]


def _stems(ax, x, values, log) -> None:
    """Vertical stems from the axis floor to each value (log scale for lives)."""
    shown = np.isfinite(values) & (values > 0.0 if log else True)
    v = values[shown]
    floor = 0.5 * float(v.min()) if log and v.size else 0.0
    ax.vlines(x[shown], floor, v, color="C0", lw=2.0)
    ax.plot(x[shown], v, "o", color="C0", ms=5)
    if log and v.size:
        ax.set_yscale("log")
        ax.set_ylim(bottom=floor)


# ------------------------------------------------------------------------ energy per cycle

def energy_per_cycle_figure(result) -> Figure:
    """Interface energy dW_interface of every joint against the cycle number (the critical
    joint emphasised), and the extrapolated stabilised value as a dashed line when the run did
    not stabilise."""
    table = result.joints
    crit = critical_joint(result)
    fig, ax = _new_axes()
    others = [j for j in np.unique(table["joint"]) if j != crit]
    for n, joint in enumerate(others):
        cycle, dW = _energy_series(table, joint)
        ax.plot(cycle, dW, color=OTHER_COLOUR, lw=0.8, marker=".",
                label="other joints" if n == 0 else None)
    if crit is not None:
        cycle, dW = _energy_series(table, crit)
        ax.plot(cycle, dW, color=CRITICAL_COLOUR, lw=2.2, marker="o",
                label=f"critical joint {crit}")
    stab = result.stabilisation
    if stab.extrapolated_dW is not None:
        ax.axhline(stab.extrapolated_dW, color=CRITICAL_COLOUR, ls="--", lw=1.2,
                   label=f"extrapolated stabilised \u0394W {stab.extrapolated_dW:.4g} MPa")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("cycle")
    ax.set_ylabel("\u0394W per cycle, failing interface (MPa)")
    state = "stabilised" if stab.stabilised else "NOT stabilised"
    change = "" if stab.last_change is None else f", last change {100 * stab.last_change:.1f} %"
    ax.set_title(f"Energy per cycle per joint ({state}{change})\n"
                 f"{short_label(result.model.label)}", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def _energy_series(table, joint) -> tuple[np.ndarray, np.ndarray]:
    rows = table["joint"] == joint
    order = np.argsort(table["cycle"][rows], kind="stable")
    return table["cycle"][rows][order], table["dW_interface"][rows][order]


# -------------------------------------------------------------------------------- warpage

def warpage_figure(result) -> Figure:
    """Out-of-plane displacement w (micrometres) of each surface (die top, board top) against
    the distance from the package centre sqrt(x^2 + y^2), at the hot and cold extremes of the
    last cycle recorded."""
    table = result.warpage
    last = int(table["cycle"].max())
    rows = table.select(table["cycle"] == last)
    fig, ax = _new_axes()
    markers = ("o", "^", "s", "v")
    styles = ("-", "--", ":", "-.")
    for extreme, colour in (("hot", "C3"), ("cold", "C0")):
        for n, surface in enumerate(sorted(set(rows["surface"]))):
            m = (rows["extreme"] == extreme) & (rows["surface"] == surface)
            if not m.any():
                continue
            r = np.hypot(rows["x"][m], rows["y"][m])
            order = np.argsort(r, kind="stable")
            w = MICROMETRES_PER_MM * rows["w"][m][order]
            label = (f"{surface.replace('_', ' ')}, {extreme} "
                     f"({rows['temperature'][m][0]:.0f} \u00b0C)")
            ax.plot(r[order], w, color=colour, marker=markers[n % 4], ms=3,
                    ls=styles[n % 4] if not _is_3d(result) else "none", label=label)
    ax.set_xlabel("distance from the package centre \u221a(x\u00b2 + y\u00b2) (mm)")
    ax.set_ylabel("out-of-plane displacement w (\u00b5m)")
    ax.set_title(f"Warpage at the hot and cold extremes of cycle {last}\n"
                 f"{short_label(result.model.label)}", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return fig


# --------------------------------------------------------------------------------- writing

def _has_hysteresis(result) -> bool:
    joint = critical_joint(result)
    return joint is not None and bool(np.any(result.hysteresis["joint"] == joint))


def _has_life_or_energy(result) -> bool:
    if result.life is not None and len(result.life):
        return True
    used = result.joints.cycle(result.stabilisation.cycle_used)
    return bool(np.any(np.isfinite(used["dW_interface"])))


def _has_energy(result) -> bool:
    return bool(np.any(np.isfinite(result.joints["dW_interface"])))


def _has_warpage(result) -> bool:
    return len(result.warpage) > 0


# file name -> (figure function, "has the result data for it?")
FIGURE_FILES = {
    "hysteresis.png": (hysteresis_figure, _has_hysteresis),
    "life_map.png": (life_map_figure, _has_life_or_energy),
    "energy_per_cycle.png": (energy_per_cycle_figure, _has_energy),
    "warpage.png": (warpage_figure, _has_warpage),
}


def write_figures(result, directory) -> list[Path]:
    """Write hysteresis.png, life_map.png, energy_per_cycle.png and warpage.png (120 dpi) into
    ``directory`` (created), each atomically; a figure without data is skipped. Returns the
    paths written."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(directory, exc) from None
    written = []
    for name, (make, has_data) in FIGURE_FILES.items():
        if not has_data(result):
            continue
        fig = make(result)
        path = directory / name
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=120)
        written.append(path)
    return written
