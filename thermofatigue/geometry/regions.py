"""Default materials and boundary conditions for the regions the gmsh builders name.

A case built from a geometry spec may leave out ``[materials]`` and ``[boundary]``: every region
then gets the library material below and every symmetry surface a symmetry condition. Each
choice is a modelling default, overridable in the case file.
"""

from fnmatch import fnmatchcase

# region pattern -> library material
DEFAULT_REGION_MATERIALS = {
    "die": "silicon",
    "board": "fr4",
    "board_*": "fr4",  # board layers of a layered board (board_<name>)
    # the passivation (SiN/SiO2, ~1 um) has no library entry yet; at 1 um it carries little
    # load, and polyimide stands in for it (a modelling assumption, not data)
    "passivation": "polyimide",
    "dielectric_*": "polyimide",
    "rdl": "copper",
    "ubm_*": "copper",
    "post_*": "copper",
    "pad_board_*": "copper",
    "solder_mask": "solder_mask",
    "underfill": "underfill",
    "mold": "mold_compound",
    "resin": "mold_compound",
    "backside_resin": "mold_compound",
    "joint_*": "sac305",
}


def default_materials(regions) -> dict:
    """The entries of :data:`DEFAULT_REGION_MATERIALS` that match at least one of ``regions``."""
    return {pattern: name for pattern, name in DEFAULT_REGION_MATERIALS.items()
            if any(fnmatchcase(r, pattern) for r in regions)}


def default_boundary(boundaries) -> dict:
    """A symmetry condition on every ``sym_*`` boundary."""
    return {b: "symmetry" for b in sorted(boundaries) if b.startswith("sym_")}
