"""Package specs: dataclasses and the TOML parser that checks every field before gmsh runs.

One format serves every family (``wlcsp``, ``cu_post_wlcsp``, ``flip_chip``, ``fan_out``);
docs/geometry.md documents it. :func:`load_spec` reads a TOML file or a mapping, fills the
defaults of :mod:`thermofatigue.geometry.defaults` and raises :class:`InputError` (one line:
``source: field = value: expected ...``) for the first field that is missing, of the wrong type,
unknown, or that breaks a geometric constraint (ball larger than the pitch, pad larger than the
ball, array larger than the die, ...).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from ..errors import InputError
from . import defaults as D
from .reader import TableReader
from .constraints import check_geometry
from .plausibility import check_plausible
from .array import MODEL_KINDS, SLICES, array_joints
from .ball import BallShape, shape_from_standoff, shape_from_volume, sphere_volume

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FAMILIES = ("wlcsp", "cu_post_wlcsp", "flip_chip", "fan_out")

# sections each family accepts (besides the common ones)
_COMMON = {"family", "name", "die", "passivation", "dielectric", "rdl", "ball", "array", "board",
           "board_pad", "solder_mask", "underfill", "mesh"}
_FAMILY_SECTIONS = {
    "wlcsp": {"ubm"},
    "flip_chip": {"ubm"},
    "fan_out": {"ubm", "mold"},
    "cu_post_wlcsp": {"post", "resin", "backside_resin"},
}


# --------------------------------------------------------------------------------------------
# dataclasses
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Die:
    """Silicon die (mm): in-plane size and thickness after back-grinding."""

    size_x: float
    size_y: float
    thickness: float


@dataclass(frozen=True)
class Layer:
    """A uniform layer of the build-up (passivation, dielectric, resin), thickness in mm."""

    thickness: float


@dataclass(frozen=True)
class Rdl:
    """Cu redistribution layer, modelled as a Cu pad under each joint (mm)."""

    thickness: float
    diameter: float


@dataclass(frozen=True)
class Ubm:
    """Under-bump metallisation disk (mm); ``opening`` is the diameter of the via through the
    dielectric(s) above it (None: a flat UBM, no via)."""

    diameter: float
    thickness: float
    opening: float | None


@dataclass(frozen=True)
class Post:
    """Cu post of a post-type WLCSP (mm)."""

    diameter: float
    height: float


@dataclass(frozen=True)
class Mold:
    """Mold compound body of a fan-out package (mm); the die sits face-down, flush with its
    bottom, and ``thickness`` >= die thickness."""

    size_x: float
    size_y: float
    thickness: float


@dataclass(frozen=True)
class Ball:
    """Solder ball (mm, mm^3). ``shape`` is the reflowed truncated sphere."""

    diameter: float
    volume: float
    standoff: float | None
    interface_layer: float
    shape: BallShape


@dataclass(frozen=True)
class BallArray:
    """Full ball array: rows along y, columns along x, missing balls as (row, column)."""

    rows: int
    columns: int
    pitch_x: float
    pitch_y: float
    missing: tuple[tuple[int, int], ...] = ()

    @property
    def span_x(self) -> float:
        """Centre-to-centre width of the array along x."""
        return (self.columns - 1) * self.pitch_x

    @property
    def span_y(self) -> float:
        return (self.rows - 1) * self.pitch_y

    def joints(self):
        """Populated joints of the full array (see :mod:`.array`)."""
        return array_joints(self.rows, self.columns, self.pitch_x, self.pitch_y, self.missing)


@dataclass(frozen=True)
class BoardLayer:
    name: str
    thickness: float


@dataclass(frozen=True)
class Board:
    """Printed circuit board (mm). Without ``layers`` it is one region ``board`` (an equivalent
    orthotropic laminate); with layers, regions ``board_<name>`` from top to bottom."""

    size_x: float
    size_y: float
    thickness: float
    layers: tuple[BoardLayer, ...] = ()


@dataclass(frozen=True)
class BoardPad:
    diameter: float
    thickness: float


@dataclass(frozen=True)
class SolderMask:
    """``type`` "nsmd" (opening > pad) or "smd" (opening < pad, mask over the pad rim)."""

    type: str
    opening: float
    thickness: float


@dataclass(frozen=True)
class Underfill:
    """Underfill under the package body; the fillet spreads ``fillet_width`` on the board beyond
    the body edge and climbs ``fillet_height`` up its side (a straight slope)."""

    fillet_width: float
    fillet_height: float


@dataclass(frozen=True)
class MeshSettings:
    """Mesh control (mm): global size, joint sizes, refinement and element choice."""

    size: float
    joint_size: float
    corner_joint_size: float
    transition: float
    refine: str = "corner"  # "corner": finest at the critical joint(s); "all": every joint alike
    order: int = 2
    slice: str = "diagonal"
    cell_2d: str = "triangle"
    optimize: bool = True
    kind: str = "quarter"  # model kind built when build_mesh is not told one


@dataclass(frozen=True)
class PackageSpec:
    """A checked package spec (all lengths in mm, z up, board below the die)."""

    family: str
    name: str
    die: Die
    ball: Ball
    array: BallArray
    board: Board
    board_pad: BoardPad
    solder_mask: SolderMask
    mesh: MeshSettings
    passivation: Layer | None = None
    dielectrics: tuple[Layer, ...] = ()
    rdl: Rdl | None = None
    ubm: Ubm | None = None
    post: Post | None = None
    resin: Layer | None = None
    backside_resin: Layer | None = None
    mold: Mold | None = None
    underfill: Underfill | None = None
    source: str = field(default="<spec>", compare=False)

    @property
    def body_size(self) -> tuple[float, float]:
        """In-plane size of the package body (the mold for fan-out, else the die)."""
        if self.mold is not None:
            return self.mold.size_x, self.mold.size_y
        return self.die.size_x, self.die.size_y

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) of the resolved spec, defaults filled in."""
        data = asdict(self)
        data.pop("source")
        return data


