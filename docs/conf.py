"""Sphinx configuration of the thermofatigue documentation.

Build (no network needed; warnings are errors, as in CI through tests/test_docs_build.py)::

    python -m sphinx -W -b html docs docs/_build/html

The pages are Markdown, written to read well on GitHub too; MyST-parser reads them as they
are. The API reference is generated from the package's docstrings (autodoc, numpy-style
sections through napoleon). Nothing here fetches anything: no intersphinx, no remote theme.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the package is installed (pip install .) in CI; from a source tree it is found here
sys.path.insert(0, str(ROOT))

import thermofatigue  # noqa: E402

project = "thermofatigue"
author = "the thermofatigue developers"
copyright = "2026, " + author
version = release = thermofatigue.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]

source_suffix = {".md": "markdown"}
root_doc = "index"

# Only the pages are sources: the scripts beside them (make_*.py, *_study.py) generate
# pages and figures, and docs/_build is the output.
exclude_patterns = ["_build", "**/__pycache__"]

# MyST: the pages are GitHub-flavoured Markdown (pipe tables, fenced code). ``$...$`` and
# ``$$...$$`` are math (docs/theory.md), as GitHub renders them too; no other page uses ``$``.
myst_enable_extensions = ["dollarmath"]
# Headings get anchors so that links like ``case-file.md#load`` resolve.
myst_heading_anchors = 3

# autodoc: members in source order, the signature's type hints in the description.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True

html_theme = "alabaster"
html_title = f"thermofatigue {release}"
html_static_path: list[str] = []
# The built pages load MathJax in the reader's browser (for docs/theory.md); the build itself
# needs no network.
