"""``build_mesh``: one spec -> a tagged gmsh mesh (``.msh``) and its metadata (``.json``).

Every check that can fail on the input runs before gmsh is started: the spec is checked by
:func:`~.spec.load_spec`, and the model kind, element order and symmetry requirements here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import gmsh

from ..errors import InputError
from ..io import atomic_path, write_json
from . import meshing
from .array import (MODEL_KINDS, canonical_position, domain_fraction, joints_in_slice, slice_line,
                    symmetric_missing)
from .families import build_layout
from .occ import find_boundaries, gmsh_session, realise2d, realise3d
from .spec import PackageSpec, load_spec

METADATA_FORMAT = "thermofatigue.mesh-metadata/1"


@dataclass(frozen=True)
class BuiltMesh:
    """What :func:`build_mesh` made: the mesh file, its JSON side file and the metadata."""

    path: str
    metadata_path: str
    metadata: dict

    @property
    def joints(self) -> list[dict]:
        return self.metadata["joints"]


def metadata_path_for(mesh_path: str) -> str:
    """``model.msh`` -> ``model.json``."""
    root, _ = os.path.splitext(mesh_path)
    return root + ".json"


def _check_kind(spec: PackageSpec, kind: str, order) -> None:
    src = spec.source
    if kind not in MODEL_KINDS:
        raise InputError(src, "kind", kind, "one of " + ", ".join(repr(k) for k in MODEL_KINDS))
    if order not in (1, 2):
        raise InputError(src, "mesh.order", order, "1 or 2")
    a = spec.array
    if kind in ("quarter", "octant", "slice2d"):
        bad = symmetric_missing(a.missing, a.rows, a.columns, "quarter" if kind == "slice2d" else kind)
        if bad is not None:
            raise InputError(src, "array.missing", list(bad),
                             f"a depopulation symmetric about the planes of the {kind} model "
                             "(list the mirror images too, or build kind = 'full')")
    if kind == "octant":
        for fname, u, v in (("array.columns", a.columns, a.rows), ("array.pitch_x", a.pitch_x, a.pitch_y),
                            ("die.size_x", spec.die.size_x, spec.die.size_y),
                            ("board.size_x", spec.board.size_x, spec.board.size_y)):
            if abs(u - v) > 1e-12:
                raise InputError(src, fname, u, f"the same value along y ({v}) for an octant model "
                                 "(square array, die and board)")
        if spec.mold is not None and abs(spec.mold.size_x - spec.mold.size_y) > 1e-12:
            raise InputError(src, "mold.size_x", spec.mold.size_x, "a square mold body for an octant model")


def model_joints(spec: PackageSpec, kind: str):
    """(joints in the model, slice line or None, {id: fraction of the joint in the model})."""
    joints = spec.array.joints()
    if kind == "slice2d":
        line = slice_line(spec.mesh.slice, spec.array.rows, spec.array.columns,
                          spec.array.pitch_x, spec.array.pitch_y)
        kept = joints_in_slice(joints, line)
        fraction = {j.id: (0.5 if abs(line.position(j.x, j.y)) < 1e-9 else 1.0) for j in kept}
        return kept, line, fraction
    fraction = {j.id: domain_fraction(j.x, j.y, kind) for j in joints}
    kept = [j for j in joints if fraction[j.id] > 0.0]
    return kept, None, {j.id: fraction[j.id] for j in kept}


def build_mesh(spec, kind: str | None = None, order: int | None = None, path: str | None = None, *,
               refine: str | None = None, verbose: bool = True, source: str | None = None) -> BuiltMesh:
    """Mesh a package spec as one model kind.

    Parameters
    ----------
    spec : PackageSpec, path or mapping
        The package (see :func:`load_spec`).
    kind : "slice2d" | "quarter" | "octant" | "full", optional
        Default: ``mesh.kind`` of the spec, itself ``"quarter"`` by default.
    order : 1 or 2, optional
        Element order (default ``mesh.order`` of the spec, itself 2 by default).
    path : str, optional
        Output ``.msh`` (default ``<spec name>_<kind>.msh`` in the working directory). The
        metadata goes next to it as ``<mesh>.json``.
    refine : "corner" | "all", optional
        Overrides ``mesh.refine``.
    verbose : bool
        Print the mesh-quality line.

    Returns
    -------
    BuiltMesh with ``path``, ``metadata_path`` and ``metadata`` (the JSON content).
    """
    spec = load_spec(spec, source=source)
    mesh_settings = spec.mesh
    kind = mesh_settings.kind if kind is None else kind
    if order is not None:
        mesh_settings = replace(mesh_settings, order=order)
    if refine is not None:
        if refine not in ("corner", "all"):
            raise InputError(spec.source, "refine", refine, "'corner' or 'all'")
        mesh_settings = replace(mesh_settings, refine=refine)
    _check_kind(spec, kind, mesh_settings.order)
    joints, line, fraction = model_joints(spec, kind)
    if not joints:
        raise InputError(spec.source, "mesh.slice" if kind == "slice2d" else "kind", kind,
                         "a model that contains at least one joint")
    layout = build_layout(spec, joints)
    path = path or f"{spec.name}_{kind}.msh"
    if not path.endswith(".msh"):
        raise InputError(spec.source, "path", path, "a file name ending in .msh")
    dim = 2 if kind == "slice2d" else 3

    # the mesh goes to a temporary file, renamed only once its side file is written too: a
    # failed write (full disk, permission) leaves the previous pair as it was
    with atomic_path(path, suffix=".msh") as msh_tmp:
        built = _mesh_and_describe(spec, kind, mesh_settings, joints, line, fraction, layout, dim,
                                   str(msh_tmp))
        write_json(metadata_path_for(path), built)
    if verbose:
        print(meshing.format_quality(os.path.basename(path), built["mesh_quality"]))
    return BuiltMesh(path, metadata_path_for(path), built)


def _mesh_and_describe(spec, kind, mesh_settings, joints, line, fraction, layout, dim,
                       path) -> dict:
    """Mesh with gmsh, write the MSH file to ``path``; return the metadata."""
    with gmsh_session(f"{spec.name}_{kind}") as session:
        if dim == 3:
            realised = realise3d(layout, kind)
            position = lambda jp: (jp.joint.x, jp.joint.y)  # noqa: E731
        else:
            realised = realise2d(layout, line)
            position = lambda jp: (line.position(jp.joint.x, jp.joint.y),)  # noqa: E731
        find_boundaries(realised, layout, kind)
        measures = {name: sum(gmsh.model.occ.getMass(dim, t) for t in tags)
                    for name, tags in sorted(realised.regions.items())}
        meshing.add_physical_groups(realised)
        sizes = meshing.set_size_fields(layout, mesh_settings, dim, position)
        straightened = meshing.generate(session, dim, mesh_settings)
        quality = meshing.quality_report(realised)
        quality["straightened_elements"] = straightened
        cell_name, _ = meshing.cell_type()
        meshing.write_msh(session, path)
        gmsh_version = gmsh.__version__

    critical = set(sizes["critical_joints"])
    joint_records = []
    for jp in layout.joints:
        j = jp.joint
        record = {"id": j.id, "region": jp.region, "row": j.row, "column": j.column,
                  "x": j.x, "y": j.y, "dnp": round(j.dnp, 12),
                  "fraction": fraction[j.id],
                  "die_layer": jp.die_layer, "board_layer": jp.board_layer,
                  "die_pad": jp.die_pad, "board_pad": jp.board_pad,
                  "critical": j.id in critical}
        if kind in ("quarter", "octant"):
            record["canonical"] = list(canonical_position(j.row, j.column, spec.array.rows,
                                                          spec.array.columns, kind))
        if line is not None:
            record["s"] = round(line.position(j.x, j.y), 12)
        joint_records.append(record)
    shape = spec.ball.shape
    metadata = {
        "format": METADATA_FORMAT,
        "name": spec.name,
        "family": spec.family,
        "kind": kind,
        "dimension": dim,
        "order": mesh_settings.order,
        "cell_type": cell_name,
        "length_unit": "mm",
        "axes": ("x in the board plane, y up (plane strain slice)" if dim == 2
                 else "x, y in the board plane, z up (board below the die)"),
        "joints": joint_records,
        "regions": {name: {"dimension": dim, "measure": m} for name, m in measures.items()},
        "boundaries": sorted(realised.boundaries),
        "interface_layer_thickness": spec.ball.interface_layer,
        "ball": {"volume": shape.volume, "standoff": shape.height, "sphere_radius": shape.sphere_radius,
                 "centre_height": shape.centre_height, "die_pad_radius": shape.die_radius,
                 "board_pad_radius": shape.board_radius, "max_radius": shape.max_radius,
                 "board_pad_plane_z": layout.joints[0].z_base},
        "z_levels": {"board_bottom": layout.z_bottom, "board_top": 0.0, "package_top": layout.z_top},
        "mesh_size": sizes,
        "mesh_quality": quality,
        "gmsh_version": gmsh_version,
        "spec": spec.to_dict(),
    }
    if line is not None:
        metadata["slice"] = {"kind": mesh_settings.slice, "origin": list(line.origin),
                             "direction": list(line.direction),
                             "note": "mesh x = s along the slice from origin, mesh y = z"}
    return metadata