# --------------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------------
def load_spec(path_or_mapping, source: str | None = None) -> PackageSpec:
    """Read and check a package spec from a TOML file or a mapping.

    Parameters
    ----------
    path_or_mapping : str, os.PathLike or Mapping
        A TOML file, or the already-parsed data.
    source : str, optional
        Name used in error messages (default: the file path, or ``"<spec>"``).

    Raises
    ------
    InputError
        For the first bad field, before any meshing.
    """
    if isinstance(path_or_mapping, PackageSpec):
        return path_or_mapping
    if isinstance(path_or_mapping, (str, os.PathLike)):
        src = source or os.fspath(path_or_mapping)
        data = read_spec_file(path_or_mapping, src)
    elif isinstance(path_or_mapping, Mapping):
        src = source or "<spec>"
        data = path_or_mapping
    else:
        raise InputError(source or "<spec>", "<spec>", type(path_or_mapping).__name__,
                         "a TOML file path or a mapping")
    return _parse(TableReader(data, "", src))


def read_spec_file(path, source: str) -> dict:
    """The TOML table of a spec file; :class:`InputError` for a file that is missing, a
    directory, unreadable, not UTF-8 or not TOML."""
    shown = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(source, "<file>", shown, "an existing TOML file") from None
    except IsADirectoryError:
        raise InputError(source, "<file>", shown, "a TOML file (this is a directory)") from None
    except UnicodeDecodeError as exc:
        raise InputError(source, "<file>", shown,
                         f"a UTF-8 text file (byte {exc.start} is not UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, "<file>", str(exc), "valid TOML") from None
    except (OSError, ValueError) as exc:
        raise InputError(source, "<file>", shown, f"a readable TOML file ({exc})") from None


def _parse(top: TableReader) -> PackageSpec:
    src = top.source
    family = top.string("family", choices=FAMILIES)
    allowed = _COMMON | _FAMILY_SECTIONS[family]
    top.finish(allowed | set())  # unknown top-level sections first
    name = top.string("name", default=family)

    array = _parse_array(top.table("array"))
    ball_table = top.table("ball")
    ball_diameter = ball_table.number("diameter")

    # ---- die side -----------------------------------------------------------------------
    die_t = top.table("die", default={})
    die_thickness = die_t.number("thickness", D.DIE_THICKNESS)
    mold = None
    if family == "fan_out":
        mold_t = top.table("mold")
        mold = Mold(mold_t.number("size_x"), mold_t.number("size_y"), mold_t.number("thickness"))
        mold_t.finish()
        die = Die(die_t.number("size_x"), die_t.number("size_y"), die_thickness)
    else:
        die = Die(die_t.number("size_x", array.span_x + 2 * D.DIE_EDGE_MARGIN),
                  die_t.number("size_y", array.span_y + 2 * D.DIE_EDGE_MARGIN), die_thickness)
    die_t.finish()

    passivation = None
    if top.has("passivation"):
        t = top.table("passivation")
        passivation = Layer(t.number("thickness", D.PASSIVATION_THICKNESS))
        t.finish()

    dielectrics = _parse_dielectrics(top, family)
    rdl = None
    ubm = None
    post = resin = backside = None
    if family in ("wlcsp", "flip_chip", "fan_out"):
        ubm_t = top.table("ubm", default={})
        ubm_d = ubm_t.number("diameter", D.UBM_RATIO * ball_diameter)
        ubm = Ubm(ubm_d, ubm_t.number("thickness", D.UBM_THICKNESS), ubm_t.number("opening", None))
        ubm_t.finish()
        die_pad_diameter = ubm.diameter
        die_pad_field = "ubm.diameter"
    else:
        post_t = top.table("post")
        post = Post(post_t.number("diameter"), post_t.number("height"))
        post_t.finish()
        resin_t = top.table("resin", default={})
        resin = Layer(resin_t.number("thickness", post.height))
        resin_t.finish()
        if top.has("backside_resin"):
            t = top.table("backside_resin")
            backside = Layer(t.number("thickness"))
            t.finish()
        die_pad_diameter = post.diameter
        die_pad_field = "post.diameter"
    if top.has("rdl"):
        t = top.table("rdl")
        default_d = D.RDL_PAD_RATIO * die_pad_diameter
        rdl = Rdl(t.number("thickness", D.RDL_THICKNESS), t.number("diameter", default_d))
        t.finish()

    # ---- board side ---------------------------------------------------------------------
    body_x, body_y = (mold.size_x, mold.size_y) if mold else (die.size_x, die.size_y)
    board = _parse_board(top.table("board", default={}), body_x, body_y)
    pad_t = top.table("board_pad", default={})
    board_pad = BoardPad(pad_t.number("diameter", D.BOARD_PAD_RATIO * ball_diameter),
                         pad_t.number("thickness", D.BOARD_PAD_THICKNESS))
    pad_t.finish()
    mask_t = top.table("solder_mask", default={})
    mask_type = mask_t.string("type", D.SOLDER_MASK_TYPE, choices=("nsmd", "smd"))
    if mask_type == "nsmd":
        opening = mask_t.number("opening", board_pad.diameter + D.NSMD_MASK_CLEARANCE)
    else:
        opening = mask_t.number("opening")
    solder_mask = SolderMask(mask_type, opening, mask_t.number("thickness", D.SOLDER_MASK_THICKNESS))
    mask_t.finish()

    underfill = None
    if top.has("underfill"):
        t = top.table("underfill")
        underfill = Underfill(t.number("fillet_width", D.FILLET_WIDTH, strict=False),
                              t.number("fillet_height", D.FILLET_HEIGHT, strict=False))
        t.finish()

    # ---- ball shape ---------------------------------------------------------------------
    board_wet_d = board_pad.diameter if mask_type == "nsmd" else solder_mask.opening
    board_wet_field = "board_pad.diameter" if mask_type == "nsmd" else "solder_mask.opening"
    for value, fname in ((die_pad_diameter, die_pad_field), (board_wet_d, board_wet_field)):
        if value >= ball_diameter:
            raise InputError(src, fname, value, f"a pad smaller than the ball (< ball.diameter = {ball_diameter:g} mm)")
    volume = ball_table.number("volume", None)
    standoff = ball_table.number("standoff", None)
    if volume is None:
        volume = sphere_volume(ball_diameter)
    if standoff is not None and ball_table.has("volume"):
        raise ball_table.error("standoff", standoff, "either ball.volume or ball.standoff, not both")
    if standoff is not None:
        shape = shape_from_standoff(standoff, die_pad_diameter / 2, board_wet_d / 2)
        volume = shape.volume
    else:
        shape = shape_from_volume(volume, die_pad_diameter / 2, board_wet_d / 2)
    layer = ball_table.number("interface_layer", D.INTERFACE_LAYER)
    ball_table.finish()
    ball = Ball(ball_diameter, volume, standoff, layer, shape)

    mesh = _parse_mesh(top.table("mesh", default={}), array, ball)

    spec = PackageSpec(family=family, name=name, die=die, ball=ball, array=array, board=board,
                       board_pad=board_pad, solder_mask=solder_mask, mesh=mesh,
                       passivation=passivation, dielectrics=dielectrics, rdl=rdl, ubm=ubm,
                       post=post, resin=resin, backside_resin=backside, mold=mold,
                       underfill=underfill, source=src)
    check_plausible(spec)  # first: a unit slip is the message, not the mesh sizes it implies
    check_geometry(spec)
    return spec


def _parse_array(t: TableReader) -> BallArray:
    rows = t.integer("rows")
    columns = t.integer("columns")
    if t.has("pitch"):
        pitch_x = pitch_y = t.number("pitch")
        for k in ("pitch_x", "pitch_y"):
            if t.has(k):
                raise t.error(k, t.data[k], "either array.pitch or array.pitch_x/pitch_y, not both")
    else:
        pitch_x = t.number("pitch_x")
        pitch_y = t.number("pitch_y")
    missing_raw = t.raw("missing", [])
    if not isinstance(missing_raw, list):
        raise t.error("missing", missing_raw, "a list of [row, column] pairs")
    missing = []
    for k, m in enumerate(missing_raw):
        fname = f"missing[{k}]"
        if (not isinstance(m, (list, tuple)) or len(m) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in m)):
            raise t.error(fname, m, "a [row, column] pair of integers")
        if not (0 <= m[0] < rows and 0 <= m[1] < columns):
            raise t.error(fname, list(m), f"a ball inside the {rows} x {columns} array "
                          f"(0 <= row < {rows}, 0 <= column < {columns})")
        missing.append((m[0], m[1]))
    if len(set(missing)) != len(missing):
        raise t.error("missing", missing_raw, "each missing ball listed once")
    if len(missing) >= rows * columns:
        raise t.error("missing", missing_raw, "at least one populated ball")
    t.finish()
    return BallArray(rows, columns, pitch_x, pitch_y, tuple(sorted(missing)))


