"""Parametric package geometry: TOML specs and gmsh builders.

>>> from thermofatigue.geometry import load_spec, build_mesh
>>> spec = load_spec("meshes/wlcsp_0p4_octant.toml")          # doctest: +SKIP
>>> built = build_mesh(spec, kind="octant", order=2, path="model.msh")  # doctest: +SKIP
>>> [j["region"] for j in built.joints]                        # doctest: +SKIP
['joint_10', 'joint_11', 'joint_15']

Families: ``wlcsp``, ``cu_post_wlcsp``, ``flip_chip``, ``fan_out``. Model kinds: ``slice2d``,
``quarter``, ``octant``, ``full``. See docs/geometry.md.
"""

from .array import MODEL_KINDS, Joint
from .ball import BallShape, shape_from_standoff, shape_from_volume
from .spec import FAMILIES, PackageSpec, load_spec

_BUILD = ("BuiltMesh", "build_mesh", "metadata_path_for", "model_joints")


def __getattr__(name):
    """The gmsh builders load gmsh (a large shared library): only when first used, so that
    reading a spec (``thermofatigue estimate``) stays fast."""
    if name in _BUILD:
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAMILIES", "MODEL_KINDS", "BallShape", "BuiltMesh", "Joint", "PackageSpec", "build_mesh",
    "load_spec", "metadata_path_for", "model_joints", "shape_from_standoff", "shape_from_volume",
]
