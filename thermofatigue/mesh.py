"""Tagged meshes: any mesh meshio reads, as a scikit-fem mesh with named regions and boundaries.

The data model is one small class, :class:`TaggedMesh`:

* ``mesh``: a scikit-fem mesh (``MeshTri1/2``, ``MeshQuad1/2``, ``MeshTet1/2``, ``MeshHex1/2``);
* ``regions``: region name -> sorted element indices (every element in exactly one region);
* ``boundaries``: boundary name -> facet indices into ``mesh.facets`` (outer boundaries and
  interior interfaces alike);
* ``metadata``: free-form dict (joint positions, mesh-quality report, ...), read from a JSON side
  file ``<mesh>.json`` when there is one.

Where the names come from, in order of preference:

1. named cell sets (Gmsh physical groups, Abaqus ``*ELSET``, meshio ``cell_sets``);
2. integer cell data (``gmsh:physical``, ``region``, ``CellEntityIds``, ``medit:ref``, ...)
   with a name map from the mesh's ``field_data``, the side file (``"region_names"``) or the
   caller;
3. boundaries also from node sets (Abaqus ``*NSET``): a facet whose nodes all lie in the set.

:func:`check_mesh` rejects meshes that would give wrong answers silently: inverted or degenerate
elements, untagged elements, elements in two regions, mixed cell types.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import skfem

from .errors import InputError, MeshError

# meshio cell type -> (scikit-fem mesh class, spatial dimension, number of corner nodes)
CELL_TYPES = {
    "triangle": (skfem.MeshTri1, 2, 3),
    "triangle6": (skfem.MeshTri2, 2, 3),
    "quad": (skfem.MeshQuad1, 2, 4),
    "quad9": (skfem.MeshQuad2, 2, 4),
    "tetra": (skfem.MeshTet1, 3, 4),
    "tetra10": (skfem.MeshTet2, 3, 4),
    "hexahedron": (skfem.MeshHex1, 3, 8),
    "hexahedron27": (skfem.MeshHex2, 3, 8),
}
# volume cell types that scikit-fem cannot take (and that would otherwise be dropped)
UNSUPPORTED_CELL_TYPES = {"triangle7", "quad8", "tetra4", "hexahedron20", "wedge", "wedge15",
                          "wedge18", "pyramid", "pyramid13", "pyramid14", "hexahedron24",
                          "tetra20", "triangle10", "quad16"}
FACET_TYPES = {2: {"line", "line3"}, 3: {"triangle", "triangle6", "quad", "quad8", "quad9"}}
LINE_AND_POINT_TYPES = {"vertex", "line", "line3"}

# meshio reorders hexahedra relative to scikit-fem (same as skfem.io.meshio.HEX_MAPPING)
_HEX_TO_SKFEM = [0, 3, 6, 2, 1, 5, 7, 4, 10, 16, 14, 9, 12, 18, 17, 11, 8, 15, 19, 13,
                 20, 25, 22, 23, 21, 24, 26]
_SKFEM_FROM_MESHIO_HEX = [_HEX_TO_SKFEM.index(i) for i in range(27)]

#: Largest coordinate a mesh may hold (mm): 1 km; beyond it the units are wrong and the
#: geometric checks overflow.
MAX_COORDINATE = 1e6
INTEGER_TAG_KEYS = ("gmsh:physical", "region", "regions", "material", "CellEntityIds",
                    "medit:ref", "cell_tags", "tag")
_BOOKKEEPING_PREFIXES = ("gmsh:", "medit:", "flac3d:", "vtk:")


@dataclass
class TaggedMesh:
    """A scikit-fem mesh with named element regions, named facet sets and metadata."""

    mesh: skfem.Mesh
    regions: dict[str, np.ndarray]
    boundaries: dict[str, np.ndarray] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    source: str = "<memory>"

    @property
    def dim(self) -> int:
        return self.mesh.dim()

    @property
    def n_elements(self) -> int:
        return self.mesh.t.shape[1]

    def region_index(self) -> tuple[list[str], np.ndarray]:
        """Names of the regions (sorted) and, per element, the index of its region in that list."""
        names = sorted(self.regions)
        index = np.full(self.n_elements, -1, dtype=np.int64)
        for k, name in enumerate(names):
            index[self.regions[name]] = k
        return names, index

    def elements_matching(self, pattern: str) -> np.ndarray:
        """Elements of every region whose name matches the glob ``pattern``."""
        from fnmatch import fnmatchcase

        parts = [v for k, v in self.regions.items() if fnmatchcase(k, pattern)]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def region_volumes(self) -> dict[str, float]:
        """Volume (3D) or area (2D) of each region, by one-point-exact quadrature."""
        volume = element_volumes(self.mesh)
        return {name: float(volume[elems].sum()) for name, elems in self.regions.items()}

    def boundary_nodes(self, name: str) -> np.ndarray:
        """Corner-node indices of the named boundary."""
        return np.unique(self.mesh.facets[:, self.boundaries[name]])


def element_volumes(mesh: skfem.Mesh) -> np.ndarray:
    """Volume (3D) or area (2D) of every element of ``mesh``."""
    element = {skfem.MeshTri1: skfem.ElementTriP0, skfem.MeshTri2: skfem.ElementTriP0,
               skfem.MeshQuad1: skfem.ElementQuad0, skfem.MeshQuad2: skfem.ElementQuad0,
               skfem.MeshTet1: skfem.ElementTetP0, skfem.MeshTet2: skfem.ElementTetP0,
               skfem.MeshHex1: skfem.ElementHex0, skfem.MeshHex2: skfem.ElementHex0}
    order = 4 if type(mesh) in (skfem.MeshTri2, skfem.MeshQuad2, skfem.MeshTet2,
                                skfem.MeshHex2) else 1
    basis = skfem.CellBasis(mesh, element[type(mesh)](), intorder=order)
    return basis.dx.sum(axis=1)


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------
def read_mesh(path, region_names: dict | None = None, check: bool = True) -> TaggedMesh:
    """Read any mesh meshio reads into a :class:`TaggedMesh`.

    ``region_names`` maps integer cell tags to names (``{"die": 1, ...}`` or ``{1: "die"}``)
    for formats without named sets; a JSON side file ``<mesh>.json`` with ``"region_names"``
    and any other metadata (e.g. ``"joints"``) is read too.
    """
    import meshio

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "mesh", str(path), "an existing mesh file")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # meshio's gmsh reader prints
            raw = meshio.read(path)
    except (Exception, SystemExit) as exc:  # meshio raises many types (and exits on some)
        raise InputError(path, "mesh", str(path),
                         f"a mesh file meshio can read ({type(exc).__name__}: {exc})") from None
    metadata = read_side_file(path)
    names = dict(metadata.get("region_names", {}))
    if region_names:
        check_region_names(region_names, path, "model.region_names")
        names.update(region_names)
    tagged = from_meshio(raw, region_names=names, source=str(path), check=check)
    tagged.metadata.update({k: v for k, v in metadata.items() if k != "region_names"})
    return tagged


def read_side_file(mesh_path) -> dict:
    """The metadata JSON next to a mesh (``board.msh`` -> ``board.json``), or ``{}``.

    A side file that is a directory, unreadable, not UTF-8, not JSON, or whose ``region_names``
    or ``joints`` have the wrong types is an :class:`InputError` naming it.
    """
    side = Path(mesh_path).with_suffix(".json")
    if not (side.exists() or side.is_symlink()):
        return {}
    try:
        data = json.loads(side.read_bytes().decode("utf-8"))
    except IsADirectoryError:
        raise InputError(side, "metadata", side.name, "a JSON file (this is a directory)") from None
    except UnicodeDecodeError as exc:
        raise InputError(side, "metadata", side.name,
                         f"a UTF-8 text file (byte {exc.start} is not UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise InputError(side, "metadata", side.name, f"valid JSON ({exc})") from None
    except (OSError, ValueError) as exc:
        raise InputError(side, "metadata", side.name, f"a readable JSON file ({exc})") from None
    check_side_data(data, side)
    return data


def check_side_data(data, source) -> None:
    """Types of the side-file fields thermofatigue reads: an object; ``region_names`` a name map
    (see :func:`check_region_names`); ``joints`` a list of objects, each with a ``region``
    string and, where given, an integer ``id`` and finite numbers ``x``, ``y``, ``dnp``."""
    if not isinstance(data, dict):
        raise InputError(source, "metadata", type(data).__name__, "a JSON object {...}")
    if "region_names" in data:
        check_region_names(data["region_names"], source, "region_names")
    joints = data.get("joints", [])
    if not isinstance(joints, list):
        raise InputError(source, "joints", joints, "a list of joint objects")
    for k, joint in enumerate(joints):
        name = f"joints[{k}]"
        if not isinstance(joint, dict):
            raise InputError(source, name, joint, "an object {\"region\": ..., \"x\": ...}")
        if not isinstance(joint.get("region"), str) or not joint["region"]:
            raise InputError(source, f"{name}.region", joint.get("region"), "a region name")
        if "id" in joint and (isinstance(joint["id"], bool) or not isinstance(joint["id"], int)):
            raise InputError(source, f"{name}.id", joint["id"], "an integer")
        for key in ("x", "y", "dnp", "s"):
            v = joint.get(key, 0.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise InputError(source, f"{name}.{key}", v, "a finite number (mm)")


def check_region_names(names, source, field="region_names") -> None:
    """A region name map: ``{name: integer tag}`` or ``{tag: name}`` (JSON keys are strings)."""
    if not isinstance(names, dict):
        raise InputError(source, field, names, "a table {region name = integer tag}")
    for a, b in names.items():
        tag, name = (b, a) if isinstance(a, str) and not a.lstrip("-").isdigit() else (a, b)
        if isinstance(tag, str) and tag.lstrip("-").isdigit():
            tag = int(tag)
        if isinstance(tag, bool) or not isinstance(tag, (int, np.integer)) \
                or not isinstance(name, str) or not name:
            raise InputError(source, f"{field}.{a}", b,
                             "an integer tag for a region name (or a name for a tag)")


def from_meshio(raw, region_names: dict | None = None, source: str = "<meshio>",
                check: bool = True) -> TaggedMesh:
    """Convert a ``meshio.Mesh`` into a :class:`TaggedMesh` (see the module docstring)."""
    cell_type, blocks = _volume_cell_blocks(raw, source)
    mesh_class, dim, n_corners = CELL_TYPES[cell_type]

    connectivity = np.concatenate([raw.cells[b].data for b in blocks]).astype(np.int64)
    points = np.asarray(raw.points, dtype=float)
    _check_points_and_cells(points, raw, source)
    if dim == 2 and points.shape[1] == 3:
        if np.abs(points[:, 2]).max(initial=0.0) > 1e-12 * max(1.0, np.abs(points).max()):
            raise MeshError(source, "points", "nonzero z coordinates",
                            "a planar 2D mesh in the x-y plane")
    points = points[:, :dim]

    # drop nodes that no element uses (geometry points, embedded vertices) and renumber
    used = np.unique(connectivity)
    renumber = np.full(points.shape[0], -1, dtype=np.int64)
    renumber[used] = np.arange(used.size)
    points = points[used]
    connectivity = renumber[connectivity]
    if cell_type == "hexahedron":
        connectivity = connectivity[:, _SKFEM_FROM_MESHIO_HEX[:8]]
    elif cell_type == "hexahedron27":
        connectivity = connectivity[:, _SKFEM_FROM_MESHIO_HEX]

    ordered = np.sort(connectivity, axis=1)
    repeated = np.flatnonzero(np.any(ordered[:, 1:] == ordered[:, :-1], axis=1))
    if repeated.size:
        e = int(repeated[0])
        raise MeshError(source, f"element {e}", f"degenerate (nodes {connectivity[e].tolist()})",
                        f"distinct nodes in every element ({repeated.size} repeat a node)")
    corner_nodes = np.unique(connectivity[:, :n_corners])
    if connectivity.shape[1] > n_corners and np.intersect1d(
            corner_nodes, connectivity[:, n_corners:], assume_unique=False).size:
        raise MeshError(source, "cells", f"{cell_type} with a mid-side node that is a corner "
                        "of another element", "a conforming second-order mesh")
    try:
        mesh = mesh_class(np.ascontiguousarray(points.T), np.ascontiguousarray(connectivity.T),
                          validate=False)
    except (IndexError, ValueError) as exc:
        raise MeshError(source, "cells", f"{cell_type} ({exc})",
                        "a conforming mesh scikit-fem can take") from None

    # scikit-fem renumbers the vertices of second-order meshes (vertices first, in sorted
    # order of their old index); map meshio node -> scikit-fem vertex for the facet lookup
    corners = np.unique(connectivity[:, :n_corners])
    if corners.size < points.shape[0]:
        to_vertex = np.full(points.shape[0], -1, dtype=np.int64)
        to_vertex[corners] = np.arange(corners.size)
        node_to_vertex = np.where(renumber >= 0, to_vertex[np.maximum(renumber, 0)], -1)
    else:
        node_to_vertex = renumber

    find_facets = _facet_finder(mesh)
    _check_lower_cells(raw, cell_type, dim, node_to_vertex, find_facets, source)
    block_offsets = np.cumsum([0] + [len(raw.cells[b].data) for b in blocks])
    regions = _regions(raw, blocks, block_offsets, region_names or {}, source)
    boundaries = _boundaries(raw, mesh, node_to_vertex, dim, region_names or {}, find_facets,
                             source)
    tagged = TaggedMesh(mesh=mesh, regions=regions, boundaries=boundaries, source=source)
    if check:
        check_mesh(tagged)
    return tagged


def _check_points_and_cells(points, raw, source):
    """Finite coordinates, and every cell's node indices inside the point list."""
    if points.ndim != 2 or points.shape[1] not in (2, 3) or points.shape[0] == 0:
        raise MeshError(source, "points", f"array of shape {points.shape}",
                        "an (n, 2) or (n, 3) array of node coordinates")
    bad = np.flatnonzero(~np.all(np.isfinite(points), axis=1)
                         | np.any(np.abs(points) > MAX_COORDINATE, axis=1))
    if bad.size:
        raise MeshError(source, f"node {int(bad[0])}", points[bad[0]].tolist(),
                        f"finite coordinates in mm, at most {MAX_COORDINATE:g} ({bad.size} "
                        f"nodes are not)")
    n = points.shape[0]
    for block in raw.cells:
        data = np.asarray(block.data)
        if data.size and (not np.issubdtype(data.dtype, np.integer) or data.min() < 0
                          or data.max() >= n):
            raise MeshError(source, f"{block.type} cells", "node index out of range",
                            f"node indices in [0, {n})")


