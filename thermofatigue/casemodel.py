"""A checked case -> the model it describes: mesh, materials per region, boundary conditions.

The mesh is read from the case's mesh file, or built with gmsh from its geometry spec into a
directory the caller names (the run's working directory; solving never writes results).
"""

from __future__ import annotations

from pathlib import Path

from .case import Case, MaterialEntry
from .materials import constitutive_model, default_model, get_material
from .mesh import TaggedMesh, check_mesh, read_mesh
from .model import Model


def load_mesh(case: Case, mesh_directory: Path | None = None) -> TaggedMesh:
    """The case's mesh: read from file, or built from its geometry spec with gmsh (written to
    ``mesh_directory`` with its joint metadata; default ``<output>/mesh``)."""
    if case.mesh is not None:
        tagged = read_mesh(case.mesh, region_names=case.region_names)
    else:
        from .geometry import build_mesh

        spec = case_spec(case)
        directory = Path(mesh_directory or Path(case.output_directory) / "mesh")
        target = directory / f"{spec.name}_{case.geometry_kind}.msh"
        built = build_mesh(spec, kind=case.geometry_kind, path=str(target), verbose=False)
        tagged = read_mesh(built.path)
    check_mesh(tagged, required_regions=[m.pattern for m in case.materials],
               required_boundaries=list(case.boundary or {}), field_prefix="")
    return tagged


def case_spec(case: Case):
    """The package geometry spec of a case built from one (None for a case with a mesh file)."""
    if case.geometry is None:
        return None
    from .geometry import load_spec

    return load_spec(case.geometry, source=str(case.geometry)
                     if isinstance(case.geometry, Path) else f"{case.source} [model.geometry]")


def resolved_materials_and_boundary(case: Case, tagged: TaggedMesh):
    """The case's [materials] and [boundary], or the geometry builders' defaults."""
    from .geometry.regions import default_boundary, default_materials

    entries = case.materials or [MaterialEntry(p, name, None)
                                 for p, name in default_materials(tagged.regions).items()]
    boundary = case.boundary if case.boundary is not None else \
        default_boundary(tagged.boundaries)
    return entries, boundary


def build_model(case: Case, tagged: TaggedMesh | None = None,
                mesh_directory: Path | None = None) -> Model:
    """Mesh, materials (constitutive models per region) and boundary conditions of a case."""
    tagged = tagged or load_mesh(case, mesh_directory)
    transient = case.analysis == "cycling"
    entries, boundary = resolved_materials_and_boundary(case, tagged)
    materials = {}
    for entry in entries:
        field = f"materials.{entry.pattern}"
        material = get_material(entry.spec, source=case.source, field=field,
                                name=entry.spec if isinstance(entry.spec, str) else entry.pattern)
        model_name = entry.model or default_model(material, transient)
        if not transient and model_name != "elastic":
            model_name = "elastic"  # a thermo-elastic case uses the elastic part of every model
        materials[entry.pattern] = constitutive_model(material, model_name,
                                                      case.stress_free_temperature, case.kind,
                                                      source=case.source, field=field,
                                                      time_integration=case.solver.get(
                                                          "time_integration", "bdf2"))
    return Model(tagged, case.kind, materials, boundary, order=case.order, source=case.source)


def solder_name(case: Case, tagged: TaggedMesh) -> str | None:
    """The library name of the joints' solder (for its fatigue constants), if it has one."""
    from .case import joint_solder

    entries, _ = resolved_materials_and_boundary(case, tagged)
    joints = sorted(r for r in tagged.regions if r.startswith("joint_"))
    return joint_solder(entries, joints[0]) if joints else None


def material_status(case: Case, tagged: TaggedMesh) -> dict:
    """Per [materials] entry, the material and the verification status of each of its cited
    properties and parameter sets (``[V]``, ``[S]``, ``[C]``, ``[U]``; ``user`` for values the
    case gives), as a run's summary shows them."""
    from .materials.library import library_data

    library = library_data()
    entries, _ = resolved_materials_and_boundary(case, tagged)
    out = {}
    for entry in entries:
        spec = entry.spec
        name = spec if isinstance(spec, str) else (spec or {}).get("base")
        raw = library.get(name, {}) if isinstance(name, str) else {}
        statuses = {key: value["status"] for key, value in raw.items()
                    if isinstance(value, dict) and "status" in value}
        if not isinstance(spec, str):
            statuses.update({key: "user" for key in spec if key != "base"})
        out[entry.pattern] = {"material": name or "inline", "status": statuses}
    return out
