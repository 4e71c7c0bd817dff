"""Physical sense of a package spec, checked after :mod:`.constraints` (run by ``load_spec``).

:mod:`.constraints` holds what the builders need to make a valid solid (ball in the pitch, pad
inside the ball, array inside the body, ...). This module refuses what builds fine but describes
no real package, where a run would answer a question nobody asked:

* every build-up and board-side layer (passivation, dielectrics, RDL, UBM, resin, board pads,
  solder mask) thinner than the die it sits on and than the board;
* the joint (its widest reflowed diameter) inside the package body, as the array of joints
  (outermost centres plus one joint) must be;
* the standoff of the joints below the die thickness plus the board thickness (a joint taller
  than the whole assembly it connects is a unit slip: um for mm).

Connectivity: every region of a built model touches the rest by construction (the layout stacks
each layer on the one below it); :func:`thermofatigue.mesh.check_mesh` checks it on every mesh,
user meshes included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .spec import PackageSpec


def check_plausible(s: "PackageSpec") -> None:
    """Raise :class:`InputError` (spec file, field, value, what is expected) for the first
    physically implausible dimension of ``s``."""
    _layers_thinner_than_die_and_board(s)
    _joint_under_body(s)


def _layers(s: "PackageSpec"):
    """(field, thickness) of every layer of the build-up and of the board side."""
    out = []
    if s.passivation is not None:
        out.append(("passivation.thickness", s.passivation.thickness))
    out += [(f"dielectric[{k}].thickness", d.thickness) for k, d in enumerate(s.dielectrics)]
    if s.rdl is not None:
        out.append(("rdl.thickness", s.rdl.thickness))
    if s.ubm is not None:
        out.append(("ubm.thickness", s.ubm.thickness))
    if s.resin is not None:
        out.append(("resin.thickness", s.resin.thickness))
    if s.backside_resin is not None:
        out.append(("backside_resin.thickness", s.backside_resin.thickness))
    out.append(("board_pad.thickness", s.board_pad.thickness))
    out.append(("solder_mask.thickness", s.solder_mask.thickness))
    return out


def _layers_thinner_than_die_and_board(s: "PackageSpec") -> None:
    die, board = s.die.thickness, s.board.thickness
    for field, t in _layers(s):
        if t >= die:
            raise InputError(s.source, field, t, f"a layer thinner than the die (die.thickness "
                             f"= {die:g} mm; build-up layers are um thick)")
        if t >= board:
            raise InputError(s.source, field, t, f"a layer thinner than the board "
                             f"(board.thickness = {board:g} mm)")
    standoff = s.ball.shape.height
    if standoff >= die + board:
        raise InputError(s.source, "ball.diameter", s.ball.diameter,
                         f"a joint lower than the die and board together (its standoff "
                         f"{standoff:.4g} mm >= {die + board:g} mm; lengths are in mm)")


def _joint_under_body(s: "PackageSpec") -> None:
    body_x, body_y = s.body_size
    body_field = "mold" if s.mold is not None else "die"
    widest = 2.0 * s.ball.shape.max_radius
    a = s.array
    for axis, body, span in (("x", body_x, a.span_x), ("y", body_y, a.span_y)):
        need = span + widest
        if body < need * (1.0 - 1e-9):
            raise InputError(s.source, f"{body_field}.size_{axis}", body,
                             f">= {need:.4g} mm to hold the array with its joints under "
                             f"the package body (widest reflowed joint {widest:.4g} mm from "
                             f"ball.diameter = {s.ball.diameter:g} mm)")