def _volume_cell_blocks(raw, source):
    """The cell type of the mesh (highest dimension) and the indices of its blocks."""
    types = [c.type for c in raw.cells]
    dims = {t: 3 if t.startswith(("tetra", "hexa", "wedge", "pyramid")) else
            2 if t.startswith(("triangle", "quad", "polygon")) else 1 for t in types}
    if not types:
        raise MeshError(source, "cells", "none", "a mesh with elements")
    top = max(dims.values())
    top_types = sorted({t for t in types if dims[t] == top})
    if top == 1:
        raise MeshError(source, "cells", top_types, "2D (triangle/quad) or 3D (tetra/hexahedron) "
                        "elements")
    unsupported = [t for t in top_types if t not in CELL_TYPES]
    if unsupported:
        raise MeshError(source, "cell types", unsupported,
                        f"one of {sorted(t for t, v in CELL_TYPES.items() if v[1] == top)}")
    if len(top_types) > 1:
        raise MeshError(source, "cell types", top_types,
                        "a single element type (mixed types would be silently dropped)")
    cell_type = top_types[0]
    return cell_type, [i for i, t in enumerate(types) if t == cell_type]


def _regions(raw, blocks, block_offsets, region_names, source):
    """Region name -> element indices, from named cell sets or tagged integer cell data."""
    regions = {}
    for name, per_block in (raw.cell_sets or {}).items():
        if name.startswith(_BOOKKEEPING_PREFIXES):
            continue
        parts = [np.asarray(per_block[b], dtype=np.int64) + block_offsets[k]
                 for k, b in enumerate(blocks)
                 if b < len(per_block) and per_block[b] is not None and len(per_block[b])]
        if parts:
            regions[name] = np.unique(np.concatenate(parts))
    if regions:
        return regions

    names_by_tag = _names_by_tag(raw, region_names)
    for key in list(raw.cell_data) + [k for k in INTEGER_TAG_KEYS if k not in raw.cell_data]:
        if key not in raw.cell_data or key == "gmsh:geometrical":
            continue
        values = [np.asarray(raw.cell_data[key][b]) for b in blocks]
        if not all(np.issubdtype(v.dtype, np.integer) for v in values):
            continue
        tags = np.concatenate(values).ravel()
        unnamed = sorted(set(np.unique(tags).tolist()) - set(names_by_tag))
        if unnamed:
            raise MeshError(source, f"cell data '{key}'", unnamed,
                            "a name for every region tag (field_data, 'region_names' in the "
                            "mesh's .json side file, or [model.region_names] in the case)")
        for tag in np.unique(tags):
            regions[names_by_tag[int(tag)]] = np.flatnonzero(tags == tag)
        return regions
    raise MeshError(source, "regions", "none",
                    "named regions (physical groups, element sets, or integer cell data "
                    "with a name map)")


