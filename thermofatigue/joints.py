"""The solder joints of a model: where they sit, their pads, and the volumes their energy is
averaged over.

:func:`find_joints` returns one :class:`Joint` per mesh region ``joint_<i>``, with its position in
the board plane, its distance to the neutral point (DNP), its row and column, the diameters of
its die-side and board-side pads, the share of the joint the model holds, and three averaging
volumes: the whole joint and the die-side and board-side interface layers (the solder within
``interface_layer`` of each pad interface, Darveaux's averaging volume).

Where the facts come from
-------------------------
* **metadata** (``source = "metadata"``): a mesh built by
  :func:`thermofatigue.geometry.build_mesh` carries a side file ``<mesh>.json`` whose ``"joints"``
  records give id, row, column, position (``x, y``; in a 2D slice ``s`` along the slice), DNP and
  fraction, whose ``"ball"`` section gives the wetted pad radii, and whose mesh tags the layers as
  regions ``joint_<i>_die_layer`` / ``joint_<i>_board_layer``.
* **geometry** (``source = "geometry"``): a mesh with joint regions and nothing else (a Gmsh or
  CalculiX mesh) is measured. Anything the metadata lacks is measured too, joint by joint.

Conventions (those of :mod:`thermofatigue.geometry`): lengths in mm; the board-normal axis is z in
3D and y in 2D; the die lies above the board (larger normal coordinate) unless regions named
``die`` and ``board`` show the mesh upside down; a 2D model's position is ``(x, 0)``. In an
axisymmetric model the weights carry ``2 pi r``: the position is then the radius of the centroid
of the joint's ring.

The geometric measurements
--------------------------
1. *Centroid*: element centroids ``x_e = sum_q w_q x_q / sum_q w_q`` from the quadrature points
   and weights of the model (exact for curved elements too); the joint centroid is their
   volume-weighted mean.
2. *Symmetry planes*: the boundaries named ``sym*`` (or those given), when planar and containing
   the board normal. A joint with a facet on a symmetry plane is cut through its axis by it; its
   axis is its centroid projected onto every plane that cuts it (least squares:
   ``x_a = x_c - N^+ (N x_c - d)`` for the planes ``N x = d``), which removes the offset of the
   centroid of a half or quarter joint. Without symmetry planes the axis is the centroid.
3. *Neutral point*: the mean of the joint axes projected onto all symmetry planes (the origin of
   a quarter, octant or half-slice model; the centroid of the joint array of a full model).
   ``dnp = |x_a - x_0|``.
4. *Rows and columns*: the axes and their mirror images across the symmetry planes (repeated
   until no new image appears: the full array) give the distinct x and y coordinates, clustered
   with a tolerance of a quarter of the smallest distance between two images. Column = index of
   the joint's x cluster, row = index of its y cluster, counted from the smallest coordinate
   (the convention of :mod:`thermofatigue.geometry.array`). A 2D model has columns only. A row or
   column of the array that is entirely missing is not counted.
5. *Fraction* (share of the joint in the model): 1 for a joint no plane cuts, 1/2 for one plane,
   and for two planes the angle of the sector between their traces on the joint's side over
   ``2 pi`` (1/4 in a quarter model, 1/8 at the centre of an octant). A model without symmetry
   planes estimates it from the joint's volume over the largest joint volume, rounded to the
   nearest of 1, 1/2, 1/4, 1/8 (which assumes equal balls).
6. *Pad interfaces*: the facets a joint shares with a non-joint region whose normal lies within
   10 degrees of the board normal; those with the neighbour above are die side, below board side,
   kept within 5 % of the joint height of the outermost such facet. The interface plane is their
   area-weighted mean height.
7. *Pad diameter*: the diameter of the circle through the rim of the interface face (the face's
   boundary vertices off the symmetry planes), by the linear least-squares circle fit of
   I. Kasa, IEEE Trans. Instrum. Meas. IM-25 (1976) 8-14, with the centre held on the symmetry
   planes that cut the joint; where those planes fix the centre (the centre joint of a quarter
   or octant model, a cut 2D joint), twice the largest distance of a face vertex from it. It is
   exact when, as gmsh does, the mesh puts the rim nodes on the pad circle, whatever the mesh
   size and the symmetry cuts. The equivalent diameter ``sqrt(4 A / (pi f))`` of the full
   contact area (model area ``A``, fraction ``f``; in 2D the contact length over ``f``) is in
   ``info`` as ``*_pad_equivalent_diameter``: smaller by the chord error of a coarse mesh, it is
   the measure to use for a non-circular pad.
8. *Interface layers*: the joint's elements whose centroid lies within ``interface_layer`` of
   the interface plane, measured along the board normal. On a mesh whose elements conform to the
   layer planes this is exactly the tagged layer.

``interface_layer`` defaults to the mesh metadata's ``interface_layer_thickness`` and otherwise to
:data:`INTERFACE_LAYER`. Tagged layers are used when their thickness is the one asked for;
otherwise the layers are found geometrically at the asked thickness.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError

#: Thickness (mm) of the solder layer at each pad interface over which the inelastic work density
#: is averaged: 0.025 mm (1 mil = 0.0254 mm), the element-layer thickness with which Darveaux's
#: crack initiation and growth constants were calibrated. R. Darveaux, "Effect of simulation
#: methodology on solder joint crack growth correlation", Proc. 50th Electronic Components and
#: Technology Conference (2000) 1048-1058; J. Electron. Packag. 124 (2002) 147-154. [U]
INTERFACE_LAYER = 0.025

_JOINT = re.compile(r"^joint_(\d+)$")
#: |n . e_normal| of a facet counted as parallel to the board (within 10 degrees)
_HORIZONTAL = math.cos(math.radians(10.0))
#: interface facets kept within this share of the joint height of the outermost one
_LEVEL_SHARE = 0.05


@dataclass
class JointVolume:
    """Elements of one averaging volume inside a material group, with their weights."""

    group: str
    local: np.ndarray      # indices into the group's element array
    weights: np.ndarray    # (n, n_quadrature) integration weights

    def average(self, q_values: np.ndarray) -> np.ndarray:
        """Volume average ``sum_eq w_eq v_eq / sum_eq w_eq`` of a group quadrature field
        ``(n_group, Q, ...)``."""
        v = q_values[self.local]
        w = self.weights.reshape(self.weights.shape + (1,) * (v.ndim - 2))
        return (v * w).sum(axis=(0, 1)) / self.weights.sum()

    @property
    def volume(self) -> float:
        """Volume (3D; area per unit depth in 2D) of the averaging volume in the model."""
        return float(self.weights.sum())


@dataclass
class Joint:
    """One solder joint of a model (lengths in mm).

    ``position``: axis in the board plane, ``(x, y)`` (2D: ``(x, 0)``); ``dnp``: distance from the
    neutral point; ``row``, ``column``: indices in the array (None where unknown, row in 2D);
    ``fraction``: share of the joint inside a symmetric model; ``interface_layer``: thickness of
    the averaging layers; ``source``: ``"metadata"`` or ``"geometry"``. ``info`` holds the same as
    a dict plus whatever the metadata record has.
    """

    id: int
    info: dict
    whole: JointVolume
    die_layer: JointVolume | None
    board_layer: JointVolume | None
    region: str = ""
    row: int | None = None
    column: int | None = None
    position: tuple = (0.0, 0.0)
    dnp: float | None = None
    die_pad_diameter: float | None = None
    board_pad_diameter: float | None = None
    interface_layer: float = INTERFACE_LAYER
    fraction: float = 1.0
    source: str = "geometry"


@dataclass
class _JointRegions:
    id: int
    region: str
    regions: list                       # every region of the joint (joint + tagged layers)
    die_layer: str | None = None        # tagged layer regions, if used
    board_layer: str | None = None
    record: dict = field(default_factory=dict)
    layer_thickness: float | None = None


def find_joints(model, interface_layer: float | None = None, use_metadata: bool = True,
                symmetry: list | None = None) -> list[Joint]:
    """The solder joints of ``model`` (see the module docstring), by increasing id.

    Parameters
    ----------
    model : :class:`thermofatigue.model.Model` (uses ``tagged``, ``groups``, ``disc``)
    interface_layer : thickness (mm) of the averaging layers. None: tagged layer regions as they
        are (thickness from the metadata, else measured), and layers found at the metadata's
        thickness, else :data:`INTERFACE_LAYER`. A number: tagged layers only if they have that
        thickness, else layers found geometrically at it.
    use_metadata : False ignores the mesh metadata and the tagged layer regions (merged into
        their joint) and measures everything from the mesh
    symmetry : names of the symmetry boundaries; default: every boundary named ``sym*``
    """
    tagged = model.tagged
    metadata = tagged.metadata if use_metadata else {}
    t_meta = metadata.get("interface_layer_thickness")
    t = interface_layer if interface_layer is not None else (t_meta or INTERFACE_LAYER)
    if not isinstance(t, (int, float)) or isinstance(t, bool) or not t > 0:
        raise InputError(model.source, "interface_layer", t, "a positive thickness in mm")
    t = float(t)
    volume = _volume_maker(model)
    parts = [p for p in _joint_regions(tagged, metadata, use_metadata)
             if volume(p.regions) is not None]
    if not parts:
        return []
    for p in parts:
        if p.die_layer is None:
            continue
        p.layer_thickness = float(t_meta) if t_meta is not None else \
            _thickness(tagged, [p.die_layer, p.board_layer])
        if interface_layer is not None and abs(p.layer_thickness - t) > 1e-6 * t:
            p.die_layer = p.board_layer = None  # tagged at another thickness: find them at t
    ball = metadata.get("ball", {})
    if any(not _complete(p, ball, model.disc.dim) for p in parts):
        measured = measure_joints(model, [p.regions for p in parts], t, symmetry)
    else:
        measured = [{} for _ in parts]
    source = f"{tagged.source} (metadata)"
    return [_joint(p, geo, ball, t, model.disc.dim, volume, source)
            for p, geo in zip(parts, measured)]


def _thickness(tagged, layers) -> float:
    """Thickness of tagged layer regions: the smaller extent of the two along the board
    normal (z in 3D, y in 2D)."""
    mesh = tagged.mesh
    up = mesh.dim() - 1
    return float(min(np.ptp(mesh.p[up, np.unique(mesh.t[:, tagged.regions[r]])])
                     for r in layers))


def _has_position(record: dict, dim: int) -> bool:
    return all(k in record for k in (("x", "y") if dim == 3 else ("s",)))


def _complete(p: _JointRegions, ball: dict, dim: int) -> bool:
    """Whether the metadata gives every fact of the joint (no measurement needed)."""
    r = p.record
    return (_has_position(r, dim) and all(k in r for k in ("dnp", "fraction"))
            and p.die_layer is not None and "die_pad_radius" in ball
            and "board_pad_radius" in ball)


def _joint(p: _JointRegions, geo: dict, ball: dict, t: float, dim: int, volume,
           source: str) -> Joint:
    """Merge the metadata record of a joint with what was measured (the record wins)."""
    r = p.record
    _check_record(r, ball, source)
    from_record = _has_position(r, dim) and "dnp" in r
    if _has_position(r, dim):
        position = (float(r["x"]), float(r["y"])) if dim == 3 else (float(r["s"]), 0.0)
    else:
        position = geo["position"]
    row = r["row"] if "row" in r else geo.get("row")
    column = r["column"] if "column" in r else geo.get("column")
    dnp = float(r["dnp"]) if "dnp" in r else geo.get("dnp")
    fraction = float(r["fraction"]) if "fraction" in r else geo.get("fraction", 1.0)
    die_d = 2.0 * ball["die_pad_radius"] if r and "die_pad_radius" in ball \
        else geo.get("die_pad_diameter")
    board_d = 2.0 * ball["board_pad_radius"] if r and "board_pad_radius" in ball \
        else geo.get("board_pad_diameter")
    if p.die_layer is not None:
        die, board = volume([p.die_layer]), volume([p.board_layer])
        thickness, layers = p.layer_thickness, "tagged"
    else:
        die = volume(None, geo.get("die_layer_elements"))
        board = volume(None, geo.get("board_layer_elements"))
        thickness, layers = t, "geometry"
    info = dict(r)
    info.update({k: v for k, v in geo.items() if not k.endswith("_elements") and k not in info})
    info.update({"id": p.id, "region": p.region, "row": row, "column": column,
                 "x": position[0], "y": position[1], "dnp": dnp, "fraction": fraction,
                 "die_pad_diameter": die_d, "board_pad_diameter": board_d,
                 "interface_layer": thickness, "layers": layers,
                 "source": "metadata" if from_record else "geometry"})
    return Joint(p.id, info, volume(p.regions), die, board, region=p.region,
                 row=None if row is None else int(row),
                 column=None if column is None else int(column),
                 position=position, dnp=dnp, die_pad_diameter=die_d, board_pad_diameter=board_d,
                 interface_layer=thickness, fraction=fraction, source=info["source"])


def _check_record(record: dict, ball: dict, source: str) -> None:
    """Types of the metadata this module reads: integer ``row``/``column``, finite ``x``, ``y``,
    ``s``, ``dnp``, a ``fraction`` in (0, 1], positive ``ball`` pad radii."""
    def number(value):
        return isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value)

    where = f"joints[{record.get('region')}]"
    for key in ("row", "column"):
        v = record.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise InputError(source, f"{where}.{key}", v, "an integer (or null)")
    for key in ("x", "y", "s", "dnp"):
        if key in record and not number(record[key]):
            raise InputError(source, f"{where}.{key}", record[key], "a finite number (mm)")
    if "fraction" in record and not (number(record["fraction"]) and 0 < record["fraction"] <= 1):
        raise InputError(source, f"{where}.fraction", record["fraction"],
                         "the share of the joint in the model, 0 < fraction <= 1")
    for key in ("die_pad_radius", "board_pad_radius"):
        if key in ball and not (number(ball[key]) and ball[key] > 0):
            raise InputError(source, f"ball.{key}", ball[key], "a positive radius (mm)")


def _joint_regions(tagged, metadata: dict, use_tags: bool) -> list[_JointRegions]:
    """Joint regions by increasing id, each with its layer regions and metadata record
    (``use_tags`` False: the layers count as part of the joint, not as layers)."""
    records = {j["region"]: j for j in metadata.get("joints", []) if "region" in j}
    out = []
    for region in tagged.regions:
        m = _JOINT.match(region)
        if not m:
            continue
        record = dict(records.get(region, {}))
        die = record.get("die_layer", f"{region}_die_layer")
        board = record.get("board_layer", f"{region}_board_layer")
        layers = [r for r in (die, board) if r in tagged.regions]
        both = use_tags and len(layers) == 2
        out.append(_JointRegions(int(record.get("id", m.group(1))), region, [region] + layers,
                                 die if both else None, board if both else None, record))
    return sorted(out, key=lambda p: (p.id, p.region))


def _volume_maker(model):
    """``volume(regions, elements=None)`` -> :class:`JointVolume` of those elements, or None if
    there are none or they belong to more than one material group (no common state array)."""
    n = model.disc.n_elements
    group_index = np.full(n, -1)
    local = np.full(n, -1)
    for k, g in enumerate(model.groups):
        group_index[g.elements] = k
        local[g.elements] = np.arange(g.elements.size)
    weights = model.disc.weights
    regions = model.tagged.regions

    def volume(names, elements=None):
        if elements is None:
            names = [r for r in names or () if r in regions]
            if not names:
                return None
            elements = np.concatenate([regions[r] for r in names])
        elements = np.asarray(elements, dtype=np.int64)
        if elements.size == 0:
            return None
        groups = np.unique(group_index[elements])
        if groups.size != 1 or groups[0] < 0:
            return None
        return JointVolume(model.groups[groups[0]].pattern, local[elements], weights[elements])

    return volume


# ----------------------------------------------------------------------------------------------
# geometric measurement
# ----------------------------------------------------------------------------------------------
def measure_joints(model, joint_regions: list, interface_layer: float = INTERFACE_LAYER,
                   symmetry: list | None = None) -> list[dict]:
    """Measure joints from the mesh (steps 1-8 of the module docstring).

    ``joint_regions``: per joint, the list of its region names. Returns per joint a dict with
    ``position``, ``dnp``, ``row``, ``column``, ``fraction``, ``die_pad_diameter``,
    ``board_pad_diameter`` (mm or None), ``*_pad_equivalent_diameter``, ``*_contact_area``,
    ``die_plane``, ``board_plane`` (height of the interface planes), ``volume`` and
    ``die_layer_elements``, ``board_layer_elements`` (element indices).
    """
    tagged, disc = model.tagged, model.disc
    mesh = tagged.mesh
    dim = disc.dim
    up = dim - 1
    n = len(joint_regions)
    owner = np.full(disc.n_elements, -1, dtype=np.int64)
    for k, names in enumerate(joint_regions):
        owner[np.concatenate([tagged.regions[r] for r in names])] = k
    volume_e = disc.weights.sum(axis=1)
    centroid_e = np.einsum("eq,eqd->ed", disc.weights, disc.points) / volume_e[:, None]
    sign = _up_sign(tagged, centroid_e, volume_e, up)

    joint_e = np.flatnonzero(owner >= 0)
    jk = owner[joint_e]
    vol = np.bincount(jk, volume_e[joint_e], minlength=n)
    centroid = np.stack([np.bincount(jk, volume_e[joint_e] * centroid_e[joint_e, i], minlength=n)
                         for i in range(dim)], axis=1) / vol[:, None]
    heights = mesh.p[up][mesh.t[:, joint_e]] * sign            # (corners, n_joint_elements)
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    np.minimum.at(low, jk, heights.min(axis=0))
    np.maximum.at(high, jk, heights.max(axis=0))

    planes = symmetry_planes(tagged, symmetry)
    cuts = _cuts(mesh, owner, planes, n)
    plane_xy = centroid[:, :up]                                   # board-plane coordinates
    axis = np.array([_project(plane_xy[k], [planes[i] for i in cuts[k]]) for k in range(n)])
    axis = axis.reshape(n, up)
    centre = _project(axis.mean(axis=0), planes)
    dnp = np.linalg.norm(axis - centre, axis=1)
    rows, columns = _rows_and_columns(axis, planes)
    fraction = _fractions(mesh, owner, planes, cuts, axis, vol, up)

    faces = _interface_facets(mesh, owner, centroid_e, up, sign)
    elements_of = _split(joint_e, jk, n)
    faces_of = _split(np.arange(faces["joint"].size), faces["joint"], n)
    out = []
    for k in range(n):
        geo = {"position": (float(axis[k, 0]), float(axis[k, 1]) if up == 2 else 0.0),
               "dnp": float(dnp[k]), "row": None if rows is None else int(rows[k]),
               "column": int(columns[k]), "fraction": float(fraction[k]),
               "volume": float(vol[k]), "centroid": centroid[k].tolist()}
        elements = elements_of[k]
        level_tol = _LEVEL_SHARE * (high[k] - low[k])
        planes_k = {}
        for side, above in (("die", True), ("board", False)):
            contact = _contact(faces, faces_of[k], above, level_tol, axis[k], fraction[k],
                               [planes[i] for i in cuts[k]], dim)
            geo.update({f"{side}_pad_diameter": contact["diameter"],
                        f"{side}_pad_equivalent_diameter": contact["equivalent_diameter"],
                        f"{side}_contact_area": contact["area"],
                        f"{side}_plane": None if contact["level"] is None
                        else float(contact["level"] * sign)})
            planes_k[side] = contact["level"]
            if contact["level"] is None:
                geo[f"{side}_layer_elements"] = None
                continue
            z = centroid_e[elements, up] * sign
            near = np.abs(z - contact["level"]) <= interface_layer
            geo[f"{side}_layer_elements"] = elements[near]
        if planes_k["die"] is not None and planes_k["board"] is not None and \
                2.0 * interface_layer >= planes_k["die"] - planes_k["board"]:
            raise InputError(tagged.source, "interface_layer", interface_layer,
                             f"less than half the height of {joint_regions[k][0]} "
                             f"({planes_k['die'] - planes_k['board']:.4g} mm between its pads)")
        out.append(geo)
    return out


def _split(items: np.ndarray, key: np.ndarray, n: int) -> list[np.ndarray]:
    """``items`` grouped by ``key`` in ``0..n-1`` (one sort, no loop over items)."""
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(n + 1))
    return [items[order[bounds[k]:bounds[k + 1]]] for k in range(n)]


def _up_sign(tagged, centroid_e, volume_e, up) -> float:
    """+1 if the die lies above the board along the normal axis (or unknown), else -1."""
    regions = tagged.regions
    if "die" in regions and "board" in regions:
        h = [np.average(centroid_e[regions[r], up], weights=volume_e[regions[r]])
             for r in ("die", "board")]
        if h[0] < h[1]:
            return -1.0
    return 1.0


def symmetry_planes(tagged, names: list | None = None) -> list[tuple[np.ndarray, float, str]]:
    """Symmetry planes ``(n, d, name)`` with ``n . x = d`` in board-plane coordinates (x, y in
    3D; x in 2D): the planar boundaries named ``sym*`` (or ``names``) that contain the board
    normal. Others are left out (they cannot be symmetry planes of a joint array)."""
    mesh = tagged.mesh
    dim = mesh.dim()
    if names is None:
        names = [b for b in sorted(tagged.boundaries) if b.lower().startswith("sym")]
    size = float(np.ptp(mesh.p, axis=1).max())
    planes = []
    for name in names:
        facets = tagged.boundaries.get(name)
        if facets is None or len(facets) == 0:
            continue
        x = mesh.p[:, np.unique(mesh.facets[:, facets])].T
        if x.shape[0] < dim:
            continue
        _, s, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
        normal = vt[-1]
        if s[-1] > 1e-6 * max(s[0], 1e-300) or abs(normal[dim - 1]) > 1e-6:
            continue
        normal = normal[: dim - 1] / np.linalg.norm(normal[: dim - 1])
        d = float(normal @ x.mean(axis=0)[: dim - 1])
        planes.append((normal, 0.0 if abs(d) <= 1e-12 * size else d, name))
    return planes


def _cuts(mesh, owner, planes, n) -> list[list[int]]:
    """Per joint, the indices of the symmetry planes that cut it (one of its element facets
    lies on the plane)."""
    cuts = [[] for _ in range(n)]
    for i, (normal, d, name) in enumerate(planes):
        for k in _plane_joints(mesh, owner, normal, d):
            cuts[k].append(int(i))
    return cuts


def _plane_joints(mesh, owner, normal, d) -> np.ndarray:
    facets = _facets_on_plane(mesh, normal, d)
    elements = mesh.f2t[:, facets].ravel()
    elements = elements[elements >= 0]
    return np.unique(owner[elements][owner[elements] >= 0])


def _facets_on_plane(mesh, normal, d) -> np.ndarray:
    """Boundary facets all of whose vertices lie on the plane ``n . x = d`` (board-plane n)."""
    boundary = np.flatnonzero(mesh.f2t[1] < 0)
    k = normal.size
    distance = np.abs(normal @ mesh.p[:k] - d)                  # per vertex
    size = float(np.ptp(mesh.p, axis=1).max())
    on = distance <= 1e-7 * size
    return boundary[np.all(on[mesh.facets[:, boundary]], axis=0)]


def _project(x: np.ndarray, planes) -> np.ndarray:
    """The point nearest to ``x`` on every plane ``n . y = d`` of ``planes`` (least-squares
    correction ``x - N^+ (N x - d)``; ``x`` itself without planes)."""
    if not planes:
        return np.asarray(x, dtype=float)
    N = np.array([p[0] for p in planes])
    d = np.array([p[1] for p in planes])
    return x - np.linalg.pinv(N) @ (N @ x - d)


def _reflections(points: np.ndarray, planes) -> np.ndarray:
    """``points`` (first, in order) and all their images under the reflections across
    ``planes``, repeated until no new image appears (a dihedral group closes after at most
    a few rounds for the planes of a quarter or octant model)."""
    size = max(float(np.ptp(points, axis=0).max(initial=0.0)), float(np.abs(points).max()), 1.0)
    grid = 1e-9 * size
    pts = points
    for _ in range(8):
        images = [pts] + [pts - 2.0 * (pts @ n - d)[:, None] * n[None, :] for n, d, _ in planes]
        allp = np.concatenate(images)
        _, first = np.unique(np.round(allp / grid), axis=0, return_index=True)
        new = allp[np.sort(first)]
        if new.shape[0] == pts.shape[0]:
            break
        pts = new
    return pts


def _rows_and_columns(axis: np.ndarray, planes):
    """Row (None in 2D) and column of every joint (step 4 of the module docstring)."""
    images = _reflections(axis, planes)
    tol = 0.25 * _smallest_distance(images)
    # the joints come first among the images (in order), before their mirror images
    n = axis.shape[0]
    columns = _cluster(images[:, 0], tol)[:n]
    rows = _cluster(images[:, 1], tol)[:n] if axis.shape[1] == 2 else None
    return rows, columns


def _smallest_distance(points: np.ndarray, chunk: int = 256) -> float:
    """Smallest distance between two of ``points`` (n, k); inf for fewer than two. Pairwise in
    blocks of ``chunk`` rows (memory ``chunk * n``)."""
    n = points.shape[0]
    smallest = math.inf
    for start in range(0, n, chunk):
        block = points[start:start + chunk]
        d2 = ((block[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1)
        d2[np.arange(block.shape[0]), start + np.arange(block.shape[0])] = np.inf
        smallest = min(smallest, float(d2.min(initial=np.inf)))
    return math.sqrt(smallest)


def _cluster(values: np.ndarray, tol: float) -> np.ndarray:
    """Index (from the smallest) of the cluster of every value: sorted values split where two
    neighbours are more than ``tol`` apart."""
    order = np.argsort(values, kind="stable")
    label_sorted = np.concatenate([[0], np.cumsum(np.diff(values[order]) > tol)])
    labels = np.empty(values.size, dtype=np.int64)
    labels[order] = label_sorted
    return labels


def _fractions(mesh, owner, planes, cuts, axis, vol, up) -> np.ndarray:
    """Share of every joint in the model (step 5 of the module docstring)."""
    n = len(cuts)
    if not planes:
        ratio = vol / vol.max()
        k = np.clip(np.round(-np.log2(ratio)), 0, 3)
        return 0.5 ** k
    fraction = np.ones(n)
    traces = {}
    for k in range(n):
        if len(cuts[k]) == 1:
            fraction[k] = 0.5
        elif len(cuts[k]) == 2 and up == 2:
            t = [_trace(mesh, owner, planes[i], k, axis[k], traces) for i in cuts[k]]
            fraction[k] = math.acos(float(np.clip(t[0] @ t[1], -1.0, 1.0))) / (2.0 * math.pi)
        elif len(cuts[k]) >= 2:  # not a joint cut through its axis: estimate from its volume
            fraction[k] = 0.5 ** np.clip(np.round(-np.log2(vol[k] / vol.max())), 0, 3)
    return fraction


def _trace(mesh, owner, plane, k, axis_k, cache) -> np.ndarray:
    """Unit direction, in the board plane, of the trace of a symmetry plane, pointing from the
    joint axis into the joint's material on that plane."""
    normal, d, name = plane
    if name not in cache:
        cache[name] = _facets_on_plane(mesh, normal, d)
    facets = cache[name]
    elements = mesh.f2t[0, facets]
    mine = facets[owner[elements] == k]
    t = np.array([-normal[1], normal[0]])
    centres = mesh.p[:2][:, mesh.facets[:, mine]].mean(axis=1)     # (2, n_facets)
    side = float(np.mean(t @ (centres - axis_k[:, None])))
    return t if side >= 0.0 else -t


