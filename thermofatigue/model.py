"""The finite-element model: a tagged mesh, a model kind, materials by region and constraints.

:class:`Model` ties together what the solvers need and computes everything that does not change
during a solve once: the discretization, the assembler's CSR pattern, the constrained space, the
material groups (elements per constitutive model) and the interpolation of temperatures to the
quadrature points.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

import numpy as np

from .errors import InputError
from .fem.assembly import Assembler
from .fem.constraints import ConstrainedSpace, NodeConstraint, boundary_nodes, plane_normal
from .fem.kinematics import Discretization, _field_values
from .mesh import TaggedMesh

COMPONENTS = {"u_x": 0, "u_y": 1, "u_z": 2, "u_r": 0}


@dataclass
class MaterialGroup:
    """The elements that share one constitutive model (one entry of the case's [materials])."""

    pattern: str
    elements: np.ndarray
    model: object
    regions: list


def assign_materials(tagged: TaggedMesh, materials: dict, source: str = "<case>"):
    """Material groups from ``{region name or glob pattern: constitutive model}``.

    An exact region name wins over a pattern; among patterns the first listed wins. Every region
    needs a material and every pattern must match a region.
    """
    owner = {}
    for region in tagged.regions:
        if region in materials:
            owner[region] = region
            continue
        for pattern in materials:
            if fnmatchcase(region, pattern):
                owner[region] = pattern
                break
        else:
            raise InputError(source, f"materials.{region}", "missing",
                             f"a material for region '{region}' (regions: "
                             f"{', '.join(sorted(tagged.regions))})")
    groups = []
    for pattern, model in materials.items():
        regions = sorted(r for r, p in owner.items() if p == pattern)
        if not regions:
            raise InputError(source, f"materials.{pattern}", "matches no region",
                             f"a region name or pattern among {sorted(tagged.regions)}")
        elements = np.sort(np.concatenate([tagged.regions[r] for r in regions]))
        groups.append(MaterialGroup(pattern, elements, model, regions))
    return groups


def boundary_constraints(tagged: TaggedMesh, disc: Discretization, boundary: dict,
                         source: str = "<case>") -> list[NodeConstraint]:
    """Node constraints from ``{boundary name: "symmetry" | "fixed" | {u_x = value, ...}}``."""
    out = []
    dim = disc.dim
    for name, spec in boundary.items():
        field = f"boundary.{name}"
        if name not in tagged.boundaries:
            raise InputError(source, field, name, "a boundary of the mesh (one of "
                             f"{sorted(tagged.boundaries) or 'none: the mesh names no boundary'})")
        nodes = boundary_nodes(disc, tagged.boundaries[name])
        if spec == "symmetry":
            normal = plane_normal(disc.node_coordinates[nodes], name, source)
            out.append(NodeConstraint(nodes, normal, 0.0, name))
        elif spec == "fixed":
            for k in range(dim):
                out.append(NodeConstraint(nodes, np.eye(dim)[k], 0.0, name))
        elif isinstance(spec, dict):
            for comp, value in spec.items():
                k = COMPONENTS.get(comp)
                if k is None or k >= dim:
                    raise InputError(source, f"{field}.{comp}", comp,
                                     f"a displacement component among "
                                     f"{[c for c, i in COMPONENTS.items() if i < dim]}")
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise InputError(source, f"{field}.{comp}", value, "a number (mm)")
                out.append(NodeConstraint(nodes, np.eye(dim)[k], float(value), name))
        else:
            raise InputError(source, field, spec,
                             '"symmetry", "fixed" or a table like {u_z = 0.0}')
    if disc.kind == "axisymmetric":
        on_axis = np.flatnonzero(np.abs(disc.node_coordinates[:, 0]) <=
                                 1e-9 * np.abs(disc.node_coordinates).max())
        if on_axis.size:
            out.append(NodeConstraint(on_axis, np.array([1.0, 0.0]), 0.0, "axis"))
    return out


class Model:
    """A solvable finite-element model.

    Parameters
    ----------
    tagged : the mesh with its regions and boundaries
    kind : "3d", "plane_strain", "generalized_plane_strain" or "axisymmetric"
    materials : ``{region name or glob: constitutive model}`` (objects following the
        constitutive contract of ``docs/architecture.md``)
    boundary : ``{boundary name: "symmetry" | "fixed" | {u_x = ..., ...}}``
    order : displacement polynomial order (2 by default)
    remove_rigid_body_modes : pin the rigid-body modes left free by ``boundary`` automatically
    """

    def __init__(self, tagged: TaggedMesh, kind: str, materials: dict, boundary: dict | None = None,
                 order: int = 2, intorder: int | None = None,
                 remove_rigid_body_modes: bool = True, source: str = "<case>"):
        self.tagged = tagged
        self.kind = kind
        self.source = source
        self.disc = Discretization(tagged.mesh, kind, order=order, intorder=intorder)
        self.groups = assign_materials(tagged, materials, source)
        self.constraints = ConstrainedSpace(
            self.disc, boundary_constraints(tagged, self.disc, boundary or {}, source),
            remove_rigid_body_modes=remove_rigid_body_modes, source=source)
        self.assembler = Assembler(self.disc)

    @property
    def nonlinear_groups(self) -> list[MaterialGroup]:
        return [g for g in self.groups if getattr(g.model, "nonlinear", True)]

    @property
    def linear_groups(self) -> list[MaterialGroup]:
        return [g for g in self.groups if not getattr(g.model, "nonlinear", True)]

    def temperature_at_quadrature(self, temperature) -> np.ndarray:
        """Temperature (C) at every quadrature point, ``(n_elements, n_quadrature)``.

        ``temperature`` is a number (uniform), or a nodal field on the mesh vertices or on the
        displacement nodes.
        """
        disc = self.disc
        T = np.asarray(temperature, dtype=float)
        if T.ndim == 0:
            return np.full((disc.n_elements, disc.n_quadrature), float(T))
        if T.shape == (disc.n_nodes,):
            return np.einsum("eqa,ea->eq", disc.value, T[disc.scalar_basis.element_dofs.T])
        mesh = self.tagged.mesh
        if T.shape == (mesh.nvertices,):
            import skfem

            p1 = {2: skfem.ElementTriP1 if mesh.t.shape[0] in (3,) else skfem.ElementQuad1,
                  3: skfem.ElementTetP1 if mesh.t.shape[0] == 4 else skfem.ElementHex1}
            basis = skfem.CellBasis(mesh, p1[mesh.dim()](), quadrature=disc.scalar_basis.quadrature)
            return _field_values(basis.interpolate(T))
        raise InputError(self.source, "load.temperature", f"array of shape {T.shape}",
                         f"a number or a nodal field of {mesh.nvertices} vertex values "
                         f"or {disc.n_nodes} node values")

    def initial_state(self) -> dict:
        """Per material group, the constitutive state at the stress-free temperature."""
        nq = self.disc.n_quadrature
        return {g.pattern: g.model.initial_state((g.elements.size, nq)) for g in self.groups}

    def region_ids(self) -> tuple[list[str], np.ndarray]:
        return self.tagged.region_index()