def _names_by_tag(raw, region_names):
    names = {}
    for name, value in (raw.field_data or {}).items():
        value = np.atleast_1d(value)
        if name.startswith(_BOOKKEEPING_PREFIXES) or not np.issubdtype(value.dtype, np.integer):
            continue
        names[int(value[0])] = name
    for a, b in region_names.items():
        if isinstance(a, str) and not a.lstrip("-").isdigit():
            names[int(b)] = a
        else:
            names[int(a)] = str(b)
    return names


def _facet_keys(corner_nodes):
    """Order-independent integer keys of facets given by their corner nodes."""
    s = np.sort(corner_nodes, axis=1)
    return np.ascontiguousarray(s).view(np.dtype((np.void, s.dtype.itemsize * s.shape[1]))).ravel()


def _facet_finder(mesh):
    """``find(corner_nodes) -> facet index per row (-1: not a facet of the mesh)``."""
    facet_corners = np.ascontiguousarray(mesh.facets.T.astype(np.int64))
    keys = _facet_keys(facet_corners)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    n_corners = facet_corners.shape[1]

    def find(corner_nodes):
        corner_nodes = np.asarray(corner_nodes, dtype=np.int64).reshape(-1, n_corners)
        out = np.full(corner_nodes.shape[0], -1, dtype=np.int64)
        valid = np.all(corner_nodes >= 0, axis=1)
        if not valid.any() or sorted_keys.size == 0:
            return out
        k = _facet_keys(np.ascontiguousarray(corner_nodes[valid]))
        pos = np.clip(np.searchsorted(sorted_keys, k), 0, sorted_keys.size - 1)
        out[valid] = np.where(sorted_keys[pos] == k, order[pos], -1)
        return out

    find.n_corners = n_corners
    return find