def _interface_facets(mesh, owner, centroid_e, up, sign) -> dict:
    """Facets between a joint element and a non-joint element, parallel to the board
    (step 6 of the module docstring): joint index, above (neighbour above the facet), level
    (height along the oriented normal), measure (area or length) and corner vertices."""
    f2t = mesh.f2t
    interior = np.flatnonzero(f2t[1] >= 0)
    a, b = f2t[0, interior], f2t[1, interior]
    ja, jb = owner[a] >= 0, owner[b] >= 0
    keep = ja ^ jb
    facets = interior[keep]
    joint_el = np.where(ja[keep], a[keep], b[keep])
    other_el = np.where(ja[keep], b[keep], a[keep])
    corners = mesh.facets[:, facets]
    x = mesh.p[:, corners]                                    # (dim, n_corners, n_facets)
    measure, normal = _facet_measure(x)
    horizontal = np.abs(normal[up]) >= _HORIZONTAL
    centre = x.mean(axis=1)
    above = (centroid_e[other_el, up] - centre[up]) * sign > 0.0
    return {"joint": owner[joint_el][horizontal], "above": above[horizontal],
            "level": centre[up, horizontal] * sign, "measure": measure[horizontal],
            "corners": corners[:, horizontal], "points": mesh.p,
            "size": float(np.ptp(mesh.p, axis=1).max())}


