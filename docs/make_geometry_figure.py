"""Draw docs/img/geometry_wlcsp.png: the fan-in WLCSP spec fields, annotated.

    python docs/make_geometry_figure.py [spec.toml]

Left: section through the corner joint (a vertical plane along the outermost row, to scale),
built from the same layout primitives the gmsh builders use. Right: top view of the array with
the symmetric model domains, the diagonal slice and the joint ids.
"""

import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

from thermofatigue.geometry import load_spec  # noqa: E402
from thermofatigue.geometry.families import build_layout  # noqa: E402
from thermofatigue.geometry.layout import BallSegment, Box, Cylinder, Frustum  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT / "meshes" / "wlcsp_0p4_octant.toml"
OUT = ROOT / "docs" / "img" / "geometry_wlcsp.png"

COLOURS = {"board": "#c8d9a0", "solder_mask": "#3c8d4f", "pad_board": "#d08a3c", "joint": "#a9b3bd",
           "ubm": "#b8732e", "rdl": "#e0a050", "dielectric": "#f3e08a", "passivation": "#7aa6d6",
           "die": "#8f8fb5", "underfill": "#e6c8e6"}


def colour(region):
    if region.startswith("joint"):
        return "#6f7b87" if "layer" in region else COLOURS["joint"]
    for key, value in COLOURS.items():
        if region.startswith(key):
            return value
    return "#cccccc"


def section(p, y_cut, x_range):
    """Polygon(s) of a primitive cut by the plane y = y_cut (coordinates x, z)."""
    if isinstance(p, Box):
        if not (p.y0 <= y_cut <= p.y1):
            return []
        x0, x1 = max(p.x0, x_range[0]), min(p.x1, x_range[1])
        cuts = sorted((h.cx - h.radius, h.cx + h.radius) for h in p.holes if abs(h.cy - y_cut) < 1e-9)
        pieces, start = [], x0
        for a, b in cuts:
            if b < x0 or a > x1:
                continue
            if a > start:
                pieces.append((start, a))
            start = max(start, b)
        if start < x1:
            pieces.append((start, x1))
        return [[(a, p.z0), (b, p.z0), (b, p.z1), (a, p.z1)] for a, b in pieces]
    if isinstance(p, Cylinder):
        if abs(p.cy - y_cut) >= p.radius:
            return []
        w = math.sqrt(p.radius**2 - (p.cy - y_cut) ** 2)
        return [[(p.cx - w, p.z0), (p.cx + w, p.z0), (p.cx + w, p.z1), (p.cx - w, p.z1)]]
    if isinstance(p, BallSegment):
        if abs(p.cy - y_cut) > 1e-9:
            return []
        zs = [p.lo + (p.hi - p.lo) * k / 20 for k in range(21)]
        right = [(p.cx + p.shape.radius_at(z), p.z_base + z) for z in zs]
        left = [(p.cx - p.shape.radius_at(z), p.z_base + z) for z in reversed(zs)]
        return [right + left]
    if isinstance(p, Frustum):
        return [[(x_range[0], p.z0), (p.cx + p.hx0, p.z0), (p.cx + p.hx1, p.z1), (x_range[0], p.z1)]]
    return []


def dimension(ax, x0, y0, x1, y1, text, offset=(0, 0), **kw):
    ax.annotate("", xy=(x0, y0), xytext=(x1, y1), arrowprops=dict(arrowstyle="<->", lw=0.8))
    ax.text((x0 + x1) / 2 + offset[0], (y0 + y1) / 2 + offset[1], text, fontsize=7, **kw)


