"""Sphinx configuration for synapse_models."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

project = "synapse_models"
author = "synapse_models engineers"
copyright = "2026, synapse_models engineers"
release = "0.1.0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "myst_nb"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Public names are documented where users reach them (sm.File, not synapse_models.models.file.File; autodoc
# adds the defining module as :canonical:, so references to either name resolve), each once. Every directive in
# docs/api/ says which members it shows: a default "members" would make automodule document its whole __all__,
# whatever its :members: list, and so document public classes a second time.
autodoc_default_options: dict[str, object] = {}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
nitpicky = False
suppress_warnings = ["ref.python"]
html_theme = "alabaster"
# wide enough for a line of code and the tables a notebook shows (alabaster's default is 940px)
html_theme_options = {"page_width": "1160px", "body_max_width": "none"}
exclude_patterns = ["_build"]

# The tutorial is kept without outputs: the build runs it (a LocalSynapse it starts itself, a few seconds), so
# what the page shows is what the code does today; a failing cell fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