def _facet_measure(x: np.ndarray):
    """Area (3D) or length (2D) and unit normal of facets with corners ``x`` (dim, c, n)."""
    dim, c = x.shape[0], x.shape[1]
    if dim == 2:
        e = x[:, 1] - x[:, 0]
        length = np.linalg.norm(e, axis=0)
        return length, np.array([-e[1], e[0]]) / length
    if c == 3:
        v = np.cross((x[:, 1] - x[:, 0]).T, (x[:, 2] - x[:, 0]).T).T / 2.0
    else:  # quadrilateral with cyclic corners: half the cross product of the diagonals
        v = np.cross((x[:, 2] - x[:, 0]).T, (x[:, 3] - x[:, 1]).T).T / 2.0
    area = np.linalg.norm(v, axis=0)
    return area, v / area


def _contact(faces, mine, above, level_tol, axis_k, fraction, cut_planes, dim) -> dict:
    """Pad interface on one side of a joint (its interface facets ``mine``): level, model
    contact measure, pad diameter (steps 6-7 of the module docstring); all None where the joint
    has no neighbour there."""
    sel = mine[faces["above"][mine] == above]
    if sel.size == 0:
        return {"level": None, "area": None, "diameter": None, "equivalent_diameter": None}
    level = faces["level"][sel]
    outer = level.max() if above else level.min()
    sel = sel[np.abs(level - outer) <= level_tol]
    measure = faces["measure"][sel]
    area = float(measure.sum())
    corners = faces["corners"][:, sel]
    p = faces["points"][: dim - 1]
    rim = p[:, _face_boundary(corners)]
    return {"level": float(np.average(faces["level"][sel], weights=measure)), "area": area,
            "diameter": 2.0 * _rim_radius(p[:, np.unique(corners)], rim, cut_planes, axis_k,
                                          faces["size"]),
            "equivalent_diameter": (math.sqrt(4.0 * area / (math.pi * fraction)) if dim == 3
                                    else area / fraction)}