def _parse_dielectrics(top: TableReader, family: str) -> tuple[Layer, ...]:
    raw = top.raw("dielectric", None)
    if raw is None:
        if family in ("wlcsp", "fan_out"):
            raw = [{}]  # one layer of default thickness
        else:
            raw = []
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) > 2:
        raise top.error("dielectric", raw, "a list of at most 2 layer tables ([[dielectric]])")
    if family in ("wlcsp", "fan_out") and len(raw) == 0:
        raise top.error("dielectric", raw, f"1 or 2 dielectric layers for family {family!r}")
    layers = []
    for k, item in enumerate(raw):
        t = TableReader(item, f"dielectric[{k}]", top.source)
        layers.append(Layer(t.number("thickness", D.DIELECTRIC_THICKNESS)))
        t.finish()
    return tuple(layers)


def _parse_board(t: TableReader, body_x: float, body_y: float) -> Board:
    size_x = t.number("size_x", body_x + 2 * D.BOARD_MARGIN)
    size_y = t.number("size_y", body_y + 2 * D.BOARD_MARGIN)
    layers_raw = t.raw("layers", [])
    if not isinstance(layers_raw, list):
        raise t.error("layers", layers_raw, "a list of {name, thickness} tables")
    layers = []
    for k, item in enumerate(layers_raw):
        lt = TableReader(item, f"{t.path}.layers[{k}]", t.source)
        name = lt.string("name")
        if not name.isidentifier():
            raise lt.error("name", name, "a name of letters, digits and underscores")
        layers.append(BoardLayer(name, lt.number("thickness")))
        lt.finish()
    if len({layer.name for layer in layers}) != len(layers):
        raise t.error("layers", [layer.name for layer in layers], "distinct layer names")
    stack = sum(layer.thickness for layer in layers)
    if layers and t.has("thickness"):
        thickness = t.number("thickness")
        if abs(thickness - stack) > 1e-9:
            raise t.error("thickness", thickness, f"the sum of the layer thicknesses ({stack:g} mm)")
    else:
        thickness = stack if layers else t.number("thickness", D.BOARD_THICKNESS)
    t.finish()
    return Board(size_x, size_y, thickness, tuple(layers))


def _parse_mesh(t: TableReader, array: BallArray, ball: Ball) -> MeshSettings:
    pitch = min(array.pitch_x, array.pitch_y)
    size = t.number("size", D.MESH_SIZE_PER_PITCH * pitch)
    joint = t.number("joint_size", D.JOINT_SIZE_PER_DIAMETER * ball.diameter)
    corner = t.number("corner_joint_size", min(joint, D.CORNER_JOINT_SIZE_PER_DIAMETER * ball.diameter))
    transition = t.number("transition", D.TRANSITION_PER_PITCH * pitch)
    refine = t.string("refine", "corner", choices=("corner", "all"))
    order = t.integer("order", 2)
    if order not in (1, 2):
        raise t.error("order", order, "1 or 2")
    slice_kind = t.string("slice", "diagonal", choices=SLICES)
    cell = t.string("cell_2d", "triangle", choices=("triangle", "quad"))
    optimize = t.boolean("optimize", True)
    kind = t.string("kind", "quarter", choices=MODEL_KINDS)
    t.finish()
    return MeshSettings(size, joint, corner, transition, refine, order, slice_kind, cell, optimize, kind)
