"""Family builders: a checked :class:`~.spec.PackageSpec` -> a :class:`~.layout.Layout`.

Every family shares the board side (board or board layer stack, Cu pads, solder mask with NSMD
or SMD openings), the truncated-sphere joints with their two interface layers, and the optional
underfill; they differ in what sits between the joints and the die:

* ``wlcsp`` (fan-in): UBM, dielectric 2 with the Cu RDL pads embedded, dielectric 1,
  passivation, die;
* ``flip_chip``: as ``wlcsp`` but with 0-2 dielectric layers (default none): bumps on UBM pads
  straight under the die;
* ``cu_post_wlcsp``: Cu posts in resin, RDL (re-wiring layer) pads on top of the posts, optional
  dielectrics and passivation, die, optional back-side resin;
* ``fan_out``: as ``wlcsp`` but the build-up spans the mold body, and the die (with its
  passivation) is embedded face-down in the mold compound, flush with its bottom.

Vertical stack, from the bottom (z = 0 is the board top):
board [-t_board, 0] | board pad [0, t_pad] + solder mask [0, t_mask] | joint [t_pad, t_pad + h]
| UBM or post | (dielectric 2 + RDL) | dielectric 1 | passivation | die | back-side resin.
"""

from __future__ import annotations

from .layout import PRIORITY as P
from .layout import BallSegment, Box, Cylinder, Frustum, JointParts, Layout
from .spec import PackageSpec


def build_layout(spec: PackageSpec, joints) -> Layout:
    """The layout of ``spec`` with the given joints (those inside the model domain)."""
    return _FAMILY_BUILDERS[spec.family](spec, list(joints))


# --------------------------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------------------------
def _board_side(spec: PackageSpec, joints, layout: Layout) -> float:
    """Board (or its layers), board pads and solder mask. Returns the joint base height."""
    b = spec.board
    hx, hy = b.size_x / 2, b.size_y / 2
    layout.half_extent = (hx, hy)
    layout.z_bottom = -b.thickness
    if b.layers:
        z = 0.0
        for layer in b.layers:  # from the top down
            layout.add(Box(f"board_{layer.name}", P["board"], -hx, hx, -hy, hy, z - layer.thickness, z))
            z -= layer.thickness
    else:
        layout.add(Box("board", P["board"], -hx, hx, -hy, hy, -b.thickness, 0.0))
    pad = spec.board_pad
    mask = spec.solder_mask
    holes = tuple(Cylinder("", 0, j.x, j.y, 0.0, mask.thickness, mask.opening / 2) for j in joints)
    layout.add(Box("solder_mask", P["solder_mask"], -hx, hx, -hy, hy, 0.0, mask.thickness, holes))
    for j in joints:
        layout.add(Cylinder(f"pad_board_{j.id}", P["metal"], j.x, j.y, 0.0, pad.thickness, pad.diameter / 2))
    return pad.thickness


def _joints(spec: PackageSpec, joints, z_base: float, die_pad_prefix: str, layout: Layout) -> float:
    """Truncated-sphere joints split into board layer / bulk / die layer. Returns the joint top."""
    shape = spec.ball.shape
    h, t = shape.height, spec.ball.interface_layer
    for j in joints:
        name = f"joint_{j.id}"
        parts = JointParts(j, z_base, shape, name, f"{name}_die_layer", f"{name}_board_layer",
                           f"{die_pad_prefix}_{j.id}", f"pad_board_{j.id}")
        layout.joints.append(parts)
        layout.add(BallSegment(parts.board_layer, P["joint"], j.x, j.y, z_base, shape, 0.0, t))
        layout.add(BallSegment(name, P["joint"], j.x, j.y, z_base, shape, t, h - t))
        layout.add(BallSegment(parts.die_layer, P["joint"], j.x, j.y, z_base, shape, h - t, h))
    return z_base + h


def _slab(layout, region, priority, half, z0, z1):
    hx, hy = half
    layout.add(Box(region, priority, -hx, hx, -hy, hy, z0, z1))


def _build_up(spec: PackageSpec, joints, z: float, half, layout: Layout, *, embed_rdl: str | None,
              via_from: float | None) -> tuple[float, float | None]:
    """Dielectric 2 (with the RDL pads), dielectric 1, from height ``z`` up, over ``half``.

    ``via_from``: bottom of the UBM via (None: no via). The via stops at the RDL pad if there is
    one, else it continues through every dielectric and the passivation (up to the die).
    ``embed_rdl``: region that fills the RDL level when there is no dielectric 2.
    Returns (height reached, bottom of a via still open towards the die or None).
    """
    dielectrics = spec.dielectrics
    rdl = spec.rdl
    if len(dielectrics) == 2:
        t2 = dielectrics[1].thickness + (rdl.thickness if rdl else 0.0)
        _slab(layout, "dielectric_2", P["dielectric"], half, z, z + t2)
        if rdl:
            z_rdl = z + dielectrics[1].thickness
            _via(spec, joints, via_from, z_rdl, layout)
            via_from = None
            for j in joints:
                layout.add(Cylinder("rdl", P["metal"], j.x, j.y, z_rdl, z_rdl + rdl.thickness, rdl.diameter / 2))
        z += t2
    elif rdl:  # cu_post with 0 or 1 dielectric: the RDL level is filled by ``embed_rdl``
        _slab(layout, embed_rdl, P["resin"], half, z, z + rdl.thickness)
        for j in joints:
            layout.add(Cylinder("rdl", P["metal"], j.x, j.y, z, z + rdl.thickness, rdl.diameter / 2))
        z += rdl.thickness
    if dielectrics:
        _slab(layout, "dielectric_1", P["dielectric"], half, z, z + dielectrics[0].thickness)
        z += dielectrics[0].thickness
    return z, via_from