def _face_boundary(corners: np.ndarray) -> np.ndarray:
    """Vertices on the boundary of a face made of facets ``corners`` (c, n): in 3D the ends of
    the edges only one facet has, in 2D the ends only one segment has."""
    c = corners.shape[0]
    if c == 2:
        v, count = np.unique(corners, return_counts=True)
        return v[count == 1]
    edges = np.sort(np.concatenate([corners[[i, (i + 1) % c]] for i in range(c)], axis=1), axis=0)
    e, count = np.unique(edges, axis=1, return_counts=True)
    return np.unique(e[:, count == 1])


def _rim_radius(face, rim, cut_planes, axis_k, size) -> float:
    """Radius of the pad circle of an interface face (vertices ``face``, boundary vertices
    ``rim``, board-plane coordinates ``(k, n)``), step 7 of the module docstring.

    The centre ``c`` lies on every symmetry plane that cuts the joint: ``c = c0 + B s`` with
    ``B`` spanning the planes' intersection. If the planes fix it (a quarter or octant centre
    joint, a cut 2D joint), the radius is the largest distance of a face vertex from it. Else the
    rim vertices off the planes give ``s`` and ``r`` by the linear least-squares circle fit
    ``2 p.(c0 + B s) + (r^2 - |c|^2) = |p|^2`` (Kasa's fit, exact for points on a circle). Too
    few rim vertices for the fit: the largest distance from the joint axis.
    """
    k = face.shape[0]
    if cut_planes:
        N = np.array([pl[0] for pl in cut_planes])
        d = np.array([pl[1] for pl in cut_planes])
        c0 = np.linalg.pinv(N) @ d
        _, sv, vt = np.linalg.svd(N)
        rank = int(np.sum(sv > 1e-9))
        B = vt[rank:].T
        off = np.all(np.abs(N @ rim - d[:, None]) > 1e-7 * size, axis=0)
        rim = rim[:, off]
    else:
        c0, B = np.zeros(k), np.eye(k)
    m = B.shape[1]
    if m == 0:
        return float(np.linalg.norm(face - c0[:, None], axis=0).max())
    if rim.shape[1] < m + 2:
        return float(np.linalg.norm(face - axis_k[:, None], axis=0).max())
    A = np.column_stack([2.0 * rim.T @ B, np.ones(rim.shape[1])])
    rhs = np.sum(rim**2, axis=0) - 2.0 * rim.T @ c0
    solution = np.linalg.lstsq(A, rhs, rcond=None)[0]
    centre = c0 + B @ solution[:m]
    return float(math.sqrt(max(solution[m] + centre @ centre, 0.0)))


__all__ = ["INTERFACE_LAYER", "Joint", "JointVolume", "find_joints", "measure_joints",
           "symmetry_planes"]
