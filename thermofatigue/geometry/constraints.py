"""Cross-field geometric checks of a package spec (run by :func:`~.spec.load_spec`).

Each check names the field and the constraint it breaks: a ball that does not fit the pitch, a
pad larger than the ball, an array larger than the die, an NSMD opening inside its pad, ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .spec import PackageSpec


def check_geometry(s: "PackageSpec") -> None:
    """Raise InputError for the first geometric constraint the spec breaks."""
    src = s.source
    a = s.array
    pitch = min(a.pitch_x, a.pitch_y)
    ball = s.ball
    shape = ball.shape
    if a.rows * a.columns > 1:
        if ball.diameter >= pitch:
            raise InputError(src, "ball.diameter", ball.diameter,
                             f"a ball that fits the pitch (< array pitch {pitch:g} mm)")
        if 2 * shape.max_radius >= pitch:
            raise InputError(src, "ball.diameter", ball.diameter,
                             f"a reflowed joint narrower than the pitch (its widest diameter "
                             f"{2 * shape.max_radius:.4g} mm >= pitch {pitch:g} mm)")
    if 2 * ball.interface_layer >= shape.height:
        raise InputError(src, "ball.interface_layer", ball.interface_layer,
                         f"less than half the standoff ({shape.height / 2:.4g} mm)")
    # pads and openings must fit the pitch
    for value, fname in ((s.board_pad.diameter, "board_pad.diameter"),
                         (s.solder_mask.opening, "solder_mask.opening"),
                         (s.ubm.diameter if s.ubm else None, "ubm.diameter"),
                         (s.post.diameter if s.post else None, "post.diameter"),
                         (s.rdl.diameter if s.rdl else None, "rdl.diameter")):
        if value is not None and value >= pitch and (a.rows > 1 or a.columns > 1):
            raise InputError(src, fname, value, f"less than the array pitch ({pitch:g} mm)")
    mask = s.solder_mask
    if mask.type == "nsmd" and mask.opening <= s.board_pad.diameter:
        raise InputError(src, "solder_mask.opening", mask.opening,
                         f"an NSMD opening larger than the pad (> board_pad.diameter = {s.board_pad.diameter:g} mm)")
    if mask.type == "smd":
        if mask.opening >= s.board_pad.diameter:
            raise InputError(src, "solder_mask.opening", mask.opening,
                             f"an SMD opening smaller than the pad (< board_pad.diameter = {s.board_pad.diameter:g} mm)")
        if mask.thickness <= s.board_pad.thickness:
            raise InputError(src, "solder_mask.thickness", mask.thickness,
                             f"an SMD mask thicker than the pad (> board_pad.thickness = {s.board_pad.thickness:g} mm)")
    if s.ubm is not None and s.ubm.opening is not None and s.ubm.opening > s.ubm.diameter:
        raise InputError(src, "ubm.opening", s.ubm.opening, f"<= ubm.diameter = {s.ubm.diameter:g} mm")
    if s.rdl is not None:
        pad_d = (s.ubm.opening or 0.0) if s.ubm else s.post.diameter
        if s.rdl.diameter < pad_d:
            raise InputError(src, "rdl.diameter", s.rdl.diameter,
                             f">= the diameter of the UBM via or post it carries ({pad_d:g} mm)")
        if s.family != "cu_post_wlcsp" and len(s.dielectrics) != 2:
            raise InputError(src, "rdl", "present",
                             "two dielectric layers (the RDL lies between dielectric 1 and 2)")
    if s.resin is not None and s.post is not None and s.resin.thickness > s.post.height + 1e-12:
        raise InputError(src, "resin.thickness", s.resin.thickness,
                         f"<= post.height = {s.post.height:g} mm (the post must reach the ball)")
    # array inside the package body
    body_x, body_y = s.body_size
    body_field = "mold" if s.mold else "die"
    terminal = max(v for v in (s.ubm.diameter if s.ubm else 0.0, s.post.diameter if s.post else 0.0,
                               s.rdl.diameter if s.rdl else 0.0, 2 * shape.die_radius))
    need_x, need_y = a.span_x + terminal, a.span_y + terminal
    if body_x < need_x:
        raise InputError(src, f"{body_field}.size_x", body_x,
                         f">= {need_x:.4g} mm to hold the array ((columns - 1) * pitch_x + die-side pad diameter)")
    if body_y < need_y:
        raise InputError(src, f"{body_field}.size_y", body_y,
                         f">= {need_y:.4g} mm to hold the array ((rows - 1) * pitch_y + die-side pad diameter)")
    if s.mold is not None:
        if s.mold.size_x < s.die.size_x or s.mold.size_y < s.die.size_y:
            raise InputError(src, "mold.size_x", s.mold.size_x, "a mold body at least as large as the die")
        die_stack = s.die.thickness + (s.passivation.thickness if s.passivation else 0.0)
        if s.mold.thickness < die_stack - 1e-12:
            raise InputError(src, "mold.thickness", s.mold.thickness,
                             f">= {die_stack:g} mm (die + passivation: the die is embedded in the mold)")
    if s.board.size_x < body_x:
        raise InputError(src, "board.size_x", s.board.size_x, f">= the package body ({body_x:g} mm)")
    if s.board.size_y < body_y:
        raise InputError(src, "board.size_y", s.board.size_y, f">= the package body ({body_y:g} mm)")
    if s.underfill is not None:
        margin_x = (s.board.size_x - body_x) / 2
        margin_y = (s.board.size_y - body_y) / 2
        if s.underfill.fillet_width > min(margin_x, margin_y):
            raise InputError(src, "underfill.fillet_width", s.underfill.fillet_width,
                             f"a fillet that stays on the board (<= {min(margin_x, margin_y):g} mm)")
        if s.underfill.fillet_height > s.die.thickness:
            raise InputError(src, "underfill.fillet_height", s.underfill.fillet_height,
                             f"<= die.thickness = {s.die.thickness:g} mm")
    m = s.mesh
    if m.corner_joint_size > m.joint_size:
        raise InputError(src, "mesh.corner_joint_size", m.corner_joint_size,
                         f"<= mesh.joint_size = {m.joint_size:g} mm")
    if m.joint_size > m.size:
        raise InputError(src, "mesh.joint_size", m.joint_size, f"<= mesh.size = {m.size:g} mm")