_CORNERS = {"line": 2, "line3": 2, "triangle": 3, "triangle6": 3, "triangle7": 3, "quad": 4,
            "quad8": 4, "quad9": 4}


def _check_lower_cells(raw, cell_type, dim, node_to_vertex, find_facets, source):
    """Cells one dimension lower than the solid cells must be its facets (boundary or interface
    faces); anything else is a 2D part in a 3D mesh (or a 1D part in a 2D mesh) that would be
    dropped without a word."""
    for block in raw.cells:
        corners = _CORNERS.get(block.type)
        block_dim = 1 if block.type.startswith("line") else 2
        if corners is None or block_dim != dim - 1 or len(block.data) == 0:
            continue
        if corners != find_facets.n_corners:
            strays = len(block.data)
        else:
            nodes = node_to_vertex[np.asarray(block.data[:, :corners], dtype=np.int64)]
            strays = int(np.count_nonzero(find_facets(nodes) < 0))
        if strays:
            part = "edges" if dim == 2 else "faces"
            raise MeshError(source, "cells", f"{strays} {block.type} cells that are not {part} "
                            f"of its {cell_type} cells",
                            f"one {dim}D solid mesh ({block.type} and {cell_type} parts are "
                            f"mixed; the {block.type} part would be dropped)")


def _boundaries(raw, mesh, renumber, dim, region_names, find_facets=None, source="<mesh>"):
    """Boundary name -> facet indices, from lower-dimensional cells in named sets or node sets."""
    facet_corners = np.ascontiguousarray(mesh.facets.T.astype(np.int64))
    find = find_facets or _facet_finder(mesh)
    n_corners = facet_corners.shape[1]

    def lookup(corner_nodes):
        idx = find(corner_nodes)
        return np.unique(idx[idx >= 0])

    boundaries = {}
    facet_blocks = [i for i, c in enumerate(raw.cells) if c.type in FACET_TYPES[dim]]
    for name, per_block in (raw.cell_sets or {}).items():
        if name.startswith(_BOOKKEEPING_PREFIXES):
            continue
        parts = []
        for b in facet_blocks:
            if b < len(per_block) and per_block[b] is not None and len(per_block[b]):
                nodes = raw.cells[b].data[np.asarray(per_block[b], dtype=np.int64)][:, :n_corners]
                nodes = renumber[nodes]
                parts.append(nodes[np.all(nodes >= 0, axis=1)])
        if parts:
            boundaries[name] = lookup(np.concatenate(parts))

    # integer-tagged facet cells (e.g. VTU/XDMF boundary cells) with a name map
    if not boundaries and facet_blocks:
        names_by_tag = _names_by_tag(raw, region_names)
        for key in INTEGER_TAG_KEYS:
            if key not in raw.cell_data:
                continue
            for b in facet_blocks:
                tags = np.asarray(raw.cell_data[key][b]).ravel()
                if not np.issubdtype(tags.dtype, np.integer):
                    continue
                nodes = renumber[raw.cells[b].data[:, :n_corners]]
                for tag in np.unique(tags):
                    if int(tag) in names_by_tag:
                        sel = nodes[(tags == tag) & np.all(nodes >= 0, axis=1)]
                        boundaries[names_by_tag[int(tag)]] = lookup(sel)
            break

    # node sets (Abaqus *NSET): every facet whose corner nodes all lie in the set
    for name, nodes in (raw.point_sets or {}).items():
        if name.startswith(_BOOKKEEPING_PREFIXES) or name in boundaries:
            continue
        members = np.zeros(renumber.size, dtype=bool)
        nodes = np.asarray(nodes, dtype=np.int64)
        if nodes.size and (nodes.min() < 0 or nodes.max() >= renumber.size):
            raise MeshError(source, f"node set '{name}'", "node index out of range",
                            f"node indices in [0, {renumber.size})")
        members[nodes] = True
        inside = np.zeros(mesh.p.shape[1], dtype=bool)
        used = renumber >= 0
        inside[renumber[used]] = members[used]
        facets = np.flatnonzero(np.all(inside[facet_corners], axis=1))
        if facets.size:
            boundaries[name] = facets
    return boundaries


