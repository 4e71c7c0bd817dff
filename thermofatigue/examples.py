"""The built-in example cases: ``thermofatigue examples`` lists them, ``thermofatigue run
--example NAME`` runs one (results in ``./thermofatigue-results`` unless ``-o`` is given)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import InputError

#: name -> (case file inside the package's data directory, one-line description)
EXAMPLES = {
    "default": ("default_case.toml", "fan-in WLCSP 4 x 4, 0.4 mm pitch, 0.305 mm die on FR-4, "
                "3D octant model (what `thermofatigue run` runs)"),
    "wlcsp_quarter": ("examples/wlcsp_quarter.toml", "the same package as a 3D quarter model "
                      "(reference for the octant and the slice)"),
    "wlcsp_slice2d": ("examples/wlcsp_slice2d.toml", "the same package as a 2D diagonal slice: "
                      "screening only, 4-6x the 3D joint energy (docs/model-kinds.md)"),
    "cu_post_wlcsp": ("examples/cu_post_wlcsp.toml", "Cu-post WLCSP with resin, 3D octant"),
    "flip_chip": ("examples/flip_chip.toml", "flip chip 0.15 mm pitch with underfill, 3D octant"),
    "fan_out": ("examples/fan_out.toml", "fan-out package, die in a 2 x 2 mm mold body, 3D "
                "octant"),
}


def example_path(name: str) -> Path:
    """The case file of a built-in example."""
    if name not in EXAMPLES:
        import difflib

        match = difflib.get_close_matches(name, EXAMPLES, n=1)
        raise InputError("thermofatigue run", "--example", name,
                         f"one of {', '.join(EXAMPLES)}"
                         + (f" (did you mean {match[0]!r}?)" if match else ""))
    return Path(str(resources.files("thermofatigue") / "data" / EXAMPLES[name][0]))


def format_examples() -> str:
    width = max(map(len, EXAMPLES))
    return "\n".join(f"{name:<{width}}  {text}" for name, (_, text) in EXAMPLES.items())
