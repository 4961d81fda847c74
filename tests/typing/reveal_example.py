"""What an IDE (and mypy) sees. Checked by tests/unit/test_typing.py; never executed."""

from __future__ import annotations

import synapse_models as sm

project = sm.Project.get("syn1")
reveal_type(project)  # noqa: F821
reveal_type(sm.Folder.get(name="raw", parent=project))  # noqa: F821
reveal_type(project.annotations["n_samples"])  # noqa: F821
reveal_type(project.created_on)  # noqa: F821
reveal_type(project.store())  # noqa: F821
reveal_type(sm.connect)  # noqa: F821