# ----------------------------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------------------------
def check_mesh(tagged: TaggedMesh, required_regions=(), required_boundaries=(),
               field_prefix: str = "") -> None:
    """Raise :class:`MeshError` for a mesh that cannot be solved on correctly.

    Checks: every element in exactly one region; ``required_regions`` (glob patterns) and
    ``required_boundaries`` exist; no degenerate element (for curved elements, the Jacobian is
    checked at the quadrature points too).
    """
    from fnmatch import fnmatchcase

    source = tagged.source
    n = tagged.n_elements
    if not tagged.regions:
        raise MeshError(source, "regions", "none", "named regions")
    count = np.zeros(n, dtype=np.int64)
    for name, elems in tagged.regions.items():
        if elems.size and (elems.min() < 0 or elems.max() >= n):
            raise MeshError(source, f"region '{name}'", "element index out of range",
                            f"indices in [0, {n})")
        np.add.at(count, elems, 1)
    untagged = np.flatnonzero(count == 0)
    if untagged.size:
        e = int(untagged[0])
        raise MeshError(source, f"element {e}", f"in no region (at {_where(tagged, e)})",
                        f"every element in a named region ({untagged.size} of {n} untagged)")
    doubled = np.flatnonzero(count > 1)
    if doubled.size:
        e = int(doubled[0])
        owners = sorted(k for k, v in tagged.regions.items() if np.any(v == e))
        raise MeshError(source, f"element {e}", f"in regions {owners}",
                        f"each element in exactly one region ({doubled.size} shared)")
    for pattern in required_regions:
        if not any(fnmatchcase(k, pattern) for k in tagged.regions):
            raise MeshError(source, f"{field_prefix}{pattern}", "no such region in the mesh",
                            f"one of {sorted(tagged.regions)}")
    for name in required_boundaries:
        if name not in tagged.boundaries:
            raise MeshError(source, f"{field_prefix}{name}", "no such boundary in the mesh",
                            f"one of {sorted(tagged.boundaries) or 'no named boundaries'}")
    _check_jacobians(tagged)
    _check_connected(tagged)


