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
    names.update(region_names or {})
    tagged = from_meshio(raw, region_names=names, source=str(path), check=check)
    tagged.metadata.update({k: v for k, v in metadata.items() if k != "region_names"})
    return tagged


def read_side_file(mesh_path) -> dict:
    """The metadata JSON next to a mesh (``board.msh`` -> ``board.json``), or ``{}``."""
    side = Path(mesh_path).with_suffix(".json")
    if not side.is_file():
        return {}
    try:
        return json.loads(side.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(side, "metadata", side.name, f"valid JSON ({exc})") from None


def from_meshio(raw, region_names: dict | None = None, source: str = "<meshio>",
                check: bool = True) -> TaggedMesh:
    """Convert a ``meshio.Mesh`` into a :class:`TaggedMesh` (see the module docstring)."""
    cell_type, blocks = _volume_cell_blocks(raw, source)
    mesh_class, dim, n_corners = CELL_TYPES[cell_type]

    connectivity = np.concatenate([raw.cells[b].data for b in blocks]).astype(np.int64)
    points = np.asarray(raw.points, dtype=float)
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

    mesh = mesh_class(np.ascontiguousarray(points.T), np.ascontiguousarray(connectivity.T),
                      validate=False)

    # scikit-fem renumbers the vertices of second-order meshes (vertices first, in sorted
    # order of their old index); map meshio node -> scikit-fem vertex for the facet lookup
    corners = np.unique(connectivity[:, :n_corners])
    if corners.size < points.shape[0]:
        to_vertex = np.full(points.shape[0], -1, dtype=np.int64)
        to_vertex[corners] = np.arange(corners.size)
        node_to_vertex = np.where(renumber >= 0, to_vertex[np.maximum(renumber, 0)], -1)
    else:
        node_to_vertex = renumber

    block_offsets = np.cumsum([0] + [len(raw.cells[b].data) for b in blocks])
    regions = _regions(raw, blocks, block_offsets, region_names or {}, source)
    boundaries = _boundaries(raw, mesh, node_to_vertex, dim, region_names or {})
    tagged = TaggedMesh(mesh=mesh, regions=regions, boundaries=boundaries, source=source)
    if check:
        check_mesh(tagged)
    return tagged


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


def _boundaries(raw, mesh, renumber, dim, region_names):
    """Boundary name -> facet indices, from lower-dimensional cells in named sets or node sets."""
    facet_corners = np.ascontiguousarray(mesh.facets.T.astype(np.int64))
    keys = _facet_keys(facet_corners)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    n_corners = facet_corners.shape[1]

    def lookup(corner_nodes):
        k = _facet_keys(corner_nodes)
        pos = np.searchsorted(sorted_keys, k)
        pos = np.clip(pos, 0, sorted_keys.size - 1)
        hit = sorted_keys[pos] == k
        return np.unique(order[pos[hit]])

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
        members[np.asarray(nodes, dtype=np.int64)] = True
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