def _via(spec, joints, z0, z1, layout):
    """UBM via plugs (region ubm_<i>) from z0 to z1 through the dielectric opening."""
    if z0 is None or spec.ubm is None or spec.ubm.opening is None or z1 <= z0:
        return
    for j in joints:
        layout.add(Cylinder(f"ubm_{j.id}", P["metal"], j.x, j.y, z0, z1, spec.ubm.opening / 2))


def _ubm(spec, joints, z, layout) -> float:
    ubm = spec.ubm
    for j in joints:
        layout.add(Cylinder(f"ubm_{j.id}", P["metal"], j.x, j.y, z, z + ubm.thickness, ubm.diameter / 2))
    return z + ubm.thickness


def _die(spec, z, layout, passivation_region_priority=P["passivation"]) -> float:
    """Passivation (die footprint) and die from height ``z`` up; returns the die top."""
    half = (spec.die.size_x / 2, spec.die.size_y / 2)
    if spec.passivation is not None:
        _slab(layout, "passivation", passivation_region_priority, half, z, z + spec.passivation.thickness)
        z += spec.passivation.thickness
    _slab(layout, "die", P["die"], half, z, z + spec.die.thickness)
    return z + spec.die.thickness


def _underfill(spec: PackageSpec, z_package_bottom: float, layout: Layout) -> None:
    """Underfill from the board top to the package bottom over the body footprint, with a
    straight fillet ``fillet_width`` out on the board and ``fillet_height`` up the body side."""
    uf = spec.underfill
    if uf is None:
        return
    bx, by = spec.body_size[0] / 2, spec.body_size[1] / 2
    z1 = z_package_bottom + uf.fillet_height
    if uf.fillet_width == 0.0:
        layout.add(Box("underfill", P["underfill"], -bx, bx, -by, by, 0.0, z1))
    else:
        layout.add(Frustum("underfill", P["underfill"], 0.0, 0.0, 0.0, z1,
                           bx + uf.fillet_width, by + uf.fillet_width, bx, by))


# --------------------------------------------------------------------------------------------
# families
# --------------------------------------------------------------------------------------------
def _wlcsp(spec: PackageSpec, joints) -> Layout:
    """Fan-in WLCSP (also flip chip: the same stack with 0-2 dielectric layers)."""
    layout = Layout()
    z = _board_side(spec, joints, layout)
    z = _joints(spec, joints, z, "ubm", layout)
    z = _ubm(spec, joints, z, layout)
    z_package_bottom = z
    half = (spec.die.size_x / 2, spec.die.size_y / 2)
    z, via_from = _build_up(spec, joints, z, half, layout, embed_rdl=None, via_from=z)
    if spec.passivation is not None:
        _via(spec, joints, via_from, z + spec.passivation.thickness, layout)
    else:
        _via(spec, joints, via_from, z, layout)
    layout.z_top = _die(spec, z, layout)
    _underfill(spec, z_package_bottom, layout)
    return layout


def _cu_post(spec: PackageSpec, joints) -> Layout:
    """Cu-post WLCSP: terminal balls on Cu posts in resin under a re-wiring layer."""
    layout = Layout()
    z = _board_side(spec, joints, layout)
    z = _joints(spec, joints, z, "post", layout)
    post, resin = spec.post, spec.resin
    half = (spec.die.size_x / 2, spec.die.size_y / 2)
    for j in joints:
        layout.add(Cylinder(f"post_{j.id}", P["metal"], j.x, j.y, z, z + post.height, post.diameter / 2))
    z += post.height
    _slab(layout, "resin", P["resin"], half, z - resin.thickness, z)
    z_package_bottom = z - resin.thickness
    z, _ = _build_up(spec, joints, z, half, layout, embed_rdl="resin", via_from=None)
    z_top = _die(spec, z, layout)
    if spec.backside_resin is not None:
        _slab(layout, "backside_resin", P["resin"], half, z_top, z_top + spec.backside_resin.thickness)
        z_top += spec.backside_resin.thickness
    layout.z_top = z_top
    _underfill(spec, z_package_bottom, layout)
    return layout


def _fan_out(spec: PackageSpec, joints) -> Layout:
    """Fan-out: build-up over the mold body, die embedded face-down in the mold."""
    layout = Layout()
    z = _board_side(spec, joints, layout)
    z = _joints(spec, joints, z, "ubm", layout)
    z = _ubm(spec, joints, z, layout)
    z_package_bottom = z
    body = (spec.mold.size_x / 2, spec.mold.size_y / 2)
    z, via_from = _build_up(spec, joints, z, body, layout, embed_rdl=None, via_from=z)
    _via(spec, joints, via_from, z, layout)  # via through dielectric 1 to the die/mold face
    _slab(layout, "mold", P["mold"], body, z, z + spec.mold.thickness)
    _die(spec, z, layout)
    layout.z_top = z + spec.mold.thickness
    _underfill(spec, z_package_bottom, layout)
    return layout


_FAMILY_BUILDERS = {
    "wlcsp": _wlcsp,
    "flip_chip": _wlcsp,
    "cu_post_wlcsp": _cu_post,
    "fan_out": _fan_out,
}