def main(spec_path=DEFAULT_SPEC):
    spec = load_spec(spec_path)
    joints = spec.array.joints()
    layout = build_layout(spec, joints)
    corner = max(joints, key=lambda j: (j.dnp, j.x, j.y))
    shape = spec.ball.shape
    z_base = layout.joints[0].z_base
    half_die = spec.die.size_x / 2
    x_range = (corner.x - 0.5 * spec.array.pitch_x, half_die + 0.4)
    fig, (ax, top) = plt.subplots(1, 2, figsize=(13, 6.2), gridspec_kw={"width_ratios": [1.5, 1]})

    for p in layout.primitives:
        for poly in section(p, corner.y, x_range):
            ax.add_patch(Polygon(poly, closed=True, facecolor=colour(p.region), edgecolor="k", lw=0.4))
    ax.set_xlim(*x_range)
    ax.set_ylim(-0.12, z_base + shape.height + 0.12)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm), section y = y of the outermost row")
    ax.set_ylabel("z (mm), board top at z = 0")
    ax.set_title(f"{spec.family}: section through the corner joint (to scale), pitch {spec.array.pitch_x:g} mm",
                 fontsize=10)

    cx, h, t = corner.x, shape.height, spec.ball.interface_layer
    z_top = z_base + h
    dimension(ax, cx + shape.max_radius + 0.02, z_base, cx + shape.max_radius + 0.02, z_top,
              f"standoff h = {h:.3f}\n(from ball volume\n pi D^3/6, D = {spec.ball.diameter:g})", (0.01, 0), va="center")
    dimension(ax, cx - shape.die_radius, z_top + 0.035, cx + shape.die_radius, z_top + 0.035,
              f"UBM dia. {2 * shape.die_radius:.3f}", (0, 0.008), ha="center")
    dimension(ax, cx - shape.board_radius, z_base - 0.05, cx + shape.board_radius, z_base - 0.05,
              f"board pad dia. {spec.board_pad.diameter:.3f} ({spec.solder_mask.type.upper()})", (0, -0.025), ha="center")
    ax.plot([cx], [z_base + shape.centre_height], "k+")
    ax.text(cx - 0.005, z_base + shape.centre_height + 0.005, f"sphere centre c = {shape.centre_height:.3f}\n"
            f"R = {shape.sphere_radius:.3f}   joint_<i>", fontsize=7, ha="right")
    ax.text(cx, z_top - t / 2, f"joint_<i>_die_layer  t = {t:g}", fontsize=7, ha="center", va="center")
    ax.text(cx, z_base + t / 2, f"joint_<i>_board_layer  t = {t:g}", fontsize=7, ha="center", va="center")
    z_of = {p.region: (p.z0 + p.z1) / 2 for p in layout.primitives if isinstance(p, Box)}
    thick = {"passivation": spec.passivation, "dielectric_1": spec.dielectrics[0] if spec.dielectrics else None,
             "dielectric_2": spec.dielectrics[1] if len(spec.dielectrics) > 1 else None}
    labels = [("die", f"die  t = {spec.die.thickness:g} (after back-grinding)", 0.30),
              ("passivation", "passivation", 0.275),
              ("dielectric_1", "dielectric_1 (PI/PBO)", 0.255),
              ("dielectric_2", "dielectric_2 around the Cu RDL pads (rdl)", 0.235),
              ("solder_mask", f"solder_mask  t = {spec.solder_mask.thickness:g}, opening {spec.solder_mask.opening:g}", 0.04),
              ("board", f"board  t = {spec.board.thickness:g} (equivalent orthotropic)", -0.06)]
    x_label = half_die + 0.03
    for region, text, z_text in labels:
        if region in z_of:
            layer = thick.get(region)
            if layer is not None:
                text += f"  t = {layer.thickness * 1000:g} um"
            z = z_of[region] if region != "board" else -0.08
            ax.annotate(text, xy=(half_die - 0.04, z), xytext=(x_label, z_text),
                        fontsize=7, va="center", arrowprops=dict(arrowstyle="-", lw=0.5))
    ax.axvline(half_die, color="k", lw=0.5, ls=":")
    ax.text(half_die, ax.get_ylim()[0] + 0.005, " die edge", fontsize=7)

    # ---- top view -----------------------------------------------------------------------
    bx, by = spec.board.size_x / 2, spec.board.size_y / 2
    top.add_patch(Rectangle((-bx, -by), 2 * bx, 2 * by, facecolor=COLOURS["board"], edgecolor="k", lw=0.5))
    top.add_patch(Rectangle((-half_die, -spec.die.size_y / 2), spec.die.size_x, spec.die.size_y,
                            facecolor=COLOURS["die"], edgecolor="k", lw=0.5, alpha=0.6))
    for j in joints:
        top.add_patch(plt.Circle((j.x, j.y), spec.ball.diameter / 2, facecolor=COLOURS["joint"], edgecolor="k", lw=0.4))
        top.text(j.x, j.y, str(j.id), fontsize=6, ha="center", va="center")
    for (r, c) in spec.array.missing:
        x = (c - (spec.array.columns - 1) / 2) * spec.array.pitch_x
        y = (r - (spec.array.rows - 1) / 2) * spec.array.pitch_y
        top.plot([x], [y], "rx")
    top.plot([0, bx], [0, 0], "b-", lw=1.5)
    top.plot([0, 0], [0, by], "b-", lw=1.5)
    top.plot([0, min(bx, by)], [0, min(bx, by)], "m--", lw=1.5)
    top.text(bx * 0.55, -0.12, "sym_y (y = 0)", color="b", fontsize=7)
    top.text(-0.1, by * 0.55, "sym_x (x = 0)", color="b", fontsize=7, rotation=90)
    top.text(bx * 0.45, bx * 0.52, "sym_xy (octant) = diagonal slice", color="m", fontsize=7, rotation=45)
    top.text(bx * 0.55, by * 0.2, "octant\n0 <= y <= x", fontsize=7, ha="center")
    top.text(bx * 0.2, by * 0.8, "quarter: x, y >= 0", fontsize=7, ha="center")
    top.set_xlim(-bx, bx)
    top.set_ylim(-by, by)
    top.set_aspect("equal")
    top.set_xlabel("x (mm): columns")
    top.set_ylabel("y (mm): rows (row 0 at the bottom)")
    top.set_title(f"array {spec.array.rows} x {spec.array.columns}, pitch {spec.array.pitch_x:g}; "
                  "id = row * columns + column", fontsize=10)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=150)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])