def _check_connected(tagged):
    """Every element reaches every other through shared nodes: a solid region touching nothing
    (a die floating above its joints, a joint meshed apart from its pads) would float free or
    make the stiffness singular.

    Connected components of the element-node incidence graph (scipy ``connected_components``);
    the largest part is the assembly, the regions of the others are named."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    t = tagged.mesh.t
    n_nodes, n_elements = tagged.mesh.p.shape[1], t.shape[1]
    if n_elements < 2:
        return
    elements = np.repeat(np.arange(n_elements) + n_nodes, t.shape[0])
    nodes = t.T.ravel()
    graph = coo_matrix((np.ones(nodes.size, dtype=np.int8), (elements, nodes)),
                       shape=(n_nodes + n_elements,) * 2)
    _, labels = connected_components(graph, directed=False)
    part = labels[n_nodes:]
    sizes = np.bincount(part)
    if np.count_nonzero(sizes) <= 1:
        return
    main = int(np.argmax(sizes))
    loose = np.flatnonzero(part != main)
    names, index = tagged.region_index()
    loose_regions = sorted({names[k] for k in np.unique(index[loose]) if k >= 0})
    e = int(loose[0])
    shown = loose_regions[0] if len(loose_regions) == 1 else loose_regions
    raise MeshError(tagged.source, "regions" if len(loose_regions) > 1 else
                    f"region '{loose_regions[0]}'",
                    f"{shown} touches nothing else (no node shared with the rest of the "
                    f"assembly, at {_where(tagged, e)})",
                    f"every solid connected to the rest of the assembly by shared nodes "
                    f"({np.count_nonzero(sizes) - 1} loose part(s), {loose.size} elements)")


def _check_jacobians(tagged):
    """No degenerate, distorted or inverted (folded-over) element.

    * degenerate: ``|det J|`` at a quadrature point below 1e-10 of the mesh's median;
    * distorted: ``det J`` changes sign inside an element (curved or non-affine elements);
    * inverted: across an interior facet, the centroids of the two elements that share it lie
      on the same side of the facet's plane, i.e. one element is folded over its neighbour.
      This is independent of the node order (scikit-fem integrates with ``|det J|``, and
      tensor-product generators mix orientations legitimately).
    """
    from skfem.quadrature import get_quadrature

    mesh = tagged.mesh
    X, _ = get_quadrature(mesh.elem().refdom, 2)
    with np.errstate(divide="ignore", invalid="ignore"):  # degenerate elements: reported below
        det = mesh._mapping().detDF(X)
    scale = np.median(np.abs(det))
    degenerate = np.flatnonzero(np.abs(det).min(axis=1) <= 1e-10 * scale)
    if degenerate.size:
        e = int(degenerate[0])
        raise MeshError(tagged.source, f"element {e}", f"degenerate (zero volume) at "
                        f"{_where(tagged, e)}", f"elements with positive volume "
                        f"({degenerate.size} degenerate)")
    sign = np.sign(det)
    distorted = np.flatnonzero(np.any(sign != sign[:, :1], axis=1))
    if distorted.size:
        e = int(distorted[0])
        raise MeshError(tagged.source, f"element {e}",
                        f"inverted inside (Jacobian changes sign, at {_where(tagged, e)})",
                        f"valid elements ({distorted.size} distorted)")
    folded = _folded_elements(mesh)
    if folded.size:
        e = int(folded[0])
        raise MeshError(tagged.source, f"element {e}", f"inverted (folded over a neighbour, at "
                        f"{_where(tagged, e)})", f"a mesh without overlapping elements "
                        f"({folded.size} inverted)")


def _folded_elements(mesh) -> np.ndarray:
    """Elements on the same side of an interior facet as the neighbour sharing it."""
    interior = np.flatnonzero(mesh.f2t[1] >= 0)
    if interior.size == 0:
        return np.zeros(0, dtype=np.int64)
    p = mesh.p
    corners = mesh.facets[:, interior]
    centroid = p[:, mesh.t].mean(axis=1)                       # (dim, n_elements)
    origin = p[:, corners[0]]
    if mesh.dim() == 2:
        edge = p[:, corners[1]] - origin
        normal = np.array([-edge[1], edge[0]])
    else:
        normal = np.cross((p[:, corners[1]] - origin).T, (p[:, corners[2]] - origin).T).T
    left, right = mesh.f2t[0, interior], mesh.f2t[1, interior]
    side_left = np.einsum("ij,ij->j", normal, centroid[:, left] - origin)
    side_right = np.einsum("ij,ij->j", normal, centroid[:, right] - origin)
    bad = side_left * side_right >= 0
    # report the element with the most offending facets first
    offenders = np.concatenate([left[bad], right[bad]])
    if offenders.size == 0:
        return offenders
    counts = np.bincount(offenders)
    return np.argsort(-counts, kind="stable")[: np.count_nonzero(counts)]


def _where(tagged, e):
    corners = tagged.mesh.t[:, e]
    return np.round(tagged.mesh.p[:, corners].mean(axis=1), 6).tolist()
