"""Sphinx configuration of the documentation site (``./run docs``; see build_docs.py)."""

from __future__ import annotations

import gdwidgets

project = "gdwidgets"
author = "the gdwidgets authors"
copyright = "the gdwidgets authors, MIT licence"
release = version = gdwidgets.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# The lessons come executed (build_docs.py): never run them here. No live widgets: their
# static copies are plain HTML in the outputs, and no script comes from a CDN.
nb_execution_mode = "off"
nb_ipywidgets_js: dict = {}
nb_merge_streams = True
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
# Nothing from outside the site: Sphinx adds MathJax (from a CDN) only to a page with math,
# and no page has any (myst's $…$ is off); tests/test_docs.py scans every page.
suppress_warnings = ["myst.header"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
autodoc_inherit_docstrings = False
napoleon_google_docstring = False
napoleon_use_rtype = False

html_theme = "furo"
html_title = f"gdwidgets {release}"
html_static_path = ["_static"]
html_css_files = ["gdwidgets.css"]
html_js_files = ["gdwidgets.js"]
html_show_sourcelink = False
html_theme_options = {"navigation_with_keys": True}
