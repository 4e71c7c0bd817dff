"""Rebuild the shipped test meshes from their specs: ``python meshes/make_meshes.py``.

Each ``<name>.toml`` here names its model kind in ``[mesh] kind``; the mesh is written next to
it as ``<name>.msh`` with its metadata ``<name>.json``.
"""

from pathlib import Path

from thermofatigue.geometry import build_mesh, load_spec

HERE = Path(__file__).resolve().parent
SHIPPED = ("wlcsp_0p4_slice2d", "wlcsp_0p4_octant")

if __name__ == "__main__":
    for name in SHIPPED:
        spec = load_spec(HERE / f"{name}.toml", source=f"meshes/{name}.toml")
        build_mesh(spec, path=str(HERE / f"{name}.msh"))
